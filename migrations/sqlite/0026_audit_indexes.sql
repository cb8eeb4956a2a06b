-- The audit log is read newest first by one column at a time (store::audit::query,
-- store::user_activity::events_of_user): each such column gets an index that ends in id, so the
-- newest matching rows are read in order from the index instead of by scanning the whole log
-- (ten million events in issue 19's scale bench).
drop index if exists audit_events_actor_idx;
create index audit_events_actor_idx on audit_events (actor_user_id, id);
create index audit_events_client_idx on audit_events (actor_client_id, id);
create index audit_events_target_id_idx on audit_events (target_id, id);
drop index if exists audit_events_body_idx;
create index audit_events_body_idx on audit_events (body_id, id);
