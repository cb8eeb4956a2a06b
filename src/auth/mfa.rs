//! Two-factor authentication with TOTP (RFC 6238) and single-use recovery codes.

use qrcode::QrCode;
use qrcode::render::svg;
use serde_json::json;
use totp_rs::{Algorithm, Builder, Totp};
use zeroize::Zeroizing;

use super::ClientInfo;
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::clock::Timestamp;
use crate::config::ThrottleSettings;
use crate::policy::lockout;
use crate::policy::mfa::{self, Inputs, Reason};
use crate::secret::token_hash;
use crate::store::{self, Db, StoreError, users::UserRow};
use crate::tokens::master_key::MasterKeyError;

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("That code is not right. Check your authenticator app and try again.")]
    WrongCode,
    #[error("Too many wrong codes. Wait {minutes} minute(s) and try again.")]
    Locked { minutes: i64 },
    #[error("Two-factor authentication is already turned on.")]
    AlreadyEnrolled,
    #[error("Two-factor authentication is not turned on.")]
    NotEnrolled,
    #[error("That key has expired. Add the new key below to your authenticator app and enter its code.")]
    KeyExpired,
    #[error("{}", .0.explain())]
    Mandatory(Reason),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] MasterKeyError),
    #[error("the TOTP secret cannot be used")]
    Totp,
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
}

/// What the enrolment page shows.
pub struct Enrolment {
    /// The secret in base32, for typing into an app by hand.
    pub secret_base32: String,
    pub otpauth_uri: String,
    /// The QR code as inline SVG, made here (no outside service sees the secret).
    pub qr_svg: String,
}

fn context(user_id: &str) -> String {
    format!("totp:{user_id}")
}

fn totp(state: &AppState, user: &UserRow, secret: Vec<u8>) -> Result<Totp, MfaError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_account_name(user.email.as_str())
        .with_issuer(Some(state.settings.server.name.as_str()))
        .build()
        .map_err(|_| MfaError::Totp)
}

async fn load(state: &AppState, user: &UserRow) -> Result<Option<(store::totp::TotpRow, Totp)>, MfaError> {
    let Some(row) = store::totp::get(&state.db, &user.id).await? else { return Ok(None) };
    let secret = state.master_key.decrypt(&row.secret_encrypted, &context(&user.id))?;
    let t = totp(state, user, secret.to_vec())?;
    Ok(Some((row, t)))
}

/// True when the user has a second factor: a confirmed TOTP key or a passkey.
pub async fn enrolled(state: &AppState, user_id: &str) -> Result<bool, StoreError> {
    Ok(totp_enrolled(state, user_id).await? || store::passkeys::count_of_user(&state.db, user_id).await? > 0)
}

/// True when the user has a confirmed TOTP key (and so recovery codes).
pub async fn totp_enrolled(state: &AppState, user_id: &str) -> Result<bool, StoreError> {
    Ok(store::totp::get(&state.db, user_id).await?.is_some_and(|r| r.confirmed_at.is_some()))
}

/// Why 2FA is required for this user (and, if given, this client and request), if it is.
pub async fn requirement(
    state: &AppState,
    user: &UserRow,
    client_requires: bool,
    acr_requests_mfa: bool,
) -> Result<Option<Reason>, StoreError> {
    let inputs = Inputs { client_requires, acr_requests_mfa, ..inputs_of(state, user).await? };
    Ok(mfa::required(inputs))
}

/// Why a phishing-resistant second factor (a passkey) is required for this user (and, if
/// given, this client's setting and this request's `acr_values=phr`), if it is.
pub async fn phr_requirement(
    state: &AppState,
    user: &UserRow,
    client_requires_phr: bool,
    acr_requests_phr: bool,
) -> Result<Option<Reason>, StoreError> {
    let inputs = Inputs { client_requires_phr, acr_requests_phr, ..inputs_of(state, user).await? };
    Ok(mfa::phishing_resistant(inputs))
}

