//! Pushed authorization requests (RFC 9126): a client posts its authorization request's
//! parameters first and gets a `request_uri` to send the browser with instead. Stored in
//! `one_time_tokens` (kind `par_request`) by the SHA-256 of the handle, bound to the client. A
//! request_uri must be first used within `oauth.par_request_uri_ttl_secs`; a sign-in it starts
//! may then take up to [`SIGN_IN_WINDOW_SECS`]; the one authorization code it yields spends it.

use crate::app::AppState;
use crate::clock::Timestamp;
use crate::secret::{SecretString, random_token, token_hash};
use crate::store::{self, StoreError, grants::TokenRow};

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

/// Stores a checked request for `client_id`; returns the request_uri and its lifetime.
pub async fn push(state: &AppState, client_id: &str, params: &[(String, String)]) -> Result<(String, i64), StoreError> {
    let now = state.now();
    let ttl = state.settings.oauth.par_request_uri_ttl_secs;
    let handle: SecretString = random_token(&*state.rng);
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
    store::grants::insert(&state.db, &row).await?;
    Ok((format!("{REQUEST_URI_PREFIX}{}", handle.expose()), ttl))
}

/// The hash a request_uri is stored by, or None if it is not one of ours.
pub fn handle_hash(request_uri: &str) -> Option<String> {
    let handle = request_uri.strip_prefix(REQUEST_URI_PREFIX)?;
    (!handle.is_empty() && handle.len() <= 128).then(|| token_hash(handle))
}

/// A live, unspent pushed request of `client_id`: its parameters and when it was pushed. Its
/// first use extends its life to the sign-in window.
pub async fn open(state: &AppState, hash: &str, client_id: &str) -> Result<Option<(Vec<(String, String)>, Timestamp)>, StoreError> {
    let Some(row) = store::grants::open_pushed(&state.db, hash, client_id, state.now(), SIGN_IN_WINDOW_SECS).await? else {
        return Ok(None);
    };
    let params: Vec<(String, String)> = serde_json::from_str(&row.data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Some((params, row.created_at)))
}
