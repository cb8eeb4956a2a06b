//! What every connection must hold before it is stored (its organisation, roles of its own)
//! and how refusals read in a form, the API or the command line.

use crate::admin::AdminError;
use crate::app::AppState;
use crate::sso::connection::{Connection, ConnectionError, Mode};
use crate::sso::saml::SamlAdminError;
use crate::store;

pub(super) fn from_connection_error(e: ConnectionError) -> AdminError {
    use ConnectionError as E;
    let field = match &e {
        E::NoName | E::LongName => "name",
        E::BadDomain(_) | E::DuplicateDomain(_) | E::RequiredWithoutDomains => "domains",
        E::BadIssuer(_) => "issuer",
        E::NoClientId => "client_id",
        E::EmptyClaim(_) => "claims",
        E::DuplicateGroup(_) | E::EmptyGroup => "group_roles",
        E::BadHostedDomain(_) => "hosted_domain",
        E::BadTtl => "discovery_ttl_secs",
        E::Saml(_) => "idp_metadata",
    };
    AdminError::invalid(field, e.to_string())
}

/// The store's unique-domain refusal, in words a form can show.
pub(super) fn domain_conflict(e: store::StoreError) -> AdminError {
    match e {
        store::StoreError::Conflict(_) => {
            AdminError::invalid("domains", "One of these email domains is already served by another connection.")
        }
        other => AdminError::Store(other),
    }
}

pub(super) fn crypto(e: crate::tokens::master_key::MasterKeyError) -> AdminError {
    AdminError::Internal(e.to_string())
}

impl From<SamlAdminError> for AdminError {
    fn from(e: SamlAdminError) -> Self {
        match e {
            e @ SamlAdminError::Metadata(_) => AdminError::invalid("idp_metadata", e.to_string()),
            // Only our own plain-words reasons are shown; a transport error's text stays in the log.
            SamlAdminError::Read(url, why) if why.starts_with("the ") => {
                AdminError::invalid("idp_metadata_url", format!("The IdP metadata could not be read from {url}: {why}."))
            }
            SamlAdminError::Read(url, why) => {
                tracing::info!(%url, %why, "IdP metadata fetch failed");
                AdminError::invalid("idp_metadata_url", format!("The IdP metadata could not be fetched from {url}."))
            }
            SamlAdminError::NotSaml => AdminError::invalid("kind", "That setting is for SAML connections."),
            other => AdminError::Internal(other.to_string()),
        }
    }
}

pub(super) fn mode(s: &str) -> Result<Mode, AdminError> {
    Mode::parse(s).ok_or_else(|| AdminError::invalid("mode", "The mode must be offered or required."))
}

/// A role of the body, by id or name (case-insensitive).
pub async fn find_role(state: &AppState, body_id: &str, name_or_id: &str) -> Result<String, AdminError> {
    let roles = store::catalogue::roles_of_body(&state.db, body_id).await?;
    if let Some(r) = roles.iter().find(|r| r.id == name_or_id || r.name.eq_ignore_ascii_case(name_or_id)) {
        return Ok(r.id.clone());
    }
    let body = store::bodies::by_id(&state.db, body_id).await?.map(|b| b.name).unwrap_or_else(|| body_id.to_owned());
    let have: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
    let have = if have.is_empty() { "none".to_owned() } else { have.join(", ") };
    Err(AdminError::invalid("group_roles", format!("{body} has no role {name_or_id:?}; it has: {have}")))
}

/// The body exists, and every mapped role is one of its own.
pub(super) async fn check_references(state: &AppState, c: &Connection) -> Result<(), AdminError> {
    if store::bodies::by_id(&state.db, &c.body_id).await?.is_none() {
        return Err(AdminError::invalid("body_id", "There is no such organisation."));
    }
    let roles = store::catalogue::roles_of_body(&state.db, &c.body_id).await?;
    for gr in &c.mapping.group_roles {
        if !roles.iter().any(|r| r.id == gr.role_id) {
            find_role(state, &c.body_id, &gr.role_id).await?;
        }
    }
    Ok(())
}
