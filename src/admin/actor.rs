//! The acting principal of an administrative action, loaded with what the delegation policy
//! needs: a signed-in user (session cookie, for the UI), or the holder of a bearer access token
//! with the `stile:admin` scope (for the REST API) — a user's own token, or a machine client's
//! client_credentials token whose administrative rights are stored on the client; or the
//! operator at the command line (`stile …`), who has a superuser's rights.

use std::collections::BTreeSet;

use serde_json::Value;

use super::AdminError;
use crate::app::AppState;
use crate::auth::ClientInfo;
use crate::clock::Timestamp;
use crate::policy::delegation::{self, Action, Membership, Target};
use crate::store::{self, users::UserRow};

/// What the audit log records as the origin of a command-line action.
pub const CLI_IP: &str = "cli";
pub const CLI_AGENT: &str = "stile cli";

/// The scope a bearer token needs for the admin API.
pub const ADMIN_SCOPE: &str = "stile:admin";

/// Who is acting, and from where.
#[derive(Debug, Clone)]
pub struct AdminActor {
    /// The user acting (None for a machine client acting for itself).
    pub user: Option<UserRow>,
    /// The client whose token is used (the machine client itself, or the app a user's token was
    /// issued to); None in the web UI.
    pub client_id: Option<String>,
    /// What the delegation policy decides on.
    pub policy: delegation::Actor,
    /// The request's origin, for the audit log.
    pub from: ClientInfo,
    /// What step-up (a recent second factor before a dangerous action) sees of the actor.
    pub step_up: StepUp,
}

/// What step-up sees of an actor; `admin::ops` checks it before dangerous actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepUp {
    /// A machine client acting with the rights a superuser gave it (no person, so no second
    /// factor to ask for; granting those rights needs step-up instead), or the operator at the
    /// command line, who already holds the server's keys and database.
    Exempt,
    /// A person: when a second factor was last entered in their session (the browser's, or the
    /// one their access token was issued in). None: never, or no session at all (a token from
    /// an offline grant, or an actor built without a session).
    Person { second_factor_at: Option<Timestamp> },
}

impl AdminActor {
    /// A user. Memberships of suspended or disabled bodies are loaded as inactive: the policy
    /// then refuses to let them act for those bodies. Without a session there is no recent
    /// second factor, so step-up refuses; the web UI uses [`AdminActor::for_session`].
    pub async fn for_user(state: &AppState, user: UserRow, from: ClientInfo) -> Result<Self, AdminError> {
        let policy = load_policy_actor(state, &user).await?;
        Ok(AdminActor { user: Some(user), client_id: None, policy, from, step_up: StepUp::Person { second_factor_at: None } })
    }

    /// A user signed in with `session` (web UI): step-up reads the session's second factor.
    pub async fn for_session(
        state: &AppState,
        user: UserRow,
        session: &store::sessions::SessionRow,
        from: ClientInfo,
    ) -> Result<Self, AdminError> {
        let mut actor = Self::for_user(state, user, from).await?;
        if session.user_id == actor.user_id().unwrap_or_default() {
            actor.step_up = StepUp::Person { second_factor_at: session.second_factor_at };
        }
        Ok(actor)
    }

    /// A machine client acting with its stored administrative rights.
    pub async fn for_client(state: &AppState, client_id: &str, from: ClientInfo) -> Result<Self, AdminError> {
        let access = store::clients::client_admin_access(&state.db, client_id).await?.ok_or(AdminError::NotFound("client"))?;
        let policy = match access.admin_access.as_deref() {
            Some("superuser") => delegation::Actor { superuser: true, memberships: Vec::new() },
            Some("body") => {
                let body_id = access.admin_body_id.ok_or_else(|| AdminError::Forbidden(no_rights()))?;
                let body = store::bodies::by_id(&state.db, &body_id).await?.ok_or_else(|| AdminError::Forbidden(no_rights()))?;
                let permissions: BTreeSet<String> = store::parse_json_list(&access.admin_permissions)?.into_iter().collect();
                delegation::Actor {
                    superuser: false,
                    memberships: vec![Membership { body_kind: body.kind, active: body.status.is_active(), body_id, permissions }],
                }
            }
            _ => return Err(AdminError::Forbidden(no_rights())),
        };
        Ok(AdminActor { user: None, client_id: Some(client_id.to_owned()), policy, from, step_up: StepUp::Exempt })
    }

    /// The operator at the command line: a superuser's rights without an account (whoever can
    /// run `stile` on the server can read its database and keys anyway). Audited with ip `cli`
    /// and the OS user in the user agent, so the audit log tells these rows from the UI's.
    pub fn cli() -> Self {
        let os_user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_default();
        let user_agent = if os_user.trim().is_empty() { CLI_AGENT.to_owned() } else { format!("{CLI_AGENT} (os user {})", os_user.trim()) };
        AdminActor {
            user: None,
            client_id: None,
            policy: delegation::Actor { superuser: true, memberships: Vec::new() },
            from: ClientInfo { ip: CLI_IP.into(), user_agent },
            step_up: StepUp::Exempt,
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.id.as_str())
    }

    pub fn is_superuser(&self) -> bool {
        self.policy.superuser
    }

    /// Asks the delegation policy; a refusal becomes `AdminError::Forbidden(reason)`.
    pub fn check(&self, action: Action<'_>, target: Option<&Target<'_>>) -> Result<(), AdminError> {
        delegation::decide(&self.policy, action, target).map_err(AdminError::from)
    }

