-- The failures among a key's counted attempts. A success forgives the failures that finished
-- before it, and no longer the attempts still in flight: with one count for both, a success
-- reset the count while parallel guesses were being checked, and those guesses, failing after
-- it, no longer counted towards the lock (up to nine checked where the limit was five). The lock
-- now comes with the failure that brings `failures` to the limit. Counts already held are taken
-- as failures, so an upgrade forgives nothing.
alter table throttle_counters add column failures bigint not null default 0;
update throttle_counters set failures = attempts;
