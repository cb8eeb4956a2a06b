# The admin UI's people and connections pages: users (list, one user, add, bulk actions, CSV
# import), relying apps and single sign-on connections (templates/admin/users.html, user.html,
# user_new.html, users_bulk.html, import.html, clients.html, client.html, connections.html,
# connection.html and their handlers in src/web/admin/). Sentence case; "organisation".

## Shared by these pages
people-name = Name
people-email = Email
people-email-address = Email address
people-organisation = Organisation
people-status = Status
people-two-factor = Two-factor
people-two-factor-long = Two-factor authentication
people-last-sign-in = Last sign-in
people-on = On
people-off = Off
people-none = None
people-never = Never
people-save = Save
people-active = Active
people-disabled = Disabled
people-flagged = Flagged
people-flagged-lower = flagged
people-superuser-lower = superuser
people-sign-out-everywhere = Sign out everywhere
people-send-sign-in-email = Send a sign-in email
people-form-unreadable = The form could not be read.
people-form-as-browser = Send the form as a web browser does.
people-form-not-utf8 = A form field is not valid UTF-8 text.
people-form-control = A form field contains a control character (such as a NUL byte), which is not allowed.

## Users list
users-title = Users
users-flagged-title = Flagged users
users-filter-label = Filter users
users-q = Email address or name
users-any = Any
users-role = Role
users-two-factor-totp = Authenticator app
users-two-factor-passkey = Passkey or security key
users-any-time = Any time
users-last-7-days = In the last 7 days
users-last-30-days = In the last 30 days
users-last-90-days = In the last 90 days
users-not-last-90-days = Not in the last 90 days
users-filter = Filter
users-add = Add a user
users-download = Download these users (CSV)
users-none-found = No users found.
users-caption = { $count ->
    [one] { $count } user on this page
   *[other] { $count } users on this page
}
users-caption-matching = { $count ->
    [one] { $count } user on this page matching “{ $q }”
   *[other] { $count } users on this page matching “{ $q }”
}
users-select = Select
users-select-one = Select { $email }
users-bulk-legend = With the selected users
users-bulk-action = Action
users-bulk-disable = Disable
users-bulk-add = Add to an organisation
users-bulk-organisation = Organisation (for “Add to an organisation”)
users-bulk-continue = Continue
users-pages = Pages of results
users-first-page = First page
users-next-page = Next page

## Bulk action confirmation
bulk-disable-question = { $count ->
    [one] Disable { $count } user?
   *[other] Disable { $count } users?
}
bulk-disable-button = { $count ->
    [one] Disable { $count } user
   *[other] Disable { $count } users
}
bulk-sign-out-question = { $count ->
    [one] Sign out { $count } user everywhere?
   *[other] Sign out { $count } users everywhere?
}
bulk-sign-out-button = { $count ->
    [one] Sign out { $count } user everywhere
   *[other] Sign out { $count } users everywhere
}
bulk-add-question = { $count ->
    [one] Add { $count } user to the organisation?
   *[other] Add { $count } users to the organisation?
}
bulk-add-button = { $count ->
    [one] Add { $count } user to the organisation
   *[other] Add { $count } users to the organisation
}
bulk-email-question = { $count ->
    [one] Send a sign-in email to { $count } user?
   *[other] Send a sign-in email to { $count } users?
}
bulk-email-button = { $count ->
    [one] Send a sign-in email to { $count } user
   *[other] Send a sign-in email to { $count } users
}
bulk-organisation = Organisation: <strong>{ $organisation }</strong>
bulk-explained = Each user is checked on its own: anyone you may not act on is left as they are, and the audit log says why.

