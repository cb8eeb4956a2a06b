//! Checks that must finish once started, whatever the browser does.
//!
//! A password check counts the attempt before the hash and records its outcome (failure, lock,
//! audit row) after it; so do the second factor's codes and the emailed sign-in codes, around a
//! few database round trips. Run as part of the request, it is dropped when the browser hangs up,
//! and the attempt stays counted with no failure, lock or audit row behind it: a guesser who
//! hangs up every time would leave no trace and never reach the lock.

use std::future::Future;

use tracing::Instrument as _;

use crate::error::AppError;

/// Runs `check` on a task of its own, in the request's span, and waits for it.
pub(super) async fn to_the_end<T: Send + 'static>(check: impl Future<Output = T> + Send + 'static) -> Result<T, AppError> {
    tokio::spawn(check.instrument(tracing::Span::current()))
        .await
        .map_err(|e| AppError::Internal(format!("a check that must run to its end stopped early: {e}")))
}
