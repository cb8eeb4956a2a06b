//! Sign-in by email: a single-use link and a 6-digit code sent together, accounts created on
//! the first confirmed link (by `[signup] mode`), and limits on emails requested and codes
//! guessed. Known and unknown addresses get the same answer on screen.
//!
//! What is stored: one `one_time_tokens` row (kind 'magic_link') whose hash is the SHA-256 of
//! the link's secret, whose family_id is the SHA-256 of a second secret (the "reference") that
//! only the requesting browser's "check your email" page holds, and whose data holds the
//! address, the `next` target and SHA-256(reference ":" code). Without the reference the stored
//! code hash cannot be brute-forced from a copy of the database. The link and the code are the
//! same row, so using one burns the other.
//!
//! `amr`: a link sign-in records `["email"]` and a typed code `["otp"]` (RFC 8176 has no value
//! for an emailed link; "otp" is its value for a one-time code).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::emailed_link::{self, NewLink, Purpose};
use super::session::{SignIn, SignedIn};
use super::{AuthError, ClientInfo};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::clock::Random;
use crate::config::SignupMode;
use crate::email::{Email, EmailError};
use crate::mail::{self, MailError, messages};
use crate::secret::{SecretString, ct_eq, random_token, token_hash};
use crate::store::{self, StoreError, grants::TokenRow, users::UserRow};

pub const AMR_EMAIL: &str = "email";
pub const AMR_OTP: &str = "otp";

