-- Two-factor authentication: a client may require it for every sign-in.
alter table clients add column require_mfa bigint not null default 0;
