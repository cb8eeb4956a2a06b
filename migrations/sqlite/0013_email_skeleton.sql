-- Look-alike addresses: the UTS #39 skeleton of each account's address (see src/email.rs), so
-- that `аdmin@` (Cyrillic а) cannot become a second account beside `admin@`. Unique, so two
-- look-alikes created at the same moment cannot both succeed. Rows written before this
-- migration are filled in at start-up (`store::users::fill_skeletons`); removed accounts keep none.
alter table users add column email_skeleton text;
create unique index users_email_skeleton_key on users (email_skeleton);
