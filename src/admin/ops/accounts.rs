//! Accounts that administrators create, import or invite: who owns an address's domain (for
//! `policy::accounts`), and whether an account was created for one of the actor's bodies.

use crate::policy::accounts::{ConnectionOwner, DomainOwners};
use crate::store::{self, Db, StoreError, import::BodyDomains, import::ConnectionDomains};

/// Who owns email domains, loaded once (one domain for a single account, all for an import).
#[derive(Debug, Default)]
pub struct Owners {
    bodies: BodyDomains,
    connections: ConnectionDomains,
}

impl Owners {
    /// The owners of one domain.
    pub async fn of(db: &Db, domain: &str) -> Result<Self, StoreError> {
        let (bodies, connections) = store::import::domain_owners(db, Some(domain)).await?;
        Ok(Owners { bodies, connections })
    }

    /// Every domain's owners.
    pub async fn all(db: &Db) -> Result<Self, StoreError> {
        let (bodies, connections) = store::import::domain_owners(db, None).await?;
        Ok(Owners { bodies, connections })
    }

    /// What the policy needs to know about `domain` (exact, lower-case: a subdomain or a
    /// look-alike is not the listed domain, so it belongs to nobody).
    pub fn of_domain(&self, domain: &str) -> DomainOwners<'_> {
        DomainOwners {
            body_id: self.bodies.iter().find(|(d, _)| d == domain).map(|(_, b)| b.as_str()),
            connection: self
                .connections
                .iter()
                .find(|(d, _, _)| d == domain)
                .map(|(_, b, required)| ConnectionOwner { body_id: b.as_str(), required: *required }),
        }
    }

    /// Whether `domain` is one of `body_id`'s own email domains.
    pub fn is_own_domain(&self, body_id: &str, domain: &str) -> bool {
        self.bodies.iter().any(|(d, b)| d == domain && b == body_id)
    }
}
