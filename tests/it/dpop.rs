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
        let (st, h, body) = get(auth, proof).await;
        assert_eq!(st, 401, "{why}: {body}");
        // The challenge names the scheme the token needs (RFC 9449 §7.1), as userinfo's does.
        let challenge = h["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("DPoP ") && challenge.contains("algs="), "{why}: {challenge}");
    }
    app.finish().await;
}
both!(admin_api_accepts_bound_tokens_with_proofs);

/// Introspects `token` as the resource server `rs`, forwarding `proofs` as DPoP headers.
async fn introspect(app_base: &str, rs: &str, secret: &str, token: &str, proofs: &[&str]) -> Value {
    let mut r = reqwest::Client::new().post(format!("{app_base}/introspect")).basic_auth(rs, Some(secret));
    for p in proofs {
        r = r.header("DPoP", *p);
    }
    let (st, _, body) = send(r.form(&[("token", token)])).await;
    assert_eq!(st, 200, "{body}");
    body
}

/// RFC 9449 §6.2 and docs/relying-apps.md: a resource server may forward the proof it received;
/// introspection then answers active only for a proof of the token's key, for that token, fresh
/// and unspent, with htm and htu present (taken as given: they are the resource's).
async fn introspection_checks_a_forwarded_proof(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("dpop@example.org", Some(PW)).await;
    let (id, _) = register(&app, ClientSpec { auth_method: AuthMethod::None, ..spec("Field app") }).await;
    let (rs, rs_secret) = register(&app, spec("Resource server")).await;
    let rs_secret = rs_secret.unwrap();
    let key = TestKey::ec("device");
    let at = public_tokens(&app, &id, &key).await["access_token"].as_str().unwrap().to_owned();
    let jkt = payload(&at)["cnf"]["jkt"].as_str().unwrap().to_owned();
    let api = "https://streetworks.example.org/api/permits?page=2";
    let now = app.state.now();
    // Without a proof: cnf for the resource server to check itself.
    let v = introspect(&app.base, &rs, &rs_secret, &at, &[]).await;
    assert_eq!((v["active"].as_bool(), v["cnf"]["jkt"].as_str()), (Some(true), Some(jkt.as_str())), "{v}");
    // A good proof for the resource's own request.
    let good = key.dpop("GET", api, now, Some(&ath(&at)), None);
    let v = introspect(&app.base, &rs, &rs_secret, &at, &[&good]).await;
    assert_eq!((v["active"].as_bool(), v["token_type"].as_str()), (Some(true), Some("DPoP")), "{v}");
    assert_eq!(v["cnf"]["jkt"], jkt.as_str());
    // Any method and URL the resource saw are taken as given.
    let v = introspect(&app.base, &rs, &rs_secret, &at, &[&key.dpop("DELETE", "http://rs.internal/x", now, Some(&ath(&at)), None)]).await;
    assert_eq!(v["active"], true, "{v}");
    // Refused: the same proof again; made with the key but for another token (ath); by another
    // key; too old; without ath, htm or htu; an htu that is not a URL; not dpop+jwt; two headers.
    let thief = TestKey::ec("thief");
    let second = public_tokens(&app, &id, &key).await["access_token"].as_str().unwrap().to_owned();
    let without = |name: &str| {
        let mut claims = json!({ "jti": random(), "htm": "GET", "htu": api, "iat": now, "ath": ath(&at) });
        claims.as_object_mut().unwrap().remove(name);
        key.sign(&json!({ "alg": "ES256", "typ": "dpop+jwt", "jwk": key.public() }), &claims)
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("replayed", vec![good.clone()]),
        ("another token's ath", vec![key.dpop("GET", api, now, Some(&ath(&second)), None)]),
        ("another key", vec![thief.dpop("GET", api, now, Some(&ath(&at)), None)]),
        ("too old", vec![key.dpop("GET", api, now - 300, Some(&ath(&at)), None)]),
        ("no ath", vec![without("ath")]),
        ("no htm", vec![without("htm")]),
        ("no htu", vec![without("htu")]),
        ("relative htu", vec![key.dpop("GET", "/api/permits", now, Some(&ath(&at)), None)]),
        (
            "typ",
            vec![key.sign(
                &json!({ "alg": "ES256", "typ": "JWT", "jwk": key.public() }),
                &json!({ "jti": random(), "htm": "GET", "htu": api, "iat": now, "ath": ath(&at) }),
            )],
        ),
        ("two headers", vec![key.dpop("GET", api, now, Some(&ath(&at)), None), key.dpop("GET", api, now, Some(&ath(&at)), None)]),
        ("not a JWT", vec!["nonsense".into()]),
    ];
    for (why, proofs) in cases {
        let refs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let v = introspect(&app.base, &rs, &rs_secret, &at, &refs).await;
        assert_eq!(v, json!({ "active": false }), "{why}");
    }
    // The token itself is still good: a refused proof says nothing about it.
    let v = introspect(&app.base, &rs, &rs_secret, &at, &[&key.dpop("GET", api, now, Some(&ath(&at)), None)]).await;
    assert_eq!(v["active"], true, "{v}");
    // A bearer (unbound) token presented with a proof was not a DPoP request Stile can vouch for.
    let ec = TestKey::ec("ec1");
    let machine = machine_client(&app, &[&ec]).await;
    let a = ec.assertion(&machine, json!(app.url("/token")), now + 60, &random());
    let (_, _, body) = send(reqwest::Client::new().post(app.url("/token")).form(&[
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", &a),
    ]))
    .await;
    let bearer = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(introspect(&app.base, &rs, &rs_secret, &bearer, &[]).await["token_type"], "Bearer");
    let v = introspect(&app.base, &rs, &rs_secret, &bearer, &[&key.dpop("GET", api, now, Some(&ath(&bearer)), None)]).await;
    assert_eq!(v, json!({ "active": false }));

    // Replay across two instances on one database: spent at one, refused at the other.
    let (other, server) = crate::client_keys::second_instance(&app).await;
    let proof = key.dpop("GET", api, now, Some(&ath(&at)), None);
    assert_eq!(introspect(&other, &rs, &rs_secret, &at, &[&proof]).await["active"], true);
    assert_eq!(introspect(&app.base, &rs, &rs_secret, &at, &[&proof]).await, json!({ "active": false }));
    server.abort();
    app.finish().await;
}
both!(introspection_checks_a_forwarded_proof);

