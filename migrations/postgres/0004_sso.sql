-- Council single sign-on: connection settings beyond 0001's columns, the email domains each
-- connection serves, and sign-ins in flight at an upstream identity provider.

-- Whether the sign-in page shows a "Sign in with <name>" button for the connection.
alter table upstream_connections add column show_button bigint not null default 0;
-- Whether a SAML IdP may start a sign-in unasked (IdP-initiated, no InResponseTo).
alter table upstream_connections add column allow_idp_initiated bigint not null default 0;
-- Claim/attribute mapping, group → role mapping and MFA-trust values, as JSON (see src/sso/connection.rs).
alter table upstream_connections add column mapping text not null default '{}';

-- Home-realm discovery: an email domain is served by at most one connection.
create table connection_domains (
    domain         text primary key,
    connection_id  text not null references upstream_connections(id) on delete cascade
);
create index connection_domains_connection_idx on connection_domains (connection_id);

-- A sign-in sent to an upstream IdP and not yet back. `id_hash` is the SHA-256 of the value that
-- travels through the IdP (OIDC `state`, SAML AuthnRequest ID); `browser_hash` the SHA-256 of the
-- random value in the browser's SSO cookie, so a response is accepted only in the browser that
-- started it. Single use (used_at) and short-lived (expires_at). `data` holds protocol values
-- (OIDC nonce and PKCE verifier), never long-lived secrets.
create table sso_login_states (
    id_hash        text primary key,
    connection_id  text not null references upstream_connections(id) on delete cascade,
    browser_hash   text not null,
    next           text not null default '/account',
    data           text not null default '{}',
    created_at     bigint not null,
    expires_at     bigint not null,
    used_at        bigint
);
create index sso_login_states_expiry_idx on sso_login_states (expires_at);
