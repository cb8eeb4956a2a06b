//! SAML connections: their own settings, the IdP metadata they are made from, and creating one.

use serde_json::json;

use super::check::from_connection_error;
use super::input::{ConnectionInput, Draft, apply as apply_shared};
use super::{superuser, write};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::auth::saml::config::SamlConfig;
use crate::auth::saml::metadata::{self, IdpMetadata};
use crate::sso::connection::{Connection, KindConfig};
use crate::sso::saml::{self, NewSaml, SamlAdminError};

/// A new SAML connection from form or API input: the IdP metadata, then the shared settings
/// (`shared`), checked, with its own new SP key.
pub(super) async fn from_input(state: &AppState, d: &Draft<'_>) -> Result<Connection, AdminError> {
    let (name, body_id, input, shared) = (d.name, d.body_id, d.input, d.shared);
    let md = idp_metadata(state, input).await?;
    let Some(md) = md else {
        return Err(AdminError::invalid("idp_metadata", "Paste the IdP's metadata document or give the URL it is published at."));
    };
    let mut c = crate::sso::draft(state, name, body_id, KindConfig::Saml(SamlConfig::from_metadata(&md, false)));
    apply_shared(state, &mut c, shared, &mut Vec::new()).await?;
    c.validate().map_err(from_connection_error)?;
    let mut made = saml::draft_saml(
        state,
        NewSaml {
            name: c.name.clone(),
            body: body_id.to_owned(),
            idp: md,
            domains: c.domains.clone(),
            mode: c.mode,
            show_button: c.show_button,
            trust_upstream_mfa: c.trust_upstream_mfa,
            jit: c.jit,
            sign_requests: input.sign_requests.unwrap_or(false),
            allow_idp_initiated: c.allow_idp_initiated,
        },
    )?;
    // draft_saml makes the SP key; the mapping (checked above) goes on before saving.
    made.mapping = c.mapping;
    Ok(made)
}

/// A SAML connection's own settings (`fresh_metadata`: IdP metadata given with the change);
/// OIDC's are refused.
pub(super) fn apply(
    s: &mut SamlConfig,
    i: &ConnectionInput,
    fresh_metadata: Option<IdpMetadata>,
    changed: &mut Vec<&'static str>,
) -> Result<(), AdminError> {
    let oidc_only = i.issuer.is_some()
        || i.client_id.is_some()
        || i.scopes.is_some()
        || i.use_userinfo.is_some()
        || i.hosted_domain.is_some()
        || i.client_secret.is_some();
    if oidc_only {
        return Err(AdminError::invalid(
            "kind",
            "Issuer, client id and secret, scopes, userinfo and hosted domain are for OIDC connections.",
        ));
    }
    if let Some(md) = &fresh_metadata {
        let fresh = SamlConfig::from_metadata(md, s.sign_requests);
        s.idp_entity_id = fresh.idp_entity_id;
        s.idp_sso_url = fresh.idp_sso_url;
        s.idp_certificates = fresh.idp_certificates;
        changed.push("idp_metadata");
    }
    if let Some(v) = &i.idp_certificates {
        s.idp_certificates.clone_from(v);
        changed.push("idp_certificates");
    }
    if let Some(v) = i.sign_requests {
        s.sign_requests = v;
        changed.push("sign_requests");
    }
    Ok(())
}

/// The IdP metadata from pasted XML or an http(s) URL (never a file on this server), or as the
/// command line read it.
pub(super) async fn idp_metadata(state: &AppState, i: &ConnectionInput) -> Result<Option<IdpMetadata>, AdminError> {
    let xml = i.idp_metadata_xml.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let url = i.idp_metadata_url.as_deref().map(str::trim).filter(|s| !s.is_empty());
    match (xml, url, &i.idp_metadata) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
            Err(AdminError::invalid("idp_metadata", "Give the IdP metadata either as a document or as a URL, not both."))
        }
        (Some(x), None, None) => metadata::parse_idp(x).map(Some).map_err(|e| AdminError::from(SamlAdminError::from(e))),
        (None, Some(u), None) => {
            let ok = url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "https" | "http") && p.host_str().is_some());
            if !ok {
                return Err(AdminError::invalid("idp_metadata_url", "The metadata URL must be an https:// address."));
            }
            Ok(Some(saml::read_metadata(state, u).await?))
        }
        (None, None, read) => Ok(read.clone()),
    }
}

/// Creates a SAML connection with its own new SP key. Superusers only.
pub async fn create_saml(state: &AppState, actor: &AdminActor, n: NewSaml) -> Result<Connection, AdminError> {
    superuser(state, actor, "connection.create", "", Some(&n.body)).await?;
    let c = saml::draft_saml(state, n)?;
    let details = json!({ "name": c.name, "kind": c.kind().as_str() });
    write(state, actor, c, true, "connection.create", Some(details)).await
}
