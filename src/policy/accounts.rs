//! Which accounts an administrator may create or import, by their address's domain. Pure: the
//! caller looks up who owns the domain ([`DomainOwners`]) and asks.
//!
//! - Nobody (superusers and the command line included) gives a password or password hash to an
//!   address in a domain whose SSO connection is required: its people sign in upstream, and an
//!   account with a password chosen by someone else would be linked to the real person at their
//!   first SSO sign-in.
//! - A body's administrator (not a superuser) creates or imports accounts only for their body and
//!   only with an address in one of that body's own email domains; never in a domain an SSO
//!   connection of another body serves. Anyone else joins a body by invitation.

use super::delegation::Denied;

/// Who owns an email domain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomainOwners<'a> {
    /// The body whose email domain it is (domains are unique across bodies).
    pub body_id: Option<&'a str>,
    /// The SSO connection serving it: its body, and whether its sign-in is required.
    pub connection: Option<ConnectionOwner<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionOwner<'a> {
    pub body_id: &'a str,
    pub required: bool,
}

/// Refuses a password (hash) for an address whose domain must sign in by SSO, whoever asks.
pub fn check_password(domain: &str, owners: &DomainOwners<'_>) -> Result<(), Denied> {
    if owners.connection.is_some_and(|c| c.required) {
        return Err(Denied(format!(
            "Addresses at {domain} must sign in through their organisation's single sign-on, so their accounts cannot have a password; leave the password (hash) out."
        )));
    }
    Ok(())
}

/// Whether an actor may create (or import) an account at `domain` that joins `body_id` (None:
/// joins no body). Superusers may create any account.
pub fn check_new_account(superuser: bool, body_id: Option<&str>, domain: &str, owners: &DomainOwners<'_>) -> Result<(), Denied> {
    if superuser {
        return Ok(());
    }
    let Some(body_id) = body_id else {
        return Err(Denied("Only a superuser can create accounts that join no organisation.".into()));
    };
    if let Some(c) = owners.connection
        && c.body_id != body_id
    {
        return Err(Denied(format!(
            "{domain} signs in through another organisation's single sign-on; only a superuser can create accounts there."
        )));
    }
    match owners.body_id {
        Some(b) if b == body_id => Ok(()),
        Some(_) => Err(Denied(format!(
            "{domain} is another organisation's email domain; only a superuser can create accounts there. Invite the person as a member instead if they should join yours."
        ))),
        None => Err(Denied(format!(
            "You can only create accounts with an address in one of your organisation's email domains, and {domain} is not one; invite the person as a member by email instead."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: DomainOwners<'static> = DomainOwners { body_id: Some("camden"), connection: None };

    #[test]
    fn body_admins_create_only_in_their_own_domains() {
        assert_eq!(check_new_account(false, Some("camden"), "camden.gov.uk", &OWN), Ok(()));
        let other = DomainOwners { body_id: Some("islington"), connection: None };
        assert!(check_new_account(false, Some("camden"), "islington.gov.uk", &other).unwrap_err().0.contains("another organisation"));
        let nobody = DomainOwners::default();
        assert!(check_new_account(false, Some("camden"), "gmail.com", &nobody).unwrap_err().0.contains("invite"));
        assert!(check_new_account(false, None, "camden.gov.uk", &OWN).is_err());
        // A domain served by another body's SSO connection, even if listed nowhere else.
        let sso = DomainOwners { body_id: None, connection: Some(ConnectionOwner { body_id: "islington", required: false }) };
        assert!(check_new_account(false, Some("camden"), "isl.example", &sso).unwrap_err().0.contains("single sign-on"));
        let own_sso = DomainOwners { body_id: Some("camden"), connection: Some(ConnectionOwner { body_id: "camden", required: true }) };
        assert_eq!(check_new_account(false, Some("camden"), "camden.gov.uk", &own_sso), Ok(()));
        // Superusers may create anything.
        assert_eq!(check_new_account(true, None, "gmail.com", &nobody), Ok(()));
        assert_eq!(check_new_account(true, Some("camden"), "isl.example", &sso), Ok(()));
    }

    #[test]
    fn no_password_in_an_sso_required_domain() {
        let required = DomainOwners { body_id: Some("camden"), connection: Some(ConnectionOwner { body_id: "camden", required: true }) };
        assert!(check_password("camden.gov.uk", &required).is_err());
        let offered = DomainOwners { body_id: Some("camden"), connection: Some(ConnectionOwner { body_id: "camden", required: false }) };
        assert_eq!(check_password("camden.gov.uk", &offered), Ok(()));
        assert_eq!(check_password("gmail.com", &DomainOwners::default()), Ok(()));
    }
}
