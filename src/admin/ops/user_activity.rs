//! What a user's page shows of their activity, and what an administrator can end there: their
//! live sessions ("end this session" does what signing out does: the session, its grants and
//! back-channel logouts), the apps holding grants for them and the consents they gave (revoking
//! one withdraws the consent and revokes the app's grants), and their recent audit events.

use serde::Serialize;
use serde_json::json;

use super::{Subject, audit_ok, check_on_user, commit_err, guard};
use crate::admin::ops::audit_log::EventView;
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::logout::{self, Which};
use crate::policy::delegation::Action;
use crate::store::{self, users::UserRow};

/// How many recent audit events the page shows.
const RECENT_EVENTS: i64 = 20;

/// A live browser session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    /// The session's public id (as in ID tokens' `sid`), never its cookie.
    pub sid: String,
    /// The browser and system in a few words, from the user agent.
    pub device: String,
    /// The same as recognised, for a page to say in its own language.
    #[serde(skip)]
    pub device_kind: Device,
    pub ip: String,
    pub started_at: i64,
    pub last_seen_at: i64,
}

/// A relying app that holds live grants for the user, or that the user consented to.
#[derive(Debug, Clone, Serialize)]
pub struct AppView {
    pub client_id: String,
    pub client_name: String,
    /// Live grants (authorisations whose tokens still work).
    pub grants: i64,
    /// One of them is offline access: it outlives the user's sessions.
    pub offline: bool,
    /// The scopes consented to, when the user gave consent.
    pub consent_scopes: Option<String>,
    /// When consent was given, or the newest grant.
    pub since: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub sessions: Vec<SessionView>,
    pub apps: Vec<AppView>,
    /// Newest first; only the events of organisations whose audit log the actor may read.
    pub events: Vec<EventView>,
}

/// The user's sessions, apps and recent events, if `actor` may see the user.
pub async fn of_user(state: &AppState, actor: &AdminActor, user_id: &str) -> Result<Activity, AdminError> {
    super::users::show(state, actor, user_id).await?;
    let now = state.now();
    let sessions = store::sessions::live_of_user(&state.db, user_id, now)
        .await?
        .into_iter()
        .map(|s| SessionView {
            device: device(&s.user_agent),
            device_kind: device_of(&s.user_agent),
            sid: s.sid,
            ip: s.ip,
            started_at: s.created_at,
            last_seen_at: s.last_seen_at,
        })
        .collect();
    let apps = apps_of(state, user_id).await?;
    let events = events_of(state, actor, user_id).await?;
    Ok(Activity { sessions, apps, events })
}

async fn apps_of(state: &AppState, user_id: &str) -> Result<Vec<AppView>, AdminError> {
    let mut apps: Vec<AppView> = store::user_activity::apps_of_user(&state.db, user_id, state.now())
        .await?
        .into_iter()
        .map(|a| AppView {
            client_id: a.client_id,
            client_name: a.client_name,
            grants: a.grants,
            offline: a.offline != 0,
            consent_scopes: None,
            since: a.latest,
        })
        .collect();
    for (client_id, client_name, scopes, at) in store::consents::of_user(&state.db, user_id).await? {
        match apps.iter_mut().find(|a| a.client_id == client_id) {
            Some(a) => {
                a.consent_scopes = Some(scopes);
                a.since = at;
            }
            None => apps.push(AppView { client_id, client_name, grants: 0, offline: false, consent_scopes: Some(scopes), since: at }),
        }
    }
    apps.sort_by_key(|a| a.client_name.to_lowercase());
    Ok(apps)
}

/// A superuser reads every event of the user; a body's administrator those recorded under the
/// bodies whose audit log they may read.
async fn events_of(state: &AppState, actor: &AdminActor, user_id: &str) -> Result<Vec<EventView>, AdminError> {
    let mut rows = match actor.administered_bodies() {
        None => store::user_activity::events_of_user(&state.db, user_id, None, RECENT_EVENTS).await?,
        Some(bodies) => {
            let mut rows = Vec::new();
            for b in bodies {
                let body = super::load_body(state, &b).await?;
                if actor.check(Action::ViewAudit, Some(&body.target())).is_ok() {
                    rows.extend(store::user_activity::events_of_user(&state.db, user_id, Some(&b), RECENT_EVENTS).await?);
                }
            }
            rows
        }
    };
    rows.sort_by_key(|e| std::cmp::Reverse(e.id));
    rows.dedup_by_key(|e| e.id);
    rows.truncate(usize::try_from(RECENT_EVENTS).unwrap_or(20));
    Ok(rows.into_iter().map(EventView::from).collect())
}

