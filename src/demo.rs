//! The embedded default's demo: a relying app and a user, so a first-time operator can watch a
//! whole sign-in happen. Created once, on first start with no users, and only when enabled.

use crate::app::AppState;
use crate::clients::{AuthMethod, ClientSpec, GrantType};
use crate::email::Email;
use crate::secret::{SecretString, random_id};
use crate::store::{self, users::NewUser};

pub const CLIENT_ID: &str = "stile-demo";
pub const USER_EMAIL: &str = "demo@example.org";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Client(#[from] crate::clients::ClientError),
    #[error(transparent)]
    Hash(#[from] crate::auth::password::HashError),
}

/// What to tell the operator.
pub struct Seeded {
    pub password: SecretString,
    /// The demo app's start page, where the walk-through begins.
    pub start_url: String,
}

/// Creates the demo app and user if this is a fresh installation. Returns None when there is
/// nothing to do.
pub async fn seed(state: &AppState) -> Result<Option<Seeded>, DemoError> {
    if !state.settings.demo.enabled || store::users::count(&state.db).await? > 0 {
        return Ok(None);
    }
    if !store::settings::set_if_absent(&state.db, "demo_seeded", "1").await? {
        return Ok(None);
    }
    let now = state.now();
    let issuer = state.settings.issuer();
    let callback = format!("{issuer}/demo/callback");
    let spec = ClientSpec {
        id: Some(CLIENT_ID.into()),
        name: "Stile demo app".into(),
        redirect_uris: vec![callback.clone()],
        post_logout_redirect_uris: vec![format!("{issuer}/demo"), format!("{issuer}/login")],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "profile".into(), "email".into()],
        auth_method: AuthMethod::None,
        permission_namespaces: vec!["fms".into(), "sm".into()],
        first_party: true,
        require_pkce: true,
        ..ClientSpec::default()
    };
    if crate::clients::get(&state.db, CLIENT_ID).await?.is_none() {
        crate::clients::register(&state.db, spec, &*state.rng, now).await?;
    }
    let password = SecretString::new(format!("demo-{}", random_id(&*state.rng, 9)));
    let hash = state.hasher.hash(&password).await?;
    let email = Email::parse(USER_EMAIL).map_err(|_| store::StoreError::Corrupt("demo email".into()))?;
    let id = store::new_id(now, &*state.rng);
    store::users::insert(
        &state.db,
        &NewUser { id: &id, email: &email, name: "Demo User", email_verified: true, password_hash: Some(&hash), superuser: false },
        now,
    )
    .await?;
    Ok(Some(Seeded { password, start_url: format!("{issuer}/demo") }))
}
