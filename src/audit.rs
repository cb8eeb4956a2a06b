//! Writing audit events. Every sign-in, failure, lock and sign-out goes through here.

use serde_json::Value;

use crate::app::AppState;
use crate::store::{self, StoreError, audit::NewEvent};

/// Where a request came from, for throttling and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

impl ClientInfo {
    /// The network a per-address budget counts against: an IPv4 address itself, an IPv6
    /// address's /64. A /64 is the smallest network an IPv6 subscriber, LAN or server is handed
    /// (RFC 6177 recommends more, a /56 or /48, for a site), so counting each of its 2^64
    /// addresses apart gave one attacker as many budgets as they liked. The audit log keeps the
    /// whole address.
    pub fn network(&self) -> String {
        match self.ip.parse::<std::net::IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(std::net::IpAddr::V6(v6)) => {
                let prefix = u128::from(v6) & !(u128::from(u64::MAX));
                format!("{}/64", std::net::Ipv6Addr::from(prefix))
            }
            Ok(v4) => v4.to_string(),
            // A peer we could not read an address for: counted as it is.
            Err(_) => self.ip.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One event about a user, written on `db`: the pool, or the caller's transaction so that the
/// event is committed with the change it records (or not at all). `details` must not hold secrets.
#[allow(clippy::too_many_arguments)]
pub async fn user_event(
    db: impl store::Exec,
    state: &AppState,
    action: &str,
    actor: Option<&str>,
    target_user: Option<&str>,
    client: &ClientInfo,
    outcome: Outcome,
    details: Option<Value>,
) -> Result<(), StoreError> {
    // Counted with the audit event so that every path that audits a sign-in is counted, and
    // only those (a rolled-back transaction is retried, so may count twice; it is rare).
    state.metrics.audited(action, outcome == Outcome::Success);
    store::audit::insert(
        db,
        &NewEvent {
            actor_user_id: actor,
            action,
            target_type: if target_user.is_some() { "user" } else { "" },
            target_id: target_user.unwrap_or(""),
            ip: &client.ip,
            user_agent: &client.user_agent,
            outcome: outcome.as_str(),
            details,
            ..Default::default()
        },
        state.now(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::ClientInfo;

    fn network(ip: &str) -> String {
        ClientInfo { ip: ip.into(), user_agent: String::new() }.network()
    }

    #[test]
    fn an_ipv6_address_counts_as_its_64() {
        assert_eq!(network("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
        assert_eq!(network("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(network("2001:db8:1:3::1"), network("2001:db8:1:2::1"));
        assert_eq!(network("::1"), "::/64");
        assert_eq!(network("203.0.113.7"), "203.0.113.7");
        assert_ne!(network("203.0.113.8"), network("203.0.113.7"));
        assert_eq!(network("unknown"), "unknown");
        // IPv4 written as IPv4-mapped IPv6 is that IPv4 address, not the /64 `::`.
        assert_eq!(network("::ffff:198.51.100.20"), "198.51.100.20");
        assert_ne!(network("::ffff:198.51.100.21"), network("::ffff:198.51.100.20"));
    }
}
