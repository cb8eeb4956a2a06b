//! The administrators' users list: filters and keyset pages, so the thousandth page of a million
//! users costs what the first does (an offset would read and skip every earlier row). Newest
//! first, by `users_list_idx` (created_at desc, id desc, live users only); the disabled and
//! flagged filters by their partial indexes, the organisation and role filters from the
//! membership indexes (migrations 0014, 0016 and 0029).

use crate::clock::Timestamp;
use crate::store::users::members_of;
use crate::store::{Db, Result};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Status {
    #[default]
    Any,
    Active,
    Disabled,
    Flagged,
}

/// The second factor filtered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TwoFactor {
    #[default]
    Any,
    /// Any second factor (a TOTP key or a passkey).
    On,
    Off,
    /// A confirmed TOTP key.
    Totp,
    /// At least one passkey or security key.
    Passkey,
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
    /// Only users with (or without) a second factor, or one of a kind.
    pub two_factor: TwoFactor,
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

const TOTP: &str = "exists (select 1 from user_totp t where t.user_id = u.id and t.confirmed_at is not null)";
const PASSKEY: &str = "exists (select 1 from webauthn_credentials w where w.user_id = u.id)";
const TWO_FACTOR: &str = "(exists (select 1 from user_totp t where t.user_id = u.id and t.confirmed_at is not null)
     or exists (select 1 from webauthn_credentials w where w.user_id = u.id))";

/// A value bound to the query.
enum Arg<'a> {
    Text(&'a str),
    Owned(String),
    Int(i64),
}

/// The conditions of one query and the values they use (`$1`, `$2`, … in order).
#[derive(Default)]
struct Conditions<'a> {
    sql: Vec<String>,
    args: Vec<Arg<'a>>,
}

impl<'a> Conditions<'a> {
    /// A placeholder for `arg`.
    fn bind(&mut self, arg: Arg<'a>) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }
}

/// Binds a [`Conditions`]' values to a query, in order.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Text(t) => q.bind(t.to_owned()),
                Arg::Owned(t) => q.bind(t),
                Arg::Int(i) => q.bind(i),
            };
        }
        q
    }};
}

/// Up to `limit` users after `after`, newest first. Only the filters in use are in the query
/// (with literal flags, so the partial indexes apply), and an organisation filter is a
/// membership subquery the database can start from (`memberships_body_user_idx`), so a filter
/// that matches few users of a million reads those users rather than every user in turn
/// (`cargo bench --bench users_list`, bench/README.md).
pub async fn page(db: &Db, f: &Filter<'_>, after: Option<&Cursor>, limit: i64) -> Result<Vec<ListRow>> {
    let mut c = conditions(f);
    if let Some(cur) = after {
        // Row-value comparison, which both databases answer from the index.
        let (at, id) = (c.bind(Arg::Int(cur.created_at)), c.bind(Arg::Text(&cur.id)));
        c.sql.push(format!("(u.created_at, u.id) < ({at}, {id})"));
    }
    let limit = c.bind(Arg::Int(limit));
    let sql = format!(
        "select u.id, u.email, u.name, u.superuser, u.flagged, u.disabled, u.created_at, u.last_login_at,
                case when {TWO_FACTOR} then 1 else 0 end as two_factor
         from users u
         where {}
         order by u.created_at desc, u.id desc
         limit {limit}",
        c.sql.join("\n           and ")
    );
    Ok(bind_args!(sqlx::query_as::<_, ListRow>(sqlx::AssertSqlSafe(sql)), c.args).fetch_all(db.pool()).await?)
}

/// How many users the filter matches (what an export of it will hold).
pub async fn count(db: &Db, f: &Filter<'_>) -> Result<i64> {
    let c = conditions(f);
    let sql = format!("select count(*) from users u where {}", c.sql.join("\n           and "));
    Ok(bind_args!(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)), c.args).fetch_one(db.pool()).await?)
}

/// The filter's conditions, shared by [`page`] and [`count`].
fn conditions<'a>(f: &'a Filter<'_>) -> Conditions<'a> {
    let mut c = Conditions::default();
    c.sql.push("u.removed_at is null".into());
    let mut pattern = None;
    if !f.query.is_empty() {
        let p = c.bind(Arg::Owned(format!("%{}%", crate::store::users::escape_like(&f.query.to_lowercase()))));
        c.sql.push(format!("(u.email like {p} escape '\\' or lower(u.name) like {p} escape '\\')"));
        pattern = Some(p);
    }
    // The search is matched among the body's members too (members_of), so that only those who
    // match are read from users; it is added to one membership subquery, the first.
    if let Some(b) = f.body_id {
        let b = c.bind(Arg::Text(b));
        c.sql.push(format!("u.id in ({})", members_of(&b, pattern.take().as_deref())));
    }
    // The bodies the actor may see; implied when the one filtered by is among them.
    if let Some(visible) = f.visible_bodies
        && !f.body_id.is_some_and(|b| visible.iter().any(|v| v == b))
    {
        if visible.is_empty() {
            c.sql.push("1 = 0".into());
        } else {
            let list: Vec<String> = visible.iter().map(|v| c.bind(Arg::Text(v))).collect();
            c.sql.push(format!("u.id in ({})", members_of(&list.join(", "), pattern.take().as_deref())));
        }
    }
    if let Some(r) = f.role_id {
        let r = c.bind(Arg::Text(r));
        let in_body = match f.body_id {
            Some(b) => format!(" and m.body_id = {}", c.bind(Arg::Text(b))),
            None => String::new(),
        };
        c.sql.push(format!(
            "u.id in (select m.user_id from membership_roles r join memberships m on m.id = r.membership_id
                      where r.role_id = {r}{in_body})"
        ));
    }
    match f.status {
        Status::Any => {}
        Status::Active => c.sql.push("u.disabled = 0".into()),
        Status::Disabled => c.sql.push("u.disabled = 1".into()),
        Status::Flagged => c.sql.push("u.flagged = 1".into()),
    }
    match f.two_factor {
        TwoFactor::Any => {}
        TwoFactor::On => c.sql.push(TWO_FACTOR.into()),
        TwoFactor::Off => c.sql.push(format!("not {TWO_FACTOR}")),
        TwoFactor::Totp => c.sql.push(TOTP.into()),
        TwoFactor::Passkey => c.sql.push(PASSKEY.into()),
    }
    match f.last_sign_in {
        LastSignIn::Any => {}
        LastSignIn::Since(t) => {
            let t = c.bind(Arg::Int(t));
            c.sql.push(format!("u.last_login_at >= {t}"));
        }
        LastSignIn::NotSince(t) => {
            let t = c.bind(Arg::Int(t));
            c.sql.push(format!("(u.last_login_at is null or u.last_login_at < {t})"));
        }
        LastSignIn::Never => c.sql.push("u.last_login_at is null".into()),
    }
    c
}
