//! Pushed authorization requests (RFC 9126): the client pushes, the browser brings only
//! client_id and request_uri; a request_uri yields one code, expires, and belongs to its client;
//! clients (or the whole server) can require it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use stile::clients::ClientSpec;

use crate::both;
use crate::harness::{Backend, TestApp, location};
use crate::oidc::{CB, PW, register, spec};

const VERIFIER: &str = "a-long-enough-code-verifier-0123456789-abcdefghij";

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

fn request(client_id: &str) -> Vec<(String, String)> {
    [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CB),
        ("scope", "openid email"),
        ("state", "st-1"),
        ("code_challenge", &challenge()),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// Pushes `form` with Basic credentials; (status, body).
async fn push(app: &TestApp, id: &str, secret: &str, form: &[(String, String)]) -> (u16, Value) {
    let r = reqwest::Client::new().post(app.url("/par")).basic_auth(id, Some(secret)).form(form).send().await.unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

fn authorize(app: &TestApp, id: &str, request_uri: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("{}/authorize?client_id={}&request_uri={}", app.base, enc(id), enc(request_uri))
}

fn query(loc: &str) -> Vec<(String, String)> {
    url::Url::parse(loc).unwrap().query_pairs().into_owned().collect()
}

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.as_str())
}

async fn signed_in(app: &TestApp) -> reqwest::Client {
    app.create_user("par@example.org", Some(PW)).await;
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "par@example.org", PW).await.status(), 303);
    browser
}

