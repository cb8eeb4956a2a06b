//! SCIM 2.0 (RFC 7643/7644), the protocol alone: resources as JSON, filters, PATCH and the
//! discovery documents. No database and no HTTP: `admin::ops::scim` stores what these describe
//! and `admin::scim` answers the requests.

pub mod discovery;
pub mod filter;
pub mod group;
pub mod patch;
pub mod user;

use serde_json::{Value, json};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The largest page a list returns.
pub const MAX_PAGE: i64 = 200;

/// True for the core User and Group schema URNs (attributes under them are top-level).
pub fn is_core_schema(uri: &str) -> bool {
    uri.eq_ignore_ascii_case(USER_SCHEMA) || uri.eq_ignore_ascii_case(GROUP_SCHEMA)
}

/// A SCIM error response (RFC 7644 §3.12): HTTP status, `scimType` where one applies, and a
/// detail that is safe to show (never internal error text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {scim_type:?}: {detail}")]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError { status, scim_type, detail: detail.into() }
    }
    pub fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(404, None, format!("No such {what}."))
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(409, Some("uniqueness"), detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, None, detail)
    }

    /// The response body.
    pub fn body(&self) -> Value {
        let mut v = json!({ "schemas": [ERROR_SCHEMA], "status": self.status.to_string(), "detail": self.detail });
        if let (Some(t), Some(o)) = (self.scim_type, v.as_object_mut()) {
            o.insert("scimType".into(), Value::String(t.into()));
        }
        v
    }
}

/// Paging parameters: `startIndex` is 1-based (values below 1 count as 1), `count` at most
/// [`MAX_PAGE`] (negative counts as 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub start_index: i64,
    pub count: i64,
}

impl Paging {
    pub fn new(start_index: Option<i64>, count: Option<i64>) -> Self {
        Paging { start_index: start_index.unwrap_or(1).max(1), count: count.unwrap_or(100).clamp(0, MAX_PAGE) }
    }

    /// The page of `items`.
    pub fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        let from = usize::try_from(self.start_index - 1).unwrap_or(usize::MAX);
        let n = usize::try_from(self.count).unwrap_or(0);
        items.iter().skip(from).take(n).cloned().collect()
    }
}

/// A ListResponse.
pub fn list_response(total: usize, paging: Paging, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": paging.start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// Applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) to a resource, at the top
/// level (`name.givenName` counts as `name`); `id`, `schemas` and `meta` always stay.
pub fn project(resource: &mut Value, attributes: &[String], excluded: &[String]) {
    let Some(obj) = resource.as_object_mut() else { return };
    let top = |a: &String| -> String {
        let (_, rest) = filter::split_uri(a);
        let name = if rest.is_empty() { a.as_str() } else { rest };
        name.split('.').next().unwrap_or_default().to_ascii_lowercase()
    };
    let keep: Vec<String> = attributes.iter().map(top).collect();
    let drop: Vec<String> = excluded.iter().map(top).collect();
    let always = |k: &str| matches!(k.to_ascii_lowercase().as_str(), "id" | "schemas" | "meta");
    obj.retain(|k, _| {
        let k_l = k.to_ascii_lowercase();
        if always(k) {
            return true;
        }
        // An extension object stays when one of its attributes is asked for.
        let is_ext = k_l.starts_with("urn:");
        if !keep.is_empty() {
            return keep.contains(&k_l) || (is_ext && attributes.iter().any(|a| a.to_ascii_lowercase().starts_with(&k_l)));
        }
        let whole_extension = is_ext && excluded.iter().any(|a| a.eq_ignore_ascii_case(k));
        !(drop.contains(&k_l) || whole_extension)
    });
}

/// A SCIM boolean: JSON true/false, or the strings Entra ID sends ("True", "False").
pub fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A weak ETag for a version: `W/"3"`.
pub fn etag(version: &str) -> String {
    format!("W/\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_is_bounded() {
        let items: Vec<i32> = (1..=10).collect();
        assert_eq!(Paging::new(None, None).slice(&items).len(), 10);
        assert_eq!(Paging::new(Some(3), Some(2)).slice(&items), vec![3, 4]);
        assert_eq!(Paging::new(Some(-5), Some(1)).slice(&items), vec![1]);
        assert_eq!(Paging::new(Some(11), Some(5)).slice(&items), Vec::<i32>::new());
        assert_eq!(Paging::new(Some(1), Some(-1)).count, 0);
        assert_eq!(Paging::new(Some(1), Some(100_000)).count, MAX_PAGE);
        assert_eq!(Paging::new(Some(i64::MAX), Some(5)).slice(&items), Vec::<i32>::new());
    }

    #[test]
    fn booleans_as_entra_sends_them() {
        assert_eq!(boolean(&json!("False")), Some(false));
        assert_eq!(boolean(&json!("TRUE")), Some(true));
        assert_eq!(boolean(&json!(true)), Some(true));
        assert_eq!(boolean(&json!("no")), None);
        assert_eq!(boolean(&json!(0)), None);
    }

    #[test]
    fn attributes_and_excluded_attributes() {
        let full = json!({"id": "1", "schemas": [], "meta": {}, "userName": "a", "name": {"givenName": "A"}, ENTERPRISE_SCHEMA: {"department": "D"}});
        let mut v = full.clone();
        project(&mut v, &[], &["name".into()]);
        assert!(v.get("name").is_none() && v.get("userName").is_some());
        let mut v = full.clone();
        project(&mut v, &["userName".into()], &[]);
        assert_eq!(v, json!({"id": "1", "schemas": [], "meta": {}, "userName": "a"}));
        let mut v = full;
        project(&mut v, &[format!("{ENTERPRISE_SCHEMA}:department").to_lowercase()], &[]);
        assert!(v.get(ENTERPRISE_SCHEMA).is_some() && v.get("userName").is_none());
    }

    #[test]
    fn error_body() {
        let e = ScimError::bad_request("invalidFilter", "bad");
        assert_eq!(e.body()["scimType"], "invalidFilter");
        assert_eq!(e.body()["status"], "400");
        assert!(ScimError::not_found("user").body().get("scimType").is_none());
    }
}
