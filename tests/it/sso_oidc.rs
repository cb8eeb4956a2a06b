//! Council single sign-on through an upstream OIDC IdP: a real provider (`oidc-provider` from
//! npm, tests/upstream-oidc/) for the sign-ins that should work, and a small hand-made IdP (axum +
//! aws-lc-rs) for the responses that must be refused.

use std::io::BufRead;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stile::admin::AdminActor;
use stile::admin::ops::connections::{self as admin, NewOidc};
use stile::secret::SecretString;
use stile::sso::KindConfig;
use stile::sso::connection::{Connection, GroupRole, Mode};
use stile::store;

use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, free_port, location};
use crate::oidc::{CB, PW, payload, register, spec};

const VERIFIER: &str = "a-pkce-verifier-that-is-long-enough-for-rfc-7636";
const UPSTREAM_SECRET: &str = "upstream-client-secret";

/// `oidc-provider` running under node on a free port, with accounts from a JSON file the test
/// may rewrite between sign-ins. Killed when dropped.
pub(crate) struct Upstream {
    pub(crate) issuer: String,
    accounts: std::path::PathBuf,
    _dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Upstream {
    pub(crate) async fn start(redirect_uri: &str, accounts: &Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("accounts.json");
        std::fs::write(&file, accounts.to_string()).unwrap();
        crate::harness::outside_peer("Node");
        let project = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/upstream-oidc");
        assert!(
            std::path::Path::new(project).join("node_modules/oidc-provider").exists(),
            "the upstream OIDC provider is not installed: run `npm ci` in tests/upstream-oidc"
        );
        // A free port can be taken between our probe and node's listen, and a start has been seen
        // to stall under load: try a few times, on a fresh port each time, and show node's stderr
        // if every try fails.
        let log = dir.path().join("provider.log");
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = std::process::Command::new("node")
                .arg("provider.mjs")
                .current_dir(project)
                .env("PORT", port.to_string())
                .env("CLIENT_ID", "stile")
                .env("CLIENT_SECRET", UPSTREAM_SECRET)
                .env("REDIRECT_URI", redirect_uri)
                .env("ACCOUNTS_FILE", &file)
                .stdout(std::process::Stdio::piped())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .expect("node must be installed");
            let stdout = child.stdout.take().unwrap();
            let (tx, rx) = std::sync::mpsc::channel();
            // Keep draining stdout so a late line cannot hit a closed pipe.
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                    if line.contains("READY") {
                        let _ = tx.send(());
                    }
                }
            });
            match rx.recv_timeout(std::time::Duration::from_secs(30)) {
                Ok(()) => return Upstream { issuer: format!("http://127.0.0.1:{port}"), accounts: file, _dir: dir, child },
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = format!("{e:?}: {}", std::fs::read_to_string(&log).unwrap_or_default());
                }
            }
        }
        panic!("oidc-provider did not start: {last_error}");
    }

    pub(crate) fn set_accounts(&self, accounts: &Value) {
        std::fs::write(&self.accounts, accounts.to_string()).unwrap();
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn account(sub: &str, email: &str, groups: &[&str], amr: &[&str]) -> Value {
    json!({ "sub": sub, "email": email, "email_verified": true, "name": format!("Person {sub}"), "groups": groups, "amr": amr })
}

pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) body_id: String,
    pub(crate) inspectors: String,
    pub(crate) customer_services: String,
}

pub(crate) async fn setup(b: Backend) -> Setup {
    setup_with(b, |_| {}).await
}

pub(crate) async fn setup_with(b: Backend, f: impl FnOnce(&mut stile::config::Settings)) -> Setup {
    let app = TestApp::start_with(b, f).await;
    let now = app.state.now();
    let body_id = store::new_id(now, &*app.state.rng);
    store::bodies::insert(
        &app.state.db,
        &store::bodies::NewBody {
            id: &body_id,
            name: "Camden Council",
            kind: "council",
            fms_body_id: None,
            swa_code: None,
            mfa_policy: "optional",
            password_min_length: None,
            domains: &["camden.gov.uk".to_owned()],
        },
        now,
    )
    .await
    .unwrap();
    let rng = app.state.rng.clone();
    let mut ids = move || store::new_id(now, &*rng);
    store::catalogue::copy_templates_into_body(&app.state.db, &body_id, "council", &mut ids, now).await.unwrap();
    let roles = store::catalogue::roles_of_body(&app.state.db, &body_id).await.unwrap();
    let role = |n: &str| roles.iter().find(|r| r.name == n).unwrap().id.clone();
    let (inspectors, customer_services) = (role("Inspectors"), role("Customer Services"));
    Setup { app, body_id, inspectors, customer_services }
}

pub(crate) async fn connect(s: &Setup, issuer: &str, mode: Mode, f: impl FnOnce(&mut Connection)) -> Connection {
    let c = admin::create_oidc(
        &s.app.state,
        &AdminActor::cli(),
        NewOidc {
            name: "Camden".into(),
            body: s.body_id.clone(),
            issuer: issuer.into(),
            client_id: "stile".into(),
            client_secret: SecretString::new(UPSTREAM_SECRET),
            domains: vec!["camden.gov.uk".into()],
            mode,
            show_button: true,
            trust_upstream_mfa: false,
            jit: true,
            scopes: vec![],
            use_userinfo: false,
            hosted_domain: None,
        },
    )
    .await
    .unwrap();
    let mut c = c;
    c.mapping.group_roles = vec![
        GroupRole { group: "highway-inspectors".into(), role_id: s.inspectors.clone() },
        GroupRole { group: "contact-centre".into(), role_id: s.customer_services.clone() },
    ];
    f(&mut c);
    admin::save(&s.app.state, &AdminActor::cli(), c).await.unwrap()
}

/// A connection's own redirect URI.
pub(crate) fn callback_uri(app: &TestApp, conn_id: &str) -> String {
    app.url(&format!("/sso/oidc/callback/{conn_id}"))
}

/// A connection to a real provider that knows the connection's own redirect URI: the URI names
/// the connection, so the connection is made first and learns the provider's address after.
pub(crate) async fn connect_upstream(s: &Setup, accounts: &Value, mode: Mode, f: impl FnOnce(&mut Connection)) -> (Upstream, Connection) {
    let mut conn = connect(s, "http://127.0.0.1:9", mode, f).await;
    let up = Upstream::start(&callback_uri(&s.app, &conn.id), accounts).await;
    if let KindConfig::Oidc(o) = &mut conn.config {
        o.issuer = up.issuer.clone();
    }
    let conn = admin::save(&s.app.state, &AdminActor::cli(), conn).await.unwrap();
    (up, conn)
}

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

pub(crate) fn authorize_url(app: &TestApp, client_id: &str, login_hint: Option<&str>) -> String {
    let mut u = url::Url::parse(&app.url("/authorize")).unwrap();
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CB)
        .append_pair("scope", "openid email profile")
        .append_pair("state", "rp-state")
        .append_pair("nonce", "rp-nonce")
        .append_pair("code_challenge", &challenge())
        .append_pair("code_challenge_method", "S256");
    if let Some(h) = login_hint {
        u.query_pairs_mut().append_pair("login_hint", h);
    }
    u.to_string()
}

/// Where following the browser's redirects ended.
#[derive(Debug)]
pub(crate) enum End {
    /// Back at the relying app with these query parameters.
    Callback(Vec<(String, String)>),
    /// A page (or a redirect to a Stile page we stop at) with its URL, status and body.
    Page { status: u16, location: String, body: String },
}

