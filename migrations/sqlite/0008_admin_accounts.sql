-- Accounts that administrators create, import or invite (issue 11, security 1 and 2).

-- The body an administrator created or imported the account for. Its administrators may change
-- the account's address, disable it, reset its second factor or remove it; nobody else but a
-- superuser. Null for every account made another way (sign-up, SSO, command line, a superuser
-- creating it in no body) or that joined a body later (added or by invitation).
alter table users add column created_for_body_id text references bodies(id) on delete set null;

-- Existing accounts: the audit log says which ones an administrator created for a body, and an
-- import into one body was recorded with that body and the import's time.
update users set created_for_body_id = (
    select e.body_id from audit_events e
    where e.action = 'user.create' and e.outcome = 'success' and e.target_type = 'user'
      and e.target_id = users.id and e.body_id is not null
    order by e.at limit 1)
where created_for_body_id is null;
update users set created_for_body_id = (
    select m.body_id from memberships m
    where m.user_id = users.id and m.created_at = users.created_at
      and exists (select 1 from audit_events e
                  where e.action = 'user.import' and e.outcome = 'success' and e.body_id = m.body_id
                    and e.at >= users.created_at and e.at <= users.created_at + 60)
    order by m.created_at limit 1)
where created_for_body_id is null;

-- An invitation to join a body, sent to an address outside the body's own email domains. The
-- membership exists only once the person holding that address accepts it, signed in. Only the
-- token's SHA-256 is stored; it is single-use and expires.
create table invitations (
    id                    text primary key,
    token_hash            text not null unique,
    email                 text not null,
    body_id               text not null references bodies(id) on delete cascade,
    -- JSON: roles, permissions, workstreams and areas, as the inviting administrator chose them.
    membership            text not null default '{}',
    invited_by_user_id    text references users(id) on delete set null,
    invited_by_client_id  text,
    created_at            bigint not null,
    expires_at            bigint not null,
    used_at               bigint,
    used_by_user_id       text references users(id) on delete set null
);
create index invitations_email_idx on invitations (email);
