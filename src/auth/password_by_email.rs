//! Setting a password by email confirmation, for people who are not signed in (never set one, or
//! forgot it): they type their address and a new password, and a single-use link emailed to the
//! address sets it (after a button press) and signs the browser in. The page answers the same
//! whether or not the address has an account, and the new password is hashed either way so the
//! two take the same time. Only the argon2 hash of the new password is stored with the link.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::emailed_link::{self, NewLink, Purpose};
use super::session::{SignIn, SignedIn};
use super::{AuthError, ClientInfo};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::email::{Email, EmailError};
use crate::mail::{self, MailError, messages};
use crate::policy::password::{self, PasswordProblem};
use crate::secret::SecretString;
use crate::store::{self, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PasswordByEmailError {
    #[error("{0}")]
    BadEmail(#[from] EmailError),
    #[error("{0}")]
    Weak(#[from] PasswordProblem),
    #[error("Enter the new password twice, the same both times.")]
    Mismatch,
    #[error("You have asked for too many emails. Wait {minutes} minute(s) and try again.")]
    TooManyRequests { minutes: i64 },
    #[error("Too many people are signing in right now. Wait a moment and try again.")]
    Busy,
    #[error("This link has expired or has already been used. Ask for a new one.")]
    LinkInvalid,
    #[error("This account cannot be used. Ask your organisation's administrator.")]
    NotAllowed,
    #[error("{}", .0.explain())]
    SsoRequired(super::SsoRequired),
    #[error(transparent)]
    Internal(#[from] AuthError),
    #[error("cannot queue the email")]
    Mail(#[from] MailError),
}

emailed_link::flow_error_conversions!(PasswordByEmailError);

#[derive(Debug, Serialize, Deserialize)]
struct Data {
    password_hash: String,
    next: String,
    /// The address the link was sent to; the link works only while the account still has it.
    #[serde(default)]
    email: Option<String>,
}

/// Checks the new password, then emails a confirmation link if the address has an account.
#[tracing::instrument(skip_all)]
pub async fn request(
    state: &AppState,
    email_input: &str,
    new_password: &SecretString,
    repeated: &SecretString,
    next: &str,
    client: &ClientInfo,
) -> Result<Email, PasswordByEmailError> {
    let email = Email::parse(email_input)?;
    if let Some(required) = super::sso_required(state, &email, "password.email.request", client).await? {
        return Err(PasswordByEmailError::SsoRequired(required));
    }
    if !crate::secret::ct_eq(new_password.expose().as_bytes(), repeated.expose().as_bytes()) {
        return Err(PasswordByEmailError::Mismatch);
    }
    let user = store::users::by_email(&state.db, &email).await?;
    let rules = state.password_rules_for(user.as_ref().map(|u| u.id.as_str())).await?;
    password::check(new_password.expose(), email.as_str(), rules, &state.common_passwords)?;
    emailed_link::throttle_request(state, &email, client).await?;
    // Hashed whether or not the account exists, so both answers take the same time.
    let hash = match state.hasher.hash(new_password).await {
        Ok(hash) => hash,
        Err(super::password::HashError::Busy) => {
            emailed_link::release_request(state, &email, client).await?;
            return Err(PasswordByEmailError::Busy);
        }
        Err(other) => return Err(PasswordByEmailError::Internal(other.into())),
    };
    let banned = super::abuse::is_banned(state, &email).await?;
    let user = match user {
        Some(u) if !u.is_disabled() && !banned => u,
        other => {
            let reason = if banned {
                "banned"
            } else if other.is_some() {
                "disabled"
            } else {
                "no_account"
            };
            let target = other.as_ref().map(|u| u.id.as_str());
            audit::user_event(
                &state.db,
                state,
                "password.email.request",
                None,
                target,
                client,
                Outcome::Failure,
                Some(json!({ "reason": reason })),
            )
            .await?;
            return Ok(email);
        }
    };
    let data = Data { password_hash: hash, next: next.to_owned(), email: Some(email.to_string()) };
    let link = NewLink { purpose: Purpose::SetPassword, user_id: Some(&user.id), family_id: None, data: &data };
    // The link, its email and the audit row are one transaction (see `magic_link::request`).
    let mut tx = state.db.begin().await?;
    let issued = emailed_link::issue(&mut tx, &state.settings, &*state.rng, state.now(), &link).await?;
    let site_name = state.settings.server.name.as_str();
    let mail = messages::PasswordConfirm { site_name, link: &issued.url, minutes: issued.minutes, had_password: user.has_password() }
        .render(crate::i18n::for_person(user.language.as_deref()))?;
    let mail_id = mail::enqueue_in(&mut tx, state, &email, &mail, Some(issued.expires_at)).await?;
    store::fault_point(&state.db, &mut tx, "password_by_email:link_queued").await?;
    audit::user_event(
        &mut tx,
        state,
        "password.email.request",
        None,
        Some(&user.id),
        client,
        Outcome::Success,
        Some(json!({ "mail_id": mail_id })),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    state.mail_wake.notify_one();
    Ok(email)
}

/// Uses the link (once): sets the password, ends every session and grant of the user (someone
/// else may have had the old password), and returns the user for a fresh session and where to go.
///
/// Everything is read first; then the link is spent in the same transaction as everything it
/// does (the password, the address verified, the sessions ended, the audit row), so a lost
/// connection leaves the link unspent and the account as it was.
#[tracing::instrument(skip_all)]
pub async fn confirm(
    state: &AppState,
    secret: &str,
    client: &ClientInfo,
    previous: Option<&SecretString>,
) -> Result<(SignedIn, String), PasswordByEmailError> {
    let now = state.now();
    let row = emailed_link::live(&state.db, Purpose::SetPassword, secret, state.now()).await?;
    let user = match &row {
        Some(r) => match &r.user_id {
            Some(id) => store::users::by_id(&state.db, id).await?,
            None => None,
        },
        None => None,
    };
    // The link belongs to the address it was sent to: if the account's address changed since,
    // it is no longer valid.
    let data: Option<Data> = row.as_ref().and_then(|r| emailed_link::data(r).ok());
    let user = user.filter(|u| data.as_ref().and_then(|d| d.email.as_deref()) == Some(u.email.as_str()));
    let (Some(row), Some(data), Some(user)) = (row, data, user) else {
        return Err(invalid(state, client).await?);
    };
    if let Some(required) = super::sso_required(state, &user.email(), "password.set", client).await? {
        // The link is spent all the same.
        emailed_link::spend(&state.db, Purpose::SetPassword, &row.hash, now).await?;
        return Err(PasswordByEmailError::SsoRequired(required));
    }
    let refused = user.is_disabled() || super::abuse::is_banned(state, &user.email()).await?;
    let ending = crate::logout::Ending::read(state, &user.id, crate::logout::Which::All).await?;
    let sign_in = SignIn::for_user(state, &user, &[super::magic_link::AMR_EMAIL], &data.next, client, previous).await?;
    let mut tx = state.db.begin().await?;
    if emailed_link::spend(&mut tx, Purpose::SetPassword, &row.hash, now).await?.is_none() {
        // Used by a parallel request meanwhile.
        drop(tx);
        return Err(invalid(state, client).await?);
    }
    if refused {
        let details = json!({ "via": "email", "reason": "disabled" });
        audit::user_event(&mut tx, state, "password.set", None, Some(&user.id), client, Outcome::Failure, Some(details)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        return Err(PasswordByEmailError::NotAllowed);
    }
    store::fault_point(&state.db, &mut tx, "password_link:consumed").await?;
    store::users::set_password_hash(&mut tx, &user.id, &data.password_hash, now).await?;
    store::users::verify_address(&mut tx, &user.id, &user.email(), now).await?;
    let ended = ending.write_on(state, &mut tx).await?;
    store::throttle::clear_counter(&mut tx, &super::login::account_key(&user.email())).await?;
    store::users::touch_last_login(&mut tx, &user.id, now).await?;
    let details = json!({ "via": "email" });
    audit::user_event(&mut tx, state, "password.set", Some(&user.id), Some(&user.id), client, Outcome::Success, Some(details)).await?;
    let signed_in = sign_in.write_on(state, &mut tx, &user.id).await?;
    store::fault_point(&state.db, &mut tx, "password_link:written").await?;
    tx.commit().await.map_err(StoreError::from)?;
    // Back-channel logouts only once the sessions are really gone.
    drop(ended.notify(state));
    Ok((signed_in, data.next))
}

/// The refusal of a link that is not (or no longer) valid, audited.
async fn invalid(state: &AppState, client: &ClientInfo) -> Result<PasswordByEmailError, PasswordByEmailError> {
    let details = json!({ "via": "email", "reason": "invalid" });
    audit::user_event(&state.db, state, "password.set", None, None, client, Outcome::Failure, Some(details)).await?;
    Ok(PasswordByEmailError::LinkInvalid)
}
