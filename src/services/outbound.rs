//! The HTTP client for URLs a relying app registers (its `jwks_uri`, its back-channel logout
//! URI): those are chosen by whoever administers the client, so Stile must not become their way
//! into its own network (SSRF). Every address is checked after DNS resolution, and a literal
//! address in the URL before the request: private (RFC 1918, unique local), loopback, link-local
//! (cloud metadata at 169.254.169.254 included), multicast, unspecified, broadcast and other
//! reserved ranges are refused, over IPv4 and IPv6, and IPv4 addresses carried inside IPv6
//! (mapped, compatible, NAT64, 6to4) are judged as the IPv4 address they carry. Loopback is
//! allowed only with `oauth.outbound_allow_loopback` (development and tests). Redirects are never
//! followed, so a public URL cannot send the request on to a refused address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("the URL is not valid")]
    Url,
    #[error("the address {0} is private, loopback, link-local or otherwise not reachable from here")]
    Refused(IpAddr),
    #[error("cannot build the HTTP client")]
    Build,
}

/// Whether a request failed because its address was refused here (not because the far end
/// failed).
pub fn is_refusal(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if matches!(err.downcast_ref::<OutboundError>(), Some(OutboundError::Refused(_))) {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Whether Stile refuses to call `ip`. Loopback passes only when `allow_loopback`.
pub fn refused(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4, allow_loopback),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => refused_v4(v4, allow_loopback),
            None => refused_v6(v6, allow_loopback),
        },
    }
}

fn refused_v4(ip: Ipv4Addr, allow_loopback: bool) -> bool {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        return !allow_loopback;
    }
    ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16, cloud metadata
        || ip.is_multicast() // 224/4
        || ip.is_broadcast()
        || a >= 240 // reserved
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
}

fn refused_v6(ip: Ipv6Addr, allow_loopback: bool) -> bool {
    let s = ip.segments();
    if ip.is_loopback() {
        return !allow_loopback;
    }
    ip.is_unspecified()
        || ip.is_multicast() // ff00::/8
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] == 0x2001 && s[1] == 0) // Teredo: its IPv4 endpoint is the relay's choice
        || (s[0] == 0x100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // discard-only
}

/// The IPv4 address an IPv6 address carries: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`, deprecated), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let o = ip.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return Some(tail);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

/// Checks a URL's literal address, if it names one (a request to an IP literal is not resolved,
/// so the resolver below never sees it). Host names are checked when they are resolved.
pub fn check_url(url: &str, allow_loopback: bool) -> Result<(), OutboundError> {
    let url = url::Url::parse(url).map_err(|_| OutboundError::Url)?;
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(OutboundError::Url),
    };
    if refused(ip, allow_loopback) { Err(OutboundError::Refused(ip)) } else { Ok(()) }
}

/// How names are looked up: the system resolver, or a fixed table in tests.
pub type Lookup = Arc<dyn Fn(String) -> LookupFuture + Send + Sync>;
pub type LookupFuture = std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<Vec<SocketAddr>>> + Send>>;

fn system_lookup() -> Lookup {
    Arc::new(|host: String| -> LookupFuture { Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.collect()) }) })
}

/// A resolver that drops refused addresses, and fails when none is left.
pub struct CheckedResolver {
    lookup: Lookup,
    allow_loopback: bool,
}

impl CheckedResolver {
    pub fn new(lookup: Lookup, allow_loopback: bool) -> Self {
        CheckedResolver { lookup, allow_loopback }
    }

