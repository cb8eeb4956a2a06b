//! Bad input refused at the edge with a 4xx and a message a person can act on, never a 500:
//! control characters and invalid UTF-8 anywhere, duplicated OAuth parameters, over-long request
//! lines and headers, junk carried through sign-in, and a SAML post larger than the site limit.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_api::{create_body, superuser_api};
use crate::both;
use crate::harness::{Backend, TestApp, location};
use crate::oidc::{CB, register, spec};

const PKCE: &str = "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let s = r.status();
    let t = r.text().await.unwrap();
    (s, serde_json::from_str(&t).unwrap_or_else(|_| panic!("not JSON ({s}): {t}")))
}

/// A NUL byte in a form field, a query parameter, a path segment or a JSON string.
async fn nul_bytes_are_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let http = reqwest::Client::new();

    // /token: RFC 6749 error shape.
    let r = http
        .post(app.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=ab%00cd&client_secret=x")
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "invalid_request");
    assert!(v["error_description"].as_str().unwrap().contains("control character"), "{v}");

    // And in HTTP Basic client credentials, which base64 lets carry a NUL.
    let r =
        http.post(app.url("/token")).basic_auth("ab\0cd", Some("x")).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["error_description"].as_str().unwrap().contains("Authorization header"), "{v}");

    let su = superuser_api(&app).await;
    let body = create_body(&su, "Camden Council", "council", &[]).await;
    // The same requests without the NUL work, so the refusals below are about the NUL alone.
    let (s, _) = su.get("/users?q=x").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = su.get("/users?q=%00").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "invalid_request");
    assert!(v["message"].as_str().unwrap().contains("query parameter q contains a control character"), "{v}");
    let (s, v) = su.get("/users/%00").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("control character"), "{v}");
    let (s, _) = su.get("/users/nobody").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let conn = |name: &str| {
        json!({
            "kind": "oidc", "name": name, "body_id": body,
            "issuer": "https://login.example.org/tenant/v2.0", "client_id": "stile-camden", "client_secret": "s3cret-s3cret",
            "domains": ["camden.gov.example"], "mode": "offered", "show_button": true,
        })
    };
    let (s, v) = su.post("/connections", conn("Camden\u{0}Entra")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("JSON body contains a control character"), "{v}");
    let (s, v) = su.post("/connections", conn("Camden Entra")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let (s, v) = su.post(&format!("/bodies/{body}/roles"), json!({ "name": "Insp\u{0}ectors", "permissions": [] })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("control character"), "{v}");
    // A control character in a key, and other C0 characters, are refused the same way.
    let (s, v) = su.post(&format!("/bodies/{body}/roles"), json!({ "name": "Inspectors", "permissions": [], "x\u{1b}": 1 })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // Browser forms: the error page, not a 500 and not a sign-in attempt.
    let browser = app.browser();
    let csrf = app.csrf(&browser, "/login").await;
    let r = browser
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}&email=a%00b%40example.org", enc(&csrf)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("form parameter email contains a control character"), "{page}");
    // And on a page's query string.
    let r = browser.get(app.url("/login?next=%2Faccount%00")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    app.finish().await;
}
both!(nul_bytes_are_refused);

/// Invalid UTF-8 in a form or query is refused, never echoed back as replacement characters.
async fn invalid_utf8_is_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let browser = app.browser();
    let csrf = app.csrf(&browser, "/login").await;
    let r = browser
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}&email=%FF%FE%40example.test", enc(&csrf)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("form parameter email is not valid UTF-8"), "{page}");
    assert!(!page.contains('\u{fffd}'), "no replacement characters echoed: {page}");
    // The same form with a real address goes on to the password step.
    let r = browser
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("email", "someone@example.test"), ("next", "/account")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());

    let su = superuser_api(&app).await;
    let (s, v) = su.get("/users?q=%C3").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("not valid UTF-8"), "{v}");
    app.finish().await;
}
both!(invalid_utf8_is_refused);

