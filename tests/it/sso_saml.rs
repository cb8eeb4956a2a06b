//! Council single sign-on through an upstream SAML 2.0 IdP: a real one (pysaml2 with xmlsec1,
//! tests/saml_idp.py) for the sign-ins that should work and, in its forging mode, for every
//! response that must be refused with nothing written.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stile::admin::AdminActor;
use stile::admin::ops::connections::create_saml;
use stile::sso::connection::{Connection, GroupRole, Mode, SAML_GROUPS_ATTRIBUTE};
use stile::sso::saml::{NewSaml, read_metadata};
use stile::store;

use crate::both;
use crate::harness::{Backend, TestApp, field_in, location};
use crate::oidc::{CB, payload, register, spec};
use crate::saml_idp::SamlIdp;

const VERIFIER: &str = "a-pkce-verifier-that-is-long-enough-for-rfc-7636";
const EMAIL_ATTR: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
const NAME_ATTR: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const MULTIPLE_AUTHN: &str = "http://schemas.microsoft.com/claims/multipleauthn";
pub(crate) const PASSWORD_CTX: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) idp: SamlIdp,
    pub(crate) conn: Connection,
    pub(crate) body_id: String,
}

/// Camden Council with its template roles, a SAML connection made from the IdP's metadata URL,
/// inspectors and contact-centre groups mapped to roles, and the IdP told about our SP.
pub(crate) async fn setup(b: Backend, f: impl FnOnce(&mut NewSaml)) -> Setup {
    // The same council, domain and template roles as the upstream OIDC tests.
    let council = crate::sso_oidc::setup(b).await;
    let (app, body_id) = (council.app, council.body_id);
    let role = |n: &str| match n {
        "Inspectors" => council.inspectors.clone(),
        "Customer Services" => council.customer_services.clone(),
        other => panic!("no role {other} in the test council"),
    };

    let idp = SamlIdp::start().await;
    let md = read_metadata(&app.state, &idp.metadata_url()).await.unwrap();
    let mut n = NewSaml {
        name: "Camden".into(),
        body: body_id.clone(),
        idp: md,
        domains: vec!["camden.gov.uk".into()],
        mode: Mode::Required,
        show_button: true,
        trust_upstream_mfa: true,
        jit: true,
        sign_requests: true,
        allow_idp_initiated: false,
    };
    f(&mut n);
    let mut conn = create_saml(&app.state, &AdminActor::cli(), n).await.unwrap();
    conn.mapping.group_roles = vec![
        GroupRole { group: "highway-inspectors".into(), role_id: role("Inspectors") },
        GroupRole { group: "contact-centre".into(), role_id: role("Customer Services") },
    ];
    let conn = stile::admin::ops::connections::save(&app.state, &AdminActor::cli(), conn).await.unwrap();

    // The IdP administrator imports our SP metadata from its URL.
    let r = reqwest::get(app.url(&format!("/sso/saml/{}/metadata", conn.id))).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/samlmetadata+xml"));
    let sp_md = r.text().await.unwrap();
    assert!(sp_md.contains(&format!("entityID=\"{}\"", app.url(&format!("/sso/saml/{}/metadata", conn.id)))));
    assert!(sp_md.contains(&format!("Location=\"{}\"", app.url(&format!("/sso/saml/{}/acs", conn.id)))));
    assert!(sp_md.contains("AuthnRequestsSigned=\"true\""));
    idp.set_sp_metadata(&sp_md).await;
    Setup { app, idp, conn, body_id }
}

pub(crate) fn person(name_id: &str, email: &str, groups: &[&str], ctx: &str) -> Value {
    json!({
        "name_id": name_id,
        "name_id_format": PERSISTENT,
        "attributes": { EMAIL_ATTR: email, NAME_ATTR: format!("Person {name_id}"), SAML_GROUPS_ATTRIBUTE: groups },
        "authn_context": ctx,
    })
}

pub(crate) fn authorize_url(app: &TestApp, client_id: &str, login_hint: &str) -> String {
    let mut u = url::Url::parse(&app.url("/authorize")).unwrap();
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CB)
        .append_pair("scope", "openid email profile")
        .append_pair("state", "rp-state")
        .append_pair("nonce", "rp-nonce")
        .append_pair("code_challenge", &URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes())))
        .append_pair("code_challenge_method", "S256")
        .append_pair("login_hint", login_hint);
    u.to_string()
}

