//! The single-use links Stile emails: a sign-in link (with its code), a set-password link and an
//! email-change link. All three are one `one_time_tokens` row whose hash is the SHA-256 of the
//! link's secret, live for `[magic_link] ttl_secs` and spent once, in the transaction of what the
//! link does; the flows differ only in their purpose, what the row's data holds and what using
//! the link does (`magic_link`, `password_by_email`, `email_change`).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::ClientInfo;
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::clock::{Random, Timestamp};
use crate::config::Settings;
use crate::email::Email;
use crate::policy::lockout;
use crate::secret::{random_token, token_hash};
use crate::store::{self, Db, Exec, StoreError, grants::TokenRow};

/// What a link is for: its token kind (see [`store::users::EMAILED_KINDS`]) and the page it
/// opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    SetPassword,
    EmailChange,
}

impl Purpose {
    pub const fn kind(self) -> &'static str {
        match self {
            Purpose::SignIn => store::links::KIND_MAGIC_LINK,
            Purpose::SetPassword => store::links::KIND_PASSWORD_SET,
            Purpose::EmailChange => store::links::KIND_EMAIL_CHANGE,
        }
    }

    const fn path(self) -> &'static str {
        match self {
            Purpose::SignIn => "/login/email/confirm",
            Purpose::SetPassword => "/login/password/new/confirm",
            Purpose::EmailChange => "/account/email/confirm",
        }
    }

    fn ttl_secs(self, settings: &Settings) -> i64 {
        settings.magic_link.ttl_secs
    }
}

/// A link just stored, for the email that carries it.
#[derive(Debug)]
pub struct Issued {
    /// The page that uses it. Built from the configured issuer, never from the request's Host
    /// header.
    pub url: String,
    pub expires_at: Timestamp,
    /// How long it lives, in whole minutes rounded up, as the email says.
    pub minutes: i64,
}

/// What a new link holds besides its secret.
pub struct NewLink<'a, D: Serialize> {
    pub purpose: Purpose,
    pub user_id: Option<&'a str>,
    /// SHA-256 of a second secret under which the link can also be used (the sign-in code's
    /// page reference).
    pub family_id: Option<String>,
    pub data: &'a D,
}

