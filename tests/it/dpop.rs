//! DPoP (RFC 9449): proofs at the token endpoint bind access tokens (and a public client's
//! refresh tokens) to a key; userinfo and the admin API accept such a token only as DPoP with a
//! proof of that key for that request; introspection says so; the server nonce.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stile::clients::{AuthMethod, ClientSpec};

use crate::both;
use crate::client_keys::{ASSERTION_TYPE, TestKey, machine_client, random};
use crate::harness::{Backend, TestApp};
use crate::oidc::{CB, PW, browse_to_callback, payload, register, spec};

const VERIFIER: &str = "a-long-enough-code-verifier-0123456789-abcdefghij";

fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

async fn send(r: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = r.send().await.unwrap();
    let (st, h) = (r.status().as_u16(), r.headers().clone());
    (st, h, r.json().await.unwrap_or(Value::Null))
}

/// A public client's code, exchanged with a proof of `key`.
async fn public_tokens(app: &TestApp, id: &str, key: &TestKey) -> Value {
    public_tokens_for(app, id, key, "openid email offline_access").await
}

async fn public_tokens_for(app: &TestApp, id: &str, key: &TestKey, scope: &str) -> Value {
    let browser = app.browser();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let url = format!(
        "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope={}&code_challenge={challenge}&code_challenge_method=S256",
        app.base,
        url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>(),
        url::form_urlencoded::byte_serialize(scope.as_bytes()).collect::<String>()
    );
    let q = browse_to_callback(app, &browser, &url, "dpop@example.org").await;
    let code = q.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    let proof = key.dpop("POST", &app.url("/token"), app.state.now(), None, None);
    let form =
        [("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER), ("client_id", id)];
    let (st, _, body) = send(reqwest::Client::new().post(app.url("/token")).header("DPoP", proof).form(&form)).await;
    assert_eq!(st, 200, "{body}");
    body
}

async fn refresh(app: &TestApp, id: &str, rt: &str, proof: Option<String>) -> (u16, Value) {
    let mut r =
        reqwest::Client::new().post(app.url("/token")).form(&[("grant_type", "refresh_token"), ("refresh_token", rt), ("client_id", id)]);
    if let Some(p) = proof {
        r = r.header("DPoP", p);
    }
    let (st, _, body) = send(r).await;
    (st, body)
}

async fn bound_tokens_and_refresh(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("dpop@example.org", Some(PW)).await;
    let (id, _) = register(&app, ClientSpec { auth_method: AuthMethod::None, ..spec("Field app") }).await;
    let key = TestKey::ec("device");
    let body = public_tokens(&app, &id, &key).await;
    assert_eq!(body["token_type"], "DPoP");
    let at = body["access_token"].as_str().unwrap().to_owned();
    let jkt = payload(&at)["cnf"]["jkt"].as_str().unwrap().to_owned();
    assert_eq!(jkt.len(), 43);
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    // The refresh token is bound: no proof, or a proof of another key, is refused and spends nothing.
    let (st, body) = refresh(&app, &id, &rt, None).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    let thief = TestKey::ec("thief");
    let (st, body) = refresh(&app, &id, &rt, Some(thief.dpop("POST", &app.url("/token"), app.state.now(), None, None))).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    // With the key: a new pair, bound to the same key.
    let (st, body) = refresh(&app, &id, &rt, Some(key.dpop("POST", &app.url("/token"), app.state.now(), None, None))).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP");
    assert_eq!(payload(body["access_token"].as_str().unwrap())["cnf"]["jkt"], jkt.as_str());
    let rt2 = body["refresh_token"].as_str().unwrap().to_owned();
    let (st, _) = refresh(&app, &id, &rt2, None).await;
    assert_eq!(st, 400, "the successor is bound too");

    // Introspection (by a confidential client) returns cnf and token_type DPoP.
    let (rs, rs_secret) = register(&app, spec("Resource server")).await;
    let (_, _, intro) =
        send(reqwest::Client::new().post(app.url("/introspect")).basic_auth(&rs, rs_secret.as_deref()).form(&[("token", at.as_str())]))
            .await;
    assert_eq!(intro["active"], true);
    assert_eq!(intro["token_type"], "DPoP");
    assert_eq!(intro["cnf"]["jkt"], jkt.as_str());
    app.finish().await;
}
both!(bound_tokens_and_refresh);

async fn userinfo_checks_the_proof(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("dpop@example.org", Some(PW)).await;
    let (id, _) = register(&app, ClientSpec { auth_method: AuthMethod::None, ..spec("Field app") }).await;
    let key = TestKey::ec("device");
    let at = public_tokens(&app, &id, &key).await["access_token"].as_str().unwrap().to_owned();
    let ui = app.url("/userinfo");
    let now = app.state.now();
    let get = |auth: String, proof: Option<String>| {
        let mut r = reqwest::Client::new().get(&ui).header("Authorization", auth);
        if let Some(p) = proof {
            r = r.header("DPoP", p);
        }
        send(r)
    };
    let good = key.dpop("GET", &ui, now, Some(&ath(&at)), None);
    let (st, _, body) = get(format!("DPoP {at}"), Some(good.clone())).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["email"], "dpop@example.org");
    // Replayed.
    let (st, h, body) = get(format!("DPoP {at}"), Some(good)).await;
    assert_eq!((st, body["error"].as_str()), (401, Some("invalid_dpop_proof")), "{body}");
    assert!(h["www-authenticate"].to_str().unwrap().starts_with("DPoP "));
    // As Bearer, with or without the proof; as DPoP without one.
    for (auth, proof) in [
        (format!("Bearer {at}"), None),
        (format!("Bearer {at}"), Some(key.dpop("GET", &ui, now, Some(&ath(&at)), None))),
        (format!("DPoP {at}"), None),
    ] {
        let (st, h, body) = get(auth.clone(), proof).await;
        assert_eq!(st, 401, "{auth}: {body}");
        assert!(h["www-authenticate"].to_str().unwrap().starts_with("DPoP "), "{auth}");
    }
    // A proof for another URL, another method, without ath, for another token, too old, of
    // another key, or with a private key in its header.
    let thief = TestKey::ec("thief");
    let mut with_d = key.public();
    with_d["d"] = json!("AAAA");
    let private_header = key.sign(
        &json!({ "alg": "ES256", "typ": "dpop+jwt", "jwk": with_d }),
        &json!({ "jti": random(), "htm": "GET", "htu": ui, "iat": now, "ath": ath(&at) }),
    );
    for (why, proof) in [
        ("url", key.dpop("GET", &app.url("/token"), now, Some(&ath(&at)), None)),
        ("method", key.dpop("POST", &ui, now, Some(&ath(&at)), None)),
        ("ath", key.dpop("GET", &ui, now, None, None)),
        ("other token", key.dpop("GET", &ui, now, Some(&ath("another")), None)),
        ("old", key.dpop("GET", &ui, now - 300, Some(&ath(&at)), None)),
        ("thief", thief.dpop("GET", &ui, now, Some(&ath(&at)), None)),
        (
            "typ",
            key.sign(
                &json!({ "alg": "ES256", "typ": "JWT", "jwk": key.public() }),
                &json!({ "jti": random(), "htm": "GET", "htu": ui, "iat": now, "ath": ath(&at) }),
            ),
        ),
        ("private", private_header),
    ] {
        let (st, _, body) = get(format!("DPoP {at}"), Some(proof)).await;
        assert_eq!(st, 401, "{why}: {body}");
    }
    // POST with the proof's htm POST works.
    let proof = key.dpop("POST", &ui, now, Some(&ath(&at)), None);
    let r = reqwest::Client::new().post(&ui).header("Authorization", format!("DPoP {at}")).header("DPoP", proof);
    let (st, _, _) = send(r.header("content-type", "application/x-www-form-urlencoded")).await;
    assert_eq!(st, 200);
    app.finish().await;
}
both!(userinfo_checks_the_proof);

async fn token_endpoint_proofs_and_nonce(b: Backend) {
    let app = TestApp::start_with(b, |s| s.oauth.use_dpop_nonce = true).await;
    let ec = TestKey::ec("ec1");
    let id = machine_client(&app, &[&ec]).await;
    let key = TestKey::rsa("dpop-rsa");
    let token = app.url("/token");
    let post = |proof: Option<String>| {
        let a = ec.assertion(&id, json!(app.base), app.state.now() + 60, &random());
        let mut r = reqwest::Client::new().post(&token).form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &a),
        ]);
        if let Some(p) = proof {
            r = r.header("DPoP", p);
        }
        send(r)
    };
    // Without the nonce: use_dpop_nonce and the nonce to use.
    let (st, h, body) = post(Some(key.dpop("POST", &token, app.state.now(), None, None))).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("use_dpop_nonce")), "{body}");
    let nonce = h["dpop-nonce"].to_str().unwrap().to_owned();
    let (st, _, body) = post(Some(key.dpop("POST", &token, app.state.now(), None, Some(&nonce)))).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP");
    // A made-up nonce; a nonce from long ago.
    let (st, _, _) = post(Some(key.dpop("POST", &token, app.state.now(), None, Some("made-up")))).await;
    assert_eq!(st, 400);
    app.clock.advance(900);
    let (st, _, body) = post(Some(key.dpop("POST", &token, app.state.now(), None, Some(&nonce)))).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("use_dpop_nonce")));
    // No proof: a Bearer token, as this client does not require DPoP.
    let (st, _, body) = post(None).await;
    assert_eq!((st, body["token_type"].as_str()), (200, Some("Bearer")));
    // Two DPoP headers.
    let a = ec.assertion(&id, json!(app.base), app.state.now() + 60, &random());
    let (st, _, body) = send(reqwest::Client::new().post(&token).header("DPoP", "a").header("DPoP", "b").form(&[
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", &a),
    ]))
    .await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_dpop_proof")));
    app.finish().await;

    // A client that requires DPoP gets nothing without a proof.
    let app = TestApp::start(b).await;
    let (id, secret) = register(
        &app,
        ClientSpec {
            require_dpop: true,
            grant_types: vec![stile::clients::GrantType::ClientCredentials],
            redirect_uris: vec![],
            scopes: vec!["x".into()],
            ..spec("Must bind")
        },
    )
    .await;
    let token = app.url("/token");
    let c = reqwest::Client::new();
    let (st, _, body) = send(c.post(&token).basic_auth(&id, secret.as_deref()).form(&[("grant_type", "client_credentials")])).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_dpop_proof")));
    let proof = key.dpop("POST", &app.url("/userinfo"), app.state.now(), None, None);
    let (st, _, _) =
        send(c.post(&token).basic_auth(&id, secret.as_deref()).header("DPoP", proof).form(&[("grant_type", "client_credentials")])).await;
    assert_eq!(st, 400, "a proof for another URL");
    let proof = key.dpop("POST", &token, app.state.now(), None, None);
    let (st, _, body) =
        send(c.post(&token).basic_auth(&id, secret.as_deref()).header("DPoP", proof).form(&[("grant_type", "client_credentials")])).await;
    assert_eq!((st, body["token_type"].as_str()), (200, Some("DPoP")), "{body}");
    let d: Value = reqwest::get(app.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(d["dpop_signing_alg_values_supported"], json!(["RS256", "PS256", "ES256"]));
    app.finish().await;
}
both!(token_endpoint_proofs_and_nonce);