/// RFC 6749 §3.1: a parameter sent twice is refused, `state` included, at /authorize and /token.
async fn duplicated_oauth_parameters_are_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let (id, secret) = register(&app, spec("Dup")).await;
    let secret = secret.unwrap();
    let base = format!("/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid&nonce=n{PKCE}", enc(CB));
    let browser = app.browser();

    let r = browser.get(app.url(&format!("{base}&state=one"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a single state is fine");
    let r = browser.get(app.url(&format!("{base}&state=one&state=two"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.headers().get("location").is_none());
    let page = r.text().await.unwrap();
    assert!(page.contains("The state parameter is included more than once"), "{page}");
    // POSTed authorization requests too.
    let r = browser
        .post(app.url("/authorize"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{}&state=a&state=b", base.trim_start_matches("/authorize?")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let r = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&id, Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=authorization_code&code=x&code=y&redirect_uri=z")
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "invalid_request");
    assert!(v["error_description"].as_str().unwrap().contains("code parameter is included more than once"), "{v}");
    app.finish().await;
}
both!(duplicated_oauth_parameters_are_refused);

/// 414 and 431 carry a short body; junk parameters are not carried through sign-in.
async fn oversized_requests_get_short_answers(b: Backend) {
    let app = TestApp::start(b).await;
    let http = reqwest::Client::new();
    let r = http.get(app.url(&format!("/login?next={}", "a".repeat(20_000)))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::URI_TOO_LONG);
    let t = r.text().await.unwrap();
    assert!(t.contains("The address is too long"), "{t}");
    assert!(t.len() < 8192);

    let mut req = http.get(app.url("/login"));
    for i in 0..80 {
        req = req.header(format!("x-junk-{i}"), "x");
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let t = r.text().await.unwrap();
    assert!(t.contains("The request headers are too large"), "{t}");
    let r = http.get(app.url("/api/v1/users")).header("x-big", "b".repeat(20_000)).send().await.unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert!(v["message"].as_str().unwrap().contains("too large"), "{v}");

    // 3,000 junk parameters on a POSTed authorization request (under the body limit): the sign-in
    // redirect carries only the recognised ones.
    let (id, _) = register(&app, spec("Junk")).await;
    let mut form = format!("response_type=code&client_id={id}&redirect_uri={}&scope=openid&state=s1&nonce=n1{PKCE}", enc(CB));
    for i in 0..3000 {
        form.push_str(&format!("&j{i}=x"));
    }
    let browser = app.browser();
    let r =
        browser.post(app.url("/authorize")).header("content-type", "application/x-www-form-urlencoded").body(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = location(&r);
    assert!(loc.len() < 1024, "short Location: {} bytes", loc.len());
    assert!(loc.starts_with("/login?next="), "{loc}");
    assert!(loc.contains("state%3Ds1") && !loc.contains("j1"), "{loc}");

    // A recognised parameter too long to carry: an error to the client, not a silent loss.
    let long = format!(
        "/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid&state={}&nonce=n1{PKCE}",
        enc(CB),
        "s".repeat(5000)
    );
    let r = browser.get(app.url(&long)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = location(&r);
    assert!(loc.starts_with(CB) && loc.contains("error=invalid_request"), "{}", &loc[..200.min(loc.len())]);
    app.finish().await;
}
both!(oversized_requests_get_short_answers);

/// Look-alike addresses: fullwidth letters are the same account, mixed scripts and invisible
/// characters are refused, and an address that looks like an existing account's is refused on
/// create and on change — atomically, even when sixty arrive at once.
async fn look_alike_addresses_are_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (s, v) = su.post("/users", json!({ "email": "admin@example.org", "name": "Admin" })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let admin_id = v["id"].as_str().unwrap().to_owned();

    // Fullwidth: NFKC makes it the same address.
    let (s, v) = su.post("/users", json!({ "email": "\u{ff41}dmin@example.org" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Cyrillic а among Latin letters.
    let (s, v) = su.post("/users", json!({ "email": "\u{430}dmin@example.org" })).await;
    assert_eq!(s.as_u16() / 100, 4, "{v}");
    assert!(v["message"].as_str().unwrap().contains("different alphabets"), "{v}");
    // Zero-width space.
    let (s, v) = su.post("/users", json!({ "email": "ad\u{200b}min@example.org" })).await;
    assert_eq!(s.as_u16() / 100, 4, "{v}");
    assert!(v["message"].as_str().unwrap().contains("invisible character"), "{v}");
    // A combining accent: a different address that looks the same.
    let (s, v) = su.post("/users", json!({ "email": "a\u{301}dmin@example.org" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["message"].as_str().unwrap().contains("looks the same"), "{v}");
    // All-Cyrillic look-alike of an all-Latin address.
    let (s, _) = su.post("/users", json!({ "email": "ace@example.org" })).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = su.post("/users", json!({ "email": "\u{430}\u{441}\u{435}@example.org" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // An unrelated address is fine, and changing an address to a look-alike is refused too.
    let (s, v) = su.post("/users", json!({ "email": "bob@example.org" })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let bob = v["id"].as_str().unwrap().to_owned();
    let (s, v) = su.patch(&format!("/users/{bob}"), json!({ "email": "\u{e1}dmin@example.org" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["message"].as_str().unwrap().contains("looks the same"), "{v}");
    // Changing only the name keeps one's own address (and skeleton) without a clash.
    let (s, v) = su.patch(&format!("/users/{admin_id}"), json!({ "name": "Root" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Sixty different look-alikes of one new address at once: exactly one account.
    // (Each composes with the e into one letter: an e with a ring above has none, and no mail
    // could be sent to it, so it is refused as malformed, below.)
    let marks = ['\u{300}', '\u{301}', '\u{302}', '\u{303}', '\u{304}', '\u{306}', '\u{307}', '\u{308}', '\u{323}', '\u{30c}'];
    // Each is `rex` with an accent on the e, spelt with plain or fullwidth letters.
    let spellings = ["re{m}x", "\u{ff52}e{m}x", "re{m}\u{ff58}", "\u{ff52}\u{ff45}{m}\u{ff58}", "RE{m}X", "r\u{ff45}{m}x"];
    let tries: Vec<String> =
        marks.iter().flat_map(|m| spellings.iter().map(move |sp| format!("{}@example.org", sp.replace("{m}", &m.to_string())))).collect();
    assert_eq!(tries.len(), 60);
    let results = futures_join(&su, tries).await;
    let created = results.iter().filter(|s| **s == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{results:?}");
    assert!(results.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{results:?}");
    let (s, v) = su.post("/users", json!({ "email": "re\u{30a}x@example.org" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    app.finish().await;
}
both!(look_alike_addresses_are_refused);

async fn futures_join(su: &crate::admin_api::Api<'_>, emails: Vec<String>) -> Vec<StatusCode> {
    let mut set = tokio::task::JoinSet::new();
    for e in emails {
        let (url, token) = (su.app.url("/api/v1/users"), su.token.clone());
        set.spawn(async move {
            reqwest::Client::new().post(url).bearer_auth(token).json(&json!({ "email": e })).send().await.unwrap().status()
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out
}

/// A SAML post larger than the site-wide body limit is read up to the ACS's own limit; beyond
/// that, the SSO failure page and an audit row rather than a bare 413.
async fn saml_acs_has_its_own_limit(b: Backend) {
    let app = TestApp::start_with(b, |s| s.server.max_saml_response_bytes = 256 * 1024).await;
    let su = superuser_api(&app).await;
    let body = create_body(&su, "Camden Council", "council", &[]).await;
    let (_, cert) = stile::auth::saml::sp_key::generate("Test IdP", app.state.now()).unwrap();
    let md = stile::auth::saml::metadata::IdpMetadata {
        entity_id: "https://idp.example.org".into(),
        sso_redirect_url: "https://idp.example.org/sso".into(),
        certs: vec![stile::auth::saml::certs::TrustedCert::from_der(&cert).unwrap()],
        wants_signed_requests: false,
    };
    let conn = stile::admin::ops::connections::create_saml(
        &app.state,
        &stile::admin::AdminActor::cli(),
        stile::sso::saml::NewSaml {
            name: "Camden".into(),
            body,
            idp: md,
            domains: vec!["camden.gov.uk".into()],
            mode: stile::sso::connection::Mode::Offered,
            show_button: true,
            trust_upstream_mfa: false,
            jit: false,
            sign_requests: false,
            allow_idp_initiated: false,
        },
    )
    .await
    .unwrap();
    let acs = app.url(&format!("/sso/saml/{}/acs", conn.id));
    let post = |size: usize| {
        let form = format!("SAMLResponse={}&RelayState=", "A".repeat(size));
        reqwest::Client::new().post(&acs).header("content-type", "application/x-www-form-urlencoded").body(form).send()
    };

    // 200 KB: over the site-wide 64 KiB, under the ACS's limit: read, and refused for what it says
    // (no request of this browser), not for its size.
    let r = post(200 * 1024).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("This sign-in has expired"), "{page}");
    assert_eq!(store_failures(&app).await.len(), 1);

    // 300 KB: over it. The failure page, and an audit row saying why.
    let r = post(300 * 1024).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("Sign-in could not be completed"), "{page}");
    let rows = store_failures(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().any(|d| d.contains("max_saml_response_bytes")), "{rows:?}");

    // Control characters in the post are refused the same way.
    let r = reqwest::Client::new()
        .post(&acs)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("SAMLResponse=PD94&RelayState=%00")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(store_failures(&app).await.len(), 3);
    // Other pages keep the site-wide limit.
    let r = reqwest::Client::new()
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email={}", "a".repeat(100 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    app.finish().await;
}
both!(saml_acs_has_its_own_limit);

/// The details of failed SSO sign-ins in the audit log.
async fn store_failures(app: &TestApp) -> Vec<String> {
    stile::store::audit::recent(&app.state.db, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "signin.sso" && e.outcome == "failure")
        .map(|e| format!("{:?}", e.details))
        .collect()
}

/// Accounts written before look-alike checking get their skeleton at start-up; a clash among
/// them leaves the later one without, still working.
async fn existing_accounts_get_their_skeleton(b: Backend) {
    let app = TestApp::start(b).await;
    for (id, email) in [("u-old-1", "admin@example.org"), ("u-old-2", "\u{e1}dmin@example.org")] {
        sqlx::query(
            "insert into users (id, email, email_verified, name, superuser, created_at, updated_at) values ($1, $2, 1, 'Old', 0, 0, 0)",
        )
        .bind(id)
        .bind(email)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    }
    stile::store::users::fill_skeletons(&app.state.db).await.unwrap();
    let filled: Vec<(String, Option<String>)> = sqlx::query_as("select id, email_skeleton from users where id like 'u-old-%' order by id")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(filled.iter().filter(|(_, s)| s.is_some()).count(), 1, "{filled:?}");
    let su = superuser_api(&app).await;
    let (s, v) = su.post("/users", json!({ "email": "\u{430}\u{434}min@example.org" })).await;
    assert_eq!(s.as_u16() / 100, 4, "{v}");
    let (s, v) = su.post("/users", json!({ "email": "a\u{300}dmin@example.org" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    app.finish().await;
}
both!(existing_accounts_get_their_skeleton);
