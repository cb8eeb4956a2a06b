//! Which new passwords are acceptable (NIST SP 800-63B §5.1.1.2): a minimum length, a bound on
//! length, and not on a list of commonly used passwords. No composition rules.

use std::sync::{Arc, OnceLock};

/// The SecLists top-100,000 list (MIT; see config/common-passwords.NOTICE.md).
const COMMON_PASSWORDS: &str = include_str!("../../config/common-passwords.txt");

/// The common-password list, lower-cased so that "Password" is refused as "password" is.
///
/// Built on first use, so a command that never checks a password (most CLI commands, most test
/// servers) never pays for it, and kept as one sorted string with offsets: about 1 MB for the
/// 100,000 entries, where a set of strings took several times that for the life of the process.
#[derive(Clone)]
pub struct CommonPasswords {
    source: &'static str,
    sorted: Arc<OnceLock<SortedList>>,
}

/// Distinct entries in one string, in byte order; `ends[i]` is where entry `i` ends.
struct SortedList {
    text: String,
    ends: Vec<usize>,
}

impl SortedList {
    fn build(source: &str) -> Self {
        let mut entries: Vec<String> = source.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_lowercase).collect();
        entries.sort_unstable();
        entries.dedup();
        let mut text = String::with_capacity(entries.iter().map(String::len).sum());
        let mut ends = Vec::with_capacity(entries.len());
        for e in &entries {
            text.push_str(e);
            ends.push(text.len());
        }
        Self { text, ends }
    }

    fn entry(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends.get(i - 1).copied().unwrap_or(0) };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or("")
    }

    fn contains(&self, needle: &str) -> bool {
        let (mut lo, mut hi) = (0, self.ends.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.entry(mid).cmp(needle) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        false
    }
}

impl CommonPasswords {
    pub fn load() -> Self {
        Self::from_lines(COMMON_PASSWORDS)
    }

    pub fn from_lines(source: &'static str) -> Self {
        Self { source, sorted: Arc::new(OnceLock::new()) }
    }

    fn list(&self) -> &SortedList {
        self.sorted.get_or_init(|| SortedList::build(self.source))
    }

    pub fn contains(&self, password: &str) -> bool {
        self.list().contains(&password.to_lowercase())
    }

    pub fn len(&self) -> usize {
        self.list().ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list().ends.is_empty()
    }
}

impl std::fmt::Debug for CommonPasswords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CommonPasswords({} entries)", self.len())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordRules {
    pub min_length: usize,
    pub max_length: usize,
}

impl PasswordRules {
    /// The strictest of the global rules and the body-level minimums that apply to the user.
    pub fn stricter(self, body_minimums: impl IntoIterator<Item = Option<i64>>) -> Self {
        let min = body_minimums.into_iter().flatten().filter_map(|m| usize::try_from(m).ok()).fold(self.min_length, usize::max);
        Self { min_length: min.min(self.max_length), ..self }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Your password must be at least {0} characters long.")]
    TooShort(usize),
    #[error("Your password must be at most {0} characters long.")]
    TooLong(usize),
    #[error("That password is one of the most commonly used; choose another.")]
    Common,
    #[error("Your password must not be your email address.")]
    SameAsEmail,
}

/// Checks a proposed password. Length counts characters, not bytes, as people do.
pub fn check(password: &str, email: &str, rules: PasswordRules, common: &CommonPasswords) -> Result<(), PasswordProblem> {
    let len = password.chars().count();
    if len < rules.min_length {
        return Err(PasswordProblem::TooShort(rules.min_length));
    }
    if len > rules.max_length {
        return Err(PasswordProblem::TooLong(rules.max_length));
    }
    if common.contains(password) {
        return Err(PasswordProblem::Common);
    }
    let lower = password.to_lowercase();
    if lower == email || email.split('@').next().is_some_and(|local| local.len() >= 4 && lower == local) {
        return Err(PasswordProblem::SameAsEmail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: PasswordRules = PasswordRules { min_length: 8, max_length: 256 };

    #[test]
    fn list_is_large_enough() {
        assert!(COMMON_PASSWORDS.lines().count() >= 100_000);
        let c = CommonPasswords::load();
        // Case-folding merges a few entries ("Password", "password").
        assert!(c.len() >= 90_000, "only {} entries", c.len());
        assert!(c.contains("password"));
        assert!(c.contains("Password"));
        assert!(c.contains("123456"));
    }

    #[test]
    fn sorted_list_finds_every_entry_and_nothing_else() {
        let c = CommonPasswords::from_lines("b\n\nA\n c \nzz\na\n");
        assert_eq!(c.len(), 4);
        for p in ["a", "A", "b", "c", "zz"] {
            assert!(c.contains(p), "{p}");
        }
        for p in ["", "aa", "bb", "d", "z", "zzz", " c"] {
            assert!(!c.contains(p), "{p:?}");
        }
        assert!(!CommonPasswords::from_lines("").contains(""));
    }

    #[test]
    fn rules() {
        let c = CommonPasswords::load();
        assert_eq!(check("short", "a@b.org", RULES, &c), Err(PasswordProblem::TooShort(8)));
        assert_eq!(check("password1", "a@b.org", RULES, &c), Err(PasswordProblem::Common));
        assert_eq!(check("QWERTYUIOP", "a@b.org", RULES, &c), Err(PasswordProblem::Common));
        assert_eq!(check(&"x".repeat(300), "a@b.org", RULES, &c), Err(PasswordProblem::TooLong(256)));
        assert_eq!(check("alice@example.org", "alice@example.org", RULES, &c), Err(PasswordProblem::SameAsEmail));
        assert_eq!(check("correct horse battery", "a@b.org", RULES, &c), Ok(()));
        // Eight characters of multibyte text is eight characters.
        assert_eq!(check("ééééééçç", "a@b.org", RULES, &c), Ok(()));
    }

    #[test]
    fn bodies_can_only_tighten() {
        let r = RULES.stricter([Some(12), None, Some(6)]);
        assert_eq!(r.min_length, 12);
        let r = RULES.stricter([Some(4)]);
        assert_eq!(r.min_length, 8);
    }
}
