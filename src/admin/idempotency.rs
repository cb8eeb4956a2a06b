//! The service side of the admin API's `Idempotency-Key`: while a request with a key runs, the
//! key's fingerprint is in scope, and every change the service layer commits (each audits itself
//! with `ops::audit_ok` inside its transaction) records in that same transaction that it
//! happened. A retry after an answer lost to a dropped connection then knows the change is
//! there, instead of doing it again (or answering 409). The HTTP side is `admin::api::idempotency`.

use std::future::Future;

use crate::store::{self, StoreError, Tx};

tokio::task_local! {
    static CURRENT: String;
}

/// Runs `f` with `fingerprint` as the current request's idempotency key.
pub async fn scope<F: Future>(fingerprint: String, f: F) -> F::Output {
    CURRENT.scope(fingerprint, f).await
}

/// Called inside the transaction of every audited change: records what it changed against the
/// current request's key, if it has one.
pub(crate) async fn record_effect(tx: &mut Tx, target_type: &str, target_id: &str) -> Result<(), StoreError> {
    let Ok(fingerprint) = CURRENT.try_with(Clone::clone) else { return Ok(()) };
    store::idempotency::record_effect(tx, &fingerprint, target_type, target_id).await
}
