-- Upstream SAML 2.0: the assertion ids already accepted from each connection, kept until the
-- assertion expires, so a captured response cannot be posted again. (AuthnRequests in flight are
-- rows of sso_login_states, 0004.)
create table saml_seen_assertions (
    connection_id  text not null references upstream_connections(id) on delete cascade,
    assertion_id   text not null,
    expires_at     bigint not null,
    primary key (connection_id, assertion_id)
);
create index saml_seen_assertions_expires_idx on saml_seen_assertions (expires_at);
