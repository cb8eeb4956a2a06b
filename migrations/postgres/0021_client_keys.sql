-- Keys instead of shared secrets (issue 17): private_key_jwt clients register a JWK set (inline
-- or by URL); a client may require pushed authorization requests (PAR) and DPoP.
alter table clients drop constraint clients_auth_method_check;
alter table clients add constraint clients_auth_method_check
    check (token_endpoint_auth_method in ('client_secret_basic','client_secret_post','none','private_key_jwt'));
-- private_key_jwt: the client's public keys as a JWK set (JSON), or the URL it publishes them at.
alter table clients add column jwks text;
alter table clients add column jwks_uri text;
-- RFC 9126: authorization requests only through the pushed authorization request endpoint.
alter table clients add column require_par bigint not null default 0;
-- RFC 9449: tokens only with a DPoP proof, bound to the proof's key.
alter table clients add column require_dpop bigint not null default 0;

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
