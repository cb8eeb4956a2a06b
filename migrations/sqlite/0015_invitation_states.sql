-- Invitations (issue 14): a welcome email for a new account as well as an invitation to join a
-- body; an invitation can be resent (a new token: the old link dies) or withdrawn. A welcome
-- made by a superuser for an account in no body has no body, so body_id becomes optional: SQLite
-- cannot drop a NOT NULL, so the table is rebuilt (nothing references it).
create table invitations_new (
    id                    text primary key,
    token_hash            text not null unique,
    email                 text not null,
    -- 'membership' (join a body, accepted signed in) or 'welcome' (a new account's first sign-in).
    kind                  text not null default 'membership',
    body_id               text references bodies(id) on delete cascade,
    -- The account a welcome is for.
    user_id               text references users(id) on delete cascade,
    membership            text not null default '{}',
    invited_by_user_id    text references users(id) on delete set null,
    invited_by_client_id  text,
    created_at            bigint not null,
    -- The last time it was sent, and how many times.
    sent_at               bigint not null default 0,
    send_count            bigint not null default 1,
    expires_at            bigint not null,
    used_at               bigint,
    used_by_user_id       text references users(id) on delete set null,
    withdrawn_at          bigint
);
insert into invitations_new (id, token_hash, email, kind, body_id, membership, invited_by_user_id, invited_by_client_id, created_at,
                             sent_at, send_count, expires_at, used_at, used_by_user_id)
    select id, token_hash, email, 'membership', body_id, membership, invited_by_user_id, invited_by_client_id, created_at,
           created_at, 1, expires_at, used_at, used_by_user_id
    from invitations;
drop table invitations;
alter table invitations_new rename to invitations;
create index invitations_email_idx on invitations (email);
create index invitations_user_idx on invitations (user_id);
