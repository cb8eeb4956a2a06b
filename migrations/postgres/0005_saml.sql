-- Upstream SAML 2.0. AuthnRequests we sent and still wait for (single use, bound to the
-- browser that started them by the SHA-256 of a cookie), and the assertion ids already accepted,
-- kept until the assertion expires so a captured response cannot be posted again.
create table saml_requests (
    id             text primary key,
    connection_id  text not null references upstream_connections(id) on delete cascade,
    browser_hash   text not null,
    next           text not null default '',
    created_at     bigint not null,
    expires_at     bigint not null
);
create index saml_requests_expires_idx on saml_requests (expires_at);

create table saml_seen_assertions (
    connection_id  text not null references upstream_connections(id) on delete cascade,
    assertion_id   text not null,
    expires_at     bigint not null,
    primary key (connection_id, assertion_id)
);
create index saml_seen_assertions_expires_idx on saml_seen_assertions (expires_at);