#[derive(Debug)]
pub(crate) enum End {
    /// Back at the relying app with these query parameters.
    Callback(Vec<(String, String)>),
    /// A page, or a redirect to a Stile path we stop at.
    Page { status: u16, location: String, body: String },
}

/// What the IdP's auto-posting form carries.
#[derive(Debug, Clone)]
pub(crate) struct Posted {
    action: String,
    saml_response: String,
    relay_state: String,
}

fn form_of(body: &str) -> Option<Posted> {
    let action = body.split("action=\"").nth(1)?.split('"').next()?;
    Some(Posted {
        action: crate::harness::html_unescape(action),
        saml_response: field_in(body, "SAMLResponse")?,
        relay_state: field_in(body, "RelayState").unwrap_or_default(),
    })
}

/// A browser's way from `url` across Stile and the IdP: redirects are followed, the IdP's
/// auto-posting form is posted (as the browser's script would), until the relying app's
/// callback, a page, or a redirect to a path in `stop_at`. The posted form is returned too.
pub(crate) async fn browse(browser: &reqwest::Client, url: &str, stop_at: &[&str]) -> (End, Option<Posted>) {
    let mut res = browser.get(url).send().await.unwrap();
    let mut url = url.to_owned();
    let mut posted = None;
    for _ in 0..20 {
        let status = res.status().as_u16();
        if (300..400).contains(&status) {
            let next = url::Url::parse(&url).unwrap().join(&location(&res)).unwrap().to_string();
            if next.starts_with(CB) {
                return (End::Callback(url::Url::parse(&next).unwrap().query_pairs().into_owned().collect()), posted);
            }
            let path = url::Url::parse(&next).unwrap().path().to_owned();
            if stop_at.iter().any(|s| path.starts_with(s)) {
                return (End::Page { status, location: next, body: String::new() }, posted);
            }
            res = browser.get(&next).send().await.unwrap();
            url = next;
            continue;
        }
        let body = res.text().await.unwrap();
        match form_of(&body) {
            Some(form) if body.contains("SAMLResponse") => {
                res = post(browser, &form).await;
                url = form.action.clone();
                posted = Some(form);
            }
            _ => return (End::Page { status, location: url, body }, posted),
        }
    }
    panic!("too many steps");
}

async fn post(browser: &reqwest::Client, form: &Posted) -> reqwest::Response {
    browser
        .post(&form.action)
        .form(&[("SAMLResponse", form.saml_response.as_str()), ("RelayState", form.relay_state.as_str())])
        .send()
        .await
        .unwrap()
}

fn param(q: &[(String, String)], k: &str) -> String {
    q.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no {k} in {q:?}"))
}

pub(crate) async fn relying_app(s: &Setup) -> (String, String) {
    let mut sp = spec("Street works");
    sp.body_id = Some(s.body_id.clone());
    let (id, secret) = register(&s.app, sp).await;
    (id, secret.unwrap())
}

/// Relying app → Stile /authorize → HRD (required) → IdP → ACS → code → tokens: the ID token's claims.
async fn sign_in_through(s: &Setup, rp: &(String, String), email: &str) -> Value {
    let browser = s.app.browser();
    match browse(&browser, &authorize_url(&s.app, &rp.0, email), &[]).await.0 {
        End::Callback(q) => {
            assert_eq!(param(&q, "state"), "rp-state");
            let r = reqwest::Client::new()
                .post(s.app.url("/token"))
                .basic_auth(&rp.0, Some(&rp.1))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", param(&q, "code").as_str()),
                    ("redirect_uri", CB),
                    ("code_verifier", VERIFIER),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let t: Value = r.json().await.unwrap();
            payload(t["id_token"].as_str().unwrap())
        }
        other => panic!("expected the relying app's callback, got {other:?}"),
    }
}

fn roles(claims: &Value) -> Vec<String> {
    let mut r: Vec<String> = claims["roles"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    r.sort();
    r
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("select count(*) from {table}"))).fetch_one(app.state.db.pool()).await.unwrap()
}

