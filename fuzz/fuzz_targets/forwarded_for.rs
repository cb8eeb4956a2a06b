//! The X-Forwarded-For parser, through one call (`stile::web::fuzzing::forwarded_client_ip`, the
//! function the `Client` extractor uses). Input: one byte for the number of trusted proxy hops
//! (0-3), then header values separated by newlines. The answer is always an address; with no
//! trusted hop it is the peer; and it is the same for the same input.
#![no_main]

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&hops, rest)) = data.split_first() else { return };
    let hops = usize::from(hops % 4);
    let mut headers = HeaderMap::new();
    for line in rest.split(|&b| b == b'\n') {
        if let Ok(v) = HeaderValue::from_bytes(line) {
            headers.append("x-forwarded-for", v);
        }
    }
    let peer = SocketAddr::from(([192, 0, 2, 7], 1234));
    let ip = stile::web::fuzzing::forwarded_client_ip(peer, &headers, hops);
    assert!(ip.parse::<IpAddr>().is_ok(), "not an address: {ip:?}");
    assert!(hops > 0 || ip == "192.0.2.7", "no trusted hop, yet {ip:?} is not the peer");
    assert_eq!(ip, stile::web::fuzzing::forwarded_client_ip(peer, &headers, hops));
});
