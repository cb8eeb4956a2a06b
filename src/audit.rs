//! Writing audit events. Every sign-in, failure, lock and sign-out goes through here.

use serde_json::Value;

use crate::app::AppState;
use crate::store::{self, StoreError, audit::NewEvent};

/// Where a request came from, for throttling and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One event about a user, written on `db`: the pool, or the caller's transaction so that the
/// event is committed with the change it records (or not at all). `details` must not hold secrets.
#[allow(clippy::too_many_arguments)]
pub async fn user_event(
    db: impl store::Exec,
    state: &AppState,
    action: &str,
    actor: Option<&str>,
    target_user: Option<&str>,
    client: &ClientInfo,
    outcome: Outcome,
    details: Option<Value>,
) -> Result<(), StoreError> {
    // Counted with the audit event so that every path that audits a sign-in is counted, and
    // only those (a rolled-back transaction is retried, so may count twice; it is rare).
    state.metrics.audited(action, outcome == Outcome::Success);
    store::audit::insert(
        db,
        &NewEvent {
            actor_user_id: actor,
            action,
            target_type: if target_user.is_some() { "user" } else { "" },
            target_id: target_user.unwrap_or(""),
            ip: &client.ip,
            user_agent: &client.user_agent,
            outcome: outcome.as_str(),
            details,
            ..Default::default()
        },
        state.now(),
    )
    .await
}
