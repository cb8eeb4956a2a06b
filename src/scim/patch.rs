//! SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: the caller renders the stored
//! resource, applies the operations here, and replaces the resource with the result (the same
//! path as PUT). Accepts the shapes Entra ID sends: `op` in any case (`Replace`), `replace` with
//! no path and an object value (whose keys may themselves be paths, `name.givenName`), and
//! `add`/`remove` on `members` with a list of `{ "value": id }`.

use serde_json::{Map, Value};

use super::ScimError;
use super::filter::{self, AttrPath, Filter, get_ci};

pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// At most this many operations in one request.
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Replace,
    Remove,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub op: Op,
    pub path: Option<Path>,
    pub value: Option<Value>,
}

/// `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`, optionally schema-qualified.
#[derive(Debug, Clone)]
pub struct Path {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

impl Path {
    pub fn parse(s: &str) -> Result<Self, ScimError> {
        let s = s.trim();
        let bad = || ScimError::bad_request("invalidPath", format!("{s:?} is not a path this service understands."));
        if let Some(open) = s.find('[') {
            let close = s.rfind(']').ok_or_else(bad)?;
            let attr = AttrPath::parse(s.get(..open).ok_or_else(bad)?).map_err(|_| bad())?;
            if attr.sub.is_some() {
                return Err(bad());
            }
            let inner = s.get(open + 1..close).ok_or_else(bad)?;
            let f = filter::parse(inner).map_err(|e| ScimError::bad_request("invalidFilter", e.0))?;
            let rest = s.get(close + 1..).unwrap_or("");
            let sub = match rest.strip_prefix('.') {
                Some(sub) if !sub.is_empty() && sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Some(sub.to_owned()),
                None if rest.is_empty() => None,
                _ => return Err(bad()),
            };
            return Ok(Path { attr, filter: Some(f), sub });
        }
        // The whole Enterprise extension (`"path": "urn:…:enterprise:2.0:User"`): a top-level member.
        if s.eq_ignore_ascii_case(super::ENTERPRISE_SCHEMA) {
            let attr = AttrPath { uri: None, attr: super::ENTERPRISE_SCHEMA.to_owned(), sub: None };
            return Ok(Path { attr, filter: None, sub: None });
        }
        let attr = AttrPath::parse(s).map_err(|_| bad())?;
        Ok(Path { attr, filter: None, sub: None })
    }
}

/// Reads a PatchOp request body.
pub fn parse_request(body: &Value) -> Result<Vec<Operation>, ScimError> {
    let ops = get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::bad_request("invalidSyntax", "A PATCH request needs an Operations list."))?;
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::bad_request("tooMany", format!("At most {MAX_OPERATIONS} operations in one request.")));
    }
    let mut out = Vec::new();
    for o in ops {
        let op = match get_ci(o, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("add") => Op::Add,
            Some("replace") => Op::Replace,
            Some("remove") => Op::Remove,
            _ => return Err(ScimError::bad_request("invalidSyntax", "Each operation's op must be add, replace or remove.")),
        };
        let path = match get_ci(o, "path") {
            Some(Value::String(p)) if !p.trim().is_empty() => Some(Path::parse(p)?),
            None | Some(Value::Null) => None,
            Some(Value::String(_)) => None,
            Some(_) => return Err(ScimError::bad_request("invalidPath", "path must be a string.")),
        };
        let value = get_ci(o, "value").cloned();
        if op == Op::Remove && path.is_none() {
            return Err(ScimError::bad_request("noTarget", "A remove operation needs a path."));
        }
        if op != Op::Remove && value.is_none() {
            return Err(ScimError::bad_request("invalidValue", "An add or replace operation needs a value."));
        }
        out.push(Operation { op, path, value });
    }
    Ok(out)
}

