-- no-transaction
-- Keys instead of shared secrets (issue 17): private_key_jwt clients register a JWK set (inline
-- or by URL); a client may require pushed authorization requests (PAR) and DPoP. The method is
-- constrained by a CHECK, which SQLite cannot change in place, so the table is rebuilt (SQLite's
-- twelve-step procedure): with foreign keys off, so that dropping the old table does not cascade
-- to the consents, session links and tokens that reference it; they are checked at the end.
pragma foreign_keys = off;
begin;
create table clients_new (
    id                          text primary key,
    name                        text not null,
    secret_hash                 text,
    redirect_uris               text not null default '[]',
    post_logout_redirect_uris   text not null default '[]',
    backchannel_logout_uri      text,
    grant_types                 text not null default '["authorization_code"]',
    scopes                      text not null default '["openid","profile","email"]',
    token_endpoint_auth_method  text not null default 'client_secret_basic',
    id_token_signing_alg        text not null default 'RS256',
    permission_namespaces       text not null default '[]',
    body_id                     text references bodies(id) on delete set null,
    id_token_claims             text not null default '[]',
    access_token_audience       text,
    first_party                 bigint not null default 0,
    require_pkce                bigint not null default 1,
    created_at                  bigint not null,
    updated_at                  bigint not null,
    require_mfa                 bigint not null default 0,
    admin_access                text,
    admin_body_id               text references bodies(id) on delete set null,
    admin_permissions           text not null default '[]',
    -- private_key_jwt: the client's public keys as a JWK set (JSON), or the URL it publishes them at.
    jwks                        text,
    jwks_uri                    text,
    -- RFC 9126: authorization requests only through the pushed authorization request endpoint.
    require_par                 bigint not null default 0,
    -- RFC 9449: tokens only with a DPoP proof, bound to the proof's key.
    require_dpop                bigint not null default 0,
    constraint clients_auth_method_check
        check (token_endpoint_auth_method in ('client_secret_basic','client_secret_post','none','private_key_jwt'))
);
insert into clients_new (id, name, secret_hash, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, grant_types, scopes,
                         token_endpoint_auth_method, id_token_signing_alg, permission_namespaces, body_id, id_token_claims,
                         access_token_audience, first_party, require_pkce, created_at, updated_at, require_mfa, admin_access,
                         admin_body_id, admin_permissions)
    select id, name, secret_hash, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, grant_types, scopes,
           token_endpoint_auth_method, id_token_signing_alg, permission_namespaces, body_id, id_token_claims,
           access_token_audience, first_party, require_pkce, created_at, updated_at, require_mfa, admin_access,
           admin_body_id, admin_permissions
    from clients;
drop table clients;
alter table clients_new rename to clients;

-- The jti of every client assertion and DPoP proof accepted, so that none is accepted twice, by
-- any instance: `kind` is 'client_assertion' or 'dpop', `issuer` the client id or the DPoP key's
-- thumbprint, `jti_hash` the SHA-256 of the jti. Kept until the assertion or proof could no longer
-- be accepted anyway (`expires_at`), then purged by the maintenance loop.
create table used_jtis (
    kind        text not null,
    issuer      text not null,
    jti_hash    text not null,
    expires_at  bigint not null,
    primary key (kind, issuer, jti_hash)
);
create index used_jtis_expires_idx on used_jtis (expires_at);
commit;
pragma foreign_keys = on;