async fn saml_end_to_end_roles_demotion_and_mfa(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let s = setup(b, |_| {}).await;
    store::bodies::set_mfa_policy(&s.app.state.db, &s.body_id, "required", s.app.state.now()).await.unwrap();
    let rp = relying_app(&s).await;

    // Trusted upstream MFA (Azure's multipleauthn): Stile does not ask again.
    s.idp.set_next(person("alice-1", "alice@camden.gov.uk", &["highway-inspectors", "contact-centre", "other"], MULTIPLE_AUTHN)).await;
    let claims = sign_in_through(&s, &rp, "alice@camden.gov.uk").await;
    assert_eq!(claims["email"], "alice@camden.gov.uk");
    assert_eq!(claims["name"], "Person alice-1");
    assert_eq!(claims["amr"], json!(["fed", "mfa"]));
    assert_eq!(claims["acr"], "mfa");
    assert_eq!(roles(&claims), vec!["Customer Services", "Inspectors"]);
    // Our AuthnRequest was signed and pysaml2 verified it against our SP metadata.
    let last = s.idp.last_request().await;
    assert_eq!(last["signature_verified"], true);
    assert_eq!(last["acs"], s.app.url(&format!("/sso/saml/{}/acs", s.conn.id)));
    // Just-in-time account linked to the persistent NameID; the assertion id is remembered.
    let user = store::users::by_email(&s.app.state.db, &stile::email::Email::parse("alice@camden.gov.uk").unwrap()).await.unwrap().unwrap();
    assert!(user.is_email_verified() && !user.has_password());
    assert_eq!(store::federated::get(&s.app.state.db, &s.conn.id, "alice-1").await.unwrap().unwrap().user_id, user.id);
    assert_eq!(store::saml::count_seen(&s.app.state.db).await.unwrap(), 1);

    // Out of the inspectors' group at the council: the next sign-in demotes her. (This time the
    // IdP signs the Response as well as the assertion.)
    let mut next = person("alice-1", "alice@camden.gov.uk", &["contact-centre"], MULTIPLE_AUTHN);
    next["sign_response"] = json!(true);
    s.idp.set_next(next).await;
    let claims = sign_in_through(&s, &rp, "alice@camden.gov.uk").await;
    assert_eq!(roles(&claims), vec!["Customer Services"]);

    // Password only at the IdP: Stile's own 2FA policy applies (the body requires it: enrol).
    s.idp.set_next(person("alice-1", "alice@camden.gov.uk", &["contact-centre"], PASSWORD_CTX)).await;
    let browser = s.app.browser();
    match browse(&browser, &authorize_url(&s.app, &rp.0, "alice@camden.gov.uk"), &["/login/2fa"]).await.0 {
        End::Page { status, location, .. } => assert!(status == 303 && location.contains("/login/2fa/enrol"), "{location}"),
        other => panic!("{other:?}"),
    }
    // MFA upstream that the connection does not trust: asked too.
    let mut c = s.conn.clone();
    c.trust_upstream_mfa = false;
    stile::admin::ops::connections::save(&s.app.state, &AdminActor::cli(), c).await.unwrap();
    s.idp.set_next(person("alice-1", "alice@camden.gov.uk", &["contact-centre"], MULTIPLE_AUTHN)).await;
    let browser = s.app.browser();
    match browse(&browser, &authorize_url(&s.app, &rp.0, "alice@camden.gov.uk"), &["/login/2fa"]).await.0 {
        End::Page { location, .. } => assert!(location.contains("/login/2fa/enrol"), "{location}"),
        other => panic!("{other:?}"),
    }
    // The person cancels at the IdP: a page that says so and offers the other ways in.
    let mut cancelled = person("alice-1", "alice@camden.gov.uk", &[], PASSWORD_CTX);
    cancelled["mode"] = json!("forge");
    cancelled["status"] = json!("urn:oasis:names:tc:SAML:2.0:status:Requester");
    s.idp.set_next(cancelled).await;
    let browser = s.app.browser();
    match browse(&browser, &authorize_url(&s.app, &rp.0, "alice@camden.gov.uk"), &[]).await {
        (End::Page { status, body, .. }, Some(_)) => {
            assert_eq!(status, 400);
            assert!(body.contains("Sign-in was cancelled") && body.contains("Sign in another way"), "{body}");
        }
        other => panic!("{other:?}"),
    }
    let actions = s.app.audit_actions().await;
    assert!(actions.contains(&("signin.sso".into(), "success".into())), "{actions:?}");
    s.app.finish().await;
}
both!(saml_end_to_end_roles_demotion_and_mfa);

