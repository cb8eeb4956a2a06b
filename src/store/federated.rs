//! Federated identities (connection, upstream subject → user) and the membership and roles an
//! upstream sign-in sets.

use sqlx::FromRow;

use super::{Db, Result, StoreError, Taken, users::NewUser};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow)]
pub struct FederatedRow {
    pub connection_id: String,
    pub subject: String,
    pub user_id: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "connection_id, subject, user_id, created_at, last_used_at";

pub async fn get(db: &Db, connection_id: &str, subject: &str) -> Result<Option<FederatedRow>> {
    Ok(sqlx::query_as::<_, FederatedRow>(sql!("select {COLUMNS} from federated_identities where connection_id = $1 and subject = $2"))
        .bind(connection_id)
        .bind(subject)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<FederatedRow>> {
    Ok(sqlx::query_as::<_, FederatedRow>(sql!("select {COLUMNS} from federated_identities where user_id = $1 order by created_at"))
        .bind(user_id)
        .fetch_all(db.pool())
        .await?)
}

pub async fn of_connection(db: &Db, connection_id: &str) -> Result<Vec<FederatedRow>> {
    Ok(sqlx::query_as::<_, FederatedRow>(sql!("select {COLUMNS} from federated_identities where connection_id = $1 order by created_at"))
        .bind(connection_id)
        .fetch_all(db.pool())
        .await?)
}

/// Links an upstream subject to an existing user. A subject already linked is a conflict.
pub async fn link(db: impl super::Exec, connection_id: &str, subject: &str, user_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("insert into federated_identities (connection_id, subject, user_id, created_at, last_used_at) values ($1, $2, $3, $4, $4)")
        .bind(connection_id)
        .bind(subject)
        .bind(user_id)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, Taken::FederatedIdentity))?;
    Ok(())
}

pub async fn unlink(db: &Db, connection_id: &str, subject: &str) -> Result<bool> {
    let done = sqlx::query("delete from federated_identities where connection_id = $1 and subject = $2")
        .bind(connection_id)
        .bind(subject)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn touch(db: &Db, connection_id: &str, subject: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update federated_identities set last_used_at = $3 where connection_id = $1 and subject = $2")
        .bind(connection_id)
        .bind(subject)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Creates a user (just-in-time) already linked to the upstream subject, in one transaction.
pub async fn provision(db: &Db, u: &NewUser<'_>, connection_id: &str, subject: &str, now: Timestamp) -> Result<()> {
    let mut tx = db.begin().await?;
    super::users::insert(&mut tx, u, now).await?;
    link(&mut tx, connection_id, subject, u.id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What a role sync changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RoleSync {
    pub joined: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct MembershipSync<'a> {
    /// The id used if the membership has to be made.
    pub new_membership_id: &'a str,
    pub user_id: &'a str,
    pub body_id: &'a str,
    pub default_role: Option<&'a str>,
    pub wanted: &'a [String],
    pub managed: &'a [String],
}

/// Makes the user a member of the body (with `default_role` when the membership is new) and
/// makes the roles in `managed` exactly those in `wanted`; roles outside `managed` (granted by
/// an administrator) are left alone. One transaction.
pub async fn sync_membership(db: &Db, m: &MembershipSync<'_>, now: Timestamp) -> Result<RoleSync> {
    let MembershipSync { new_membership_id, user_id, body_id, default_role, wanted, managed } = *m;
    let mut tx = db.begin().await?;
    let mut sync = RoleSync::default();
    let existing: Option<String> = sqlx::query_scalar("select id from memberships where user_id = $1 and body_id = $2")
        .bind(user_id)
        .bind(body_id)
        .fetch_optional(&mut *tx)
        .await?;
    let membership_id = match existing {
        Some(id) => id,
        None => {
            super::memberships::add(&mut tx, new_membership_id, user_id, body_id, now).await?;
            sync.joined = true;
            if let Some(role) = default_role.filter(|r| !managed.iter().any(|m| m == r)) {
                super::memberships::add_role(&mut tx, new_membership_id, role).await?;
            }
            new_membership_id.to_owned()
        }
    };
    let held: Vec<String> = sqlx::query_scalar("select role_id from membership_roles where membership_id = $1")
        .bind(&membership_id)
        .fetch_all(&mut *tx)
        .await?;
    for role in managed {
        let has = held.contains(role);
        let should = wanted.contains(role);
        if should && !has {
            super::memberships::add_role(&mut tx, &membership_id, role).await?;
            sync.added.push(role.clone());
        } else if has && !should {
            sqlx::query("delete from membership_roles where membership_id = $1 and role_id = $2")
                .bind(&membership_id)
                .bind(role)
                .execute(&mut *tx)
                .await?;
            sync.removed.push(role.clone());
        }
    }
    tx.commit().await?;
    Ok(sync)
}
