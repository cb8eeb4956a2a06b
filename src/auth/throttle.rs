//! Counting attempts against a key (an account, an address, a code page) and locking it when the
//! rule says so.
//!
//! An attempt is counted BEFORE the work it asks for (a password hash, a code check): one
//! database statement bumps the key's counter and returns the new count, so parallel requests
//! each get a different number and at most `max_failures` of them are ever checked in a window.
//! A success gives its attempt back and forgives the failures that finished before it; attempts
//! still in flight stay counted. The failure that brings the failures to the limit locks the key.
//!
//! Each function takes the database and the time it acts at, nothing else, so the rules can be
//! tested at fixed times (the tests below).

use crate::clock::Timestamp;
use crate::policy::lockout::{self, LockoutRule};
use crate::store::{self, Db, Exec, StoreError};

/// What a reservation allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Go ahead and check: this is attempt number `attempts` in the window.
    Go { attempts: i64 },
    /// Refused without checking: the key is locked, or as many attempts as the limit allows are
    /// already under way; try again after `until`.
    Locked { until: Timestamp },
}

/// Counts one attempt against `key` before it is checked. Over the limit the attempt is refused
/// unchecked; a locked key refuses every attempt, right or wrong.
pub async fn reserve(db: &Db, key: &str, rule: LockoutRule, now: Timestamp) -> Result<Reservation, StoreError> {
    let mut c = db.conn().await?;
    reserve_on(&mut c, key, rule, now).await
}

/// [`reserve`] on a connection the caller holds: in a transaction, the reservation counts for
/// parallel attempts only once it is committed, and rolling it back gives it back.
pub async fn reserve_on(c: &mut sqlx::AnyConnection, key: &str, rule: LockoutRule, now: Timestamp) -> Result<Reservation, StoreError> {
    let r = store::throttle::reserve(&mut *c, key, now, lockout::window_start(rule, now)).await?;
    if r.locked_until > now {
        return Ok(Reservation::Locked { until: r.locked_until });
    }
    if r.attempts > rule.max_failures {
        // As many attempts as the limit allows are already in flight or failed: refuse this one
        // unchecked and give its count back (it checked nothing). If those fail, the one that
        // reaches the limit locks the key; if they succeed, a burst of honest sign-ins from one
        // address has not locked it.
        store::throttle::release(&mut *c, key, now).await?;
        return Ok(Reservation::Locked { until: now + rule.lockout_secs });
    }
    Ok(Reservation::Go { attempts: r.attempts })
}

/// Records that a reserved attempt failed; returns when the lock ends if the key is locked now:
/// the failure that brings the key's failures in the window to the limit locks it.
pub async fn failed(db: impl Exec, key: &str, rule: LockoutRule, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
    store::throttle::fail(db, key, rule.max_failures, now + rule.lockout_secs, now).await
}

/// A reserved attempt succeeded: it and the failures before it are forgiven (attempts still in
/// flight stay counted), unless the key was locked meanwhile (by attempts that failed in
/// parallel), in which case the success is refused too: returns when that lock ends.
pub async fn succeeded(db: impl Exec, key: &str, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
    store::throttle::clear_unless_locked(db, key, now).await
}