/// A SAML connection trusted to assert a phishing-resistant factor: the FIDO authentication
/// context meets an app that requires `phr` (`acr` `phr`); Azure's multipleauthn does not, and
/// without the flag neither does FIDO.
async fn saml_phishing_resistant_context(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    const FIDO: &str = "urn:rsa:names:tc:SAML:2.0:ac:classes:FIDO";
    let s = setup(b, |_| {}).await;
    let mut sp = spec("Needs a passkey");
    sp.body_id = Some(s.body_id.clone());
    sp.require_mfa = true;
    sp.require_phr = true;
    let (id, secret) = register(&s.app, sp).await;
    let strict = (id, secret.unwrap());
    let refused = |ctx: &'static str| {
        let s = &s;
        let strict = &strict;
        async move {
            s.idp.set_next(person("kim-1", "kim@camden.gov.uk", &[], ctx)).await;
            let browser = s.app.browser();
            match browse(&browser, &authorize_url(&s.app, &strict.0, "kim@camden.gov.uk"), &["/login/2fa"]).await.0 {
                End::Page { location, .. } => assert!(location.contains("/login/2fa?phr=1"), "{ctx}: {location}"),
                other => panic!("{ctx}: {other:?}"),
            }
        }
    };
    // Trusted for MFA only (the default): FIDO upstream is MFA, not the phishing-resistant level.
    assert!(!s.conn.trust_upstream_phr);
    refused(FIDO).await;
    let input = stile::admin::ops::connections::ConnectionInput { trust_upstream_phr: Some(true), ..Default::default() };
    let view = stile::admin::ops::connections::update(&s.app.state, &AdminActor::cli(), &s.conn.id, input).await.unwrap();
    assert!(view.trust_upstream_phr);
    refused(MULTIPLE_AUTHN).await;
    s.idp.set_next(person("kim-1", "kim@camden.gov.uk", &[], FIDO)).await;
    let claims = sign_in_through(&s, &strict, "kim@camden.gov.uk").await;
    assert_eq!(claims["acr"], "phr");
    assert_eq!(claims["amr"], json!(["fed", "mfa"]));
    s.app.finish().await;
}
both!(saml_phishing_resistant_context);

