//! The ways an authorization can go wrong, each refused the way the RFCs say.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use stile::clients::{AuthMethod, GrantType};
use stile::tokens::keys::Alg;

use crate::both;
use crate::harness::{Backend, TestApp, location};
use crate::oidc::{CB, PW, payload, register, spec};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn challenge(v: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn authorize_url(app: &TestApp, client_id: &str, extra: &str) -> String {
    format!(
        "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20email&state=s1&nonce=n1{extra}",
        app.base,
        enc(CB)
    )
}

fn query(loc: &str) -> Vec<(String, String)> {
    url::Url::parse(loc).unwrap().query_pairs().into_owned().collect()
}

fn q<'a>(v: &'a [(String, String)], k: &str) -> Option<&'a str> {
    v.iter().find(|(a, _)| a == k).map(|(_, b)| b.as_str())
}

/// A signed-in browser and a code for `client_id`.
async fn code_for(app: &TestApp, browser: &reqwest::Client, client_id: &str, extra: &str) -> String {
    let r = browser.get(authorize_url(app, client_id, extra)).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let loc = location(&r);
    assert!(loc.starts_with(CB), "{loc}");
    q(&query(&loc), "code").unwrap_or_else(|| panic!("no code in {loc}")).to_owned()
}

async fn token(app: &TestApp, id: &str, secret: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new().post(app.url("/token")).basic_auth(id, Some(secret)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    assert_eq!(r.headers()["cache-control"], "no-store");
    (status, r.json().await.unwrap())
}

async fn setup(b: Backend) -> (TestApp, String, String, reqwest::Client) {
    let app = TestApp::start(b).await;
    app.create_user("neg@example.org", Some(PW)).await;
    let (id, secret) = register(&app, spec("Neg")).await;
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "neg@example.org", PW).await.status(), 303);
    (app, id, secret.unwrap(), browser)
}

