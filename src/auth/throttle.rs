//! Counting failures against a key (an account, an address) and locking it when the rule says so.

use crate::app::AppState;
use crate::policy::lockout::{self, AfterFailure, LockoutRule};
use crate::store::{self, StoreError};

/// Counts one failure against `key`; returns when the lock ends if this failure locked it.
pub async fn count_failure(state: &AppState, key: &str, rule: LockoutRule) -> Result<Option<i64>, StoreError> {
    let now = state.now();
    let before = store::throttle::failures_since(&state.db, key, lockout::window_start(rule, now)).await?;
    match lockout::after_failure(rule, before, now) {
        AfterFailure::Count => {
            store::throttle::record_failure(&state.db, key, now).await?;
            Ok(None)
        }
        AfterFailure::Lock { until } => {
            store::throttle::lock(&state.db, key, until).await?;
            Ok(Some(until))
        }
    }
}