/// Starts a sign-in at the connection and answers it at the IdP (forging as told); returns the
/// browser and what the IdP's form would post.
async fn answer(s: &Setup, next: Value) -> (reqwest::Client, Posted) {
    s.idp.set_next(next).await;
    let browser = s.app.browser();
    let r = browser.get(s.app.url(&format!("/sso/start/{}?next=%2Faccount", s.conn.id))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (action, saml_response, relay_state) = s.idp.answer(&location(&r)).await;
    (browser, Posted { action, saml_response, relay_state })
}

fn forged(extra: Value) -> Value {
    let mut v = person("frank-1", "frank@camden.gov.uk", &["highway-inspectors"], PASSWORD_CTX);
    v["mode"] = json!("forge");
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

/// The answer is the failure page, audited with `detail`, and nothing else was written.
async fn refused(s: &Setup, r: reqwest::Response, status: u16, detail: &str, seen_before: i64) {
    assert_eq!(r.status().as_u16(), status, "{detail}");
    assert!(r.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().contains("stile_session")), "{detail}: a session cookie");
    let body = r.text().await.unwrap();
    assert!(body.contains("Sign in another way"), "{detail}: {body}");
    assert!(!body.contains(detail), "the page must not show the detail");
    let events = store::audit::recent(&s.app.state.db, Some("signin.sso"), 1).await.unwrap();
    assert!(events[0].outcome == "failure" && events[0].details.contains(detail), "{detail}: {:?}", events[0]);
    assert_eq!(store::users::count(&s.app.state.db).await.unwrap(), 0, "{detail}: a user");
    assert_eq!(count(&s.app, "sessions").await, 0, "{detail}: a session");
    assert_eq!(count(&s.app, "federated_identities").await, 0, "{detail}: a federated identity");
    assert_eq!(store::saml::count_seen(&s.app.state.db).await.unwrap(), seen_before, "{detail}: the replay cache");
}

async fn saml_forged_responses_write_nothing(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let s = setup(b, |_| {}).await;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("unsigned", json!({"sign": "none"}), 400, "neither the response nor the assertion is signed"),
        ("unknown key", json!({"key": "unknown"}), 400, "not made by any configured certificate"),
        ("tampered attribute", json!({"mutation": "tamper_attribute"}), 400, "digest of the signed element does not match"),
        ("signed assertion moved", json!({"mutation": "moved"}), 400, "exactly one Assertion"),
        ("second unsigned assertion", json!({"mutation": "second_assertion"}), 400, "exactly one Assertion"),
        ("duplicated ID", json!({"mutation": "duplicate_id"}), 400, "appears more than once"),
        ("wrong audience", json!({"audience": "https://other.example/sp"}), 400, "audience"),
        ("wrong destination", json!({"destination": "https://other.example/acs"}), 400, "Destination"),
        ("wrong recipient", json!({"recipient": "https://other.example/acs"}), 400, "Recipient"),
        ("expired", json!({"not_before_offset": -900, "not_on_or_after_offset": -300}), 400, "expired"),
        ("not yet valid", json!({"not_before_offset": 900, "not_on_or_after_offset": 1200}), 400, "not valid yet"),
        ("InResponseTo mismatch", json!({"in_response_to": "_not_our_request"}), 400, "InResponseTo"),
        ("DOCTYPE", json!({"mutation": "doctype"}), 400, "DTD"),
        ("non-Success status", json!({"status": "urn:oasis:names:tc:SAML:2.0:status:Requester"}), 400, "status:Requester"),
        ("IdP error status", json!({"status": "urn:oasis:names:tc:SAML:2.0:status:Responder"}), 502, "status:Responder"),
        ("another issuer", json!({"issuer": "https://evil.example/idp"}), 400, "issuer"),
    ];
    // Each case's name says what it forges; `detail` is what the refusal must name.
    for (_name, extra, status, detail) in cases {
        let (browser, form) = answer(&s, forged(extra)).await;
        let r = post(&browser, &form).await;
        refused(&s, r, status, detail, 0).await;
        // The request was not used up by the refusal... but it does not help a second try either.
    }

    // A good answer posted from another browser: the request is bound to the one that started it.
    let (_, form) = answer(&s, forged(json!({}))).await;
    let r = post(&s.app.browser(), &form).await;
    refused(&s, r, 400, "started in another browser", 0).await;
    // No RelayState, and the connection does not accept IdP-initiated sign-ins.
    let (browser, mut form) = answer(&s, forged(json!({}))).await;
    form.relay_state.clear();
    let r = post(&browser, &form).await;
    refused(&s, r, 400, "no request of this browser", 0).await;

    // The same good answer twice: the first signs in, the second is refused (its request is used).
    let (browser, form) = answer(&s, forged(json!({}))).await;
    let r = post(&browser, &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(store::users::count(&s.app.state.db).await.unwrap(), 1);
    assert_eq!(store::saml::count_seen(&s.app.state.db).await.unwrap(), 1);
    let sessions = count(&s.app, "sessions").await;
    let r = post(&browser, &form).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Sign in another way"));
    assert_eq!(count(&s.app, "sessions").await, sessions, "no new session for a replayed response");
    assert_eq!(store::saml::count_seen(&s.app.state.db).await.unwrap(), 1);
    s.app.finish().await;
}
both!(saml_forged_responses_write_nothing);

async fn saml_idp_initiated_and_replay_cache(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let s = setup(b, |n| n.allow_idp_initiated = true).await;
    let acs = s.app.url(&format!("/sso/saml/{}/acs", s.conn.id));
    let sp_entity = s.app.url(&format!("/sso/saml/{}/metadata", s.conn.id));
    let mut params = forged(json!({"in_response_to": null}));
    params["acs"] = json!(acs);
    params["sp_entity_id"] = json!(sp_entity);
    let xml = s.idp.forge(params).await;
    let form = Posted {
        action: acs.clone(),
        saml_response: base64::engine::general_purpose::STANDARD.encode(xml.as_bytes()),
        relay_state: String::new(),
    };
    let browser = s.app.browser();
    let r = post(&browser, &form).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("/account"), "{}", location(&r));
    assert_eq!(store::users::count(&s.app.state.db).await.unwrap(), 1);
    // Captured and posted again, from anywhere: the assertion id is in the replay cache.
    let sessions = count(&s.app, "sessions").await;
    let r = post(&s.app.browser(), &form).await;
    assert_eq!(r.status(), 400);
    let events = store::audit::recent(&s.app.state.db, Some("signin.sso"), 1).await.unwrap();
    assert!(events[0].outcome == "failure" && events[0].details.contains("replayed"), "{:?}", events[0]);
    assert_eq!(count(&s.app, "sessions").await, sessions);
    assert_eq!(store::saml::count_seen(&s.app.state.db).await.unwrap(), 1);

    // An unsolicited answer that claims to answer a request is refused even here.
    let mut params = forged(json!({"in_response_to": "_made_up"}));
    params["acs"] = json!(acs);
    params["sp_entity_id"] = json!(sp_entity);
    let xml = s.idp.forge(params).await;
    let form =
        Posted { action: acs, saml_response: base64::engine::general_purpose::STANDARD.encode(xml.as_bytes()), relay_state: String::new() };
    let r = post(&s.app.browser(), &form).await;
    assert_eq!(r.status(), 400);
    s.app.finish().await;
}
both!(saml_idp_initiated_and_replay_cache);

