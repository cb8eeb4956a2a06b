//! Changing one's email address: a single-use link goes to the new address (the change happens
//! only when it is used, through a button), and a notice goes to the old one. Addresses stay
//! unique: an address that already has an account is never sent a link, and the change is
//! refused at confirmation if another account took the address in the meantime.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::emailed_link::{self, NewLink, Purpose};
use super::{AuthError, ClientInfo};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::email::{Email, EmailError};
use crate::mail::{self, MailError, messages};
use crate::store::{self, StoreError, users::UserRow};

#[derive(Debug, thiserror::Error)]
pub enum EmailChangeError {
    #[error("{0}")]
    BadEmail(#[from] EmailError),
    #[error("That is already your email address.")]
    Same,
    #[error("You have asked for too many emails. Wait {minutes} minute(s) and try again.")]
    TooManyRequests { minutes: i64 },
    #[error("This link has expired or has already been used. Ask for a new one.")]
    LinkInvalid,
    #[error("That email address is already used by another account, so yours was not changed.")]
    Taken,
    #[error(transparent)]
    Internal(#[from] AuthError),
    #[error("cannot queue the email")]
    Mail(#[from] MailError),
}

emailed_link::flow_error_conversions!(EmailChangeError);

#[derive(Debug, Serialize, Deserialize)]
struct Data {
    new_email: String,
    /// The account's address when the link was sent; the link works only while it still is.
    #[serde(default)]
    old_email: Option<String>,
}

/// Sends the confirmation link to the new address and a notice to the old one. Returns the
/// new address (normalised). Says the same whether or not the new address is taken.
#[tracing::instrument(skip_all)]
pub async fn request(state: &AppState, user: &UserRow, new_input: &str, client: &ClientInfo) -> Result<Email, EmailChangeError> {
    let new = Email::parse(new_input)?;
    let old = user.email();
    if new == old {
        return Err(EmailChangeError::Same);
    }
    emailed_link::throttle_request(state, &new, client).await?;
    // A banned address gets no link, and the answer is the one a taken address gets.
    let refused = if super::abuse::is_banned(state, &new).await? {
        Some("banned")
    } else if store::users::by_email(&state.db, &new).await?.is_some() {
        Some("taken")
    } else {
        None
    };
    if let Some(reason) = refused {
        let details = json!({ "reason": reason, "to_domain": new.domain() });
        audit::user_event(
            &state.db,
            state,
            "email.change.request",
            Some(&user.id),
            Some(&user.id),
            client,
            Outcome::Failure,
            Some(details),
        )
        .await?;
        return Ok(new);
    }
    let data = Data { new_email: new.to_string(), old_email: Some(old.to_string()) };
    let link = NewLink { purpose: Purpose::EmailChange, user_id: Some(&user.id), family_id: None, data: &data };
    // The link, its email, the notice to the old address and the audit row are one transaction:
    // the link is never sent to the new address without the old one being told (a hang-up or a
    // lost connection between them once let it).
    let mut tx = state.db.begin().await?;
    let issued = emailed_link::issue(&mut tx, &state.settings, &*state.rng, state.now(), &link).await?;
    let site_name = state.settings.server.name.as_str();
    let confirm = messages::EmailChangeConfirm { site_name, link: &issued.url, minutes: issued.minutes, new_email: new.as_str() }
        .render(crate::i18n::for_person(user.language.as_deref()))?;
    let confirm_id = mail::enqueue_in(&mut tx, state, &new, &confirm, Some(issued.expires_at)).await?;
    store::fault_point(&state.db, &mut tx, "email_change:link_queued").await?;
    let notice = messages::EmailChangeNotice { site_name, new_email: new.as_str(), old_email: old.as_str() }
        .render(crate::i18n::for_person(user.language.as_deref()))?;
    let notice_id = mail::enqueue_in(&mut tx, state, &old, &notice, None).await?;
    let details = json!({ "to_domain": new.domain(), "mail_id": confirm_id, "notice_mail_id": notice_id });
    audit::user_event(&mut tx, state, "email.change.request", Some(&user.id), Some(&user.id), client, Outcome::Success, Some(details))
        .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    state.mail_wake.notify_one();
    Ok(new)
}

/// Uses the link (once) and changes the address. Returns the new address.
///
/// Everything is read first; then the link is spent in the same transaction as the change and
/// its audit row, so a lost connection leaves the link unspent and the address as it was.
#[tracing::instrument(skip_all)]
pub async fn confirm(state: &AppState, secret: &str, client: &ClientInfo) -> Result<Email, EmailChangeError> {
    let now = state.now();
    let row = emailed_link::live(&state.db, Purpose::EmailChange, secret, state.now()).await?;
    let Some((row, user_id)) = row.and_then(|r| r.user_id.clone().map(|u| (r, u))) else {
        return Err(invalid(state, client).await?);
    };
    let data: Data = emailed_link::data(&row)?;
    let new = Email::parse(&data.new_email)?;
    let user = store::users::by_id(&state.db, &user_id).await?.filter(|u| !u.is_disabled());
    // Bans match addresses: a banned person who moved to another address would be out of the
    // ban, and no one moves to a banned address. Read before the transaction (cached).
    let banned = match &user {
        Some(u) => super::abuse::is_banned(state, &u.email()).await? || super::abuse::is_banned(state, &new).await?,
        None => false,
    };
    let mut tx = state.db.begin().await?;
    if emailed_link::spend(&mut tx, Purpose::EmailChange, &row.hash, now).await?.is_none() {
        // Used by a parallel request meanwhile.
        drop(tx);
        return Err(invalid(state, client).await?);
    }
    let Some(user) = user else {
        tx.commit().await.map_err(StoreError::from)?;
        return Err(EmailChangeError::LinkInvalid);
    };
    if banned {
        let details = json!({ "reason": "banned" });
        audit::user_event(&mut tx, state, "email.change", None, Some(&user.id), client, Outcome::Failure, Some(details)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        return Err(EmailChangeError::LinkInvalid);
    }
    // Only while the address is still the one the change was asked from: a change made since
    // (by another link, or an administrator) ends every pending link.
    let Some(old) = data.old_email.as_deref().map(Email::parse).transpose()?.filter(|o| *o == user.email()) else {
        let details = json!({ "reason": "address_changed" });
        audit::user_event(&mut tx, state, "email.change", None, Some(&user.id), client, Outcome::Failure, Some(details)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        return Err(EmailChangeError::LinkInvalid);
    };
    store::fault_point(&state.db, &mut tx, "email_link:consumed").await?;
    // A refusal (the address taken meanwhile) spends the link too, with its audit row.
    let (outcome, details, refusal) = match store::users::change_email(&mut tx, &user.id, Some(&old), &new, now).await {
        // The audit log is append-only and outlives anonymisation: domains, never addresses.
        Ok(true) => (Outcome::Success, json!({ "from_domain": user.email().domain(), "to_domain": new.domain() }), None),
        Ok(false) => (Outcome::Failure, json!({ "reason": "address_changed" }), Some(EmailChangeError::LinkInvalid)),
        Err(StoreError::Conflict(_)) => {
            (Outcome::Failure, json!({ "reason": "taken", "to_domain": new.domain() }), Some(EmailChangeError::Taken))
        }
        Err(e) => return Err(e.into()),
    };
    let actor = refusal.is_none().then_some(user.id.as_str());
    audit::user_event(&mut tx, state, "email.change", actor, Some(&user.id), client, outcome, Some(details)).await?;
    store::fault_point(&state.db, &mut tx, "email_link:written").await?;
    tx.commit().await.map_err(StoreError::from)?;
    match refusal {
        None => Ok(new),
        Some(e) => Err(e),
    }
}

/// The refusal of a link that is not (or no longer) valid, audited.
async fn invalid(state: &AppState, client: &ClientInfo) -> Result<EmailChangeError, EmailChangeError> {
    audit::user_event(&state.db, state, "email.change", None, None, client, Outcome::Failure, Some(json!({ "reason": "invalid" }))).await?;
    Ok(EmailChangeError::LinkInvalid)
}
