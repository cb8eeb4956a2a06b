//! The emails Stile sends, each an askama pair `templates/email/NAME.txt` + `NAME.html`.

use askama::Template;

use crate::i18n::{Lang, Tr};

use super::{MailError, Rendered};

/// A sign-in link and the same sign-in as a code to type.
pub struct SignInLink<'a> {
    pub site_name: &'a str,
    pub link: &'a str,
    pub code: &'a str,
    pub minutes: i64,
    pub new_account: bool,
}

/// Someone asked to sign in with an address that has no account (only with
/// `signup.notify_unknown`).
pub struct NoAccount<'a> {
    pub site_name: &'a str,
    pub sign_in_url: &'a str,
}

/// Confirms a new password typed while signed out.
pub struct PasswordConfirm<'a> {
    pub site_name: &'a str,
    pub link: &'a str,
    pub minutes: i64,
    pub had_password: bool,
}

#[derive(Template)]
#[template(path = "email/password_confirm.txt")]
struct PasswordConfirmTxt<'a> {
    m: &'a PasswordConfirm<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/password_confirm.html")]
struct PasswordConfirmHtml<'a> {
    m: &'a PasswordConfirm<'a>,
    t: Tr,
    site_name: &'a str,
}

impl PasswordConfirm<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_person`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        let key = if self.had_password { "mail-password-subject-new" } else { "mail-password-subject" };
        Ok(Rendered {
            subject: t.msg(key).arg("site", self.site_name).to_string(),
            text: PasswordConfirmTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: PasswordConfirmHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

/// The link that confirms a new address, sent to that address.
pub struct EmailChangeConfirm<'a> {
    pub site_name: &'a str,
    pub link: &'a str,
    pub minutes: i64,
    pub new_email: &'a str,
}

/// Tells the old address that a change to another was asked for.
pub struct EmailChangeNotice<'a> {
    pub site_name: &'a str,
    pub new_email: &'a str,
    pub old_email: &'a str,
}

#[derive(Template)]
#[template(path = "email/email_change_confirm.txt")]
struct EmailChangeConfirmTxt<'a> {
    m: &'a EmailChangeConfirm<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/email_change_confirm.html")]
struct EmailChangeConfirmHtml<'a> {
    m: &'a EmailChangeConfirm<'a>,
    t: Tr,
    site_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/email_change_notice.txt")]
struct EmailChangeNoticeTxt<'a> {
    m: &'a EmailChangeNotice<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/email_change_notice.html")]
struct EmailChangeNoticeHtml<'a> {
    m: &'a EmailChangeNotice<'a>,
    t: Tr,
    site_name: &'a str,
}

impl EmailChangeConfirm<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_person`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        Ok(Rendered {
            subject: t.msg("mail-email-change-subject").arg("site", self.site_name).to_string(),
            text: EmailChangeConfirmTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: EmailChangeConfirmHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

impl EmailChangeNotice<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_person`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        Ok(Rendered {
            subject: t.msg("mail-email-notice-subject").arg("site", self.site_name).to_string(),
            text: EmailChangeNoticeTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: EmailChangeNoticeHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

#[derive(Template)]
#[template(path = "email/sign_in_link.txt")]
struct SignInLinkTxt<'a> {
    m: &'a SignInLink<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/sign_in_link.html")]
struct SignInLinkHtml<'a> {
    m: &'a SignInLink<'a>,
    t: Tr,
    site_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/no_account.txt")]
struct NoAccountTxt<'a> {
    m: &'a NoAccount<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/no_account.html")]
struct NoAccountHtml<'a> {
    m: &'a NoAccount<'a>,
    t: Tr,
    site_name: &'a str,
}

impl SignInLink<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_person`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        Ok(Rendered {
            subject: t.msg("mail-sign-in-subject").arg("site", self.site_name).to_string(),
            text: SignInLinkTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: SignInLinkHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

impl NoAccount<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_person`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        Ok(Rendered {
            subject: t.msg("mail-no-account-subject").arg("site", self.site_name).to_string(),
            text: NoAccountTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: NoAccountHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

/// Tells a user an administrator removed their two-factor authentication.
pub struct MfaReset<'a> {
    pub site_name: &'a str,
    pub email: &'a str,
    pub security_link: &'a str,
}

#[derive(Template)]
#[template(path = "email/mfa_reset.txt")]
struct MfaResetTxt<'a> {
    m: &'a MfaReset<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/mfa_reset.html")]
struct MfaResetHtml<'a> {
    m: &'a MfaReset<'a>,
    t: Tr,
    site_name: &'a str,
}

impl MfaReset<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_person`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        Ok(Rendered {
            subject: t.msg("mail-mfa-reset-subject").arg("site", self.site_name).to_string(),
            text: MfaResetTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: MfaResetHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

/// Tells a user an administrator removed all their passkeys.
pub struct PasskeysRemoved<'a> {
    pub site_name: &'a str,
    pub email: &'a str,
    pub security_link: &'a str,
}

#[derive(Template)]
#[template(path = "email/passkeys_removed.txt")]
struct PasskeysRemovedTxt<'a> {
    m: &'a PasskeysRemoved<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/passkeys_removed.html")]
struct PasskeysRemovedHtml<'a> {
    m: &'a PasskeysRemoved<'a>,
    t: Tr,
    site_name: &'a str,
}

impl PasskeysRemoved<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_recipient`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        Ok(Rendered {
            subject: t.msg("mail-passkeys-removed-subject").arg("site", self.site_name).to_string(),
            text: PasskeysRemovedTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: PasskeysRemovedHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

/// An invitation to join a body: accepted on a page where the person is signed in with the
/// address it was sent to.
pub struct Invitation<'a> {
    pub site_name: &'a str,
    pub body_name: &'a str,
    pub link: &'a str,
    pub days: i64,
}

#[derive(Template)]
#[template(path = "email/invitation.txt")]
struct InvitationTxt<'a> {
    m: &'a Invitation<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct InvitationHtml<'a> {
    m: &'a Invitation<'a>,
    t: Tr,
    site_name: &'a str,
}

impl Invitation<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_person`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        Ok(Rendered {
            subject: t.msg("mail-invitation-subject").arg("body", self.body_name).arg("site", self.site_name).to_string(),
            text: InvitationTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: InvitationHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

/// A new account's welcome, sent when the administrator who made it asked for one: the link
/// signs its owner in for the first time.
pub struct Welcome<'a> {
    pub site_name: &'a str,
    /// The organisation the account was made for, if any.
    pub body_name: Option<&'a str>,
    pub link: &'a str,
    pub days: i64,
}

#[derive(Template)]
#[template(path = "email/welcome.txt")]
struct WelcomeTxt<'a> {
    m: &'a Welcome<'a>,
    t: Tr,
}

#[derive(Template)]
#[template(path = "email/welcome.html")]
struct WelcomeHtml<'a> {
    m: &'a Welcome<'a>,
    t: Tr,
    site_name: &'a str,
}

impl Welcome<'_> {
    /// The message in `lang` (the recipient's: see `crate::i18n::for_person`).
    pub fn render(&self, lang: Lang) -> Result<Rendered, MailError> {
        let t = Tr::plain(lang);
        Ok(Rendered {
            subject: t.msg("mail-welcome-subject").arg("site", self.site_name).to_string(),
            text: WelcomeTxt { m: self, t: Tr::plain(lang) }.render()?,
            html: WelcomeHtml { m: self, site_name: self.site_name, t: Tr::new(lang) }.render()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every email in `lang`, each way it can be worded.
    fn all(lang: Lang) -> Vec<(&'static str, Rendered)> {
        let s = "Cyngor Conwy";
        let link = "https://id.example/x?t=abc";
        let r = |m: Result<Rendered, MailError>| m.expect("renders");
        let mut out = Vec::new();
        for new_account in [false, true] {
            out.push(("sign-in link", r(SignInLink { site_name: s, link, code: "123456", minutes: 15, new_account }.render(lang))));
        }
        out.push(("no account", r(NoAccount { site_name: s, sign_in_url: link }.render(lang))));
        for had_password in [false, true] {
            out.push(("password", r(PasswordConfirm { site_name: s, link, minutes: 15, had_password }.render(lang))));
        }
        out.push(("email change", r(EmailChangeConfirm { site_name: s, link, minutes: 15, new_email: "new@conwy.example" }.render(lang))));
        out.push((
            "email change notice",
            r(EmailChangeNotice { site_name: s, new_email: "new@conwy.example", old_email: "old@conwy.example" }.render(lang)),
        ));
        out.push(("2FA reset", r(MfaReset { site_name: s, email: "a@conwy.example", security_link: link }.render(lang))));
        out.push(("passkeys removed", r(PasskeysRemoved { site_name: s, email: "a@conwy.example", security_link: link }.render(lang))));
        out.push(("invitation", r(Invitation { site_name: s, body_name: "Conwy", link, days: 7 }.render(lang))));
        for body_name in [None, Some("Conwy")] {
            out.push(("welcome", r(Welcome { site_name: s, body_name, link, days: 7 }.render(lang))));
        }
        out
    }

    /// The English catalogue's email wording, in pieces between its placeables (a Welsh email
    /// may hold none of them).
    fn english_pieces() -> Vec<String> {
        let (_, emails) = crate::i18n::EN_GB_FILES.iter().find(|(name, _)| *name == "emails.ftl").expect("emails.ftl");
        let mut pieces: Vec<String> = Vec::new();
        for line in emails.lines().filter(|l| !l.starts_with('#')) {
            let value = line.split_once(" = ").map(|(_, v)| v).unwrap_or(line).trim().trim_start_matches('*');
            // A plural variant's text, without its key ("[one] ").
            let value = if value.starts_with('[') { value.split_once(']').map(|(_, v)| v).unwrap_or(value) } else { value };
            for piece in value.split(['{', '}']) {
                let piece = piece.trim();
                // Three words or more (not markup, a name or a number).
                let words = piece.split_whitespace().filter(|w| w.chars().all(|c| c.is_alphabetic() || ",.':".contains(c))).count();
                if words >= 3 && !piece.starts_with('$') {
                    pieces.push(piece.to_owned());
                }
            }
        }
        pieces
    }

    /// Every email renders in Welsh, subject and both parts, with no English wording in it.
    #[test]
    fn every_email_in_welsh_has_no_english() {
        let english = english_pieces();
        assert!(english.len() > 30, "{english:?}");
        let welsh = all(Lang::CyGb);
        assert!(welsh.len() >= 11);
        for (name, m) in &welsh {
            assert!(m.html.contains("<html lang=\"cy\">"), "{name}: {}", m.html);
            for (part, text) in [("subject", &m.subject), ("text", &m.text), ("html", &m.html)] {
                assert!(!text.trim().is_empty(), "{name} {part}");
                for piece in &english {
                    assert!(!text.contains(piece.as_str()), "{name} {part} in Welsh holds English {piece:?}: {text}");
                }
            }
        }
        // And the check can fail: the English emails hold their wording.
        let en = all(Lang::EnGb);
        for (name, m) in &en {
            assert!(english.iter().any(|p| m.text.contains(p.as_str())), "{name}: {}", m.text);
        }
    }
}
