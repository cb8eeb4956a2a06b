-- The audit log filtered by one actor (store::audit::query) found the actor's events through
-- audit_events_actor_idx, then read each event's row from the table. An actor's events are
-- written at different times, so each sits on a page of its own: at ten million events
-- (issue 19's scale bench) ten events were ten random pages outside SQLite's cache, and the
-- p99 grew by 1.3 times that at ten thousand events. This index carries every column the log
-- shows, so one actor's newest events are read from a few adjacent index pages and never from
-- the table. It replaces the narrower index rather than adding one, so an event is still written
-- to the same number of indexes (its entry is wider; large ones spill to overflow pages).
--
-- PostgreSQL keeps the narrower index: its ratio was within the target already, and an index
-- entry there cannot exceed about 2.7 kB, which an event's user agent and details could.
drop index if exists audit_events_actor_idx;
create index audit_events_actor_idx on audit_events
    (actor_user_id, id, at, actor_client_id, action, target_type, target_id, body_id, ip, user_agent, outcome, details);
