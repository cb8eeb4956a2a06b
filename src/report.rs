//! Error text for the log. Lives at the bottom so that the store, mail and sign-in can log a
//! cause chain without importing the HTTP error types in `crate::error`.

/// The full chain of causes, for the log.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
