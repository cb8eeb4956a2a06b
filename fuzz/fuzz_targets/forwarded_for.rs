//! The X-Forwarded-For parser, through one call (`stile::web::fuzzing::client_ip`). Input: one
//! byte for the number of trusted proxy hops (0-3), then header values separated by newlines.
//! The answer must be the peer or an address that appeared in a header.
#![no_main]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let app = stile_fuzz::app();
    let Some((&hops, rest)) = data.split_first() else { return };
    let mut state = app.state.clone();
    let mut settings = (*state.settings).clone();
    settings.server.trusted_proxy_hops = usize::from(hops % 4);
    state.settings = Arc::new(settings);
    let mut headers = HeaderMap::new();
    for line in rest.split(|&b| b == b'\n') {
        if let Ok(v) = HeaderValue::from_bytes(line) {
            headers.append("x-forwarded-for", v);
        }
    }
    let peer = SocketAddr::from(([192, 0, 2, 7], 1234));
    let ip = app.rt.block_on(stile::web::fuzzing::client_ip(&state, headers, peer));
    assert!(
        ip == "192.0.2.7" || (ip.parse::<std::net::IpAddr>().is_ok() && rest.windows(ip.len()).any(|w| w == ip.as_bytes())),
        "client address {ip:?} came from nowhere"
    );
});
