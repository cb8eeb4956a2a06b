//! The append-only audit log. There is no update or delete here on purpose.

use sqlx::FromRow;

use super::{Db, Exec, Result};
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

/// On a transaction, an admin change and its audit row are committed together.
pub async fn insert(db: impl Exec, e: &NewEvent<'_>, now: Timestamp) -> Result<()> {
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
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

/// Most recent events first, optionally only one action.
pub async fn recent(db: &Db, action: Option<&str>, limit: i64) -> Result<Vec<EventRow>> {
    let q = "select id, at, actor_user_id, actor_client_id, action, target_type, target_id, body_id, ip, user_agent, outcome, details
             from audit_events where ($1 = '' or action = $1) order by id desc limit $2";
    Ok(sqlx::query_as::<_, EventRow>(q).bind(action.unwrap_or("")).bind(limit).fetch_all(db.pool()).await?)
}

/// What to look for in the audit log. Empty strings and `None` mean "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A user id or a client id that acted.
    pub actor: String,
    /// An exact action, or a prefix ending in `.` or `*` (`signin.*` matches `signin.password`).
    pub action: String,
    /// A target id (user, client, body, …).
    pub target: String,
    pub body_id: String,
    pub ip: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// Events at or after this time (seconds).
    pub from: Option<Timestamp>,
    /// Events before this time (seconds).
    pub until: Option<Timestamp>,
    /// Only events older than this id: the cursor for the next page.
    pub before_id: Option<i64>,
}

const EVENT_COLUMNS: &str =
    "id, at, actor_user_id, actor_client_id, action, target_type, target_id, body_id, ip, user_agent, outcome, details";

/// One page of events matching `f`, newest first. One query text for both databases: each
/// filter is switched off by binding its "any" value.
pub async fn query(db: &Db, f: &Filter, limit: i64) -> Result<Vec<EventRow>> {
    let (action_exact, action_prefix) = match f.action.strip_suffix('*') {
        Some(prefix) => (String::new(), format!("{}%", super::users::escape_like(prefix))),
        None if f.action.ends_with('.') => (String::new(), format!("{}%", super::users::escape_like(&f.action))),
        None => (f.action.clone(), String::new()),
    };
    let q = sql!(
        "select {EVENT_COLUMNS} from audit_events
         where ($1 = '' or actor_user_id = $1 or actor_client_id = $1)
           and ($2 = '' or action = $2)
           and ($3 = '' or action like $3 escape '\\')
           and ($4 = '' or target_id = $4)
           and ($5 = '' or body_id = $5)
           and ($6 = '' or ip = $6)
           and ($7 = '' or outcome = $7)
           and at >= $8 and at < $9 and id < $10
         order by id desc limit $11"
    );
    Ok(sqlx::query_as::<_, EventRow>(q)
        .bind(&f.actor)
        .bind(action_exact)
        .bind(action_prefix)
        .bind(&f.target)
        .bind(&f.body_id)
        .bind(&f.ip)
        .bind(&f.outcome)
        .bind(f.from.unwrap_or(i64::MIN))
        .bind(f.until.unwrap_or(i64::MAX))
        .bind(f.before_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(db.pool())
        .await?)
}
