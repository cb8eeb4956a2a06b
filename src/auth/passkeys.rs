//! Passkeys and security keys (WebAuthn): registration, the second factor, and passwordless
//! sign-in with a discoverable credential. The protocol is `webauthn-rs`'s; what is ours is where
//! ceremony state lives (the database, so any instance finishes what another began), who may
//! finish a ceremony (whoever began it), and that a challenge serves once.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use super::ClientInfo;
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::clock::Timestamp;
use crate::config::Settings;
use crate::secret::{SecretString, random_token, token_hash};
use crate::store::{self, StoreError, passkeys::CeremonyRow, passkeys::PasskeyRow, users::UserRow};

/// `amr` for a hardware-bound key (RFC 8176).
pub const AMR_HWK: &str = "hwk";
/// `amr` for user presence and verification on the key (PIN or biometrics).
pub const AMR_USER: &str = "user";

/// How long a challenge may be answered.
pub const CEREMONY_SECS: i64 = 300;
/// Longest name a person may give a passkey.
pub const MAX_NAME_CHARS: usize = 60;

const KIND_REGISTER: &str = "register";
const KIND_SECOND_FACTOR: &str = "second_factor";

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("Your passkey could not be checked. Try again, or use another way to sign in.")]
    Refused,
    #[error("That took too long, or the page was used already. Try again.")]
    Expired,
    #[error("That passkey is already registered.")]
    Duplicate,
    #[error("Give the passkey a name of at most {MAX_NAME_CHARS} characters.")]
    BadName,
    #[error("You have no passkey.")]
    NoPasskey,
    /// Removing it would leave no second factor where one is required.
    #[error("{} Add another passkey or an authenticator app before removing this one.", .0.explain())]
    Mandatory(crate::policy::mfa::Reason),
    #[error("passkeys are not configured: {0}")]
    Config(String),
    #[error("cannot read a stored ceremony or credential")]
    Corrupt(#[source] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot queue the notice")]
    Mail(#[from] crate::mail::MailError),
}

/// What a page needs to start a ceremony: the id to send back and the options for the browser.
pub struct Started {
    pub ceremony: SecretString,
    /// `publicKey` options for `navigator.credentials.create/get`, as JSON.
    pub options: String,
}

/// The passkey that answered, once it is checked and its use recorded.
pub struct Used {
    pub passkey_id: String,
    pub user_verified: bool,
}

/// The relying party as the settings describe it.
pub fn webauthn(settings: &Settings) -> Result<Webauthn, PasskeyError> {
    let p = &settings.passkeys;
    let origin_text = if p.origin.trim().is_empty() { settings.issuer() } else { p.origin.trim() };
    let origin = Url::parse(origin_text).map_err(|e| PasskeyError::Config(e.to_string()))?;
    let rp_id = if p.rp_id.trim().is_empty() { origin.host_str().unwrap_or_default().to_owned() } else { p.rp_id.trim().to_owned() };
    // Checked here as webauthn-rs checks it, so that settings it would refuse are refused without
    // it logging an error on every page that offers passkeys (the default issuer is an address).
    let Some(domain) = origin.domain() else {
        return Err(PasskeyError::Config(format!(
            "the origin {origin_text} has an IP address, not a domain name; passkeys need the site's domain name ([passkeys] origin, or the issuer)"
        )));
    };
    if !(domain == rp_id || domain.ends_with(&format!(".{rp_id}"))) {
        return Err(PasskeyError::Config(format!(
            "[passkeys] rp_id {rp_id} is neither the origin's domain {domain} nor a domain it is under"
        )));
    }
    WebauthnBuilder::new(&rp_id, &origin)
        .map_err(|e| PasskeyError::Config(e.to_string()))?
        .rp_name(&settings.server.name)
        .allow_any_port(p.any_port)
        .build()
        .map_err(|e| PasskeyError::Config(e.to_string()))
}

fn encode<T: Serialize>(v: &T) -> Result<String, PasskeyError> {
    serde_json::to_string(v).map_err(PasskeyError::Corrupt)
}

fn decode<T: DeserializeOwned>(s: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(s).map_err(PasskeyError::Corrupt)
}

/// A browser's answer, as sent in a form field. Not ours to trust: anything unreadable is refused.
fn answer<T: DeserializeOwned>(s: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(s).map_err(|_| PasskeyError::Refused)
}

fn user_handle(user: &UserRow) -> Result<Uuid, PasskeyError> {
    Uuid::parse_str(&user.id).map_err(|e| PasskeyError::Config(format!("user id is no UUID: {e}")))
}

fn credential_id_text(id: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

/// The public options inside the library's challenge (`{"publicKey": {...}}`).
fn options_of<T: Serialize>(challenge: &T) -> Result<serde_json::Value, PasskeyError> {
    let mut v = serde_json::to_value(challenge).map_err(PasskeyError::Corrupt)?;
    Ok(v.get_mut("publicKey").map(serde_json::Value::take).unwrap_or(v))
}

async fn save(
    state: &AppState,
    kind: &str,
    user_id: Option<&str>,
    bound_to: &str,
    saved: String,
    options: String,
) -> Result<Started, PasskeyError> {
    let now = state.now();
    let ceremony = random_token(&*state.rng);
    let row = CeremonyRow {
        id_hash: token_hash(ceremony.expose()),
        kind: kind.to_owned(),
        user_id: user_id.map(str::to_owned),
        bound_to: bound_to.to_owned(),
        state: saved,
        created_at: now,
        expires_at: now + CEREMONY_SECS,
        used_at: None,
    };
    store::passkeys::insert_ceremony(&state.db, &row).await?;
    Ok(Started { ceremony, options })
}

/// Uses the ceremony up inside `tx`: it must be of `kind`, begun by `bound_to`, for `user_id`
/// (when given), unused and unexpired.
async fn take(
    tx: &mut store::Tx,
    ceremony: &str,
    kind: &str,
    bound_to: &str,
    user_id: Option<&str>,
    now: Timestamp,
) -> Result<CeremonyRow, PasskeyError> {
    let row = store::passkeys::consume_ceremony(&mut *tx, &token_hash(ceremony), kind, bound_to, now).await?;
    match row {
        Some(r) if user_id.is_none_or(|u| r.user_id.as_deref() == Some(u)) => Ok(r),
        _ => Err(PasskeyError::Expired),
    }
}

pub async fn of_user(state: &AppState, user_id: &str) -> Result<Vec<PasskeyRow>, StoreError> {
    store::passkeys::of_user(&state.db, user_id).await
}

pub async fn has_any(state: &AppState, user_id: &str) -> Result<bool, StoreError> {
    Ok(store::passkeys::count_of_user(&state.db, user_id).await? > 0)
}

fn passkeys_of(rows: &[PasskeyRow]) -> Result<Vec<Passkey>, PasskeyError> {
    rows.iter().map(|r| decode::<Passkey>(&r.credential)).collect()
}

/// Starts registering a passkey for `user`, bound to `bound_to` (the session's hash, or the
/// parked sign-in's during forced enrolment).
pub async fn begin_registration(state: &AppState, user: &UserRow, bound_to: &str) -> Result<Started, PasskeyError> {
    let webauthn = webauthn(&state.settings)?;
    let existing = passkeys_of(&of_user(state, &user.id).await?)?;
    let exclude = existing.iter().map(|p| p.cred_id().clone()).collect::<Vec<_>>();
    let (ccr, reg) = webauthn
        .start_passkey_registration(user_handle(user)?, user.email.as_str(), &user.name, Some(exclude))
        .map_err(|e| PasskeyError::Config(e.to_string()))?;
    let mut options = options_of(&ccr)?;
    // A discoverable credential where the authenticator can keep one, so the same passkey also
    // signs in without an email address; a security key that cannot still works as a second
    // factor. (The browser decides; the server cannot check it, so nothing relies on it.)
    if let Some(sel) = options.get_mut("authenticatorSelection").and_then(serde_json::Value::as_object_mut) {
        sel.insert("residentKey".into(), json!("preferred"));
        sel.insert("requireResidentKey".into(), json!(false));
    }
    save(state, KIND_REGISTER, Some(&user.id), bound_to, encode(&reg)?, encode(&options)?).await
}

/// Checks a name a person gave a passkey: trimmed, not empty, not too long, no control characters.
pub fn clean_name(name: &str) -> Result<String, PasskeyError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(PasskeyError::BadName);
    }
    Ok(name.to_owned())
}

