//! The append-only audit log. There is no update or delete here on purpose.

use sqlx::FromRow;

use super::{Db, Result};
use crate::clock::Timestamp;

#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    pub actor_user_id: Option<&'a str>,
    pub actor_client_id: Option<&'a str>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub body_id: Option<&'a str>,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub outcome: &'a str,
    /// JSON object with non-secret detail (never a password, code or token).
    pub details: Option<serde_json::Value>,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct EventRow {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_client_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub body_id: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub outcome: String,
    pub details: String,
}

pub async fn insert(db: &Db, e: &NewEvent<'_>, now: Timestamp) -> Result<()> {
    let mut conn = db.pool().acquire().await?;
    insert_on(&mut conn, e, now).await
}

/// As [`insert`], on a connection or open transaction, so an admin change and its audit row are
/// committed together.
pub async fn insert_on(conn: &mut sqlx::AnyConnection, e: &NewEvent<'_>, now: Timestamp) -> Result<()> {
    let details = e.details.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "{}".into());
    // User agents are attacker-controlled; keep them to a sane size.
    let ua: String = e.user_agent.chars().take(512).collect();
    sqlx::query(
        "insert into audit_events (at, actor_user_id, actor_client_id, action, target_type, target_id, body_id, ip, user_agent, outcome, details)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(now)
    .bind(e.actor_user_id)
    .bind(e.actor_client_id)
    .bind(e.action)
    .bind(e.target_type)
    .bind(e.target_id)
    .bind(e.body_id)
    .bind(e.ip)
    .bind(ua)
    .bind(e.outcome)
    .bind(details)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Most recent events first, optionally only one action.
pub async fn recent(db: &Db, action: Option<&str>, limit: i64) -> Result<Vec<EventRow>> {
    let q = "select id, at, actor_user_id, actor_client_id, action, target_type, target_id, body_id, ip, user_agent, outcome, details
             from audit_events where ($1 = '' or action = $1) order by id desc limit $2";
    Ok(sqlx::query_as::<_, EventRow>(q).bind(action.unwrap_or("")).bind(limit).fetch_all(db.pool()).await?)
}