async fn pkce_and_code_rules(b: Backend) {
    let (app, id, secret, browser) = setup(b).await;
    let pk = format!("&code_challenge={}&code_challenge_method=S256", challenge(VERIFIER));
    // Missing verifier.
    let code = code_for(&app, &browser, &id, &pk).await;
    let (s, e) = token(&app, &id, &secret, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB)]).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    // Wrong verifier.
    let code = code_for(&app, &browser, &id, &pk).await;
    let wrong = "x".repeat(50);
    let (s, e) = token(
        &app,
        &id,
        &secret,
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", &wrong)],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    // PKCE required for this client; plain refused.
    let r = browser.get(authorize_url(&app, &id, "")).send().await.unwrap();
    let qq = query(&location(&r));
    assert_eq!(q(&qq, "error"), Some("invalid_request"));
    assert_eq!(q(&qq, "state"), Some("s1"));
    let r = browser.get(authorize_url(&app, &id, &format!("&code_challenge={VERIFIER}&code_challenge_method=plain"))).send().await.unwrap();
    assert_eq!(q(&query(&location(&r)), "error"), Some("invalid_request"));
    // Wrong redirect_uri at the token endpoint.
    let code = code_for(&app, &browser, &id, &pk).await;
    let (s, e) = token(
        &app,
        &id,
        &secret,
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", "http://127.0.0.1:9/other"), ("code_verifier", VERIFIER)],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    // Expired code.
    let code = code_for(&app, &browser, &id, &pk).await;
    app.clock.advance(61);
    let (s, e) = token(
        &app,
        &id,
        &secret,
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    // Replay: the second use fails and revokes what the first produced.
    let code = code_for(&app, &browser, &id, &pk).await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", CB), ("code_verifier", VERIFIER)];
    let (s, first) = token(&app, &id, &secret, &form).await;
    assert_eq!(s, 200, "{first}");
    let (s, e) = token(&app, &id, &secret, &form).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    let intro: Value = reqwest::Client::new()
        .post(app.url("/introspect"))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", first["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(intro["active"], false);
    let rt = first["refresh_token"].as_str().unwrap();
    let (s, e) = token(&app, &id, &secret, &[("grant_type", "refresh_token"), ("refresh_token", rt)]).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    app.finish().await;
}
both!(pkce_and_code_rules);

async fn redirect_uri_must_match_exactly(b: Backend) {
    let (app, id, _secret, browser) = setup(b).await;
    for bad in [
        "http://127.0.0.1:9/callback/extra",
        "http://127.0.0.1:9/callback?x=1",
        "http://127.0.0.1:9/Callback",
        "http://evil.example/callback",
    ] {
        let url = format!("{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid&state=s", app.base, enc(bad));
        let r = browser.get(url).send().await.unwrap();
        // Never redirected to an unregistered address: our own error page instead.
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.headers().get("location").is_none());
        assert!(r.text().await.unwrap().contains("has not registered"));
    }
    let r = browser
        .get(format!("{}/authorize?response_type=code&client_id=nobody&redirect_uri={}&scope=openid", app.base, enc(CB)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Once client and redirect are known, errors go back to the client.
    let r = browser
        .get(format!("{}/authorize?response_type=token&client_id={id}&redirect_uri={}&scope=openid&state=z", app.base, enc(CB)))
        .send()
        .await
        .unwrap();
    let qq = query(&location(&r));
    assert_eq!(q(&qq, "error"), Some("unsupported_response_type"));
    assert_eq!(q(&qq, "state"), Some("z"));
    assert_eq!(q(&qq, "iss"), Some(app.base.as_str()));
    let r = browser.get(format!("{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid%20admin&code_challenge={}&code_challenge_method=S256", app.base, enc(CB), challenge(VERIFIER))).send().await.unwrap();
    assert_eq!(q(&query(&location(&r)), "error"), Some("invalid_scope"));
    app.finish().await;
}
both!(redirect_uri_must_match_exactly);

async fn refresh_reuse_revokes_family(b: Backend) {
    let (app, id, secret, browser) = setup(b).await;
    let pk = format!("&code_challenge={}&code_challenge_method=S256", challenge(VERIFIER));
    let code = code_for(&app, &browser, &id, &pk).await;
    let (_, t) = token(
        &app,
        &id,
        &secret,
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)],
    )
    .await;
    let rt1 = t["refresh_token"].as_str().unwrap().to_owned();
    let (s, t2) = token(&app, &id, &secret, &[("grant_type", "refresh_token"), ("refresh_token", &rt1)]).await;
    assert_eq!(s, 200);
    let rt2 = t2["refresh_token"].as_str().unwrap().to_owned();
    // Narrowing scope is allowed; widening is not.
    let (s, e) =
        token(&app, &id, &secret, &[("grant_type", "refresh_token"), ("refresh_token", &rt2), ("scope", "openid email profile")]).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_scope")));
    // Reusing rt1 (already rotated) revokes the family, rt2 included.
    let (s, e) = token(&app, &id, &secret, &[("grant_type", "refresh_token"), ("refresh_token", &rt1)]).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    let (s, _) = token(&app, &id, &secret, &[("grant_type", "refresh_token"), ("refresh_token", &rt2)]).await;
    assert_eq!(s, 400);
    app.finish().await;
}
both!(refresh_reuse_revokes_family);

async fn client_authentication_failures(b: Backend) {
    let (app, id, secret, browser) = setup(b).await;
    let http = reqwest::Client::new();
    let form = [("grant_type", "client_credentials")];
    let r = http.post(app.url("/token")).basic_auth(&id, Some("wrong")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    let r = http.post(app.url("/token")).basic_auth("nobody", Some(&secret)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The registered method is basic; the same secret in the body is refused.
    let r = http
        .post(app.url("/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // No authentication at all for a confidential client.
    let r = http
        .post(app.url("/token"))
        .form(&[("grant_type", "authorization_code"), ("client_id", id.as_str()), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Both methods at once.
    let r = http
        .post(app.url("/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials"), ("client_secret", &secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    // Grant the client may not use, and an unknown grant.
    let r = http.post(app.url("/token")).basic_auth(&id, Some(&secret)).form(&form).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "unauthorized_client");
    let r = http.post(app.url("/token")).basic_auth(&id, Some(&secret)).form(&[("grant_type", "password")]).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
    // A parameter twice.
    let r = http
        .post(app.url("/token"))
        .basic_auth(&id, Some(&secret))
        .body("grant_type=refresh_token&grant_type=refresh_token")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    // Introspection needs client authentication.
    let r = http.post(app.url("/introspect")).form(&[("token", "x"), ("client_id", id.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Userinfo without or with a bad token.
    let r = http.get(app.url("/userinfo")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let r = http.get(app.url("/userinfo")).bearer_auth("not.a.token").send().await.unwrap();
    assert_eq!(r.status(), 401);
    drop(browser);
    app.finish().await;
}
both!(client_authentication_failures);

async fn prompt_none_max_age_and_sign_out(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("p@example.org", Some(PW)).await;
    let (id, secret) = register(&app, spec("Prompt")).await;
    let secret = secret.unwrap();
    let pk = format!("&code_challenge={}&code_challenge_method=S256", challenge(VERIFIER));
    let browser = app.browser();
    // No session + prompt=none → login_required at the client.
    let r = browser.get(authorize_url(&app, &id, &format!("{pk}&prompt=none"))).send().await.unwrap();
    assert_eq!(q(&query(&location(&r)), "error"), Some("login_required"));
    // No session otherwise → the sign-in page, carrying login_hint.
    let r = browser.get(authorize_url(&app, &id, &format!("{pk}&login_hint=p%40example.org"))).send().await.unwrap();
    let loc = location(&r);
    assert!(loc.starts_with("/login?next=%2Fauthorize%3F"), "{loc}");
    assert!(loc.contains("login_hint=p%40example.org"));
    assert_eq!(app.sign_in(&browser, "p@example.org", PW).await.status(), 303);
    // max_age exceeded → sign in again (or login_required with prompt=none).
    app.clock.advance(120);
    let r = browser.get(authorize_url(&app, &id, &format!("{pk}&max_age=60"))).send().await.unwrap();
    assert!(location(&r).starts_with("/login?"));
    let r = browser.get(authorize_url(&app, &id, &format!("{pk}&max_age=60&prompt=none"))).send().await.unwrap();
    assert_eq!(q(&query(&location(&r)), "error"), Some("login_required"));
    let code = code_for(&app, &browser, &id, &format!("{pk}&max_age=600")).await;
    let (s, t) = token(
        &app,
        &id,
        &secret,
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)],
    )
    .await;
    assert_eq!(s, 200);
    let at = t["access_token"].as_str().unwrap().to_owned();
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    assert_eq!(http.get(app.url("/userinfo")).bearer_auth(&at).send().await.unwrap().status(), 200);
    // POST userinfo with the token in the body works too.
    assert_eq!(http.post(app.url("/userinfo")).form(&[("access_token", at.as_str())]).send().await.unwrap().status(), 200);
    // Signing out ends the session: its access tokens and (non-offline) refresh tokens stop working.
    let page = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::harness::csrf_in(&page).unwrap();
    browser.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(http.get(app.url("/userinfo")).bearer_auth(&at).send().await.unwrap().status(), 401);
    let intro: Value = http
        .post(app.url("/introspect"))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", at.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(intro["active"], false);
    let (s, _) = token(&app, &id, &secret, &[("grant_type", "refresh_token"), ("refresh_token", &rt)]).await;
    assert_eq!(s, 400);
    app.finish().await;
}
both!(prompt_none_max_age_and_sign_out);

async fn consent_for_third_party(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("c@example.org", Some(PW)).await;
    let mut s = spec("Third Party");
    s.first_party = false;
    let (id, _) = register(&app, s).await;
    let pk = format!("&code_challenge={}&code_challenge_method=S256", challenge(VERIFIER));
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "c@example.org", PW).await.status(), 303);
    let r = browser.get(authorize_url(&app, &id, &format!("{pk}&prompt=none"))).send().await.unwrap();
    assert_eq!(q(&query(&location(&r)), "error"), Some("consent_required"));
    let page = browser.get(authorize_url(&app, &id, &pk)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Allow Third Party to use your account?"));
    assert!(page.contains("See your email address"));
    let csrf = crate::harness::csrf_in(&page).unwrap();
    let marker = "name=\"request\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    let request = crate::harness::html_unescape(&page[at..at + page[at..].find('"').unwrap()]);
    // Deny → access_denied.
    let r = browser
        .post(app.url("/authorize/consent"))
        .form(&[("csrf", csrf.as_str()), ("request", request.as_str()), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    assert_eq!(q(&query(&location(&r)), "error"), Some("access_denied"));
    // Without the CSRF token nothing happens.
    let r = browser
        .post(app.url("/authorize/consent"))
        .form(&[("csrf", "x"), ("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Allow → code, and remembered next time.
    let r = browser
        .post(app.url("/authorize/consent"))
        .form(&[("csrf", csrf.as_str()), ("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert!(q(&query(&location(&r)), "code").is_some());
    code_for(&app, &browser, &id, &pk).await;
    // Withdrawn from the account page → asked again.
    let account = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(account.contains("Third Party"));
    let csrf = crate::harness::csrf_in(&account).unwrap();
    let r = browser
        .post(app.url("/account/consents/withdraw"))
        .form(&[("csrf", csrf.as_str()), ("client_id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = browser.get(authorize_url(&app, &id, &pk)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.finish().await;
}
both!(consent_for_third_party);

async fn client_credentials_both_algs(b: Backend) {
    let app = TestApp::start_with(b, |s| s.tokens.access_token_alg = "RS256".into()).await;
    let mut s = spec("Machine");
    s.redirect_uris = vec![];
    s.post_logout_redirect_uris = vec![];
    s.grant_types = vec![GrantType::ClientCredentials];
    s.scopes = vec!["api.read".into()];
    s.auth_method = AuthMethod::ClientSecretPost;
    s.id_token_alg = Alg::ES256;
    let (id, secret) = register(&app, s).await;
    let secret = secret.unwrap();
    let r: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let at = r["access_token"].as_str().unwrap();
    assert_eq!(crate::oidc::header(at)["alg"], "RS256");
    let p = payload(at);
    assert_eq!(p["sub"], id.as_str());
    assert_eq!(p["scope"], "api.read");
    assert!(r.get("refresh_token").is_none() && r.get("id_token").is_none());
    let r: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret), ("scope", "openid")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["error"], "invalid_scope");
    app.finish().await;
}
both!(client_credentials_both_algs);

/// Sign-in context: the sign-in pages name the app, and its consent page lists what it will
/// receive (organisations, roles, permissions in its namespaces), or says there is none.
async fn signin_names_the_app_and_consent_lists_claims(b: Backend) {
    let app = TestApp::start(b).await;
    crate::admin_ui::council_with_admin(&app).await;
    app.create_user("loner@example.org", Some(PW)).await;
    let mut s = spec("FixMyStreet — Camden");
    s.first_party = false;
    s.permission_namespaces = vec!["fms".into()];
    let (id, _) = register(&app, s).await;
    let pk = format!("&code_challenge={}&code_challenge_method=S256", challenge(VERIFIER));

    let browser = app.browser();
    let r = browser.get(authorize_url(&app, &id, &pk)).send().await.unwrap();
    let login = location(&r);
    assert!(login.starts_with("/login?"), "{login}");
    let page = browser.get(app.url(&login)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>Sign in to FixMyStreet — Camden</h1>"), "{page}");
    // Without an app, the plain heading.
    let page = app.browser().get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>Sign in</h1>"), "{page}");
    // An unknown client id names nothing.
    let page = app.browser().get(app.url("/login?next=%2Fauthorize%3Fclient_id%3Dnobody")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>Sign in</h1>"), "{page}");

    assert_eq!(app.sign_in(&browser, "admin@camden.example", crate::admin_ui::PW).await.status(), 303);
    let page = browser.get(authorize_url(&app, &id, &pk)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("What FixMyStreet — Camden will receive"), "{page}");
    assert!(page.contains("<dt>Camden Council</dt>"), "{page}");
    assert!(page.contains("fms:report_inspect") && page.contains("fms:planned_reports"), "{page}");

    let other = app.browser();
    assert_eq!(app.sign_in(&other, "loner@example.org", PW).await.status(), 303);
    let page = other.get(authorize_url(&app, &id, &pk)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("you have none at the moment"), "{page}");
    app.finish().await;
}
both!(signin_names_the_app_and_consent_lists_claims);