/// The user, if `actor` may see them and change them as signing them out everywhere needs; a
/// user they cannot see is "not found", a refusal is audited.
async fn load_for_change(
    state: &AppState,
    actor: &AdminActor,
    user_id: &str,
    action: &str,
) -> Result<(UserRow, Option<String>), AdminError> {
    let detail = super::users::show(state, actor, user_id).await?;
    let user = store::users::by_id(&state.db, user_id).await?.ok_or(AdminError::NotFound("user"))?;
    let body = detail.memberships.first().map(|m| m.body_id.clone());
    let subject = Subject { target_type: "user", target_id: user_id, body_id: body.as_deref() };
    guard(state, actor, action, &subject, check_on_user(state, actor, &user, Action::EditUser).await).await?;
    Ok((user, body))
}

/// Ends one of the user's sessions, as signing out of it does: the session, the grants tied to
/// it (offline ones stay) and back-channel logouts to the apps it signed into. A sid that is not
/// one of this user's live sessions is "not found" and ends nothing.
pub async fn end_session(state: &AppState, actor: &AdminActor, user_id: &str, sid: &str) -> Result<(), AdminError> {
    let (_, body) = load_for_change(state, actor, user_id, "user.session.end").await?;
    let ending = logout::Ending::read(state, user_id, Which::Sid(sid)).await?;
    let mut tx = state.db.begin().await?;
    let ended = ending.write_on(state, &mut tx).await?;
    if ended.count() == 0 {
        // Nothing written: the transaction rolls back as it is dropped.
        drop(ended.notify(state));
        return Err(AdminError::NotFound("session"));
    }
    let subject = Subject { target_type: "user", target_id: user_id, body_id: body.as_deref() };
    audit_ok(&mut tx, state, actor, "user.session.end", &subject, Some(json!({ "sid": sid }))).await?;
    tx.commit().await.map_err(commit_err)?;
    drop(ended.notify(state));
    Ok(())
}

/// Revokes an app's access for the user: the consent (so the app has to ask again) and every
/// grant it holds for them (its refresh tokens stop working; its access tokens fail
/// introspection). Refused as "not found" when the app holds nothing for the user.
pub async fn revoke_app(state: &AppState, actor: &AdminActor, user_id: &str, client_id: &str) -> Result<(), AdminError> {
    let (_, body) = load_for_change(state, actor, user_id, "user.app.revoke").await?;
    if !apps_of(state, user_id).await?.iter().any(|a| a.client_id == client_id) {
        return Err(AdminError::NotFound("app"));
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let had_consent = store::consents::delete(&mut tx, user_id, client_id).await?;
    store::grants::revoke_families_of_client(&mut tx, user_id, client_id, now).await?;
    let subject = Subject { target_type: "user", target_id: user_id, body_id: body.as_deref() };
    audit_ok(&mut tx, state, actor, "user.app.revoke", &subject, Some(json!({ "client_id": client_id, "consent": had_consent }))).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(())
}

/// A user agent's browser and system, each empty when not recognised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Device {
    pub browser: &'static str,
    pub system: &'static str,
}

/// A user agent in a few words a person recognises: "Firefox on Windows", "Safari on iPhone".
/// Not a fingerprint: anything unrecognised is "Unknown browser".
pub fn device(ua: &str) -> String {
    match device_of(ua) {
        Device { browser: "", system: "" } => "Unknown browser".into(),
        Device { browser: "", system } => format!("A browser on {system}"),
        Device { browser, system: "" } => browser.into(),
        Device { browser, system } => format!("{browser} on {system}"),
    }
}

/// What [`device`] says, before it is put in words.
pub fn device_of(ua: &str) -> Device {
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.starts_with("curl/") {
        "curl"
    } else {
        ""
    };
    let system = if ua.contains("iPhone") {
        "iPhone"
    } else if ua.contains("iPad") {
        "iPad"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "Mac"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    Device { browser, system }
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn devices_in_short_words() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            ("curl/8.5.0", "curl"),
            ("", "Unknown browser"),
            ("\u{0}<script>", "Unknown browser"),
        ];
        for (ua, want) in cases {
            assert_eq!(device(ua), want, "{ua}");
        }
    }
}
