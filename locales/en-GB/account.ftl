# The account and security pages (account.html, security.html, passkey_add.html, email_changed.html).

account-title = Your account
account-details = Your details
account-name = Name
account-not-set = Not set
account-email = Email
account-access = Access
account-superuser = Superuser
account-security-link = Security: two-factor authentication
account-admin-link = Administration
account-language = Language
account-language-legend = The language of pages and emails
account-language-hint = The language of these pages and of the emails we send you. An application you sign in to may ask for another.
account-language-none = As my browser asks
account-language-save = Save language
account-language-saved = Your language is saved.
account-language-invalid = Choose English or Cymraeg.
account-change-email = Change your email address
account-new-email = New email address
account-send-confirmation = Send me a confirmation link
account-organisations = Your organisations
account-no-organisations = You are not a member of any organisation.
account-organisations-caption = Organisations you belong to and your roles in each
account-organisation = Organisation
account-kind = Kind
account-roles = Roles
account-roles-none = None
account-change-password = Change password
account-set-a-password = Set a password
account-set-password = Set password
account-current-password = Current password
account-new-password = New password
account-password-hint = At least 8 characters, and not one of the most commonly used passwords.
account-new-password-again = New password again
account-sessions = Where you are signed in
account-sessions-caption = Your signed-in sessions
account-signed-in = Signed in
account-last-active = Last active
account-from = From
account-action = Action
account-this-browser = (this browser)
account-end-session = Sign out of this<span class="visually-hidden"> session started { $started }</span>
account-sign-out-everywhere = Sign out everywhere
account-apps = Applications you have allowed
account-apps-none = None. Applications run by your organisation do not need your permission.
account-apps-caption = Applications with access to your account
account-application = Application
account-app-access = Access
account-since = Since
account-withdraw = Withdraw<span class="visually-hidden"> access for { $client }</span>

email-changed-title = Email address changed
email-changed-body = Your email address is now <strong>{ $email }</strong>. Use it to sign in from now on.
go-to-account = Go to your account

security-title = Security
security-2fa = Two-factor authentication
security-on = Two-factor authentication is <strong>on</strong>.
security-recovery-left = { $count ->
    [one] You have { $count } unused recovery code.
   *[other] You have { $count } unused recovery codes.
}
security-code-renew = Current code, to make new recovery codes
security-renew = Make new recovery codes
security-cannot-turn-off = It cannot be turned off.
security-code-disable = Current code, to turn it off
security-disable = Turn off two-factor authentication
security-off = Two-factor authentication is <strong>off</strong>.
security-activate = Activate two-factor authentication
security-passkeys = Passkeys and security keys
security-passkeys-intro = A passkey signs you in with your device's screen lock or a security key, and cannot be phished. It works as your second factor, or on its own with &ldquo;Sign in with a passkey&rdquo;.
security-no-passkeys = You have no passkeys.
security-passkeys-caption = Your passkeys
security-passkey-name = Name
security-passkey-added = Added
security-passkey-last-used = Last used
security-passkey-actions = Actions
security-rename-label = New name for { $name }
security-rename = Rename<span class="visually-hidden"> { $name }</span>
security-remove = Remove<span class="visually-hidden"> { $name }</span>
security-add-passkey = Add a passkey or security key
security-back-to-account = Back to your account

passkey-add-title = Add a passkey
passkey-add-heading = Add a passkey or security key
passkey-add-intro = Your browser will ask you to use your device's screen lock (fingerprint, face or PIN) or to touch your security key. Passkeys need JavaScript; if nothing happens, try another browser
passkey-add-or-app = { " " }or use an authenticator app instead
passkey-add-no-js = Your browser is not running JavaScript, which passkeys need.
passkey-back-to-security = Back to security
passkey-use-app = Use an authenticator app instead
passkey-name-label = Name this passkey
passkey-name-hint = So you can tell it apart later, for example &ldquo;Work laptop&rdquo; or &ldquo;Blue security key&rdquo;.
passkey-not-used = Your browser did not use a passkey. Try again, or choose another way below.
account-password-changed = Your password has been changed. Your other sessions have been signed out.
account-passwords-differ = The two new passwords are not the same.
account-wrong-current-password = Your current password is not right.
account-email-link-sent = We have sent a link to { $email }. Your email address changes when you use it.
