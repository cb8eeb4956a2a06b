//! The service layer's refusals that the people and connections pages show (users, relying apps,
//! SSO connections), in the page's language. `admin::ops` words them in English for the API and
//! the command line, and a page shows them as they are; here each fixed one is looked up, by
//! its English text, as a message of the catalogue (`locales/*/admin-people.ftl`, keys
//! `refusal-…`), whose English is the same text. A unit test keeps the two the same, so a
//! change of wording in `admin::ops` is noticed rather than falling back to English silently.
//! Messages with details in them (a URL, a key's fault) are shown as they are.

use crate::admin::AdminError;
use crate::error::AppError;
use crate::web::admin::Problem;
use crate::web::say::text;

/// English text as `admin::ops` (or `clients`) words it, and its catalogue key.
const REFUSALS: [(&str, &str); 43] = [
    ("There is no such organisation.", "refusal-no-such-organisation"),
    ("This is the last superuser; make someone else a superuser first.", "refusal-last-superuser"),
    ("This email address or its domain is banned.", "refusal-banned"),
    ("An upstream OIDC connection needs its client secret.", "refusal-oidc-needs-secret"),
    ("You cannot remove your own account here.", "refusal-remove-self"),
    ("You cannot do this to your own account; ask another superuser.", "refusal-own-account"),
    ("You are not an administrator of any organisation.", "refusal-not-an-administrator"),
    ("Use RS256 or ES256.", "refusal-alg"),
    ("This invitation has been withdrawn; send a new one instead.", "refusal-invitation-withdrawn"),
    ("This invitation has already been accepted.", "refusal-invitation-accepted"),
    ("This account is disabled; enable it first.", "refusal-account-disabled"),
    ("This account is disabled, so its welcome cannot be sent again. Enable it first.", "refusal-welcome-disabled"),
    ("This account has been removed, so its welcome cannot be sent again.", "refusal-welcome-removed"),
    ("The mode must be offered or required.", "refusal-mode"),
    ("The metadata URL must be an https:// address.", "refusal-metadata-https"),
    ("The kind must be oidc or saml.", "refusal-kind"),
    (
        "The key set holds a shared-secret (oct) key. private_key_jwt needs the app's public RSA or P-256 keys; for a shared secret use client_secret_basic.",
        "refusal-jwks-oct",
    ),
    ("That setting is for SAML connections.", "refusal-saml-setting"),
    ("Search for at most 200 characters.", "refusal-search-too-long"),
    (
        "People with this email address sign in with their organisation's single sign-on, so no welcome email can be sent; leave the box unticked.",
        "refusal-welcome-sso-untick",
    ),
    (
        "People with this email address sign in with their organisation's single sign-on, so no welcome email can be sent.",
        "refusal-welcome-sso",
    ),
    ("Paste the IdP's metadata document or give the URL it is published at.", "refusal-metadata-missing"),
    (
        "Only a superuser can change the email address of an account its owner has already signed in with; they can change it themselves from their account page.",
        "refusal-email-change-superuser",
    ),
    ("Only OIDC connections have a client secret; a SAML connection's key is its own.", "refusal-saml-no-secret"),
    ("One of these email domains is already served by another connection.", "refusal-domain-taken"),
    ("Issuer, client id and secret, scopes, userinfo and hosted domain are for OIDC connections.", "refusal-oidc-settings"),
    ("IdP metadata, request signing and IdP-initiated sign-in are for SAML connections.", "refusal-saml-settings"),
    ("Give the client secret the IdP issued for Stile.", "refusal-give-secret"),
    ("Give the IdP metadata either as a document or as a URL, not both.", "refusal-metadata-both"),
    ("Choose the organisation whose staff sign in through this connection.", "refusal-connection-organisation"),
    ("Choose the organisation the app administers.", "refusal-app-organisation"),
    ("Choose the level of access: none, superuser or body (one organisation).", "refusal-access-level"),
    (
        "Choose how the app authenticates: client_secret_basic, client_secret_post, private_key_jwt or none (a public app).",
        "refusal-auth-method",
    ),
    ("Change the client secret with its own action (rotate the secret).", "refusal-secret-own-action"),
    ("A name must be at most 200 characters, without control characters.", "refusal-name"),
    ("A connection's organisation cannot be changed; add a new connection instead.", "refusal-connection-organisation-fixed"),
    ("A connection's kind cannot be changed; add a new connection instead.", "refusal-connection-kind-fixed"),
    ("A client's id cannot be changed.", "refusal-client-id-fixed"),
    ("a client needs a name", "refusal-client-name"),
    ("a client needs at least one grant type: authorization_code, refresh_token or client_credentials", "refusal-client-grant"),
    ("the authorization_code grant needs at least one redirect URI", "refusal-client-redirect"),
    ("the refresh_token grant needs the authorization_code grant as well", "refusal-client-refresh"),
    ("This client has no secret to rotate: it is public, or authenticates with its own key (private_key_jwt).", "refusal-client-public"),
];

/// A service-layer refusal for the form, in the page's language where the catalogue has it
/// (see [`Problem::from_admin`] for what is shown on the form and what goes to the error pages).
pub fn problem(e: AdminError) -> Result<Problem, AppError> {
    let mut p = Problem::from_admin(e)?;
    if let Some((_, key)) = REFUSALS.iter().find(|(en, _)| *en == p.message) {
        p.message = text(key);
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Tr};

    /// Where the English texts are written.
    const SOURCES: [&str; 12] = [
        include_str!("../../../admin/ops/clients.rs"),
        include_str!("../../../admin/ops/users.rs"),
        include_str!("../../../admin/ops/invitations.rs"),
        include_str!("../../../admin/ops/user_activity.rs"),
        include_str!("../../../admin/ops/mod.rs"),
        include_str!("../../../admin/ops/connections/mod.rs"),
        include_str!("../../../admin/ops/connections/oidc.rs"),
        include_str!("../../../admin/ops/connections/saml.rs"),
        include_str!("../../../admin/ops/connections/check.rs"),
        include_str!("../../../admin/ops/user_list.rs"),
        include_str!("../../../admin/error.rs"),
        include_str!("../../../clients.rs"),
    ];

    #[test]
    fn refusals_match_the_service_layer_and_the_catalogue() {
        let en = Tr::plain(Lang::EnGb);
        let cy = Tr::plain(Lang::CyGb);
        for (english, key) in REFUSALS {
            assert_eq!(en.get(key).0, english, "the catalogue's English of {key}");
            assert!(cy.get(key).0 != english && crate::i18n::has(Lang::CyGb, key), "{key} has Welsh");
            // Long texts are split over lines in the source: look for their first words.
            let start: String = english.chars().take(40).collect();
            let start = start.rsplit_once(' ').map(|(s, _)| s).unwrap_or(&start);
            assert!(SOURCES.iter().any(|s| s.contains(start)), "{english:?} is no longer written in admin::ops");
        }
    }
}
