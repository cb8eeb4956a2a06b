//! The Group resource.

use serde_json::{Value, json};

use super::filter::get_ci;
use super::user::datetime;
use super::{GROUP_SCHEMA, ScimError, etag};

/// At most this many members in one Group request.
pub const MAX_MEMBERS: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct GroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    /// Member ids (`members[].value`), each once.
    pub members: Vec<String>,
}

impl GroupInput {
    pub fn parse(v: &Value) -> Result<Self, ScimError> {
        if !v.is_object() {
            return Err(ScimError::bad_request("invalidSyntax", "A Group must be a JSON object."));
        }
        let display_name = match get_ci(v, "displayName") {
            Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 256 => s.trim().to_owned(),
            _ => return Err(ScimError::bad_request("invalidValue", "displayName is required (at most 256 characters).")),
        };
        let external_id = match get_ci(v, "externalId") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.chars().count() <= 256 => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Some(_) => return Err(ScimError::bad_request("invalidValue", "externalId must be a string of at most 256 characters.")),
        };
        let mut members: Vec<String> = Vec::new();
        match get_ci(v, "members") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                if items.len() > MAX_MEMBERS {
                    return Err(ScimError::bad_request("tooMany", format!("At most {MAX_MEMBERS} members in one request.")));
                }
                for m in items {
                    let Some(id) = get_ci(m, "value").and_then(Value::as_str) else {
                        return Err(ScimError::bad_request("invalidValue", "Each member needs a value (the user's id)."));
                    };
                    if !members.iter().any(|x| x == id) {
                        members.push(id.to_owned());
                    }
                }
            }
            Some(_) => return Err(ScimError::bad_request("invalidValue", "members must be a list.")),
        }
        Ok(GroupInput { display_name, external_id, members })
    }
}

#[derive(Debug, Clone)]
pub struct GroupData<'a> {
    pub id: &'a str,
    pub display_name: &'a str,
    pub external_id: Option<&'a str>,
    /// (user id, display)
    pub members: &'a [(String, String)],
    pub created: i64,
    pub updated: i64,
    pub version: i64,
}

pub fn render(g: &GroupData<'_>, base: &str) -> Value {
    let members: Vec<Value> = g
        .members
        .iter()
        .map(|(id, display)| json!({ "value": id, "display": display, "type": "User", "$ref": format!("{base}/Users/{id}") }))
        .collect();
    let mut v = json!({
        "schemas": [GROUP_SCHEMA],
        "id": g.id,
        "displayName": g.display_name,
        "members": members,
        "meta": {
            "resourceType": "Group",
            "created": datetime(g.created),
            "lastModified": datetime(g.updated),
            "version": etag(&g.version.to_string()),
            "location": format!("{base}/Groups/{}", g.id),
        },
    });
    if let (Some(x), Some(o)) = (g.external_id, v.as_object_mut()) {
        o.insert("externalId".into(), json!(x));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read() {
        let g = GroupInput::parse(
            &json!({"displayName": " Inspectors ", "externalId": "oid-1", "members": [{"value": "u1"}, {"value": "u1"}]}),
        )
        .unwrap();
        assert_eq!(g.display_name, "Inspectors");
        assert_eq!(g.members, vec!["u1".to_owned()]);
        assert!(GroupInput::parse(&json!({"displayName": ""})).is_err());
        assert!(GroupInput::parse(&json!({"displayName": "g", "members": [{"display": "x"}]})).is_err());
        assert!(GroupInput::parse(&json!({"displayName": "g", "members": "u1"})).is_err());
    }
}
