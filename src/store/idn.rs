//! Addresses and domains stored before an `xn--` domain was read as its Unicode form
//! (`email::Email::parse`), brought to that form once, at start-up: migration 0032 leaves the
//! marker that [`canonicalise`] removes when it is done. Without it, an account, a ban or an SSO
//! domain stored as `xn--mnchen-3ya.de` would no longer match what people type, in either
//! spelling.
//!
//! A row whose Unicode form another row already holds is left as it is and named in the log (two
//! accounts of one mailbox need an operator), except a ban or a domain claim of the same owner,
//! which is the same ban or claim twice: the A-label copy is dropped.

use crate::email::{Email, normalise_domain};
use crate::store::{Db, Result};

const MARKER: &str = "idn-domains";

/// Runs the fix once; a start-up after it finds no marker and reads nothing else.
pub async fn canonicalise(db: &Db) -> Result<()> {
    let pending: Option<String> =
        sqlx::query_scalar("select name from pending_fixes where name = $1").bind(MARKER).fetch_optional(db.pool()).await?;
    if pending.is_none() {
        return Ok(());
    }
    users(db).await?;
    invitations(db).await?;
    bans(db).await?;
    claims(db, "body_domains", "body_id").await?;
    claims(db, "connection_domains", "connection_id").await?;
    sqlx::query("delete from pending_fixes where name = $1").bind(MARKER).execute(db.pool()).await?;
    Ok(())
}

/// The Unicode form of a stored address, when it differs (None also when it no longer parses:
/// such a row is left alone, as it was).
fn unicode_address(stored: &str) -> Option<Email> {
    Email::parse(stored).ok().filter(|e| e.as_str() != stored)
}

fn unicode_domain(stored: &str) -> Option<String> {
    normalise_domain(stored).ok().filter(|d| d != stored)
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

async fn users(db: &Db) -> Result<()> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("select id, email from users where email like '%xn--%' and removed_at is null").fetch_all(db.pool()).await?;
    for (id, stored) in rows {
        let Some(email) = unicode_address(&stored) else { continue };
        // One statement: the memberships' copy of the address follows by trigger (0029).
        let done = sqlx::query("update users set email = $2, email_skeleton = $3 where id = $1 and email = $4")
            .bind(&id)
            .bind(email.as_str())
            .bind(email.skeleton())
            .bind(&stored)
            .execute(db.pool())
            .await;
        match done {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                tracing::warn!(user_id = %id, "this account's address is another account's, spelled with an xn-- domain; left as it is");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

async fn invitations(db: &Db) -> Result<()> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("select id, email from invitations where email like '%xn--%'").fetch_all(db.pool()).await?;
    for (id, stored) in rows {
        if let Some(email) = unicode_address(&stored) {
            sqlx::query("update invitations set email = $2 where id = $1").bind(&id).bind(email.as_str()).execute(db.pool()).await?;
        }
    }
    Ok(())
}

async fn bans(db: &Db) -> Result<()> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("select pattern, kind from banned_emails where pattern like '%xn--%'").fetch_all(db.pool()).await?;
    for (stored, kind) in rows {
        let unicode = if kind == "email" { unicode_address(&stored).map(|e| e.as_str().to_owned()) } else { unicode_domain(&stored) };
        let Some(unicode) = unicode else { continue };
        let mut tx = db.begin().await?;
        let held: Option<String> =
            sqlx::query_scalar("select pattern from banned_emails where pattern = $1").bind(&unicode).fetch_optional(&mut *tx).await?;
        if held.is_some() {
            sqlx::query("delete from banned_emails where pattern = $1").bind(&stored).execute(&mut *tx).await?;
        } else {
            sqlx::query("update banned_emails set pattern = $2 where pattern = $1").bind(&stored).bind(&unicode).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// A table of claimed domains (`domain` primary key, `owner` the body or connection).
async fn claims(db: &Db, table: &str, owner: &str) -> Result<()> {
    let select = format!("select domain, {owner} from {table} where domain like '%xn--%'");
    let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(select)).fetch_all(db.pool()).await?;
    for (stored, claimant) in rows {
        let Some(unicode) = unicode_domain(&stored) else { continue };
        let mut tx = db.begin().await?;
        let held: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select {owner} from {table} where domain = $1")))
            .bind(&unicode)
            .fetch_optional(&mut *tx)
            .await?;
        match held {
            Some(other) if other != claimant => {
                tracing::warn!(table, domain = %unicode, "a domain is claimed twice, once spelled with xn--; left as it is");
                continue;
            }
            Some(_) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("delete from {table} where domain = $1"))).bind(&stored).execute(&mut *tx).await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!("update {table} set domain = $2 where domain = $1")))
                    .bind(&stored)
                    .bind(&unicode)
                    .execute(&mut *tx)
                    .await?
            }
        };
        tx.commit().await?;
    }
    Ok(())
}
