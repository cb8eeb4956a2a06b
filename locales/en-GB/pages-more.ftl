## More pages, emails and error pages in both languages (issue 18).

## The consent page: an organisation's roles or permissions when there are none.
consent-none = none

## The page for a request refused at the edge (src/web/input.rs): where the bad text is, then why.
input-place-query-name = The name of a query parameter
input-place-form-name = The name of a form parameter
input-place-query-value = The query parameter { $name }
input-place-form-value = The form parameter { $name }
input-place-path = The address (path)
input-place-authorization = The Authorization header
input-place-json = The JSON body
input-place-field = A form field
problem-input-control = { $place } contains a control character (such as a NUL byte), which is not allowed.
problem-input-not-utf8 = { $place } is not valid UTF-8 text.
problem-input-duplicate = The { $name } parameter is included more than once.
problem-input-uri-too-long = The address is too long (at most { $count } bytes).
problem-input-headers-too-large = The request headers are too large (at most { $fields } fields and { $bytes } bytes).

## The import routes when every import slot is taken (src/web/import_slots.rs).
error-imports-busy-title = Imports are busy
error-imports-busy-message = Other imports are running on this server. Try again in a minute; nothing was imported.

## A relying app's address that cannot be put in a redirect (src/oidc/authorize.rs).
error-cannot-continue-title = Cannot continue

## A request body over the size limit (plain text, src/web/input.rs).
problem-body-too-large = The request body is too large.

## A copy button after it is pressed (templates/copy.js reads them from the button).
copy-done = Copied
copy-failed = Could not copy
