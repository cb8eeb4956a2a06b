-- Attempts counted before the work they guard (a password hash, a code check): one row per key
-- (an account, a client address, a code page), bumped and read back in one statement, so that
-- parallel requests cannot all see "under the limit". `locked_until` is 0 when not locked.
create table throttle_counters (
    key           text primary key,
    attempts      bigint not null,
    window_start  bigint not null,
    locked_until  bigint not null default 0
);
create index throttle_counters_window_idx on throttle_counters (window_start);
