-- SCIM 2.0 provisioning (issue 16). The PostgreSQL twin is the same.

-- A body's SCIM bearer secrets: shown once, stored as SHA-256; each acts with `permissions`
-- (a body administrator's, chosen when it was made) in its body only.
create table scim_tokens (
    id            text primary key,
    body_id       text not null references bodies(id) on delete cascade,
    label         text not null default '',
    secret_hash   text not null,
    permissions   text not null default '[]',
    created_at    bigint not null,
    last_used_at  bigint,
    revoked_at    bigint
);
create index scim_tokens_body_idx on scim_tokens (body_id);

-- What a body's directory said about a user that Stile keeps nowhere else: its externalId, the
-- attributes Stile does not use (name parts, the Enterprise extension), and whether the
-- directory disabled the whole account (so that re-activation enables it again, and only then).
create table scim_users (
    body_id           text not null references bodies(id) on delete cascade,
    user_id           text not null references users(id) on delete cascade,
    external_id       text,
    attributes        text not null default '{}',
    disabled_account  bigint not null default 0,
    version           bigint not null default 1,
    created_at        bigint not null,
    updated_at        bigint not null,
    primary key (body_id, user_id)
);
create index scim_users_external_idx on scim_users (body_id, external_id);

-- A body's directory groups; members get roles through the SSO connections' group → role
-- mapping (a group that maps to no role is kept, so a later mapping applies).
create table scim_groups (
    id            text primary key,
    body_id       text not null references bodies(id) on delete cascade,
    display_name  text not null,
    external_id   text,
    version       bigint not null default 1,
    created_at    bigint not null,
    updated_at    bigint not null
);
create index scim_groups_body_idx on scim_groups (body_id, display_name);

create table scim_group_members (
    group_id  text not null references scim_groups(id) on delete cascade,
    user_id   text not null references users(id) on delete cascade,
    primary key (group_id, user_id)
);
create index scim_group_members_user_idx on scim_group_members (user_id);

-- The body page's view of provisioning: when the directory last wrote, and its last failure.
create table scim_status (
    body_id        text primary key references bodies(id) on delete cascade,
    last_sync_at   bigint,
    last_error     text,
    last_error_at  bigint
);

-- A member the directory disabled in this body (active=false): the membership and its roles
-- stay, so re-activation restores them, but it grants nothing and appears in no token.
alter table memberships add column disabled_at bigint;
