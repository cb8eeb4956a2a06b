//! Upstream OpenID Connect connections: their own settings, and creating one.

use serde_json::json;

use super::check::{crypto, from_connection_error};
use super::input::{ConnectionInput, Draft, apply as apply_shared, trimmed};
use super::{superuser, write};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::secret::SecretString;
use crate::sso::connection::{Connection, KindConfig, Mode, OidcConfig};

/// A new OIDC connection from form or API input: the kind's own fields, then the shared
/// settings (`shared`), checked, with its client secret encrypted.
pub(super) async fn from_input(state: &AppState, d: &Draft<'_>) -> Result<Connection, AdminError> {
    let (name, body_id, input, shared) = (d.name, d.body_id, d.input, d.shared);
    let config = KindConfig::Oidc(OidcConfig {
        issuer: input.issuer.clone().unwrap_or_default(),
        client_id: input.client_id.clone().unwrap_or_default(),
        scopes: vec!["email".into(), "profile".into()],
        use_userinfo: false,
        hosted_domain: None,
        discovery_ttl_secs: 3600,
    });
    let mut c = crate::sso::draft(state, name, body_id, config);
    apply_shared(state, &mut c, shared, &mut Vec::new()).await?;
    c.validate().map_err(from_connection_error)?;
    let secret = input.client_secret.clone().filter(|s| !s.is_empty());
    let Some(secret) = secret else {
        return Err(AdminError::invalid("client_secret", "Give the client secret the IdP issued for Stile."));
    };
    crate::sso::set_client_secret(state, &mut c, &secret).map_err(crypto)?;
    Ok(c)
}

/// An OIDC connection's own settings; SAML's are refused.
pub(super) fn apply(
    o: &mut OidcConfig,
    i: &ConnectionInput,
    fresh_metadata: bool,
    changed: &mut Vec<&'static str>,
) -> Result<(), AdminError> {
    let saml_only = fresh_metadata || i.idp_certificates.is_some() || i.sign_requests.is_some() || i.allow_idp_initiated.is_some();
    if saml_only {
        return Err(AdminError::invalid("kind", "IdP metadata, request signing and IdP-initiated sign-in are for SAML connections."));
    }
    if let Some(v) = &i.issuer {
        o.issuer.clone_from(v);
        changed.push("issuer");
    }
    if let Some(v) = &i.client_id {
        o.client_id.clone_from(v);
        changed.push("client_id");
    }
    if let Some(v) = &i.scopes {
        o.scopes = trimmed(v);
        changed.push("scopes");
    }
    if let Some(v) = i.use_userinfo {
        o.use_userinfo = v;
        changed.push("use_userinfo");
    }
    if let Some(v) = &i.hosted_domain {
        o.hosted_domain = Some(v.trim().to_owned()).filter(|s| !s.is_empty());
        changed.push("hosted_domain");
    }
    Ok(())
}

/// A new OIDC connection with its client secret (what `stile connection add-oidc` and the tests
/// give, as a whole connection rather than form input).
#[derive(Debug)]
pub struct NewOidc {
    pub name: String,
    /// The body's id.
    pub body: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub domains: Vec<String>,
    pub mode: Mode,
    pub show_button: bool,
    pub trust_upstream_mfa: bool,
    pub jit: bool,
    /// Besides openid; empty: email and profile.
    pub scopes: Vec<String>,
    pub use_userinfo: bool,
    pub hosted_domain: Option<String>,
}

/// Creates an OIDC connection. Superusers only.
pub async fn create_oidc(state: &AppState, actor: &AdminActor, n: NewOidc) -> Result<Connection, AdminError> {
    superuser(state, actor, "connection.create", "", Some(&n.body)).await?;
    if n.client_secret.is_empty() {
        return Err(AdminError::invalid("client_secret", "An upstream OIDC connection needs its client secret."));
    }
    let scopes = if n.scopes.is_empty() { vec!["email".into(), "profile".into()] } else { n.scopes };
    let config = KindConfig::Oidc(OidcConfig {
        issuer: n.issuer,
        client_id: n.client_id,
        scopes,
        use_userinfo: n.use_userinfo,
        hosted_domain: n.hosted_domain,
        discovery_ttl_secs: 3600,
    });
    let mut c = crate::sso::draft(state, &n.name, &n.body, config);
    c.domains = n.domains;
    c.mode = n.mode;
    c.show_button = n.show_button;
    c.trust_upstream_mfa = n.trust_upstream_mfa;
    c.jit = n.jit;
    crate::sso::set_client_secret(state, &mut c, &n.client_secret).map_err(crypto)?;
    let details = json!({ "name": c.name, "kind": c.kind().as_str() });
    write(state, actor, c, true, "connection.create", Some(details)).await
}