/// Finishes a registration begun by `bound_to` for `user`: the passkey, its name and the audit
/// row are written with the ceremony used up, in one transaction.
pub async fn finish_registration(
    state: &AppState,
    user: &UserRow,
    bound_to: &str,
    ceremony: &str,
    response: &str,
    name: &str,
    client: &ClientInfo,
) -> Result<PasskeyRow, PasskeyError> {
    let name = clean_name(name)?;
    let webauthn = webauthn(&state.settings)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = take(&mut tx, ceremony, KIND_REGISTER, bound_to, Some(&user.id), now).await?;
    let reg: PasskeyRegistration = decode(&row.state)?;
    let credential: RegisterPublicKeyCredential = answer(response)?;
    let passkey = match webauthn.finish_passkey_registration(&credential, &reg) {
        Ok(p) => p,
        Err(e) => {
            drop(tx);
            tracing::info!(error = %e, "passkey registration refused");
            let details = Some(json!({ "reason": "refused" }));
            audit::user_event(&state.db, state, "passkey.add", Some(&user.id), Some(&user.id), client, Outcome::Failure, details).await?;
            return Err(PasskeyError::Refused);
        }
    };
    let credential_id = credential_id_text(passkey.cred_id().as_ref());
    let saved = PasskeyRow {
        id: store::new_id(now, &*state.rng),
        user_id: user.id.clone(),
        credential_id,
        name,
        credential: encode(&passkey)?,
        counter: 0,
        user_verified: 1,
        created_at: now,
        last_used_at: None,
    };
    // A credential id already registered (to anyone) is refused by the unique index.
    match store::passkeys::insert(&mut tx, &saved).await {
        Err(StoreError::Conflict(_)) => return Err(PasskeyError::Duplicate),
        other => other?,
    }
    store::fault_point(&state.db, &mut tx, "passkey_add:inserted").await?;
    let details = Some(json!({ "passkey_id": saved.id, "name": saved.name }));
    audit::user_event(&mut tx, state, "passkey.add", Some(&user.id), Some(&user.id), client, Outcome::Success, details).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(saved)
}

