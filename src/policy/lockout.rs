//! When repeated failures lock an account or an address.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutRule {
    pub max_failures: i64,
    pub window_secs: i64,
    pub lockout_secs: i64,
}

/// What to do after one more failure, given how many failures were already in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Keep counting.
    Count,
    /// Lock until the given time.
    Lock { until: i64 },
}

pub fn after_failure(rule: LockoutRule, failures_before: i64, now: i64) -> AfterFailure {
    if failures_before + 1 >= rule.max_failures { AfterFailure::Lock { until: now + rule.lockout_secs } } else { AfterFailure::Count }
}

/// Start of the counting window at `now`.
pub fn window_start(rule: LockoutRule, now: i64) -> i64 {
    now - rule.window_secs
}

/// Whole minutes (rounded up, at least one) until `until`, for messages.
pub fn minutes_left(until: i64, now: i64) -> i64 {
    ((until - now).max(1) + 59) / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    const SM: LockoutRule = LockoutRule { max_failures: 5, window_secs: 300, lockout_secs: 300 };

    #[test]
    fn fifth_failure_locks() {
        for before in 0..4 {
            assert_eq!(after_failure(SM, before, 1000), AfterFailure::Count);
        }
        assert_eq!(after_failure(SM, 4, 1000), AfterFailure::Lock { until: 1300 });
        assert_eq!(window_start(SM, 1000), 700);
    }

    #[test]
    fn minutes() {
        assert_eq!(minutes_left(1300, 1000), 5);
        assert_eq!(minutes_left(1001, 1000), 1);
        assert_eq!(minutes_left(1000, 1000), 1);
        assert_eq!(minutes_left(1061, 1000), 2);
    }
}
