-- The users list filtered by organisation and searched by text read every member's entry in
-- users_member_search_idx to match the search: a body's 200 members are 200 random pages of a
-- million-user index, which at a million users come from disk rather than the cache, so the p99
-- stayed three times the one at a thousand users after 0028 (issue 19's scale bench). Each
-- membership now carries a copy of its user's email and name, indexed by body, so a body's
-- members and the text they are searched by sit together in a few pages, and only the members
-- that match are read from users.
--
-- Triggers keep the copy, whatever writes the rows (the application, the import, SQL by hand):
-- a new membership copies its user's email and name, and a user's changed email or name is
-- copied to each of their memberships in the same statement. Removing a user deletes their
-- memberships, so the copy never holds a removed user's address.
alter table memberships add column user_email text not null default '';
alter table memberships add column user_name text not null default '';

update memberships set
    user_email = coalesce((select u.email from users u where u.id = memberships.user_id), ''),
    user_name = coalesce((select u.name from users u where u.id = memberships.user_id), '');

create index memberships_body_search_idx on memberships (body_id, user_email, user_name, user_id);

create trigger memberships_copy_user after insert on memberships
begin
    update memberships set
        user_email = coalesce((select u.email from users u where u.id = new.user_id), ''),
        user_name = coalesce((select u.name from users u where u.id = new.user_id), '')
    where id = new.id;
end;

create trigger memberships_copy_user_moved after update of user_id on memberships
begin
    update memberships set
        user_email = coalesce((select u.email from users u where u.id = new.user_id), ''),
        user_name = coalesce((select u.name from users u where u.id = new.user_id), '')
    where id = new.id;
end;

create trigger users_copy_to_memberships after update of email, name on users
when old.email is not new.email or old.name is not new.name
begin
    update memberships set user_email = new.email, user_name = new.name where user_id = new.id;
end;