async fn pushed_request_end_to_end(b: Backend) {
    let app = TestApp::start(b).await;
    let (id, secret) = register(&app, spec("PAR app")).await;
    let secret = secret.unwrap();
    let browser = signed_in(&app).await;
    let (st, body) = push(&app, &id, &secret, &request(&id)).await;
    assert_eq!(st, 201, "{body}");
    let request_uri = body["request_uri"].as_str().unwrap().to_owned();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    assert_eq!(body["expires_in"], 60);
    let r = browser.get(authorize(&app, &id, &request_uri)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let q = query(&location(&r));
    assert_eq!(param(&q, "state"), Some("st-1"), "{q:?}");
    let code = param(&q, "code").unwrap().to_owned();
    let r = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Used: a second visit with it is refused on Stile's own page.
    let r = browser.get(authorize(&app, &id, &request_uri)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("already been used"));
    // Discovery lists the endpoint.
    let d: Value = reqwest::get(app.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(d["pushed_authorization_request_endpoint"], app.url("/par"));
    assert_eq!(d["require_pushed_authorization_requests"], false);
    app.finish().await;
}
both!(pushed_request_end_to_end);

async fn request_uri_refusals(b: Backend) {
    let app = TestApp::start(b).await;
    let (id, secret) = register(&app, spec("PAR app")).await;
    let (other, other_secret) = register(&app, spec("Another app")).await;
    let (secret, other_secret) = (secret.unwrap(), other_secret.unwrap());
    let browser = signed_in(&app).await;
    // From another client: its client_id with this client's request_uri.
    let (_, body) = push(&app, &id, &secret, &request(&id)).await;
    let uri = body["request_uri"].as_str().unwrap().to_owned();
    let r = browser.get(authorize(&app, &other, &uri)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // Still good for its own client afterwards.
    let r = browser.get(authorize(&app, &id, &uri)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(param(&query(&location(&r)), "code").is_some());
    // Expired before its first use.
    let (_, body) = push(&app, &id, &secret, &request(&id)).await;
    let uri = body["request_uri"].as_str().unwrap().to_owned();
    app.clock.advance(61);
    let r = browser.get(authorize(&app, &id, &uri)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // A made-up request_uri, and one not of our form.
    for bad in ["urn:ietf:params:oauth:request_uri:nonsense", "https://app.example/request.jwt"] {
        assert_eq!(browser.get(authorize(&app, &id, bad)).send().await.unwrap().status(), 400, "{bad}");
    }
    // The push is checked like an authorization request: a redirect URI not registered, a
    // request_uri inside it, no client authentication, a wrong secret, a repeated parameter.
    let mut bad = request(&id);
    bad[2].1 = "https://evil.example/cb".into();
    let (st, body) = push(&app, &id, &secret, &bad).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    let mut nested = request(&id);
    nested.push(("request_uri".into(), "urn:ietf:params:oauth:request_uri:x".into()));
    assert_eq!(push(&app, &id, &secret, &nested).await.0, 400);
    let r = reqwest::Client::new().post(app.url("/par")).form(&request(&id)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(push(&app, &id, &other_secret, &request(&id)).await.0, 401);
    assert_eq!(push(&app, &other, &other_secret, &request(&id)).await.0, 400, "client_id of another client");
    let mut twice = request(&id);
    twice.push(("scope".into(), "openid".into()));
    assert_eq!(push(&app, &id, &secret, &twice).await.0, 400);
    // 30 pushes of one request at once each get their own request_uri.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (url, id, secret, form) = (app.url("/par"), id.clone(), secret.clone(), request(&id));
        set.spawn(async move {
            let r = reqwest::Client::new().post(url).basic_auth(id, Some(secret)).form(&form).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["request_uri"].as_str().unwrap().to_owned()
        });
    }
    let mut uris = Vec::new();
    while let Some(u) = set.join_next().await {
        uris.push(u.unwrap());
    }
    uris.sort();
    uris.dedup();
    assert_eq!(uris.len(), 30);
    app.finish().await;
}
both!(request_uri_refusals);

async fn required_by_client_or_server(b: Backend) {
    let app = TestApp::start(b).await;
    let (id, secret) = register(&app, ClientSpec { require_par: true, ..spec("Must push") }).await;
    let secret = secret.unwrap();
    let browser = signed_in(&app).await;
    let plain: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(request(&id)).finish();
    let r = browser.get(format!("{}/authorize?{plain}", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let q = query(&location(&r));
    assert_eq!(param(&q, "error"), Some("invalid_request"), "{q:?}");
    assert!(param(&q, "code").is_none());
    // Pushed, it works.
    let (_, body) = push(&app, &id, &secret, &request(&id)).await;
    let r = browser.get(authorize(&app, &id, body["request_uri"].as_str().unwrap())).send().await.unwrap();
    assert!(param(&query(&location(&r)), "code").is_some());
    // An app that does not require it still may send plain parameters.
    let (free, _) = register(&app, spec("Free")).await;
    let plain: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(request(&free)).finish();
    let r = browser.get(format!("{}/authorize?{plain}", app.base)).send().await.unwrap();
    assert!(param(&query(&location(&r)), "code").is_some());
    app.finish().await;

    // The server-wide setting: every client must push.
    let app = TestApp::start_with(b, |s| s.oauth.require_pushed_authorization_requests = true).await;
    let (id, secret) = register(&app, spec("Any")).await;
    let browser = signed_in(&app).await;
    let plain: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(request(&id)).finish();
    let r = browser.get(format!("{}/authorize?{plain}", app.base)).send().await.unwrap();
    assert_eq!(param(&query(&location(&r)), "error"), Some("invalid_request"));
    let (_, body) = push(&app, &id, &secret.unwrap(), &request(&id)).await;
    let r = browser.get(authorize(&app, &id, body["request_uri"].as_str().unwrap())).send().await.unwrap();
    assert!(param(&query(&location(&r)), "code").is_some());
    let d: Value = reqwest::get(app.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(d["require_pushed_authorization_requests"], true);
    app.finish().await;
}
both!(required_by_client_or_server);

/// A sign-in started with a request_uri comes back to it: the request_uri is carried through
/// the login page and still good when the user arrives signed in.
async fn sign_in_in_the_middle(b: Backend) {
    let app = TestApp::start(b).await;
    let (id, secret) = register(&app, spec("PAR app")).await;
    app.create_user("mid@example.org", Some(PW)).await;
    let browser = app.browser();
    let mut form = request(&id);
    form.push(("prompt".into(), "login".into()));
    let (_, body) = push(&app, &id, &secret.unwrap(), &form).await;
    let uri = body["request_uri"].as_str().unwrap().to_owned();
    let q = crate::oidc::browse_to_callback(&app, &browser, &authorize(&app, &id, &uri), "mid@example.org").await;
    assert!(param(&q, "code").is_some(), "{q:?}");
    app.finish().await;
}
both!(sign_in_in_the_middle);

/// Exchanges `code` as `id`, with a DPoP proof made with `key` (if any); (status, body).
async fn redeem(app: &TestApp, id: &str, secret: &str, code: &str, key: Option<&crate::client_keys::TestKey>) -> (u16, Value) {
    let mut r = reqwest::Client::new().post(app.url("/token")).basic_auth(id, Some(secret));
    if let Some(k) = key {
        r = r.header("DPoP", k.dpop("POST", &app.url("/token"), app.state.now(), None, None));
    }
    let r = r
        .form(&[("grant_type", "authorization_code"), ("code", code), ("redirect_uri", CB), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

fn thumbprint(key: &crate::client_keys::TestKey) -> String {
    stile::jose::PublicJwk::from_json(&key.public()).unwrap().thumbprint()
}

/// RFC 9449 §10: a DPoP proof at /par, or `dpop_jkt` (pushed or plain), binds the code to a key;
/// the code is then redeemed only with a proof of that key (`invalid_grant` otherwise, leaving
/// the code to its rightful holder).
async fn dpop_binds_the_code(b: Backend) {
    use crate::client_keys::TestKey;
    let app = TestApp::start(b).await;
    let (id, secret) = register(&app, spec("PAR app")).await;
    let secret = secret.unwrap();
    let browser = signed_in(&app).await;
    let key = TestKey::ec("device");
    let thief = TestKey::ec("thief");
    let code_of = |r: reqwest::Response| param(&query(&location(&r)), "code").map(str::to_owned);

    // A proof at /par.
    let r = reqwest::Client::new()
        .post(app.url("/par"))
        .basic_auth(&id, Some(&secret))
        .header("DPoP", key.dpop("POST", &app.url("/par"), app.state.now(), None, None))
        .form(&request(&id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let uri = r.json::<Value>().await.unwrap()["request_uri"].as_str().unwrap().to_owned();
    let code = code_of(browser.get(authorize(&app, &id, &uri)).send().await.unwrap()).unwrap();
    let (st, body) = redeem(&app, &id, &secret, &code, None).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")), "no proof: {body}");
    let (st, body) = redeem(&app, &id, &secret, &code, Some(&thief)).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")), "another key: {body}");
    let (st, body) = redeem(&app, &id, &secret, &code, Some(&key)).await;
    assert_eq!((st, body["token_type"].as_str()), (200, Some("DPoP")), "{body}");
    assert_eq!(crate::oidc::payload(body["access_token"].as_str().unwrap())["cnf"]["jkt"], thumbprint(&key).as_str());

    // dpop_jkt pushed; and with a proof of the same key.
    for with_proof in [false, true] {
        let mut form = request(&id);
        form.push(("dpop_jkt".into(), thumbprint(&key)));
        let mut r = reqwest::Client::new().post(app.url("/par")).basic_auth(&id, Some(&secret));
        if with_proof {
            r = r.header("DPoP", key.dpop("POST", &app.url("/par"), app.state.now(), None, None));
        }
        let r = r.form(&form).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let uri = r.json::<Value>().await.unwrap()["request_uri"].as_str().unwrap().to_owned();
        let code = code_of(browser.get(authorize(&app, &id, &uri)).send().await.unwrap()).unwrap();
        assert_eq!(redeem(&app, &id, &secret, &code, Some(&thief)).await.0, 400);
        assert_eq!(redeem(&app, &id, &secret, &code, Some(&key)).await.0, 200);
    }

    // dpop_jkt on a plain authorization request.
    let mut form = request(&id);
    form.push(("dpop_jkt".into(), thumbprint(&key)));
    let plain: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let code = code_of(browser.get(format!("{}/authorize?{plain}", app.base)).send().await.unwrap()).unwrap();
    assert_eq!(redeem(&app, &id, &secret, &code, None).await.0, 400);
    assert_eq!(redeem(&app, &id, &secret, &code, Some(&key)).await.0, 200);

    // Without either, the code is not bound: any key (or none) redeems it.
    let r = browser
        .get(authorize(&app, &id, push(&app, &id, &secret, &request(&id)).await.1["request_uri"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    let (st, body) = redeem(&app, &id, &secret, &code_of(r).unwrap(), None).await;
    assert_eq!((st, body["token_type"].as_str()), (200, Some("Bearer")));

    // Refused at /par: a proof of another key than dpop_jkt names; a proof for another URL; a
    // replayed proof.
    let mut form = request(&id);
    form.push(("dpop_jkt".into(), thumbprint(&key)));
    let r = reqwest::Client::new()
        .post(app.url("/par"))
        .basic_auth(&id, Some(&secret))
        .header("DPoP", thief.dpop("POST", &app.url("/par"), app.state.now(), None, None))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_dpop_proof");
    let proof = key.dpop("POST", &app.url("/token"), app.state.now(), None, None);
    let r = reqwest::Client::new().post(app.url("/par")).basic_auth(&id, Some(&secret)).header("DPoP", &proof).form(&request(&id)).send();
    assert_eq!(r.await.unwrap().status(), 400, "a proof for /token");
    let proof = key.dpop("POST", &app.url("/par"), app.state.now(), None, None);
    let send =
        || reqwest::Client::new().post(app.url("/par")).basic_auth(&id, Some(&secret)).header("DPoP", &proof).form(&request(&id)).send();
    assert_eq!(send().await.unwrap().status(), 201);
    assert_eq!(send().await.unwrap().status(), 400, "replayed");
    // A malformed dpop_jkt is refused at /par and at /authorize.
    let mut form = request(&id);
    form.push(("dpop_jkt".into(), "not-a-thumbprint".into()));
    let (st, body) = push(&app, &id, &secret, &form).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    let plain: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let r = browser.get(format!("{}/authorize?{plain}", app.base)).send().await.unwrap();
    assert_eq!(param(&query(&location(&r)), "error"), Some("invalid_request"));
    app.finish().await;
}
both!(dpop_binds_the_code);