## One user
user-not-confirmed = (not yet confirmed)
user-passkeys = Passkeys
user-password = Password
user-password-set = Set
user-password-none = None (signs in by email)
user-created-at = Created
user-edit-heading = Name and email address
user-organisations = Organisations
user-no-organisations = Not a member of any organisation you manage.
user-organisations-caption = Organisations this user belongs to
user-member-kind = Kind of member
user-roles = Roles
user-add-to-organisation = Add to an organisation
user-add-to-organisation-button = Add to organisation
user-choose-organisation = Choose an organisation.
user-sessions = Where they are signed in
user-no-sessions = Not signed in anywhere.
user-sessions-caption = This user's signed-in sessions
user-device = Device
user-device-unknown = Unknown browser
user-device-system = A browser on { $system }
user-device-on = { $browser } on { $system }
user-ip = IP address
user-started = Started
user-last-seen = Last seen
user-action = Action
user-actions = Actions
user-end-session = End this session
user-end-session-which = ({ $device }, started { $started })
user-apps = Apps and consents
user-no-apps = No app holds access for this user.
user-apps-caption = Apps with access for this user
user-app = App
user-access = Access
user-since = Since
user-app-signed-in = signed in
user-app-signed-in-offline = signed in, with offline access
user-app-consented = consented to { $scopes }
user-revoke = Revoke access
user-revoke-which = for { $app }
user-invitations = Invitations
user-invitations-caption = Emails inviting this user
user-invitation = Invitation
user-invitation-state = State
user-when = When
user-invitation-sent = Sent
user-invitation-accepted = Accepted
user-invitation-expired = Expired
user-invitation-withdrawn = Withdrawn
user-invitation-welcome = Welcome email
user-invitation-welcome-to = Welcome email ({ $organisation })
user-invitation-join = Invitation to join { $organisation }
user-invitation-detail-sent = { $count ->
    [one] sent { $sent }
   *[other] sent { $sent } ({ $count } times)
}; the link works until { $at }
user-invitation-detail-expired = { $count ->
    [one] sent { $sent }
   *[other] sent { $sent } ({ $count } times)
}; the link expired { $at }
user-invitation-detail-accepted = { $count ->
    [one] sent { $sent }
   *[other] sent { $sent } ({ $count } times)
}; accepted { $at }
user-invitation-detail-withdrawn = { $count ->
    [one] sent { $sent }
   *[other] sent { $sent } ({ $count } times)
}; withdrawn { $at }
user-resend = Resend
user-withdraw = Withdraw
user-events = Recent activity
user-no-events = No recent events you can see.
user-events-caption = This user's recent audit events, newest first
user-what = What
user-outcome = Outcome
user-by-or-to = By or to them
user-event-by-them = By them
user-event-to-them = To them
user-event-done = Done
user-event-refused = Refused
user-audit-by = Everything they did, in the audit log
user-audit-to = Everything done to them
user-flag = Flag
user-unflag = Unflag
user-reset-2fa = Reset two-factor authentication
user-remove-passkeys = Remove all passkeys
user-enable = Enable account
user-disable = Disable account
user-superuser-off = Remove superuser
user-superuser-on = Make superuser
user-superuser-explained = A superuser can do everything, in every organisation: manage relying apps, single sign-on, bans and every user.
user-superuser-confirm = Yes, make { $email } a superuser
user-superuser-unconfirmed = Tick the box to confirm that this user should be a superuser.
user-remove-heading = Remove this user
user-remove-explained = Their name and email address are blanked and they lose every organisation; the audit log keeps their id.
user-remove-confirm = Yes, remove { $email }
user-remove-unconfirmed = Tick the box to confirm that you want to remove this user.
user-remove = Remove user

## Adding a user
user-new-to = Add a user to { $organisation }
user-new-intro = The new user signs in with their email address and an emailed link. You can send them a welcome email now.
user-new-no-roles = { $organisation } has no roles yet.
user-new-create-role = Create a role
user-new-roles-in = Roles in { $organisation }
user-new-body-hint = You can give roles on the membership page once the user is added.
user-new-body-hint-superuser = Superusers may add a user to no organisation.
user-new-superuser = Make this user a superuser
user-new-send-welcome = Send a welcome email
user-new-send-welcome-hint = { $count ->
    [one] It has a link that signs them in for the first time, and works for { $count } day. You can resend or withdraw it from their page.
   *[other] It has a link that signs them in for the first time, and works for { $count } days. You can resend or withdraw it from their page.
}
user-new-add = Add user