/// Starts a second-factor check with `user`'s passkeys; None when they have none.
pub async fn begin_second_factor(state: &AppState, user: &UserRow, bound_to: &str) -> Result<Option<Started>, PasskeyError> {
    let rows = of_user(state, &user.id).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let webauthn = webauthn(&state.settings)?;
    let (rcr, auth) = webauthn.start_passkey_authentication(&passkeys_of(&rows)?).map_err(|e| PasskeyError::Config(e.to_string()))?;
    let options = encode(&options_of(&rcr)?)?;
    Ok(Some(save(state, KIND_SECOND_FACTOR, Some(&user.id), bound_to, encode(&auth)?, options).await?))
}

/// Records a checked assertion on `row` inside `tx`: the counter must move forward.
async fn record(
    tx: &mut store::Tx,
    row: &PasskeyRow,
    result: &webauthn_rs::prelude::AuthenticationResult,
    now: Timestamp,
) -> Result<Used, PasskeyError> {
    let mut passkey: Passkey = decode(&row.credential)?;
    passkey.update_credential(result);
    let counter = i64::from(result.counter());
    if !store::passkeys::record_use(&mut *tx, &row.id, counter, &encode(&passkey)?, now).await? {
        return Err(PasskeyError::Refused);
    }
    Ok(Used { passkey_id: row.id.clone(), user_verified: result.user_verified() })
}