/// Applies the operations to `resource` in order.
pub fn apply(resource: &mut Value, ops: &[Operation]) -> Result<(), ScimError> {
    for o in ops {
        match &o.path {
            None => {
                // No path: the value is an object whose members are each set (add/replace).
                let Some(Value::Object(members)) = &o.value else {
                    return Err(ScimError::bad_request("invalidValue", "Without a path the value must be an object."));
                };
                for (k, v) in members {
                    if is_extension_urn(k) && v.is_object() {
                        // An extension object: merge its attributes.
                        let target = object_member(resource, k)?;
                        if let (Value::Object(t), Value::Object(src)) = (target, v) {
                            for (a, b) in src {
                                set_ci(t, a, b.clone());
                            }
                        }
                        continue;
                    }
                    let path = Path::parse(k)?;
                    apply_one(resource, o.op, &path, Some(v))?;
                }
            }
            Some(path) => apply_one(resource, o.op, path, o.value.as_ref())?,
        }
        if o.op != Op::Remove {
            one_primary(resource);
        }
    }
    Ok(())
}

/// RFC 7643 §2.4: at most one value of a multi-valued attribute is primary; the one just added
/// or set (the last) wins.
fn one_primary(resource: &mut Value) {
    let Some(obj) = resource.as_object_mut() else { return };
    for v in obj.values_mut() {
        let Value::Array(items) = v else { continue };
        let primaries: Vec<usize> =
            items.iter().enumerate().filter(|(_, i)| get_ci(i, "primary").and_then(super::boolean) == Some(true)).map(|(n, _)| n).collect();
        if let Some((_, earlier)) = primaries.split_last() {
            for n in earlier {
                if let Some(Value::Object(m)) = items.get_mut(*n) {
                    set_ci(m, "primary", Value::Bool(false));
                }
            }
        }
    }
}

fn is_extension_urn(k: &str) -> bool {
    k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) && !super::is_core_schema(k)
}

/// The object a path lives in: the resource, or its extension object (made when missing).
fn container<'a>(resource: &'a mut Value, path: &AttrPath) -> Result<&'a mut Map<String, Value>, ScimError> {
    match &path.uri {
        Some(uri) if !super::is_core_schema(uri) => match object_member(resource, uri)? {
            Value::Object(m) => Ok(m),
            _ => Err(ScimError::bad_request("invalidPath", "That extension is not an object.")),
        },
        _ => resource.as_object_mut().ok_or_else(|| ScimError::bad_request("invalidPath", "The resource is not an object.")),
    }
}

/// The member `name` of `resource` (case-insensitive), made an empty object when missing.
fn object_member<'a>(resource: &'a mut Value, name: &str) -> Result<&'a mut Value, ScimError> {
    let obj = resource.as_object_mut().ok_or_else(|| ScimError::bad_request("invalidPath", "The resource is not an object."))?;
    let key = obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_owned());
    let v = obj.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if v.is_null() {
        *v = Value::Object(Map::new());
    }
    Ok(v)
}

fn key_ci(obj: &Map<String, Value>, name: &str) -> Option<String> {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn member_mut<'a>(obj: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    obj.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn set_ci(obj: &mut Map<String, Value>, name: &str, v: Value) {
    let key = key_ci(obj, name).unwrap_or_else(|| name.to_owned());
    obj.insert(key, v);
}

fn remove_ci(obj: &mut Map<String, Value>, name: &str) {
    if let Some(k) = key_ci(obj, name) {
        obj.remove(&k);
    }
}

