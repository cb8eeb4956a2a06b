use sqlx::FromRow;

use super::binds::{Binds, bind_all};
use super::{Db, Exec, Result, StoreError, Taken, flag};
use crate::clock::Timestamp;
use crate::email::Email;

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub email_verified: i64,
    pub name: String,
    pub password_hash: Option<String>,
    pub superuser: i64,
    pub flagged: i64,
    pub disabled: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
    /// The saved language preference (`en-GB`, `cy-GB`), if any (issue 18).
    pub language: Option<String>,
}

impl UserRow {
    pub fn email(&self) -> Email {
        Email::from_stored(self.email.clone())
    }
    pub fn is_superuser(&self) -> bool {
        self.superuser != 0
    }
    pub fn is_disabled(&self) -> bool {
        self.disabled != 0
    }
    pub fn is_email_verified(&self) -> bool {
        self.email_verified != 0
    }
    pub fn has_password(&self) -> bool {
        self.password_hash.is_some()
    }
}

impl std::fmt::Display for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

const COLUMNS: &str =
    "id, email, email_verified, name, password_hash, superuser, flagged, disabled, created_at, updated_at, last_login_at, language";

pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a Email,
    pub name: &'a str,
    pub email_verified: bool,
    pub password_hash: Option<&'a str>,
    pub superuser: bool,
}

pub async fn insert(db: impl Exec, u: &NewUser<'_>, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into users (id, email, email_verified, name, password_hash, superuser, created_at, updated_at, email_skeleton)
         values ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(u.id)
    .bind(u.email.as_str())
    .bind(flag(u.email_verified))
    .bind(u.name)
    .bind(u.password_hash)
    .bind(flag(u.superuser))
    .bind(now)
    .bind(u.email.skeleton())
    .execute(&mut *db.conn().await?)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, Taken::UserEmail))?;
    Ok(())
}

pub async fn by_email(db: &Db, email: &Email) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(sql!("select {COLUMNS} from users where email = $1"))
        .bind(email.as_str())
        .fetch_optional(db.pool())
        .await?)
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(sql!("select {COLUMNS} from users where id = $1")).bind(id).fetch_optional(db.pool()).await?)
}

