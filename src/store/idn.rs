//! Addresses and domains stored before an internationalised domain was stored in its IDNA form
//! (`email::Email::parse`: `xn--` labels decoded, UTS #46 mapping), brought to that form once, at
//! start-up: migration 0032 leaves the marker that [`canonicalise`] removes when it is done.
//! Without it, an account, a ban or an SSO domain stored as `xn--mnchen-3ya.de` would no longer
//! match what people type, in either spelling.
//!
//! An account whose address another account already holds in the new form, or whose address is
//! no longer a valid one, cannot be reached by typing its address any more, and the checks that
//! read its stored address (bans, a required SSO connection) would miss it: it is disabled and
//! flagged, with an audit row, for an administrator to sort out. A ban or a domain claim held
//! twice by the same owner is one ban or claim: the old spelling is dropped. A domain claimed in
//! its two spellings by two owners is left as it is and named in the log.

use serde_json::json;

use crate::clock::Timestamp;
use crate::email::{Email, normalise_domain};
use crate::store::audit::NewEvent;
use crate::store::{Db, Result, StoreError, Taken};

const MARKER: &str = "idn-domains";
/// Accounts read a batch at a time, so memory stays small at any number of accounts.
const BATCH: i64 = 1000;

/// Runs the fix once; a start-up after it finds no marker and reads nothing else.
pub async fn canonicalise(db: &Db, now: Timestamp) -> Result<()> {
    let pending: Option<String> =
        sqlx::query_scalar("select name from pending_fixes where name = $1").bind(MARKER).fetch_optional(db.pool()).await?;
    if pending.is_none() {
        return Ok(());
    }
    users(db, now).await?;
    invitations(db).await?;
    bans(db).await?;
    claims(db, "body_domains", "body_id").await?;
    claims(db, "connection_domains", "connection_id").await?;
    sqlx::query("delete from pending_fixes where name = $1").bind(MARKER).execute(db.pool()).await?;
    Ok(())
}

/// What a stored address becomes.
enum Address {
    Same,
    Now(Email),
    Invalid,
}

fn address(stored: &str) -> Address {
    let domain = stored.rsplit_once('@').map_or("", |(_, d)| d);
    if !crate::email::needs_idna(domain) {
        return Address::Same;
    }
    match Email::parse(stored) {
        Ok(e) if e.as_str() == stored => Address::Same,
        Ok(e) => Address::Now(e),
        Err(_) => Address::Invalid,
    }
}

/// The stored domain's new form, when it changes (a domain that no longer parses is left).
fn domain(stored: &str) -> Option<String> {
    if !crate::email::needs_idna(stored) {
        return None;
    }
    normalise_domain(stored).ok().filter(|d| d != stored)
}

async fn users(db: &Db, now: Timestamp) -> Result<()> {
    let mut after = String::new();
    // Those whose new form clashed, tried again after every other account has moved: the
    // clash may have been with an old form that a later account gave up.
    let mut clashed = Vec::new();
    loop {
        let rows: Vec<(String, String)> =
            sqlx::query_as("select id, email from users where id > $1 and removed_at is null order by id limit $2")
                .bind(&after)
                .bind(BATCH)
                .fetch_all(db.pool())
                .await?;
        let Some((last, _)) = rows.last() else { break };
        after = last.clone();
        for (id, stored) in rows {
            match address(&stored) {
                Address::Same => {}
                Address::Invalid => set_aside(db, &id, "address_not_valid", now).await?,
                Address::Now(email) => {
                    if !move_address(db, &id, &stored, &email).await? {
                        clashed.push((id, stored, email));
                    }
                }
            }
        }
    }
    for (id, stored, email) in clashed {
        if !move_address(db, &id, &stored, &email).await? {
            set_aside(db, &id, "address_of_another_account", now).await?;
        }
    }
    Ok(())
}

