//! The token endpoint's request parsing: client authentication (Basic header or body), the
//! form body and every grant's parameters, through the real router. Input: the Authorization
//! header value, a newline, then the form body.
#![no_main]

use axum::body::Body;
use axum::http::{HeaderValue, Request, header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let app = stile_fuzz::app();
    let (auth, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (data.get(..i).unwrap_or_default(), data.get(i + 1..).unwrap_or_default()),
        None => (&[][..], data),
    };
    let mut req = Request::post("/token").body(Body::from(body.to_vec())).unwrap_or_default();
    req.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
    if !auth.is_empty()
        && let Ok(v) = HeaderValue::from_bytes(auth)
    {
        req.headers_mut().insert(header::AUTHORIZATION, v);
    }
    stile_fuzz::assert_not_server_error(app.send(req), "POST /token");
});
