# Pages seen before and during sign-in, and what every page shares.
# Markup in a message (<strong>, <a>) is kept; arguments are escaped.

## Every page
base-skip = Skip to main content
base-nav-account = Account
base-your-account = Your account
base-nav-language = Language
error-summary-title = There is a problem
error-prefix = Error:
continue = Continue
cancel = Cancel
sign-in = Sign in
sign-in-to = Sign in to { $app }
sign-out = Sign out
email-address = Email address
password = Password
use-different-email = Use a different email address
back-to-sign-in = Back to sign in

## Signing in
login-with-account = You sign in with your { $site } account.
login-your-email = Your email address
password-title = Enter your password
password-signing-in-to = Signing in to { $app }
password-sso-offer = Your organisation lets you sign in with { $name }.
password-or-here = Or use your password here:
password-no-password = No password, or forgotten it? We can email you a sign-in link instead.
password-by-email = No, let me sign in by email
password-set-new = Set a new password by email
new-password-title = Set a new password
new-password-sent = If <strong>{ $email }</strong> has a { $site } account, we have sent it a link to confirm the new password. It works once, for { $minutes } minutes. Your password does not change until you use it.
new-password-intro = Choose a new password. We will email you a link to confirm it; it takes effect when you use the link.
new-password-submit = Email me a confirmation link
check-email-title = Check your email
check-email-intro = If <strong>{ $email }</strong> can sign in to { $site }, we have sent it an email with a sign-in link and a 6-digit code. They work once, for { $minutes } minutes.
check-email-open = Open the link on any device, or enter the code here.
check-email-code = 6-digit code
check-email-none = No email? Check your spam folder, or <a href="/login?next={ $next }">start again</a>.
email-problem-title = Sign in by email
email-problem-back = Go back to sign in
sso-sign-in-with = Sign in with { $name }
sso-try-again = Try { $name } again
sso-another-way = Sign in another way

## Two-factor authentication
enrol-title = Set up two-factor authentication
enrol-intro = Use a passkey or security key, or an authenticator app.
enrol-use-passkey = Use a passkey or security key instead
enrol-with-app = With an authenticator app
enrol-step-open = Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or a password manager).
enrol-step-scan = Scan this QR code, or type in the key below.
enrol-step-enter = Enter the six-digit code the app shows.
enrol-qr-label = QR code for your authenticator app
enrol-key = Key for typing in (the spaces do not matter):
enrol-key-minutes = { $count ->
    [one] This key stays the same if you reload this page, for { $count } minute.
   *[other] This key stays the same if you reload this page, for { $count } minutes.
}
enrol-code = Six-digit code
enrol-submit = Turn on two-factor authentication
enrol-not-now = Not now? Cancelling signs you out: you cannot sign in until two-factor authentication is set up.
enrol-cancel-sign-out = Cancel and sign out
verify-title = Two-factor authentication
verify-confirm = Confirm it is you
verify-enter-code = Enter your code
verify-with-passkey = With your passkey
verify-or-code = Or with a code
verify-code-label = Code from your authenticator app
verify-code-hint = Six digits. If you have lost your device, enter one of your recovery codes instead.
codes-title = Your recovery codes
codes-intro = Keep these somewhere safe. Each one signs you in once if you lose your authenticator. They will not be shown again.
codes-file-name = recovery-codes.txt
codes-download = Download as a text file
codes-print = To print them, use your browser's Print command (Ctrl+P, or ⌘P on a Mac): only the codes are printed.

## Applications
consent-title = Allow { $client }?
consent-heading = Allow { $client } to use your account?
consent-intro = You are signed in as <strong>{ $email }</strong>. { $client } is asking to:
consent-receives = What { $client } will receive
consent-no-orgs = Your organisations, roles and permissions: you have none at the moment.
consent-orgs = Your organisations, with your roles and permissions in each:
consent-roles = Roles: { $roles }.
consent-permissions = Permissions: { $permissions }.
consent-withdraw = You can withdraw this at any time from your account page.
consent-allow = Allow
consent-deny = Do not allow
form-post-title = Continuing…
form-post-no-js = JavaScript is off, so press the button to continue.

