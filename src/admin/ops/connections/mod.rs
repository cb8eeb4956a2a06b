//! SSO connections (upstream OIDC and SAML identity providers), superusers only: list, show,
//! create (OIDC with its client secret; SAML from IdP metadata pasted or fetched once from a
//! URL, or read by the command line from a file), edit, rotate the upstream client secret,
//! remove. The admin UI, the API and `stile connection` all write through here: validation
//! (`crate::sso::connection`), the check that the body and mapped roles exist, the policy check,
//! the audit row in the write's transaction, and errors a form, the API or the command line can
//! show. The upstream client secret and the SAML SP key are never returned.
//!
//! Split by what each file holds: `input` (the settings a form, the API or the command line
//! give, and applying the ones every kind shares), `oidc` and `saml` (each kind's own settings
//! and creation), `check` (the references a connection must hold and how refusals read),
//! `view` (what is shown). This file holds the operations.

mod check;
mod input;
mod oidc;
mod saml;
mod view;

use serde_json::{Value, json};

pub use self::check::find_role;
use self::check::{check_references, crypto, domain_conflict, from_connection_error};
pub use self::input::{ClaimsInput, ConnectionInput, GroupRoleInput, SecretInput};
use self::input::{Draft, apply};
pub use self::oidc::{NewOidc, create_oidc};
pub use self::saml::create_saml;
use self::view::view;
pub use self::view::{ConnectionView, GroupRoleView, OidcView, SamlView};
use super::{Subject, audit_ok, commit_err, guard, require_step_up};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::policy::delegation::Action;
use crate::sso::connection::Connection;
use crate::store;

/// Checks a connection and stores it (new, or over the stored one) with its audit row, in one
/// transaction. The caller has run the policy check.
pub(super) async fn write(
    state: &AppState,
    actor: &AdminActor,
    mut c: Connection,
    creating: bool,
    action: &str,
    details: Option<Value>,
) -> Result<Connection, AdminError> {
    c.validate().map_err(from_connection_error)?;
    check_references(state, &c).await?;
    if !creating {
        c.updated_at = state.now();
    }
    let mut tx = state.db.begin().await?;
    let stored = if creating { store::connections::insert(&mut tx, &c).await } else { store::connections::update(&mut tx, &c).await };
    stored.map_err(domain_conflict)?;
    let subject = Subject { target_type: "connection", target_id: &c.id, body_id: Some(&c.body_id) };
    audit_ok(&mut tx, state, actor, action, &subject, details).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(c)
}

/// Superusers only, and every change needs step-up (a second factor entered within the last
/// few minutes): a connection decides who signs in for a body.
pub(super) async fn superuser(
    state: &AppState,
    actor: &AdminActor,
    action: &str,
    id: &str,
    body_id: Option<&str>,
) -> Result<(), AdminError> {
    let subject = Subject { target_type: "connection", target_id: id, body_id };
    guard(state, actor, action, &subject, actor.check(Action::ManageConnections, None)).await?;
    require_step_up(state, actor, action, &subject).await
}

/// A stored connection, whole (for the sign-in code and tests; views never hold its secret).
pub async fn get(state: &AppState, id: &str) -> Result<Connection, AdminError> {
    store::connections::get(&state.db, id).await?.ok_or(AdminError::NotFound("connection"))
}

pub async fn list(state: &AppState, actor: &AdminActor) -> Result<Vec<ConnectionView>, AdminError> {
    actor.check(Action::ManageConnections, None)?;
    let mut out = Vec::new();
    for c in store::connections::list(&state.db).await? {
        out.push(view(state, c).await?);
    }
    Ok(out)
}

pub async fn show(state: &AppState, actor: &AdminActor, id: &str) -> Result<ConnectionView, AdminError> {
    actor.check(Action::ManageConnections, None)?;
    view(state, get(state, id).await?).await
}

/// The connections bound to a body (for the body's SSO connection choice).
pub async fn of_body(state: &AppState, body_id: &str) -> Result<Vec<(String, String)>, AdminError> {
    Ok(store::connections::list(&state.db).await?.into_iter().filter(|c| c.body_id == body_id).map(|c| (c.id, c.name)).collect())
}

