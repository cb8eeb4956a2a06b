//! SCIM filters (RFC 7644 §3.4.2.2): a small recursive-descent parser and an evaluator over a
//! resource's JSON. No crate fitted: `scim-filter` (last release January 2024, nom 7) filters
//! whole serialized collections rather than giving a tree, and `scim_v2` is one person's
//! model set. The parser refuses input longer than [`MAX_LEN`] or nested deeper than
//! [`MAX_DEPTH`], so no filter can exhaust the stack; the unit tests throw random input at it.

use serde_json::Value;

/// The longest filter accepted, in bytes.
pub const MAX_LEN: usize = 4096;
/// The deepest nesting of parentheses, `not (...)` and `attr[...]` accepted.
pub const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(AttrPath),
    Compare(AttrPath, CompareOp, Value),
    /// `emails[type eq "work"]`: an element of the multi-valued `attr` matches the inner filter.
    ValuePath(AttrPath, Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// `urn:...:User:name.givenName` → uri `urn:...:User`, attr `name`, sub `givenName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub uri: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// Parses a path such as `userName`, `emails.value` or a schema-qualified one.
    pub fn parse(s: &str) -> Result<Self, FilterError> {
        let (uri, rest) = split_uri(s);
        let (attr, sub) = match rest.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        if !is_attr_name(attr) || sub.is_some_and(|s| !is_attr_name(s)) {
            return Err(FilterError(format!("{s:?} is not an attribute path")));
        }
        Ok(AttrPath { uri: uri.map(str::to_owned), attr: attr.to_owned(), sub: sub.map(str::to_owned) })
    }

    /// The dotted name without schema, lower-case (`emails.value`).
    pub fn dotted_lower(&self) -> String {
        match &self.sub {
            Some(s) => format!("{}.{}", self.attr, s).to_ascii_lowercase(),
            None => self.attr.to_ascii_lowercase(),
        }
    }
}

/// Splits a schema URN prefix off an attribute path: the URN is everything up to the last `:`
/// when the path starts with `urn:`.
pub fn split_uri(s: &str) -> (Option<&str>, &str) {
    if s.len() > 4
        && s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        && let Some((uri, rest)) = s.rsplit_once(':')
    {
        return (Some(uri), rest);
    }
    (None, s)
}

fn is_attr_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

/// Why a filter was refused; the text is safe to show to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

