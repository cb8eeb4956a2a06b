-- Every instance caches clients, bans, signing keys and unrevoked client-credentials tokens
-- (services::security_cache). Any write to
-- those tables, by any instance, the command line or by hand, notifies channel
-- `stile_security` with the table's name when its transaction commits; each instance listens
-- (server::security_listener) and drops what it cached, or reloads its keys, at once.
create or replace function stile_notify_security() returns trigger language plpgsql as $$
begin
    perform pg_notify('stile_security', tg_table_name);
    return null;
end;
$$;

create trigger clients_notify_security after insert or update or delete or truncate on clients
    for each statement execute function stile_notify_security();
create trigger banned_emails_notify_security after insert or update or delete or truncate on banned_emails
    for each statement execute function stile_notify_security();
create trigger signing_keys_notify_security after insert or update or delete or truncate on signing_keys
    for each statement execute function stile_notify_security();
-- A revoked access token (RFC 7009): introspection caches which client-credentials tokens are
-- unrevoked.
create trigger one_time_tokens_notify_security after insert on one_time_tokens
    for each row when (new.kind = 'revoked_jti') execute function stile_notify_security();
