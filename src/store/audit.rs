//! The append-only audit log. There is no update or delete here on purpose.

use sqlx::FromRow;

use super::binds::{Binds, bind_all};
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

/// The characters of an event's text columns together, as migration 0031's conditions write it.
macro_rules! actor_text_length {
    () => {
        "length(actor_user_id) + coalesce(length(actor_client_id), 0) + length(action) + length(target_type) \
         + length(target_id) + coalesce(length(body_id), 0) + length(ip) + length(user_agent) + length(outcome) \
         + length(details)"
    };
}

/// The events small enough to sit whole in `audit_events_actor_idx`, which carries every column
/// (migration 0031): one actor's events are then read from a few adjacent index pages rather
/// than one table page each. PostgreSQL limits an index entry to about 2.7 kB, and 600
/// characters are at most 2.4 kB, so the larger events are in `audit_events_actor_wide_idx`
/// instead ([`ACTOR_WIDE`]). Each reader of one actor's events reads both, with these exact
/// conditions (the databases use a partial index only for a query that states its condition):
/// every event is in exactly one of them.
pub const ACTOR_COMPACT: &str = concat!(actor_text_length!(), " <= 600");
pub const ACTOR_WIDE: &str = concat!(actor_text_length!(), " > 600");

/// One page of events matching `f`, newest first.
///
/// The text holds only the conditions in use, so each filter can be served by its index
/// (`(column, id)`, migration 0026) and read newest first without sorting: a condition written
/// as `($1 = '' or column = $1)` cannot use an index, which over ten million events is a scan
/// of the whole log. An actor may be a user or a client, so that filter is index reads joined
/// (a user's compact and wide events, [`ACTOR_COMPACT`], and a client's), each already in order
/// and cut at `limit`.
pub async fn query(db: &Db, f: &Filter, limit: i64) -> Result<Vec<EventRow>> {
    let mut binds = Binds::default();
    let text = if f.actor.is_empty() {
        let rest = conditions(f, &mut binds);
        format!("select {EVENT_COLUMNS} from audit_events where {rest} order by id desc limit {}", binds.int(limit))
    } else {
        let mut by_user = |size: &str| {
            let actor = binds.text(&f.actor);
            let rest = conditions(f, &mut binds);
            format!(
                "select {EVENT_COLUMNS} from audit_events where actor_user_id = {actor} and {size} and {rest} order by id desc limit {}",
                binds.int(limit)
            )
        };
        let (compact, wide) = (by_user(ACTOR_COMPACT), by_user(ACTOR_WIDE));
        let by_client = {
            let actor = binds.text(&f.actor);
            let rest = conditions(f, &mut binds);
            format!(
                "select {EVENT_COLUMNS} from audit_events
                 where actor_client_id = {actor} and (actor_user_id is null or actor_user_id <> {actor}) and {rest}
                 order by id desc limit {}",
                binds.int(limit)
            )
        };
        format!(
            "select {EVENT_COLUMNS} from (select * from ({compact}) u union all select * from ({wide}) w
                                          union all select * from ({by_client}) c) e
             order by id desc limit {}",
            binds.int(limit)
        )
    };
    Ok(bind_all!(sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(text)), binds).fetch_all(db.pool()).await?)
}

/// The filter's conditions other than the actor, joined with `and` (never empty).
fn conditions(f: &Filter, binds: &mut Binds) -> String {
    let mut c = Vec::new();
    match f.action.strip_suffix('*') {
        Some(prefix) => c.push(format!("action like {} escape '\\'", binds.text(&format!("{}%", super::users::escape_like(prefix))))),
        None if f.action.ends_with('.') => {
            c.push(format!("action like {} escape '\\'", binds.text(&format!("{}%", super::users::escape_like(&f.action)))));
        }
        None if !f.action.is_empty() => c.push(format!("action = {}", binds.text(&f.action))),
        None => {}
    }
    for (column, value) in [("target_id", &f.target), ("body_id", &f.body_id), ("ip", &f.ip), ("outcome", &f.outcome)] {
        if !value.is_empty() {
            c.push(format!("{column} = {}", binds.text(value)));
        }
    }
    if let Some(from) = f.from {
        c.push(format!("at >= {}", binds.int(from)));
    }
    if let Some(until) = f.until {
        c.push(format!("at < {}", binds.int(until)));
    }
    if let Some(before) = f.before_id {
        c.push(format!("id < {}", binds.int(before)));
    }
    if c.is_empty() { "1 = 1".to_owned() } else { c.join(" and ") }
}
