-- The audit log filtered by one actor (store::audit::query, store::user_activity) found the
-- actor's events through audit_events_actor_idx, then read each event's row from the table. An
-- actor's events are written at different times, so each sits on a page of its own: at ten
-- million events (issue 19's scale bench) ten events were ten random pages outside the cache,
-- and the p99 grew to 1.3 times (SQLite) and 1.4 times (PostgreSQL) that at ten thousand events.
--
-- The actor's index now carries every column the log shows, so one actor's newest events are
-- read from a few adjacent index pages and never from the table. PostgreSQL refuses an index
-- entry over about 2.7 kB, and an event's user agent (up to 512 characters, sent by the browser)
-- and details (a list of changes can be long) could exceed it. So the covering index holds the
-- events whose text columns are 600 characters or fewer together (at most 2.4 kB), nearly all
-- of them, and a second, narrow index holds the others. Readers ask both, with the conditions written exactly as here
-- (store::audit::ACTOR_COMPACT and ACTOR_WIDE). SQLite has no such limit, but has the same two
-- indexes so that both databases answer the same query text the same way.
--
-- Building the index holds writes to the audit log for as long as it takes (about a minute at
-- ten million events).
drop index if exists audit_events_actor_idx;
create index audit_events_actor_idx on audit_events (actor_user_id, id)
    include (at, actor_client_id, action, target_type, target_id, body_id, ip, user_agent, outcome, details)
    where length(actor_user_id) + coalesce(length(actor_client_id), 0) + length(action) + length(target_type)
        + length(target_id) + coalesce(length(body_id), 0) + length(ip) + length(user_agent) + length(outcome)
        + length(details) <= 600;
create index audit_events_actor_wide_idx on audit_events (actor_user_id, id)
    where length(actor_user_id) + coalesce(length(actor_client_id), 0) + length(action) + length(target_type)
        + length(target_id) + coalesce(length(body_id), 0) + length(ip) + length(user_agent) + length(outcome)
        + length(details) > 600;