/// What the user's own standing (superuser, bodies, roles) asks of their sign-in.
async fn inputs_of(state: &AppState, user: &UserRow) -> Result<Inputs, StoreError> {
    let mut inputs = Inputs { superuser: user.is_superuser(), ..Default::default() };
    for m in store::memberships::of_user(&state.db, &user.id).await? {
        if !m.body_status.is_active() {
            continue;
        }
        if let Some(b) = store::bodies::by_id(&state.db, &m.body_id).await? {
            inputs.body_requires |= b.mfa_policy.is_required();
            inputs.body_requires_phr |= b.mfa_policy.is_phishing_resistant();
        }
        let detail = store::memberships::detail(&state.db, &m).await?;
        inputs.role_requires |= detail.mfa_required_by_role;
        inputs.role_requires_phr |= detail.phr_required_by_role;
    }
    Ok(inputs)
}

/// How long an unconfirmed key stays on offer: a key scanned before a reload, or before a
/// sign-in timed out and was started again, keeps working for this long.
pub const PENDING_KEY_SECS: i64 = 1800;

/// The enrolment to show: the pending key while it has not expired, otherwise a fresh one.
pub async fn enrolment(state: &AppState, user: &UserRow) -> Result<Enrolment, MfaError> {
    if let Some(e) = pending_enrolment(state, user).await? {
        return Ok(e);
    }
    begin_enrolment(state, user).await
}

/// Whether 2FA is required of an account about to be created as a member of `body` with its
/// default role (it has no other membership yet, and is no superuser).
pub async fn required_for_new_member(state: &AppState, body: Option<&store::bodies::BodyRow>) -> Result<bool, StoreError> {
    let Some(body) = body.filter(|b| b.status.is_active()) else { return Ok(false) };
    let role_requires = match &body.default_role_id {
        Some(role) => {
            store::catalogue::roles_of_body(&state.db, &body.id).await?.iter().any(|r| &r.id == role && r.mfa_level().requires_mfa())
        }
        None => false,
    };
    let inputs = Inputs {
        body_requires: body.mfa_policy.is_required(),
        body_requires_phr: body.mfa_policy.is_phishing_resistant(),
        role_requires,
        ..Default::default()
    };
    Ok(mfa::required(inputs).is_some())
}

/// Starts enrolment with a fresh secret (replacing an unconfirmed one).
pub async fn begin_enrolment(state: &AppState, user: &UserRow) -> Result<Enrolment, MfaError> {
    if totp_enrolled(state, &user.id).await? {
        return Err(MfaError::AlreadyEnrolled);
    }
    let mut secret = Zeroizing::new([0u8; 20]);
    state.rng.fill(secret.as_mut());
    let encrypted = state.master_key.encrypt(secret.as_ref(), &context(&user.id), &*state.rng)?;
    if !store::totp::begin(&state.db, &user.id, &encrypted, state.now()).await? {
        return Err(MfaError::AlreadyEnrolled);
    }
    shown(&totp(state, user, secret.to_vec())?)
}

fn shown(t: &Totp) -> Result<Enrolment, MfaError> {
    let otpauth_uri = t.to_url().map_err(|_| MfaError::Totp)?;
    let qr_svg = QrCode::new(otpauth_uri.as_bytes())
        .map_err(|_| MfaError::Totp)?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(Enrolment { secret_base32: t.secret().to_base32(), otpauth_uri, qr_svg })
}

/// An unconfirmed key is offered for [`PENDING_KEY_SECS`] from its making, and not a second more.
fn expired(row: &store::totp::TotpRow, now: Timestamp) -> bool {
    now - row.created_at >= PENDING_KEY_SECS
}

/// The current unconfirmed enrolment, unless it has expired.
pub async fn pending_enrolment(state: &AppState, user: &UserRow) -> Result<Option<Enrolment>, MfaError> {
    match load(state, user).await? {
        Some((row, t)) if row.confirmed_at.is_none() && !expired(&row, state.now()) => Ok(Some(shown(&t)?)),
        _ => Ok(None),
    }
}

/// Ends an unconfirmed enrolment: its key no longer works. A confirmed one is untouched.
pub async fn cancel_enrolment(state: &AppState, user: &UserRow) -> Result<(), MfaError> {
    store::totp::cancel_pending(&state.db, &user.id).await?;
    Ok(())
}

/// Ten recovery codes of 16 characters each (79 bits), shown once; only their hashes are kept.
fn new_recovery_codes(state: &AppState) -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..10).map(|_| recovery_code(&*state.rng)).collect();
    let hashes = codes.iter().map(|c| token_hash(&normalise_recovery(c))).collect();
    (codes, hashes)
}