## Importing users
import-title = Import users into { $organisation }
import-back = Back to { $organisation }
import-intro = FixMyStreet's format: a header row <code>{ $columns }</code>, then one user a line. Password hashes may be bcrypt; they are upgraded when each user first signs in. Choose the file or paste its contents, then check it: nothing is written until every row is accepted, and then all rows are imported together.
import-checked-file = Checked the file { $file }.
import-all-ok = Every row can be imported: { $count } join { $organisation }, { $with_password } bring a password.
import-problems-caption = The problems, by row (a row may have more than one)
import-row = Row
import-column = Column
import-why = Why
import-more-problems = { $count ->
    [one] And { $count } more problem not listed here. Correct these and check the file again.
   *[other] And { $count } more problems not listed here. Correct these and check the file again.
}
import-button = { $count ->
    [one] Import { $count } user
   *[other] Import { $count } users
}
import-file = CSV file
import-file-hint = Saved as CSV UTF-8, up to { $size }.
import-paste = Or paste the CSV
import-check = Check the file
import-summary-rows = { $count ->
    [one] { $count } row:
   *[other] { $count } rows:
}
import-summary-checked = { $count ->
    [one] { $accepted } can be imported, { $count } has problems
   *[other] { $accepted } can be imported, { $count } have problems
}
import-summary-imported = { $count ->
    [one] { $count } row: { $imported } imported
   *[other] { $count } rows: { $imported } imported
}
import-too-large = The file is larger than { $size }, the most this page takes. Split it into smaller files, or import it with the command line (stile import users FILE).
import-unconfirmed = The checked file could not be confirmed, so nothing was imported. Check the file again.
import-file-and-text = Choose a file or paste the CSV into the text box, not both.
import-nothing-chosen = Choose a CSV file, or paste its contents into the text box starting with its header row.
import-rows-refused = Some rows are refused, so nothing was imported. Correct them and check again.
import-problem-not-csv = The file is not CSV: { $detail }.
import-problem-no-rows = The file has no rows to import.
import-problem-unknown-column = Unknown column "{ $column }" in the header; the columns are { $columns } (only email is required).
import-problem-column-twice = The column "{ $column }" appears twice in the header.
import-problem-no-email-column = The header has no email column; expected { $columns }.
import-file-save-as = In Excel, use Save As and choose “CSV UTF-8 (Comma delimited)”, then choose that file.
import-file-workbook = The file is a spreadsheet workbook, not a CSV file.
import-file-not-csv = The file must be a CSV file (its name ends in .csv).
import-file-empty = The file is empty. Choose the CSV file with the users in it.
import-file-utf16 = The file is saved as UTF-16 text, not UTF-8.
import-file-not-utf8 = The file is not UTF-8 text (line { $line } has a character in another encoding).
import-file-nul = The file is not a text file: line { $line } contains a NUL byte. Choose the CSV file itself.
import-file-control = The file is not a text file: line { $line } contains a control character. Choose the CSV file itself.

