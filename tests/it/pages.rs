//! Health checks, headers, limits, CSRF.

use crate::both;
use crate::harness::{Backend, TestApp, csrf_in};

async fn health_and_headers(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.browser();
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(app.url("/login")).send().await.unwrap();
    let h = r.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let cookie = h["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(c.get(app.url("/nope")).send().await.unwrap().status(), 404);
    // The database going away makes /readyz say so while /healthz stays up.
    app.state.db.close().await;
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), 503);
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    app.finish().await;
}
both!(health_and_headers);

async fn csrf_refused(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("csrf@example.org", Some("correct horse battery")).await;
    let c = app.browser();
    let form = |csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("email".to_owned(), "csrf@example.org".to_owned()),
            ("password".to_owned(), "correct horse battery".to_owned()),
        ]
    };
    // No cookie and no token.
    let r = c.post(app.url("/login/password")).form(&form("")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // A cookie but the wrong token.
    let good = app.csrf(&c, "/login").await;
    let r = c.post(app.url("/login/password")).form(&form("x".repeat(43).as_str())).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Another browser's token.
    let other = app.browser();
    let theirs = app.csrf(&other, "/login").await;
    assert_ne!(theirs, good);
    let r = c.post(app.url("/login/password")).form(&form(&theirs)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("form has expired"));
    // Nothing was counted as a sign-in attempt.
    assert!(app.audit_actions().await.is_empty());
    let r = c.post(app.url("/login/password")).form(&form(&good)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    // Signed-in forms need the token too.
    let r = c.post(app.url("/account/sessions/end-all")).form(&[("csrf", "")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = c.post(app.url("/logout")).form(&[("csrf", "nope")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 200);
    app.finish().await;
}
both!(csrf_refused);

/// Every form outside the admin UI is refused without this browser's token, whether the field is
/// missing, empty or forged, before the handler runs: the session is still there at the end.
async fn csrf_refused_on_every_page_form(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("forms@example.org", Some("correct horse battery")).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "forms@example.org", "correct horse battery").await.status(), 303);
    let good = app.csrf(&c, "/account").await;
    for path in [
        "/login",
        "/login/password",
        "/login/2fa",
        "/login/2fa/enrol",
        "/login/email",
        "/login/email/code",
        "/login/email/confirm",
        "/login/password/new",
        "/login/password/new/confirm",
        "/account/password",
        "/account/email",
        "/account/email/confirm",
        "/account/sessions/end",
        "/account/sessions/end-all",
        "/account/consents/withdraw",
        "/account/security/disable",
        "/account/security/recovery-codes",
        "/invitations/accept",
        "/authorize/consent",
        "/end_session/confirm",
        "/logout",
    ] {
        for form in [vec![("email", "forms@example.org")], vec![("csrf", "")], vec![("csrf", "forged")], vec![("csrf", &good[1..])]] {
            let r = c.post(app.url(path)).form(&form).send().await.unwrap();
            assert_eq!(r.status(), 403, "{path} {form:?}");
            assert!(r.text().await.unwrap().contains("form has expired"), "{path}");
        }
    }
    // Still signed in, and the right token still works.
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 200);
    let r = c.post(app.url("/logout")).form(&[("csrf", good.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    app.finish().await;
}
both!(csrf_refused_on_every_page_form);

#[tokio::test]
async fn oversized_body_refused() {
    let app = TestApp::start(Backend::Sqlite).await;
    let c = app.browser();
    let csrf = app.csrf(&c, "/login").await;
    let big = "a".repeat(200_000);
    let r = c.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", big.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 413);
    app.finish().await;
}

#[tokio::test]
async fn login_hint_prefills_and_next_is_kept() {
    let app = TestApp::start(Backend::Sqlite).await;
    let c = app.browser();
    let body = c.get(app.url("/login?login_hint=a%40b.org&next=%2Faccount%3Fx%3D1")).send().await.unwrap().text().await.unwrap();
    assert!(body.contains("value=\"a@b.org\""));
    assert!(body.contains("value=\"/account?x=1\""));
    let body = c.get(app.url("/login?next=https%3A%2F%2Fevil.example")).send().await.unwrap().text().await.unwrap();
    assert!(!body.contains("evil.example"));
    assert!(csrf_in(&body).is_some());
    app.finish().await;
}

/// Error pages name the deployment in their header and title, as every other page does (they
/// used to say "Sign in"), and keep their status and headers.
async fn error_pages_name_the_site(b: Backend) {
    let app = TestApp::start_with(b, |s| s.server.name = "Camden staff sign-in".into()).await;
    app.create_user("named@example.org", Some("correct horse battery")).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "named@example.org", "correct horse battery").await.status(), 303);
    let r = c.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<span class=\"brand\">Camden staff sign-in</span>"), "{html}");
    assert!(html.contains("<title>Page not found – Camden staff sign-in</title>") && !html.contains("Sign in</"), "{html}");
    // A refused form (no CSRF token) and an error from the OIDC edge get it too.
    let r = c.post(app.url("/logout")).form(&[("csrf", "nope")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("<span class=\"brand\">Camden staff sign-in</span>"));
    let r = c.get(app.url("/authorize?client_id=nobody&response_type=code")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<span class=\"brand\">Camden staff sign-in</span>"));
    // While the database is away: 503 with Retry-After, named too.
    app.state.db.close().await;
    let r = c.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("<span class=\"brand\">Camden staff sign-in</span>"));
    app.finish().await;
}
both!(error_pages_name_the_site);
