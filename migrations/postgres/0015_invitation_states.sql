-- Invitations (issue 14): a welcome email for a new account as well as an invitation to join a
-- body; an invitation can be resent (a new token: the old link dies) or withdrawn. A welcome
-- made by a superuser for an account in no body has no body, so body_id becomes optional.
alter table invitations alter column body_id drop not null;
-- 'membership' (join a body, accepted signed in) or 'welcome' (a new account's first sign-in).
alter table invitations add column kind text not null default 'membership';
-- The account a welcome is for.
alter table invitations add column user_id text references users(id) on delete cascade;
-- The last time it was sent, and how many times.
alter table invitations add column sent_at bigint not null default 0;
alter table invitations add column send_count bigint not null default 1;
alter table invitations add column withdrawn_at bigint;
update invitations set sent_at = created_at;
create index invitations_user_idx on invitations (user_id);
