//! What a user's page shows besides the account itself: the apps holding live grants for them,
//! and their recent audit events (as actor and as target).

use sqlx::FromRow;

use super::audit::{self, EventRow};
use super::{Db, Result};
use crate::clock::Timestamp;

/// A relying app that holds at least one live grant (refresh tokens) for a user.
#[derive(Debug, Clone, FromRow)]
pub struct AppRow {
    pub client_id: String,
    pub client_name: String,
    /// Live grants (one per authorisation).
    pub grants: i64,
    /// When the newest one was granted.
    pub latest: i64,
    /// 1 when one of them is offline access (it outlives the sessions).
    pub offline: i64,
}

/// The apps holding live grants for `user_id`, by name.
pub async fn apps_of_user(db: &Db, user_id: &str, now: Timestamp) -> Result<Vec<AppRow>> {
    Ok(sqlx::query_as::<_, AppRow>(
        "select g.client_id as client_id, c.name as client_name, count(*) as grants, max(g.created_at) as latest,
                max(case when g.data like '%\"offline\":true%' then cast(1 as bigint) else cast(0 as bigint) end) as offline
         from one_time_tokens g join clients c on c.id = g.client_id
         where g.kind = 'grant' and g.user_id = $1 and g.revoked_at is null and g.expires_at > $2
         group by g.client_id, c.name
         order by c.name",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(db.pool())
    .await?)
}

/// The newest events where `user_id` acted or was the target, optionally only one body's. Index
/// reads (by actor, its compact and wide events as in [`audit::ACTOR_COMPACT`], and by target),
/// each newest first and cut at `limit`, then merged: an `or` across the two columns would scan
/// the whole log.
pub async fn events_of_user(db: &Db, user_id: &str, body_id: Option<&str>, limit: i64) -> Result<Vec<EventRow>> {
    let by_actor = |size: &str| {
        format!(
            "select * from (select * from audit_events
                            where actor_user_id = $1 and {size} and ($2 = '' or body_id = $2)
                            order by id desc limit $3)"
        )
    };
    let text = format!(
        "select id, at, actor_user_id, actor_client_id, action, target_type, target_id, body_id, ip, user_agent, outcome, details
         from ({} a
               union all
               {} w
               union all
               select * from (select * from audit_events
                              where target_id = $1 and (actor_user_id is null or actor_user_id <> $1)
                                and ($2 = '' or body_id = $2)
                              order by id desc limit $3) t) e
         order by id desc limit $3",
        by_actor(audit::ACTOR_COMPACT),
        by_actor(audit::ACTOR_WIDE)
    );
    Ok(sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(text))
        .bind(user_id)
        .bind(body_id.unwrap_or(""))
        .bind(limit)
        .fetch_all(db.pool())
        .await?)
}