/// Writes the account's address in its new form; false when another account holds that address
/// or its look-alike. One statement: the memberships' copy follows by trigger (0029).
async fn move_address(db: &Db, id: &str, stored: &str, email: &Email) -> Result<bool> {
    let done = sqlx::query("update users set email = $2, email_skeleton = $3 where id = $1 and email = $4")
        .bind(id)
        .bind(email.as_str())
        .bind(email.skeleton())
        .bind(stored)
        .execute(db.pool())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, Taken::UserEmail));
    match done {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Disables and flags an account its address no longer reaches, ends its sessions and revokes
/// its grants (as a disable does; the relying apps get no back-channel logout, which needs the
/// running service, but its tokens introspect as inactive), with its audit row. It can be
/// enabled again only once its address is put right (`admin::ops::users`).
async fn set_aside(db: &Db, id: &str, reason: &str, now: Timestamp) -> Result<()> {
    tracing::warn!(user_id = %id, reason, "an account's stored address is not the form addresses are now kept in; disabled and flagged");
    let mut tx = db.begin().await?;
    sqlx::query("update users set disabled = 1, flagged = 1, updated_at = $2 where id = $1").bind(id).bind(now).execute(&mut *tx).await?;
    for s in crate::store::sessions::live_of_user(&mut *tx, id, i64::MIN).await? {
        crate::store::sessions::delete(&mut *tx, &s.id_hash).await?;
    }
    crate::store::grants::revoke_families_of_user(&mut *tx, id, None, now).await?;
    // Under the account's first body, so that body's administrators see why their member was
    // disabled (an event with no body is shown to superusers only).
    let body: Option<String> =
        sqlx::query_scalar("select body_id from memberships where user_id = $1 order by created_at, body_id limit 1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let event = NewEvent {
        actor_user_id: None,
        actor_client_id: None,
        action: "user.disable",
        target_type: "user",
        target_id: id,
        body_id: body.as_deref(),
        ip: "start-up",
        user_agent: "stile: internationalised domains (migration 0032)",
        outcome: "success",
        details: Some(json!({ "reason": reason })),
    };
    crate::store::audit::insert(&mut *tx, &event, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn invitations(db: &Db) -> Result<()> {
    let rows: Vec<(String, String)> = sqlx::query_as("select id, email from invitations").fetch_all(db.pool()).await?;
    for (id, stored) in rows {
        if let Address::Now(email) = address(&stored) {
            sqlx::query("update invitations set email = $2 where id = $1").bind(&id).bind(email.as_str()).execute(db.pool()).await?;
        }
    }
    Ok(())
}

async fn bans(db: &Db) -> Result<()> {
    let rows: Vec<(String, String)> = sqlx::query_as("select pattern, kind from banned_emails").fetch_all(db.pool()).await?;
    for (stored, kind) in rows {
        let new = if kind == "email" {
            match address(&stored) {
                Address::Now(e) => Some(e.as_str().to_owned()),
                _ => None,
            }
        } else {
            domain(&stored)
        };
        let Some(new) = new else { continue };
        let mut tx = db.begin().await?;
        let held: Option<String> =
            sqlx::query_scalar("select pattern from banned_emails where pattern = $1").bind(&new).fetch_optional(&mut *tx).await?;
        if held.is_some() {
            sqlx::query("delete from banned_emails where pattern = $1").bind(&stored).execute(&mut *tx).await?;
        } else {
            sqlx::query("update banned_emails set pattern = $2 where pattern = $1").bind(&stored).bind(&new).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// A table of claimed domains (`domain` primary key, `owner` the body or connection).
async fn claims(db: &Db, table: &str, owner: &str) -> Result<()> {
    let select = format!("select domain, {owner} from {table}");
    let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(select)).fetch_all(db.pool()).await?;
    for (stored, claimant) in rows {
        let Some(new) = domain(&stored) else { continue };
        let mut tx = db.begin().await?;
        let held: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select {owner} from {table} where domain = $1")))
            .bind(&new)
            .fetch_optional(&mut *tx)
            .await?;
        match held {
            Some(other) if other != claimant => {
                tracing::warn!(table, domain = %new, "a domain is claimed twice in two spellings by two owners; left as it is");
                continue;
            }
            Some(_) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("delete from {table} where domain = $1"))).bind(&stored).execute(&mut *tx).await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!("update {table} set domain = $2 where domain = $1")))
                    .bind(&stored)
                    .bind(&new)
                    .execute(&mut *tx)
                    .await?
            }
        };
        tx.commit().await?;
    }
    Ok(())
}
