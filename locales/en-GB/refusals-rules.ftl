## The admin service layer's and the policy's refusals that have no other message (issue 18).
## Each English text is exactly as src/admin/ops and src/policy word it (src/i18n/refusals.rs
## recognises a refusal by it; scripts/check_locales.py fails when one is missing).

## Accepting an invitation or a welcome (src/admin/ops/memberships.rs, invitations.rs).
refusal-invitation-gone = This invitation has expired or has already been used. Ask the organisation for a new one.
refusal-invitation-other-address = This invitation was sent to another email address. Sign out, then sign in with the address it was sent to.
refusal-invitation-body-inactive = { $org } is not active, so it cannot take new members now.
refusal-invitation-changed = What this invitation would give you has changed since it was sent. Ask the organisation for a new one.
refusal-invitation-already-member = You are already a member of { $org }.
refusal-invitation-inviter = Whoever sent this invitation can no longer give what it offers. Ask the organisation for a new one.
refusal-welcome-gone = This link has expired, has been replaced by a newer email, or has already been used. Sign in with your email address instead.
refusal-welcome-not-allowed = This account cannot be signed in to. Ask the organisation that made it.
refusal-welcome-use-sso = Your organisation signs you in with its single sign-on: use the sign-in page.
refusal-invitation-sends = { $count } invitation emails have already been sent to this address in the last hour. Try again later.

## Members and accounts.
refusal-member-no-account = There is no account with that email; create the user instead.
refusal-members-page-link = Where the page starts (after) is not one this listing gave: start again from the first page.
refusal-signin-emails-throttled = Too many sign-in emails have been sent; try again in { $minutes } minute(s).
refusal-password-sso-domain = Addresses at { $domain } must sign in through their organisation's single sign-on, so their accounts cannot have a password; leave the password (hash) out.
refusal-import-several-organisations = Only a superuser can import users into more than one organisation.
refusal-import-joins-none = Only a superuser can import users who join no organisation.
refusal-rotate-keys = Only a superuser can rotate the signing keys.

## The users list's filters and bulk actions (src/admin/ops/user_list.rs).
refusal-list-role-needs-organisation = Choose an organisation to filter by one of its roles.
refusal-bulk-none = Select at least one user.
refusal-bulk-too-many = Select at most { $count } users at a time.

## An organisation's 2FA policy (src/admin/ops/bodies.rs).

## Street Manager's rules for the roles one member holds (src/policy/street_manager.rs).

## The Street Manager admin users' refusal (src/policy/delegation.rs), with what is refused.
admin-refusal-superuser-can-ticket = Only a superuser can { $what } (in Street Manager this needs a support ticket).
admin-what-add-admin-users-plain = add admin users
admin-what-remove-admin-users-plain = remove admin users
admin-what-edit-admin-users-plain = edit admin users

## Who may administer whom (src/policy/delegation.rs). The parts that name a kind of
## organisation or member are written out, one message each, so that Welsh can mutate them.
refusal-contractor-own-admins-add = Only the contractor's own admins can add contractor users; a promoter or highway authority it works for sets their permissions and workstreams.
refusal-contractor-own-admins-remove = Only the contractor's own admins can remove contractor users; a promoter or highway authority it works for sets their permissions and workstreams.
refusal-contractor-own-admins-edit = Only the contractor's own admins can edit contractor users; a promoter or highway authority it works for sets their permissions and workstreams.
refusal-geo-areas-promoter = Only a highway authority admin can change geographical areas; this is a promoter.
refusal-geo-areas-contractor = Only a highway authority admin can change geographical areas; this is a contractor.
refusal-link-contractor-council = Contractor organisations are linked to promoters and highway authorities, not to a council.
refusal-link-contractor-contractor = Contractor organisations are linked to promoters and highway authorities, not to a contractor.
refusal-link-contractor-other = Contractor organisations are linked to promoters and highway authorities, not to a other.
admin-refusal-kind-promoter-highway-authority = A promoter cannot have highway authority users.
admin-refusal-kind-promoter-contractor = A promoter cannot have contractor users.
admin-refusal-kind-highway-authority-contractor = A highway authority cannot have contractor users.

## Reading an IdP's metadata (src/admin/ops/connections/check.rs, the reasons of src/sso/saml.rs).
admin-invalid-metadata-too-large = The IdP metadata could not be read from { $url }: the document is larger than 1 MiB.
admin-invalid-metadata-not-utf8 = The IdP metadata could not be read from { $url }: the document is not UTF-8.
admin-invalid-metadata-status = The IdP metadata could not be read from { $url }: the server answered { $status }.
admin-invalid-metadata-fetch = The IdP metadata could not be fetched from { $url }.
refusal-connection-no-role = { $org } has no role { $role }; it has: { $have }

## A relying app's settings (src/admin/ops/clients.rs).
refusal-app-grant-type = { $grant } is not a grant type Stile supports.
admin-invalid-app-jwks-shape = Give the app's public keys as a JWK set: { "{" }"keys": [...]{ "}" }.
admin-invalid-app-jwks-json = The public keys are not JSON: give a JWK set, { "{" }"keys": [...]{ "}" }.
admin-invalid-app-jwks-private = The key set holds a private key (it has a "d" member). Paste only the app's public keys, and treat that private key as exposed: make a new one.