/// Follows redirects from `url` across Stile and the upstream IdP until the relying app's
/// callback, a page, or a redirect to `stop_at` (a Stile path prefix).
pub(crate) async fn follow(browser: &reqwest::Client, url: &str, stop_at: &[&str]) -> End {
    let mut url = url.to_owned();
    for _ in 0..20 {
        let r = browser.get(&url).send().await.unwrap();
        let status = r.status().as_u16();
        let loc = location(&r);
        if !(300..400).contains(&status) {
            let body = r.text().await.unwrap();
            return End::Page { status, location: loc, body };
        }
        let next = url::Url::parse(&url).unwrap().join(&loc).unwrap().to_string();
        if next.starts_with(CB) {
            return End::Callback(url::Url::parse(&next).unwrap().query_pairs().into_owned().collect());
        }
        let path = url::Url::parse(&next).unwrap().path().to_owned();
        if stop_at.iter().any(|s| path.starts_with(s)) {
            return End::Page { status, location: next, body: String::new() };
        }
        url = next;
    }
    panic!("too many redirects");
}

fn param(q: &[(String, String)], k: &str) -> String {
    q.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no {k} in {q:?}"))
}

async fn tokens(app: &TestApp, client_id: &str, secret: &str, code: &str) -> Value {
    let r = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "authorization_code"), ("code", code), ("redirect_uri", CB), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub(crate) async fn relying_app(s: &Setup) -> (String, String) {
    let mut sp = spec("Street works");
    sp.body_id = Some(s.body_id.clone());
    let (id, secret) = register(&s.app, sp).await;
    (id, secret.unwrap())
}

/// Relying app → Stile /authorize → HRD → upstream → callback → code → tokens; returns the ID
/// token's claims.
pub(crate) async fn sign_in_through(app: &TestApp, rp: &(String, String), email: &str) -> Value {
    let browser = app.browser();
    match follow(&browser, &authorize_url(app, &rp.0, Some(email)), &[]).await {
        End::Callback(q) => {
            assert_eq!(param(&q, "state"), "rp-state");
            let t = tokens(app, &rp.0, &rp.1, &param(&q, "code")).await;
            payload(t["id_token"].as_str().unwrap())
        }
        other => panic!("expected the relying app's callback, got {other:?}"),
    }
}

