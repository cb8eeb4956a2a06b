-- Stile's whole domain schema. The PostgreSQL twin (migrations/postgres/0001_schema.sql) has the
-- same tables, columns and constraint names. Conventions, chosen so one query text serves both
-- databases through sqlx's Any driver:
--   * ids are text (UUID v7 for rows people see; random strings for secrets' hashes),
--   * times are bigint seconds since the Unix epoch,
--   * flags are bigint 0/1,
--   * lists and maps that are only read whole are JSON in text columns.

create table users (
    id              text primary key,
    email           text not null,            -- lower-cased, NFC
    email_verified  bigint not null default 0,
    name            text not null default '',
    password_hash   text,                     -- argon2id PHC string, or an imported bcrypt hash
    superuser       bigint not null default 0,
    flagged         bigint not null default 0,
    disabled        bigint not null default 0,
    created_at      bigint not null,
    updated_at      bigint not null,
    last_login_at   bigint,
    constraint users_email_key unique (email)
);

create table bodies (
    id                  text primary key,
    name                text not null,
    kind                text not null,
    status              text not null default 'active',
    fms_body_id         text,
    swa_code            text,
    mfa_policy          text not null default 'optional',
    sign_in_methods     text not null default '["password","email"]',
    password_min_length bigint,
    default_role_id     text,
    created_at          bigint not null,
    updated_at          bigint not null,
    constraint bodies_name_key unique (name),
    constraint bodies_kind_check check (kind in ('council','highway_authority','promoter','contractor','other')),
    constraint bodies_status_check check (status in ('active','suspended','disabled')),
    constraint bodies_mfa_policy_check check (mfa_policy in ('optional','required'))
);

-- Email domains a body owns, for home-realm discovery and account creation.
create table body_domains (
    domain   text primary key,
    body_id  text not null references bodies(id) on delete cascade
);

-- Contractor organisations working for a promoter or highway authority (Street Manager).
create table body_links (
    principal_id   text not null references bodies(id) on delete cascade,
    contractor_id  text not null references bodies(id) on delete cascade,
    created_at     bigint not null,
    primary key (principal_id, contractor_id)
);

create table permissions (
    key          text primary key,            -- namespace:name
    namespace    text not null,
    label        text not null,
    description  text not null default ''
);

-- A role belongs to a body; body_id null marks a template that is copied into bodies.
create table roles (
    id            text primary key,
    body_id       text references bodies(id) on delete cascade,
    template_key  text,
    name          text not null,
    namespace     text not null default '',
    description   text not null default '',
    body_kinds    text not null default '[]',
    mfa_required  bigint not null default 0,
    created_at    bigint not null,
    updated_at    bigint not null,
    constraint roles_body_name_key unique (body_id, name)
);
create unique index roles_template_key_idx on roles (template_key) where body_id is null;

create table role_permissions (
    role_id         text not null references roles(id) on delete cascade,
    permission_key  text not null references permissions(key) on delete cascade,
    primary key (role_id, permission_key)
);

-- Which roles may grant a role (delegated administration). No rows: only body admins per policy.
create table role_grantors (
    role_id          text not null references roles(id) on delete cascade,
    grantor_role_id  text not null references roles(id) on delete cascade,
    primary key (role_id, grantor_role_id)
);

create table memberships (
    id          text primary key,
    user_id     text not null references users(id) on delete cascade,
    body_id     text not null references bodies(id) on delete cascade,
    created_at  bigint not null,
    constraint memberships_user_body_key unique (user_id, body_id)
);

create table membership_roles (
    membership_id  text not null references memberships(id) on delete cascade,
    role_id        text not null references roles(id) on delete cascade,
    primary key (membership_id, role_id)
);

create table membership_permissions (
    membership_id   text not null references memberships(id) on delete cascade,
    permission_key  text not null references permissions(key) on delete cascade,
    primary key (membership_id, permission_key)
);

create table membership_workstreams (
    membership_id  text not null references memberships(id) on delete cascade,
    prefix         text not null,
    access         text not null,
    primary key (membership_id, prefix),
    constraint membership_workstreams_access_check check (access in ('full_write','read_only'))
);

create table membership_areas (
    membership_id  text not null references memberships(id) on delete cascade,
    area           text not null,
    primary key (membership_id, area)
);

-- Relying apps.
create table clients (
    id                          text primary key,
    name                        text not null,
    secret_hash                 text,            -- sha-256 of a 256-bit random secret; null for public clients
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
    constraint clients_auth_method_check check (token_endpoint_auth_method in ('client_secret_basic','client_secret_post','none'))
);

create table consents (
    user_id     text not null references users(id) on delete cascade,
    client_id   text not null references clients(id) on delete cascade,
    scopes      text not null,
    granted_at  bigint not null,
    primary key (user_id, client_id)
);

-- Browser sessions. The cookie holds a random secret; only its hash is stored.
create table sessions (
    id_hash              text primary key,
    sid                  text not null,        -- public session id for OIDC (sid claim)
    user_id              text not null references users(id) on delete cascade,
    created_at           bigint not null,
    last_seen_at         bigint not null,
    idle_expires_at      bigint not null,
    absolute_expires_at  bigint not null,
    auth_time            bigint not null,
    amr                  text not null default '[]',
    acr                  text not null default '',
    ip                   text not null default '',
    user_agent           text not null default '',
    constraint sessions_sid_key unique (sid)
);
create index sessions_user_idx on sessions (user_id);

-- Clients a session has signed into, for front- and back-channel logout.
create table session_clients (
    session_id_hash  text not null references sessions(id_hash) on delete cascade,
    client_id        text not null references clients(id) on delete cascade,
    first_at         bigint not null,
    primary key (session_id_hash, client_id)
);

-- Authorization codes, magic links, email confirmations, refresh tokens: stored only as hashes.
create table one_time_tokens (
    hash        text primary key,
    kind        text not null,
    user_id     text references users(id) on delete cascade,
    client_id   text references clients(id) on delete cascade,
    session_sid text,
    family_id   text,
    data        text not null default '{}',
    created_at  bigint not null,
    expires_at  bigint not null,
    used_at     bigint,
    revoked_at  bigint
);
create index one_time_tokens_family_idx on one_time_tokens (family_id);
create index one_time_tokens_user_idx on one_time_tokens (user_id, kind);
create index one_time_tokens_expiry_idx on one_time_tokens (expires_at);

-- Signing keys; private halves encrypted under the master key (AES-256-GCM, kid as AAD).
create table signing_keys (
    kid                    text primary key,
    alg                    text not null,
    state                  text not null,
    private_key_encrypted  text not null,
    public_jwk             text not null,
    created_at             bigint not null,
    activated_at           bigint,
    retired_at             bigint,
    constraint signing_keys_alg_check check (alg in ('RS256','ES256')),
    constraint signing_keys_state_check check (state in ('next','current','retired'))
);
create unique index signing_keys_one_current_idx on signing_keys (alg) where state = 'current';

-- Failed attempts (sign-in, code guesses, mail requests), keyed by what is being protected.
create table throttle_events (
    id   integer primary key autoincrement,
    key  text not null,
    at   bigint not null
);
create index throttle_events_key_at_idx on throttle_events (key, at);

create table throttle_locks (
    key    text primary key,
    until  bigint not null
);

create table audit_events (
    id               integer primary key autoincrement,
    at               bigint not null,
    actor_user_id    text,
    actor_client_id  text,
    action           text not null,
    target_type      text not null default '',
    target_id        text not null default '',
    body_id          text,
    ip               text not null default '',
    user_agent       text not null default '',
    outcome          text not null,
    details          text not null default '{}'
);
create index audit_events_at_idx on audit_events (at);
create index audit_events_target_idx on audit_events (target_type, target_id);

-- The abuse table: banned addresses and whole domains.
create table banned_emails (
    pattern     text primary key,
    kind        text not null,
    reason      text not null default '',
    created_at  bigint not null,
    constraint banned_emails_kind_check check (kind in ('email','domain'))
);

-- Second factors.
create table user_totp (
    user_id           text primary key references users(id) on delete cascade,
    secret_encrypted  text not null,
    last_used_step    bigint,
    confirmed_at      bigint,
    created_at        bigint not null
);

create table recovery_codes (
    user_id    text not null references users(id) on delete cascade,
    code_hash  text not null,
    used_at    bigint,
    primary key (user_id, code_hash)
);

-- Council single sign-on.
create table upstream_connections (
    id                  text primary key,
    kind                text not null,
    name                text not null,
    body_id             text references bodies(id) on delete cascade,
    sso_mode            text not null default 'offered',
    trust_upstream_mfa  bigint not null default 0,
    jit_provisioning    bigint not null default 0,
    config              text not null default '{}',
    secret_encrypted    text,
    created_at          bigint not null,
    updated_at          bigint not null,
    constraint upstream_connections_kind_check check (kind in ('oidc','saml')),
    constraint upstream_connections_mode_check check (sso_mode in ('offered','required'))
);

create table federated_identities (
    connection_id  text not null references upstream_connections(id) on delete cascade,
    subject        text not null,
    user_id        text not null references users(id) on delete cascade,
    created_at     bigint not null,
    last_used_at   bigint,
    primary key (connection_id, subject)
);

-- Settings that must be shared by every instance (e.g. whether the demo has been seeded).
create table instance_settings (
    key    text primary key,
    value  text not null
);