async fn admin_api_accepts_bound_tokens_with_proofs(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("dpop@example.org", Some(PW)).await;
    let mut s = ClientSpec { auth_method: AuthMethod::None, ..spec("Admin app") };
    s.scopes.push("stile:admin".into());
    let (id, _) = register(&app, s).await;
    let key = TestKey::ec("device");
    let at = public_tokens_for(&app, &id, &key, "openid offline_access stile:admin").await["access_token"].as_str().unwrap().to_owned();
    let me = app.url("/api/v1/me");
    let now = app.state.now();
    let get = |auth: String, proof: Option<String>| {
        let mut r = reqwest::Client::new().get(&me).header("Authorization", auth);
        if let Some(p) = proof {
            r = r.header("DPoP", p);
        }
        send(r)
    };
    let good = key.dpop("GET", &me, now, Some(&ath(&at)), None);
    let (st, _, body) = get(format!("DPoP {at}"), Some(good.clone())).await;
    assert_eq!(st, 200, "{body}");
    for (why, auth, proof) in [
        ("replayed", format!("DPoP {at}"), Some(good)),
        ("as Bearer", format!("Bearer {at}"), None),
        ("no proof", format!("DPoP {at}"), None),
        ("another method", format!("DPoP {at}"), Some(key.dpop("POST", &me, now, Some(&ath(&at)), None))),
        ("another path", format!("DPoP {at}"), Some(key.dpop("GET", &app.url("/api/v1/users"), now, Some(&ath(&at)), None))),
        ("another key", format!("DPoP {at}"), Some(TestKey::ec("x").dpop("GET", &me, now, Some(&ath(&at)), None))),
    ] {
        let (st, _, body) = get(auth, proof).await;
        assert_eq!(st, 401, "{why}: {body}");
    }
    app.finish().await;
}
both!(admin_api_accepts_bound_tokens_with_proofs);
