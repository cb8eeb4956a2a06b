-- A password sign-in writes a users row (last_login_at) and an audit row; at a million users and
-- ten million events each index on those tables is another random page to read and dirty
-- (issue 19's scale bench).
--
-- Room on every users page for the new version of a row, so the sign-in's update of
-- last_login_at (no indexed column) can be a heap-only update, which adds no entry to any of the
-- users table's indexes; on a full page every such update adds one to each of them. It applies
-- to pages written from now on; existing pages gain room as their rows are updated and vacuumed.
alter table users set (fillfactor = 90);
-- (target_type, target_id) is covered by audit_events_target_id_idx (target_id, id) since 0026:
-- no query filters on target_type, and each audit row paid for this index too.
drop index if exists audit_events_target_idx;
