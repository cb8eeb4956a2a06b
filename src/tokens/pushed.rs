//! Pushed authorization requests (RFC 9126): a client posts its authorization request's
//! parameters first and gets a `request_uri` to send the browser with instead. Stored in
//! `one_time_tokens` (kind `par_request`) by the SHA-256 of the handle, bound to the client. A
//! request_uri must be first used within `oauth.par_request_uri_ttl_secs`; a sign-in it starts
//! may then take up to [`SIGN_IN_WINDOW_SECS`]; the one authorization code it yields spends it.

use crate::clock::{Random, Timestamp};
use crate::secret::{SecretString, random_token, token_hash};
use crate::store::{self, Db, StoreError, grants::TokenRow};

/// The prefix of every request_uri Stile issues (RFC 9126 §2.2).
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// How long, from the push, a sign-in started with a request_uri may take.
pub const SIGN_IN_WINDOW_SECS: i64 = 600;

/// The parameters a pushed request stores: everything but the client's credentials.
pub fn stored_params(params: &[(String, String)], client_id: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "client_secret" | "client_assertion" | "client_assertion_type" | "client_id"))
        .cloned()
        .collect();
    out.push(("client_id".into(), client_id.to_owned()));
    out
}

/// Stores a checked request for `client_id` at `now`, live for `ttl`
/// (`oauth.par_request_uri_ttl_secs`); returns the request_uri and its lifetime.
pub async fn push(
    db: &Db,
    rng: &dyn Random,
    ttl: i64,
    client_id: &str,
    params: &[(String, String)],
    now: Timestamp,
) -> Result<(String, i64), StoreError> {
    let handle: SecretString = random_token(rng);
    let data = serde_json::to_string(params).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = TokenRow {
        hash: token_hash(handle.expose()),
        kind: store::grants::KIND_PAR.into(),
        user_id: None,
        client_id: Some(client_id.to_owned()),
        session_sid: None,
        family_id: None,
        data,
        created_at: now,
        expires_at: now + ttl,
        used_at: None,
        revoked_at: None,
    };
    store::grants::insert(db, &row).await?;
    Ok((format!("{REQUEST_URI_PREFIX}{}", handle.expose()), ttl))
}

/// The hash a request_uri is stored by, or None if it is not one of ours.
pub fn handle_hash(request_uri: &str) -> Option<String> {
    let handle = request_uri.strip_prefix(REQUEST_URI_PREFIX)?;
    (!handle.is_empty() && handle.len() <= 128).then(|| token_hash(handle))
}

/// A pushed request of `client_id` live and unspent at `now`: its parameters and when it was
/// pushed. Its first use extends its life to the sign-in window.
pub async fn open(db: &Db, hash: &str, client_id: &str, now: Timestamp) -> Result<Option<(Vec<(String, String)>, Timestamp)>, StoreError> {
    let Some(row) = store::grants::open_pushed(db, hash, client_id, now, SIGN_IN_WINDOW_SECS).await? else {
        return Ok(None);
    };
    let params: Vec<(String, String)> = serde_json::from_str(&row.data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Some((params, row.created_at)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::scratch_db;
    use crate::clock::OsRandom;

    const T0: Timestamp = 1_800_000_000;

    fn params() -> Vec<(String, String)> {
        vec![("client_id".into(), "app".into()), ("scope".into(), "openid".into())]
    }

    #[tokio::test]
    async fn a_request_uri_lives_its_ttl_until_first_used_then_the_sign_in_window() {
        let (db, _dir) = scratch_db().await;
        let spec = crate::clients::ClientSpec {
            id: Some("app".into()),
            ..crate::clients::ClientSpec::new("App", vec!["https://app.example.org/cb".into()])
        };
        crate::clients::register(&db, spec, &OsRandom, T0).await.unwrap();
        let (uri, ttl) = push(&db, &OsRandom, 60, "app", &params(), T0).await.unwrap();
        assert_eq!(ttl, 60);
        let hash = handle_hash(&uri).expect("one of ours");
        assert!(open(&db, &hash, "other-app", T0 + 1).await.unwrap().is_none(), "bound to the client that pushed it");

        let (never_used, _) = push(&db, &OsRandom, 60, "app", &params(), T0).await.unwrap();
        let never_used = handle_hash(&never_used).unwrap();
        assert!(open(&db, &never_used, "app", T0 + 60).await.unwrap().is_none(), "unused, it dies with its ttl");

        let (got, pushed_at) = open(&db, &hash, "app", T0 + 59).await.unwrap().expect("live within its ttl");
        assert_eq!((got, pushed_at), (params(), T0));
        // Once used, a sign-in it started may take the window from the push, and no longer.
        assert!(open(&db, &hash, "app", T0 + SIGN_IN_WINDOW_SECS - 1).await.unwrap().is_some());
        assert!(open(&db, &hash, "app", T0 + SIGN_IN_WINDOW_SECS).await.unwrap().is_none());
    }
}
