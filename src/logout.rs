//! Ending sessions: the session rows, the grants tied to them, and OIDC Back-Channel Logout to
//! every client the session signed into.

use std::time::Duration;

use serde_json::json;

use crate::app::AppState;
use crate::audit::{self, ClientInfo, Outcome};
use crate::clients::Client;
use crate::secret::token_hash;
use crate::store::{self, StoreError, sessions::SessionRow};
use crate::tokens::issue;

/// Which sessions to end.
pub enum Which<'a> {
    /// The browser's own session, by its cookie value.
    Cookie(&'a str),
    /// One of the user's sessions by its public sid.
    Sid(&'a str),
    /// Every session of the user, and every grant (offline ones too).
    All,
    /// Every session of the user but this one (by sid), each with its grants.
    Others(&'a str),
}

/// Ends sessions of `user_id`; returns how many ended. Back-channel logouts continue in the
/// background.
pub async fn end_sessions(state: &AppState, user_id: &str, which: Which<'_>) -> Result<usize, StoreError> {
    Ok(end_sessions_tracked(state, user_id, which).await?.0)
}

/// As `end_sessions`, also returning the back-channel deliveries so a caller that is about to
/// exit (the CLI) can wait for them.
pub async fn end_sessions_tracked(
    state: &AppState,
    user_id: &str,
    which: Which<'_>,
) -> Result<(usize, Vec<tokio::task::JoinHandle<()>>), StoreError> {
    let ending = Ending::read(state, user_id, which).await?;
    // The sessions and their grants end together (one transaction): a connection lost half-way
    // never leaves a session ended with its refresh tokens (offline ones, for `All`) still live.
    let mut tx = state.db.begin().await?;
    let ended = ending.write_on(state, &mut tx).await?;
    tx.commit().await?;
    let n = ended.count();
    Ok((n, ended.notify(state)))
}

/// Sessions to end, read before any transaction is opened (so the transaction needs no second
/// connection); [`Ending::write_on`] ends them inside the caller's transaction.
pub struct Ending {
    user_id: String,
    all: bool,
    /// Each session's id hash and sid, and the clients it signed into.
    sessions: Vec<(String, String, Vec<String>)>,
}

impl Ending {
    pub async fn read(state: &AppState, user_id: &str, which: Which<'_>) -> Result<Self, StoreError> {
        let live = store::sessions::live_of_user(&state.db, user_id, i64::MIN).await?;
        let all = matches!(which, Which::All);
        let candidates: Vec<SessionRow> = match which {
            Which::Cookie(token) => {
                let hash = token_hash(token);
                live.into_iter().filter(|s| s.id_hash == hash).collect()
            }
            Which::Sid(sid) => live.into_iter().filter(|s| s.sid == sid).collect(),
            Which::All => live,
            // Only live ones: what the person is told was ended.
            Which::Others(sid) => {
                let now = state.now();
                live.into_iter().filter(|s| s.sid != sid && s.idle_expires_at > now && s.absolute_expires_at > now).collect()
            }
        };
        let mut sessions = Vec::new();
        for s in candidates {
            let clients = store::sessions::clients_of(&state.db, &s.id_hash).await?;
            sessions.push((s.id_hash, s.sid, clients));
        }
        Ok(Self { user_id: user_id.to_owned(), all, sessions })
    }

    /// Ends the sessions and their grants (every grant of the user, for `All`) inside `tx`; the
    /// caller commits, then calls [`Ended::notify`].
    pub async fn write_on(self, state: &AppState, tx: &mut store::Tx) -> Result<Ended, StoreError> {
        let now = state.now();
        let mut notify = Vec::new();
        for (id_hash, sid, clients) in self.sessions {
            if store::sessions::delete(&mut *tx, &id_hash).await?.is_none() {
                continue;
            }
            if !self.all {
                store::grants::revoke_families_of_user(&mut *tx, &self.user_id, Some(&sid), now).await?;
            }
            notify.push((clients, sid));
        }
        if self.all {
            // Sessions started after `read` listed them (a sign-in that committed in between) end
            // too: a ban, a removal or "sign out everywhere" leaves no session behind.
            for s in store::sessions::live_of_user(&mut *tx, &self.user_id, i64::MIN).await? {
                let clients = store::sessions::clients_of(&mut *tx, &s.id_hash).await?;
                if store::sessions::delete(&mut *tx, &s.id_hash).await?.is_some() {
                    notify.push((clients, s.sid));
                }
            }
            store::grants::revoke_families_of_user(&mut *tx, &self.user_id, None, now).await?;
        }
        Ok(Ended { user_id: self.user_id, notify })
    }
}

/// Sessions ended inside a transaction not yet committed: once it is, [`Ended::notify`] sends
/// their back-channel logouts.
#[must_use = "send the back-channel logouts once the transaction is committed"]
pub struct Ended {
    user_id: String,
    notify: Vec<(Vec<String>, String)>,
}

impl Ended {
    pub fn count(&self) -> usize {
        self.notify.len()
    }

    /// Starts the back-channel logouts (only once the sessions are really gone: call it after
    /// the commit).
    pub fn notify(self, state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
        let mut deliveries = Vec::new();
        for (clients, sid) in self.notify {
            for client_id in clients {
                deliveries.push(send_backchannel(state, &client_id, &self.user_id, &sid));
            }
        }
        deliveries
    }
}

/// Sends a logout token in the background, retrying; the outcome is audited.
fn send_backchannel(state: &AppState, client_id: &str, user_id: &str, sid: &str) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    let (client_id, user_id, sid) = (client_id.to_owned(), user_id.to_owned(), sid.to_owned());
    // Tracked: a shutdown waits for it (up to `server::TRACKED_GRACE`), so a stop does not cut short
    // a delivery under way; one still retrying a relying app that does not answer is dropped then.
    state.tasks.clone().spawn(async move {
        let client = match store::clients::by_id(&state.db, &client_id).await {
            Ok(Some(row)) => match Client::from_row(row) {
                Ok(c) => c,
                Err(_) => return,
            },
            _ => return,
        };
        let Some(uri) = client.backchannel_logout_uri.clone() else { return };
        let outcome = deliver(&state, &client, &uri, &user_id, &sid).await;
        let who = ClientInfo { ip: String::new(), user_agent: "stile back-channel logout".into() };
        let (result, details) = match outcome {
            Ok(attempts) => (Outcome::Success, json!({ "client_id": client.id, "attempts": attempts })),
            Err(reason) => (Outcome::Failure, json!({ "client_id": client.id, "reason": reason })),
        };
        if let Err(e) = audit::user_event(&state.db, &state, "logout.backchannel", None, Some(&user_id), &who, result, Some(details)).await
        {
            tracing::warn!(error = %e, "cannot audit back-channel logout");
        }
    })
}

async fn deliver(state: &AppState, client: &Client, uri: &str, user_id: &str, sid: &str) -> Result<u32, String> {
    let token = issue::logout_token(state, client, user_id, sid).await.map_err(|e| e.to_string())?;
    let http = &state.client_http;
    let mut last = String::new();
    for attempt in 1..=3u32 {
        // An internal address (SSRF) is refused before anything is sent, and not retried.
        let req = http.post(uri).map_err(|e| format!("refused: {e}"))?;
        let res = req.form(&[("logout_token", token.as_str())]).send().await;
        match res {
            // OIDC Back-Channel Logout §2.8: 200 (or 204) means done.
            Ok(r) if r.status().is_success() => return Ok(attempt),
            // 400 means the RP refused the token; retrying will not change its mind.
            Ok(r) if r.status() == reqwest::StatusCode::BAD_REQUEST => return Err("rejected by the client (400)".into()),
            Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
            Err(e) if crate::services::outbound::is_refusal(&e) => return Err("refused: the address is internal".into()),
            Err(e) => last = if e.is_timeout() { "timed out".into() } else { "connection failed".into() },
        }
        if attempt < 3 {
            tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt * attempt))).await;
        }
    }
    Err(last)
}
