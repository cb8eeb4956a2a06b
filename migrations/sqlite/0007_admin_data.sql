-- The audit log is append-only: the database itself refuses to change or remove an event, so no
-- code path (and no mistaken query) can rewrite history. Anonymising a user therefore never
-- touches audit rows; they hold ids, not personal details.
create trigger audit_events_no_update before update on audit_events
begin
    select raise(abort, 'audit_events is append-only');
end;

create trigger audit_events_no_delete before delete on audit_events
begin
    select raise(abort, 'audit_events is append-only');
end;

-- The audit log view filters by actor (the body filter's index is in 0006).
create index audit_events_actor_idx on audit_events (actor_user_id);
