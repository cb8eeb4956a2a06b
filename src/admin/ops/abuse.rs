//! Bans: an email address or a whole domain. Banned addresses cannot sign in (by any method) or
//! be given an account; banning also signs the matching users out everywhere, revoking their
//! tokens. Superusers only, because a ban reaches every body; banning and lifting a ban need
//! step-up (a second factor entered within the last few minutes).

use serde::Deserialize;
use serde_json::json;

use super::{Subject, audit_ok, commit_err, guard, require_step_up};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::email::{Email, normalise_domain};
use crate::logout::{self, Which};
use crate::policy::delegation::Action;
use crate::store::{self, abuse::BanRow};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanInput {
    /// An email address, or a domain (`example.org` or `@example.org`).
    pub pattern: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn list(state: &AppState, actor: &AdminActor) -> Result<Vec<BanRow>, AdminError> {
    actor.check(Action::Ban, None)?;
    Ok(store::abuse::list(&state.db).await?)
}

fn parse(pattern: &str) -> Result<(String, &'static str), AdminError> {
    let p = pattern.trim();
    if p.contains('@') && !p.starts_with('@') {
        let e = Email::parse(p).map_err(|e| AdminError::invalid("pattern", e.to_string()))?;
        Ok((e.to_string(), "email"))
    } else {
        let d =
            normalise_domain(p).map_err(|_| AdminError::invalid("pattern", "Give an email address or a domain such as example.org."))?;
        Ok((d, "domain"))
    }
}

pub async fn ban(state: &AppState, actor: &AdminActor, input: BanInput) -> Result<BanRow, AdminError> {
    let (pattern, kind) = parse(&input.pattern)?;
    let subject = Subject { target_type: "ban", target_id: &pattern, body_id: None };
    guard(state, actor, "abuse.ban", &subject, actor.check(Action::Ban, None)).await?;
    require_step_up(state, actor, "abuse.ban", &subject).await?;
    let reason: String = input.reason.trim().chars().take(500).collect();
    let now = state.now();
    // Whoever is banned is signed out and their tokens stop working, in the ban's own
    // transaction: a lost connection never leaves a ban with its people still signed in.
    let users: Vec<String> = match kind {
        "email" => store::users::by_email(&state.db, &Email::from_stored(pattern.clone())).await?.into_iter().map(|u| u.id).collect(),
        _ => store::abuse::users_in_domain(&state.db, &pattern).await?,
    };
    let mut endings = Vec::with_capacity(users.len());
    for id in &users {
        endings.push(logout::Ending::read(state, id, Which::All).await?);
    }
    let mut tx = state.db.begin().await?;
    store::abuse::insert(&mut tx, &pattern, kind, &reason, now).await?;
    let mut ended = Vec::with_capacity(endings.len());
    for ending in endings {
        ended.push(ending.write_on(state, &mut tx).await?);
    }
    store::fault_point(&state.db, &mut tx, "ban:written").await?;
    audit_ok(&mut tx, state, actor, "abuse.ban", &subject, Some(json!({ "kind": kind, "reason": reason }))).await?;
    tx.commit().await.map_err(commit_err)?;
    // Again once committed: a request that read the old state during the transaction cached it.
    crate::store::security_epoch::changed();
    for e in ended {
        e.notify(state);
    }
    Ok(BanRow { pattern, kind: kind.to_owned(), reason, created_at: now })
}

pub async fn unban(state: &AppState, actor: &AdminActor, pattern: &str) -> Result<(), AdminError> {
    let (pattern, kind) = parse(pattern)?;
    let subject = Subject { target_type: "ban", target_id: &pattern, body_id: None };
    guard(state, actor, "abuse.unban", &subject, actor.check(Action::Ban, None)).await?;
    require_step_up(state, actor, "abuse.unban", &subject).await?;
    let mut tx = state.db.begin().await?;
    if !store::abuse::delete(&mut tx, &pattern).await? {
        return Err(AdminError::NotFound("ban"));
    }
    audit_ok(&mut tx, state, actor, "abuse.unban", &subject, Some(json!({ "kind": kind }))).await?;
    tx.commit().await.map_err(commit_err)?;
    // Again once committed: a request that read the old state during the transaction cached it.
    crate::store::security_epoch::changed();
    Ok(())
}
