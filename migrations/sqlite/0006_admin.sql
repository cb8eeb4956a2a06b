-- Administration (issue 7).

-- A Street Manager role a custom role stands for (Planner, HighwayAuthority, Contractor,
-- DataExport, UI, API, Admin, StreetWorksAdmin); template copies are classified by template_key.
alter table roles add column sm_role text;

-- The SSO connection a body's users sign in with (upstream_connections.id), if any.
alter table bodies add column sso_connection_id text;

-- A machine client's administrative rights with the stile:admin scope: 'superuser', or 'body'
-- (the rights of an administrator of admin_body_id holding admin_permissions), or none.
alter table clients add column admin_access text;
alter table clients add column admin_body_id text references bodies(id) on delete set null;
alter table clients add column admin_permissions text not null default '[]';

-- Removed (anonymised) users keep their row and id so audit events still name them.
alter table users add column removed_at bigint;

create index audit_events_body_idx on audit_events (body_id, at);
create index users_flagged_idx on users (flagged);
