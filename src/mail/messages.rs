//! The emails Stile sends, each an askama pair `templates/email/NAME.txt` + `NAME.html`.

use askama::Template;

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
}

#[derive(Template)]
#[template(path = "email/password_confirm.html")]
struct PasswordConfirmHtml<'a> {
    m: &'a PasswordConfirm<'a>,
    site_name: &'a str,
}

impl PasswordConfirm<'_> {
    pub fn render(&self) -> Result<Rendered, MailError> {
        let what = if self.had_password { "Confirm your new password" } else { "Confirm your password" };
        Ok(Rendered {
            subject: format!("{what} for {}", self.site_name),
            text: PasswordConfirmTxt { m: self }.render()?,
            html: PasswordConfirmHtml { m: self, site_name: self.site_name }.render()?,
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
}

#[derive(Template)]
#[template(path = "email/email_change_confirm.html")]
struct EmailChangeConfirmHtml<'a> {
    m: &'a EmailChangeConfirm<'a>,
    site_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/email_change_notice.txt")]
struct EmailChangeNoticeTxt<'a> {
    m: &'a EmailChangeNotice<'a>,
}

#[derive(Template)]
#[template(path = "email/email_change_notice.html")]
struct EmailChangeNoticeHtml<'a> {
    m: &'a EmailChangeNotice<'a>,
    site_name: &'a str,
}

impl EmailChangeConfirm<'_> {
    pub fn render(&self) -> Result<Rendered, MailError> {
        Ok(Rendered {
            subject: format!("Confirm your new email address for {}", self.site_name),
            text: EmailChangeConfirmTxt { m: self }.render()?,
            html: EmailChangeConfirmHtml { m: self, site_name: self.site_name }.render()?,
        })
    }
}

impl EmailChangeNotice<'_> {
    pub fn render(&self) -> Result<Rendered, MailError> {
        Ok(Rendered {
            subject: format!("Your {} email address is being changed", self.site_name),
            text: EmailChangeNoticeTxt { m: self }.render()?,
            html: EmailChangeNoticeHtml { m: self, site_name: self.site_name }.render()?,
        })
    }
}

#[derive(Template)]
#[template(path = "email/sign_in_link.txt")]
struct SignInLinkTxt<'a> {
    m: &'a SignInLink<'a>,
}

#[derive(Template)]
#[template(path = "email/sign_in_link.html")]
struct SignInLinkHtml<'a> {
    m: &'a SignInLink<'a>,
    site_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/no_account.txt")]
struct NoAccountTxt<'a> {
    m: &'a NoAccount<'a>,
}

#[derive(Template)]
#[template(path = "email/no_account.html")]
struct NoAccountHtml<'a> {
    m: &'a NoAccount<'a>,
    site_name: &'a str,
}

impl SignInLink<'_> {
    pub fn render(&self) -> Result<Rendered, MailError> {
        Ok(Rendered {
            subject: format!("Your sign-in link for {}", self.site_name),
            text: SignInLinkTxt { m: self }.render()?,
            html: SignInLinkHtml { m: self, site_name: self.site_name }.render()?,
        })
    }
}

impl NoAccount<'_> {
    pub fn render(&self) -> Result<Rendered, MailError> {
        Ok(Rendered {
            subject: format!("Sign-in request for {}", self.site_name),
            text: NoAccountTxt { m: self }.render()?,
            html: NoAccountHtml { m: self, site_name: self.site_name }.render()?,
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
}

#[derive(Template)]
#[template(path = "email/mfa_reset.html")]
struct MfaResetHtml<'a> {
    m: &'a MfaReset<'a>,
    site_name: &'a str,
}

impl MfaReset<'_> {
    pub fn render(&self) -> Result<Rendered, MailError> {
        Ok(Rendered {
            subject: format!("Your {} two-factor authentication was reset", self.site_name),
            text: MfaResetTxt { m: self }.render()?,
            html: MfaResetHtml { m: self, site_name: self.site_name }.render()?,
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
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct InvitationHtml<'a> {
    m: &'a Invitation<'a>,
    site_name: &'a str,
}

impl Invitation<'_> {
    pub fn render(&self) -> Result<Rendered, MailError> {
        Ok(Rendered {
            subject: format!("You are invited to join {} on {}", self.body_name, self.site_name),
            text: InvitationTxt { m: self }.render()?,
            html: InvitationHtml { m: self, site_name: self.site_name }.render()?,
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
}

#[derive(Template)]
#[template(path = "email/welcome.html")]
struct WelcomeHtml<'a> {
    m: &'a Welcome<'a>,
    site_name: &'a str,
}

impl Welcome<'_> {
    pub fn render(&self) -> Result<Rendered, MailError> {
        Ok(Rendered {
            subject: format!("Your {} account is ready", self.site_name),
            text: WelcomeTxt { m: self }.render()?,
            html: WelcomeHtml { m: self, site_name: self.site_name }.render()?,
        })
    }
}