/// Users whose email or name contains `needle` (case-insensitive), newest first.
pub async fn search(db: &Db, needle: &str, limit: i64) -> Result<Vec<UserRow>> {
    let pattern = format!("%{}%", escape_like(&needle.to_lowercase()));
    Ok(sqlx::query_as::<_, UserRow>(sql!(
        "select {COLUMNS} from users
         where email like $1 escape '\\' or lower(name) like $1 escape '\\'
         order by created_at desc, id desc limit $2"
    ))
    .bind(pattern)
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from users").fetch_one(db.pool()).await?)
}

pub async fn count_superusers(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from users where superuser = 1").fetch_one(db.pool()).await?)
}

pub async fn set_password_hash(db: impl Exec, id: &str, hash: &str, now: Timestamp) -> Result<()> {
    let done = sqlx::query("update users set password_hash = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    super::found(done.rows_affected(), "user")
}

/// Replaces the stored hash only if it is still the one we verified, so a concurrent password
/// change is never overwritten by a rehash.
pub async fn upgrade_password_hash(db: &Db, id: &str, old: &str, new: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("update users set password_hash = $3, updated_at = $4 where id = $1 and password_hash = $2")
        .bind(id)
        .bind(old)
        .bind(new)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_superuser(db: &Db, id: &str, superuser: bool, now: Timestamp) -> Result<()> {
    let done = sqlx::query("update users set superuser = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(flag(superuser))
        .bind(now)
        .execute(db.pool())
        .await?;
    super::found(done.rows_affected(), "user")
}

pub async fn set_name(db: &Db, id: &str, name: &str, now: Timestamp) -> Result<()> {
    let done =
        sqlx::query("update users set name = $2, updated_at = $3 where id = $1").bind(id).bind(name).bind(now).execute(db.pool()).await?;
    super::found(done.rows_affected(), "user")
}

/// The saved language preference (issue 18); `None` clears it.
pub async fn set_language(db: impl Exec, id: &str, language: Option<&str>, now: Timestamp) -> Result<()> {
    let done = sqlx::query("update users set language = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(language)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    super::found(done.rows_affected(), "user")
}

pub async fn set_disabled(db: &Db, id: &str, disabled: bool, now: Timestamp) -> Result<()> {
    let done = sqlx::query("update users set disabled = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(flag(disabled))
        .bind(now)
        .execute(db.pool())
        .await?;
    super::found(done.rows_affected(), "user")
}

pub async fn touch_last_login(db: impl Exec, id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update users set last_login_at = $2 where id = $1").bind(id).bind(now).execute(&mut *db.conn().await?).await?;
    Ok(())
}

pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub async fn set_email_verified(db: &Db, id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update users set email_verified = 1, updated_at = $2 where id = $1 and email_verified = 0")
        .bind(id)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Changes a user's address (already proven by a confirmation link, so it is verified).
pub async fn set_email(db: &Db, id: &str, email: &Email, now: Timestamp) -> Result<()> {
    if change_email(db, id, None, email, now).await? { Ok(()) } else { Err(StoreError::NotFound("user")) }
}

pub use super::emailed_kinds::EMAILED_KINDS;

/// Changes a user's address (marking it verified) and, in the same transaction, ends every
/// emailed link or code still pending for the user: they were sent to the old address. With
/// `from`, only while the address is still `from`; returns false when nothing was changed.
/// Inside the caller's transaction it is a savepoint, so a conflict (another account has the
/// address) leaves that transaction usable.
pub async fn change_email(db: impl Exec, id: &str, from: Option<&Email>, to: &Email, now: Timestamp) -> Result<bool> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = super::begin_on(&mut c, immediate).await?;
    let done = sqlx::query(
        "update users set email = $2, email_verified = 1, updated_at = $3, email_skeleton = $5 where id = $1 and ($4 = '' or email = $4)",
    )
    .bind(id)
    .bind(to.as_str())
    .bind(now)
    .bind(from.map(Email::as_str).unwrap_or(""))
    .bind(to.skeleton())
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, Taken::UserEmailLower))?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let [a, b, c] = EMAILED_KINDS;
    sqlx::query(
        "update one_time_tokens set revoked_at = $2
         where user_id = $1 and kind in ($3, $4, $5) and used_at is null and revoked_at is null",
    )
    .bind(id)
    .bind(now)
    .bind(a)
    .bind(b)
    .bind(c)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Marks the address verified, only while it is still `email` (the address a link was sent to).
pub async fn verify_address(db: impl Exec, id: &str, email: &Email, now: Timestamp) -> Result<()> {
    sqlx::query("update users set email_verified = 1, updated_at = $3 where id = $1 and email = $2 and email_verified = 0")
        .bind(id)
        .bind(email.as_str())
        .bind(now)
        .bind(email.skeleton())
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// Fills in the look-alike skeleton of accounts written before it existed (migration 0013). An
/// account whose skeleton clashes with another's keeps none and is named in the log, for an
/// operator to look at; it goes on working.
pub async fn fill_skeletons(db: &Db) -> Result<()> {
    let rows = sqlx::query_as::<_, (String, String)>("select id, email from users where email_skeleton is null and removed_at is null")
        .fetch_all(db.pool())
        .await?;
    for (id, email) in rows {
        let done = sqlx::query("update users set email_skeleton = $2 where id = $1 and email_skeleton is null")
            .bind(&id)
            .bind(crate::email::skeleton(&email))
            .execute(db.pool())
            .await;
        match done {
            Ok(_) => {}
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                tracing::warn!(user_id = %id, "this account's address looks like another account's");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// What to look for. Removed (anonymised) users are never listed.
#[derive(Debug, Clone, Default)]
pub struct Search<'a> {
    /// Part of the email or name, case-insensitive; empty for all.
    pub query: &'a str,
    pub flagged_only: bool,
    /// Only members of these bodies (None: everyone).
    pub bodies: Option<&'a [String]>,
    pub limit: i64,
    pub offset: i64,
}

/// The ids of the members of one of these bodies (`bodies`: their placeholders), with the
/// search text (`pattern`: its placeholder) matched in the membership's copy of the user's email
/// and name (migration 0029): a body's members and that copy sit together in
/// `memberships_body_search_idx`, so only the members who match are read from `users`. The
/// caller keeps the same test on the user's own row, which stays the one that decides.
pub(crate) fn members_of(bodies: &str, pattern: Option<&str>) -> String {
    match pattern {
        Some(p) => format!(
            "select m.user_id from memberships m where m.body_id in ({bodies})
                    and (m.user_email like {p} escape '\\' or lower(m.user_name) like {p} escape '\\')"
        ),
        None => format!("select m.user_id from memberships m where m.body_id in ({bodies})"),
    }
}

/// One page of users, newest first, and how many match in all (counted only when the page is
/// full, or empty past the first).
///
/// With a body filter the users are found through the memberships' indexes by body ([`members_of`]),
/// so a body's page costs its members, not the whole table (one placeholder per body: the text
/// is written here once, for any number of bodies).
pub async fn search_page(db: &Db, s: &Search<'_>) -> Result<(Vec<UserRow>, i64)> {
    let mut binds = Binds::default();
    let mut filter = vec!["removed_at is null".to_owned()];
    let mut pattern = None;
    if !s.query.is_empty() {
        let p = binds.text(&format!("%{}%", escape_like(&s.query.to_lowercase())));
        filter.push(format!("(email like {p} escape '\\' or lower(name) like {p} escape '\\')"));
        pattern = Some(p);
    }
    if s.flagged_only {
        filter.push("flagged = 1".to_owned());
    }
    match s.bodies {
        Some([]) => return Ok((Vec::new(), 0)),
        Some(bodies) => {
            let marks: Vec<String> = bodies.iter().map(|b| binds.text(b)).collect();
            filter.push(format!("id in ({})", members_of(&marks.join(", "), pattern.as_deref())));
        }
        None => {}
    }
    let filter = filter.join(" and ");
    let total_text = sql!("select count(*) from users where {filter}");
    let count_binds = binds.clone();
    let page = sql!(
        "select {COLUMNS} from users where {filter} order by created_at desc, id desc limit {} offset {}",
        binds.int(s.limit),
        binds.int(s.offset)
    );
    let rows = bind_all!(sqlx::query_as::<_, UserRow>(page), binds).fetch_all(db.pool()).await?;
    // A page with room left on it is the last: the total is the rows before it and on it, without
    // reading every match again to count them (a search usually fits on its first page). An
    // empty page past the first may be past the end, so it is counted.
    let on_page = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    if on_page < s.limit && (on_page > 0 || s.offset == 0) {
        return Ok((rows, s.offset + on_page));
    }
    let total = bind_all!(sqlx::query_scalar::<_, i64>(total_text), count_binds);
    Ok((rows, total.fetch_one(db.pool()).await?))
}

/// The user unless removed (anonymised).
pub async fn live_by_id(db: impl Exec, id: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(sql!("select {COLUMNS} from users where id = $1 and removed_at is null"))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?)
}

/// Sets name and email; a changed email is no longer verified.
pub async fn set_name_email(db: impl Exec, id: &str, name: &str, email: &str, now: Timestamp) -> Result<()> {
    let done = sqlx::query(
        "update users set name = $2,
             email_verified = case when email = $3 then email_verified else 0 end,
             email = $3, updated_at = $4, email_skeleton = $5
         where id = $1 and removed_at is null",
    )
    .bind(id)
    .bind(name)
    .bind(email)
    .bind(now)
    .bind(crate::email::skeleton(email))
    .execute(&mut *db.conn().await?)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, Taken::UserEmail))?;
    super::found(done.rows_affected(), "user")
}

/// Sets one of the flag columns.
pub async fn set_flag(db: impl Exec, id: &str, column: FlagColumn, value: bool, now: Timestamp) -> Result<()> {
    let col = match column {
        FlagColumn::Flagged => "flagged",
        FlagColumn::Disabled => "disabled",
        FlagColumn::Superuser => "superuser",
    };
    let done = sqlx::query(sql!("update users set {col} = $2, updated_at = $3 where id = $1 and removed_at is null"))
        .bind(id)
        .bind(flag(value))
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    super::found(done.rows_affected(), "user")
}

#[derive(Debug, Clone, Copy)]
pub enum FlagColumn {
    Flagged,
    Disabled,
    Superuser,
}

/// Blanks a user's personal data and everything that lets them sign in, keeping the row (and its
/// id) so audit events still name it.
pub async fn anonymise(db: impl Exec, id: &str, now: Timestamp) -> Result<()> {
    let mut c = db.conn().await?;
    let placeholder = format!("removed-{id}@removed.invalid");
    let done = sqlx::query(
        "update users set email = $2, name = '', email_verified = 0, password_hash = null, superuser = 0, flagged = 0,
             disabled = 1, removed_at = $3, updated_at = $3, email_skeleton = null
         where id = $1 and removed_at is null",
    )
    .bind(id)
    .bind(&placeholder)
    .bind(now)
    .execute(&mut *c)
    .await?;
    super::found(done.rows_affected(), "user")?;
    for q in [
        "delete from memberships where user_id = $1",
        "delete from user_totp where user_id = $1",
        "delete from recovery_codes where user_id = $1",
        "delete from federated_identities where user_id = $1",
        "delete from consents where user_id = $1",
        "delete from sessions where user_id = $1",
        "delete from one_time_tokens where user_id = $1",
    ] {
        sqlx::query(q).bind(id).execute(&mut *c).await?;
    }
    Ok(())
}

/// Superusers who can still act (neither removed nor disabled).
pub async fn count_active_superusers(db: impl Exec) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from users where superuser = 1 and removed_at is null and disabled = 0")
        .fetch_one(&mut *db.conn().await?)
        .await?)
}

/// Records that an administrator created (or imported) the account for `body_id`: the fact that
/// lets that body's administrators change its address, disable or remove it.
pub async fn set_created_for(db: impl Exec, id: &str, body_id: &str) -> Result<()> {
    let done = sqlx::query("update users set created_for_body_id = $2 where id = $1 and removed_at is null")
        .bind(id)
        .bind(body_id)
        .execute(&mut *db.conn().await?)
        .await?;
    super::found(done.rows_affected(), "user")
}

/// The body an administrator created or imported the account for, if any.
pub async fn created_for(db: &Db, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("select created_for_body_id from users where id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .flatten())
}