async fn refused(state: &AppState, action: &str, user_id: Option<&str>, client: &ClientInfo, reason: &str) -> Result<(), PasskeyError> {
    audit::user_event(&state.db, state, action, None, user_id, client, Outcome::Failure, Some(json!({ "reason": reason }))).await?;
    Ok(())
}

/// Checks a passkey as `user`'s second factor, for a ceremony `bound_to` began. The ceremony,
/// the counter and the audit row are written in one transaction.
pub async fn finish_second_factor(
    state: &AppState,
    user: &UserRow,
    bound_to: &str,
    ceremony: &str,
    response: &str,
    client: &ClientInfo,
) -> Result<Used, PasskeyError> {
    let webauthn = webauthn(&state.settings)?;
    let now = state.now();
    let credential: PublicKeyCredential = answer(response)?;
    let credential_id = credential_id_text(credential.raw_id.as_ref());
    // Read before the transaction opens, so it needs no second connection. Another user's
    // credential is no answer here.
    let stored = store::passkeys::by_credential_id(&state.db, &credential_id).await?.filter(|p| p.user_id == user.id);
    let mut tx = state.db.begin().await?;
    let row = take(&mut tx, ceremony, KIND_SECOND_FACTOR, bound_to, Some(&user.id), now).await?;
    let auth: PasskeyAuthentication = decode(&row.state)?;
    let checked = match (&stored, webauthn.finish_passkey_authentication(&credential, &auth)) {
        (Some(p), Ok(result)) => record(&mut tx, p, &result, now).await,
        (None, _) => Err(PasskeyError::Refused),
        (_, Err(e)) => {
            tracing::info!(error = %e, "passkey assertion refused");
            Err(PasskeyError::Refused)
        }
    };
    let used = match checked {
        Ok(u) => u,
        Err(e) => {
            drop(tx);
            refused(state, "passkey.verify", Some(&user.id), client, "refused").await?;
            return Err(e);
        }
    };
    let details = Some(json!({ "passkey_id": used.passkey_id }));
    audit::user_event(&mut tx, state, "passkey.verify", Some(&user.id), Some(&user.id), client, Outcome::Success, details).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(used)
}

/// The associated data that binds a sealed passwordless challenge to its use.
const SEALED_SIGNIN: &str = "passkey-signin";

/// A passwordless sign-in's state, sealed into the sign-in page rather than stored: an
/// anonymous view of `/login` writes nothing.
#[derive(serde::Serialize, serde::Deserialize)]
struct SealedSignIn {
    state: DiscoverableAuthentication,
    expires_at: Timestamp,
}

/// Starts a passwordless sign-in: any discoverable passkey of this site may answer. Nothing is
/// written: the challenge's state travels in the page, sealed (AES-GCM) under the master key,
/// with its expiry; finishing it spends it once in `used_jtis`, which every instance shares.
pub fn begin_passwordless(state: &AppState) -> Result<Started, PasskeyError> {
    let webauthn = webauthn(&state.settings)?;
    let (rcr, auth) = webauthn.start_discoverable_authentication().map_err(|e| PasskeyError::Config(e.to_string()))?;
    let options = encode(&options_of(&rcr)?)?;
    let sealed = SealedSignIn { state: auth, expires_at: state.now() + CEREMONY_SECS };
    let ceremony = state
        .master_key
        .encrypt(encode(&sealed)?.as_bytes(), SEALED_SIGNIN, &*state.rng)
        .map_err(|e| PasskeyError::Config(e.to_string()))?;
    Ok(Started { ceremony: SecretString::new(ceremony), options })
}

/// Opens a sealed passwordless challenge: refused when it was not sealed here, or has expired.
fn unseal(state: &AppState, ceremony: &str, now: Timestamp) -> Result<SealedSignIn, PasskeyError> {
    let plain = state.master_key.decrypt(ceremony, SEALED_SIGNIN).map_err(|_| PasskeyError::Expired)?;
    let sealed: SealedSignIn = serde_json::from_slice(&plain).map_err(|_| PasskeyError::Expired)?;
    if sealed.expires_at <= now {
        return Err(PasskeyError::Expired);
    }
    Ok(sealed)
}

