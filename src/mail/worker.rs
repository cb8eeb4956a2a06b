//! Delivers due outbox messages in the background, retrying failures with exponential backoff.
//! Due-ness is judged by the injected clock (`state.now()`), so tests can move time on.

use std::time::Duration;

use serde_json::json;

use crate::app::AppState;
use crate::clock::Timestamp;
use crate::store::{self, StoreError, audit::NewEvent, outbox::OutboxRow};

/// Messages handled per pass.
const BATCH: i64 = 50;
/// Longest wait between retries.
const MAX_BACKOFF_SECS: i64 = 3600;

/// Runs until the task is aborted: a pass over due messages whenever a committed message
/// wakes it (`AppState::mail_wake`), and at least every `mail.poll_interval_secs`.
pub async fn run(state: AppState) {
    let poll = Duration::from_secs(state.settings.mail.poll_interval_secs);
    loop {
        if let Err(e) = deliver_due(&state).await {
            tracing::warn!(error = %crate::report::error_chain(&e), "mail outbox pass failed");
        }
        tokio::select! {
            _ = state.mail_wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Seconds to wait after the `attempts`-th failed attempt.
pub fn backoff(base: i64, attempts: i64) -> i64 {
    let shift = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    base.saturating_mul(1_i64 << shift).min(MAX_BACKOFF_SECS)
}

/// One pass: tries every due message once. Returns how many were sent.
pub async fn deliver_due(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    let m = &state.settings.mail;
    // While one attempt runs, the message is leased to this worker for longer than SMTP may take.
    let lease = i64::try_from(m.timeout_secs).unwrap_or(i64::MAX / 4).saturating_mul(4).saturating_add(60);
    let mut sent = 0;
    for id in store::outbox::due(&state.db, now, BATCH).await? {
        let Some(row) = store::outbox::claim(&state.db, &id, now, now + lease).await? else { continue };
        if row.expires_at.is_some_and(|e| e <= now) {
            store::outbox::mark_failed(&state.db, &row.id, "expired before it could be sent", now).await?;
            audit(state, "mail.failed", &row, Some("expired")).await?;
            continue;
        }
        match state.mailer.send(&row).await {
            Ok(()) => {
                store::outbox::mark_sent(&state.db, &row.id, state.now()).await?;
                audit(state, "mail.sent", &row, None).await?;
                sent += 1;
            }
            Err(e) => {
                let text = e.to_string();
                let after = state.now();
                if e.is_permanent() || row.attempts >= m.max_attempts {
                    tracing::warn!(id = %row.id, attempts = row.attempts, error = %text, "mail given up");
                    store::outbox::mark_failed(&state.db, &row.id, &text, after).await?;
                    audit(state, "mail.failed", &row, Some(&text)).await?;
                } else {
                    let retry_at: Timestamp = after + backoff(m.retry_base_secs, row.attempts);
                    tracing::warn!(id = %row.id, attempts = row.attempts, retry_at, error = %text, "mail not sent; will retry");
                    store::outbox::mark_retry(&state.db, &row.id, &text, retry_at).await?;
                }
            }
        }
    }
    Ok(sent)
}

async fn audit(state: &AppState, action: &str, row: &OutboxRow, error: Option<&str>) -> Result<(), StoreError> {
    let mut details = json!({ "to": row.to_addr, "subject": row.subject, "attempts": row.attempts });
    if let (Some(e), Some(obj)) = (error, details.as_object_mut()) {
        obj.insert("error".into(), json!(e));
    }
    store::audit::insert(
        &state.db,
        &NewEvent {
            action,
            target_type: "mail",
            target_id: &row.id,
            outcome: if error.is_none() { "success" } else { "failure" },
            details: Some(details),
            ..Default::default()
        },
        state.now(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(30, 1), 30);
        assert_eq!(backoff(30, 2), 60);
        assert_eq!(backoff(30, 3), 120);
        assert_eq!(backoff(30, 40), 3600);
    }
}
