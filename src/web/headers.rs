use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The headers and their values, checked when compiled rather than on every response.
const DEFAULTS: [(HeaderName, HeaderValue); 7] = [
    (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ),
];

/// Security headers on every response; a handler may set its own CSP or cache policy first.
/// A plain function of the response, layered with `MapResponseLayer` (no copy of the services
/// inside and no boxed future per request).
pub fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let _ = h.try_reserve(DEFAULTS.len());
    for (name, value) in DEFAULTS {
        if let axum::http::header::Entry::Vacant(v) = h.entry(name) {
            v.insert(value);
        }
    }
    res
}
