-- The audit log is append-only: the database itself refuses to change or remove an event, so no
-- code path (and no mistaken query) can rewrite history. Anonymising a user therefore never
-- touches audit rows; they hold ids, not personal details.
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_events is append-only';
end;
$$;

create trigger audit_events_no_update before update or delete on audit_events
    for each row execute function audit_events_append_only();

create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only();

-- The audit log view filters by actor (the body filter's index is in 0006).
create index audit_events_actor_idx on audit_events (actor_user_id);
