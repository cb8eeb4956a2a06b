## The admin service layer's and the policy's refusals that have no other message (issue 18).
## Each English text is exactly as src/admin/ops and src/policy word it (src/i18n/refusals.rs
## recognises a refusal by it; scripts/check_locales.py fails when one is missing).

## Accepting an invitation or a welcome (src/admin/ops/memberships.rs, invitations.rs).

## Members and accounts.
refusal-members-page-link = Where the page starts (after) is not one this listing gave: start again from the first page.
refusal-rotate-keys = Only a superuser can rotate the signing keys.

## The users list's filters and bulk actions (src/admin/ops/user_list.rs).
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
admin-invalid-metadata-xml = The IdP metadata is not usable: the metadata is not readable XML: { $detail }
admin-invalid-metadata-no-idp = The IdP metadata is not usable: the metadata describes no identity provider (IDPSSODescriptor)
admin-invalid-metadata-no-entity-id = The IdP metadata is not usable: the identity provider has no entityID
admin-invalid-metadata-no-redirect-sso = The IdP metadata is not usable: the identity provider offers no SingleSignOnService with the HTTP-Redirect binding
admin-invalid-metadata-no-signing-cert = The IdP metadata is not usable: the identity provider's metadata has no signing certificate, so its responses could not be checked
admin-invalid-metadata-cert-encoding = The IdP metadata is not usable: a signing certificate in the metadata cannot be used: the certificate is not valid base64 or PEM
admin-invalid-metadata-cert-parse = The IdP metadata is not usable: a signing certificate in the metadata cannot be used: the certificate cannot be parsed as X.509
admin-invalid-metadata-cert-key-type = The IdP metadata is not usable: a signing certificate in the metadata cannot be used: the certificate's key is neither RSA nor ECDSA P-256
admin-invalid-metadata-cert-key-size = The IdP metadata is not usable: a signing certificate in the metadata cannot be used: the certificate's RSA key is shorter than 2048 bits (or longer than 8192)

## A relying app's settings (src/admin/ops/clients.rs).
admin-invalid-app-jwks-shape = Give the app's public keys as a JWK set: { "{" }"keys": [...]{ "}" }.
admin-invalid-app-jwks-json = The public keys are not JSON: give a JWK set, { "{" }"keys": [...]{ "}" }.
admin-invalid-app-jwks-private = The key set holds a private key (it has a "d" member). Paste only the app's public keys, and treat that private key as exposed: make a new one.