#[derive(Debug, thiserror::Error)]
pub enum MagicLinkError {
    #[error("{0}")]
    BadEmail(#[from] EmailError),
    #[error("You have asked for too many sign-in emails. Wait {minutes} minute(s) and try again.")]
    TooManyRequests { minutes: i64 },
    #[error("That code is not right, or it has expired. Check the latest email and try again.")]
    WrongCode,
    #[error("Too many wrong codes: that code and its link no longer work. Ask for a new email.")]
    CodeBurnt,
    #[error("This sign-in link has expired or has already been used. Ask for a new one.")]
    LinkInvalid,
    #[error("This email address cannot be used to sign in. Ask your organisation's administrator.")]
    NotAllowed,
    #[error("{}", .0.explain())]
    SsoRequired(super::SsoRequired),
    #[error(transparent)]
    Internal(#[from] AuthError),
    #[error("cannot queue the email")]
    Mail(#[from] MailError),
}

emailed_link::flow_error_conversions!(MagicLinkError);

#[derive(Debug, Serialize, Deserialize)]
struct LinkData {
    email: String,
    next: String,
    code_hash: String,
}

/// What the "check your email" page needs: the address as typed (normalised) and the reference
/// under which a code can be typed. Identical in shape whether or not anything was sent.
#[derive(Debug)]
pub struct Requested {
    pub email: Email,
    pub reference: SecretString,
}

/// A confirmed sign-in: the session (or parked sign-in) written for `user` with `amr`; then go
/// to `next`.
pub struct Confirmed {
    pub user: UserRow,
    pub next: String,
    pub amr: &'static str,
    /// The session, or the parked sign-in, written with the link's use.
    pub signed_in: SignedIn,
}

fn code_key(reference_hash: &str) -> String {
    format!("mail:code:{reference_hash}")
}

fn code_hash(reference: &str, code: &str) -> String {
    token_hash(&format!("{reference}:{code}"))
}

/// A uniformly random 6-digit code.
pub fn six_digit_code(rng: &dyn Random) -> String {
    const LIMIT: u32 = 4_294_000_000; // the largest multiple of 1,000,000 below 2^32
    loop {
        let mut b = [0u8; 4];
        rng.fill(&mut b);
        let n = u32::from_be_bytes(b);
        if n < LIMIT {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// The body whose domain an address is in, if that body is active.
async fn body_for(state: &AppState, email: &Email) -> Result<Option<store::bodies::BodyRow>, StoreError> {
    Ok(store::bodies::by_domain(&state.db, email.domain()).await?.filter(|b| b.status.is_active()))
}

/// May this address get a new account on its first confirmed link?
async fn may_sign_up(state: &AppState, email: &Email) -> Result<bool, StoreError> {
    Ok(match state.settings.signup.mode {
        SignupMode::Open => true,
        SignupMode::Domains => body_for(state, email).await?.is_some(),
        SignupMode::Closed => false,
    })
}

/// Who asked for a sign-in email, which decides its language after the person's saved one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskedBy {
    /// The person, on the sign-in page: the page's language.
    Themselves,
    /// An administrator ("Send a sign-in email"): the deployment default, not the
    /// administrator's page language.
    Administrator,
}

/// Sends a sign-in link and code to `email_input` if that address may sign in (or sign up), and
/// otherwise sends nothing (or, with `signup.notify_unknown`, a "no account" email).
#[tracing::instrument(skip_all)]
pub async fn request(
    state: &AppState,
    email_input: &str,
    next: &str,
    client: &ClientInfo,
    asked_by: AskedBy,
) -> Result<Requested, MagicLinkError> {
    let email = Email::parse(email_input)?;
    if let Some(required) = super::sso_required(state, &email, "signin.email.request", client).await? {
        return Err(MagicLinkError::SsoRequired(required));
    }
    emailed_link::throttle_request(state, &email, client).await?;
    let reference = random_token(&*state.rng);
    let site_name = state.settings.server.name.as_str();
    let user = store::users::by_email(&state.db, &email).await?;
    let banned = super::abuse::is_banned(state, &email).await?;
    let reason = match &user {
        _ if banned => Some("banned"),
        Some(u) if u.is_disabled() => Some("disabled"),
        Some(_) => None,
        None if may_sign_up(state, &email).await? => None,
        None => Some("no_account"),
    };
    if let Some(reason) = reason {
        let notify = state.settings.signup.notify_unknown && user.is_none();
        let notice = if notify {
            let sign_in_url = format!("{}/login", state.settings.issuer());
            Some(messages::NoAccount { site_name, sign_in_url: &sign_in_url }.render(crate::i18n::current())?)
        } else {
            None
        };
        let mut tx = state.db.begin().await?;
        if let Some(mail) = &notice {
            mail::enqueue_in(&mut tx, state, &email, mail, None).await?;
        }
        let target = user.as_ref().map(|u| u.id.as_str());
        let details = json!({ "reason": reason, "notified": notify });
        audit::user_event(&mut tx, state, "signin.email.request", None, target, client, Outcome::Failure, Some(details)).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        if notify {
            state.mail_wake.notify_one();
        }
        return Ok(Requested { email, reference });
    }

    let code = six_digit_code(&*state.rng);
    let data = LinkData { email: email.to_string(), next: next.to_owned(), code_hash: code_hash(reference.expose(), &code) };
    let link = NewLink {
        purpose: Purpose::SignIn,
        user_id: user.as_ref().map(|u| u.id.as_str()),
        family_id: Some(token_hash(reference.expose())),
        data: &data,
    };
    // The link, its email and the audit row are one transaction: a lost connection between them
    // once left a live link that no message carried, or a message with no audit row.
    let mut tx = state.db.begin().await?;
    let issued = emailed_link::issue(&mut tx, &state.settings, &*state.rng, state.now(), &link).await?;
    let mail = messages::SignInLink { site_name, link: &issued.url, code: &code, minutes: issued.minutes, new_account: user.is_none() }
        .render({
            let saved = user.as_ref().and_then(|u| u.language.as_deref());
            match asked_by {
                AskedBy::Themselves => crate::i18n::for_person(saved),
                AskedBy::Administrator => crate::i18n::for_recipient(saved, state.settings.ui.default_lang()),
            }
        })?;
    let mail_id = mail::enqueue_in(&mut tx, state, &email, &mail, Some(issued.expires_at)).await?;
    store::fault_point(&state.db, &mut tx, "magic_link:link_queued").await?;
    let target = user.as_ref().map(|u| u.id.as_str());
    let details = json!({ "new_account": user.is_none(), "mail_id": mail_id });
    audit::user_event(&mut tx, state, "signin.email.request", None, target, client, Outcome::Success, Some(details)).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    state.mail_wake.notify_one();
    Ok(Requested { email, reference })
}

/// Uses a link (once).
#[tracing::instrument(skip_all)]
pub async fn confirm_link(
    state: &AppState,
    link_secret: &str,
    client: &ClientInfo,
    previous: Option<&SecretString>,
) -> Result<Confirmed, MagicLinkError> {
    let Some(row) = emailed_link::live(&state.db, Purpose::SignIn, link_secret, state.now()).await? else {
        refused(state, client, "link", "invalid").await?;
        return Err(MagicLinkError::LinkInvalid);
    };
    complete(state, row, AMR_EMAIL, client, previous).await
}

/// The audit row of a refused emailed sign-in (`method` is "link" or "code").
async fn refused(state: &AppState, client: &ClientInfo, method: &str, reason: &str) -> Result<(), MagicLinkError> {
    let details = json!({ "method": method, "reason": reason });
    audit::user_event(&state.db, state, "signin.email", None, None, client, Outcome::Failure, Some(details)).await?;
    Ok(())
}

/// Uses the code typed on the "check your email" page that holds `reference`.
#[tracing::instrument(skip_all)]
pub async fn confirm_code(
    state: &AppState,
    reference: &str,
    code_input: &str,
    client: &ClientInfo,
    previous: Option<&SecretString>,
) -> Result<Confirmed, MagicLinkError> {
    let now = state.now();
    let max = state.settings.magic_link.max_code_attempts;
    let reference_hash = token_hash(reference);
    let code: String = code_input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let well_formed = code.len() == 6 && code.chars().all(|c| c.is_ascii_digit());
    let fail = |reason: &'static str, burnt: bool| async move {
        refused(state, client, "code", reason).await?;
        Err::<Confirmed, _>(if burnt { MagicLinkError::CodeBurnt } else { MagicLinkError::WrongCode })
    };
    let Some(link) = store::links::by_reference(&state.db, &reference_hash, Purpose::SignIn.kind()).await? else {
        // Nothing was sent for this page (unknown address): behave exactly as for a wrong code.
        let counted = store::throttle::reserve(&state.db, &code_key(&reference_hash), now, 0).await?;
        return fail("wrong_code", counted.attempts >= max).await;
    };
    // The attempt is counted before the code is compared, so parallel guesses cannot all pass
    // the limit; past it the code is not even checked.
    let Some(attempt) = store::links::reserve_guess(&state.db, &link.token.hash).await? else {
        return fail("expired_or_used", false).await;
    };
    store::pause_here(&state.db, "email_code:counted").await;
    if attempt > max {
        // Past the limit the link goes too: burnt here, had the guess that reached the limit
        // not written its burn (a connection lost after its count). Burning twice changes nothing.
        store::links::burn(&state.db, &link.token.hash, now).await?;
        return fail("burnt", true).await;
    }
    let data: LinkData = emailed_link::data(&link.token)?;
    let right = well_formed && ct_eq(code_hash(reference, &code).as_bytes(), data.code_hash.as_bytes());
    let live = emailed_link::is_live(&link.token, now);
    if !(right && live) {
        let target = link.token.user_id.as_deref();
        if attempt >= max {
            store::fault_here(&state.db, "email_code:burning")?;
            store::links::burn(&state.db, &link.token.hash, now).await?;
            audit::user_event(&state.db, state, "signin.email.burnt", None, target, client, Outcome::Failure, None).await?;
        }
        return fail(if right { "expired_or_used" } else { "wrong_code" }, attempt >= max).await;
    }
    complete(state, link.token, AMR_OTP, client, previous).await
}

/// Signs in with a live link (or its code): everything is read first; then the link is spent
/// in the same transaction as what it does (the account created, with its membership; the
/// address verified; the session or the parked sign-in; the audit rows), so a lost connection
/// leaves the link unspent and nothing half-written. A refusal spends the link too, with its
/// audit row.
async fn complete(
    state: &AppState,
    row: TokenRow,
    amr: &'static str,
    client: &ClientInfo,
    previous: Option<&SecretString>,
) -> Result<Confirmed, MagicLinkError> {
    let data: LinkData = emailed_link::data(&row)?;
    let email = Email::parse(&data.email)?;
    let now = state.now();
    // The domain may have moved to required SSO after the email was sent.
    if let Some(required) = super::sso_required(state, &email, "signin.email", client).await? {
        emailed_link::spend(&state.db, Purpose::SignIn, &row.hash, now).await?;
        return Err(MagicLinkError::SsoRequired(required));
    }
    let method = if amr == AMR_EMAIL { "link" } else { "code" };
    if super::abuse::is_banned(state, &email).await? {
        refuse(state, &row.hash, row.user_id.as_deref(), client, json!({ "method": method, "reason": "banned" })).await?;
        return Err(MagicLinkError::NotAllowed);
    }
    let existing = match &row.user_id {
        // A link belongs to the address it was sent to: once the account's address has changed,
        // it no longer signs in to that account.
        Some(id) => match store::users::by_id(&state.db, id).await? {
            Some(u) if u.email() == email => Some(u),
            _ => {
                refuse(state, &row.hash, Some(id), client, json!({ "method": method, "reason": "address_changed" })).await?;
                return Err(if amr == AMR_EMAIL { MagicLinkError::LinkInvalid } else { MagicLinkError::WrongCode });
            }
        },
        None => store::users::by_email(&state.db, &email).await?,
    };
    // No account yet: one is created on the first confirmed link, if `[signup] mode` allows.
    let signup = match &existing {
        Some(_) => None,
        None if may_sign_up(state, &email).await? => Some(body_for(state, &email).await?),
        None => {
            refuse(state, &row.hash, None, client, json!({ "method": method, "reason": "signup_closed" })).await?;
            return Err(MagicLinkError::NotAllowed);
        }
    };
    if let Some(u) = existing.as_ref().filter(|u| u.is_disabled()) {
        refuse(state, &row.hash, Some(&u.id), client, json!({ "method": method, "reason": "disabled" })).await?;
        return Err(MagicLinkError::NotAllowed);
    }
    let sign_in = match (&existing, &signup) {
        (Some(u), _) => SignIn::for_user(state, u, &[amr], &data.next, client, previous).await?,
        (None, body) => {
            let required = crate::auth::mfa::required_for_new_member(state, body.as_ref().and_then(Option::as_ref)).await?;
            SignIn::for_new_account(required, &[amr], &data.next, client, previous)
        }
    };
    let mut tx = state.db.begin().await?;
    if emailed_link::spend(&mut tx, Purpose::SignIn, &row.hash, now).await?.is_none() {
        // Used by a parallel request meanwhile.
        drop(tx);
        let reason = if amr == AMR_EMAIL { "invalid" } else { "expired_or_used" };
        audit::user_event(
            &state.db,
            state,
            "signin.email",
            None,
            None,
            client,
            Outcome::Failure,
            Some(json!({ "method": method, "reason": reason })),
        )
        .await?;
        return Err(if amr == AMR_EMAIL { MagicLinkError::LinkInvalid } else { MagicLinkError::WrongCode });
    }
    store::fault_point(&state.db, &mut tx, "sign_in_link:consumed").await?;
    let user_id = match (existing, signup) {
        (Some(u), _) => u.id,
        (None, body) => {
            let created = create_account_on(&mut tx, state, &email, body.flatten().as_ref(), client).await?;
            match created {
                Created::New(id) => id,
                // Another link for the same address won the race: use that account.
                Created::Existing(u) if !u.is_disabled() => u.id,
                Created::Existing(u) => {
                    let details = json!({ "method": method, "reason": "disabled" });
                    audit::user_event(&mut tx, state, "signin.email", None, Some(&u.id), client, Outcome::Failure, Some(details)).await?;
                    tx.commit().await.map_err(StoreError::from)?;
                    return Err(MagicLinkError::NotAllowed);
                }
                Created::Refused => {
                    let details = json!({ "method": method, "reason": "signup_closed" });
                    audit::user_event(&mut tx, state, "signin.email", None, None, client, Outcome::Failure, Some(details)).await?;
                    tx.commit().await.map_err(StoreError::from)?;
                    return Err(MagicLinkError::NotAllowed);
                }
            }
        }
    };
    // Receiving the email proves the address it was sent to, and only that one.
    store::users::verify_address(&mut tx, &user_id, &email, now).await?;
    store::users::touch_last_login(&mut tx, &user_id, now).await?;
    let details = json!({ "method": method });
    audit::user_event(&mut tx, state, "signin.email", Some(&user_id), Some(&user_id), client, Outcome::Success, Some(details)).await?;
    store::fault_point(&state.db, &mut tx, "sign_in_link:audited").await?;
    let signed_in = sign_in.write_on(state, &mut tx, &user_id).await?;
    store::fault_point(&state.db, &mut tx, "sign_in_link:written").await?;
    tx.commit().await.map_err(StoreError::from)?;
    let user = store::users::by_id(&state.db, &user_id).await?.ok_or(StoreError::NotFound("user"))?;
    Ok(Confirmed { user, next: data.next, amr, signed_in })
}

/// Spends a refused link, with the refusal's audit row, in one transaction.
async fn refuse(
    state: &AppState,
    hash: &str,
    target: Option<&str>,
    client: &ClientInfo,
    details: serde_json::Value,
) -> Result<(), MagicLinkError> {
    let mut tx = state.db.begin().await?;
    emailed_link::spend(&mut tx, Purpose::SignIn, hash, state.now()).await?;
    audit::user_event(&mut tx, state, "signin.email", None, target, client, Outcome::Failure, Some(details)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

enum Created {
    New(String),
    /// Another link for the same address created it meanwhile.
    Existing(UserRow),
    /// The address is taken by a look-alike of it.
    Refused,
}

/// Creates the account for a first confirmed link (sign-up allowed), inside the caller's
/// transaction; a body owning the address's domain gets the user as a member with its default
/// role.
async fn create_account_on(
    tx: &mut store::Tx,
    state: &AppState,
    email: &Email,
    body: Option<&store::bodies::BodyRow>,
    client: &ClientInfo,
) -> Result<Created, MagicLinkError> {
    let now = state.now();
    let id = store::new_id(now, &*state.rng);
    let membership_id = store::new_id(now, &*state.rng);
    let membership =
        body.map(|b| store::memberships::NewMembership { id: &membership_id, body_id: &b.id, role_id: b.default_role_id.as_deref() });
    let new = store::users::NewUser { id: &id, email, name: "", email_verified: true, password_hash: None, superuser: false };
    match store::memberships::insert_user_with(&mut *tx, &new, membership.as_ref(), now).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => match store::users::by_email(&state.db, email).await? {
            Some(u) => return Ok(Created::Existing(u)),
            None => return Ok(Created::Refused),
        },
        Err(e) => return Err(e.into()),
    }
    let details = json!({ "via": "email", "body_id": body.map(|b| b.id.clone()) });
    audit::user_event(&mut **tx, state, "user.create", Some(&id), Some(&id), client, Outcome::Success, Some(details)).await?;
    Ok(Created::New(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OsRandom;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = six_digit_code(&OsRandom);
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|c| c.is_ascii_digit()));
        }
    }
}