/// Creates a connection. Superusers only. Everything is checked before anything is written.
pub async fn create(state: &AppState, actor: &AdminActor, input: ConnectionInput) -> Result<ConnectionView, AdminError> {
    superuser(state, actor, "connection.create", "", input.body_id.as_deref()).await?;
    let body_id = input.body_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let Some(body_id) = body_id else {
        return Err(AdminError::invalid("body_id", "Choose the organisation whose staff sign in through this connection."));
    };
    let body =
        store::bodies::by_id(&state.db, body_id).await?.ok_or_else(|| AdminError::invalid("body_id", "There is no such organisation."))?;
    let name = input.name.clone().unwrap_or_default();
    // The create helpers take the kind's own fields; the shared settings are applied to a draft.
    let shared = ConnectionInput {
        kind: None,
        body_id: None,
        client_secret: None,
        idp_metadata_xml: None,
        idp_metadata_url: None,
        idp_metadata: None,
        issuer: None,
        client_id: None,
        ..input.clone()
    };
    let made = match input.kind.as_deref().map(str::trim) {
        Some("oidc") => oidc::from_input(state, &Draft { name: &name, body_id: &body.id, input: &input, shared: &shared }).await?,
        Some("saml") => saml::from_input(state, &Draft { name: &name, body_id: &body.id, input: &input, shared: &shared }).await?,
        _ => return Err(AdminError::invalid("kind", "The kind must be oidc or saml.")),
    };
    let details = json!({ "name": made.name, "kind": made.kind().as_str() });
    let made = write(state, actor, made, true, "connection.create", Some(details)).await?;
    view(state, made).await
}

/// Changes a connection's settings (not its kind, body or secret). Superusers only.
pub async fn update(state: &AppState, actor: &AdminActor, id: &str, input: ConnectionInput) -> Result<ConnectionView, AdminError> {
    let mut c = get(state, id).await?;
    superuser(state, actor, "connection.update", id, Some(&c.body_id)).await?;
    if input.kind.as_deref().is_some_and(|k| k != c.kind().as_str()) {
        return Err(AdminError::invalid("kind", "A connection's kind cannot be changed; add a new connection instead."));
    }
    if input.body_id.as_deref().is_some_and(|b| b != c.body_id) {
        return Err(AdminError::invalid("body_id", "A connection's organisation cannot be changed; add a new connection instead."));
    }
    if input.client_secret.is_some() {
        return Err(AdminError::invalid("client_secret", "Change the client secret with its own action (rotate the secret)."));
    }
    let mut changed = Vec::new();
    apply(state, &mut c, &input, &mut changed).await?;
    changed.dedup();
    let c = write(state, actor, c, false, "connection.update", Some(json!({ "changed": changed }))).await?;
    view(state, c).await
}

/// Stores a new upstream client secret (OIDC). It is never shown again, here or anywhere.
pub async fn rotate_secret(state: &AppState, actor: &AdminActor, id: &str, input: SecretInput) -> Result<ConnectionView, AdminError> {
    let mut c = get(state, id).await?;
    superuser(state, actor, "connection.rotate_secret", id, Some(&c.body_id)).await?;
    if c.oidc().is_none() {
        return Err(AdminError::invalid(
            "client_secret",
            "Only OIDC connections have a client secret; a SAML connection's key is its own.",
        ));
    }
    if input.client_secret.is_empty() {
        return Err(AdminError::invalid("client_secret", "An upstream OIDC connection needs its client secret."));
    }
    crate::sso::set_client_secret(state, &mut c, &input.client_secret).map_err(crypto)?;
    let c = write(state, actor, c, false, "connection.rotate_secret", None).await?;
    view(state, c).await
}

/// Removes a connection with its domains and links to accounts (the accounts and their
/// memberships stay); a body that named it as its SSO connection names none. Superusers only.
pub async fn remove(state: &AppState, actor: &AdminActor, id: &str) -> Result<(), AdminError> {
    let c = get(state, id).await?;
    superuser(state, actor, "connection.remove", id, Some(&c.body_id)).await?;
    let mut tx = state.db.begin().await?;
    store::connections::remove(&mut tx, id).await?;
    let subject = Subject { target_type: "connection", target_id: id, body_id: Some(&c.body_id) };
    audit_ok(&mut tx, state, actor, "connection.remove", &subject, Some(json!({ "name": c.name, "kind": c.kind().as_str() }))).await?;
    tx.commit().await.map_err(commit_err)
}

/// Stores a whole connection over the stored one (every setting, as given). Superusers only.
pub async fn save(state: &AppState, actor: &AdminActor, c: Connection) -> Result<Connection, AdminError> {
    superuser(state, actor, "connection.update", &c.id, Some(&c.body_id)).await?;
    get(state, &c.id).await?;
    write(state, actor, c, false, "connection.update", None).await
}

/// Stores a whole new connection (every setting, as given). Superusers only.
pub async fn add(state: &AppState, actor: &AdminActor, c: Connection) -> Result<Connection, AdminError> {
    superuser(state, actor, "connection.create", "", Some(&c.body_id)).await?;
    let details = json!({ "name": c.name, "kind": c.kind().as_str() });
    write(state, actor, c, true, "connection.create", Some(details)).await
}