    /// The addresses of `host` Stile may call.
    pub async fn resolve_host(&self, host: &str) -> Result<Vec<SocketAddr>, OutboundError> {
        let all = (self.lookup)(host.to_owned()).await.map_err(|_| OutboundError::Url)?;
        let mut first_refused = None;
        let ok: Vec<SocketAddr> = all
            .into_iter()
            .filter(|a| {
                let bad = refused(a.ip(), self.allow_loopback);
                if bad && first_refused.is_none() {
                    first_refused = Some(a.ip());
                }
                !bad
            })
            .collect();
        match (ok.is_empty(), first_refused) {
            (false, _) => Ok(ok),
            (true, Some(ip)) => Err(OutboundError::Refused(ip)),
            (true, None) => Err(OutboundError::Url),
        }
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = self.lookup.clone();
        let me = CheckedResolver { lookup, allow_loopback: self.allow_loopback };
        Box::pin(async move {
            let addrs = me.resolve_host(name.as_str()).await.map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
            let it: Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

/// The outbound client for relying apps' URLs.
#[derive(Clone)]
pub struct ClientHttp {
    http: reqwest::Client,
    allow_loopback: bool,
}

impl std::fmt::Debug for ClientHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientHttp").field("allow_loopback", &self.allow_loopback).finish()
    }
}

impl ClientHttp {
    pub fn new(allow_loopback: bool) -> Result<Self, OutboundError> {
        Self::with_lookup(system_lookup(), allow_loopback)
    }

    pub fn with_lookup(lookup: Lookup, allow_loopback: bool) -> Result<Self, OutboundError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver::new(lookup, allow_loopback)))
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .user_agent("Stile")
            .build()
            .map_err(|_| OutboundError::Build)?;
        Ok(ClientHttp { http, allow_loopback })
    }

    /// A GET of `url`, once its literal address (if any) passes.
    pub fn get(&self, url: &str) -> Result<reqwest::RequestBuilder, OutboundError> {
        check_url(url, self.allow_loopback)?;
        Ok(self.http.get(url))
    }

    /// A POST to `url`, once its literal address (if any) passes.
    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, OutboundError> {
        check_url(url, self.allow_loopback)?;
        Ok(self.http.post(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for a in [
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "100.64.0.1",
            "198.18.0.1",
            "127.0.0.1",
            "127.1.2.3",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:0a00:0001::1",
            "2001:0:4136:e378::1",
        ] {
            assert!(refused(ip(a), false), "{a} must be refused");
        }
        for a in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:93.184.216.34", "2002:5db8:d822::1"] {
            assert!(!refused(ip(a), false), "{a} must pass");
        }
    }

    #[test]
    fn loopback_only_when_allowed() {
        for a in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert!(!refused(ip(a), true), "{a}");
        }
        for a in ["10.0.0.1", "169.254.169.254", "::ffff:10.0.0.1", "fe80::1", "0.0.0.0", "::"] {
            assert!(refused(ip(a), true), "{a}");
        }
    }

    #[test]
    fn literal_addresses_in_urls() {
        for u in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:127.0.0.1]:8080/jwks",
            "http://[::ffff:7f00:1]/jwks",
            "http://2130706433/jwks",
            "http://0x7f.1/jwks",
            "http://0177.0.0.1/jwks",
            "https://10.1.2.3/jwks",
            "http://[fe80::1%25eth0]/jwks",
            "http://0/jwks",
        ] {
            assert!(check_url(u, false).is_err(), "{u}");
        }
        assert!(check_url("https://keys.example.org/jwks", false).is_ok());
        assert!(check_url("https://93.184.216.34/jwks", false).is_ok());
        assert!(check_url("http://127.0.0.1:9/jwks", true).is_ok());
    }

    #[tokio::test]
    async fn names_are_judged_by_what_they_resolve_to() {
        let table: Lookup = Arc::new(|host: String| -> LookupFuture {
            Box::pin(async move {
                let addrs: Vec<SocketAddr> = match host.as_str() {
                    "internal.example" => vec!["10.0.0.7:0".parse().unwrap()],
                    "mixed.example" => vec!["10.0.0.7:0".parse().unwrap(), "93.184.216.34:0".parse().unwrap()],
                    "mapped.example" => vec!["[::ffff:127.0.0.1]:0".parse().unwrap()],
                    "public.example" => vec!["93.184.216.34:0".parse().unwrap()],
                    _ => vec![],
                };
                Ok(addrs)
            })
        });
        let r = CheckedResolver::new(table.clone(), false);
        assert!(matches!(r.resolve_host("internal.example").await, Err(OutboundError::Refused(_))));
        assert!(matches!(r.resolve_host("mapped.example").await, Err(OutboundError::Refused(_))));
        assert_eq!(r.resolve_host("mixed.example").await.unwrap(), vec!["93.184.216.34:0".parse::<SocketAddr>().unwrap()]);
        assert_eq!(r.resolve_host("public.example").await.unwrap().len(), 1);
        assert!(r.resolve_host("nowhere.example").await.is_err());
        // A request through the client never connects to the refused address.
        let http = ClientHttp::with_lookup(table, false).unwrap();
        let e = http.get("http://internal.example/jwks").unwrap().send().await.unwrap_err();
        assert!(is_refusal(&e), "{e:?}");
        assert!(matches!(http.get("http://[::ffff:169.254.169.254]/"), Err(OutboundError::Refused(_))));
    }
}
