-- The administrators' users list (issue 14): newest first, a page at a time by keyset
-- (created_at, id), live users only, and the organisation filter reading memberships by body.
create index users_list_idx on users (created_at desc, id desc) where removed_at is null;
create index memberships_body_user_idx on memberships (body_id, user_id);
