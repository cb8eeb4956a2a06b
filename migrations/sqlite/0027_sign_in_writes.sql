-- A password sign-in writes an audit row; at ten million events each index on audit_events is
-- another random page to read and write (issue 19's scale bench).
--
-- (target_type, target_id) is covered by audit_events_target_id_idx (target_id, id) since 0026:
-- no query filters on target_type, and each audit row paid for this index too.
drop index if exists audit_events_target_idx;