pub fn parse(input: &str) -> Result<Filter, FilterError> {
    if input.len() > MAX_LEN {
        return Err(FilterError(format!("A filter must be at most {MAX_LEN} bytes.")));
    }
    let mut p = Parser { s: input.as_bytes(), src: input, pos: 0, depth: 0 };
    let f = p.or_expr()?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.error("unexpected text"));
    }
    Ok(f)
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> FilterError {
        FilterError(format!("The filter is not valid: {what} at character {}.", self.pos + 1))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c == b' ' || c == b'\t') {
            self.pos += 1;
        }
    }

    fn enter(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(FilterError(format!("A filter may nest at most {MAX_DEPTH} deep."))) } else { Ok(()) }
    }

    /// The next word (letters, digits, `.`, `:`, `_`, `-`, `$`), without consuming it.
    fn word_at(&self, at: usize) -> &str {
        let mut end = at;
        while self.s.get(end).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'_' | b'-' | b'$')) {
            end += 1;
        }
        self.src.get(at..end).unwrap_or("")
    }

    /// Consumes `kw` (case-insensitive) when it is the next whole word.
    fn keyword(&mut self, kw: &str) -> bool {
        self.skip_ws();
        let w = self.word_at(self.pos);
        if w.eq_ignore_ascii_case(kw) {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), FilterError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", c as char)))
        }
    }

    fn or_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and_expr()?;
        while self.keyword("or") {
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        self.skip_ws();
        let save = self.pos;
        if self.keyword("not") {
            self.skip_ws();
            if self.peek() == Some(b'(') {
                self.enter()?;
                self.pos += 1;
                let inner = self.or_expr()?;
                self.expect(b')')?;
                self.depth -= 1;
                return Ok(Filter::Not(Box::new(inner)));
            }
            self.pos = save;
        }
        if self.peek() == Some(b'(') {
            self.enter()?;
            self.pos += 1;
            let inner = self.or_expr()?;
            self.expect(b')')?;
            self.depth -= 1;
            return Ok(inner);
        }
        self.attr_expr()
    }

    fn attr_expr(&mut self) -> Result<Filter, FilterError> {
        self.skip_ws();
        let start = self.pos;
        let word = self.word_at(start).to_owned();
        if word.is_empty() {
            return Err(self.error("expected an attribute"));
        }
        self.pos += word.len();
        if self.peek() == Some(b'[') {
            self.enter()?;
            self.pos += 1;
            let path = AttrPath::parse(&word).map_err(|_| self.error("expected an attribute"))?;
            let inner = self.or_expr()?;
            self.expect(b']')?;
            self.depth -= 1;
            let outer = Filter::ValuePath(path, Box::new(inner));
            // `emails[type eq "work"].value` is a path, not a filter; refuse rather than guess.
            if self.peek() == Some(b'.') {
                return Err(self.error("a sub-attribute after ']'"));
            }
            return Ok(outer);
        }
        let path = AttrPath::parse(&word).map_err(|_| {
            self.pos = start;
            self.error("expected an attribute")
        })?;
        self.skip_ws();
        let op_word = self.word_at(self.pos).to_ascii_lowercase();
        let op = match op_word.as_str() {
            "pr" => {
                self.pos += 2;
                return Ok(Filter::Present(path));
            }
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return Err(self.error("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)")),
        };
        self.pos += 2;
        let value = self.value()?;
        Ok(Filter::Compare(path, op, value))
    }

    fn value(&mut self) -> Result<Value, FilterError> {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.string(),
            Some(_) => {
                let w = self.word_at(self.pos).to_owned();
                let v = match w.to_ascii_lowercase().as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => match serde_json::from_str::<serde_json::Number>(&w) {
                        Ok(n) if !w.is_empty() => Value::Number(n),
                        _ => return Err(self.error("expected a value")),
                    },
                };
                self.pos += w.len();
                Ok(v)
            }
            None => Err(self.error("expected a value")),
        }
    }

    /// A JSON string literal, escapes included.
    fn string(&mut self) -> Result<Value, FilterError> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(self.error("an unterminated string")),
                Some(b'\\') => self.pos += 2,
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => self.pos += 1,
            }
        }
        let lit = self.src.get(start..self.pos.min(self.s.len())).ok_or_else(|| self.error("a broken string"))?;
        serde_json::from_str::<String>(lit).map(Value::String).map_err(|_| self.error("a broken string"))
    }
}

/// Attributes compared exactly (RFC 7643: `id`, `externalId` and references are caseExact);
/// everything else Stile filters on compares without case (`emails.value` among them). `path`
/// is the whole path, so `value` inside `members[…]` is `members.value`.
fn case_exact(path: &str) -> bool {
    matches!(path, "id" | "externalid" | "members.value")
}

/// Whether `resource` matches `f`.
pub fn matches(f: &Filter, resource: &Value) -> bool {
    matches_in(f, resource, None)
}

/// Whether an element of the multi-valued attribute `parent` matches `f` (a PATCH path's
/// `members[value eq "…"]`): case follows the whole path, as in [`matches`].
pub fn item_matches(f: &Filter, item: &Value, parent: &str) -> bool {
    matches_in(f, item, Some(&parent.to_ascii_lowercase()))
}

/// [`matches`] inside `parent[…]` (its lower-case name), or at the top.
fn matches_in(f: &Filter, resource: &Value, parent: Option<&str>) -> bool {
    match f {
        Filter::And(a, b) => matches_in(a, resource, parent) && matches_in(b, resource, parent),
        Filter::Or(a, b) => matches_in(a, resource, parent) || matches_in(b, resource, parent),
        Filter::Not(a) => !matches_in(a, resource, parent),
        Filter::Present(p) => values_at(resource, p).iter().any(|v| !v.is_null() && v.as_str() != Some("")),
        Filter::Compare(p, op, want) => {
            let exact = match parent {
                Some(parent) => case_exact(&format!("{parent}.{}", p.dotted_lower())),
                None => case_exact(&p.dotted_lower()),
            };
            values_at(resource, p).iter().any(|v| compare(v, *op, want, exact))
        }
        Filter::ValuePath(p, inner) => {
            let parent = p.attr.to_ascii_lowercase();
            get_ci(scoped(resource, p), &p.attr)
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(|i| matches_in(inner, i, Some(&parent))))
        }
    }
}