## Signing out
logout-title = Sign out?
logout-asking-unnamed = An application is asking to sign you out of { $site }.
logout-asking = { $client } is asking to sign you out of { $site }.
logout-stay = Stay signed in
signed-out-title = Signed out
signed-out-heading = You are signed out
signed-out-again = Sign in again

## Invitations
invitation-title = Invitation
invitation-joined = You have joined { $body }
invitation-joined-unnamed = You have joined
invitation-joined-notice = You are now a member. Its administrators can change your roles or take you out of it; your account stays yours.
invitation-join = Join { $body }
invitation-intro = An administrator of { $body } invited you to become a member. Its administrators will be able to change your roles there or take you out of it; your account stays yours.
welcome-title = Welcome
welcome-heading = Welcome to { $site }
welcome-intro-body = An administrator of { $body } has made you an account with the email address <strong>{ $email }</strong>.
welcome-intro = An administrator has made you an account with the email address <strong>{ $email }</strong>.
welcome-continue = Continue to sign in for the first time. Afterwards you sign in with this email address: we email you a link each time, or you can set a password on your account page.
welcome-link-gone = This link no longer works

## Error pages
error-go-to-start = Go to the start
error-csrf-title = This form has expired
error-csrf-message = For your security the form could not be accepted. Go back, reload the page and try again.
error-bad-request-title = Something is wrong with that request
error-not-found-title = Page not found
error-not-found-message = There is no page at this address.
error-busy-title = Busy
error-busy-message = The service is busy. Wait a moment and try again.
error-forbidden-title = You cannot do that
error-conflict-title = That clashes with something that already exists
error-internal-title = Something went wrong
error-internal-message = Something went wrong on our side. Try again in a moment.
error-unavailable-title = Temporarily unavailable
error-unavailable-message = The service is temporarily unavailable. Wait a moment and try again.

