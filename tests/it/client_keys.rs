//! private_key_jwt client authentication (RFC 7523, OIDC Core §9) at the token, introspection
//! and revocation endpoints: keys registered inline or at a jwks_uri (fetched, cached, refetched
//! on an unknown kid no more often than the floor), and every way an assertion is refused. Also
//! the test keys the PAR and DPoP tests sign with.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use stile::clients::{AuthMethod, ClientSpec, GrantType};

use crate::both;
use crate::harness::{Backend, TestApp};
use crate::oidc::{payload, register, spec};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

enum Pair {
    Ec(EcdsaKeyPair, Vec<u8>),
    Rsa(RsaKeyPair),
}

/// A client's (or a DPoP) key pair.
pub struct TestKey {
    pub kid: String,
    pair: Pair,
}

impl TestKey {
    pub fn ec(kid: &str) -> Self {
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
        let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref()).unwrap();
        TestKey { kid: kid.into(), pair: Pair::Ec(kp, doc.as_ref().to_vec()) }
    }

    pub fn rsa(kid: &str) -> Self {
        TestKey { kid: kid.into(), pair: Pair::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap()) }
    }

    /// The private key as base64 PKCS#8 (EC keys), for openid-client.
    pub fn pkcs8(&self) -> String {
        match &self.pair {
            Pair::Ec(_, der) => STANDARD.encode(der),
            Pair::Rsa(_) => panic!("EC keys only"),
        }
    }

    /// The public JWK, without kid.
    pub fn public(&self) -> Value {
        match &self.pair {
            Pair::Ec(kp, _) => {
                let p = kp.public_key().as_ref();
                json!({ "kty": "EC", "crv": "P-256", "x": URL_SAFE_NO_PAD.encode(&p[1..33]), "y": URL_SAFE_NO_PAD.encode(&p[33..65]) })
            }
            Pair::Rsa(kp) => {
                let p = kp.public_key();
                json!({
                    "kty": "RSA",
                    "n": URL_SAFE_NO_PAD.encode(p.modulus().big_endian_without_leading_zero()),
                    "e": URL_SAFE_NO_PAD.encode(p.exponent().big_endian_without_leading_zero()),
                })
            }
        }
    }

    pub fn jwk(&self) -> Value {
        let mut v = self.public();
        v["kid"] = json!(self.kid);
        v
    }

    /// A compact JWS with this header (alg as given: ES256 for EC keys, RS256 or PS256 for RSA).
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let alg = header["alg"].as_str().unwrap();
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let rng = SystemRandom::new();
        let sig = match (&self.pair, alg) {
            (Pair::Ec(kp, _), _) => kp.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec(),
            (Pair::Rsa(kp), a) => {
                let pad: &'static dyn signature::RsaEncoding =
                    if a == "PS256" { &signature::RSA_PSS_SHA256 } else { &signature::RSA_PKCS1_SHA256 };
                let mut s = vec![0; kp.public_modulus_len()];
                kp.sign(pad, &rng, input.as_bytes(), &mut s).unwrap();
                s
            }
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    pub fn default_alg(&self) -> &'static str {
        match self.pair {
            Pair::Ec(..) => "ES256",
            Pair::Rsa(_) => "RS256",
        }
    }

    /// A client assertion for `client_id`, for `aud`, expiring at `exp`, with `jti`.
    pub fn assertion(&self, client_id: &str, aud: Value, exp: i64, jti: &str) -> String {
        let header = json!({ "alg": self.default_alg(), "kid": self.kid, "typ": "JWT" });
        self.sign(&header, &json!({ "iss": client_id, "sub": client_id, "aud": aud, "exp": exp, "iat": exp - 60, "jti": jti }))
    }

    /// A DPoP proof (RFC 9449 §4.2).
    pub fn dpop(&self, htm: &str, htu: &str, iat: i64, ath: Option<&str>, nonce: Option<&str>) -> String {
        let header = json!({ "alg": self.default_alg(), "typ": "dpop+jwt", "jwk": self.public() });
        let mut claims = json!({ "jti": random(), "htm": htm, "htu": htu, "iat": iat });
        if let Some(a) = ath {
            claims["ath"] = json!(a);
        }
        if let Some(n) = nonce {
            claims["nonce"] = json!(n);
        }
        self.sign(&header, &claims)
    }
}

