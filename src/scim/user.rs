//! The User resource: reading one sent by a directory, and writing one Stile holds.

use serde_json::{Map, Value, json};

use super::filter::get_ci;
use super::{ENTERPRISE_SCHEMA, ScimError, USER_SCHEMA, boolean, etag};

/// The attributes Stile keeps in columns of its own (or never keeps: `password`, `groups`);
/// the rest of a User is kept as sent, in `attributes`.
const OWNED: &[&str] = &["id", "meta", "schemas", "userName", "displayName", "active", "externalId", "password", "groups"];

/// The most JSON kept per user for attributes Stile does not use.
pub const MAX_ATTRIBUTES_BYTES: usize = 16 * 1024;

/// A User as a directory sends it (POST, PUT, or the result of a PATCH).
#[derive(Debug, Clone, PartialEq)]
pub struct UserInput {
    /// The sign-in email address, as sent (the caller checks and normalises it).
    pub user_name: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub active: bool,
    /// Everything else: `name`, `emails`, `title`, the Enterprise extension, ...
    pub attributes: Map<String, Value>,
}

fn text(v: Option<&Value>, field: &str, max: usize) -> Result<Option<String>, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(Value::String(_)) => Err(ScimError::bad_request("invalidValue", format!("{field} must be at most {max} characters."))),
        Some(_) => Err(ScimError::bad_request("invalidValue", format!("{field} must be a string."))),
    }
}

impl UserInput {
    pub fn parse(v: &Value) -> Result<Self, ScimError> {
        if !v.is_object() {
            return Err(ScimError::bad_request("invalidSyntax", "A User must be a JSON object."));
        }
        let user_name = text(get_ci(v, "userName"), "userName", 320)?
            .ok_or_else(|| ScimError::bad_request("invalidValue", "userName (the email address) is required."))?;
        let external_id = text(get_ci(v, "externalId"), "externalId", 256)?;
        let active = match get_ci(v, "active") {
            None | Some(Value::Null) => true,
            Some(a) => boolean(a).ok_or_else(|| ScimError::bad_request("invalidValue", "active must be true or false."))?,
        };
        let name = get_ci(v, "name");
        let formatted = name.and_then(|n| get_ci(n, "formatted")).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let parts: Vec<&str> = ["givenName", "familyName"]
            .iter()
            .filter_map(|k| name.and_then(|n| get_ci(n, k)).and_then(Value::as_str))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let display_name = match text(get_ci(v, "displayName"), "displayName", 200)? {
            Some(d) => d,
            None => formatted.map(str::to_owned).unwrap_or_else(|| parts.join(" ")),
        };
        let mut attributes = Map::new();
        if let Some(o) = v.as_object() {
            for (k, val) in o {
                if OWNED.iter().any(|x| x.eq_ignore_ascii_case(k)) || val.is_null() {
                    continue;
                }
                // Canonical case for the extension URN, so a later read finds it.
                let key = if k.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) { ENTERPRISE_SCHEMA.to_owned() } else { k.clone() };
                attributes.insert(key, val.clone());
            }
        }
        if serde_json::to_vec(&attributes).map(|b| b.len()).unwrap_or(usize::MAX) > MAX_ATTRIBUTES_BYTES {
            return Err(ScimError::new(413, Some("tooLarge"), "This user's attributes are too large."));
        }
        Ok(UserInput { user_name, display_name, external_id, active, attributes })
    }
}

/// A User as Stile holds it, for rendering.
#[derive(Debug, Clone)]
pub struct UserData<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub external_id: Option<&'a str>,
    pub active: bool,
    pub attributes: &'a Map<String, Value>,
    pub created: i64,
    pub updated: i64,
    pub version: String,
    pub groups: &'a [(String, String)],
}

/// RFC 3339 for `meta`.
pub fn datetime(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

pub fn render(u: &UserData<'_>, base: &str) -> Value {
    let mut out = Map::new();
    let mut schemas = vec![Value::String(USER_SCHEMA.into())];
    if u.attributes.contains_key(ENTERPRISE_SCHEMA) {
        schemas.push(Value::String(ENTERPRISE_SCHEMA.into()));
    }
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert("id".into(), json!(u.id));
    if let Some(x) = u.external_id {
        out.insert("externalId".into(), json!(x));
    }
    out.insert("userName".into(), json!(u.email));
    out.insert("displayName".into(), json!(u.display_name));
    out.insert("active".into(), json!(u.active));
    for (k, v) in u.attributes {
        out.insert(k.clone(), v.clone());
    }
    if !out.contains_key("emails") {
        out.insert("emails".into(), json!([{ "value": u.email, "type": "work", "primary": true }]));
    }
    if !u.groups.is_empty() {
        let groups: Vec<Value> =
            u.groups.iter().map(|(id, name)| json!({ "value": id, "display": name, "$ref": format!("{base}/Groups/{id}") })).collect();
        out.insert("groups".into(), Value::Array(groups));
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": datetime(u.created),
            "lastModified": datetime(u.updated),
            "version": etag(&u.version),
            "location": format!("{base}/Users/{}", u.id),
        }),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_create_body_is_read() {
        let v = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "externalId": "8f3c",
            "userName": "Jane.Doe@camden.gov.uk",
            "active": "True",
            "displayName": "Jane Doe",
            "emails": [{"primary": true, "type": "work", "value": "Jane.Doe@camden.gov.uk"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane"},
            "urn:ietf:params:scim:schemas:extension:Enterprise:2.0:User": {"employeeNumber": "42", "department": "Roads", "manager": {"value": "m1"}}
        });
        let u = UserInput::parse(&v).unwrap();
        assert_eq!(u.user_name, "Jane.Doe@camden.gov.uk");
        assert_eq!(u.display_name, "Jane Doe");
        assert_eq!(u.external_id.as_deref(), Some("8f3c"));
        assert!(u.active);
        assert_eq!(u.attributes[ENTERPRISE_SCHEMA]["department"], "Roads");
        assert!(!u.attributes.contains_key("meta"));
    }

    #[test]
    fn display_name_from_name_parts_and_bad_values() {
        let u = UserInput::parse(&json!({"userName": "a@b.org", "name": {"givenName": "A", "familyName": "B"}})).unwrap();
        assert_eq!(u.display_name, "A B");
        assert!(UserInput::parse(&json!({"displayName": "x"})).is_err());
        assert!(UserInput::parse(&json!({"userName": 3})).is_err());
        assert!(UserInput::parse(&json!({"userName": "a@b.org", "active": "maybe"})).is_err());
        assert!(UserInput::parse(&json!([1])).is_err());
        let big = "x".repeat(MAX_ATTRIBUTES_BYTES);
        assert_eq!(UserInput::parse(&json!({"userName": "a@b.org", "title": big})).unwrap_err().status, 413);
    }

    #[test]
    fn render_round_trips() {
        let attrs = Map::new();
        let d = UserData {
            id: "u1",
            email: "a@b.org",
            display_name: "A",
            external_id: Some("e"),
            active: false,
            attributes: &attrs,
            created: 0,
            updated: 1,
            version: "2".into(),
            groups: &[],
        };
        let v = render(&d, "https://x/scim/v2");
        assert_eq!(v["meta"]["version"], "W/\"2\"");
        assert_eq!(v["meta"]["created"], "1970-01-01T00:00:00Z");
        assert_eq!(v["emails"][0]["value"], "a@b.org");
        let back = UserInput::parse(&v).unwrap();
        assert!(!back.active);
        assert_eq!(back.external_id.as_deref(), Some("e"));
    }
}