fn apply_one(resource: &mut Value, op: Op, path: &Path, value: Option<&Value>) -> Result<(), ScimError> {
    let obj = container(resource, &path.attr)?;
    let attr = path.attr.attr.as_str();
    match (&path.filter, &path.attr.sub) {
        // attr[filter] or attr[filter].sub on a multi-valued attribute.
        (Some(f), _) => {
            let key = key_ci(obj, attr).unwrap_or_else(|| attr.to_owned());
            let list = obj.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if !list.is_array() {
                *list = Value::Array(Vec::new());
            }
            let Value::Array(items) = list else { return Ok(()) };
            match op {
                Op::Remove => match &path.sub {
                    None => items.retain(|i| !filter::item_matches(f, i, attr)),
                    Some(sub) => {
                        for i in items.iter_mut().filter(|i| filter::item_matches(f, i, attr)) {
                            if let Value::Object(m) = i {
                                remove_ci(m, sub);
                            }
                        }
                    }
                },
                Op::Add | Op::Replace => {
                    let value = value.cloned().unwrap_or(Value::Null);
                    let mut hit = false;
                    for i in items.iter_mut().filter(|i| filter::item_matches(f, i, attr)) {
                        hit = true;
                        match (&path.sub, i) {
                            (Some(sub), Value::Object(m)) => set_ci(m, sub, value.clone()),
                            (None, slot) => *slot = value.clone(),
                            _ => {}
                        }
                    }
                    if !hit {
                        // Entra ID replaces `emails[type eq "work"].value` on a user that has no
                        // work address yet: make the element the filter describes.
                        let mut made = seed_from_filter(f);
                        match (&path.sub, &mut made) {
                            (Some(sub), Value::Object(m)) => set_ci(m, sub, value),
                            (None, _) => made = value,
                            _ => {}
                        }
                        items.push(made);
                    }
                }
            }
        }
        // attr.sub on a complex attribute (name.givenName).
        (None, Some(sub)) => {
            let key = key_ci(obj, attr).unwrap_or_else(|| attr.to_owned());
            let parent = obj.entry(key).or_insert_with(|| Value::Object(Map::new()));
            match parent {
                Value::Object(m) => match op {
                    Op::Remove => remove_ci(m, sub),
                    Op::Add | Op::Replace => set_ci(m, sub, value.cloned().unwrap_or(Value::Null)),
                },
                // A sub-attribute of a multi-valued attribute: every element.
                Value::Array(items) => {
                    for i in items.iter_mut() {
                        if let Value::Object(m) = i {
                            match op {
                                Op::Remove => remove_ci(m, sub),
                                Op::Add | Op::Replace => set_ci(m, sub, value.cloned().unwrap_or(Value::Null)),
                            }
                        }
                    }
                }
                other => {
                    if op != Op::Remove {
                        let mut m = Map::new();
                        m.insert(sub.clone(), value.cloned().unwrap_or(Value::Null));
                        *other = Value::Object(m);
                    }
                }
            }
        }
        (None, None) => match op {
            Op::Remove => match (value, member_mut(obj, attr)) {
                // `remove members` with a value list: take out just those (Entra ID's shape).
                (Some(Value::Array(which)), Some(Value::Array(items))) => {
                    let ids: Vec<&Value> = which.iter().filter_map(|w| get_ci(w, "value")).collect();
                    items.retain(|i| !get_ci(i, "value").is_some_and(|v| ids.contains(&v)));
                }
                _ => remove_ci(obj, attr),
            },
            Op::Add => {
                let value = value.cloned().unwrap_or(Value::Null);
                match (member_mut(obj, attr), value) {
                    // Adding to a multi-valued attribute appends (skipping values already there).
                    (Some(Value::Array(items)), Value::Array(new)) => {
                        for n in new {
                            let dup = items
                                .iter()
                                .any(|i| *i == n || (get_ci(&n, "value").is_some() && get_ci(i, "value") == get_ci(&n, "value")));
                            if !dup {
                                items.push(n);
                            }
                        }
                    }
                    (Some(Value::Object(existing)), Value::Object(new)) => {
                        for (k, v) in new {
                            set_ci(existing, &k, v);
                        }
                    }
                    (_, v) => set_ci(obj, attr, v),
                }
            }
            Op::Replace => {
                let value = value.cloned().unwrap_or(Value::Null);
                match (member_mut(obj, attr), value) {
                    (Some(Value::Object(existing)), Value::Object(new)) => {
                        for (k, v) in new {
                            set_ci(existing, &k, v);
                        }
                    }
                    (_, v) => set_ci(obj, attr, v),
                }
            }
        },
    }
    Ok(())
}

