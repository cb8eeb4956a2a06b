//! Bad input refused once, at the edge, before any extractor or handler sees it: control
//! characters (NUL above all: PostgreSQL cannot store it) and invalid UTF-8 in a path segment, a
//! query parameter, a form field or a JSON string; duplicated OAuth parameters (RFC 6749 §3.1,
//! §3.2); over-long request lines and header blocks, with a short body a person can read.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::say::Say;
use crate::error::{AppError, OAuthError, error_page};
use crate::tokens::discovery::paths;

/// The longest request target (path and query) served, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header fields, and their total size in bytes, served.
pub const MAX_HEADER_COUNT: usize = 64;
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Where in a request the bad text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The name of a query or form parameter.
    Name {
        form: bool,
    },
    /// The value of the query or form parameter `name`.
    Value {
        form: bool,
        name: String,
    },
    Path,
    Authorization,
    JsonBody,
    /// A field of a form read by its handler (the import upload).
    Field,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = |form: bool| if form { "form" } else { "query" };
        match self {
            Place::Name { form } => write!(f, "name of a {} parameter", what(*form)),
            Place::Value { form, name } => write!(f, "{} parameter {name}", what(*form)),
            Place::Path => f.write_str("address (path)"),
            Place::Authorization => f.write_str("Authorization header"),
            Place::JsonBody => f.write_str("JSON body"),
            Place::Field => f.write_str("form field"),
        }
    }
}

/// A body over the limit, for the API and OAuth clients.
const TOO_LARGE: &str = "The request body is too large.";

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("The {place} contains a control character (such as a NUL byte), which is not allowed.")]
    Control { place: Place },
    #[error("The {place} is not valid UTF-8 text.")]
    NotUtf8 { place: Place },
    #[error("The {name} parameter is included more than once.")]
    Duplicate { name: String },
    #[error("The address is too long (at most {MAX_URI_BYTES} bytes).")]
    UriTooLong,
    #[error("The request headers are too large (at most {MAX_HEADER_COUNT} fields and {MAX_HEADER_BYTES} bytes).")]
    HeadersTooLarge,
}

/// A control character nobody types into a field. `multiline` allows tab, CR and LF (text areas,
/// pasted certificates); nothing allows NUL.
fn bad_char(c: char, multiline: bool) -> bool {
    c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r'))
}

/// Checks one decoded value: valid UTF-8 and no control characters.
pub fn check_text(bytes: &[u8], place: impl FnOnce() -> Place, multiline: bool) -> Result<(), InputError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(InputError::NotUtf8 { place: place() });
    };
    if text.chars().any(|c| bad_char(c, multiline)) {
        return Err(InputError::Control { place: place() });
    }
    Ok(())
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space) into raw bytes, without the lossy
/// UTF-8 conversion of `form_urlencoded::parse`.
fn decode_component(s: &[u8]) -> Vec<u8> {
    let plus: Vec<u8> = s.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
    percent_encoding::percent_decode(&plus).collect()
}

/// Checks one form-urlencoded component as [`check_text`] checks its decoded bytes. A `+` decodes
/// to a space, which is neither a control character nor part of a UTF-8 sequence, so only
/// percent escapes need decoding, and a component without any is checked where it lies.
fn check_component(raw: &[u8], place: impl FnOnce() -> Place, multiline: bool) -> Result<(), InputError> {
    if raw.contains(&b'%') {
        let decoded: Vec<u8> = percent_encoding::percent_decode(raw).collect();
        check_text(&decoded, place, multiline)
    } else {
        check_text(raw, place, multiline)
    }
}

/// Checks every name and value of a query string or form body; returns the names, for the
/// duplicate check.
pub fn check_pairs(raw: &[u8], what: &str, multiline: bool) -> Result<Vec<String>, InputError> {
    let mut names = Vec::new();
    let form = what == "form";
    for pair in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (pair.get(..i).unwrap_or_default(), pair.get(i + 1..).unwrap_or_default()),
            None => (pair, &[][..]),
        };
        check_component(k, || Place::Name { form }, false)?;
        let name = if k.iter().any(|b| matches!(b, b'%' | b'+')) {
            String::from_utf8_lossy(&decode_component(k)).into_owned()
        } else {
            String::from_utf8_lossy(k).into_owned()
        };
        check_component(v, || Place::Value { form, name: shorten(&name) }, multiline)?;
        names.push(name);
    }
    Ok(names)
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Each path segment, percent-decoded.
pub fn check_path(path: &str) -> Result<(), InputError> {
    for seg in path.split('/') {
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(seg).collect();
        check_text(&bytes, || Place::Path, false)?;
    }
    Ok(())
}

