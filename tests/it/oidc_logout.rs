//! Back-channel logout with a receiver the test runs; key rotation; tampering.

use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreClient, CoreIdToken, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreProviderMetadata};
use openidconnect::{ClientId, ClientSecret, IssuerUrl, JsonWebKey, Nonce};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, location};
use crate::oidc::{CB, PW, header, payload, register, rp_http, spec};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A relying app's back-channel endpoint: records each logout_token; answers with `status`.
pub async fn receiver(status: u16) -> (String, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    async fn take(
        State((tx, status)): State<(mpsc::UnboundedSender<String>, u16)>,
        axum::Form(f): axum::Form<std::collections::HashMap<String, String>>,
    ) -> axum::http::StatusCode {
        let _ = tx.send(f.get("logout_token").cloned().unwrap_or_default());
        axum::http::StatusCode::from_u16(status).unwrap()
    }
    let app = axum::Router::new().route("/bc", post(take)).with_state((tx, status));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/bc", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

pub(crate) async fn id_token_via_code(app: &TestApp, browser: &reqwest::Client, id: &str, secret: &str) -> String {
    let ch = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let url = format!(
        "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid&nonce=n&code_challenge={ch}&code_challenge_method=S256",
        app.base,
        url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
    );
    let r = browser.get(url).send().await.unwrap();
    let loc = location(&r);
    let code = url::Url::parse(&loc).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let t: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    t["id_token"].as_str().unwrap().to_owned()
}

/// Verifies a JWT's signature against the published JWKS with the RP library's key code.
async fn verify_with_jwks(app: &TestApp, jwt: &str) {
    let jwks: CoreJsonWebKeySet = reqwest::get(app.url("/jwks.json")).await.unwrap().json().await.unwrap();
    let h = header(jwt);
    let kid = h["kid"].as_str().unwrap();
    let key = jwks.keys().iter().find(|k| k.key_id().map(|x| x.as_str()) == Some(kid)).expect("kid published");
    let alg = match h["alg"].as_str().unwrap() {
        "RS256" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        "ES256" => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        other => panic!("unexpected alg {other}"),
    };
    let (signed, sig) = jwt.rsplit_once('.').unwrap();
    key.verify_signature(&alg, signed.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap()).unwrap();
}

async fn back_channel_logout(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("bc@example.org", Some(PW)).await;
    let (bc_url, mut rx) = receiver(200).await;
    let mut s = spec("With back-channel");
    s.backchannel_logout_uri = Some(bc_url);
    let (id, secret) = register(&app, s).await;
    let secret = secret.unwrap();
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "bc@example.org", PW).await.status(), 303);
    let id_token = id_token_via_code(&app, &browser, &id, &secret).await;
    let sid = payload(&id_token)["sid"].as_str().unwrap().to_owned();
    // Sign out through the page.
    let page = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    assert_eq!(browser.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap().status(), 303);
    let token = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    assert_eq!(header(&token)["typ"], "logout+jwt");
    verify_with_jwks(&app, &token).await;
    let c = payload(&token);
    assert_eq!(c["iss"], app.base.as_str());
    assert_eq!(c["aud"], id.as_str());
    assert_eq!(c["sub"], user.id.as_str());
    assert_eq!(c["sid"], sid.as_str());
    assert!(c["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(c.get("nonce").is_none());
    assert!(c["jti"].is_string() && c["iat"].is_i64() && c["exp"].is_i64());
    // "Sign out everywhere" sends one per session that signed in to the client.
    let (b1, b2) = (app.browser(), app.browser());
    for br in [&b1, &b2] {
        assert_eq!(app.sign_in(br, "bc@example.org", PW).await.status(), 303);
        id_token_via_code(&app, br, &id, &secret).await;
    }
    let page = b1.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    b1.post(app.url("/account/sessions/end-all")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    let mut sids = Vec::new();
    for _ in 0..2 {
        let t = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
        sids.push(payload(&t)["sid"].as_str().unwrap().to_owned());
    }
    assert_ne!(sids[0], sids[1]);
    app.finish().await;
}
both!(back_channel_logout);

#[tokio::test]
async fn back_channel_failures_are_retried_and_audited() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.create_user("bf@example.org", Some(PW)).await;
    let (bc_url, mut rx) = receiver(503).await;
    let mut s = spec("Flaky");
    s.backchannel_logout_uri = Some(bc_url);
    let (id, secret) = register(&app, s).await;
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "bf@example.org", PW).await.status(), 303);
    id_token_via_code(&app, &browser, &id, secret.as_deref().unwrap()).await;
    let page = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    browser.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    for _ in 0..3 {
        tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    }
    let mut audited = false;
    for _ in 0..50 {
        let events = stile::store::audit::recent(&app.state.db, Some("logout.backchannel"), 10).await.unwrap();
        if let Some(e) = events.first() {
            assert_eq!(e.outcome, "failure");
            assert!(e.details.contains("HTTP 503"));
            audited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(audited);
    app.finish().await;
}

async fn rotation_and_tampering(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("rot@example.org", Some(PW)).await;
    let (id, secret) = register(&app, spec("Rotating")).await;
    let secret = secret.unwrap();
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "rot@example.org", PW).await.status(), 303);
    let before = id_token_via_code(&app, &browser, &id, &secret).await;
    let kid_before = header(&before)["kid"].as_str().unwrap().to_owned();
    // Relying apps caching the JWKS already hold the next key.
    let jwks_before: Value = reqwest::get(app.url("/jwks.json")).await.unwrap().json().await.unwrap();
    stile::tokens::keys::rotate(&app.state.db, &app.state.master_key, &stile::clock::OsRandom, app.state.now()).await.unwrap();
    app.state.keys.reload(&app.state.db, &app.state.master_key).await.unwrap();
    let after = id_token_via_code(&app, &browser, &id, &secret).await;
    let kid_after = header(&after)["kid"].as_str().unwrap().to_owned();
    assert_ne!(kid_before, kid_after);
    assert!(
        jwks_before["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid_after.as_str()),
        "the new kid was published before it signed anything"
    );
    let http = rp_http();
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).unwrap(), &http).await.unwrap();
    let client = CoreClient::from_provider_metadata(meta, ClientId::new(id.clone()), Some(ClientSecret::new(secret.clone())));
    let verifier = client.id_token_verifier().require_issuer_match(true);
    for t in [&before, &after] {
        let tok: CoreIdToken = serde_json::from_value(Value::String(t.clone())).unwrap();
        tok.claims(&verifier, &Nonce::new("n".into())).unwrap();
    }
    // A changed claim breaks the signature.
    let mut parts: Vec<String> = after.split('.').map(str::to_owned).collect();
    let mut claims = payload(&after);
    claims["sub"] = Value::String("someone-else".into());
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered: CoreIdToken = serde_json::from_value(Value::String(parts.join("."))).unwrap();
    assert!(tampered.claims(&verifier, &Nonce::new("n".into())).is_err());
    // alg=none is refused: by the client library, and by Stile itself where it reads an ID
    // token (an id_token_hint), with and without the kid of a real key.
    let untampered = payload(&after);
    for header in [r#"{"alg":"none"}"#.to_owned(), format!(r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#, header_kid(&after))] {
        let forged = format!("{}.{}.", URL_SAFE_NO_PAD.encode(&header), URL_SAFE_NO_PAD.encode(untampered.to_string()));
        let none: Result<CoreIdToken, _> = serde_json::from_value(Value::String(forged.clone()));
        assert!(!matches!(none, Ok(t) if t.claims(&verifier, &Nonce::new("n".into())).is_ok()), "{header}");
        let r = reqwest::get(app.url(&format!("/end_session?id_token_hint={forged}"))).await.unwrap();
        assert_eq!(r.status(), 400, "{header}");
        assert!(r.text().await.unwrap().contains("not issued here"), "{header}");
    }
    // Discovery promises only what exists.
    let d: Value = reqwest::get(app.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(d["issuer"], app.base.as_str());
    assert_eq!(d["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    for ep in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
    ] {
        let url = d[ep].as_str().unwrap();
        let status = reqwest::Client::new().get(url).send().await.unwrap().status();
        assert_ne!(status, 404, "{ep} {url}");
    }
    app.finish().await;
}
both!(rotation_and_tampering);

/// The operator's "log out everywhere" from the command line, against a running server's database.
async fn admin_logout_everywhere(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("everywhere@example.org", Some(PW)).await;
    let (bc_url, mut rx) = receiver(200).await;
    let mut s = spec("Logged out");
    s.backchannel_logout_uri = Some(bc_url);
    s.scopes.push("offline_access".into());
    let (id, secret) = register(&app, s).await;
    let secret = secret.unwrap();
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "everywhere@example.org", PW).await.status(), 303);
    id_token_via_code(&app, &browser, &id, &secret).await;
    assert_eq!(stile::store::sessions::live_of_user(&app.state.db, &user.id, app.state.now()).await.unwrap().len(), 1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stile"))
        .args(["user", "logout", "everywhere@example.org"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STILE__DATA_DIR", app.db.dir.path())
        .env("STILE__DATABASE__URL", &app.db.url)
        .env("STILE__SERVER__ISSUER", &app.base)
        .env("STILE__OAUTH__OUTBOUND_ALLOW_LOOPBACK", "true")
        .env("STILE__LOG__FILTER", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 session(s)"));
    let token = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    assert_eq!(payload(&token)["sub"], user.id.as_str());
    assert_eq!(browser.get(app.url("/account")).send().await.unwrap().status(), 303);
    assert!(
        stile::store::grants::revoke_families_of_user(&app.state.db, &user.id, None, app.state.now()).await.unwrap().is_empty(),
        "every grant was already revoked"
    );
    app.finish().await;
}
both!(admin_logout_everywhere);

/// The `kid` in a compact JWS's header.
fn header_kid(jwt: &str) -> String {
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').next().unwrap()).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

/// Back-channel logout goes through the same outbound client as a jwks_uri: without
/// `oauth.outbound_allow_loopback`, a receiver on loopback is never called, and the failure is
/// audited as a refusal (not retried).
async fn back_channel_logout_refuses_internal_addresses(b: Backend) {
    let app = TestApp::start_with(b, |s| s.oauth.outbound_allow_loopback = false).await;
    app.create_user("ssrf@example.org", Some(PW)).await;
    let (bc_url, mut rx) = receiver(200).await;
    let mut s = spec("Internal receiver");
    s.backchannel_logout_uri = Some(bc_url.replace("127.0.0.1", "localhost"));
    let (id, secret) = register(&app, s).await;
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "ssrf@example.org", PW).await.status(), 303);
    id_token_via_code(&app, &browser, &id, secret.as_deref().unwrap()).await;
    let page = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    browser.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    let mut audited = None;
    for _ in 0..100 {
        let events = stile::store::audit::recent(&app.state.db, Some("logout.backchannel"), 10).await.unwrap();
        if let Some(e) = events.first() {
            audited = Some((e.outcome.clone(), e.details.clone()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (outcome, details) = audited.expect("the attempt is audited");
    assert_eq!(outcome, "failure");
    assert!(details.contains("refused"), "{details}");
    assert!(rx.try_recv().is_err(), "the receiver was never called");
    app.finish().await;
}
both!(back_channel_logout_refuses_internal_addresses);
