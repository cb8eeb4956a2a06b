//! The client's address behind trusted reverse proxies (X-Forwarded-For).

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The client's address: with `hops` trusted proxies in front, the entry `hops` places from the
/// right of X-Forwarded-For (over every entry of every such header, whatever its form); with no
/// trusted proxies, fewer entries than that, or an entry there that is not an address, the
/// connection's peer. Entries may be `ip`, `ip:port` (Azure Application Gateway sends these),
/// `[v6]` or `[v6]:port`. Anything further left is client-supplied and never read.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, hops: usize) -> String {
    let peer = || peer.map(|p| p.to_canonical().to_string()).unwrap_or_default();
    if hops == 0 {
        return peer();
    }
    let mut entries = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        // A header that is not text cannot be split into entries, so the hops cannot be counted.
        let Ok(value) = value.to_str() else { return peer() };
        entries.extend(value.split(',').map(str::trim));
    }
    match entries.len().checked_sub(hops).and_then(|i| entries.get(i)).and_then(|e| parse_entry(e)) {
        Some(ip) => ip.to_canonical().to_string(),
        None => peer(),
    }
}

/// One X-Forwarded-For entry: `ip`, `ip:port`, `[v6]` or `[v6]:port`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = entry.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    entry.strip_prefix('[').and_then(|e| e.strip_suffix(']')).and_then(|e| e.parse::<std::net::Ipv6Addr>().ok()).map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const PEER: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 9)));

    #[test]
    fn entries_in_every_form_count_as_hops() {
        // The client spoofs an entry; the trusted proxy appends the real address with a port.
        assert_eq!(client_ip(PEER, &headers(&["1.1.1.1, 203.0.113.7:51234"]), 1), "203.0.113.7");
        assert_eq!(client_ip(PEER, &headers(&["1.1.1.1, [2001:db8::7]:443"]), 1), "2001:db8::7");
        assert_eq!(client_ip(PEER, &headers(&["1.1.1.1, [2001:db8::7]"]), 1), "2001:db8::7");
        assert_eq!(client_ip(PEER, &headers(&["1.1.1.1, 2001:db8::7"]), 1), "2001:db8::7");
        assert_eq!(client_ip(PEER, &headers(&["1.1.1.1", "203.0.113.7:1, 192.0.2.1"]), 2), "203.0.113.7");
        assert_eq!(client_ip(PEER, &headers(&["::ffff:203.0.113.7"]), 1), "203.0.113.7");
    }

    #[test]
    fn anything_odd_in_the_trusted_place_means_the_peer() {
        assert_eq!(client_ip(PEER, &headers(&["1.1.1.1, unknown"]), 1), "10.0.0.9");
        assert_eq!(client_ip(PEER, &headers(&["1.1.1.1, "]), 1), "10.0.0.9");
        assert_eq!(client_ip(PEER, &headers(&["1.1.1.1, 203.0.113.7:99999"]), 1), "10.0.0.9");
        assert_eq!(client_ip(PEER, &headers(&["203.0.113.7"]), 2), "10.0.0.9");
        assert_eq!(client_ip(PEER, &HeaderMap::new(), 1), "10.0.0.9");
        assert_eq!(client_ip(PEER, &headers(&["203.0.113.7"]), 0), "10.0.0.9");
        let mut h = headers(&["1.1.1.1"]);
        h.append("x-forwarded-for", HeaderValue::from_bytes(b"\xff, 203.0.113.7").unwrap());
        assert_eq!(client_ip(PEER, &h, 1), "10.0.0.9");
    }
}
