//! The embedded default's demo: a relying app and a user, so a first-time operator can watch a
//! whole sign-in happen. Created once, on first start with no users, and only when enabled.
//! The "seeded" mark, the app, the user and their audit rows are one transaction: a failure
//! part-way leaves nothing, and the next start tries again.

use serde_json::json;

use super::{Subject, audit_ok, commit_err};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::clients::{AuthMethod, ClientSpec, GrantType};
use crate::demo::{CLIENT_ID, USER_EMAIL};
use crate::email::Email;
use crate::secret::{SecretString, random_id};
use crate::store::{self, users::NewUser};

/// What to tell the operator.
pub struct Seeded {
    pub password: SecretString,
    /// The demo app's start page, where the walk-through begins.
    pub start_url: String,
}

/// Creates the demo app and user if this is a fresh installation, audited as `actor` (the
/// command line that started the server). Returns None when there is nothing to do.
pub async fn seed(state: &AppState, actor: &AdminActor) -> Result<Option<Seeded>, AdminError> {
    if !state.settings.demo.enabled
        || store::users::count(&state.db).await? > 0
        || store::settings::get(&state.db, "demo_seeded").await?.is_some()
    {
        return Ok(None);
    }
    let now = state.now();
    let issuer = state.settings.issuer();
    let password = SecretString::new(format!("demo-{}", random_id(&*state.rng, 9)));
    let hash = state.hasher.hash(&password).await.map_err(|e| AdminError::Internal(e.to_string()))?;
    let email = Email::parse(USER_EMAIL).map_err(|_| AdminError::Internal("the demo address does not parse".into()))?;

    let mut tx = state.db.begin().await?;
    // Instances starting together agree on one seeder.
    if !store::settings::set_if_absent(&mut tx, "demo_seeded", "1").await? {
        return Ok(None);
    }
    if crate::clients::get(&state.db, CLIENT_ID).await?.is_none() {
        let (client, _) = crate::clients::register(&mut tx, demo_app(issuer), &*state.rng, now).await?;
        let s = Subject { target_type: "client", target_id: &client.id, body_id: None };
        audit_ok(&mut tx, state, actor, "client.create", &s, Some(json!({ "name": client.name, "demo": true }))).await?;
    }
    store::fault_point(&state.db, &mut tx, "demo_seed:app").await?;
    let id = store::new_id(now, &*state.rng);
    let user = NewUser { id: &id, email: &email, name: "Demo User", email_verified: true, password_hash: Some(&hash), superuser: false };
    store::users::insert(&mut tx, &user, now).await?;
    let s = Subject { target_type: "user", target_id: &id, body_id: None };
    audit_ok(&mut tx, state, actor, "user.create", &s, Some(json!({ "email_domain": email.domain(), "password": true, "demo": true })))
        .await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(Some(Seeded { password, start_url: format!("{issuer}/demo") }))
}

/// The demo relying app: a public client with PKCE whose pages are served by Stile itself.
fn demo_app(issuer: &str) -> ClientSpec {
    ClientSpec {
        id: Some(CLIENT_ID.into()),
        name: "Stile demo app".into(),
        redirect_uris: vec![format!("{issuer}/demo/callback")],
        post_logout_redirect_uris: vec![format!("{issuer}/demo"), format!("{issuer}/login")],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "profile".into(), "email".into()],
        auth_method: AuthMethod::None,
        permission_namespaces: vec!["fms".into(), "sm".into()],
        first_party: true,
        require_pkce: true,
        ..ClientSpec::default()
    }
}
