//! The refusals of `/authorize`, `/end_session` and the account page that reach a person as an
//! error page's text (issue 18). They are written in English where they arise, because the same
//! words go to relying apps and logs (a pushed request's refusal is an API answer); on the way
//! to the error page each fixed one is looked up in the catalogue (`locales/*/refusals.ftl`,
//! keys `refused-…`, whose English is the same text) in the request's language. Text with
//! details in it is shown as it is. A unit test keeps the two the same.

use super::say::text;

/// English text as it is written, and its catalogue key.
const REFUSALS: [(&str, &str); 13] = [
    ("The request does not say which application is asking (client_id is missing).", "refused-no-client-id"),
    ("This sign-in request has expired or has already been used. Go back to the application and start again.", "refused-request-gone"),
    ("Something went wrong on our side. Try again in a moment.", "refused-our-side"),
    ("The application asking you to sign in is not registered here.", "refused-unknown-client"),
    ("The request has no redirect_uri.", "refused-no-redirect-uri"),
    ("The application asked to send you to an address it has not registered, so it cannot continue.", "refused-unregistered-redirect"),
    ("The sign-out request carries an ID token that was not issued here.", "refused-foreign-id-token"),
    ("The sign-out request names two different applications.", "refused-two-applications"),
    ("The application asked to send you to an address it has not registered.", "refused-unregistered-logout-redirect"),
    ("A post-logout address needs id_token_hint or client_id to say which application asks.", "refused-logout-redirect-unnamed"),
    ("The application's address cannot be used.", "refused-unusable-address"),
    ("That session has already ended.", "refused-session-ended"),
    ("You had not given that application access.", "refused-no-consent"),
];

/// An error page's text in the request's language, when the catalogue has it.
pub fn page_text(english: &str) -> String {
    match REFUSALS.iter().find(|(en, _)| *en == english) {
        Some((_, key)) => text(key),
        None => english.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Tr};

    const SOURCES: [&str; 3] = [include_str!("../oidc/authorize.rs"), include_str!("../oidc/end_session.rs"), include_str!("account.rs")];

    #[test]
    fn refusals_match_where_they_are_written_and_the_catalogue() {
        for (english, key) in REFUSALS {
            assert_eq!(Tr::plain(Lang::EnGb).get(key).0, english, "the catalogue's English of {key}");
            assert!(crate::i18n::has(Lang::CyGb, key) && Tr::plain(Lang::CyGb).get(key).0 != english, "{key} has Welsh");
            assert!(SOURCES.iter().any(|s| s.contains(english)), "{english:?} is no longer written where it arises");
        }
        // Outside a request, and for text not in the table: as it is.
        assert_eq!(page_text("That session has already ended."), "That session has already ended.");
        assert_eq!(page_text("parameter scope is repeated"), "parameter scope is repeated");
    }
}