async fn saml_cli_connections_and_certificate_rotation(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    use crate::cli::{Cli, fails, ok};
    let cli = Cli::new(b).await;
    let idp = SamlIdp::start().await;
    ok(cli.run(&["body", "add", "Camden Council", "--kind", "council", "--domain", "camden.gov.uk"]));
    let dir = tempfile::tempdir().unwrap();
    let md_xml = idp.metadata().await;

    // Metadata without a signing certificate is refused: nothing could check the responses.
    let unsigned_md = dir.path().join("no-signing.xml");
    std::fs::write(&unsigned_md, md_xml.replace("use=\"signing\"", "use=\"encryption\"")).unwrap();
    let add = |md: &str| {
        vec![
            "connection".to_owned(),
            "add-saml".into(),
            "--name".into(),
            "Camden".into(),
            "--body".into(),
            "Camden Council".into(),
            "--idp-metadata".into(),
            md.to_owned(),
            "--domain".into(),
            "camden.gov.uk".into(),
            "--sign-requests".into(),
            "--json".into(),
        ]
    };
    let args = add(unsigned_md.to_str().unwrap());
    let err = fails(cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(err.contains("no signing certificate"), "{err}");
    let args = add("/nonexistent/metadata.xml");
    assert!(fails(cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>())).contains("could not be read"));

    // From the metadata URL, fetched once.
    let args = add(&idp.metadata_url());
    let o = ok(cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    let id = serde_json::from_str::<Value>(&o).unwrap()["id"].as_str().unwrap().to_owned();
    let shown: Value = serde_json::from_str(&ok(cli.run(&["connection", "show", &id, "--json"]))).unwrap();
    assert_eq!(shown["kind"], "saml");
    assert_eq!(shown["saml"]["idp_entity_id"], idp.metadata_url());
    assert_eq!(shown["saml"]["sign_requests"], true);
    assert!(shown["acs_url"].as_str().unwrap().ends_with(&format!("/sso/saml/{id}/acs")));
    let old = shown["saml"]["idp_certificate_sha256"][0].as_str().unwrap().to_owned();
    assert_eq!(shown["saml"]["idp_certificate_sha256"].as_array().unwrap().len(), 1);
    assert!(!ok(cli.run(&["connection", "show", &id])).contains("PRIVATE"));

    // Rotation: add the new certificate, then remove the old; never none.
    let (_, new_der) = stile::auth::saml::sp_key::generate("Next IdP certificate", 1_700_000_000).unwrap();
    let pem =
        format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", base64::engine::general_purpose::STANDARD.encode(&new_der));
    let new_file = dir.path().join("new.cer");
    std::fs::write(&new_file, pem).unwrap();
    ok(cli.run(&["connection", "set", &id, "--add-idp-certificate", new_file.to_str().unwrap()]));
    let shown: Value = serde_json::from_str(&ok(cli.run(&["connection", "show", &id, "--json"]))).unwrap();
    assert_eq!(shown["saml"]["idp_certificate_sha256"].as_array().unwrap().len(), 2);
    ok(cli.run(&["connection", "set", &id, "--remove-idp-certificate", &old]));
    let shown: Value = serde_json::from_str(&ok(cli.run(&["connection", "show", &id, "--json"]))).unwrap();
    let left = shown["saml"]["idp_certificate_sha256"].as_array().unwrap();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0], json!(old));
    let last = left[0].as_str().unwrap().to_owned();
    assert!(fails(cli.run(&["connection", "set", &id, "--remove-idp-certificate", &last])).contains("no signing certificate"));
    assert!(fails(cli.run(&["connection", "set", &id, "--remove-idp-certificate", "AB:CD"])).contains("no IdP certificate"));
    // Importing the metadata again brings the IdP's current certificate back.
    ok(cli.run(&["connection", "set", &id, "--idp-metadata", &idp.metadata_url()]));
    let shown: Value = serde_json::from_str(&ok(cli.run(&["connection", "show", &id, "--json"]))).unwrap();
    assert_eq!(shown["saml"]["idp_certificate_sha256"], json!([old]));
    assert!(fails(cli.run(&["connection", "set", &id, "--userinfo", "true"])).contains("OIDC"));
    cli.db.drop_db().await;
}
both!(saml_cli_connections_and_certificate_rotation);