/// Stores a new link, live from `now`, and returns where it points.
pub async fn issue<D: Serialize>(
    db: impl Exec,
    settings: &Settings,
    rng: &dyn Random,
    now: Timestamp,
    link: &NewLink<'_, D>,
) -> Result<Issued, StoreError> {
    let ttl = link.purpose.ttl_secs(settings);
    let secret = random_token(rng);
    let data = serde_json::to_string(link.data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = TokenRow {
        hash: token_hash(secret.expose()),
        kind: link.purpose.kind().into(),
        user_id: link.user_id.map(str::to_owned),
        client_id: None,
        session_sid: None,
        family_id: link.family_id.clone(),
        data,
        created_at: now,
        expires_at: now + ttl,
        used_at: None,
        revoked_at: None,
    };
    store::grants::insert(db, &row).await?;
    let url = format!("{}{}?t={}", settings.issuer(), link.purpose.path(), secret.expose());
    Ok(Issued { url, expires_at: now + ttl, minutes: (ttl + 59) / 60 })
}

/// Neither used, revoked nor expired at `now`.
pub fn is_live(row: &TokenRow, now: Timestamp) -> bool {
    row.used_at.is_none() && row.revoked_at.is_none() && row.expires_at > now
}

/// The row of a link secret, if the link is live at `now` (read only; nothing is spent).
pub async fn live(db: &Db, purpose: Purpose, secret: &str, now: Timestamp) -> Result<Option<TokenRow>, StoreError> {
    Ok(store::grants::by_hash(db, &token_hash(secret), purpose.kind()).await?.filter(|r| is_live(r, now)))
}

/// True if a link secret is live at `now` (for the page that asks to confirm it; does not use it).
pub async fn link_is_live(db: &Db, purpose: Purpose, secret: &str, now: Timestamp) -> Result<bool, StoreError> {
    Ok(live(db, purpose, secret, now).await?.is_some())
}

/// Spends the link (once), on the pool or in the caller's transaction with what it does. None
/// if it was not live (a parallel request used it meanwhile).
pub async fn spend(db: impl Exec, purpose: Purpose, hash: &str, now: Timestamp) -> Result<Option<TokenRow>, StoreError> {
    store::grants::consume(db, hash, purpose.kind(), now).await
}

/// What a link's row holds.
pub fn data<D: DeserializeOwned>(row: &TokenRow) -> Result<D, StoreError> {
    serde_json::from_str(&row.data).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A request for an emailed link refused, or failed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("too many emails asked for")]
    TooMany { minutes: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The conversions every emailed-link flow's error needs (the three differ only in name): a
/// refused request is its `TooManyRequests`, a store failure its `Internal`.
macro_rules! flow_error_conversions {
    ($error:ident) => {
        impl From<$crate::auth::emailed_link::RequestError> for $error {
            fn from(e: $crate::auth::emailed_link::RequestError) -> Self {
                match e {
                    $crate::auth::emailed_link::RequestError::TooMany { minutes } => $error::TooManyRequests { minutes },
                    $crate::auth::emailed_link::RequestError::Store(e) => e.into(),
                }
            }
        }

        impl From<$crate::store::StoreError> for $error {
            fn from(e: $crate::store::StoreError) -> Self {
                $error::Internal($crate::auth::AuthError::Store(e))
            }
        }
    };
}
pub(crate) use flow_error_conversions;

/// By the address's hash, as `login::account_key`.
fn address_key(email: &Email) -> String {
    format!("mail:addr:{}", crate::secret::token_hash(email.as_str()))
}

fn ip_key(ip: &str) -> String {
    format!("mail:ip:{ip}")
}

/// Counts one emailed request against the address and the client IP; refuses when either is
/// over its limit (the same for known and unknown addresses).
///
/// One transaction: both keys are counted, or neither is. Counted key by key, a request whose
/// browser hung up between the two left the address counted and the IP not, so one address
/// could spend any number of others' allowances without using its own or leaving a trace.
///
/// Two row locks are taken, and the maintenance pass's prune deletes counters in no set order,
/// so on PostgreSQL the two can deadlock; the transaction the server ends then wrote nothing,
/// and it is counted again rather than answered with an error.
pub(crate) async fn throttle_request(state: &AppState, email: &Email, client: &ClientInfo) -> Result<(), RequestError> {
    const TRIES: u32 = 3;
    let mut tried = 1;
    loop {
        match count_both(state, email, client).await {
            Err(RequestError::Store(e)) if e.ended_by_conflict() && tried < TRIES => {
                tracing::info!(tried, "emailed-link count ended by a conflict; counting again");
                tried += 1;
            }
            other => return other,
        }
    }
}

/// Gives back a request counted by [`throttle_request`] that was refused before anything was
/// written or sent (the server too busy to hash its password): a retry is not a second request.
pub(crate) async fn release_request(state: &AppState, email: &Email, client: &ClientInfo) -> Result<(), StoreError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::throttle::release(&mut tx, &address_key(email), now).await?;
    store::throttle::release(&mut tx, &ip_key(&client.network()), now).await?;
    tx.commit().await?;
    Ok(())
}

async fn count_both(state: &AppState, email: &Email, client: &ClientInfo) -> Result<(), RequestError> {
    let now = state.now();
    let ml = &state.settings.magic_link;
    let rules = [
        (address_key(email), ml.address_max_requests, ml.address_window_secs),
        (ip_key(&client.network()), ml.ip_max_requests, ml.ip_window_secs),
    ];
    let mut tx = state.db.begin().await?;
    let mut counted_keys: Vec<&str> = Vec::new();
    for (key, max, window) in &rules {
        // Counted before anything is sent, in one statement, so parallel requests cannot all
        // see "under the limit".
        let counted = store::throttle::reserve(&mut tx, key, now, now - window).await?;
        let refused = if counted.locked_until > now {
            Some(counted.locked_until)
        } else if counted.attempts > *max {
            let until = store::throttle::lock_counter(&mut tx, key, now + window, now).await?;
            let scope = if key.starts_with("mail:addr:") { "address" } else { "ip" };
            let details = Some(json!({ "scope": scope }));
            audit::user_event(&mut tx, state, "signin.email.limited", None, None, client, Outcome::Failure, details).await?;
            Some(until)
        } else {
            None
        };
        if let Some(until) = refused {
            // A refused request is not counted against the other key.
            for k in counted_keys {
                store::throttle::release(&mut tx, k, now).await?;
            }
            tx.commit().await.map_err(store::StoreError::from)?;
            return Err(RequestError::TooMany { minutes: lockout::minutes_left(until, now) });
        }
        if counted_keys.is_empty() {
            store::fault_point(&state.db, &mut tx, "emailed_link:address_counted").await?;
        }
        counted_keys.push(key);
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::scratch_db;
    use crate::clock::OsRandom;

    const T0: Timestamp = 1_800_000_000;

    fn settings(ttl_secs: i64) -> Settings {
        let mut s = Settings::load_without_env(None).expect("the embedded defaults load");
        s.server.issuer = "https://id.example.org".into();
        s.magic_link.ttl_secs = ttl_secs;
        s
    }

    fn secret_of(url: &str) -> &str {
        url.split_once("?t=").map(|(_, t)| t).expect("the link carries its secret")
    }

    #[tokio::test]
    async fn a_link_lives_until_its_ttl_ends_and_only_for_its_purpose() {
        let (db, _dir) = scratch_db().await;
        let s = settings(601);
        let link = NewLink { purpose: Purpose::SetPassword, user_id: None, family_id: None, data: &json!({ "n": 1 }) };
        let issued = issue(&db, &s, &OsRandom, T0, &link).await.unwrap();
        assert!(issued.url.starts_with("https://id.example.org/login/password/new/confirm?t="), "{}", issued.url);
        assert_eq!((issued.expires_at, issued.minutes), (T0 + 601, 11), "minutes round up");
        let secret = secret_of(&issued.url);

        assert!(link_is_live(&db, Purpose::SetPassword, secret, T0).await.unwrap());
        assert!(link_is_live(&db, Purpose::SetPassword, secret, T0 + 600).await.unwrap());
        assert!(!link_is_live(&db, Purpose::SetPassword, secret, T0 + 601).await.unwrap(), "dead the second it expires");
        assert!(!link_is_live(&db, Purpose::SignIn, secret, T0).await.unwrap(), "a set-password link does not sign in");
        assert!(!link_is_live(&db, Purpose::SetPassword, &format!("{secret}x"), T0).await.unwrap());
        let row = live(&db, Purpose::SetPassword, secret, T0).await.unwrap().unwrap();
        assert_eq!(data::<serde_json::Value>(&row).unwrap(), json!({ "n": 1 }));
        assert_ne!(row.hash, secret, "only the hash is stored");
    }

    #[tokio::test]
    async fn a_link_is_spent_once() {
        let (db, _dir) = scratch_db().await;
        let link = NewLink { purpose: Purpose::EmailChange, user_id: None, family_id: None, data: &json!({}) };
        let issued = issue(&db, &settings(900), &OsRandom, T0, &link).await.unwrap();
        let hash = token_hash(secret_of(&issued.url));
        assert!(spend(&db, Purpose::SignIn, &hash, T0 + 1).await.unwrap().is_none(), "not with another purpose");
        assert!(spend(&db, Purpose::EmailChange, &hash, T0 + 1).await.unwrap().is_some());
        assert!(spend(&db, Purpose::EmailChange, &hash, T0 + 2).await.unwrap().is_none(), "not twice");
        assert!(!link_is_live(&db, Purpose::EmailChange, secret_of(&issued.url), T0 + 2).await.unwrap());
    }
}