/// Stile's nonces are for its own endpoints: a forwarded proof needs none.
async fn forwarded_proofs_need_no_nonce(b: Backend) {
    let app = TestApp::start_with(b, |s| s.oauth.use_dpop_nonce = true).await;
    let ec = TestKey::ec("ec1");
    let id = machine_client(&app, &[&ec]).await;
    let (rs, rs_secret) = register(&app, spec("Resource server")).await;
    let key = TestKey::ec("dpop");
    let token = app.url("/token");
    let a = ec.assertion(&id, json!(app.base), app.state.now() + 60, &random());
    let form = [("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", a.as_str())];
    let (_, h, _) =
        send(reqwest::Client::new().post(&token).header("DPoP", key.dpop("POST", &token, app.state.now(), None, None)).form(&form)).await;
    let nonce = h["dpop-nonce"].to_str().unwrap().to_owned();
    let a = ec.assertion(&id, json!(app.base), app.state.now() + 60, &random());
    let form = [("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", a.as_str())];
    let proof = key.dpop("POST", &token, app.state.now(), None, Some(&nonce));
    let (st, _, body) = send(reqwest::Client::new().post(&token).header("DPoP", proof).form(&form)).await;
    assert_eq!(st, 200, "{body}");
    let at = body["access_token"].as_str().unwrap().to_owned();
    let proof = key.dpop("GET", "https://rs.example.org/x", app.state.now(), Some(&ath(&at)), None);
    let v = introspect(&app.base, &rs, rs_secret.as_deref().unwrap(), &at, &[&proof]).await;
    assert_eq!(v["active"], true, "{v}");
    app.finish().await;
}
both!(forwarded_proofs_need_no_nonce);

/// A client that requires DPoP has its refresh tokens bound too, and introspection says so; a
/// confidential client that does not keeps unbound refresh tokens (RFC 9449 §5).
async fn bound_refresh_tokens_at_introspection(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("dpop@example.org", Some(PW)).await;
    let key = TestKey::ec("device");
    for (require_dpop, want_type) in [(true, "DPoP"), (false, "refresh_token")] {
        let (id, secret) = register(&app, ClientSpec { require_dpop, ..spec("Confidential app") }).await;
        let secret = secret.unwrap();
        let browser = app.browser();
        let url = format!(
            "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid%20offline_access&code_challenge={}&code_challenge_method=S256",
            app.base,
            url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>(),
            URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes())),
        );
        let q = browse_to_callback(&app, &browser, &url, "dpop@example.org").await;
        let code = q.iter().find(|(k, _)| k == "code").unwrap().1.clone();
        let proof = key.dpop("POST", &app.url("/token"), app.state.now(), None, None);
        let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", CB), ("code_verifier", VERIFIER)];
        let (st, _, body) =
            send(reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).header("DPoP", proof).form(&form)).await;
        assert_eq!(st, 200, "{body}");
        let jkt = payload(body["access_token"].as_str().unwrap())["cnf"]["jkt"].as_str().unwrap().to_owned();
        let rt = body["refresh_token"].as_str().unwrap().to_owned();
        let v = introspect(&app.base, &id, &secret, &rt, &[]).await;
        assert_eq!((v["active"].as_bool(), v["token_type"].as_str()), (Some(true), Some(want_type)), "{v}");
        let rform = [("grant_type", "refresh_token"), ("refresh_token", rt.as_str())];
        if require_dpop {
            assert_eq!(v["cnf"]["jkt"], jkt.as_str());
            // Refreshing needs that key's proof.
            let thief = TestKey::ec("thief").dpop("POST", &app.url("/token"), app.state.now(), None, None);
            let (st, _, body) =
                send(reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).header("DPoP", thief).form(&rform))
                    .await;
            assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
            let proof = key.dpop("POST", &app.url("/token"), app.state.now(), None, None);
            let (st, _, body) =
                send(reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).header("DPoP", proof).form(&rform))
                    .await;
            assert_eq!(st, 200, "{body}");
        } else {
            assert!(v.get("cnf").is_none(), "{v}");
            // Another key (or none) may refresh it: it is bound to the client's authentication.
            let other = TestKey::ec("rotated").dpop("POST", &app.url("/token"), app.state.now(), None, None);
            let (st, _, body) =
                send(reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).header("DPoP", other).form(&rform))
                    .await;
            assert_eq!(st, 200, "{body}");
        }
    }
    app.finish().await;
}
both!(bound_refresh_tokens_at_introspection);