/// The replay cache and the request it answers are written together or not at all.
async fn saml_store_accept_is_atomic(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let s = setup(b, |_| {}).await;
    let db = &s.app.state.db;
    let now = s.app.state.now();
    let conn = &s.conn.id;
    let row = |h: &str| store::connections::LoginStateRow {
        id_hash: h.into(),
        connection_id: conn.clone(),
        browser_hash: "browser".into(),
        next: "/account".into(),
        data: "{}".into(),
        created_at: now,
        expires_at: now + 600,
        used_at: None,
    };
    for h in ["r1", "r2", "r3"] {
        store::connections::insert_login_state(db, &row(h)).await.unwrap();
    }
    use stile::store::saml::{Acceptance, accept, prune, seen};
    assert_eq!(accept(db, conn, Some("r1"), "_a1", now + 300, now).await.unwrap(), Acceptance::Accepted);
    assert!(seen(db, conn, "_a1").await.unwrap());
    // The same assertion again, for another request: refused, and that request is left unused.
    assert_eq!(accept(db, conn, Some("r2"), "_a1", now + 300, now).await.unwrap(), Acceptance::Replayed);
    assert!(store::connections::login_state(db, "r2").await.unwrap().unwrap().used_at.is_none());
    // A new assertion for a used request: refused, and the assertion is not recorded.
    assert_eq!(accept(db, conn, Some("r1"), "_a2", now + 300, now).await.unwrap(), Acceptance::RequestGone);
    assert!(!seen(db, conn, "_a2").await.unwrap());
    // Unsolicited (no request): only the replay cache.
    assert_eq!(accept(db, conn, None, "_a3", now + 300, now).await.unwrap(), Acceptance::Accepted);
    assert_eq!(accept(db, conn, None, "_a3", now + 300, now).await.unwrap(), Acceptance::Replayed);
    // A request that was never made.
    assert_eq!(accept(db, conn, Some("nope"), "_a4", now + 300, now).await.unwrap(), Acceptance::RequestGone);
    // Entries go once their assertion has expired.
    assert_eq!(store::saml::count_seen(db).await.unwrap(), 2);
    assert_eq!(prune(db, now + 300).await.unwrap(), 2);
    assert_eq!(store::saml::count_seen(db).await.unwrap(), 0);
    s.app.finish().await;
}
both!(saml_store_accept_is_atomic);