/// Four groups of four characters, each drawn evenly from 31 that cannot be misread.
fn recovery_code(rng: &dyn crate::clock::Random) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i
    let groups: Vec<String> = (0..4).map(|_| (0..4).map(|_| char::from(even_pick(rng, ALPHABET))).collect()).collect();
    groups.join("-")
}

/// One element of `from` (1 to 255 long), each as likely as the others: a byte at
/// or above the largest multiple of the length is drawn again (a plain `byte % len` favours the
/// first `256 % len`).
fn even_pick(rng: &dyn crate::clock::Random, from: &[u8]) -> u8 {
    let len = from.len().clamp(1, 255);
    let limit = 256 - 256 % len;
    loop {
        let mut b = [0u8; 1];
        rng.fill(&mut b);
        let [byte] = b;
        let n = usize::from(byte);
        if n < limit {
            return from.get(n % len).copied().unwrap_or(b'a');
        }
    }
}

fn normalise_recovery(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Completes enrolment with a first valid code; returns the recovery codes to show once. The
/// code's step is used in the same transaction as the enrolment is confirmed and audited.
pub async fn confirm_enrolment(state: &AppState, user: &UserRow, code: &str, client: &ClientInfo) -> Result<Vec<String>, MfaError> {
    let Some((row, t)) = load(state, user).await? else { return Err(MfaError::NotEnrolled) };
    if row.confirmed_at.is_some() {
        return Err(MfaError::AlreadyEnrolled);
    }
    if expired(&row, state.now()) {
        return Err(MfaError::KeyExpired);
    }
    reserve(&state.db, &state.settings.throttle, &user.id, state.now()).await?;
    store::pause_here(&state.db, "mfa_enrol:counted").await;
    let mut tx = state.db.begin().await?;
    if !store::totp::claim_pending(&mut tx, &user.id).await? {
        // Confirmed meanwhile by another right code (two sent at once): not a guess, so the
        // attempt is given back, and that one's recovery codes stand.
        drop(tx);
        store::throttle::release(&state.db, &throttle_key(&user.id), state.now()).await?;
        return Err(MfaError::AlreadyEnrolled);
    }
    if let Err(refused) = check_totp_on(state, &mut tx, user, &t, code).await? {
        drop(tx);
        return Err(refuse(state, user, client, refused).await?);
    }
    store::fault_point(&state.db, &mut tx, "mfa_enrol:code_used").await?;
    let (codes, hashes) = new_recovery_codes(state);
    if !store::totp::confirm(&mut tx, &user.id, &hashes, state.now()).await? {
        // Claimed above in this transaction, so not reached; refused rather than assumed.
        return Err(MfaError::AlreadyEnrolled);
    }
    audit::user_event(&mut tx, state, "mfa.enrol", Some(&user.id), Some(&user.id), client, Outcome::Success, None).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(codes)
}

fn throttle_key(user_id: &str) -> String {
    format!("mfa:account:{user_id}")
}

/// Counts this code attempt before the code is checked; refuses unchecked while locked or over
/// the limit. Returns the attempt number.
/// The account's rule (`throttle.account_*`) applies.
async fn reserve(db: &Db, throttle: &ThrottleSettings, user_id: &str, now: Timestamp) -> Result<i64, MfaError> {
    let rule = crate::auth::login::account_rule(throttle);
    match super::throttle::reserve(db, &throttle_key(user_id), rule, now).await? {
        super::throttle::Reservation::Go { attempts } => Ok(attempts),
        super::throttle::Reservation::Locked { until } => Err(MfaError::Locked { minutes: lockout::minutes_left(until, now) }),
    }
}

/// Why a code was refused (nothing written yet; [`refuse`] writes it down).
enum Refused {
    Wrong,
    /// Right, but wrong codes sent in parallel locked the account meanwhile.
    LockedMeanwhile(i64),
}

/// A refused code: audited, and counted (it may lock the account). Called once the caller's
/// transaction is dropped, so nothing of the refused attempt is written but this.
async fn refuse(state: &AppState, user: &UserRow, client: &ClientInfo, refused: Refused) -> Result<MfaError, MfaError> {
    match refused {
        Refused::Wrong => failed(state, user, client).await,
        Refused::LockedMeanwhile(until) => {
            audit::user_event(
                &state.db,
                state,
                "mfa.verify",
                None,
                Some(&user.id),
                client,
                Outcome::Failure,
                Some(json!({ "reason": "locked" })),
            )
            .await?;
            Ok(MfaError::Locked { minutes: lockout::minutes_left(until, state.now()) })
        }
    }
}

/// A right code: the count starts afresh (inside `tx`), unless wrong codes sent in parallel
/// locked the account meanwhile (then the right code is refused too).
async fn succeeded_on(state: &AppState, tx: &mut store::Tx, user: &UserRow) -> Result<Result<(), Refused>, MfaError> {
    let now = state.now();
    Ok(match store::throttle::clear_unless_locked(&mut *tx, &throttle_key(&user.id), now).await? {
        None => Ok(()),
        Some(until) => Err(Refused::LockedMeanwhile(until)),
    })
}

/// A wrong code: its audit row, the failure counted and any lock it causes (with the lock's own
/// row) land together, so a lost connection never leaves one without the other.
async fn failed(state: &AppState, user: &UserRow, client: &ClientInfo) -> Result<MfaError, MfaError> {
    let now = state.now();
    let rule = crate::auth::login::account_rule(&state.settings.throttle);
    let key = throttle_key(&user.id);
    let mut tx = state.db.begin().await?;
    audit::user_event(&mut tx, state, "mfa.verify", None, Some(&user.id), client, Outcome::Failure, None).await?;
    store::fault_point(&state.db, &mut tx, "mfa:failure_audited").await?;
    let locked = super::throttle::failed(&mut tx, &key, rule, now).await?;
    if let Some(until) = locked {
        let details = Some(json!({ "until": until }));
        audit::user_event(&mut tx, state, "mfa.locked", None, Some(&user.id), client, Outcome::Failure, details).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(match locked {
        None => MfaError::WrongCode,
        Some(until) => MfaError::Locked { minutes: lockout::minutes_left(until, now) },
    })
}

/// Checks a TOTP code (its attempt already reserved), using its step inside `tx`.
async fn check_totp_on(
    state: &AppState,
    tx: &mut store::Tx,
    user: &UserRow,
    t: &Totp,
    code: &str,
) -> Result<Result<(), Refused>, MfaError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let now = u64::try_from(state.now()).unwrap_or(0);
    let step = (code.len() == 6).then(|| t.check(&code, now)).flatten();
    match step {
        // A code (or a step) already used is refused: one code, one sign-in.
        Some(step) if store::totp::use_step(&mut *tx, &user.id, i64::try_from(step).unwrap_or(i64::MAX)).await? => {
            succeeded_on(state, tx, user).await
        }
        _ => Ok(Err(Refused::Wrong)),
    }
}

/// Before a second factor is checked (and before its transaction is opened, so that needs no
/// second connection): the user's TOTP, and this attempt counted.
async fn start_verify(state: &AppState, user: &UserRow) -> Result<Totp, MfaError> {
    let Some((row, t)) = load(state, user).await? else { return Err(MfaError::NotEnrolled) };
    if row.confirmed_at.is_none() {
        return Err(MfaError::NotEnrolled);
    }
    reserve(&state.db, &state.settings.throttle, &user.id, state.now()).await?;
    store::pause_here(&state.db, "mfa:counted").await;
    Ok(t)
}

/// Checks a second factor (a TOTP code or a recovery code) inside `tx`: the code is used there,
/// with the success's audit row, so it is spent only if what it was given for is written too.
/// A refusal writes nothing to `tx`: the caller drops it and calls [`refuse`].
async fn verify_on(
    state: &AppState,
    tx: &mut store::Tx,
    user: &UserRow,
    t: &Totp,
    code: &str,
    client: &ClientInfo,
) -> Result<Result<&'static str, Refused>, MfaError> {
    let trimmed = code.trim();
    if trimmed.len() > 8 {
        let used = store::totp::use_recovery_code(&mut *tx, &user.id, &token_hash(&normalise_recovery(trimmed)), state.now()).await?;
        if !used {
            return Ok(Err(Refused::Wrong));
        }
        if let Err(r) = succeeded_on(state, tx, user).await? {
            return Ok(Err(r));
        }
        store::fault_point(&state.db, tx, "mfa:recovery_code_used").await?;
        audit::user_event(&mut **tx, state, "mfa.recovery_code", Some(&user.id), Some(&user.id), client, Outcome::Success, None).await?;
        return Ok(Ok("recovery"));
    }
    if let Err(r) = check_totp_on(state, tx, user, t, trimmed).await? {
        return Ok(Err(r));
    }
    audit::user_event(&mut **tx, state, "mfa.verify", Some(&user.id), Some(&user.id), client, Outcome::Success, None).await?;
    Ok(Ok("otp"))
}