/// An `iat` at or near i64's ends is refused like any stale proof, at the token endpoint and at
/// userinfo: the window check does no arithmetic that could overflow (found by an attack run:
/// `iat - now` panicked in a debug build, and in a release build `i64::MIN + now` passed the
/// check and stored a replay record that had already expired).
async fn extreme_iat_is_refused(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("dpop@example.org", Some(PW)).await;
    let (id, _) = register(&app, ClientSpec { auth_method: AuthMethod::None, ..spec("Field app") }).await;
    let key = TestKey::ec("device");
    let at = public_tokens(&app, &id, &key).await["access_token"].as_str().unwrap().to_owned();
    let now = app.state.now();
    let (token, ui) = (app.url("/token"), app.url("/userinfo"));
    for iat in [i64::MIN, i64::MIN + 1, i64::MIN + now, i64::MAX, i64::MAX - now, -now] {
        let proof = key.dpop("POST", &token, iat, None, None);
        let form =
            [("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", CB), ("code_verifier", VERIFIER), ("client_id", &id)];
        let (st, _, body) = send(reqwest::Client::new().post(&token).header("DPoP", &proof).form(&form)).await;
        assert_eq!((st, body["error"].as_str()), (400, Some("invalid_dpop_proof")), "iat {iat}: {body}");
        // Twice: a proof that had passed would be refused the second time as replayed.
        let proof = key.dpop("GET", &ui, iat, Some(&ath(&at)), None);
        for _ in 0..2 {
            let r = reqwest::Client::new().get(&ui).header("Authorization", format!("DPoP {at}")).header("DPoP", &proof);
            let (st, _, body) = send(r).await;
            assert_eq!((st, body["error"].as_str()), (401, Some("invalid_dpop_proof")), "iat {iat}: {body}");
        }
    }
    // The same token still works with a fresh proof: nothing was spent or broken.
    let good = key.dpop("GET", &ui, now, Some(&ath(&at)), None);
    let (st, _, body) = send(reqwest::Client::new().get(&ui).header("Authorization", format!("DPoP {at}")).header("DPoP", good)).await;
    assert_eq!(st, 200, "{body}");
    app.finish().await;
}
both!(extreme_iat_is_refused);

/// A refresh token of a user banned after its code was redeemed is inactive at introspection,
/// as refreshing with it is refused (a family redeemed just before a ban outlives the ban's
/// revocations). The ban is written as that race leaves it: the row, nothing revoked.
async fn a_banned_users_refresh_token_is_inactive(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("late.rt@example.org", Some(PW)).await;
    let (id, secret) = register(&app, spec("Confidential app")).await;
    let secret = secret.unwrap();
    let url = format!(
        "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid%20offline_access&code_challenge={}&code_challenge_method=S256",
        app.base,
        url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>(),
        URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes())),
    );
    let q = browse_to_callback(&app, &app.browser(), &url, "late.rt@example.org").await;
    let code = q.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", CB), ("code_verifier", VERIFIER)];
    let (st, _, body) = send(reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).form(&form)).await;
    assert_eq!(st, 200, "{body}");
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(introspect(&app.base, &id, &secret, &rt, &[]).await["active"], true);
    stile::store::abuse::insert(&app.state.db, "late.rt@example.org", "email", "test", app.state.now()).await.unwrap();
    assert_eq!(introspect(&app.base, &id, &secret, &rt, &[]).await, serde_json::json!({ "active": false }));
    let rform = [("grant_type", "refresh_token"), ("refresh_token", rt.as_str())];
    let (st, _, body) = send(reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).form(&rform)).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    // Revoked, not only refused: lifting the ban does not bring it back.
    stile::store::abuse::delete(&app.state.db, "late.rt@example.org").await.unwrap();
    assert_eq!(introspect(&app.base, &id, &secret, &rt, &[]).await, serde_json::json!({ "active": false }));
    let (st, _, body) = send(reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).form(&rform)).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    app.finish().await;
}
both!(a_banned_users_refresh_token_is_inactive);
