# Refusals of /authorize, /end_session and the account page shown on the error page
# (src/web/refusal_text.rs). The English is word for word the text where it arises.

refused-no-client-id = The request does not say which application is asking (client_id is missing).
refused-request-gone = This sign-in request has expired or has already been used. Go back to the application and start again.
refused-our-side = Something went wrong on our side. Try again in a moment.
refused-unknown-client = The application asking you to sign in is not registered here.
refused-no-redirect-uri = The request has no redirect_uri.
refused-unregistered-redirect = The application asked to send you to an address it has not registered, so it cannot continue.
refused-foreign-id-token = The sign-out request carries an ID token that was not issued here.
refused-two-applications = The sign-out request names two different applications.
refused-unregistered-logout-redirect = The application asked to send you to an address it has not registered.
refused-logout-redirect-unnamed = A post-logout address needs id_token_hint or client_id to say which application asks.
refused-unusable-address = The application's address cannot be used.
refused-session-ended = That session has already ended.
refused-no-consent = You had not given that application access.