/// Every string (and object key) in a JSON document.
pub fn check_json(v: &serde_json::Value) -> Result<(), InputError> {
    let check = |s: &str| {
        if s.chars().any(|c| bad_char(c, true)) { Err(InputError::Control { place: Place::JsonBody }) } else { Ok(()) }
    };
    match v {
        serde_json::Value::String(s) => check(s),
        serde_json::Value::Array(a) => a.iter().try_for_each(check_json),
        serde_json::Value::Object(o) => o.iter().try_for_each(|(k, v)| check(k).and_then(|()| check_json(v))),
        _ => Ok(()),
    }
}

fn first_duplicate(names: &[String]) -> Option<&String> {
    // A request's few names (a token request has three or four) are compared pair by pair, with
    // nothing allocated on the hot path; beyond that a set, so that a body of thousands of
    // distinct names does not cost the square of their number before anyone is authenticated.
    if names.len() <= 16 {
        return names.iter().enumerate().find(|(i, n)| names.iter().skip(i + 1).any(|m| m == *n)).map(|(_, n)| n);
    }
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    names.iter().find(|n| !seen.insert(n.as_str()))
}

/// OAuth endpoints answer in RFC 6749 shape; each parameter may appear only once.
fn is_oauth(path: &str) -> bool {
    matches!(path, paths::AUTHORIZE | paths::TOKEN | paths::USERINFO | paths::INTROSPECT | paths::REVOKE | paths::END_SESSION | paths::PAR)
        || path == "/authorize/consent"
}

fn headers_too_large(h: &HeaderMap) -> bool {
    h.len() > MAX_HEADER_COUNT || h.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>() > MAX_HEADER_BYTES
}

enum Kind {
    Form,
    Json,
    Other,
}

fn body_kind(h: &HeaderMap) -> Kind {
    let ct = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime == "application/x-www-form-urlencoded" {
        Kind::Form
    } else if mime == "application/json" || mime.ends_with("+json") {
        Kind::Json
    } else {
        Kind::Other
    }
}

/// The refusal, in the shape the endpoint speaks.
fn refuse(path: &str, e: &InputError) -> Response {
    let status = match e {
        InputError::UriTooLong => StatusCode::URI_TOO_LONG,
        InputError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    let message = e.to_string();
    if path.starts_with("/api/") {
        AppError::Json { status, error: "invalid_request", message, field: None }.into_response()
    } else if path == "/scim/v2" || path.starts_with("/scim/v2/") {
        let scim_type = (status == StatusCode::BAD_REQUEST).then_some("invalidValue");
        AppError::Scim(crate::scim::ScimError::new(status.as_u16(), scim_type, message)).into_response()
    } else if matches!(path, paths::TOKEN | paths::USERINFO | paths::INTROSPECT | paths::REVOKE | paths::PAR) {
        OAuthError::new(status, "invalid_request", message).into_response()
    } else {
        // A page: in the request's language (the language layer is outside this one).
        error_page(status, &super::say::text("error-bad-request-title"), &e.say())
    }
}

/// The request line and headers: sizes, the path's segments, Basic credentials and the query;
/// returns the query's parameter names, for the duplicate check.
fn check_target(req: &Request) -> Result<Vec<String>, InputError> {
    if req.uri().path_and_query().map(|p| p.as_str().len()).unwrap_or(0) > MAX_URI_BYTES {
        return Err(InputError::UriTooLong);
    }
    if headers_too_large(req.headers()) {
        return Err(InputError::HeadersTooLarge);
    }
    check_path(req.uri().path())?;
    check_basic(req.headers())?;
    check_pairs(req.uri().query().unwrap_or("").as_bytes(), "query", false)
}

/// HTTP Basic credentials (client authentication, RFC 6749 §2.3.1): base64 can carry a NUL that
/// no header could.
fn check_basic(h: &HeaderMap) -> Result<(), InputError> {
    use base64::Engine;
    let Some(encoded) = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.get(..6).filter(|s| s.eq_ignore_ascii_case("basic ")).and_then(|_| v.get(6..)))
    else {
        return Ok(());
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        // Not base64 at all: client authentication explains that.
        return Ok(());
    };
    for part in decoded.split(|b| *b == b':') {
        check_component(part, || Place::Authorization, false)?;
    }
    Ok(())
}

/// For routes that read and check their own body (the SAML ACS, with its own size limit): only
/// the request line and headers.
pub async fn refuse_bad_target(req: Request, next: Next) -> Response {
    if let Err(e) = check_target(&req) {
        return refuse(req.uri().path(), &e);
    }
    next.run(req).await
}