pub fn random() -> String {
    stile::secret::random_id(&stile::clock::OsRandom, 16)
}

pub fn jwks(keys: &[&TestKey]) -> String {
    json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() }).to_string()
}

/// A private_key_jwt machine client (client_credentials, scope `streetworks`) with these keys.
pub async fn machine_client(app: &TestApp, keys: &[&TestKey]) -> String {
    let s = ClientSpec {
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        scopes: vec!["streetworks".into()],
        auth_method: AuthMethod::PrivateKeyJwt,
        jwks: Some(jwks(keys)),
        ..spec("Street works system")
    };
    register(app, s).await.0
}

pub async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new().post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn token_with(app: &TestApp, assertion: &str) -> (u16, Value) {
    post_form(
        app,
        "/token",
        &[("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", assertion)],
    )
    .await
}

async fn private_key_jwt_at_each_endpoint(b: Backend) {
    let app = TestApp::start(b).await;
    let (ec, rsa) = (TestKey::ec("ec1"), TestKey::rsa("rsa1"));
    let id = machine_client(&app, &[&ec, &rsa]).await;
    let now = app.state.now();
    let token_url = app.url("/token");
    // ES256, RS256 and PS256; aud the token endpoint, the issuer, or an array holding one.
    let (st, body) = token_with(&app, &ec.assertion(&id, json!(token_url), now + 60, &random())).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(payload(body["access_token"].as_str().unwrap())["sub"], id.as_str());
    let (st, body) = token_with(&app, &rsa.assertion(&id, json!(app.base), now + 60, &random())).await;
    assert_eq!(st, 200, "{body}");
    let ps = rsa.sign(
        &json!({ "alg": "PS256", "kid": "rsa1" }),
        &json!({ "iss": id, "sub": id, "aud": ["https://elsewhere", token_url], "exp": now + 60, "jti": random() }),
    );
    let (st, body) = token_with(&app, &ps).await;
    assert_eq!(st, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    // Introspection (aud its own URL) and revocation (aud the issuer).
    let intro_url = app.url("/introspect");
    let a = ec.assertion(&id, json!(intro_url), now + 60, &random());
    let (st, body) = post_form(
        &app,
        "/introspect",
        &[("token", &access), ("client_id", &id), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", &a)],
    )
    .await;
    assert_eq!((st, &body["active"]), (200, &json!(true)), "{body}");
    let a = ec.assertion(&id, json!(app.base), now + 60, &random());
    let (st, _) =
        post_form(&app, "/revoke", &[("token", &access), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", &a)]).await;
    assert_eq!(st, 200);
    let a = ec.assertion(&id, json!(app.base), now + 60, &random());
    let (_, body) =
        post_form(&app, "/introspect", &[("token", &access), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", &a)]).await;
    assert_eq!(body["active"], false, "revoked");
    // An assertion for the introspection endpoint is not one for the revocation endpoint.
    let a = ec.assertion(&id, json!(intro_url), now + 60, &random());
    let (st, body) =
        post_form(&app, "/revoke", &[("token", &access), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", &a)]).await;
    assert_eq!((st, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
    // Discovery lists the method and the algorithms.
    let d: Value = reqwest::get(app.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert!(d["token_endpoint_auth_methods_supported"].as_array().unwrap().contains(&json!("private_key_jwt")));
    assert_eq!(d["token_endpoint_auth_signing_alg_values_supported"], json!(["RS256", "PS256", "ES256"]));
    app.finish().await;
}
both!(private_key_jwt_at_each_endpoint);

fn refused(why: &str, (st, body): (u16, Value)) -> String {
    assert_eq!((st, body["error"].as_str()), (401, Some("invalid_client")), "{why}: {body}");
    body["error_description"].as_str().unwrap_or_default().to_owned()
}

async fn refused_assertions(b: Backend) {
    let app = TestApp::start(b).await;
    let (ec, other) = (TestKey::ec("ec1"), TestKey::ec("ec1"));
    let id = machine_client(&app, &[&ec]).await;
    let (other_id, _) =
        register(&app, ClientSpec { grant_types: vec![GrantType::ClientCredentials], redirect_uris: vec![], ..spec("Other") }).await;
    let now = app.state.now();
    let token_url = app.url("/token");
    let cases: Vec<(String, &str)> = vec![
        (ec.assertion(&id, json!("https://evil.example/token"), now + 60, &random()), "aud"),
        (ec.assertion(&id, json!([app.url("/userinfo")]), now + 60, &random()), "aud"),
        (ec.assertion(&id, json!(token_url), now - 1, &random()), "expired"),
        (ec.assertion(&id, json!(token_url), now + 3600, &random()), "seconds away"),
        (other.assertion(&id, json!(token_url), now + 60, &random()), "signature"),
        (ec.sign(&json!({ "alg": "ES256", "kid": "ec1" }), &json!({ "iss": id, "sub": id, "aud": token_url, "exp": now + 60 })), "jti"),
        (
            ec.sign(
                &json!({ "alg": "ES256", "kid": "ec1" }),
                &json!({ "iss": id, "sub": id, "aud": token_url, "exp": now + 60, "nbf": now + 600, "jti": random() }),
            ),
            "nbf",
        ),
        (
            ec.sign(
                &json!({ "alg": "HS256", "kid": "ec1" }),
                &json!({ "iss": id, "sub": id, "aud": token_url, "exp": now + 60, "jti": random() }),
            ),
            "HS256",
        ),
        (ec.assertion(&other_id, json!(token_url), now + 60, &random()), "authentication failed"),
    ];
    for (a, why) in cases {
        let d = refused(why, token_with(&app, &a).await);
        assert!(d.contains(why), "{why}: {d}");
    }
    // An unknown kid: no key to verify with.
    let stranger = TestKey::ec("ec2");
    let d = refused("kid", token_with(&app, &stranger.assertion(&id, json!(token_url), now + 60, &random())).await);
    assert!(d.contains("signature"), "{d}");
    // iss and sub must both be the client.
    let a = ec.sign(
        &json!({ "alg": "ES256", "kid": "ec1" }),
        &json!({ "iss": id, "sub": "x", "aud": token_url, "exp": now + 60, "jti": random() }),
    );
    refused("sub", token_with(&app, &a).await);
    // A replayed assertion: accepted once only.
    let a = ec.assertion(&id, json!(token_url), now + 60, "the-jti");
    assert_eq!(token_with(&app, &a).await.0, 200);
    let d = refused("replay", token_with(&app, &a).await);
    assert!(d.contains("used before"), "{d}");
    // Another assertion reusing the jti is refused too, until the first one has expired.
    let d = refused("jti reuse", token_with(&app, &ec.assertion(&id, json!(token_url), now + 90, "the-jti")).await);
    assert!(d.contains("used before"), "{d}");
    app.clock.advance(61);
    assert_eq!(token_with(&app, &ec.assertion(&id, json!(token_url), now + 120, "the-jti")).await.0, 200);
    // The wrong assertion type; an assertion together with a secret; a client_id that is not
    // the assertion's; the client's id alone; and a secret client sending an assertion.
    let a = ec.assertion(&id, json!(token_url), now + 100, &random());
    let (st, _) =
        post_form(&app, "/token", &[("grant_type", "client_credentials"), ("client_assertion_type", "jwt"), ("client_assertion", &a)])
            .await;
    assert_eq!(st, 401);
    let (st, body) = post_form(
        &app,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", "x"),
            ("client_id", &id),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &a),
        ],
    )
    .await;
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_request")));
    let (st, _) = post_form(
        &app,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &other_id),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &a),
        ],
    )
    .await;
    assert_eq!(st, 401);
    let (st, _) = post_form(&app, "/token", &[("grant_type", "client_credentials"), ("client_id", &id)]).await;
    assert_eq!(st, 401);
    // Nothing was spent by the refusals above: the assertion still works once.
    assert_eq!(token_with(&app, &a).await.0, 200);
    // A NUL byte in the assertion is refused at the edge.
    let (st, _) = token_with(&app, &format!("{a}\u{0}")).await;
    assert_eq!(st, 400);
    app.finish().await;
}
both!(refused_assertions);

async fn refused_spec(app: &TestApp, s: ClientSpec) -> String {
    match stile::clients::register(&app.state.db, s, &stile::clock::OsRandom, app.state.now()).await {
        Err(stile::clients::ClientError::Invalid(m)) => m,
        other => panic!("{:?}", other.map(|c| c.0.id)),
    }
}

/// Registration rules: private_key_jwt needs keys (one source), no private key is stored, and
/// the client has no secret.
async fn registration(b: Backend) {
    let app = TestApp::start(b).await;
    let key = TestKey::ec("k");
    let base = ClientSpec {
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        auth_method: AuthMethod::PrivateKeyJwt,
        ..spec("K")
    };
    assert!(refused_spec(&app, base.clone()).await.contains("public keys"));
    assert!(
        refused_spec(&app, ClientSpec { jwks: Some(jwks(&[&key])), jwks_uri: Some("https://x.example/jwks".into()), ..base.clone() })
            .await
            .contains("not both")
    );
    let mut private = key.jwk();
    private["d"] = json!("AAAA");
    assert!(
        refused_spec(&app, ClientSpec { jwks: Some(json!({ "keys": [private] }).to_string()), ..base.clone() }).await.contains("private")
    );
    assert!(refused_spec(&app, ClientSpec { jwks_uri: Some("http://x.example/jwks".into()), ..base.clone() }).await.contains("JWKS URI"));
    assert!(
        refused_spec(&app, ClientSpec { jwks: Some(jwks(&[&key])), auth_method: AuthMethod::ClientSecretBasic, ..base.clone() })
            .await
            .contains("only a private_key_jwt")
    );
    let (c, secret) =
        stile::clients::register(&app.state.db, ClientSpec { jwks: Some(jwks(&[&key])), ..base }, &stile::clock::OsRandom, app.state.now())
            .await
            .unwrap();
    assert!(secret.is_none() && !c.has_secret());
    assert!(stile::clients::rotate_secret(&app.state.db, &c.id, &stile::clock::OsRandom, app.state.now()).await.is_err());
    app.finish().await;
}
both!(registration);

/// A client's JWKS served by a small HTTP server whose keys the test changes, counting fetches.
pub struct JwksServer {
    pub url: String,
    pub body: Arc<std::sync::Mutex<String>>,
    pub hits: Arc<AtomicUsize>,
}

impl JwksServer {
    pub async fn start(initial: String) -> Self {
        let body = Arc::new(std::sync::Mutex::new(initial));
        let hits = Arc::new(AtomicUsize::new(0));
        let (b, h) = (body.clone(), hits.clone());
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let (b, h) = (b.clone(), h.clone());
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    let text = b.lock().unwrap().clone();
                    ([("content-type", "application/json")], text)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        JwksServer { url, body, hits }
    }
}

async fn jwks_uri_fetched_cached_and_refetched(b: Backend) {
    let app = TestApp::start(b).await;
    let (k1, k2, k3) = (TestKey::ec("k1"), TestKey::rsa("k2"), TestKey::ec("k3"));
    let server = JwksServer::start(jwks(&[&k1])).await;
    let s = ClientSpec {
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        scopes: vec!["streetworks".into()],
        auth_method: AuthMethod::PrivateKeyJwt,
        jwks_uri: Some(server.url.clone()),
        ..spec("By URI")
    };
    let id = register(&app, s).await.0;
    let token_url = app.url("/token");
    let ok = |k: &TestKey| k.assertion(&id, json!(token_url), app.state.now() + 60, &random());
    assert_eq!(token_with(&app, &ok(&k1)).await.0, 200);
    assert_eq!(token_with(&app, &ok(&k1)).await.0, 200);
    assert_eq!(server.hits.load(Ordering::SeqCst), 1, "cached");
    // The client rotates to k2. Within the floor, an unknown kid fetches nothing.
    *server.body.lock().unwrap() = jwks(&[&k2]);
    assert_eq!(token_with(&app, &ok(&k2)).await.0, 401);
    assert_eq!(server.hits.load(Ordering::SeqCst), 1, "no refetch within the floor");
    // After it, the unknown kid makes Stile fetch again, once, however many arrive together.
    app.clock.advance(61);
    let mut all = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (url, a) = (token_url.clone(), ok(&k2));
        all.spawn(async move {
            let form = [("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", a.as_str())];
            reqwest::Client::new().post(url).form(&form).send().await.unwrap().status().as_u16()
        });
    }
    while let Some(st) = all.join_next().await {
        assert_eq!(st.unwrap(), 200);
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
    // A flood of unknown kids after that fetches at most once per floor.
    for _ in 0..5 {
        assert_eq!(token_with(&app, &ok(&k3)).await.0, 401);
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
    // An unreachable jwks_uri refuses the assertion (and does not answer 5xx).
    *server.body.lock().unwrap() = "not json".into();
    app.clock.advance(3601);
    assert_eq!(token_with(&app, &ok(&k2)).await.0, 401);
    app.finish().await;
}
both!(jwks_uri_fetched_cached_and_refetched);

/// A second Stile on the same database with the same issuer: replay caches are shared.
pub async fn second_instance(app: &TestApp) -> (String, tokio::task::JoinHandle<()>) {
    let listener = stile::server::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut settings = (*app.state.settings).clone();
    settings.data_dir = app.db.dir.path().to_path_buf();
    let (state, _) =
        stile::app::AppState::build(settings, Arc::new(app.clock.clone()), Arc::new(stile::clock::OsRandom), None).await.unwrap();
    let server = tokio::spawn(async move {
        stile::server::serve(state, listener, std::future::pending()).await.unwrap();
    });
    (base, server)
}

async fn two_instances_share_the_replay_cache(b: Backend) {
    let app = TestApp::start(b).await;
    let ec = TestKey::ec("ec1");
    let id = machine_client(&app, &[&ec]).await;
    let (other, server) = second_instance(&app).await;
    // Both answer for the same issuer, so an assertion for one is good at the other.
    let a = ec.assertion(&id, json!(app.url("/token")), app.state.now() + 60, &random());
    let form = [("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", a.as_str())];
    let first = reqwest::Client::new().post(format!("{other}/token")).form(&form).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let again = reqwest::Client::new().post(app.url("/token")).form(&form).send().await.unwrap();
    assert_eq!(again.status(), 401, "replayed at the other instance");
    // A DPoP proof too.
    let proof_key = TestKey::ec("p");
    let a = ec.assertion(&id, json!(app.base), app.state.now() + 60, &random());
    let proof = proof_key.dpop("POST", &app.url("/token"), app.state.now(), None, None);
    let form = [("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", a.as_str())];
    let r = reqwest::Client::new().post(format!("{other}/token")).header("DPoP", &proof).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let a = ec.assertion(&id, json!(app.base), app.state.now() + 60, &random());
    let form = [("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", a.as_str())];
    let r = reqwest::Client::new().post(app.url("/token")).header("DPoP", &proof).form(&form).send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_dpop_proof")), "{body}");
    server.abort();
    app.finish().await;
}
both!(two_instances_share_the_replay_cache);

/// A jwks_uri (registered by whoever administers the client) cannot make Stile call internal
/// addresses: loopback without `oauth.outbound_allow_loopback` (by address or by a name resolving
/// to it), link-local cloud metadata, an IPv4-mapped IPv6 loopback; and a redirect is not
/// followed, not even to an address that is allowed. Nothing is fetched; the assertion is refused.
async fn jwks_uri_cannot_reach_internal_addresses(b: Backend) {
    let app = TestApp::start_with(b, |s| s.oauth.outbound_allow_loopback = false).await;
    let k1 = TestKey::ec("k1");
    let server = JwksServer::start(jwks(&[&k1])).await;
    let port = url::Url::parse(&server.url).unwrap().port().unwrap();
    let client_for = |uri: String| ClientSpec {
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        scopes: vec!["streetworks".into()],
        auth_method: AuthMethod::PrivateKeyJwt,
        jwks_uri: Some(uri),
        ..spec("By URI")
    };
    for uri in [
        server.url.clone(),
        format!("http://localhost:{port}/jwks"),
        format!("https://[::ffff:127.0.0.1]:{port}/jwks"),
        format!("http://[::1]:{port}/jwks"),
        "https://169.254.169.254/latest/meta-data/jwks".to_owned(),
        "https://[::ffff:169.254.169.254]/jwks".to_owned(),
        "https://10.1.2.3/jwks".to_owned(),
        "https://[fd00::1]/jwks".to_owned(),
        "https://0.0.0.0/jwks".to_owned(),
    ] {
        let id = register(&app, client_for(uri.clone())).await.0;
        let a = k1.assertion(&id, json!(app.url("/token")), app.state.now() + 60, &random());
        let (st, body) = token_with(&app, &a).await;
        assert_eq!((st, body["error"].as_str()), (401, Some("invalid_client")), "{uri}: {body}");
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 0, "no request reached the loopback server");
    app.finish().await;

    // With loopback allowed (development and tests), a redirect is still not followed.
    let app = TestApp::start(b).await;
    let target = JwksServer::start(jwks(&[&k1])).await;
    let to = target.url.clone();
    let redirector = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let to = to.clone();
            async move { (axum::http::StatusCode::FOUND, [("location", to)]) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirect_url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirector).await.unwrap() });
    let id = register(&app, client_for(redirect_url)).await.0;
    let a = k1.assertion(&id, json!(app.url("/token")), app.state.now() + 60, &random());
    assert_eq!(token_with(&app, &a).await.0, 401);
    assert_eq!(target.hits.load(Ordering::SeqCst), 0, "the redirect was not followed");
    // The same keys served directly work, so it was the redirect that was refused.
    let id = register(&app, client_for(target.url.clone())).await.0;
    let a = k1.assertion(&id, json!(app.url("/token")), app.state.now() + 60, &random());
    assert_eq!(token_with(&app, &a).await.0, 200);
    app.finish().await;
}
both!(jwks_uri_cannot_reach_internal_addresses);

/// The admin API (the same `admin::ops` as the UI) refuses a pasted JWK set holding a private key
/// or a shared-secret key, on the `jwks` field, saying which; a public set is accepted.
async fn admin_api_refuses_private_and_shared_keys(b: Backend) {
    let app = TestApp::start(b).await;
    let su = crate::admin_api::superuser_api(&app).await;
    let key = TestKey::ec("k1");
    let mut private = key.jwk();
    private["d"] = json!("ZmFrZS1wcml2YXRlLXNjYWxhci1mb3ItdGhlLXRlc3Q");
    let oct = json!({ "kty": "oct", "kid": "s", "k": "c2hhcmVkLXNlY3JldA" });
    let create = |jwks: Value| {
        su.post(
            "/clients",
            json!({ "name": "Keys", "redirect_uris": [crate::oidc::CB], "token_endpoint_auth_method": "private_key_jwt", "jwks": jwks }),
        )
    };
    for (keys, words) in [(json!({ "keys": [private] }), "private key"), (json!({ "keys": [oct] }), "shared-secret")] {
        let (st, v) = create(keys).await;
        assert_eq!((st.as_u16(), v["field"].as_str()), (422, Some("jwks")), "{v}");
        assert!(v["message"].as_str().unwrap().contains(words), "{v}");
    }
    let (st, v) = create(json!({ "keys": [key.jwk()] })).await;
    assert!(st.is_success(), "{v}");
    assert!(v.get("client_secret").is_none_or(Value::is_null), "{v}");
    app.finish().await;
}
both!(admin_api_refuses_private_and_shared_keys);
