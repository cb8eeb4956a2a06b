-- Issue 18: a person's saved language for pages and emails (en-GB or cy-GB); null: not chosen.
alter table users add column language text;