/// The object a path is read from: the extension object for a path with an extension URN.
fn scoped<'a>(resource: &'a Value, p: &AttrPath) -> &'a Value {
    match &p.uri {
        Some(uri) if !super::is_core_schema(uri) => get_ci(resource, uri).unwrap_or(&Value::Null),
        _ => resource,
    }
}

/// Reads an object member with a case-insensitive name (SCIM attribute names are).
pub fn get_ci<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// Every value at a path; a multi-valued attribute gives each element (or its sub-attribute;
/// without a sub-attribute, an element's `value`).
fn values_at<'a>(resource: &'a Value, p: &AttrPath) -> Vec<&'a Value> {
    let Some(top) = get_ci(scoped(resource, p), &p.attr) else { return Vec::new() };
    let items: Vec<&Value> = match top {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|item| match &p.sub {
            Some(sub) => get_ci(item, sub),
            None if item.is_object() => get_ci(item, "value"),
            None => Some(item),
        })
        .collect()
}

fn compare(have: &Value, op: CompareOp, want: &Value, exact: bool) -> bool {
    use CompareOp::*;
    match (have, want) {
        (Value::String(h), Value::String(w)) => {
            let (h, w) = if exact { (h.clone(), w.clone()) } else { (h.to_lowercase(), w.to_lowercase()) };
            match op {
                Eq => h == w,
                Ne => h != w,
                Co => h.contains(&w),
                Sw => h.starts_with(&w),
                Ew => h.ends_with(&w),
                Gt => h > w,
                Ge => h >= w,
                Lt => h < w,
                Le => h <= w,
            }
        }
        (Value::Bool(h), Value::Bool(w)) => match op {
            Eq => h == w,
            Ne => h != w,
            _ => false,
        },
        (Value::Number(h), Value::Number(w)) => {
            let (Some(h), Some(w)) = (h.as_f64(), w.as_f64()) else { return false };
            match op {
                Eq => h == w,
                Ne => h != w,
                Gt => h > w,
                Ge => h >= w,
                Lt => h < w,
                Le => h <= w,
                _ => false,
            }
        }
        (_, Value::Null) => matches!(op, Ne),
        _ => matches!(op, Ne),
    }
}

