-- PostgreSQL only (triggers that notify the other instances when clients, bans or signing keys
-- change). On SQLite the instance that writes drops its own cache at once
-- (store::security_epoch), and the cache's time to live bounds what another process's write
-- can leave stale. Nothing to change in the schema.
select 1;
