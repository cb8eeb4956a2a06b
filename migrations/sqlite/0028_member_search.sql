-- The admin users list filtered by organisation (and the body admin's own list) finds the
-- members through memberships_body_user_idx, then reads each member to skip removed accounts and
-- match the search text. Through the primary key's index alone every member costs two random
-- pages, the index entry and the table row: at a million users a body of 200 members was 400
-- pages missing the cache, and its p99 grew to three times that at a thousand users (issue 19's
-- scale bench). This index holds every column that filter reads, so SQLite checks the member in
-- the index and reads the table row (a deferred seek) only for the members that match.
create index users_member_search_idx on users (id, removed_at, created_at, email, name);