/// The middleware: checks the request line and headers, then the query and a form or JSON body
/// (buffered within the body limit layered outside it), and passes the request on unchanged.
pub async fn refuse_bad_input(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut names = match check_target(&req) {
        Ok(n) => n,
        Err(e) => return refuse(&path, &e),
    };
    let oauth = is_oauth(&path);
    let kind = body_kind(req.headers());
    let req = match kind {
        Kind::Other => req,
        Kind::Form | Kind::Json => {
            let (parts, body) = req.into_parts();
            let bytes: Bytes = match axum::body::to_bytes(body, usize::MAX).await {
                Ok(b) => b,
                Err(_) => {
                    // Over the body limit layered outside, or the client went away. A page's
                    // is said in its language by `web::site_error_pages`.
                    return (StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE).into_response();
                }
            };
            let checked = match kind {
                Kind::Form => check_pairs(&bytes, "form", true).map(|n| names.extend(n)),
                // Not JSON at all: the handler's own extractor explains that.
                _ => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                    Ok(v) => check_json(&v),
                    Err(_) => Ok(()),
                },
            };
            if let Err(e) = checked {
                return refuse(&path, &e);
            }
            Request::from_parts(parts, Body::from(bytes))
        }
    };
    if oauth && let Some(d) = first_duplicate(&names) {
        return refuse(&path, &InputError::Duplicate { name: shorten(d) });
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs() {
        assert_eq!(check_pairs(b"a=1&b=x+y&c=%C3%A9", "query", false).unwrap(), vec!["a", "b", "c"]);
        assert!(matches!(check_pairs(b"client_id=ab%00cd", "form", true), Err(InputError::Control { .. })));
        assert!(matches!(check_pairs(b"email=%FF%FE%40example.test", "form", true), Err(InputError::NotUtf8 { .. })));
        assert!(matches!(check_pairs(b"x%00=1", "query", false), Err(InputError::Control { .. })));
        assert!(check_pairs(b"cert=a%0D%0Ab", "form", true).is_ok());
        // Components with and without escapes, '+' among them, are checked alike.
        assert!(matches!(check_pairs(b"a=x+y%00", "form", true), Err(InputError::Control { .. })));
        assert!(matches!(check_pairs(b"a=%FF+", "form", true), Err(InputError::NotUtf8 { .. })));
        assert!(matches!(check_pairs(b"a=\x01", "form", true), Err(InputError::Control { .. })));
        assert!(matches!(check_pairs(b"a=\xC3", "form", true), Err(InputError::NotUtf8 { .. })));
        assert!(check_pairs(b"a=%2B+%C3%A9&b=", "form", false).is_ok());
        // Many distinct names: none repeated; one repeat at the end is found.
        let few: Vec<String> = ["a", "b", "c", "b"].map(String::from).to_vec();
        assert_eq!(first_duplicate(&few), Some(&"b".to_owned()));
        assert_eq!(first_duplicate(&few[..3]), None);
        let mut many: Vec<String> = (0..20_000).map(|i| format!("n{i}")).collect();
        assert_eq!(first_duplicate(&many), None);
        many.push("n7".to_owned());
        assert_eq!(first_duplicate(&many), Some(&"n7".to_owned()));
        // Names are compared decoded, so a space sent two ways is one name twice.
        let names = check_pairs(b"a+b=1&a%20b=2", "form", false).unwrap();
        assert_eq!(first_duplicate(&names), Some(&"a b".to_owned()));
        assert!(check_pairs(b"q=a%0Ab", "query", false).is_err());
        assert!(check_path("/api/v1/users/%00").is_err());
        assert!(check_path("/api/v1/users/%E2%82%AC").is_ok());
        assert!(check_path("/api/v1/users/%FF").is_err());
        assert!(check_json(&serde_json::json!({"a": ["x\u{0}"]})).is_err());
        assert!(check_json(&serde_json::json!({"a\u{1}": 1})).is_err());
        assert!(check_json(&serde_json::json!({"pem": "a\nb", "n": null})).is_ok());
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic YWIAY2Q6c2VjcmV0".parse().unwrap());
        assert!(check_basic(&h).is_err(), "ab\\0cd:secret");
        h.insert(header::AUTHORIZATION, "Basic YWJjZDpzZWNyZXQ=".parse().unwrap());
        assert!(check_basic(&h).is_ok());
        assert_eq!(first_duplicate(&["a".into(), "b".into(), "a".into()]), Some(&"a".to_owned()));
    }
}
