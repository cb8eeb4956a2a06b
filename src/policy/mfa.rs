//! Is a second factor required? A pure function of who the user is and what is asking.

/// What a role or an app asks of its holders' or users' sign-in. Stored as a number in
/// `roles.mfa_required`, `clients.require_mfa` and `upstream_connections.trust_upstream_mfa`:
/// 0, 1 and 2 ([`MfaLevel::stored`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MfaLevel {
    #[default]
    Off,
    TwoFactor,
    /// A phishing-resistant second factor (a passkey or security key); implies two-factor.
    PhishingResistant,
}

impl MfaLevel {
    /// From the two switches the admin surfaces show ("2FA required", "a passkey required").
    pub const fn from_flags(required: bool, phishing_resistant: bool) -> Self {
        match (required, phishing_resistant) {
            (_, true) => MfaLevel::PhishingResistant,
            (true, false) => MfaLevel::TwoFactor,
            (false, false) => MfaLevel::Off,
        }
    }

    /// The stored number.
    pub const fn stored(self) -> i64 {
        match self {
            MfaLevel::Off => 0,
            MfaLevel::TwoFactor => 1,
            MfaLevel::PhishingResistant => 2,
        }
    }

    /// The level a stored number holds. Any number but 0 and 2 reads as two-factor, as the
    /// column has always been read (non-zero: required).
    pub const fn from_stored(n: i64) -> Self {
        match n {
            0 => MfaLevel::Off,
            2 => MfaLevel::PhishingResistant,
            _ => MfaLevel::TwoFactor,
        }
    }

    /// A second factor of any kind is required.
    pub const fn requires_mfa(self) -> bool {
        !matches!(self, MfaLevel::Off)
    }

    /// A passkey or security key is required.
    pub const fn requires_phr(self) -> bool {
        matches!(self, MfaLevel::PhishingResistant)
    }
}

/// Why two-factor authentication is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Superuser,
    Body,
    Role,
    Client,
    AcrValues,
}

