//! The claims a relying app receives about a user: standard OIDC claims by scope, and per-body
//! authorisation filtered to the client's permission namespaces.

use serde_json::{Map, Value, json};

use crate::clients::Client;
use crate::store::{self, Db, StoreError, users::UserRow};

/// `bodies` (and the flat `roles` for a client bound to one body) for `user` as `client` sees
/// them. Bodies that are not active are left out: their members cannot act for them. Two
/// queries, however many bodies the user is in (`store::memberships::details_of_user`).
pub async fn authorisation(db: &Db, user: &UserRow, client: &Client) -> Result<Map<String, Value>, StoreError> {
    let mut bodies = Vec::new();
    let mut flat_roles: Option<Vec<String>> = client.body_id.as_ref().map(|_| Vec::new());
    for d in store::memberships::details_of_user(db, &user.id).await? {
        let Some(m) = d.membership.as_ref() else { continue };
        // A suspended body, or a member its directory disabled (SCIM), grants nothing.
        if !m.is_live() {
            continue;
        }
        let roles: Vec<String> = d.roles.iter().map(|(_, n)| n.clone()).collect();
        let permissions: Vec<&String> = d
            .permissions
            .iter()
            .filter(|p| client.permission_namespaces.iter().any(|ns| p.strip_prefix(ns.as_str()).is_some_and(|rest| rest.starts_with(':'))))
            .collect();
        let workstreams: Vec<Value> = d.workstreams.iter().map(|(prefix, access)| json!({ "prefix": prefix, "access": access })).collect();
        if client.body_id.as_deref() == Some(m.body_id.as_str())
            && let Some(flat) = flat_roles.as_mut()
        {
            flat.extend(roles.iter().cloned());
        }
        bodies.push(json!({
            "id": m.body_id,
            "name": m.body_name,
            "kind": m.body_kind,
            "roles": roles,
            "permissions": permissions,
            "workstreams": workstreams,
            "areas": d.areas,
        }));
    }
    let mut out = Map::new();
    out.insert("bodies".into(), Value::Array(bodies));
    if let Some(flat) = flat_roles {
        out.insert("roles".into(), json!(flat));
    }
    Ok(out)
}

/// Name parts: we hold one name; given and family names are derived only when it has at least
/// two words (the last word is taken as the family name).
fn name_parts(name: &str) -> Option<(String, String)> {
    let name = name.trim();
    let (given, family) = name.rsplit_once(' ')?;
    let given = given.trim();
    if given.is_empty() || family.is_empty() {
        return None;
    }
    Some((given.to_owned(), family.to_owned()))
}

/// Standard claims for the granted scopes. `force` names claims a client always receives in its
/// ID token whatever the scope (FixMyStreet reads name and email from the ID token).
pub fn standard(user: &UserRow, scopes: &[&str], force: &[String]) -> Map<String, Value> {
    let want = |claim: &str, scope: &str| scopes.contains(&scope) || force.iter().any(|f| f == claim);
    let mut out = Map::new();
    if want("name", "profile") && !user.name.trim().is_empty() {
        out.insert("name".into(), json!(user.name.trim()));
    }
    if let Some((given, family)) = name_parts(&user.name) {
        if want("given_name", "profile") {
            out.insert("given_name".into(), json!(given));
        }
        if want("family_name", "profile") {
            out.insert("family_name".into(), json!(family));
        }
    }
    // The saved language only (issue 18): a browser's guess is not the person's.
    if want("locale", "profile")
        && let Some(lang) = user.language.as_deref().and_then(crate::i18n::Lang::parse)
    {
        out.insert("locale".into(), json!(lang.tag()));
    }
    if want("email", "email") || want("email_verified", "email") {
        // The address only once it is verified: an unverified one must not be trusted as identity.
        if user.is_email_verified() {
            out.insert("email".into(), json!(user.email));
        }
        out.insert("email_verified".into(), json!(user.is_email_verified()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, verified: bool) -> UserRow {
        UserRow {
            id: "u".into(),
            email: "a@b.org".into(),
            email_verified: i64::from(verified),
            name: name.into(),
            password_hash: None,
            superuser: 0,
            flagged: 0,
            disabled: 0,
            created_at: 0,
            updated_at: 0,
            last_login_at: None,
            language: None,
        }
    }

    #[test]
    fn scopes_and_forced_claims() {
        let u = user("Ada King Lovelace", true);
        let c = standard(&u, &["openid"], &[]);
        assert!(c.is_empty());
        let c = standard(&u, &["openid", "profile", "email"], &[]);
        assert_eq!(c["name"], "Ada King Lovelace");
        assert_eq!(c["given_name"], "Ada King");
        assert_eq!(c["family_name"], "Lovelace");
        assert_eq!(c["email"], "a@b.org");
        let c = standard(&u, &["openid"], &["email".into(), "name".into()]);
        assert_eq!(c["email"], "a@b.org");
        assert_eq!(c["name"], "Ada King Lovelace");
        assert!(!c.contains_key("given_name"));
    }

    #[test]
    fn unverified_email_is_withheld() {
        let u = user("Solo", false);
        let c = standard(&u, &["email", "profile"], &[]);
        assert!(!c.contains_key("email"));
        assert_eq!(c["email_verified"], false);
        assert!(!c.contains_key("family_name"));
    }
}