/// Gives a reserved attempt back without resetting the count (it was not a guess: it succeeded
/// against a shared key such as a client address, or nothing was checked).
pub async fn release(db: impl Exec, key: &str, now: Timestamp) -> Result<(), StoreError> {
    store::throttle::release(db, key, now).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::scratch_db;

    const RULE: LockoutRule = LockoutRule { max_failures: 3, window_secs: 600, lockout_secs: 900 };
    const T0: Timestamp = 1_800_000_000;

    async fn go(db: &Db, key: &str, now: Timestamp) -> i64 {
        match reserve(db, key, RULE, now).await.unwrap() {
            Reservation::Go { attempts } => attempts,
            Reservation::Locked { until } => panic!("locked until {until} at {now}"),
        }
    }

    #[tokio::test]
    async fn the_failure_that_reaches_the_limit_locks_until_lockout_ends() {
        let (db, _dir) = scratch_db().await;
        for n in 1..RULE.max_failures {
            assert_eq!(go(&db, "k", T0 + n).await, n);
            assert_eq!(failed(&db, "k", RULE, T0 + n).await.unwrap(), None, "failure {n} only counts");
        }
        assert_eq!(go(&db, "k", T0 + 10).await, RULE.max_failures);
        assert_eq!(failed(&db, "k", RULE, T0 + 10).await.unwrap(), Some(T0 + 10 + RULE.lockout_secs));
        // Locked: refused unchecked, the right answer too, until the second the lock ends.
        let until = T0 + 10 + RULE.lockout_secs;
        assert_eq!(reserve(&db, "k", RULE, until - 1).await.unwrap(), Reservation::Locked { until });
        assert_eq!(succeeded(&db, "k", until - 1).await.unwrap(), Some(until), "a success cannot clear a lock");
        assert_eq!(go(&db, "k", until).await, 1, "counting starts afresh when the lock ends");
        // Another key is untouched.
        assert_eq!(go(&db, "other", T0 + 11).await, 1);
    }

    #[tokio::test]
    async fn parallel_attempts_over_the_limit_are_refused_unchecked() {
        let (db, _dir) = scratch_db().await;
        let mut attempts = Vec::new();
        for _ in 0..RULE.max_failures {
            attempts.push(go(&db, "k", T0).await);
        }
        assert_eq!(attempts, [1, 2, 3], "each in-flight attempt gets its own number");
        // A fourth while three are in flight checks nothing, and gives its count back.
        assert_eq!(reserve(&db, "k", RULE, T0).await.unwrap(), Reservation::Locked { until: T0 + RULE.lockout_secs });
        release(&db, "k", T0).await.unwrap();
        assert_eq!(go(&db, "k", T0).await, 3, "one released, so the next is number three again");
    }

    /// A success while other guesses are in flight forgives only itself and the failures before
    /// it: those in flight still count, so no more than the limit are checked before the lock.
    #[tokio::test]
    async fn a_success_does_not_forgive_the_attempts_still_in_flight() {
        let (db, _dir) = scratch_db().await;
        assert_eq!(go(&db, "k", T0).await, 1);
        assert_eq!(failed(&db, "k", RULE, T0).await.unwrap(), None, "an earlier failure, forgiven by the success");
        let (_right, first_guess) = (go(&db, "k", T0).await, go(&db, "k", T0).await);
        assert_eq!(first_guess, 3);
        assert_eq!(succeeded(&db, "k", T0).await.unwrap(), None);
        // The guess in flight still counts: two more may be checked, not three.
        let mut more = 0;
        while let Reservation::Go { .. } = reserve(&db, "k", RULE, T0).await.unwrap() {
            more += 1;
            assert!(more < 10, "never refused");
        }
        assert_eq!(more, RULE.max_failures - 1);
        // All three fail: the third locks.
        assert_eq!(failed(&db, "k", RULE, T0 + 1).await.unwrap(), None);
        assert_eq!(failed(&db, "k", RULE, T0 + 1).await.unwrap(), None);
        assert_eq!(failed(&db, "k", RULE, T0 + 1).await.unwrap(), Some(T0 + 1 + RULE.lockout_secs));
    }

    #[tokio::test]
    async fn a_success_or_the_window_passing_starts_the_count_afresh() {
        let (db, _dir) = scratch_db().await;
        assert_eq!(go(&db, "k", T0).await, 1);
        assert_eq!(failed(&db, "k", RULE, T0).await.unwrap(), None);
        let b = go(&db, "k", T0 + 1).await;
        assert_eq!(b, 2);
        assert_eq!(succeeded(&db, "k", T0 + 1).await.unwrap(), None);
        assert_eq!(go(&db, "k", T0 + 2).await, 1, "a success clears the count");
        assert_eq!(go(&db, "k", T0 + 3).await, 2);
        assert_eq!(go(&db, "k", T0 + 3 + RULE.window_secs).await, 1, "the window passed");
    }
}