    /// The bodies this actor may see the members of (all, for a superuser: None).
    pub fn administered_bodies(&self) -> Option<Vec<String>> {
        if self.policy.superuser {
            return None;
        }
        Some(
            self.policy
                .memberships
                .iter()
                .filter(|m| m.active && m.permissions.iter().any(|p| delegation::is_admin_permission(p)))
                .map(|m| m.body_id.clone())
                .collect(),
        )
    }
}

fn no_rights() -> String {
    "This client has no administrative rights; a superuser can grant them (see docs/admin-api.md).".into()
}

/// The policy's view of a user: superuser flag and every membership with its permissions.
pub async fn load_policy_actor(state: &AppState, user: &UserRow) -> Result<delegation::Actor, AdminError> {
    let mut memberships = Vec::new();
    for m in store::memberships::of_user(&state.db, &user.id).await? {
        let d = store::memberships::detail(&state.db, &m).await?;
        memberships.push(Membership {
            body_kind: m.body_kind,
            active: m.is_live(),
            body_id: m.body_id,
            permissions: d.permissions.into_iter().collect(),
        });
    }
    Ok(delegation::Actor { superuser: user.is_superuser(), memberships })
}

/// How an access token came: `Authorization: Bearer`, or `Authorization: DPoP` with the
/// request's `DPoP` proof (if any), its method and URL.
pub enum Presented<'a> {
    Bearer,
    Dpop { proof: Option<&'a str>, method: &'a str, url: String },
}

/// A DPoP-bound token (`cnf.jkt`) is accepted only as DPoP with a proof made with its key; an
/// unbound one only as Bearer.
async fn check_binding(state: &AppState, token: &str, claims: &Value, presented: Presented<'_>) -> Result<(), BearerError> {
    use crate::tokens::dpop::{self, DpopError, Expected, ProofFor};
    let bound = claims.get("cnf").and_then(|c| c.get("jkt")).and_then(Value::as_str);
    match (bound, presented) {
        (None, Presented::Bearer) => Ok(()),
        (None, Presented::Dpop { .. }) => Err(BearerError::Invalid),
        (Some(jkt), Presented::Dpop { proof: Some(proof), method, url }) => {
            let want = Expected { request: ProofFor::Here { method, url: &url }, access_token: Some(token) };
            let proved = dpop::verify(state, proof, &want).await.map_err(|e| match e {
                DpopError::Store(s) => BearerError::Admin(AdminError::Store(s)),
                other => BearerError::Dpop(other.to_string()),
            })?;
            if proved == jkt {
                Ok(())
            } else {
                Err(BearerError::Dpop("The DPoP proof was made with another key than the token is bound to.".into()))
            }
        }
        (Some(_), _) => Err(BearerError::Dpop("The access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof.".into())),
    }
}

/// Why a bearer token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    #[error("Send an access token in the Authorization header: Bearer <token>.")]
    Missing,
    #[error("The access token is not valid: it may have expired or been revoked.")]
    Invalid,
    #[error("The access token does not carry the stile:admin scope.")]
    InsufficientScope,
    /// A DPoP-bound token without a good proof of its key (RFC 9449 §7).
    #[error("{0}")]
    Dpop(String),
    #[error(transparent)]
    Admin(#[from] AdminError),
}

/// The actor behind a bearer access token issued by this Stile. The token must verify (signature,
/// issuer, expiry), be live (not revoked, its grant and session live, its user enabled and not
/// banned), be meant for the admin API (`aud` is `<issuer>/api/v1` or the client it was issued
/// to) and carry the `stile:admin` scope.
pub async fn from_bearer(state: &AppState, token: &str, from: ClientInfo, presented: Presented<'_>) -> Result<AdminActor, BearerError> {
    let claims = crate::tokens::grants::access_token_claims(state, token).await.map_err(AdminError::from)?.ok_or(BearerError::Invalid)?;
    check_binding(state, token, &claims, presented).await?;
    let s = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    let client_id = s("client_id").ok_or(BearerError::Invalid)?;
    let sub = s("sub").ok_or(BearerError::Invalid)?;
    let api_aud = format!("{}/api/v1", state.settings.issuer());
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => *a == api_aud || *a == client_id,
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(|a| a == api_aud || a == client_id),
        _ => false,
    };
    if !aud_ok {
        return Err(BearerError::Invalid);
    }
    let scope = s("scope").unwrap_or_default();
    if !scope.split(' ').any(|x| x == ADMIN_SCOPE) {
        return Err(BearerError::InsufficientScope);
    }
    // A removed client's tokens are worth nothing, even before they expire.
    if store::clients::by_id(&state.db, &client_id).await.map_err(AdminError::from)?.is_none() {
        return Err(BearerError::Invalid);
    }
    if sub == client_id {
        return Ok(AdminActor::for_client(state, &client_id, from).await?);
    }
    let user = store::users::by_id(&state.db, &sub).await.map_err(AdminError::from)?.ok_or(BearerError::Invalid)?;
    if user.is_disabled() || crate::auth::abuse::is_banned(state, &user.email()).await.map_err(AdminError::from)? {
        return Err(BearerError::Invalid);
    }
    let mut actor = AdminActor::for_user(state, user, from).await?;
    actor.client_id = Some(client_id);
    // Step-up reads the session the token was issued in, now: a second factor entered in it
    // since (in the browser, or with a fresh sign-in) counts. Offline tokens name no session.
    if let Some(sid) = s("sid")
        && let Some(session) = store::sessions::by_sid(&state.db, &sid).await.map_err(AdminError::from)?
        && session.user_id == sub
    {
        actor.step_up = StepUp::Person { second_factor_at: session.second_factor_at };
    }
    Ok(actor)
}
