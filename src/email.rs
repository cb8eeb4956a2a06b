//! Email addresses, parsed once: trimmed, Unicode NFC, lower-cased. Two spellings of the same
//! address are the same account.

use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("Enter an email address in the form name@example.org.")]
    Malformed,
    #[error("That email address is too long.")]
    TooLong,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        let normalised: String = trimmed.nfc().collect::<String>().to_lowercase();
        // Lower-casing can change the composition of some characters; normalise once more.
        let normalised: String = normalised.nfc().collect();
        if normalised.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = normalised.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let bad_char =
            |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"' | '\\' | '(' | ')' | '[' | ']');
        if local.is_empty()
            || local.chars().count() > 64
            || local.contains('@')
            || local.chars().any(bad_char)
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return Err(EmailError::Malformed);
        }
        if domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || domain.chars().any(|c| bad_char(c) || c == '_')
            || domain.split('.').any(|l| l.starts_with('-') || l.ends_with('-') || l.is_empty())
        {
            return Err(EmailError::Malformed);
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }

    /// Wraps a value read back from the database, where it was stored already normalised.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A domain name as bodies claim it (home-realm discovery): lower-cased, NFC, no leading '@'.
pub fn normalise_domain(input: &str) -> Result<String, EmailError> {
    let probe = format!("x@{}", input.trim().trim_start_matches('@'));
    Email::parse(&probe).map(|e| e.domain().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_normalises() {
        let a = Email::parse("  Alice@Example.ORG ").unwrap();
        assert_eq!(a.as_str(), "alice@example.org");
        // "é" precomposed vs e + combining acute
        let b = Email::parse("jos\u{e9}@example.org").unwrap();
        let c = Email::parse("JOSE\u{301}@example.org").unwrap();
        assert_eq!(b, c);
        assert_eq!(a.domain(), "example.org");
    }

    #[test]
    fn rejects_bad_addresses() {
        for bad in [
            "",
            "   ",
            "no-at",
            "@example.org",
            "a@",
            "a@b",
            "a b@example.org",
            "a@exa mple.org",
            "a..b@example.org",
            "a@-x.org",
            "a@x..org",
            "<a@x.org>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn domains() {
        assert_eq!(normalise_domain("@Camden.GOV.uk").unwrap(), "camden.gov.uk");
        assert!(normalise_domain("nodot").is_err());
    }
}
