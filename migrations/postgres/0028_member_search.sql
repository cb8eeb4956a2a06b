-- The admin users list filtered by organisation (and the body admin's own list) finds the
-- members through memberships_body_user_idx, then reads each member to skip removed accounts and
-- match the search text. Through the primary key every member costs two random pages, the index
-- entry and the heap row: at a million users a body of 200 members was 400 pages mostly outside
-- shared_buffers, and its p99 grew to four times that at a thousand users (issue 19's scale
-- bench). This index carries every column that filter reads, so an index-only scan checks each
-- member in the index and only the members that match are read from the heap. (Building it
-- holds writes to users for as long as it takes: seconds at a million users.)
create index users_member_search_idx on users (id) include (removed_at, created_at, email, name);
