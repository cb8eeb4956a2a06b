# Emails: subjects, the HTML part and the text part. Keys ending -html hold markup and are used
# only in the HTML part; their -text twins say the same in plain text.

mail-footer = This email was sent automatically by { $site }. Replies may not be read.
mail-ignore-if-not-you = If you did not ask for this, ignore this email.

## Signing in
mail-sign-in-subject = Your sign-in link for { $site }
mail-sign-in-heading = Sign in to { $site }
mail-sign-in-new-account = There is no { $site } account for this address yet. Signing in will create one.
mail-sign-in-use-link = Use this link to sign in:
mail-sign-in-or-code = Or enter this code on the sign-in page:
mail-sign-in-expiry = { $count ->
    [one] The link and the code work once, for the next { $count } minute.
   *[other] The link and the code work once, for the next { $count } minutes.
}
mail-sign-in-ignore = If you did not ask to sign in, you can ignore this email: nobody can sign in without it.
mail-no-account-subject = Sign-in request for { $site }
mail-no-account-heading = Sign-in request
mail-no-account-body = Someone asked to sign in to { $site } with this email address, but there is no { $site } account for it.
mail-no-account-advice-html = If it was you, you may have an account under another address: try that at <a href="{ $url }" style="color:#1d70b8">{ $url }</a>, or ask your organisation's administrator.
mail-no-account-advice-text = If it was you, you may have an account under another address: try that at { $url }, or ask your organisation's administrator.
mail-no-account-ignore = If it was not you, you can ignore this email.

## Passwords
mail-password-subject-new = Confirm your new password for { $site }
mail-password-subject = Confirm your password for { $site }
mail-password-heading-new = Confirm your new password
mail-password-heading = Confirm your password
mail-password-title-new = Confirm your new { $site } password
mail-password-title = Confirm your { $site } password
mail-password-intro = Someone (we hope you) asked to set a new password for the { $site } account with this email address.
mail-password-use-link = To confirm it and sign in, use this link:
mail-password-open-link = To confirm it and sign in, open this link:
mail-password-button = Confirm my password
mail-password-expiry = { $count ->
    [one] The link works once, for the next { $count } minute. Until you use it, nothing changes.
   *[other] The link works once, for the next { $count } minutes. Until you use it, nothing changes.
}
mail-password-ignore = If you did not ask for this, ignore this email: your password stays as it is.

## Changing the email address
mail-email-change-subject = Confirm your new email address for { $site }
mail-email-change-title = Confirm your new { $site } email address
mail-email-change-heading = Confirm your new email address
mail-email-change-intro = Someone (we hope you) asked to use { $email } as the email address of their { $site } account.
mail-email-change-use-link = To confirm it, use this link:
mail-email-change-open-link = To confirm it, open this link:
mail-email-change-button = Confirm my new email address
mail-email-change-expiry = { $count ->
    [one] The link works once, for the next { $count } minute. Nothing changes until you use it.
   *[other] The link works once, for the next { $count } minutes. Nothing changes until you use it.
}
mail-email-notice-subject = Your { $site } email address is being changed
mail-email-notice-heading = Your email address is being changed
mail-email-notice-body = Someone signed in to the { $site } account for { $old } asked to change its email address to { $new }. The change happens when a link sent to the new address is used.
mail-email-notice-advice = If this was you, there is nothing to do. If it was not, sign in, change your password and sign out your other sessions, and tell your organisation's administrator.

## Two-factor authentication
mail-mfa-reset-subject = Your { $site } two-factor authentication was reset
mail-mfa-reset-heading = Your two-factor authentication was reset
mail-mfa-reset-body = An administrator removed the two-factor authentication from the { $site } account for { $email }. Your authenticator app and recovery codes no longer work for it.
mail-mfa-reset-again-html = If your organisation requires two-factor authentication you will set it up again the next time you sign in; otherwise you can <a href="{ $link }">turn it on again</a>.
mail-mfa-reset-again-text = If your organisation requires two-factor authentication you will set it up again the next time you sign in; otherwise you can turn it on again here: { $link }
mail-mfa-reset-not-you = If you did not ask for this, tell your organisation's administrator.

## Passkeys
mail-passkeys-removed-subject = Your { $site } passkeys were removed
mail-passkeys-removed-heading = Your passkeys were removed
mail-passkeys-removed-body = An administrator removed every passkey and security key from the { $site } account for { $email }. They no longer sign you in.
mail-passkeys-removed-again-html = You can <a href="{ $link }">add a passkey again</a> once you have signed in another way.
mail-passkeys-removed-again-text = You can add a passkey again once you have signed in another way: { $link }
mail-passkeys-removed-not-you = If you did not expect this, tell your organisation's administrator.

## Invitations and new accounts
mail-invitation-subject = You are invited to join { $body } on { $site }
mail-invitation-heading = You are invited to join { $body }
mail-invitation-intro = An administrator of { $body } invited this email address to become a member on { $site }. To accept, open the link and sign in with this address (you can sign in by email).
mail-invitation-intro-text = An administrator of { $body } invited this email address to become a member. To accept, open this link and sign in with this address (you can sign in by email):
mail-invitation-button = See the invitation
mail-invitation-expiry = { $count ->
    [one] Nothing changes until you accept. The link works once, for this address only, for { $count } day.
   *[other] Nothing changes until you accept. The link works once, for this address only, for { $count } days.
}
mail-invitation-ignore = If you do not know { $body }, ignore this email.
mail-welcome-subject = Your { $site } account is ready
mail-welcome-intro-body = An administrator of { $body } has made you an account on { $site } with this email address.
mail-welcome-intro = An administrator has made you an account on { $site } with this email address.
mail-welcome-open-link = To sign in for the first time, open this link:
mail-welcome-button = Sign in for the first time
mail-welcome-expiry = { $count ->
    [one] The link works once, for { $count } day. After that, sign in with this email address: we email you a link each time, or you can set a password.
   *[other] The link works once, for { $count } days. After that, sign in with this email address: we email you a link each time, or you can set a password.
}
mail-welcome-ignore-body = If you did not expect this, ignore this email or tell { $body }.
mail-welcome-ignore = If you did not expect this, ignore this email or tell the administrators.