pub(crate) fn roles(claims: &Value) -> Vec<String> {
    let mut r: Vec<String> = claims["roles"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    r.sort();
    r
}

async fn end_to_end_roles_and_demotion(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let s = setup(b).await;
    let accounts = json!({ "alice@camden.gov.uk": account("alice-1", "alice@camden.gov.uk", &["highway-inspectors", "contact-centre", "other"], &["pwd"]) });
    let (up, conn) = connect_upstream(&s, &accounts, Mode::Required, |_| {}).await;
    let rp = relying_app(&s).await;

    let claims = sign_in_through(&s.app, &rp, "alice@camden.gov.uk").await;
    assert_eq!(claims["email"], "alice@camden.gov.uk");
    assert_eq!(claims["amr"], json!(["fed"]));
    assert_eq!(roles(&claims), vec!["Customer Services", "Inspectors"]);
    let body = &claims["bodies"][0];
    assert_eq!(body["name"], "Camden Council");
    // Just-in-time account, linked to the upstream subject.
    let user = store::users::by_email(&s.app.state.db, &stile::email::Email::parse("alice@camden.gov.uk").unwrap()).await.unwrap().unwrap();
    assert!(user.is_email_verified() && !user.has_password());
    assert_eq!(user.name, "Person alice-1");
    let link = store::federated::get(&s.app.state.db, &conn.id, "alice-1").await.unwrap().unwrap();
    assert_eq!(link.user_id, user.id);

    // The council takes her out of the inspectors' group: the next sign-in demotes her.
    up.set_accounts(&json!({ "alice@camden.gov.uk": account("alice-1", "alice@camden.gov.uk", &["contact-centre"], &["pwd"]) }));
    let claims = sign_in_through(&s.app, &rp, "alice@camden.gov.uk").await;
    assert_eq!(roles(&claims), vec!["Customer Services"]);
    // A role an administrator granted by hand (not in the mapping) is left alone.
    let m = store::memberships::of_user(&s.app.state.db, &user.id).await.unwrap().remove(0);
    let maint = store::catalogue::roles_of_body(&s.app.state.db, &s.body_id).await.unwrap();
    let maint = maint.iter().find(|r| r.name == "Internal maintenance teams").unwrap();
    store::memberships::add_role(&s.app.state.db, &m.id, &maint.id).await.unwrap();
    up.set_accounts(&json!({ "alice@camden.gov.uk": account("alice-1", "alice@camden.gov.uk", &[], &["pwd"]) }));
    let claims = sign_in_through(&s.app, &rp, "alice@camden.gov.uk").await;
    assert_eq!(roles(&claims), vec!["Internal maintenance teams"]);

    let actions = s.app.audit_actions().await;
    assert!(actions.contains(&("signin.sso".into(), "success".into())));
    assert!(actions.contains(&("sso.roles".into(), "success".into())));
    drop(up);
    s.app.finish().await;
}
both!(end_to_end_roles_and_demotion);

async fn hrd_offer_buttons_and_linking(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let s = setup(b).await;
    let accounts = json!({ "bob@camden.gov.uk": account("bob-1", "bob@camden.gov.uk", &["highway-inspectors"], &["pwd"]) });
    let (up, conn) = connect_upstream(&s, &accounts, Mode::Offered, |c| c.jit = false).await;
    let bob = s.app.create_user("bob@camden.gov.uk", Some(PW)).await;

    // The sign-in page shows the button only where it applies: not to everyone, but with the
    // organisation's domain as a hint; an email in the domain is offered the IdP, and the
    // password still works.
    let browser = s.app.browser();
    let page = browser.get(s.app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Sign in with Camden") && !page.contains("/sso/start/"), "not for everyone: {page}");
    let other = browser.get(s.app.url("/login?domain_hint=kent.gov.uk")).send().await.unwrap().text().await.unwrap();
    assert!(!other.contains("Sign in with Camden"), "not for another domain: {other}");
    let page = browser.get(s.app.url("/login?domain_hint=Camden.gov.uk")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Sign in with Camden"), "{page}");
    assert!(page.contains(&format!("/sso/start/{}", conn.id)));
    let csrf = csrf_in(&page).unwrap();
    let r = browser.post(s.app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", "bob@camden.gov.uk")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Sign in with Camden") && page.contains("name=\"password\""), "{page}");
    // login_hint from a relying app feeds the same decision.
    let page = browser.get(s.app.url("/login?login_hint=bob%40camden.gov.uk")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Sign in with Camden") && page.contains("name=\"password\""));
    assert_eq!(s.app.sign_in(&s.app.browser(), "bob@camden.gov.uk", PW).await.status(), 303);

    // JIT is off, but Bob has an account with this verified address: the sign-in links to it.
    let rp = relying_app(&s).await;
    let browser = s.app.browser();
    let start = format!("/sso/start/{}?login_hint=bob%40camden.gov.uk&next=%2Faccount", conn.id);
    match follow(&browser, &s.app.url(&start), &["/account"]).await {
        End::Page { status: 303, location, .. } => assert!(location.ends_with("/account"), "{location}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store::federated::get(&s.app.state.db, &conn.id, "bob-1").await.unwrap().unwrap().user_id, bob.id);
    // Signed in by SSO, the browser goes straight through the relying app's authorization.
    let End::Callback(q) = follow(&browser, &authorize_url(&s.app, &rp.0, None), &[]).await else { panic!("no callback") };
    let claims = payload(tokens(&s.app, &rp.0, &rp.1, &param(&q, "code")).await["id_token"].as_str().unwrap());
    assert_eq!(roles(&claims), vec!["Inspectors"]);
    assert_eq!(claims["amr"], json!(["fed"]));
    drop(up);
    s.app.finish().await;
}
both!(hrd_offer_buttons_and_linking);

async fn required_domain_refuses_password_and_email(b: Backend) {
    let s = setup(b).await;
    let conn = connect(&s, "http://127.0.0.1:9", Mode::Required, |_| {}).await;
    s.app.create_user("carol@camden.gov.uk", Some(PW)).await;
    let browser = s.app.browser();
    // Typing the address goes straight to the IdP.
    let csrf = s.app.csrf(&browser, "/login").await;
    let r = browser.post(s.app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", "Carol@Camden.gov.uk")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with(&format!("/sso/start/{}?", conn.id)), "{}", location(&r));
    let r = browser.get(s.app.url("/login?login_hint=carol%40camden.gov.uk")).send().await.unwrap();
    assert!(location(&r).starts_with(&format!("/sso/start/{}?", conn.id)));
    // A password posted directly is refused, even the right one, with the way to SSO.
    let r = browser
        .post(s.app.url("/login/password"))
        .form(&[("csrf", csrf.as_str()), ("email", "carol@camden.gov.uk"), ("password", PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(page.contains("Sign in with Camden") && page.contains(&format!("/sso/start/{}", conn.id)), "{page}");
    // So are an emailed sign-in link (and signup by email) and setting a password by email.
    let r =
        browser.post(s.app.url("/login/email")).form(&[("csrf", csrf.as_str()), ("email", "carol@camden.gov.uk")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r =
        browser.post(s.app.url("/login/email")).form(&[("csrf", csrf.as_str()), ("email", "newbie@camden.gov.uk")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = browser
        .post(s.app.url("/login/password/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "carol@camden.gov.uk"),
            ("password", "a new long passphrase"),
            ("password2", "a new long passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Refused in auth/, not only on the page.
    let who = stile::auth::ClientInfo::default();
    let r = stile::auth::login::password_sign_in(&s.app.state, "carol@camden.gov.uk", &SecretString::new(PW), &who, "/", None).await;
    assert!(matches!(r, Err(stile::auth::login::LoginError::SsoRequired(_))));
    assert_eq!(store::outbox::unsent_count(&s.app.state.db).await.unwrap(), 0);
    // Other domains are untouched.
    s.app.create_user("dave@example.org", Some(PW)).await;
    assert_eq!(s.app.sign_in(&s.app.browser(), "dave@example.org", PW).await.status(), 303);
    s.app.finish().await;
}
both!(required_domain_refuses_password_and_email);

/// A required connection's domain, claimed in one spelling of an internationalised domain, holds
/// for the other: `xn--` is not a way round the council's single sign-on.
async fn required_domain_holds_in_either_spelling(b: Backend) {
    let s = setup(b).await;
    let conn = connect(&s, "http://127.0.0.1:9", Mode::Required, |c| c.domains = vec!["XN--MNCHEN-3YA.de".into()]).await;
    assert_eq!(conn.domains, ["m\u{fc}nchen.de"]);
    s.app.create_user("carol@m\u{fc}nchen.de", Some(PW)).await;
    let browser = s.app.browser();
    // The button shows for a hint in either spelling.
    for hint in ["XN--MNCHEN-3YA.de", "M%C3%9CNCHEN.de", "%40m%C3%BCnchen.de"] {
        let page = browser.get(s.app.url(&format!("/login?domain_hint={hint}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!("/sso/start/{}", conn.id)), "{hint}: {page}");
    }
    let page = browser.get(s.app.url("/login?domain_hint=munchen.de")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/sso/start/"), "another domain");
    let csrf = s.app.csrf(&browser, "/login").await;
    for typed in ["carol@xn--mnchen-3ya.de", "carol@M\u{dc}NCHEN.de"] {
        let r = browser.post(s.app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", typed)]).send().await.unwrap();
        assert!(location(&r).starts_with(&format!("/sso/start/{}?", conn.id)), "{typed}: {}", location(&r));
        let r = browser
            .post(s.app.url("/login/password"))
            .form(&[("csrf", csrf.as_str()), ("email", typed), ("password", PW)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{typed}");
    }
    for typed in ["newbie@xn--mnchen-3ya.de", "carol@XN--MNCHEN-3YA.DE"] {
        let r = browser.post(s.app.url("/login/email")).form(&[("csrf", csrf.as_str()), ("email", typed)]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{typed}");
    }
    assert_eq!(store::outbox::unsent_count(&s.app.state.db).await.unwrap(), 0);
    // An A-label that is not valid Punycode is not an address.
    let r = browser.post(s.app.url("/login/email")).form(&[("csrf", csrf.as_str()), ("email", "eve@xn--zz-.de")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    s.app.finish().await;
}
both!(required_domain_holds_in_either_spelling);

async fn upstream_mfa_trusted_or_not(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let s = setup(b).await;
    store::bodies::set_mfa_policy(&s.app.state.db, &s.body_id, "required", s.app.state.now()).await.unwrap();
    let accounts = json!({
        "mfa@camden.gov.uk": account("mfa-1", "mfa@camden.gov.uk", &[], &["pwd", "mfa"]),
        "pwd@camden.gov.uk": account("pwd-1", "pwd@camden.gov.uk", &[], &["pwd"]),
    });
    let (up, conn) = connect_upstream(&s, &accounts, Mode::Required, |c| c.trust_upstream_mfa = true).await;
    let rp = relying_app(&s).await;

    // Trusted upstream MFA: Stile does not ask again, and says so in amr/acr.
    let claims = sign_in_through(&s.app, &rp, "mfa@camden.gov.uk").await;
    assert_eq!(claims["amr"], json!(["fed", "mfa"]));
    assert_eq!(claims["acr"], "mfa");

    // No MFA upstream: Stile's own policy applies (the body requires 2FA: enrol first).
    let browser = s.app.browser();
    match follow(&browser, &authorize_url(&s.app, &rp.0, Some("pwd@camden.gov.uk")), &["/login/2fa"]).await {
        End::Page { location, .. } => assert!(location.contains("/login/2fa/enrol"), "{location}"),
        other => panic!("{other:?}"),
    }
    // Upstream MFA that the connection does not trust: asked too.
    let mut c = conn.clone();
    c.trust_upstream_mfa = false;
    admin::save(&s.app.state, &AdminActor::cli(), c).await.unwrap();
    let browser = s.app.browser();
    match follow(&browser, &authorize_url(&s.app, &rp.0, Some("mfa@camden.gov.uk")), &["/login/2fa"]).await {
        End::Page { location, .. } => assert!(location.contains("/login/2fa/enrol"), "{location}"),
        other => panic!("{other:?}"),
    }
    drop(up);
    s.app.finish().await;
}
both!(upstream_mfa_trusted_or_not);

/// A connection trusted to assert a phishing-resistant factor: an upstream sign-in with a
/// hardware key (`amr` `hwk`) meets an app that requires `phr`, and gets `acr` `phr`. Without
/// the flag (only MFA trusted), or with only `mfa` upstream, the app's requirement sends the
/// person to Stile's own passkey step instead.
async fn upstream_phr_trusted_or_not(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let s = setup(b).await;
    let accounts = json!({
        "key@camden.gov.uk": account("key-1", "key@camden.gov.uk", &[], &["pwd", "hwk"]),
        "otp@camden.gov.uk": account("otp-1", "otp@camden.gov.uk", &[], &["pwd", "otp", "mfa"]),
    });
    // Only MFA is trusted: the upstream's hardware key is MFA, not the phishing-resistant level.
    let (up, conn) = connect_upstream(&s, &accounts, Mode::Required, |c| c.trust_upstream_mfa = true).await;
    assert!(!conn.trust_upstream_phr, "off by default");
    let mut sp = spec("Needs a passkey");
    sp.body_id = Some(s.body_id.clone());
    sp.require_phr = true;
    sp.require_mfa = true;
    let (id, secret) = register(&s.app, sp).await;
    let strict = (id, secret.unwrap());
    let lax = relying_app(&s).await;
    let browser = s.app.browser();
    match follow(&browser, &authorize_url(&s.app, &strict.0, Some("key@camden.gov.uk")), &["/login/2fa"]).await {
        End::Page { location, .. } => assert!(location.contains("/login/2fa?phr=1"), "{location}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sign_in_through(&s.app, &lax, "key@camden.gov.uk").await["acr"], "mfa");

    // Trusted for it (through the admin operation, as the UI, API and CLI set it).
    let input = stile::admin::ops::connections::ConnectionInput { trust_upstream_phr: Some(true), ..Default::default() };
    let view = stile::admin::ops::connections::update(&s.app.state, &AdminActor::cli(), &conn.id, input).await.unwrap();
    assert!(view.trust_upstream_phr && view.trust_upstream_mfa);
    let claims = sign_in_through(&s.app, &strict, "key@camden.gov.uk").await;
    assert_eq!(claims["acr"], "phr");
    assert_eq!(claims["amr"], json!(["fed", "mfa"]));
    // Upstream MFA that is not phishing-resistant does not meet it, trusted or not.
    let browser = s.app.browser();
    match follow(&browser, &authorize_url(&s.app, &strict.0, Some("otp@camden.gov.uk")), &["/login/2fa"]).await {
        End::Page { location, .. } => assert!(location.contains("/login/2fa?phr=1"), "{location}"),
        other => panic!("{other:?}"),
    }
    let details = s.app.audit_actions().await;
    assert!(details.iter().any(|(a, o)| a == "signin.sso" && o == "success"));
    drop(up);
    s.app.finish().await;
}
both!(upstream_phr_trusted_or_not);

async fn no_account_and_cancelled(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let s = setup(b).await;
    let accounts = json!({
        "erin@camden.gov.uk": account("erin-1", "erin@camden.gov.uk", &["highway-inspectors"], &["pwd"]),
        "quit@camden.gov.uk": { "sub": "quit-1", "email": "quit@camden.gov.uk", "cancel": true },
        "evil@other.example": account("evil-1", "victim@example.org", &[], &["pwd"]),
    });
    let (up, conn) = connect_upstream(&s, &accounts, Mode::Offered, |c| c.jit = false).await;
    let start = |hint: &str| s.app.url(&format!("/sso/start/{}?login_hint={}&next=%2Faccount", conn.id, hint.replace('@', "%40")));

    // JIT off and no account: a clear page, and nothing made.
    match follow(&s.app.browser(), &start("erin@camden.gov.uk"), &[]).await {
        End::Page { status, body, .. } => {
            assert_eq!(status, 403);
            assert!(body.contains("You do not have an account here yet") && body.contains("Sign in another way"), "{body}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store::users::count(&s.app.state.db).await.unwrap(), 0);
    assert!(store::federated::get(&s.app.state.db, &conn.id, "erin-1").await.unwrap().is_none());

    // An IdP cannot claim an address outside the connection's domains, even one with an account.
    s.app.create_user("victim@example.org", Some(PW)).await;
    match follow(&s.app.browser(), &start("evil@other.example"), &[]).await {
        End::Page { status, .. } => assert_eq!(status, 403),
        other => panic!("{other:?}"),
    }
    assert!(store::federated::get(&s.app.state.db, &conn.id, "evil-1").await.unwrap().is_none());

    // Cancelled at the IdP: says so, offers to try again or another way; details only in the log.
    match follow(&s.app.browser(), &start("quit@camden.gov.uk"), &[]).await {
        End::Page { status, body, .. } => {
            assert_eq!(status, 400);
            assert!(body.contains("Sign-in was cancelled") && body.contains("Sign in another way") && body.contains("Try Camden again"));
            assert!(!body.contains("access_denied"));
        }
        other => panic!("{other:?}"),
    }
    let events = store::audit::recent(&s.app.state.db, Some("signin.sso"), 10).await.unwrap();
    assert!(events.iter().any(|e| e.outcome == "failure" && e.details.contains("cancelled")), "{events:?}");
    drop(up);
    s.app.finish().await;
}
both!(no_account_and_cancelled);

// ---- The hand-made IdP for responses that must be refused ----

struct FakeKey {
    kid: String,
    pair: RsaKeyPair,
}

impl FakeKey {
    fn new(kid: &str) -> Self {
        FakeKey { kid: kid.into(), pair: RsaKeyPair::generate(KeySize::Rsa2048).unwrap() }
    }
    fn jwk(&self) -> Value {
        let p = self.pair.public_key();
        json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(p.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(p.exponent().big_endian_without_leading_zero()),
        })
    }
    fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "RS256", "kid": self.kid, "typ": "JWT" });
        let mut out = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair.sign(&signature::RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), out.as_bytes(), &mut sig).unwrap();
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(sig));
        out
    }
}

#[derive(Default)]
struct FakeState {
    published: Vec<Value>,
    id_token: Option<String>,
    userinfo: Value,
    /// The bodies of the token requests it received.
    token_requests: Vec<String>,
}

struct FakeIdp {
    issuer: String,
    state: Arc<Mutex<FakeState>>,
    _server: tokio::task::JoinHandle<()>,
}

impl FakeIdp {
    async fn start() -> Self {
        Self::start_with(json!({})).await
    }

    /// With more fields in its discovery document.
    async fn start_with(extra_discovery: Value) -> Self {
        use axum::routing::{get, post};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(FakeState::default()));
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        });
        let mut discovery = discovery;
        if let (Value::Object(d), Value::Object(extra)) = (&mut discovery, extra_discovery) {
            d.extend(extra);
        }
        let (s1, s2, s3) = (state.clone(), state.clone(), state.clone());
        let app = axum::Router::new()
            .route("/.well-known/openid-configuration", get(move || async move { axum::Json(discovery) }))
            .route("/jwks", get(move || async move { axum::Json(json!({ "keys": s1.lock().unwrap().published })) }))
            .route(
                "/userinfo",
                get(move |h: axum::http::HeaderMap| async move {
                    // Only with the access token the token endpoint handed out.
                    assert_eq!(h.get("authorization").unwrap(), "Bearer at");
                    axum::Json(s3.lock().unwrap().userinfo.clone())
                }),
            )
            .route(
                "/token",
                post(move |body: String| async move {
                    let mut st = s2.lock().unwrap();
                    st.token_requests.push(body);
                    let t = st.id_token.clone();
                    axum::Json(json!({ "access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": t }))
                }),
            );
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeIdp { issuer, state, _server: server }
    }

    fn publish(&self, keys: &[&FakeKey]) {
        self.state.lock().unwrap().published = keys.iter().map(|k| k.jwk()).collect();
    }

    fn userinfo(&self, v: Value) {
        self.state.lock().unwrap().userinfo = v;
    }

    fn respond_with(&self, token: String) {
        self.state.lock().unwrap().id_token = Some(token);
    }

    fn token_requests(&self) -> Vec<String> {
        self.state.lock().unwrap().token_requests.clone()
    }
}

/// Starts a sign-in at the fake IdP; returns the state and nonce Stile sent it.
async fn begin(app: &TestApp, browser: &reqwest::Client, conn: &Connection) -> (String, String) {
    let r = browser.get(app.url(&format!("/sso/start/{}?next=%2Faccount", conn.id))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let loc = url::Url::parse(&location(&r)).unwrap();
    let q: Vec<(String, String)> = loc.query_pairs().into_owned().collect();
    assert_eq!(param(&q, "code_challenge_method"), "S256");
    assert_eq!(param(&q, "redirect_uri"), callback_uri(app, &conn.id));
    (param(&q, "state"), param(&q, "nonce"))
}

/// The IdP sends the browser back to the connection's own redirect URI.
async fn come_back(app: &TestApp, browser: &reqwest::Client, conn: &Connection, state: &str) -> reqwest::Response {
    come_back_with(app, browser, conn, &format!("code=c0de&state={state}")).await
}

async fn come_back_with(app: &TestApp, browser: &reqwest::Client, conn: &Connection, query: &str) -> reqwest::Response {
    browser.get(format!("{}?{query}", callback_uri(app, &conn.id))).send().await.unwrap()
}

fn good_claims(app: &TestApp, idp: &FakeIdp, nonce: &str) -> Value {
    let now = app.state.now();
    json!({
        "iss": idp.issuer, "aud": "stile", "sub": "frank-1", "iat": now, "exp": now + 300, "nonce": nonce,
        "email": "frank@camden.gov.uk", "email_verified": true, "name": "Frank",
    })
}

async fn refused(app: &TestApp, r: reqwest::Response, detail: &str) {
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(body.contains("Sign in another way"), "{body}");
    let events = store::audit::recent(&app.state.db, Some("signin.sso"), 1).await.unwrap();
    assert!(events[0].outcome == "failure" && events[0].details.contains(detail), "{detail}: {:?}", events[0]);
    assert_eq!(store::users::count(&app.state.db).await.unwrap(), 0, "nothing is written for a refused response");
}

async fn negative_responses(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    let idp = FakeIdp::start().await;
    let k1 = FakeKey::new("k1");
    let k2 = FakeKey::new("k2");
    let stranger = FakeKey::new("stranger");
    idp.publish(&[&k1]);
    let conn = connect(&s, &idp.issuer, Mode::Offered, |_| {}).await;

    // Bad state: unknown, from another browser, or used twice.
    let browser = app.browser();
    // The state's own nonce is never sent back: the answer names another.
    let (st, _nonce) = begin(app, &browser, &conn).await;
    refused(app, come_back(app, &browser, &conn, "not-a-state").await, "unknown state").await;
    refused(app, come_back(app, &app.browser(), &conn, &st).await, "no SSO cookie").await;
    let other = app.browser();
    let _ = begin(app, &other, &conn).await;
    refused(app, come_back(app, &other, &conn, &st).await, "another browser").await;

    // Nonce mismatch.
    let (st, _) = begin(app, &browser, &conn).await;
    idp.respond_with(k1.sign(&good_claims(app, &idp, "some-other-nonce")));
    refused(app, come_back(app, &browser, &conn, &st).await, "nonce").await;
    // Wrong issuer.
    let (st, nonce2) = begin(app, &browser, &conn).await;
    let mut c = good_claims(app, &idp, &nonce2);
    c["iss"] = json!("https://evil.example");
    idp.respond_with(k1.sign(&c));
    refused(app, come_back(app, &browser, &conn, &st).await, "issuer").await;
    // Wrong audience.
    let (st, nonce3) = begin(app, &browser, &conn).await;
    let mut c = good_claims(app, &idp, &nonce3);
    c["aud"] = json!("someone-else");
    idp.respond_with(k1.sign(&c));
    refused(app, come_back(app, &browser, &conn, &st).await, "audience").await;
    // Expired.
    let (st, nonce4) = begin(app, &browser, &conn).await;
    let mut c = good_claims(app, &idp, &nonce4);
    c["exp"] = json!(app.state.now() - 60);
    idp.respond_with(k1.sign(&c));
    refused(app, come_back(app, &browser, &conn, &st).await, "xpired").await;
    // A response naming another issuer (RFC 9207 mix-up defence).
    let (st, nonce_iss) = begin(app, &browser, &conn).await;
    idp.respond_with(k1.sign(&good_claims(app, &idp, &nonce_iss)));
    let r = come_back_with(app, &browser, &conn, &format!("code=c0de&state={st}&iss=https%3A%2F%2Fevil.example")).await;
    refused(app, r, "iss").await;
    // Unknown kid, still unknown after refreshing the keys.
    let (st, nonce5) = begin(app, &browser, &conn).await;
    idp.respond_with(stranger.sign(&good_claims(app, &idp, &nonce5)));
    refused(app, come_back(app, &browser, &conn, &st).await, "ID token").await;
    // The state is single use: the same state again is refused even with a good token.
    idp.respond_with(k1.sign(&good_claims(app, &idp, &nonce5)));
    refused(app, come_back(app, &browser, &conn, &st).await, "already used").await;

    // The IdP rotated its key after we cached the JWKS: an unknown kid triggers one refresh.
    idp.publish(&[&k1, &k2]);
    let (st, nonce6) = begin(app, &browser, &conn).await;
    idp.respond_with(k2.sign(&good_claims(app, &idp, &nonce6)));
    let r = come_back(app, &browser, &conn, &st).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert!(store::federated::get(&app.state.db, &conn.id, "frank-1").await.unwrap().is_some());
    s.app.finish().await;
}
both!(negative_responses);

/// RFC 9700 §4.4 mix-up: a sign-in started at one connection must not be finished by a response
/// arriving for another (a rogue IdP forwarding the person to an honest one, whose code would
/// then be sent to the rogue's token endpoint). Each connection has its own redirect URI, the
/// state is only good at the URI of the connection it was made for, and the old shared URI is
/// refused whatever it carries.
async fn mix_up_is_refused(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    let honest = FakeIdp::start().await;
    let rogue = FakeIdp::start().await;
    let key = FakeKey::new("k1");
    honest.publish(&[&key]);
    rogue.publish(&[&key]);
    let good = connect(&s, &honest.issuer, Mode::Offered, |_| {}).await;
    let evil = admin::create_oidc(
        &app.state,
        &AdminActor::cli(),
        NewOidc {
            name: "Rogue".into(),
            body: s.body_id.clone(),
            issuer: rogue.issuer.clone(),
            client_id: "stile".into(),
            client_secret: SecretString::new(UPSTREAM_SECRET),
            domains: vec!["rogue.example".into()],
            mode: Mode::Offered,
            show_button: true,
            trust_upstream_mfa: false,
            jit: true,
            scopes: vec![],
            use_userinfo: false,
            hosted_domain: None,
        },
    )
    .await
    .unwrap();
    assert_ne!(callback_uri(app, &good.id), callback_uri(app, &evil.id));

    // Started at the rogue connection, answered at the honest connection's redirect URI (and
    // the other way round): refused, and no code goes to either token endpoint.
    let browser = app.browser();
    let (st_evil, _) = begin(app, &browser, &evil).await;
    let (st_good, nonce) = begin(app, &browser, &good).await;
    honest.respond_with(key.sign(&good_claims(app, &honest, &nonce)));
    refused(app, come_back(app, &browser, &good, &st_evil).await, &format!("made for connection {}", evil.id)).await;
    refused(app, come_back(app, &browser, &evil, &st_good).await, &format!("made for connection {}", good.id)).await;
    // An unknown connection in the path is no better.
    let r = browser.get(format!("{}?code=c0de&state={st_good}", callback_uri(app, "no-such-connection"))).send().await.unwrap();
    refused(app, r, "made for connection").await;
    // A control character in the path is refused at the edge, before any connection is looked up.
    for junk in ["%00", "a%0Ab"] {
        let r = browser.get(format!("{}?code=c0de&state={st_good}", callback_uri(app, junk))).send().await.unwrap();
        assert_eq!(r.status(), 400, "{junk}");
        assert!(r.text().await.unwrap().contains("control character"), "{junk}");
    }
    let r = browser.get(format!("{}?code=c0de&state={st_good}", callback_uri(app, "%E2%80%8B"))).send().await.unwrap();
    refused(app, r, "no such connection").await;

    // The old shared redirect URI: refused whatever it carries, and the audit log names the
    // connection's new redirect URI for the operator.
    let r = browser.get(app.url(&format!("/sso/oidc/callback?code=c0de&state={st_good}"))).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let body = r.text().await.unwrap();
    assert!(body.contains("not set up correctly") && body.contains("Sign in another way"), "{body}");
    let events = store::audit::recent(&app.state.db, Some("signin.sso"), 1).await.unwrap();
    assert!(events[0].outcome == "failure" && events[0].details.contains(&callback_uri(app, &good.id)), "{:?}", events[0]);
    let r = browser.get(app.url("/sso/oidc/callback?code=c0de&state=not-a-state")).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(honest.token_requests().is_empty() && rogue.token_requests().is_empty(), "no code was redeemed");
    assert_eq!(store::users::count(&app.state.db).await.unwrap(), 0);

    // None of that used the honest sign-in up: at its own URI it completes, and the code is
    // redeemed with that same redirect URI.
    let r = come_back(app, &browser, &good, &st_good).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let sent = honest.token_requests();
    assert_eq!(sent.len(), 1);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(sent[0].as_bytes()).into_owned().collect();
    assert_eq!(param(&form, "redirect_uri"), callback_uri(app, &good.id));
    assert!(rogue.token_requests().is_empty());
    s.app.finish().await;
}
both!(mix_up_is_refused);

/// RFC 9207: an IdP whose discovery document says it names itself in authorization responses
/// must do so; a response without `iss` (or with another) is refused, one with its own is fine.
async fn iss_required_when_announced(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    let idp = FakeIdp::start_with(json!({ "authorization_response_iss_parameter_supported": true })).await;
    let key = FakeKey::new("k1");
    idp.publish(&[&key]);
    let conn = connect(&s, &idp.issuer, Mode::Offered, |_| {}).await;
    let browser = app.browser();
    let iss: String = url::form_urlencoded::byte_serialize(idp.issuer.as_bytes()).collect();

    let (st, nonce) = begin(app, &browser, &conn).await;
    idp.respond_with(key.sign(&good_claims(app, &idp, &nonce)));
    refused(app, come_back(app, &browser, &conn, &st).await, "has no iss").await;
    // Error responses too.
    let (st, _) = begin(app, &browser, &conn).await;
    refused(app, come_back_with(app, &browser, &conn, &format!("error=access_denied&state={st}")).await, "has no iss").await;
    let (st, _) = begin(app, &browser, &conn).await;
    refused(app, come_back_with(app, &browser, &conn, &format!("code=c0de&state={st}&iss={iss}%2F")).await, "not the connection's issuer")
        .await;
    assert!(idp.token_requests().is_empty(), "no code was redeemed");

    let (st, nonce) = begin(app, &browser, &conn).await;
    idp.respond_with(key.sign(&good_claims(app, &idp, &nonce)));
    let r = come_back_with(app, &browser, &conn, &format!("code=c0de&state={st}&iss={iss}")).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert!(store::federated::get(&app.state.db, &conn.id, "frank-1").await.unwrap().is_some());
    s.app.finish().await;
}
both!(iss_required_when_announced);

async fn idp_down(b: Backend) {
    let s = setup(b).await;
    let port = free_port();
    let conn = connect(&s, &format!("http://127.0.0.1:{port}"), Mode::Offered, |_| {}).await;
    let r = s.app.browser().get(s.app.url(&format!("/sso/start/{}?next=%2Faccount", conn.id))).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let body = r.text().await.unwrap();
    assert!(body.contains("not available") && body.contains("Sign in another way"), "{body}");
    assert!(!body.contains("127.0.0.1"), "no internal detail on the page");
    s.app.finish().await;
}
both!(idp_down);

async fn cli_connections(b: Backend) {
    use crate::cli::{Cli, fails, ok};
    let cli = Cli::new(b).await;
    ok(cli.run(&["body", "add", "Camden Council", "--kind", "council", "--domain", "camden.gov.uk"]));
    let add = [
        "connection",
        "add-oidc",
        "Camden",
        "--body",
        "Camden Council",
        "--issuer",
        "https://login.example.org/tenant/v2.0",
        "--client-id",
        "abc",
        "--domain",
        "Camden.gov.uk",
        "--mode",
        "required",
        "--button",
        "--json",
    ];
    let o = ok(cli.run_with_stdin(&add, "upstream-s3cret\n"));
    let id = serde_json::from_str::<Value>(&o).unwrap()["id"].as_str().unwrap().to_owned();
    // A second connection cannot take the same domain; a secret is required; bad input explained.
    let mut again = add.to_vec();
    again[2] = "Camden again";
    assert!(fails(cli.run_with_stdin(&again, "x\n")).contains("email domain"));
    assert!(fails(cli.run(&add)).contains("client secret"));
    let mut plain = add.to_vec();
    plain[6] = "http://login.example.org";
    assert!(fails(cli.run_with_stdin(&plain, "x\n")).contains("https"));

    ok(cli.run(&["connection", "set", &id, "--map-group", "highway-inspectors=inspectors", "--trust-mfa", "true", "--jit", "true"]));
    assert!(fails(cli.run(&["connection", "set", &id, "--map-group", "x=Nobody"])).contains("has no role \"Nobody\""));
    assert!(fails(cli.run(&["connection", "set", &id, "--mode", "sometimes"])).contains("offered or required"));
    assert!(fails(cli.run(&["connection", "set", &id, "--clear-domains"])).contains("at least one email domain"));
    let shown: Value = serde_json::from_str(&ok(cli.run(&["connection", "show", &id, "--json"]))).unwrap();
    assert_eq!(shown["domains"], json!(["camden.gov.uk"]));
    assert_eq!(shown["mode"], "required");
    assert_eq!(shown["trust_upstream_mfa"], true);
    assert_eq!(shown["group_roles"][0]["role"], "Inspectors");
    assert_eq!(shown["secret_set"], true);
    assert!(shown["redirect_uri"].as_str().unwrap().ends_with(&format!("/sso/oidc/callback/{id}")), "{shown}");
    let list = ok(cli.run(&["connection", "list", "--json"]));
    assert!(list.contains(&id) && !list.contains("upstream-s3cret"));
    assert!(!ok(cli.run(&["connection", "show", &id])).contains("upstream-s3cret"));
    ok(cli.run_with_stdin(&["connection", "set", &id, "--client-secret-stdin"], "rotated\n"));
    assert!(ok(cli.run(&["connection", "remove", &id])).contains("Removed"));
    assert!(fails(cli.run(&["connection", "show", &id])).contains("no connection"));
    cli.db.drop_db().await;
}
both!(cli_connections);

async fn userinfo_and_hosted_domain(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    let idp = FakeIdp::start().await;
    let k1 = FakeKey::new("k1");
    idp.publish(&[&k1]);
    let conn = connect(&s, &idp.issuer, Mode::Offered, |c| {
        let stile::sso::KindConfig::Oidc(o) = &mut c.config else { unreachable!() };
        o.use_userinfo = true;
        o.hosted_domain = Some("camden.gov.uk".into());
        c.mapping.claims.groups = "roles".into();
    })
    .await;
    let browser = app.browser();
    // Google-style: hd must match; the start asks for it.
    let r = browser.get(app.url(&format!("/sso/start/{}", conn.id))).send().await.unwrap();
    assert!(location(&r).contains("hd=camden.gov.uk"));
    let (st, nonce) = begin(app, &browser, &conn).await;
    let mut c = good_claims(app, &idp, &nonce);
    c["hd"] = json!("gmail.com");
    idp.respond_with(k1.sign(&c));
    refused(app, come_back(app, &browser, &conn, &st).await, "hd").await;
    // Userinfo about someone else is refused.
    let (st, nonce) = begin(app, &browser, &conn).await;
    let mut c = good_claims(app, &idp, &nonce);
    c["hd"] = json!("camden.gov.uk");
    idp.respond_with(k1.sign(&c));
    idp.userinfo(json!({ "sub": "someone-else", "roles": ["highway-inspectors"] }));
    refused(app, come_back(app, &browser, &conn, &st).await, "another subject").await;
    // Claims missing from the ID token come from userinfo (here the groups, under a mapped name).
    let (st, nonce) = begin(app, &browser, &conn).await;
    let mut c = good_claims(app, &idp, &nonce);
    c["hd"] = json!("camden.gov.uk");
    idp.respond_with(k1.sign(&c));
    idp.userinfo(json!({ "sub": "frank-1", "roles": ["highway-inspectors"] }));
    assert_eq!(come_back(app, &browser, &conn, &st).await.status(), 303);
    let user = store::users::by_email(&app.state.db, &stile::email::Email::parse("frank@camden.gov.uk").unwrap()).await.unwrap().unwrap();
    let m = store::memberships::of_user(&app.state.db, &user.id).await.unwrap().remove(0);
    let d = store::memberships::detail(&app.state.db, &m).await.unwrap();
    assert_eq!(d.roles.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(), vec!["Inspectors"]);
    // An internationalised hosted domain is asked for as A-labels and matched in either spelling.
    let mut conn = conn;
    if let stile::sso::KindConfig::Oidc(o) = &mut conn.config {
        o.hosted_domain = Some("m\u{fc}nchen.de".into());
    }
    let conn = admin::save(&app.state, &AdminActor::cli(), conn).await.unwrap();
    let r = browser.get(app.url(&format!("/sso/start/{}", conn.id))).send().await.unwrap();
    assert!(location(&r).contains("hd=xn--mnchen-3ya.de"), "{}", location(&r));
    let (st, nonce) = begin(app, &browser, &conn).await;
    let mut c = good_claims(app, &idp, &nonce);
    c["hd"] = json!("XN--MNCHEN-3YA.DE");
    idp.respond_with(k1.sign(&c));
    idp.userinfo(json!({ "sub": "frank-1", "roles": ["highway-inspectors"] }));
    assert_eq!(come_back(app, &browser, &conn, &st).await.status(), 303);
    s.app.finish().await;
}
both!(userinfo_and_hosted_domain);

async fn store_connections_and_states(b: Backend) {
    let s = setup(b).await;
    let db = &s.app.state.db;
    let now = s.app.state.now();
    let a = connect(&s, "https://a.example.org", Mode::Offered, |_| {}).await;
    // A second connection wanting a taken domain is refused and leaves nothing behind.
    let mut other = stile::sso::draft(&s.app.state, "Other", &s.body_id, a.config.clone());
    other.domains = vec!["elsewhere.example".into(), "camden.gov.uk".into()];
    assert!(matches!(
        admin::add(&s.app.state, &AdminActor::cli(), other.clone()).await,
        Err(stile::admin::AdminError::Invalid { field: "domains", .. })
    ));
    assert!(store::connections::get(db, &other.id).await.unwrap().is_none());
    assert!(store::connections::by_domain(db, "elsewhere.example").await.unwrap().is_none());
    // Updating replaces the domains; the round trip keeps every setting.
    let mut changed = a.clone();
    changed.domains = vec!["camden.org.uk".into()];
    changed.show_button = false;
    changed.allow_idp_initiated = true;
    let changed = admin::save(&s.app.state, &AdminActor::cli(), changed).await.unwrap();
    let back = store::connections::get(db, &a.id).await.unwrap().unwrap();
    assert_eq!(back, changed);
    assert!(store::connections::by_domain(db, "camden.gov.uk").await.unwrap().is_none());
    assert_eq!(store::connections::by_domain(db, "camden.org.uk").await.unwrap().unwrap().id, a.id);
    // The secret decrypts only for its own connection.
    assert_eq!(stile::sso::client_secret(&s.app.state.master_key, &back).unwrap().unwrap().expose(), UPSTREAM_SECRET);
    let mut moved = back.clone();
    moved.id = "another-id".into();
    assert!(stile::sso::client_secret(&s.app.state.master_key, &moved).is_err());

    // Login states: single use, only in the browser that started them, only for the connection
    // they were made for, not after expiry.
    let row = |h: &str, exp: i64| store::connections::LoginStateRow {
        id_hash: h.into(),
        connection_id: a.id.clone(),
        browser_hash: "browser".into(),
        next: "/account".into(),
        data: "{}".into(),
        created_at: now,
        expires_at: exp,
        used_at: None,
    };
    store::connections::insert_login_state(db, &row("h1", now + 600)).await.unwrap();
    store::connections::insert_login_state(db, &row("h2", now - 1)).await.unwrap();
    assert!(store::connections::consume_login_state(db, "h1", "other-browser", &a.id, now).await.unwrap().is_none());
    assert!(store::connections::consume_login_state(db, "h1", "browser", "another-connection", now).await.unwrap().is_none());
    assert!(store::connections::login_state(db, "h1").await.unwrap().unwrap().used_at.is_none(), "a refusal does not use it");
    assert!(store::connections::consume_login_state(db, "h1", "browser", &a.id, now).await.unwrap().is_some());
    assert!(store::connections::consume_login_state(db, "h1", "browser", &a.id, now).await.unwrap().is_none());
    assert!(store::connections::consume_login_state(db, "h2", "browser", &a.id, now).await.unwrap().is_none());
    assert_eq!(store::connections::prune_login_states(db, now).await.unwrap(), 1);

    // Role sync: add, keep unmanaged roles, remove, and say what changed.
    let user = s.app.create_user("sync@camden.gov.uk", None).await;
    let (wanted, managed) = (vec![s.inspectors.clone()], vec![s.inspectors.clone(), s.customer_services.clone()]);
    let sync = |wanted: Vec<String>| {
        let (user_id, body_id, managed) = (user.id.clone(), s.body_id.clone(), managed.clone());
        async move {
            let m = store::new_id(now, &stile::clock::OsRandom);
            store::federated::sync_membership(
                db,
                &store::federated::MembershipSync {
                    new_membership_id: &m,
                    user_id: &user_id,
                    body_id: &body_id,
                    default_role: None,
                    wanted: &wanted,
                    managed: &managed,
                },
                now,
            )
            .await
            .unwrap()
        }
    };
    let first = sync(wanted.clone()).await;
    assert!(first.joined && first.added == wanted && first.removed.is_empty());
    assert_eq!(sync(wanted.clone()).await, store::federated::RoleSync::default());
    let gone = sync(vec![]).await;
    assert_eq!(gone.removed, wanted);
    // Removing the connection removes its links but not the accounts.
    store::federated::link(db, &a.id, "sub-1", &user.id, now).await.unwrap();
    assert!(matches!(store::federated::link(db, &a.id, "sub-1", &user.id, now).await, Err(store::StoreError::Conflict(_))));
    store::connections::remove(db, &a.id).await.unwrap();
    assert!(store::federated::of_user(db, &user.id).await.unwrap().is_empty());
    assert!(store::users::by_id(db, &user.id).await.unwrap().is_some());
    s.app.finish().await;
}
both!(store_connections_and_states);

async fn starts_are_limited(b: Backend) {
    let s = setup_with(b, |s| s.throttle.sso_max_starts = 60).await;
    let idp = FakeIdp::start().await;
    idp.publish(&[&FakeKey::new("k1")]);
    let conn = connect(&s, &idp.issuer, Mode::Offered, |_| {}).await;
    let browser = s.app.browser();
    let url = s.app.url(&format!("/sso/start/{}", conn.id));
    for _ in 0..60 {
        assert_eq!(browser.get(&url).send().await.unwrap().status(), 303);
    }
    let r = browser.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "600");
    s.app.clock.advance(601);
    assert_eq!(browser.get(&url).send().await.unwrap().status(), 303);
    s.app.finish().await;
}
both!(starts_are_limited);

/// Starts at once from one address: the count is taken and read in one statement, so exactly
/// the limit gets through however they interleave (it was read, then recorded: parallel starts
/// could all see room for one more).
async fn parallel_starts_stay_within_the_limit(b: Backend) {
    let s = setup_with(b, |s| s.throttle.sso_max_starts = 60).await;
    let idp = FakeIdp::start().await;
    idp.publish(&[&FakeKey::new("k1")]);
    let conn = connect(&s, &idp.issuer, Mode::Offered, |_| {}).await;
    let url = s.app.url(&format!("/sso/start/{}", conn.id));
    let mut starts = tokio::task::JoinSet::new();
    for _ in 0..80 {
        let (browser, url) = (s.app.browser(), url.clone());
        starts.spawn(async move { browser.get(&url).send().await.unwrap().status().as_u16() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = starts.join_next().await {
        statuses.push(status.unwrap());
    }
    let count = |code: u16| statuses.iter().filter(|s| **s == code).count();
    assert_eq!((count(303), count(429)), (60, 20), "{statuses:?}");
    assert_eq!(s.app.browser().get(&url).send().await.unwrap().status(), 429);
    s.app.finish().await;
}
both!(parallel_starts_stay_within_the_limit);

/// A 502 from an upstream IdP (here its userinfo endpoint refuses the connection) is logged
/// with its whole cause chain, so the operator sees why; the log never holds the code, the
/// upstream client secret, the state or the ID token. Stile runs as its own process, as an
/// operator runs it, so its log can be read.
async fn upstream_failure_logs_its_cause(b: Backend) {
    let s = setup(b).await;
    let dead = format!("http://127.0.0.1:{}/userinfo", free_port());
    let idp = FakeIdp::start_with(json!({ "userinfo_endpoint": dead })).await;
    let k1 = FakeKey::new("k1");
    idp.publish(&[&k1]);
    let conn = connect(&s, &idp.issuer, Mode::Offered, |c| {
        let stile::sso::KindConfig::Oidc(o) = &mut c.config else { unreachable!() };
        o.use_userinfo = true;
    })
    .await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_stile"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STILE__DATA_DIR", s.app.db.dir.path())
        .env("STILE__DATABASE__URL", &s.app.db.url)
        .env("STILE__LOG__FILTER", "warn")
        .env("STILE__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("STILE__SERVER__ISSUER", &base)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..300 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let browser = s.app.browser();
    let mut answered = None;
    if up {
        let r = browser.get(format!("{base}/sso/start/{}?next=%2Faccount", conn.id)).send().await.unwrap();
        let q: Vec<(String, String)> = url::Url::parse(&location(&r)).unwrap().query_pairs().into_owned().collect();
        let (st, nonce) = (param(&q, "state"), param(&q, "nonce"));
        let id_token = k1.sign(&good_claims(&s.app, &idp, &nonce));
        idp.respond_with(id_token.clone());
        let r = browser.get(format!("{base}/sso/oidc/callback/{}?code=c0de-never-logged&state={st}", conn.id)).send().await.unwrap();
        answered = Some((r.status().as_u16(), st, id_token));
    }
    let mut child = child;
    child.kill().unwrap();
    let log = String::from_utf8_lossy(&child.wait_with_output().unwrap().stderr).into_owned();
    let (status, st, id_token) = answered.unwrap_or_else(|| panic!("the server did not start: {log}"));
    assert_eq!(status, 502, "{log}");
    assert_eq!(idp.token_requests().len(), 1, "the code was redeemed before userinfo failed");
    let line = log.lines().find(|l| l.contains("upstream sign-in failed")).unwrap_or_else(|| panic!("no warning: {log}"));
    assert!(line.contains(&conn.id) && line.contains("userinfo"), "{line}");
    // The cause, not just reqwest's top message ("error sending request for url").
    assert!(line.contains("Connection refused"), "the cause is logged: {line}");
    for secret in ["c0de-never-logged", UPSTREAM_SECRET, st.as_str(), id_token.as_str()] {
        assert!(!log.contains(secret), "{secret} is in the log: {log}");
    }
    s.app.finish().await;
}
both!(upstream_failure_logs_its_cause);

/// Single sign-ons started from one address are limited (`[throttle] sso_max_starts` in ten
/// minutes), an IPv6 client by its /64; another /64 has its own count.
async fn sso_starts_are_limited_per_address(b: Backend) {
    let s = setup_with(b, |s| {
        s.throttle.sso_max_starts = 3;
        s.server.trusted_proxy_hops = 1;
    })
    .await;
    let app = &s.app;
    let idp = FakeIdp::start().await;
    idp.publish(&[&FakeKey::new("k1")]);
    let conn = connect(&s, &idp.issuer, Mode::Offered, |_| {}).await;
    let start = |from: String| {
        let url = app.url(&format!("/sso/start/{}?next=%2Faccount", conn.id));
        async move { app.browser().get(url).header("x-forwarded-for", from).send().await.unwrap() }
    };
    for i in 1..=3 {
        assert_eq!(start(format!("2001:db8:5:5::{i}")).await.status(), 303, "start {i}");
    }
    let r = start("2001:db8:5:5:ffff::99".into()).await;
    assert_eq!(r.status(), 429, "the fourth from the same /64");
    assert_eq!(r.headers().get("retry-after").unwrap(), "600");
    assert_eq!(start("2001:db8:5:6::1".into()).await.status(), 303, "another /64");
    let limited = app.audit_actions().await.iter().filter(|(a, o)| a == "signin.sso.limited" && o == "failure").count();
    assert_eq!(limited, 1);
    app.clock.advance(601);
    assert_eq!(start("2001:db8:5:5::1".into()).await.status(), 303, "ten minutes later");
    s.app.finish().await;
}
both!(sso_starts_are_limited_per_address);
