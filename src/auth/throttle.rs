//! Counting attempts against a key (an account, an address, a code page) and locking it when the
//! rule says so.
//!
//! An attempt is counted BEFORE the work it asks for (a password hash, a code check): one
//! database statement bumps the key's counter and returns the new count, so parallel requests
//! each get a different number and at most `max_failures` of them are ever checked in a window.
//! A success gives its attempt back; the attempt that reaches the limit by failing locks the key.

use crate::app::AppState;
use crate::clock::Timestamp;
use crate::policy::lockout::{self, LockoutRule};
use crate::store::{self, StoreError};

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
pub async fn reserve(state: &AppState, key: &str, rule: LockoutRule) -> Result<Reservation, StoreError> {
    let now = state.now();
    let r = store::throttle::reserve(&state.db, key, now, lockout::window_start(rule, now)).await?;
    if r.locked_until > now {
        return Ok(Reservation::Locked { until: r.locked_until });
    }
    if r.attempts > rule.max_failures {
        // As many attempts as the limit allows are already in flight or failed: refuse this one
        // unchecked and give its count back (it checked nothing). If those fail, the one that
        // reaches the limit locks the key; if they succeed, a burst of honest sign-ins from one
        // address has not locked it.
        store::throttle::release(&state.db, key, now).await?;
        return Ok(Reservation::Locked { until: now + rule.lockout_secs });
    }
    Ok(Reservation::Go { attempts: r.attempts })
}

/// Records that reserved attempt number `attempts` failed; returns when the lock ends if this
/// failure locked the key.
pub async fn failed(state: &AppState, key: &str, rule: LockoutRule, attempts: i64) -> Result<Option<Timestamp>, StoreError> {
    if attempts < rule.max_failures {
        return Ok(None);
    }
    let now = state.now();
    Ok(Some(store::throttle::lock_counter(&state.db, key, now + rule.lockout_secs, now).await?))
}

/// A reserved attempt succeeded: the key's count starts afresh, unless it was locked meanwhile
/// (by attempts that failed in parallel), in which case the success is refused too: returns
/// when that lock ends.
pub async fn succeeded(state: &AppState, key: &str) -> Result<Option<Timestamp>, StoreError> {
    store::throttle::clear_unless_locked(&state.db, key, state.now()).await
}

/// Gives a reserved attempt back without resetting the count (it was not a guess: it succeeded
/// against a shared key such as a client address, or nothing was checked).
pub async fn release(state: &AppState, key: &str) -> Result<(), StoreError> {
    store::throttle::release(&state.db, key, state.now()).await
}