/// The element a filter such as `type eq "work"` describes, for an add that matched nothing.
fn seed_from_filter(f: &Filter) -> Value {
    let mut m = Map::new();
    fn walk(f: &Filter, m: &mut Map<String, Value>) {
        match f {
            Filter::Compare(p, filter::CompareOp::Eq, v) if p.sub.is_none() => {
                m.insert(p.attr.clone(), v.clone());
            }
            Filter::And(a, b) => {
                walk(a, m);
                walk(b, m);
            }
            _ => {}
        }
    }
    walk(f, &mut m);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(resource: Value, body: Value) -> Value {
        let mut r = resource;
        apply(&mut r, &parse_request(&body).unwrap()).unwrap();
        r
    }

    #[test]
    fn entra_replace_without_path_and_boolean_strings_kept_as_given() {
        let r = run(
            json!({"userName": "a@b.org", "active": true}),
            json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "Replace", "value": {"active": "False", "name.givenName": "Jo"}}]}),
        );
        assert_eq!(r["active"], "False");
        assert_eq!(r["name"]["givenName"], "Jo");
    }

    #[test]
    fn filtered_paths_replace_or_make_the_element() {
        let body = json!({"Operations": [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@b.org"}]});
        let r = run(json!({"emails": [{"type": "work", "value": "old@b.org"}]}), body.clone());
        assert_eq!(r["emails"], json!([{"type": "work", "value": "new@b.org"}]));
        let r = run(json!({}), body);
        assert_eq!(r["emails"], json!([{"type": "work", "value": "new@b.org"}]));
    }

    #[test]
    fn members_add_and_remove() {
        let g = json!({"displayName": "g", "members": [{"value": "u1"}]});
        let r = run(g.clone(), json!({"Operations": [{"op": "Add", "path": "members", "value": [{"value": "u2"}, {"value": "u1"}]}]}));
        assert_eq!(r["members"], json!([{"value": "u1"}, {"value": "u2"}]));
        let r = run(r, json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]}));
        assert_eq!(r["members"], json!([{"value": "u2"}]));
        let r = run(r, json!({"Operations": [{"op": "remove", "path": "members[value eq \"u2\"]"}]}));
        assert_eq!(r["members"], json!([]));
        let r = run(g, json!({"Operations": [{"op": "remove", "path": "members"}]}));
        assert!(r.get("members").is_none());
    }

    #[test]
    fn extension_attributes() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let r = run(json!({}), json!({"Operations": [{"op": "add", "path": format!("{urn}:department"), "value": "Roads"}]}));
        assert_eq!(r[urn]["department"], "Roads");
        let r = run(r, json!({"Operations": [{"op": "replace", "value": {urn: {"employeeNumber": "7"}}}]}));
        assert_eq!(r[urn], json!({"department": "Roads", "employeeNumber": "7"}));
    }

    #[test]
    fn the_whole_extension_by_path() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let r = run(json!({}), json!({"Operations": [{"op": "add", "path": urn, "value": {"department": "Roads"}}]}));
        assert_eq!(r, json!({urn: {"department": "Roads"}}));
        let r = run(r, json!({"Operations": [{"op": "remove", "path": urn}]}));
        assert_eq!(r, json!({}));
    }

    #[test]
    fn malformed_requests_are_refused() {
        for body in [
            json!({}),
            json!({"Operations": [{"op": "move", "path": "a", "value": 1}]}),
            json!({"Operations": [{"op": "remove"}]}),
            json!({"Operations": [{"op": "add", "path": "a"}]}),
            json!({"Operations": [{"op": "add", "path": "emails[type eq]", "value": 1}]}),
            json!({"Operations": [{"op": "add", "path": 3, "value": 1}]}),
        ] {
            assert!(parse_request(&body).is_err(), "{body}");
        }
        let ops = parse_request(&json!({"Operations": [{"op": "add", "value": 3}]})).unwrap();
        assert!(apply(&mut json!({}), &ops).is_err());
    }
}