## Relying apps
apps-title = Relying apps
apps-register = Register a relying app
apps-none = No relying apps are registered.
apps-caption = Registered relying apps
apps-authentication = Authentication
apps-grants = Grants
apps-all = All relying apps
app-title = Relying app { $name }
app-superuser-only = Only a superuser can manage relying apps.
app-secret-heading = The client secret
app-secret-once = Copy it now into the app's settings. It is shown only this once; if it is lost, make a new one.
app-copy-secret = Copy the secret
app-needs = What the app needs
app-client-id = Client id
app-copy-client-id = Copy the client id
app-issuer = Issuer
app-copy-issuer = Copy the issuer
app-discovery = Discovery URL
app-copy-discovery = Copy the discovery URL
app-needs-explained = Most OpenID Connect libraries need only the discovery URL, the client id and the secret. See the integration guide, <code>docs/relying-apps.md</code>.
app-client-id-hint = 3 to 64 of A–Z, a–z, 0–9, dot, underscore and hyphen. Leave empty to have a random one made.
app-name-hint = The app's name, as people will see it.
app-redirect-uris = Redirect URIs
app-redirect-uris-hint = Where the app receives authorization codes. One a line, matched exactly as given.
app-post-logout-uris = Post-logout redirect URIs
app-post-logout-uris-hint = Where the app may send people after signing out. One a line, matched exactly.
app-backchannel = Back-channel logout URI
app-backchannel-hint = Where Stile posts OIDC back-channel logout tokens. Optional.
app-grant-types = Grant types
app-grant-types-hint = Usually authorization_code and refresh_token; client_credentials for a machine client.
app-scopes = Scopes
app-scopes-hint = The scopes the app may ask for, separated by spaces.
app-auth-method = Client authentication
app-auth-method-hint = client_secret_basic or client_secret_post for an app with a secret; private_key_jwt for an app that signs with its own key (give its public keys below); none for a public app (PKCE, no secret).
app-jwks = Public keys (JWK set)
app-jwks-hint = private_key_jwt only: the app's public keys as a JWK set, { "{" }"keys": [...]{ "}" }, with RSA (2048 bits or more) or P-256 keys. Or give the URL below instead.
app-jwks-uri = JWK set URL
app-jwks-uri-hint = private_key_jwt only: the https address where the app publishes its public keys. Stile fetches and caches them.
app-alg = ID token signing algorithm
app-namespaces = Permission namespaces it receives
app-namespaces-hint = The namespaces whose permissions the app receives, separated by spaces, for example fms sm.
app-body = Bound to organisation
app-body-hint = The app then also receives that organisation's roles as a flat list.
app-claims = Claims always in the ID token
app-claims-hint = Any of email, email_verified, name, given_name, family_name, roles and bodies, separated by spaces.
app-audience = Access token audience
app-audience-hint = Empty: the client id.
app-first-party = First-party app (no consent screen)
app-require-pkce = Require PKCE (may be turned off for confidential apps only)
app-require-mfa = Require two-factor authentication for every sign-in to this app
app-require-phr = Require a passkey or security key (phishing-resistant) for every sign-in to this app
app-require-par = Require pushed authorization requests (PAR)
app-require-dpop = Require DPoP: tokens only with a proof of the app's key
app-register = Register
app-admin-rights = Administrative rights
app-admin-rights-explained = What the app may do through the admin API with a client-credentials token carrying the stile:admin scope.
app-acts-as = Acts as
app-level-body = An organisation's administrator
app-level-superuser = Superuser
app-admin-body = Organisation (for an organisation's administrator)
app-admin-permissions = Permissions it holds there
app-admin-permissions-hint = Catalogue keys separated by spaces, for example fms:user_manage_permissions.
app-admin-save = Save administrative rights
app-secret-removal = Secret and removal
app-rotate = Make a new secret
app-remove = Remove this app

## Single sign-on connections
conns-page-title = Single sign-on
conns-title = Single sign-on connections
conns-intro = Each connection is a council's own identity provider: staff with an address in its email domains sign in there, and their membership and roles in its organisation follow what it says.
conns-add-oidc = Add an OpenID Connect connection
conns-add-saml = Add a SAML connection
conns-none = There are no SSO connections.
conns-caption = SSO connections
conns-kind = Kind
conns-sign-in = Sign-in
conns-mode-offered = offered
conns-mode-required = required
conns-all = All SSO connections
conn-title = SSO connection { $name }
conn-add-title = Add an SSO connection
conn-superuser-only = Only a superuser can manage SSO connections.
conn-choose-kind = Choose the kind of connection: oidc or saml.
conn-test-worked = The test worked
conn-test-failed-heading = The test failed
conn-test-nothing-saved = Nothing has been saved.
conn-test-secret-again = Enter the client secret again before adding the connection.
conn-idp-heading = What to give the identity provider
conn-redirect-uri = Redirect URI
conn-client-secret = Client secret
conn-secret-stored = Stored (never shown)
conn-sp-metadata = SP metadata URL (entity id)
conn-acs = Assertion consumer service (HTTP-POST)
conn-idp-entity-id = IdP entity id
conn-idp-sso-url = IdP sign-in URL
conn-idp-certificates = Trusted IdP certificates (SHA-256)
conn-name-hint = What people see: "Sign in with …".
conn-body-hint = Sign-ins through this connection set membership and roles in this organisation.
conn-choose-organisation = Choose an organisation
conn-issuer = Issuer URL
conn-issuer-hint = For example https://login.microsoftonline.com/TENANT/v2.0 or https://accounts.google.com.
conn-secret-hint = Stored encrypted and never shown again.
conn-scopes = Scopes besides openid
conn-hd = Google Workspace hosted domain
conn-hd-hint = Leave empty unless the IdP is Google Workspace.
conn-md-url = IdP metadata URL
conn-md-url-hint = Fetched once, now.
conn-md-url-hint-again = Give it (or the document) only to import the IdP's metadata again, for example after a certificate change.
conn-md-url-hint-paste = Or paste the document below.
conn-md-xml = IdP metadata document (XML)
conn-domains = Email domains
conn-domains-hint = One a line, for example camden.gov.uk. People with these addresses are sent to this IdP.
conn-mode = Sign-in for those domains
conn-mode-offered = Offered: password and emailed links still work
conn-mode-required = Required: only this IdP for these domains
conn-claim-mapping = Claim mapping
conn-email-claim = Email claim
conn-email-attribute = Email attribute (empty: the NameID)
conn-name-claim = Name claim
conn-name-attribute = Name attribute
conn-groups-claim = Groups claim
conn-groups-attribute = Groups attribute
conn-group-roles = Group to role mapping
conn-group-roles-hint = One a line: GROUP = ROLE, with a role of the organisation. Mapped roles the IdP no longer grants are removed at the next sign-in.
conn-group-roles-form = Write each group mapping as GROUP = ROLE, not { $line }.
conn-mfa-values-oidc = amr values that mean a second factor was used
conn-mfa-values-saml = AuthnContextClassRef values that mean a second factor was used
conn-separated-by-spaces = Separated by spaces.
conn-one-a-line = One a line.
conn-mfa-values-hint = Only used when the IdP's MFA is trusted.
conn-show-button = Show a "Sign in with …" button on the sign-in page
conn-trust-mfa = Trust the IdP's two-factor authentication
conn-trust-phr = Trust the IdP to say a passkey or security key was used (meets the phishing-resistant level)
conn-jit = Create accounts at first sign-in (just in time)
conn-userinfo = Also read the userinfo endpoint
conn-sign-requests = Sign authentication requests
conn-idp-initiated = Accept sign-ins the IdP starts
conn-add = Add the connection
conn-test = Test the connection
conn-test-hint-oidc = Testing fetches the IdP's discovery document and keys now and shows what was found; nothing is saved.
conn-test-hint-saml = Testing fetches the IdP's metadata now and shows what was found; nothing is saved.
conn-new-secret-explained = When the IdP issues a new secret for Stile, store it here. It is never shown.
conn-new-secret = New client secret
conn-give-new-secret = Give the new client secret the IdP issued.
conn-store-secret = Store the new secret
conn-remove-heading = Remove
conn-remove-explained = Removing the connection removes its email domains and its links to accounts; the accounts and their memberships stay.
conn-remove = Remove this connection
conn-test-problem = Problem
conn-test-none = none
conn-test-no-issuer = Enter the issuer URL to test.
conn-test-sign-in-endpoint = Sign-in endpoint
conn-test-token-endpoint = Token endpoint
conn-test-signing-keys = Signing keys
conn-test-oidc-incomplete = The IdP publishes no token endpoint or no signing keys, so sign-in cannot work.
conn-test-bad-issuer = The issuer is not a valid URL.
conn-test-discovery-failed = Its discovery document (the issuer followed by /.well-known/openid-configuration) could not be fetched or read, or its keys could not be fetched.
conn-test-failed = The IdP could not be tested.
conn-test-metadata = Metadata
conn-test-metadata-stored = Stored; give a metadata URL or document to test another.
conn-test-metadata-unreadable = The metadata could not be read.
conn-test-metadata-unusable = The metadata document cannot be used: { $why }
conn-test-no-metadata = Give the IdP's metadata URL or paste its metadata document to test.
conn-test-certificates = Signing certificates (SHA-256)
people-bad-bulk-action = That is not something that can be done to users.
people-bad-user-action = That is not something that can be done to a user.
people-bad-invitation-action = That is not something that can be done to an invitation.

## The service layer's refusals these pages show (src/web/admin/users/refusals.rs): the
## English is word for word what admin::ops says.
refusal-no-such-organisation = There is no such organisation.
refusal-last-superuser = This is the last superuser; make someone else a superuser first.
refusal-banned = This email address or its domain is banned.
refusal-oidc-needs-secret = An upstream OIDC connection needs its client secret.
refusal-remove-self = You cannot remove your own account here.
refusal-own-account = You cannot do this to your own account; ask another superuser.
refusal-not-an-administrator = You are not an administrator of any organisation.
refusal-alg = Use RS256 or ES256.
refusal-invitation-withdrawn = This invitation has been withdrawn; send a new one instead.
refusal-invitation-accepted = This invitation has already been accepted.
refusal-invite-gone = This invitation has expired or has already been used. Ask the organisation for a new one.
refusal-invite-welcome-gone = This link has expired, has been replaced by a newer email, or has already been used. Sign in with your email address instead.
refusal-invite-other-address = This invitation was sent to another email address. Sign out, then sign in with the address it was sent to.
refusal-invite-inactive = { $org } is not active, so it cannot take new members now.
refusal-invite-changed = What this invitation would give you has changed since it was sent. Ask the organisation for a new one.
refusal-invite-member = You are already a member of { $org }.
refusal-invite-inviter = Whoever sent this invitation can no longer give what it offers. Ask the organisation for a new one.
refusal-invite-account-blocked = This account cannot be signed in to. Ask the organisation that made it.
refusal-invite-sso = Your organisation signs you in with its single sign-on: use the sign-in page.
refusal-invitations-too-many = { $count } invitation emails have already been sent to this address in the last hour. Try again later.
refusal-sign-in-emails-too-many = Too many sign-in emails have been sent; try again in { $minutes } minute(s).
refusal-account-disabled = This account is disabled; enable it first.
refusal-welcome-disabled = This account is disabled, so its welcome cannot be sent again. Enable it first.
refusal-welcome-removed = This account has been removed, so its welcome cannot be sent again.
refusal-mode = The mode must be offered or required.
refusal-metadata-https = The metadata URL must be an https:// address.
refusal-kind = The kind must be oidc or saml.
refusal-jwks-oct = The key set holds a shared-secret (oct) key. private_key_jwt needs the app's public RSA or P-256 keys; for a shared secret use client_secret_basic.
refusal-saml-setting = That setting is for SAML connections.
refusal-search-too-long = Search for at most 200 characters.
refusal-list-page-link = That page link is not valid; start from the first page.
refusal-list-role = That role is not one of the organisation's roles.
refusal-list-role-organisation = Choose an organisation to filter by one of its roles.
refusal-list-status = Choose a status from the list.
refusal-list-two-factor = Choose a kind of two-factor authentication from the list.
refusal-list-last-sign-in = Choose a last sign-in period from the list.
refusal-bulk-organisation = Choose the organisation to add the users to.
refusal-no-account-create = There is no account with that email; create the user instead.
refusal-mfa-floor-passkeys = A superuser made passkeys required for { $org }; only a superuser can lower that again.
refusal-mfa-floor-two-factor = A superuser made two-factor authentication required for { $org }; only a superuser can make it optional again.
refusal-welcome-sso-untick = People with this email address sign in with their organisation's single sign-on, so no welcome email can be sent; leave the box unticked.
refusal-welcome-sso = People with this email address sign in with their organisation's single sign-on, so no welcome email can be sent.
refusal-metadata-missing = Paste the IdP's metadata document or give the URL it is published at.
refusal-email-banned-superuser = This account's address is banned; only a superuser can change it.
refusal-enable-address-not-kept = This account's address is not written the way Stile keeps addresses now; change its address before enabling it.
refusal-email-change-superuser = Only a superuser can change the email address of an account its owner has already signed in with; they can change it themselves from their account page.
refusal-saml-no-secret = Only OIDC connections have a client secret; a SAML connection's key is its own.
refusal-domain-taken = One of these email domains is already served by another connection.
refusal-conn-metadata-fetch = The IdP metadata could not be fetched from { $url }.
refusal-conn-no-role = { $org } has no role { $role }; it has: { $have }
refusal-oidc-settings = Issuer, client id and secret, scopes, userinfo and hosted domain are for OIDC connections.
refusal-saml-settings = IdP metadata, request signing and IdP-initiated sign-in are for SAML connections.
refusal-give-secret = Give the client secret the IdP issued for Stile.
refusal-metadata-both = Give the IdP metadata either as a document or as a URL, not both.
refusal-connection-organisation = Choose the organisation whose staff sign in through this connection.
refusal-app-organisation = Choose the organisation the app administers.
refusal-access-level = Choose the level of access: none, an organisation's administrator or superuser.
refusal-auth-method = Choose how the app authenticates: client_secret_basic, client_secret_post, private_key_jwt or none (a public app).
refusal-secret-own-action = Change the client secret with its own action (rotate the secret).
refusal-name = A name must be at most 200 characters, without control characters.
refusal-connection-organisation-fixed = A connection's organisation cannot be changed; add a new connection instead.
refusal-connection-kind-fixed = A connection's kind cannot be changed; add a new connection instead.
refusal-client-id-fixed = A client's id cannot be changed.
refusal-client-name = a client needs a name
refusal-client-grant = a client needs at least one grant type: authorization_code, refresh_token or client_credentials
refusal-client-redirect = the authorization_code grant needs at least one redirect URI
refusal-client-refresh = the refresh_token grant needs the authorization_code grant as well
refusal-client-public = This client has no secret to rotate: it is public, or authenticates with its own key (private_key_jwt).
refusal-client-id = client id { $id } is not valid: use 3 to 64 of A-Z a-z 0-9 . _ -
refusal-client-name-long = the client name must be at most { $max } characters, without control characters
refusal-client-scope = scope { $scope } is not valid: use { $known } or a lower-case name of a-z 0-9 _ . : - starting with a letter
refusal-client-namespace = permission namespace { $ns } is not valid: use a lower-case name of a-z 0-9 _ starting with a letter, such as fms or sm
refusal-client-claim = ID token claim { $claim } is not one Stile can add; choose from { $claims }
refusal-client-audience = access token audience { $aud } must be a non-empty value without spaces, such as the API's URL
refusal-client-body-empty = the bound body id is empty
refusal-client-credentials-public = client_credentials needs a confidential client (client_secret_basic or client_secret_post): a public client has no secret
refusal-client-public-code = a public client (auth method none) must allow the authorization_code grant
refusal-client-public-pkce = a public client (auth method none) always requires PKCE; it cannot be switched off
refusal-client-keys-both = give the client's keys either inline (JWKS) or as a JWKS URI, not both
refusal-client-keys-missing = a private_key_jwt client needs its public keys: a JWK set, or the https URI where it publishes one
refusal-client-jwks-unusable = the JWK set is not usable: { $reason }
refusal-client-keys-other = only a private_key_jwt client has a JWK set or JWKS URI; this one uses { $method }
refusal-client-no-body = there is no body with id { $id }
refusal-client-grant-unknown = { $grant } is not a grant type Stile supports.
refusal-uri-empty = a { $uritype } is empty
refusal-uri-long = { $uritype } is longer than { $max } characters
refusal-uri-spaces = { $uritype } { $uri } contains spaces or control characters
refusal-uri-fragment = { $uritype } { $uri } must not contain a fragment (the part from #)
refusal-uri-not-absolute = { $uritype } { $uri } is not an absolute URL ({ $detail })
refusal-uri-credentials = { $uritype } { $uri } must not contain a user name or password
refusal-uri-http = { $uritype } { $uri } uses http on a host that is not loopback: { $allowed }
refusal-uri-scheme = { $uritype } { $uri } has scheme { $scheme }: { $allowed }
admin-uri-allowed-private = use https, http only on 127.0.0.1, [::1] or localhost, or a native app's private-use scheme such as com.example.app:/callback
admin-uri-allowed = use https, or http only on 127.0.0.1, [::1] or localhost
admin-uri-type-redirect = redirect URI
admin-uri-type-post-logout = post-logout redirect URI
admin-uri-type-backchannel = back-channel logout URI
admin-uri-type-jwks = JWKS URI
admin-refusal-jwks-unusable = The public keys cannot be used: { $reason }.
refusal-jwk-missing = the key has no { $member }
refusal-jwk-not-base64url = the key's { $member } is not base64url
refusal-jwk-not-object = a key is not a JSON object
refusal-jwk-private = the key set holds a private or symmetric key: give only public keys
refusal-jwk-not-sig = a key's use is not sig
refusal-jwk-kid = a key's kid is not a short string
refusal-jwk-rsa-size = an RSA key must have 2048 to 8192 bits
refusal-jwk-rsa-exponent = an RSA key's exponent is not valid
refusal-jwk-curve = an EC key must be on curve P-256 (ES256)
refusal-jwk-ec-size = an EC key's x and y must be 32 bytes each
refusal-jwk-kty = key type { $kty } is not accepted: use RSA or EC (P-256)
refusal-jwk-alg-mismatch = a key's alg { $alg } does not fit its type
refusal-jwk-alg = algorithm { $alg } is not accepted: use RS256, PS256 or ES256
refusal-jwk-too-large = the JWK set is too large
refusal-jwk-not-json = the JWK set is not JSON
refusal-jwk-no-keys = the JWK set must be a JSON object with a keys array
refusal-jwk-too-many = the JWK set holds more than { $max } keys
refusal-jwk-no-signing-key = the JWK set holds no RSA or P-256 signing key
refusal-jwk-same-kid = two keys in the JWK set have the same kid

## Import: problems with a row (admin::ops::import words them for the command line and the API
## too; the import page looks each up by this text, so the English must stay the same)
refusal-import-repeated = { $email } is also on row { $first }; each address may appear once
refusal-import-looks-like-row = { $email } looks the same as { $other } on row { $first }; each account's address must look different (the same letters from another alphabet, with accents, or with invisible characters look the same)
refusal-import-has-account = { $email } already has an account; an import never changes an existing account
refusal-import-looks-like-account = { $email } looks the same as an existing account's address; each account's address must look different (the same letters from another alphabet, with accents, or with invisible characters look the same)
refusal-import-banned = { $email } is banned (abuse table)
refusal-import-name-long = the name is longer than { $max } characters
refusal-import-no-role = { $org } has no role { $role }
refusal-import-not-permission = { $perm } is not in the permission catalogue
refusal-import-no-organisation = no organisation has the FixMyStreet id, id or name { $name }
refusal-import-other-organisation = this import is into { $into }; the row names another organisation ({ $other })
refusal-import-hash = not a bcrypt ($2a$/$2b$/$2y$, 60 characters) or argon2 hash; leave it empty for no password
refusal-import-fields = has { $len } field(s) where the header has { $expected }; a field holding a comma must be in double quotes
refusal-import-not-utf8 = is not UTF-8 text; save the file as CSV UTF-8
refusal-import-unreadable = cannot be read: { $detail }
refusal-import-bad-email = { $value } is not a usable email address: { $reason }
refusal-import-name-control = the name contains control characters
refusal-import-roles-no-organisation = roles and permissions are given but no organisation to hold them
refusal-import-superuser-no-organisation = Only a superuser can import users who join no organisation.
refusal-import-superuser-many = Only a superuser can import users into more than one organisation.
refusal-import-hash-stall = { $reason }; such a hash would stall sign-in for everyone
refusal-hash-argon2-unreadable = the argon2 hash cannot be read
refusal-hash-argon2-range = the argon2 hash has parameters out of range
refusal-hash-argon2-cost = the argon2 hash costs { $cost }; the most accepted is { $most } ([password] max_argon2_*)
refusal-hash-bcrypt-cost = the bcrypt hash has cost { $cost }; the most accepted is { $most } ([password] max_bcrypt_cost)
refusal-hash-bcrypt-unreadable = the bcrypt hash has no readable cost
refusal-hash-unknown = not a bcrypt or argon2 hash
refusal-account-sso-password = Addresses at { $domain } must sign in through their organisation's single sign-on, so their accounts cannot have a password; leave the password (hash) out.
refusal-account-no-organisation = Only a superuser can create accounts that join no organisation.
refusal-account-other-sso = { $domain } signs in through another organisation's single sign-on; only a superuser can create accounts there.
refusal-account-other-domain = { $domain } is another organisation's email domain; only a superuser can create accounts there. Invite the person as a member instead if they should join yours.
refusal-account-not-own-domain = You can only create accounts with an address in one of your organisation's email domains, and { $domain } is not one; invite the person as a member by email instead.