## Problems shown on pages (web::say)
problem-email-empty = Enter an email address.
problem-email-malformed = Enter an email address in the form name@example.org.
problem-email-too-long = That email address is too long.
problem-email-invisible = That email address contains an invisible character. Type it in again rather than pasting it.
problem-email-mixed-script = That email address mixes letters from different alphabets (such as Latin and Cyrillic), so it could be mistaken for another. Type it in again using one alphabet.
problem-password-too-short = { $count ->
    [one] Your password must be at least { $count } character long.
   *[other] Your password must be at least { $count } characters long.
}
problem-password-too-long = { $count ->
    [one] Your password must be at most { $count } character long.
   *[other] Your password must be at most { $count } characters long.
}
problem-password-common = That password is one of the most commonly used; choose another.
problem-password-same-as-email = Your password must not be your email address.
problem-password-mismatch = Enter the new password twice, the same both times.
problem-enter-password = Enter your password.
problem-invalid-credentials = That email and password do not match. Check them and try again.
problem-locked = { $count ->
    [one] Too many failed attempts. Wait { $count } minute and try again.
   *[other] Too many failed attempts. Wait { $count } minutes and try again.
}
problem-busy = Too many people are signing in right now. Wait a moment and try again.
problem-sso-required = Your organisation signs you in through { $name }. Use “Sign in with { $name }”.
problem-too-many-sign-in-emails = { $count ->
    [one] You have asked for too many sign-in emails. Wait { $count } minute and try again.
   *[other] You have asked for too many sign-in emails. Wait { $count } minutes and try again.
}
problem-too-many-emails = { $count ->
    [one] You have asked for too many emails. Wait { $count } minute and try again.
   *[other] You have asked for too many emails. Wait { $count } minutes and try again.
}
problem-wrong-emailed-code = That code is not right, or it has expired. Check the latest email and try again.
problem-code-burnt = Too many wrong codes: that code and its link no longer work. Ask for a new email.
problem-sign-in-link-invalid = This sign-in link has expired or has already been used. Ask for a new one.
problem-link-invalid = This link has expired or has already been used. Ask for a new one.
problem-email-not-allowed = This email address cannot be used to sign in. Ask your organisation's administrator.
problem-account-not-allowed = This account cannot be used. Ask your organisation's administrator.
problem-email-same = That is already your email address.
problem-email-taken = That email address is already used by another account, so yours was not changed.
problem-wrong-totp = That code is not right. Check your authenticator app and try again.
problem-too-many-codes = { $count ->
    [one] Too many wrong codes. Wait { $count } minute and try again.
   *[other] Too many wrong codes. Wait { $count } minutes and try again.
}
problem-2fa-already-on = Two-factor authentication is already turned on.
problem-2fa-not-on = Two-factor authentication is not turned on.
problem-key-expired = That key has expired. Add the new key below to your authenticator app and enter its code.
problem-passkey-refused = Your passkey could not be checked. Try again, or use another way to sign in.
problem-passkey-expired = That took too long, or the page was used already. Try again.
problem-passkey-duplicate = That passkey is already registered.
problem-passkey-bad-name = { $count ->
    [one] Give the passkey a name of at most { $count } character.
   *[other] Give the passkey a name of at most { $count } characters.
}
problem-no-passkey = You have no passkey.
problem-passkey-mandatory = { $why } Add another passkey or an authenticator app before removing this one.
problem-sign-in-expired = This sign-in has expired. Start again.
reason-superuser = Superusers must use two-factor authentication.
reason-body = Your organisation requires two-factor authentication.
reason-role = One of your roles requires two-factor authentication.
reason-client = The application you are signing in to requires two-factor authentication.
reason-acr-values = The application you are signing in to asked for two-factor authentication.
reason-phr-body = Your organisation requires you to sign in with a passkey or security key.
reason-phr-role = One of your roles requires you to sign in with a passkey or security key.
reason-phr-client = The application you are signing in to requires a passkey or security key.
reason-step-up = The action you asked for needs two-factor authentication, and your account has none yet. Set it up here; you will then return to the form.
passkey-sign-in = Sign in with a passkey
passkey-use = Use your passkey
passkey-create = Create a passkey
email-confirm-sign-in = You opened a sign-in link. Continue to sign in on this device.
email-confirm-sign-in-button = Continue signing in
email-confirm-password = Confirm your new password to start using it and sign in on this device.
email-confirm-password-button = Confirm my password
email-confirm-email = Confirm this as the new email address of your account.
email-confirm-email-button = Confirm my new email address
invitation-gone = This invitation has expired or has already been used. Ask the organisation for a new one.
invitation-other-address = This invitation was sent to another email address. Sign out, then sign in with the address it was sent to and open the link again.
welcome-gone = This link has expired, has been replaced by a newer email, or has already been used. Sign in with your email address instead.
codes-file-heading = Recovery codes for { $site } ({ $email })
    Each code signs you in once if you lose your authenticator.
scope-openid = Know who you are when you sign in
scope-profile = See your name
scope-email = See your email address
scope-offline-access = Stay connected when you are not signed in (until you withdraw it)
scope-other = Use the { $scope } permission
sso-your-organisation = your organisation
sso-too-many-title = Too many sign-in attempts
sso-too-many = Too many sign-ins have been started from your network. Wait ten minutes and try again.
sso-cancelled-title = Sign-in was cancelled
sso-cancelled = The sign-in at { $name } was cancelled or not allowed, so you are not signed in.
sso-unavailable-title = Your organisation's sign-in is not available
sso-unavailable = We could not complete the sign-in with { $name }: it did not answer or reported a problem. Try again in a few minutes.
sso-bad-response-title = Sign-in could not be completed
sso-bad-response = The answer from { $name } could not be accepted, so you are not signed in. Try again; if it keeps happening, tell your IT service desk.
sso-expired-title = This sign-in has expired
sso-expired = This sign-in was started too long ago, in another browser, or has already been used. Start again.
sso-no-account-title = You do not have an account here yet
sso-no-account = { $name } confirmed who you are, but there is no account for you here and one cannot be made automatically. Ask your organisation's administrator to add you.
sso-disabled-title = Your account cannot be used
sso-disabled = Your account here has been disabled. Ask your organisation's administrator.
sso-not-allowed-title = You cannot sign in here
sso-not-allowed = This email address cannot be used to sign in here. Ask your organisation's administrator.
sso-misconfigured-title = Your organisation's sign-in is not set up correctly
sso-misconfigured = { $name } sent you back to an address that is no longer used for it, so you are not signed in. Tell your IT service desk: its registration of this service needs the new address.