/// Finishes a passwordless sign-in: the account the passkey belongs to, once the passkey (with
/// user verification) is checked. A disabled account is refused like an unknown passkey.
pub async fn finish_passwordless(
    state: &AppState,
    ceremony: &str,
    response: &str,
    client: &ClientInfo,
) -> Result<(UserRow, Used), PasskeyError> {
    let webauthn = webauthn(&state.settings)?;
    let now = state.now();
    let sealed = unseal(state, ceremony, now)?;
    let credential: PublicKeyCredential = answer(response)?;
    let found = match webauthn.identify_discoverable_authentication(&credential) {
        Ok((handle, cred_id)) => {
            let stored = store::passkeys::by_credential_id(&state.db, &credential_id_text(cred_id)).await?;
            // The user handle the authenticator returned must be the credential's owner's.
            stored.filter(|p| Uuid::parse_str(&p.user_id).is_ok_and(|u| u == handle))
        }
        Err(_) => None,
    };
    let user = match &found {
        Some(p) => store::users::by_id(&state.db, &p.user_id).await?.filter(|u| !u.is_disabled()),
        None => None,
    };
    let banned = match &user {
        Some(u) => super::abuse::is_banned(state, &u.email()).await?,
        None => false,
    };
    // An organisation that signs its people in through its own SSO keeps that door the only one.
    if let Some(u) = &user
        && super::sso_required(state, &u.email(), "signin.passkey", client).await?.is_some()
    {
        return Err(PasskeyError::Refused);
    }
    let mut tx = state.db.begin().await?;
    // Spent with the sign-in it starts (a failed write leaves it unspent): once, on any instance.
    let spent = token_hash(ceremony);
    if !store::replay::first_use(&mut tx, store::replay::KIND_PASSKEY_SIGNIN, "", &spent, sealed.expires_at, now).await? {
        return Err(PasskeyError::Expired);
    }
    let auth = sealed.state;
    let checked = match (found, user) {
        (Some(p), Some(user)) => {
            let passkey: Passkey = decode(&p.credential)?;
            match webauthn.finish_discoverable_authentication(&credential, auth, &[DiscoverableKey::from(&passkey)]) {
                Ok(result) if result.user_verified() => record(&mut tx, &p, &result, now).await.map(|u| (user, u)),
                Ok(_) => Err(PasskeyError::Refused),
                Err(e) => {
                    tracing::info!(error = %e, "passwordless assertion refused");
                    Err(PasskeyError::Refused)
                }
            }
        }
        _ => Err(PasskeyError::Refused),
    };
    let (user, used) = match checked {
        Ok(x) => x,
        Err(e) => {
            drop(tx);
            refused(state, "signin.passkey", None, client, "refused").await?;
            return Err(e);
        }
    };
    if banned {
        drop(tx);
        refused(state, "signin.passkey", Some(&user.id), client, "banned").await?;
        return Err(PasskeyError::Refused);
    }
    let details = Some(json!({ "passkey_id": used.passkey_id }));
    audit::user_event(&mut tx, state, "signin.passkey", Some(&user.id), Some(&user.id), client, Outcome::Success, details).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((user, used))
}

/// Renames one of the person's own passkeys.
pub async fn rename(state: &AppState, user: &UserRow, id: &str, name: &str, client: &ClientInfo) -> Result<bool, PasskeyError> {
    let name = clean_name(name)?;
    let mut tx = state.db.begin().await?;
    if !store::passkeys::rename(&mut tx, &user.id, id, &name).await? {
        return Ok(false);
    }
    let details = Some(json!({ "passkey_id": id, "name": name }));
    audit::user_event(&mut tx, state, "passkey.rename", Some(&user.id), Some(&user.id), client, Outcome::Success, details).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(true)
}

