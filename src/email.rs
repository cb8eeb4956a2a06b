//! Email addresses, parsed once: trimmed, Unicode NFKC (fullwidth and other compatibility forms
//! become their plain letters), lower-cased, an internationalised domain as IDNA (UTS #46) maps
//! it (`xn--` labels decoded). Two spellings of the same address are the same
//! account. Invisible characters and local parts mixing scripts (Latin with a Cyrillic `а`) are
//! refused, and [`Email::skeleton`] (UTS #39) lets the store refuse an address that merely looks
//! like an existing account's.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_security::MixedScript;

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
    #[error("That email address contains an invisible character. Type it in again rather than pasting it.")]
    Invisible,
    #[error(
        "That email address mixes letters from different alphabets (such as Latin and Cyrillic), so it could be mistaken for another. Type it in again using one alphabet."
    )]
    MixedScript,
}

/// A character an address's local part may not hold (space, a control, or one of RFC 5322's
/// specials other than `@` and `.`): where text around an address can end it.
pub(crate) fn cannot_be_in_local_part(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"' | '\\' | '(' | ')' | '[' | ']')
}

/// Default-ignorable code points (Unicode's DerivedCoreProperties): they render as nothing, so
/// `ad\u{200B}min` would look exactly like `admin`.
pub(crate) fn invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// The UTS #39 skeleton of an address with its accents removed: two addresses with the same
/// skeleton look alike (`admin`, `аdmin` with a Cyrillic а, `ádmin`, `rnodern` and `modern`).
pub fn skeleton(address: &str) -> String {
    let bare: String = address.nfkd().filter(|c| !is_combining_mark(*c) && !invisible(*c)).collect();
    unicode_security::skeleton(&bare).filter(|c| !is_combining_mark(*c)).nfc().collect()
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().any(invisible) {
            return Err(EmailError::Invisible);
        }
        let compatible: String = trimmed.nfkc().collect();
        // Lower-casing can change the composition of some characters; normalise once more.
        let normalised: String = compatible.to_lowercase().nfkc().collect();
        if normalised.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = normalised.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let bad_char = cannot_be_in_local_part;
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
        if !local.is_ascii() && !local.is_single_script() {
            return Err(EmailError::MixedScript);
        }
        // An internationalised domain is stored as IDNA (UTS #46) makes it, the form whose A-labels
        // are its DNS name: `xn--mnchen-3ya.de` is `münchen.de`, and `ᾳ.gr` is `αι.gr`, so a ban,
        // an SSO requirement, a body's domain or the look-alike check holds in every spelling
        // that reaches the same mailbox.
        // From the domain as typed, not lower-cased: UTS #46 folds case itself, and lower-casing
        // first would turn a final capital sigma into ς where IDNA gives σ.
        let as_typed = compatible.rsplit_once('@').map_or(domain, |(_, d)| d);
        let unicode_form = if needs_idna(domain) { unicode_domain(as_typed)? } else { String::new() };
        let domain = if unicode_form.is_empty() { domain } else { unicode_form.as_str() };
        if domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || domain.chars().any(|c| !(c.is_alphanumeric() || c == '-' || c == '.'))
            || domain.split('.').any(|l| l.starts_with('-') || l.ends_with('-') || l.is_empty())
        {
            return Err(EmailError::Malformed);
        }
        // What the mail server is given must be an address too (RFC 5321/6531, as the mailer
        // checks it): lower-casing `İ` gives `i` and a combining dot, which no message could be
        // sent to, and an account or invitation that could never be emailed is refused here.
        if lettre::Address::new(local, domain).is_err() {
            return Err(EmailError::Malformed);
        }
        if !unicode_form.is_empty() {
            return Ok(Self(format!("{local}@{domain}")));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }

    /// What look-alike addresses share (see [`skeleton`]).
    pub fn skeleton(&self) -> String {
        skeleton(&self.0)
    }

    /// Wraps a value read back from the database, where it was stored already normalised.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
}

/// Whether a domain is not plain ASCII letters, digits and hyphens: one with A-labels or with
/// other characters, which UTS #46 maps.
pub fn needs_idna(domain: &str) -> bool {
    !domain.is_ascii() || domain.split('.').any(|l| l.starts_with("xn--"))
}

