-- The users list's rarer filters at a million users (issue 14, benches/users_list.rs): the
-- disabled and flagged users newest first, read from their own partial indexes instead of
-- walking every user until a page is found; and a role's holders found from the role (the
-- primary key of membership_roles starts with the membership).
create index users_disabled_list_idx on users (created_at desc, id desc) where disabled = 1 and removed_at is null;
create index users_flagged_list_idx on users (created_at desc, id desc) where flagged = 1 and removed_at is null;
create index membership_roles_role_idx on membership_roles (role_id, membership_id);