/// Removes one of the person's own passkeys; refused for the last second factor when policy
/// requires one.
pub async fn remove(state: &AppState, user: &UserRow, id: &str, client: &ClientInfo) -> Result<bool, PasskeyError> {
    if let Some(reason) = super::mfa::requirement(state, user, false, false).await?
        && store::passkeys::count_of_user(&state.db, &user.id).await? <= 1
        && !super::mfa::totp_enrolled(state, &user.id).await?
    {
        return Err(PasskeyError::Mandatory(reason));
    }
    let mut tx = state.db.begin().await?;
    let Some(name) = store::passkeys::remove(&mut tx, &user.id, id).await? else { return Ok(false) };
    let details = Some(json!({ "passkey_id": id, "name": name }));
    audit::user_event(&mut tx, state, "passkey.remove", Some(&user.id), Some(&user.id), client, Outcome::Success, details).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(true)
}

/// An administrator's removal of every passkey the user has (the policy check is the caller's):
/// the removal, its audit row and the notice to the owner together (as a second factor reset:
/// a removal they did not ask for does not go unnoticed). Returns how many there were.
pub async fn admin_remove_all(state: &AppState, actor: Option<&str>, user: &UserRow, client: &ClientInfo) -> Result<u64, PasskeyError> {
    let link = format!("{}/account/security", state.settings.issuer());
    let notice =
        crate::mail::messages::PasskeysRemoved { site_name: &state.settings.server.name, email: &user.email, security_link: &link }
            .render(crate::i18n::for_recipient(user.language.as_deref(), state.settings.ui.default_lang()))?;
    let mut tx = state.db.begin().await?;
    let removed = store::passkeys::remove_all(&mut tx, &user.id).await?;
    store::fault_point(&state.db, &mut tx, "passkey_remove_all:removed").await?;
    let details = Some(json!({ "removed": removed }));
    audit::user_event(&mut tx, state, "passkey.admin_remove_all", actor, Some(&user.id), client, Outcome::Success, details).await?;
    if removed > 0 {
        crate::mail::enqueue_notice_in(&mut tx, state, &user.email(), &notice).await?;
        store::fault_point(&state.db, &mut tx, "passkey_remove_all:notice_queued").await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    if removed > 0 {
        state.mail_wake.notify_one();
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(issuer: &str, rp_id: &str, origin: &str) -> Result<Webauthn, PasskeyError> {
        let mut s = Settings::load_without_env(None).unwrap();
        s.server.issuer = issuer.into();
        s.passkeys.rp_id = rp_id.into();
        s.passkeys.origin = origin.into();
        webauthn(&s)
    }

    /// Settings webauthn-rs would refuse (logging an error each time) are refused before it is
    /// asked, with what to change; a domain, or a domain the origin is under, is accepted.
    #[test]
    fn relying_party_needs_a_domain_the_origin_is_under() {
        for (issuer, rp_id, origin, needs) in [
            ("http://127.0.0.1:8080", "", "", "IP address"),
            ("http://[::1]:8080", "", "", "IP address"),
            ("https://id.example.org", "", "https://10.0.0.1", "IP address"),
            ("https://id.example.org", "example.com", "", "neither"),
            ("https://id.example.org", "ample.org", "", "neither"),
            ("https://id.example.org", "id.example.org.evil", "", "neither"),
        ] {
            match with(issuer, rp_id, origin) {
                Err(PasskeyError::Config(m)) => assert!(m.contains(needs), "{issuer} {rp_id:?} {origin:?}: {m}"),
                Err(e) => panic!("{issuer} {rp_id:?}: {e}"),
                Ok(_) => panic!("{issuer} {rp_id:?} {origin:?} accepted"),
            }
        }
        for (issuer, rp_id) in [("http://localhost:8080", ""), ("https://id.example.org", ""), ("https://id.example.org", "example.org")] {
            assert!(with(issuer, rp_id, "").is_ok(), "{issuer} {rp_id:?}");
        }
    }
}