/// A filter that names one attribute with `eq` and a string (what Entra ID and Okta send to
/// find a user or group before creating it): lets the caller look it up directly.
pub fn simple_eq(f: &Filter) -> Option<(String, &str)> {
    match f {
        Filter::Compare(p, CompareOp::Eq, Value::String(s)) if p.uri.as_deref().is_none_or(super::is_core_schema) => {
            Some((p.dotted_lower(), s.as_str()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user() -> Value {
        json!({
            "id": "u1",
            "userName": "Jane.Doe@camden.gov.uk",
            "externalId": "Ext-1",
            "displayName": "Jane Doe",
            "active": true,
            "emails": [{"type": "work", "value": "jane.doe@camden.gov.uk", "primary": true}],
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Highways"}
        })
    }

    fn m(f: &str) -> bool {
        matches(&parse(f).unwrap(), &user())
    }

    #[test]
    fn case_follows_the_whole_path() {
        // An address is compared without case inside `emails[…]` as in `emails.value`; a group
        // member's `value` (an id) exactly.
        assert!(m(r#"emails[value eq "Jane.Doe@Camden.gov.uk"]"#));
        assert!(m(r#"emails.value eq "Jane.Doe@Camden.gov.uk""#));
        let group = json!({ "id": "g1", "members": [{ "value": "u1" }] });
        assert!(matches(&parse(r#"members[value eq "u1"]"#).unwrap(), &group));
        assert!(!matches(&parse(r#"members[value eq "U1"]"#).unwrap(), &group));
        assert!(!matches(&parse(r#"members.value eq "U1""#).unwrap(), &group));
        // And so in a PATCH path's filter, which is matched against each element.
        let value = |v: &str| parse(&format!("value eq \"{v}\"")).unwrap();
        assert!(item_matches(&value("u1"), &json!({ "value": "u1" }), "Members"));
        assert!(!item_matches(&value("U1"), &json!({ "value": "u1" }), "members"));
        assert!(item_matches(&value("Jane@X.org"), &json!({ "value": "jane@x.org" }), "emails"));
    }

    #[test]
    fn operators_on_the_attributes_directories_filter_on() {
        assert!(m(r#"userName eq "jane.doe@camden.gov.uk""#));
        assert!(m(r#"USERNAME Eq "JANE.DOE@CAMDEN.GOV.UK""#));
        assert!(!m(r#"userName eq "jane""#));
        assert!(m(r#"externalId eq "Ext-1""#));
        assert!(!m(r#"externalId eq "ext-1""#), "externalId is case-exact");
        assert!(m(r#"displayName co "ane d""#));
        assert!(m(r#"displayName sw "Jane""#));
        assert!(m(r#"userName ew "gov.uk""#));
        assert!(m(r#"emails.value eq "jane.doe@camden.gov.uk""#));
        assert!(m(r#"emails[type eq "work" and value co "jane"]"#));
        assert!(!m(r#"emails[type eq "home"]"#));
        assert!(m("externalId pr"));
        assert!(!m("title pr"));
        assert!(m("active eq true"));
        assert!(!m("active eq false"));
        assert!(m(r#"name.familyName eq "doe""#));
        assert!(m(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "highways""#));
        assert!(m(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "jane""#));
    }

    #[test]
    fn and_or_not_and_precedence() {
        assert!(m(r#"userName eq "x" or displayName sw "Jane""#));
        assert!(!m(r#"userName eq "x" and displayName sw "Jane""#));
        // and binds tighter than or.
        assert!(m(r#"userName eq "x" and displayName eq "y" or active eq true"#));
        assert!(!m(r#"userName eq "x" and (displayName eq "y" or active eq true)"#));
        assert!(m(r#"not (userName eq "x")"#));
        assert!(!m(r#"not(active eq true)"#));
    }

    #[test]
    fn bad_filters_are_refused() {
        for f in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName zz "x""#,
            r#"userName eq "x"#,
            r#"(userName eq "x""#,
            r#"userName eq "x")"#,
            r#"userName eq "x" and"#,
            r#"emails[type eq "work"].value eq "x""#,
            r#"1abc eq "x""#,
            r#"userName eq unquoted"#,
        ] {
            assert!(parse(f).is_err(), "{f:?} should be refused");
        }
    }

    #[test]
    fn depth_and_length_are_bounded() {
        let deep = format!("{}userName pr{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert!(parse(&deep).is_err());
        let ok = format!("{}userName pr{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let nots = format!("{}userName pr{}", "not (".repeat(100_000 / 5), ")".repeat(100_000 / 5));
        assert!(parse(&nots).is_err());
        assert!(parse(&"a".repeat(MAX_LEN + 1)).is_err());
    }

    #[test]
    fn simple_eq_is_recognised() {
        let f = parse(r#"userName eq "a@b.org""#).unwrap();
        assert_eq!(simple_eq(&f), Some(("username".into(), "a@b.org")));
        let f = parse(r#"userName eq "a@b.org" or userName eq "c""#).unwrap();
        assert_eq!(simple_eq(&f), None);
    }

    /// Random input (bytes from the filter alphabet and any byte) never panics, and whatever
    /// parses evaluates without panicking.
    #[test]
    fn random_input_never_panics() {
        const PIECES: &[&str] = &[
            "userName",
            "emails",
            ".value",
            "[",
            "]",
            "(",
            ")",
            " ",
            " eq ",
            " co ",
            " sw ",
            " pr",
            " and ",
            " or ",
            "not ",
            "\"",
            "\"x\"",
            "\\",
            "true",
            "1.5",
            "urn:a:b:",
            "é",
            "\u{0}",
            "[type eq \"work\"]",
        ];
        let mut seed: u64 = 0x5eed_cafe;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let mut s = String::new();
            for _ in 0..len {
                let r = next();
                if r % 5 == 0 {
                    s.push(char::from_u32((r >> 8) as u32 % 0x250).unwrap_or('?'));
                } else {
                    s.push_str(PIECES[(r >> 8) as usize % PIECES.len()]);
                }
            }
            if let Ok(f) = parse(&s) {
                let _ = matches(&f, &user());
            }
        }
    }
}