impl Reason {
    /// Why a passkey is needed (the phishing-resistant level).
    pub fn explain_phr(self) -> &'static str {
        match self {
            Reason::Superuser | Reason::Body => "Your organisation requires you to sign in with a passkey or security key.",
            Reason::Role => "One of your roles requires you to sign in with a passkey or security key.",
            Reason::Client | Reason::AcrValues => "The application you are signing in to requires a passkey or security key.",
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Reason::Superuser => "Superusers must use two-factor authentication.",
            Reason::Body => "Your organisation requires two-factor authentication.",
            Reason::Role => "One of your roles requires two-factor authentication.",
            Reason::Client => "The application you are signing in to requires two-factor authentication.",
            Reason::AcrValues => "The application you are signing in to asked for two-factor authentication.",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inputs {
    pub superuser: bool,
    /// A body the user belongs to (and that is active) has `2fa: required`.
    pub body_requires: bool,
    /// A role the user holds has `mfa_required`.
    pub role_requires: bool,
    /// The client is configured to require it.
    pub client_requires: bool,
    /// The authorization request asked for the MFA level with `acr_values`.
    pub acr_requests_mfa: bool,
    /// A body the user belongs to (and that is active) has `2fa: phishing_resistant`.
    pub body_requires_phr: bool,
    /// The authorization request asked for `acr_values=phr`.
    pub acr_requests_phr: bool,
    /// A role the user holds requires a passkey.
    pub role_requires_phr: bool,
    /// The client requires a passkey for every sign-in to it.
    pub client_requires_phr: bool,
}

/// The first reason that makes 2FA required, or None when it is the user's choice. A
/// phishing-resistant requirement is a 2FA requirement too.
pub fn required(i: Inputs) -> Option<Reason> {
    if i.superuser {
        Some(Reason::Superuser)
    } else if i.body_requires || i.body_requires_phr {
        Some(Reason::Body)
    } else if i.role_requires || i.role_requires_phr {
        Some(Reason::Role)
    } else if i.client_requires || i.client_requires_phr {
        Some(Reason::Client)
    } else if i.acr_requests_mfa || i.acr_requests_phr {
        Some(Reason::AcrValues)
    } else {
        None
    }
}

/// The first reason that makes a phishing-resistant second factor (a passkey, or an upstream
/// SSO trusted to assert one) required, or None.
pub fn phishing_resistant(i: Inputs) -> Option<Reason> {
    if i.body_requires_phr {
        Some(Reason::Body)
    } else if i.role_requires_phr {
        Some(Reason::Role)
    } else if i.client_requires_phr {
        Some(Reason::Client)
    } else if i.acr_requests_phr {
        Some(Reason::AcrValues)
    } else {
        None
    }
}

/// The `acr` value for a multi-factor sign-in, and the one `acr_values` asks for.
pub const ACR_MFA: &str = "mfa";
/// The `acr` value for a single-factor sign-in.
pub const ACR_SINGLE: &str = "1fa";
/// The `acr` value for a phishing-resistant multi-factor sign-in (a passkey), and the one
/// `acr_values` asks for.
pub const ACR_PHR: &str = "phr";
/// Every `acr` value Stile issues, weakest first (discovery's `acr_values_supported`).
pub const ACR_VALUES: [&str; 3] = [ACR_SINGLE, ACR_MFA, ACR_PHR];

/// Whether a session at `acr` has a second factor.
pub fn acr_is_multi_factor(acr: &str) -> bool {
    acr == ACR_MFA || acr == ACR_PHR
}

/// Whether `acr_values` asks for a phishing-resistant sign-in.
pub fn acr_values_request_phr(acr_values: Option<&str>) -> bool {
    acr_values.is_some_and(|v| v.split(' ').any(|a| a == ACR_PHR))
}

/// Whether `acr_values` (space-separated, in order of preference) asks for MFA.
pub fn acr_values_request_mfa(acr_values: Option<&str>) -> bool {
    acr_values.is_some_and(|v| v.split(' ').any(|a| a == ACR_MFA))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_levels_keep_their_stored_numbers() {
        for (level, n, mfa, phr) in
            [(MfaLevel::Off, 0, false, false), (MfaLevel::TwoFactor, 1, true, false), (MfaLevel::PhishingResistant, 2, true, true)]
        {
            assert_eq!(level.stored(), n);
            assert_eq!(MfaLevel::from_stored(n), level);
            assert_eq!(MfaLevel::from_flags(mfa, phr), level);
            assert_eq!((level.requires_mfa(), level.requires_phr()), (mfa, phr));
        }
        assert_eq!(MfaLevel::from_flags(false, true), MfaLevel::PhishingResistant, "a passkey implies 2FA");
        assert_eq!(MfaLevel::from_stored(7), MfaLevel::TwoFactor, "non-zero has always meant required");
    }

    #[test]
    fn each_source_requires() {
        assert_eq!(required(Inputs::default()), None);
        let cases = [
            (Inputs { superuser: true, ..Default::default() }, Reason::Superuser),
            (Inputs { body_requires: true, ..Default::default() }, Reason::Body),
            (Inputs { role_requires: true, ..Default::default() }, Reason::Role),
            (Inputs { client_requires: true, ..Default::default() }, Reason::Client),
            (Inputs { acr_requests_mfa: true, ..Default::default() }, Reason::AcrValues),
        ];
        for (inputs, reason) in cases {
            assert_eq!(required(inputs), Some(reason));
        }
        // The user's own standing wins when several apply.
        assert_eq!(required(Inputs { superuser: true, client_requires: true, ..Default::default() }), Some(Reason::Superuser));
    }

    #[test]
    fn phishing_resistant_implies_required() {
        let i = Inputs { body_requires_phr: true, ..Default::default() };
        assert_eq!(required(i), Some(Reason::Body));
        assert_eq!(phishing_resistant(i), Some(Reason::Body));
        let i = Inputs { acr_requests_phr: true, ..Default::default() };
        assert_eq!((required(i), phishing_resistant(i)), (Some(Reason::AcrValues), Some(Reason::AcrValues)));
        // Plain 2FA is not the phishing-resistant level.
        let i = Inputs {
            superuser: true,
            body_requires: true,
            role_requires: true,
            client_requires: true,
            acr_requests_mfa: true,
            ..Default::default()
        };
        assert_eq!(phishing_resistant(i), None);
        // A role's and a client's phishing-resistant level.
        let i = Inputs { role_requires_phr: true, ..Default::default() };
        assert_eq!((required(i), phishing_resistant(i)), (Some(Reason::Role), Some(Reason::Role)));
        let i = Inputs { client_requires_phr: true, ..Default::default() };
        assert_eq!((required(i), phishing_resistant(i)), (Some(Reason::Client), Some(Reason::Client)));
        assert!(acr_values_request_phr(Some("mfa phr")));
        assert!(!acr_values_request_phr(Some("mfa")));
        assert!(acr_is_multi_factor("phr") && acr_is_multi_factor("mfa") && !acr_is_multi_factor("1fa"));
    }

    #[test]
    fn acr_values() {
        assert!(acr_values_request_mfa(Some("mfa")));
        assert!(acr_values_request_mfa(Some("1fa mfa")));
        assert!(!acr_values_request_mfa(Some("1fa")));
        assert!(!acr_values_request_mfa(None));
    }
}