/// Checks a second factor at sign-in: a TOTP code or a recovery code.
pub async fn verify(state: &AppState, user: &UserRow, code: &str, client: &ClientInfo) -> Result<&'static str, MfaError> {
    let t = start_verify(state, user).await?;
    let mut tx = state.db.begin().await?;
    let how = match verify_on(state, &mut tx, user, &t, code, client).await? {
        Ok(how) => how,
        Err(refused) => {
            drop(tx);
            return Err(refuse(state, user, client, refused).await?);
        }
    };
    tx.commit().await.map_err(StoreError::from)?;
    Ok(how)
}

/// Turns 2FA off with a current code; refused while policy mandates it.
pub async fn disable(state: &AppState, user: &UserRow, code: &str, client: &ClientInfo) -> Result<(), MfaError> {
    if let Some(reason) = requirement(state, user, false, false).await? {
        return Err(MfaError::Mandatory(reason));
    }
    // The code is used in the same transaction as the second factor is removed.
    let t = start_verify(state, user).await?;
    let mut tx = state.db.begin().await?;
    if let Err(refused) = verify_on(state, &mut tx, user, &t, code, client).await? {
        drop(tx);
        return Err(refuse(state, user, client, refused).await?);
    }
    store::totp::remove(&mut tx, &user.id).await?;
    audit::user_event(&mut tx, state, "mfa.disable", Some(&user.id), Some(&user.id), client, Outcome::Success, None).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// New recovery codes (the old ones stop working), after a current code.
pub async fn regenerate_recovery_codes(state: &AppState, user: &UserRow, code: &str, client: &ClientInfo) -> Result<Vec<String>, MfaError> {
    // The code is used in the same transaction as the codes are replaced.
    let t = start_verify(state, user).await?;
    let mut tx = state.db.begin().await?;
    if let Err(refused) = verify_on(state, &mut tx, user, &t, code, client).await? {
        drop(tx);
        return Err(refuse(state, user, client, refused).await?);
    }
    let (codes, hashes) = new_recovery_codes(state);
    store::totp::replace_recovery_codes(&mut tx, &user.id, &hashes).await?;
    let action = "mfa.recovery_codes.regenerate";
    audit::user_event(&mut tx, state, action, Some(&user.id), Some(&user.id), client, Outcome::Success, None).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(codes)
}

/// An administrator's reset: the user enrols again at next sign-in (if required) or when they choose.
pub async fn admin_reset(state: &AppState, actor: Option<&str>, user: &UserRow, client: &ClientInfo) -> Result<bool, MfaError> {
    // The user is told, so a reset they did not ask for does not go unnoticed.
    let link = format!("{}/account/security", state.settings.issuer());
    let notice = crate::mail::messages::MfaReset { site_name: &state.settings.server.name, email: &user.email, security_link: &link }
        .render(crate::i18n::for_recipient(user.language.as_deref(), state.settings.ui.default_lang()))?;
    // The second factor, its guess count, the audit row and the notice go together: a lost
    // connection (or an administrator hanging up between them) never leaves 2FA removed with no
    // record of who removed it, or without telling its owner.
    let mut tx = state.db.begin().await?;
    let removed = store::totp::remove(&mut tx, &user.id).await?;
    store::throttle::clear_counter(&mut tx, &throttle_key(&user.id)).await?;
    store::fault_point(&state.db, &mut tx, "mfa_reset:removed").await?;
    let details = Some(json!({ "had_2fa": removed }));
    audit::user_event(&mut tx, state, "mfa.admin_reset", actor, Some(&user.id), client, Outcome::Success, details).await?;
    if removed {
        crate::mail::enqueue_notice_in(&mut tx, state, &user.email(), &notice).await?;
        store::fault_point(&state.db, &mut tx, "mfa_reset:notice_queued").await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    if removed {
        state.mail_wake.notify_one();
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::scratch_db;

    const T0: Timestamp = 1_800_000_000;

    #[test]
    fn recovery_codes_are_forgiving_about_format() {
        assert_eq!(normalise_recovery(" ABCD-efgh-2345-6789 "), "abcdefgh23456789");
    }

    #[test]
    fn a_pending_key_expires_when_its_half_hour_is_up() {
        let row = store::totp::TotpRow {
            user_id: "u1".into(),
            secret_encrypted: String::new(),
            last_used_step: None,
            confirmed_at: None,
            created_at: T0,
        };
        assert!(!expired(&row, T0));
        assert!(!expired(&row, T0 + PENDING_KEY_SECS - 1));
        assert!(expired(&row, T0 + PENDING_KEY_SECS), "not a second more");
    }

    /// Hands out the bytes it was given, in turn.
    struct Bytes(std::sync::Mutex<std::collections::VecDeque<u8>>);
    impl crate::clock::Random for Bytes {
        fn fill(&self, buf: &mut [u8]) {
            let mut q = self.0.lock().unwrap();
            for b in buf {
                *b = q.pop_front().expect("the test gave enough bytes");
            }
        }
    }

    #[test]
    fn recovery_code_characters_are_drawn_evenly() {
        // 248 = 8 × 31 and above are drawn again; 247 is the last of the alphabet, 31 its first.
        let mut given: Vec<u8> = vec![255, 248, 247, 31, 0, 30];
        given.extend(std::iter::repeat_n(1, 12));
        let rng = Bytes(std::sync::Mutex::new(given.into()));
        assert_eq!(recovery_code(&rng), "9aa9-bbbb-bbbb-bbbb");
        // Every byte below the limit maps to one character, each character from exactly 8 bytes.
        let mut seen = std::collections::HashMap::new();
        for n in 0..=247u8 {
            let rng = Bytes(std::sync::Mutex::new(vec![n].into()));
            *seen.entry(even_pick(&rng, b"abcdefghjkmnpqrstuvwxyz23456789")).or_insert(0) += 1;
        }
        assert_eq!(seen.len(), 31);
        assert!(seen.values().all(|&k| k == 8), "{seen:?}");
    }

    #[test]
    fn recovery_codes_are_four_groups_of_four_and_differ() {
        let codes: std::collections::HashSet<String> = (0..50).map(|_| recovery_code(&crate::clock::OsRandom)).collect();
        assert_eq!(codes.len(), 50);
        for c in &codes {
            let groups: Vec<&str> = c.split('-').collect();
            assert_eq!(groups.len(), 4, "{c}");
            assert!(groups.iter().all(|g| g.len() == 4 && g.bytes().all(|b| b"abcdefghjkmnpqrstuvwxyz23456789".contains(&b))), "{c}");
        }
    }

    #[tokio::test]
    async fn codes_past_the_accounts_limit_are_refused_and_a_lock_lasts_its_time() {
        let (db, _dir) = scratch_db().await;
        let t = ThrottleSettings {
            account_max_failures: 2,
            account_window_secs: 600,
            account_lockout_secs: 900,
            ip_max_failures: 100,
            ip_window_secs: 600,
            ip_lockout_secs: 900,
            sso_max_starts: 300,
        };
        assert_eq!(reserve(&db, &t, "u1", T0).await.unwrap(), 1);
        assert_eq!(reserve(&db, &t, "u1", T0 + 1).await.unwrap(), 2);
        match reserve(&db, &t, "u1", T0 + 2).await {
            Err(MfaError::Locked { minutes }) => assert_eq!(minutes, lockout::minutes_left(T0 + 2 + 900, T0 + 2)),
            other => panic!("the third code in the window is refused, got {other:?}"),
        }
        assert_eq!(reserve(&db, &t, "u2", T0 + 2).await.unwrap(), 1, "another account counts apart");

        // The two reserved codes failed: the second locks the account for the lockout time.
        let key = throttle_key("u1");
        let rule = crate::auth::login::account_rule(&t);
        assert_eq!(super::super::throttle::failed(&db, &key, rule, T0 + 3).await.unwrap(), None, "the first only counts");
        let until = super::super::throttle::failed(&db, &key, rule, T0 + 3).await.unwrap();
        assert_eq!(until, Some(T0 + 3 + 900));
        assert!(matches!(reserve(&db, &t, "u1", T0 + 3 + 899).await, Err(MfaError::Locked { .. })), "locked to the end");
        assert_eq!(reserve(&db, &t, "u1", T0 + 3 + 900).await.unwrap(), 1, "and counted afresh after it");
    }
}
