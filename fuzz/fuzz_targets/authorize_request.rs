//! The authorization endpoint's request parsing (client, redirect URI, response type and mode,
//! scope, PKCE, prompt, max_age, id_token_hint...), through the real router, as a GET query
//! and as a POSTed form. Input: one byte choosing the method, then the query or body.
#![no_main]

use axum::body::Body;
use axum::http::{HeaderValue, Request, header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let app = stile_fuzz::app();
    let Some((&how, rest)) = data.split_first() else { return };
    let req = if how & 1 == 0 {
        // A query string must be valid URI text to be sent at all: percent-encode the rest.
        let q: String =
            rest.iter().map(|&b| if b.is_ascii_graphic() && b != b'#' { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
        match Request::get(format!("/authorize?{q}")).body(Body::empty()) {
            Ok(r) => r,
            Err(_) => return,
        }
    } else {
        let mut r = Request::post("/authorize").body(Body::from(rest.to_vec())).unwrap_or_default();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        r
    };
    stile_fuzz::assert_not_server_error(app.send(req), "/authorize");
});
