//! What a body (organisation) is: its kind, its status and its 2FA policy. Each is read from the
//! database or from input once, into these enums, and compared as an enum everywhere else; the
//! text (`as_str`, `Display`, serde) is the database's and the API's, unchanged.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A value that names none of an enum's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct Unknown {
    pub what: &'static str,
    pub value: String,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            /// The database's and the API's text.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl FromStr for $name {
            type Err = Unknown;

            fn from_str(s: &str) -> Result<Self, Unknown> {
                Self::parse(s).ok_or_else(|| Unknown { what: $what, value: s.to_owned() })
            }
        }

        /// For reading a row's text column (`#[sqlx(try_from = "String")]`).
        impl TryFrom<String> for $name {
            type Error = Unknown;

            fn try_from(s: String) -> Result<Self, Unknown> {
                s.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // `pad`, so width and alignment (`{:<18}`) apply as they do to the text.
                f.pad(self.as_str())
            }
        }
    };
}

text_enum!(
    /// A body's kind: a FixMyStreet council or one of the Street Manager organisations.
    BodyKind, "organisation kind" {
        Council => "council",
        HighwayAuthority => "highway_authority",
        Promoter => "promoter",
        Contractor => "contractor",
        Other => "other",
    }
);

impl BodyKind {
    /// How pages name the kind.
    pub const fn label(self) -> &'static str {
        match self {
            BodyKind::Council => "Council",
            BodyKind::HighwayAuthority => "Highway authority",
            BodyKind::Promoter => "Promoter",
            BodyKind::Contractor => "Contractor",
            BodyKind::Other => "Other",
        }
    }

    /// Street Manager organisations (as opposed to FixMyStreet bodies).
    pub fn is_street_manager(self) -> bool {
        matches!(self, BodyKind::HighwayAuthority | BodyKind::Promoter | BodyKind::Contractor)
    }
}

text_enum!(
    /// Whether a body's members may act for it: those of a suspended or disabled body cannot.
    BodyStatus, "organisation status" {
        Active => "active",
        Suspended => "suspended",
        Disabled => "disabled",
    }
);

impl BodyStatus {
    /// How pages name the status.
    pub const fn label(self) -> &'static str {
        match self {
            BodyStatus::Active => "Active",
            BodyStatus::Suspended => "Suspended",
            BodyStatus::Disabled => "Disabled",
        }
    }

    pub fn is_active(self) -> bool {
        self == BodyStatus::Active
    }
}

text_enum!(
    /// A body's 2FA policy (also its floor, the policy a superuser last set).
    MfaPolicy, "2FA policy" {
        Optional => "optional",
        Required => "required",
        PhishingResistant => "phishing_resistant",
    }
);

impl MfaPolicy {
    /// A second factor is required (of any kind, or a phishing-resistant one).
    pub fn is_required(self) -> bool {
        self != MfaPolicy::Optional
    }

    /// Only a passkey (or an upstream SSO trusted to assert one) will do.
    pub fn is_phishing_resistant(self) -> bool {
        self == MfaPolicy::PhishingResistant
    }

    /// How far it goes: optional < required < phishing-resistant.
    pub fn strength(self) -> u8 {
        match self {
            MfaPolicy::Optional => 0,
            MfaPolicy::Required => 1,
            MfaPolicy::PhishingResistant => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for k in BodyKind::ALL {
            assert_eq!(k.as_str().parse::<BodyKind>(), Ok(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::Value::String(k.to_string()));
        }
        for s in BodyStatus::ALL {
            assert_eq!(BodyStatus::try_from(s.as_str().to_owned()), Ok(*s));
            assert_eq!(serde_json::from_value::<BodyStatus>(serde_json::json!(s.as_str())).unwrap(), *s);
        }
        for p in MfaPolicy::ALL {
            assert_eq!(p.to_string().parse::<MfaPolicy>(), Ok(*p));
        }
        assert_eq!(BodyKind::HighwayAuthority.as_str(), "highway_authority");
        assert_eq!(serde_json::to_string(&BodyStatus::Suspended).unwrap(), "\"suspended\"");
        assert_eq!(format!("[{:<9}]", MfaPolicy::Required), "[required ]");
    }

    #[test]
    fn unknown_text_is_refused() {
        assert_eq!("Active".parse::<BodyStatus>(), Err(Unknown { what: "organisation status", value: "Active".into() }));
        assert!("".parse::<BodyKind>().is_err());
        assert!(MfaPolicy::try_from("always".to_owned()).is_err());
        assert!(serde_json::from_str::<MfaPolicy>("\"Required\"").is_err());
        assert!(BodyKind::parse("county").is_none());
    }
}
