//! The administrators' users list: filters and keyset pages, so the thousandth page of a million
//! users costs what the first does (an offset would read and skip every earlier row). Newest
//! first, by `users_list_idx` (created_at desc, id desc, live users only).

use crate::clock::Timestamp;
use crate::store::{Db, Result};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Status {
    #[default]
    Any,
    Active,
    Disabled,
    Flagged,
}

impl Status {
    fn as_param(self) -> &'static str {
        match self {
            Status::Any => "",
            Status::Active => "active",
            Status::Disabled => "disabled",
            Status::Flagged => "flagged",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LastSignIn {
    #[default]
    Any,
    /// Signed in at or after this time.
    Since(Timestamp),
    /// Not signed in since this time (never signed in included).
    NotSince(Timestamp),
    Never,
}

/// What to list. Removed (anonymised) users are never listed.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    /// Part of the email or name, case-insensitive; empty for all.
    pub query: &'a str,
    /// Only members of one of these bodies (None: everyone): the bodies the actor may see.
    pub visible_bodies: Option<&'a [String]>,
    /// Only members of this body.
    pub body_id: Option<&'a str>,
    /// Only holders of this role (in `body_id`, when given).
    pub role_id: Option<&'a str>,
    pub status: Status,
    /// Only users with (true) or without (false) a confirmed second factor.
    pub two_factor: Option<bool>,
    pub last_sign_in: LastSignIn,
}

/// Where the previous page ended: the last row's creation time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: Timestamp,
    pub id: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub superuser: i64,
    pub flagged: i64,
    pub disabled: i64,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub two_factor: i64,
}

impl ListRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { created_at: self.created_at, id: self.id.clone() }
    }
}

const TWO_FACTOR: &str = "exists (select 1 from user_totp t where t.user_id = users.id and t.confirmed_at is not null)";

/// Up to `limit` users after `after`, newest first. One query text per shape (first page or
/// not), each filter switched off by an empty parameter, so both databases plan it once.
pub async fn page(db: &Db, f: &Filter<'_>, after: Option<&Cursor>, limit: i64) -> Result<Vec<ListRow>> {
    let pattern =
        if f.query.is_empty() { String::new() } else { format!("%{}%", crate::store::users::escape_like(&f.query.to_lowercase())) };
    let visible = f.visible_bodies.map(crate::store::json_list).unwrap_or_default();
    let (login_kind, login_at) = match f.last_sign_in {
        LastSignIn::Any => ("", 0),
        LastSignIn::Since(t) => ("since", t),
        LastSignIn::NotSince(t) => ("not_since", t),
        LastSignIn::Never => ("never", 0),
    };
    let two_factor = match f.two_factor {
        None => "",
        Some(true) => "on",
        Some(false) => "off",
    };
    // Row-value comparison, which both databases answer from the index.
    let (keyset, limit_param) = if after.is_some() { ("and (created_at, id) < ($9, $10)", "$11") } else { ("", "$9") };
    let sql = format!(
        "select id, email, name, superuser, flagged, disabled, created_at, last_login_at,
                case when {TWO_FACTOR} then 1 else 0 end as two_factor
         from users
         where removed_at is null
           and ($1 = '' or email like $1 escape '\\' or lower(name) like $1 escape '\\')
           and ($2 = '' or exists (select 1 from memberships m where m.user_id = users.id
                                   and $2 like '%\"' || m.body_id || '\"%'))
           and ($3 = '' or exists (select 1 from memberships m where m.user_id = users.id and m.body_id = $3))
           and ($4 = '' or exists (select 1 from memberships m join membership_roles r on r.membership_id = m.id
                                   where m.user_id = users.id and r.role_id = $4 and ($3 = '' or m.body_id = $3)))
           and ($5 = '' or ($5 = 'active' and disabled = 0) or ($5 = 'disabled' and disabled = 1)
                or ($5 = 'flagged' and flagged = 1))
           and ($6 = '' or ($6 = 'on' and {TWO_FACTOR}) or ($6 = 'off' and not {TWO_FACTOR}))
           and ($7 = '' or ($7 = 'since' and last_login_at >= $8)
                or ($7 = 'not_since' and (last_login_at is null or last_login_at < $8))
                or ($7 = 'never' and last_login_at is null))
           {keyset}
         order by created_at desc, id desc
         limit {limit_param}"
    );
    let mut q = sqlx::query_as::<_, ListRow>(sqlx::AssertSqlSafe(sql))
        .bind(pattern)
        .bind(visible)
        .bind(f.body_id.unwrap_or(""))
        .bind(f.role_id.unwrap_or(""))
        .bind(f.status.as_param())
        .bind(two_factor)
        .bind(login_kind)
        .bind(login_at);
    if let Some(c) = after {
        q = q.bind(c.created_at).bind(c.id.clone());
    }
    Ok(q.bind(limit).fetch_all(db.pool()).await?)
}
