//! What a connection shows: its settings and the URLs to give the IdP, never a secret or key.

use serde::Serialize;

use crate::admin::AdminError;
use crate::app::AppState;
use crate::sso::connection::{ClaimMapping, Connection, KindConfig, MfaTrust};
use crate::sso::saml;
use crate::store;

#[derive(Debug, Clone, Serialize)]
pub struct GroupRoleView {
    pub group: String,
    pub role_id: String,
    /// The role's name in the connection's body ("" if the role has gone).
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OidcView {
    pub issuer: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub use_userinfo: bool,
    pub hosted_domain: Option<String>,
    /// Register this at the IdP.
    pub redirect_uri: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SamlView {
    pub idp_entity_id: String,
    pub idp_sso_url: String,
    /// SHA-256 fingerprints of the trusted IdP signing certificates.
    pub idp_certificate_sha256: Vec<String>,
    pub sign_requests: bool,
    pub clock_skew_secs: i64,
    /// Give the IdP this URL (it is also our entity id).
    pub metadata_url: String,
    pub acs_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionView {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub body_id: String,
    pub body_name: String,
    pub domains: Vec<String>,
    pub mode: &'static str,
    pub show_button: bool,
    pub trust_upstream_mfa: bool,
    pub trust_upstream_phr: bool,
    pub jit: bool,
    pub allow_idp_initiated: bool,
    pub claims: ClaimMapping,
    pub group_roles: Vec<GroupRoleView>,
    pub mfa: MfaTrust,
    /// An upstream client secret (OIDC) is stored; it is never shown.
    pub has_client_secret: bool,
    pub oidc: Option<OidcView>,
    pub saml: Option<SamlView>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(super) async fn view(state: &AppState, c: Connection) -> Result<ConnectionView, AdminError> {
    let body_name = store::bodies::by_id(&state.db, &c.body_id).await?.map(|b| b.name).unwrap_or_default();
    let roles = store::catalogue::roles_of_body(&state.db, &c.body_id).await?;
    let group_roles = c
        .mapping
        .group_roles
        .iter()
        .map(|g| GroupRoleView {
            group: g.group.clone(),
            role_id: g.role_id.clone(),
            role: roles.iter().find(|r| r.id == g.role_id).map(|r| r.name.clone()).unwrap_or_default(),
        })
        .collect();
    let issuer = state.settings.issuer();
    let (oidc, saml) = match &c.config {
        KindConfig::Oidc(o) => (
            Some(OidcView {
                issuer: o.issuer.clone(),
                client_id: o.client_id.clone(),
                scopes: o.scopes.clone(),
                use_userinfo: o.use_userinfo,
                hosted_domain: o.hosted_domain.clone(),
                redirect_uri: crate::auth::upstream_oidc::redirect_uri(issuer, &c.id),
            }),
            None,
        ),
        KindConfig::Saml(s) => {
            let (metadata_url, acs_url) = saml::sp_urls(state, &c.id);
            let fingerprints = s.trusted_certs().unwrap_or_default().iter().map(|t| t.fingerprint()).collect();
            (
                None,
                Some(SamlView {
                    idp_entity_id: s.idp_entity_id.clone(),
                    idp_sso_url: s.idp_sso_url.clone(),
                    idp_certificate_sha256: fingerprints,
                    sign_requests: s.sign_requests,
                    clock_skew_secs: s.clock_skew_secs,
                    metadata_url,
                    acs_url,
                }),
            )
        }
    };
    Ok(ConnectionView {
        kind: c.kind().as_str(),
        mode: c.mode.as_str(),
        has_client_secret: c.oidc().is_some() && c.secret_encrypted.is_some(),
        body_name,
        group_roles,
        oidc,
        saml,
        id: c.id,
        name: c.name,
        body_id: c.body_id,
        domains: c.domains,
        show_button: c.show_button,
        trust_upstream_mfa: c.trust_upstream_mfa,
        trust_upstream_phr: c.trust_upstream_phr,
        jit: c.jit,
        allow_idp_initiated: c.allow_idp_initiated,
        claims: c.mapping.claims,
        mfa: c.mapping.mfa,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}