/// The Unicode form of an internationalised domain (UTS #46 mapped, A-labels decoded); refused
/// when a label is not valid Punycode or IDNA, or decodes to more than one label.
fn unicode_domain(domain: &str) -> Result<String, EmailError> {
    let (decoded, valid) = idna::domain_to_unicode(domain);
    if valid.is_err() {
        return Err(EmailError::Malformed);
    }
    // Not normalised again: UTS #46's mapping is the normalisation here (it folds case), and
    // lower-casing after it would undo some of it (Cherokee).
    if decoded.split('.').count() != domain.split('.').count() || decoded.split('.').any(|l| l.starts_with("xn--")) {
        return Err(EmailError::Malformed);
    }
    Ok(decoded)
}

/// True when both are the same valid domain, however each is spelled (case, A-labels).
pub fn same_domain(a: &str, b: &str) -> bool {
    matches!((normalise_domain(a), normalise_domain(b)), (Ok(x), Ok(y)) if x == y)
}

/// The ASCII (A-label) form of a domain, for what must send it on the wire (an upstream's `hd`);
/// the domain itself when it has none.
pub fn ascii_domain(domain: &str) -> String {
    idna::domain_to_ascii(domain).unwrap_or_else(|_| domain.to_owned())
}

/// An address as SMTP and mail headers carry it: its domain as A-labels (RFC 5890), so that a
/// Unicode domain needs no SMTPUTF8 (a non-ASCII local part still does).
pub fn wire_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => format!("{local}@{}", ascii_domain(domain)),
        _ => address.to_owned(),
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
            "a@x.org*",
            "a@x_y.org",
            "a@x+y.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        // Accepted only if a message could be sent to it: `İ` lower-cases to `i` and a
        // combining dot, and a colon is no part of an address outside quotes.
        for unsendable in ["VİCTİM@x.example", "vict\u{130}m@x.example", "a:b@x.example"] {
            assert_eq!(Email::parse(unsendable), Err(EmailError::Malformed), "{unsendable:?}");
        }
        for sendable in ["sian.o'neill@camden.example", "jos\u{e9}@example.org", "ann+tag@x.example", "d\u{f6}rte@m\u{fc}nchen.de"] {
            assert!(Email::parse(sendable).is_ok(), "{sendable:?} refused");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn look_alikes() {
        let admin = Email::parse("admin@example.org").unwrap();
        // Fullwidth letters are the plain ones after NFKC: the same account.
        assert_eq!(Email::parse("\u{ff41}dmin@example.org").unwrap(), admin);
        assert_eq!(Email::parse("\u{ff21}DMIN@EXAMPLE.ORG").unwrap(), admin);
        // A Cyrillic а among Latin letters.
        assert_eq!(Email::parse("\u{430}dmin@example.org"), Err(EmailError::MixedScript));
        // Invisible characters.
        assert_eq!(Email::parse("ad\u{200b}min@example.org"), Err(EmailError::Invisible));
        assert_eq!(Email::parse("admin\u{feff}@example.org"), Err(EmailError::Invisible));
        // An accent is a different address, but it looks like the plain one.
        let accented = Email::parse("a\u{301}dmin@example.org").unwrap();
        assert_ne!(accented, admin);
        assert_eq!(accented.skeleton(), admin.skeleton());
        // Whole-script look-alikes (all Cyrillic) are allowed as addresses but share a skeleton.
        let cyrillic = Email::parse("\u{430}\u{441}\u{435}@example.org").unwrap();
        assert_eq!(cyrillic.skeleton(), Email::parse("ace@example.org").unwrap().skeleton());
        assert_eq!(Email::parse("modern@example.org").unwrap().skeleton(), Email::parse("rnodern@example.org").unwrap().skeleton());
        // Real other addresses differ; single-script non-Latin addresses are fine.
        assert_ne!(Email::parse("bob@example.org").unwrap().skeleton(), admin.skeleton());
        assert!(Email::parse("\u{3b1}\u{3bb}\u{3b5}\u{3be}@example.org").is_ok());
        assert!(Email::parse("jos\u{e9}.garc\u{ed}a+x@example.org").is_ok());
    }

    #[test]
    fn a_labels_are_the_unicode_domain() {
        let unicode = Email::parse("eve@m\u{fc}nchen.de").unwrap();
        for spelled in ["eve@xn--mnchen-3ya.de", "Eve@XN--MNCHEN-3YA.DE", "eve@xn--mnchen-3ya.de "] {
            assert_eq!(Email::parse(spelled).unwrap(), unicode, "{spelled}");
        }
        assert_eq!(Email::parse("eve@mail.xn--mnchen-3ya.de").unwrap().domain(), "mail.m\u{fc}nchen.de");
        assert_eq!(normalise_domain("xn--mnchen-3ya.de").unwrap(), "m\u{fc}nchen.de");
        // Not valid Punycode, or not a valid IDNA label once decoded.
        for bad in ["eve@xn--.de", "eve@xn--zz-%.de", "eve@xn--a.de", "eve@xn---.de", "eve@xn--ls8h.xn--.org"] {
            assert_eq!(Email::parse(bad), Err(EmailError::Malformed), "{bad:?}");
        }
        // A Unicode domain is left as it is, and sent on the wire as its A-labels.
        assert_eq!(Email::parse("eve@m\u{fc}nchen.de").unwrap().domain(), "m\u{fc}nchen.de");
        assert_eq!(ascii_domain("m\u{fc}nchen.de"), "xn--mnchen-3ya.de");
        assert_eq!(ascii_domain("camden.gov.uk"), "camden.gov.uk");
        assert_eq!(wire_address("eve@m\u{fc}nchen.de"), "eve@xn--mnchen-3ya.de");
        assert_eq!(wire_address("jos\u{e9}@example.org"), "jos\u{e9}@example.org");
        assert!(same_domain("XN--MNCHEN-3YA.de", "m\u{fc}nchen.de"));
        assert!(!same_domain("", "m\u{fc}nchen.de"));
        assert!(!same_domain("munchen.de", "m\u{fc}nchen.de"));
        // UTS #46 maps a Unicode domain too: two spellings of one DNS name are one address.
        let iota = Email::parse("eve@\u{1fb3}.gr").unwrap();
        assert_eq!(iota.domain(), "\u{3b1}\u{3b9}.gr");
        assert_eq!(Email::parse("eve@\u{3b1}\u{3b9}.gr").unwrap(), iota);
        assert_eq!(wire_address(iota.as_str()), wire_address("eve@\u{1fb3}.gr"));
        assert_eq!(Email::parse("eve@stra\u{df}e.de").unwrap().domain(), "stra\u{df}e.de", "IDNA2008 keeps \u{df}");
        // A capital sigma is σ wherever it stands, as IDNA maps it; a typed ς stays ς.
        assert_eq!(Email::parse("eve@\u{391}\u{3a3}-1.gr").unwrap().domain(), "\u{3b1}\u{3c3}-1.gr");
        assert_eq!(Email::parse("EVE@\u{391}\u{3a3}.gr").unwrap().domain(), "\u{3b1}\u{3c3}.gr");
        assert_eq!(Email::parse("eve@\u{3b1}\u{3c2}-1.gr").unwrap().domain(), "\u{3b1}\u{3c2}-1.gr");
        for plain in ["eve@m\u{fc}nchen.de", "eve@\u{65e5}\u{672c}.jp", "eve@\u{3b1}\u{3b9}.gr"] {
            let e = Email::parse(plain).unwrap();
            assert_eq!(Email::parse(e.as_str()).unwrap(), e, "stable: {plain}");
        }
        // A look-alike of the decoded form is still a look-alike.
        assert_eq!(Email::parse("eve@xn--mnchen-3ya.de").unwrap().skeleton(), unicode.skeleton());
    }

    #[test]
    fn domains() {
        assert_eq!(normalise_domain("@Camden.GOV.uk").unwrap(), "camden.gov.uk");
        assert!(normalise_domain("nodot").is_err());
    }
}
