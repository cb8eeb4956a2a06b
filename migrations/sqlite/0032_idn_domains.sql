-- Work that start-up does once, in Rust, after the migrations: what SQL cannot compute. A row is
-- removed when its work is done.
--
-- `idn-domains`: addresses and domains written with an `xn--` (IDNA A-label) domain are now read
-- as their Unicode form, so the stored ones are brought to that form (`store::idn`).
create table pending_fixes (
    name  text primary key
);
insert into pending_fixes (name) values ('idn-domains');
