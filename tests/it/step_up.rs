//! Step-up before dangerous admin actions (a second factor entered within `[admin]
//! step_up_secs`), the 2FA floor a body administrator cannot lower, and the audit rows of client
//! and connection changes committed with the change.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stile::admin::{AdminActor, AdminError, ops};
use stile::clients::{ClientSpec, GrantType};
use stile::clock::OsRandom;
use stile::store::{self, bodies::NewBody};

use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, location};

const PW: &str = "correct horse battery";
const CB: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP";
const WINDOW: i64 = 120;

async fn start(b: Backend) -> TestApp {
    TestApp::start_with(b, |s| s.admin.step_up_secs = WINDOW).await
}

fn totp(secret: &str) -> totp_rs::Totp {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build_noncompliant()
}

fn code(app: &TestApp, t: &totp_rs::Totp) -> String {
    t.generate(u64::try_from(app.state.now()).unwrap()).to_string()
}

/// A superuser signed in through enrolment (so with a second factor entered now): the browser
/// and their TOTP generator.
pub(crate) async fn superuser_browser(app: &TestApp, email: &str) -> (reqwest::Client, totp_rs::Totp, String) {
    let su = app.create_user(email, Some(PW)).await;
    store::users::set_superuser(&app.state.db, &su.id, true, app.state.now()).await.unwrap();
    let c = app.browser();
    let r = app.sign_in_next(&c, email, PW, "/admin").await;
    assert_eq!(location(&r), "/login/2fa/enrol");
    let page = c.get(app.url("/login/2fa/enrol")).send().await.unwrap().text().await.unwrap();
    let secret = page.split("<code class=\"secret\">").nth(1).unwrap().split("</code>").next().unwrap().replace(' ', "");
    let t = totp(&secret);
    let csrf = csrf_in(&page).unwrap();
    let r = c.post(app.url("/login/2fa/enrol")).form(&[("csrf", csrf.as_str()), ("code", code(app, &t).as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    (c, t, su.id)
}

async fn csrf_of(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    let page = c.get(app.url(path)).send().await.unwrap().text().await.unwrap();
    csrf_in(&page).unwrap_or_else(|| panic!("no form on {path}: {page}"))
}

async fn failures(app: &TestApp, action: &str) -> Vec<Value> {
    store::audit::recent(&app.state.db, Some(action), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == "failure")
        .map(|e| serde_json::from_str(&e.details).unwrap())
        .collect()
}

/// The admin UI: a fresh second factor lets a superuser act; once it is older than the window,
/// each dangerous form sends them to the code page and back to the form, with nothing changed
/// and the refusal audited; entering a code lets the same form through.
async fn ui_asks_for_a_fresh_code(b: Backend) {
    let app = start(b).await;
    let (c, t, _) = superuser_browser(&app, "root@stile.example").await;
    let other = app.create_user("pat@stile.example", Some(PW)).await;

    let csrf = csrf_of(&app, &c, "/admin/bans").await;
    let r = c.post(app.url("/admin/bans")).form(&[("csrf", csrf.as_str()), ("pattern", "spam.example")]).send().await.unwrap();
    assert_eq!(location(&r), "/admin/bans?done=banned", "fresh: done at once");

    app.clock.advance(WINDOW + 1);
    let r = c.post(app.url("/admin/bans")).form(&[("csrf", csrf.as_str()), ("pattern", "junk.example")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login/2fa?step_up=1&next=%2Fadmin%2Fbans");
    let bans: Vec<String> = store::abuse::list(&app.state.db).await.unwrap().into_iter().map(|b| b.pattern).collect();
    assert_eq!(bans, vec!["spam.example"], "nothing banned without the code");
    assert_eq!(failures(&app, "abuse.ban").await[0]["reason"], "step_up_required");

    let r = c
        .post(app.url("/admin/clients/new"))
        .form(&[("csrf", csrf.as_str()), ("name", "Sneaky"), ("redirect_uris", CB), ("token_endpoint_auth_method", "client_secret_basic")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/login/2fa?step_up=1&next=%2Fadmin%2Fclients%2Fnew");
    assert!(stile::clients::list(&app.state.db).await.unwrap().iter().all(|c| c.name != "Sneaky"));

    let action = format!("/admin/users/{}/action", other.id);
    let r = c
        .post(app.url(&action))
        .form(&[("csrf", csrf.as_str()), ("do", "superuser-on"), ("confirm_superuser", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/login/2fa?step_up=1&next=%2Fadmin%2Fusers%2F{}", other.id));
    assert!(!store::users::by_id(&app.state.db, &other.id).await.unwrap().unwrap().is_superuser());

    // The code page, then back to the form; the same POST now goes through.
    let page = c.get(app.url("/login/2fa?step_up=1&next=%2Fadmin%2Fbans")).send().await.unwrap().text().await.unwrap();
    let csrf2 = csrf_in(&page).unwrap();
    let r =
        c.post(app.url("/login/2fa")).form(&[("csrf", csrf2.as_str()), ("code", "000000"), ("next", "/admin/bans")]).send().await.unwrap();
    assert_eq!(r.status(), 401, "a wrong code is no step-up");
    let r = c.post(app.url("/admin/bans")).form(&[("csrf", csrf.as_str()), ("pattern", "junk.example")]).send().await.unwrap();
    assert!(location(&r).starts_with("/login/2fa?"), "still stale after a wrong code");
    let r = c
        .post(app.url("/login/2fa"))
        .form(&[("csrf", csrf2.as_str()), ("code", code(&app, &t).as_str()), ("next", "/admin/bans")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/bans");
    let r = c.post(app.url("/admin/bans")).form(&[("csrf", csrf.as_str()), ("pattern", "junk.example")]).send().await.unwrap();
    assert_eq!(location(&r), "/admin/bans?done=banned");
    // "Make superuser" without ticking the confirmation is refused on the page, nothing changed.
    let r = c.post(app.url(&action)).form(&[("csrf", csrf.as_str()), ("do", "superuser-on")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("href=\"#confirm_superuser\"") && page.contains("id=\"confirm_superuser-error\""), "{page}");
    assert!(!store::users::by_id(&app.state.db, &other.id).await.unwrap().unwrap().is_superuser());
    let r = c
        .post(app.url(&action))
        .form(&[("csrf", csrf.as_str()), ("do", "superuser-on"), ("confirm_superuser", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/admin/users/{}?done=superuser-on", other.id));
    assert!(store::users::by_id(&app.state.db, &other.id).await.unwrap().unwrap().is_superuser());
    app.finish().await;
}
both!(ui_asks_for_a_fresh_code);

async fn token(app: &TestApp, browser: &reqwest::Client, client_id: &str, secret: &str, scope: &str) -> String {
    let ch = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let scope_q = url::form_urlencoded::byte_serialize(scope.as_bytes()).collect::<String>();
    let cb = url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>();
    let url = format!(
        "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={cb}&scope={scope_q}&nonce=n&code_challenge={ch}&code_challenge_method=S256",
        app.base
    );
    let loc = location(&browser.get(url).send().await.unwrap());
    let code = url::Url::parse(&loc).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap_or_else(|| panic!("{loc}")).1.into_owned();
    let t: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    t["access_token"].as_str().unwrap().to_owned()
}

async fn api(app: &TestApp, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, app.url(&format!("/api/v1{path}"))).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The API with a user's token: the token's session must have had a second factor within the
/// window (403 step_up_required otherwise); entering a code in that session lifts it. A token
/// from an offline grant names no session and is always refused these actions.
async fn api_user_token_needs_recent_second_factor(b: Backend) {
    use reqwest::Method;
    let app = start(b).await;
    let (browser, t, su_id) = superuser_browser(&app, "root@stile.example").await;
    let spec = ClientSpec {
        name: "Admin console".into(),
        redirect_uris: vec![CB.into()],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "offline_access".into(), "stile:admin".into()],
        first_party: true,
        ..ClientSpec::default()
    };
    let (cl, secret) = stile::clients::register(&app.state.db, spec, &OsRandom, app.state.now()).await.unwrap();
    let secret = secret.unwrap().expose().to_owned();
    let at = token(&app, &browser, &cl.id, &secret, "openid stile:admin").await;
    let offline = token(&app, &browser, &cl.id, &secret, "openid offline_access stile:admin").await;

    let (s, v) = api(&app, &at, Method::POST, "/bans", Some(json!({ "pattern": "spam.example" }))).await;
    assert_eq!(s, 201, "fresh: {v}");
    let (s, v) = api(&app, &offline, Method::POST, "/bans", Some(json!({ "pattern": "junk.example" }))).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::FORBIDDEN, Some("step_up_required")), "offline token: {v}");

    app.clock.advance(WINDOW + 1);
    let other = app.create_user("pat@stile.example", Some(PW)).await;
    let cases = [
        (Method::POST, "/bans".to_owned(), json!({ "pattern": "junk.example" })),
        (Method::POST, "/clients".to_owned(), json!({ "name": "Sneaky", "redirect_uris": [CB] })),
        (Method::POST, format!("/clients/{}/secret", cl.id), Value::Null),
        (Method::PUT, format!("/users/{}/superuser", other.id), Value::Null),
        (Method::PUT, format!("/clients/{}/admin-access", cl.id), json!({ "level": "superuser" })),
    ];
    for (m, path, body) in &cases {
        let body = if body.is_null() { None } else { Some(body.clone()) };
        let (s, v) = api(&app, &at, m.clone(), path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{m} {path}: {v}");
        assert_eq!(v["error"], "step_up_required", "{m} {path}: {v}");
        assert!(v["message"].as_str().unwrap().contains("two-factor code"), "{v}");
    }
    // Nothing changed; reading needs no step-up.
    let (s, v) = api(&app, &at, Method::GET, "/bans", None).await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert!(!store::users::by_id(&app.state.db, &other.id).await.unwrap().unwrap().is_superuser());
    let (s, _) = api(&app, &at, Method::GET, &format!("/clients/{}", cl.id), None).await;
    assert_eq!(s, 200);
    let stored = stile::clients::get(&app.state.db, &cl.id).await.unwrap().unwrap();
    assert!(stored.verify_secret(&secret), "the secret was not rotated");
    let access = store::clients::client_admin_access(&app.state.db, &cl.id).await.unwrap();
    assert!(access.is_none_or(|a| a.admin_access.is_none()), "no rights granted");
    let e = &store::audit::recent(&app.state.db, Some("user.superuser.grant"), 1).await.unwrap()[0];
    assert_eq!((e.outcome.as_str(), e.actor_user_id.as_deref()), ("failure", Some(su_id.as_str())));

    // A code entered in the token's session (in the browser) counts for the token.
    let page = browser.get(app.url("/login/2fa")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    let r = browser.post(app.url("/login/2fa")).form(&[("csrf", csrf.as_str()), ("code", code(&app, &t).as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (s, v) = api(&app, &at, Method::POST, "/bans", Some(json!({ "pattern": "junk.example" }))).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = api(&app, &at, Method::PUT, &format!("/users/{}/superuser", other.id), None).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = api(&app, &offline, Method::POST, "/bans", Some(json!({ "pattern": "more.example" }))).await;
    assert_eq!(v["error"], "step_up_required", "still no session behind an offline token: {s} {v}");
    app.finish().await;
}
both!(api_user_token_needs_recent_second_factor);

async fn promoter(app: &TestApp, mfa_policy: &str) -> (String, store::users::UserRow) {
    let now = app.state.now();
    store::bodies::insert(
        &app.state.db,
        &NewBody {
            id: "acme",
            name: "Acme Utilities",
            kind: "promoter",
            fms_body_id: None,
            swa_code: None,
            mfa_policy,
            password_min_length: None,
            domains: &[],
        },
        now,
    )
    .await
    .unwrap();
    let admin = app.create_user("admin@acme.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-acme-admin", &admin.id, "acme", now).await.unwrap();
    store::memberships::add_permission(&app.state.db, "m-acme-admin", "sm:admin_organisation_details").await.unwrap();
    ("acme".into(), admin)
}

/// A session row with a second factor entered at `at` (None: never).
fn session(user_id: &str, at: Option<i64>, now: i64) -> store::sessions::SessionRow {
    store::sessions::SessionRow {
        id_hash: "h".into(),
        sid: "s".into(),
        user_id: user_id.into(),
        created_at: now,
        last_seen_at: now,
        idle_expires_at: now + 100,
        absolute_expires_at: now + 1000,
        auth_time: now,
        amr: "[\"pwd\"]".into(),
        acr: String::new(),
        ip: String::new(),
        user_agent: String::new(),
        second_factor_at: at,
    }
}

async fn actor(app: &TestApp, u: &store::users::UserRow, second_factor_at: Option<i64>) -> AdminActor {
    let u = store::users::by_id(&app.state.db, &u.id).await.unwrap().unwrap();
    let s = session(&u.id, second_factor_at, app.state.now());
    AdminActor::for_session(&app.state, u, &s, stile::auth::ClientInfo::default()).await.unwrap()
}

fn policy(mfa: &str) -> ops::bodies::BodyInput {
    ops::bodies::BodyInput { mfa_policy: Some(mfa.parse()), ..Default::default() }
}

/// Item 10: a promoter's administrator may raise its 2FA policy and lower it back, but not below
/// what a superuser (or the command line) set; a superuser's change moves the floor. Changing
/// the policy needs step-up, and someone with no second factor is told to set one up.
async fn body_admin_cannot_lower_the_floor(b: Backend) {
    let app = start(b).await;
    let (acme, admin) = promoter(&app, "required").await;
    let now = app.state.now();
    let fresh = actor(&app, &admin, Some(now)).await;

    let r = ops::bodies::update(&app.state, &fresh, &acme, policy("optional")).await;
    match r {
        Err(AdminError::Forbidden(reason)) => assert!(reason.contains("only a superuser can make it optional"), "{reason}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(store::bodies::by_id(&app.state.db, &acme).await.unwrap().unwrap().mfa_policy.as_str(), "required");
    assert_eq!(failures(&app, "body.update").await.len(), 1, "the refusal is audited");
    // Other details stay theirs to change, and "required" again is no lowering.
    let v = ops::bodies::update(
        &app.state,
        &fresh,
        &acme,
        ops::bodies::BodyInput { name: Some("Acme Utilities plc".into()), mfa_policy: Some("required".parse()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!((v.name.as_str(), v.mfa_policy.as_str(), v.mfa_floor.as_str()), ("Acme Utilities plc", "required", "required"));

    // A superuser lowers it (with step-up): the floor goes with it.
    let su = app.create_user("root@stile.example", Some(PW)).await;
    store::users::set_superuser(&app.state.db, &su.id, true, now).await.unwrap();
    let su_stale = actor(&app, &su, None).await;
    let r = ops::bodies::update(&app.state, &su_stale, &acme, policy("optional")).await;
    assert!(matches!(r, Err(AdminError::StepUpRequired { enrolled: false, .. })), "{r:?}");
    let su_fresh = actor(&app, &su, Some(now)).await;
    let v = ops::bodies::update(&app.state, &su_fresh, &acme, policy("optional")).await.unwrap();
    assert_eq!((v.mfa_policy.as_str(), v.mfa_floor.as_str()), ("optional", "optional"));

    // Now the body admin may raise it and lower it back: they set it, not a superuser.
    let v = ops::bodies::update(&app.state, &fresh, &acme, policy("required")).await.unwrap();
    assert_eq!((v.mfa_policy.as_str(), v.mfa_floor.as_str()), ("required", "optional"));
    let v = ops::bodies::update(&app.state, &fresh, &acme, policy("optional")).await.unwrap();
    assert_eq!(v.mfa_policy.as_str(), "optional");

    // Without a recent second factor, no policy change; a stale one is as good as none.
    let stale = actor(&app, &admin, Some(now - WINDOW)).await;
    let r = ops::bodies::update(&app.state, &stale, &acme, policy("required")).await;
    match r {
        Err(e @ AdminError::StepUpRequired { enrolled: false, .. }) => {
            assert!(e.to_string().contains("your account has none"), "{e}");
            assert_eq!(e.code(), "step_up_required");
        }
        other => panic!("expected step-up, got {other:?}"),
    }
    assert_eq!(store::bodies::by_id(&app.state.db, &acme).await.unwrap().unwrap().mfa_policy.as_str(), "optional");
    // A change that leaves the policy alone needs none.
    ops::bodies::update(
        &app.state,
        &stale,
        &acme,
        ops::bodies::BodyInput { password_min_length: Some(12), mfa_policy: Some("optional".parse()), ..Default::default() },
    )
    .await
    .unwrap();

    // The command line's policy is a floor too.
    store::bodies::set_mfa_policy(&app.state.db, &acme, "required", app.state.now()).await.unwrap();
    let r = ops::bodies::update(&app.state, &fresh, &acme, policy("optional")).await;
    assert!(matches!(r, Err(AdminError::Forbidden(_))), "{r:?}");
    app.finish().await;
}
both!(body_admin_cannot_lower_the_floor);

/// Item 11's audit half: a client's and a connection's audit row is written in the change's
/// transaction, so when the audit row cannot be written the change is not made either.
async fn audit_row_commits_with_the_change(b: Backend) {
    let app = start(b).await;
    let su = app.create_user("root@stile.example", Some(PW)).await;
    store::users::set_superuser(&app.state.db, &su.id, true, app.state.now()).await.unwrap();
    let a = actor(&app, &su, Some(app.state.now())).await;
    let made = ops::clients::create(
        &app.state,
        &a,
        ops::clients::ClientInput { name: Some("Kept".into()), redirect_uris: Some(vec![CB.into()]), ..Default::default() },
    )
    .await
    .unwrap();
    let old_secret = made.client_secret.as_ref().unwrap().expose().to_owned();
    let e = &store::audit::recent(&app.state.db, Some("client.create"), 1).await.unwrap()[0];
    assert_eq!((e.outcome.as_str(), e.target_id.as_str()), ("success", made.client.client_id.as_str()));
    let now = app.state.now();
    store::bodies::insert(
        &app.state.db,
        &NewBody {
            id: "camden",
            name: "Camden",
            kind: "council",
            fms_body_id: None,
            swa_code: None,
            mfa_policy: "optional",
            password_min_length: None,
            domains: &[],
        },
        now,
    )
    .await
    .unwrap();

    // The audit log cannot be written to.
    sqlx::query("alter table audit_events rename to audit_events_away").execute(app.state.db.pool()).await.unwrap();
    let r = ops::clients::create(
        &app.state,
        &a,
        ops::clients::ClientInput { name: Some("Unaudited".into()), redirect_uris: Some(vec![CB.into()]), ..Default::default() },
    )
    .await;
    assert!(r.is_err(), "{r:?}");
    let r = ops::clients::rotate_secret(&app.state, &a, &made.client.client_id).await;
    assert!(r.is_err());
    let r = ops::clients::update(
        &app.state,
        &a,
        &made.client.client_id,
        ops::clients::ClientInput { redirect_uris: Some(vec!["https://evil.example/cb".into()]), ..Default::default() },
    )
    .await;
    assert!(r.is_err());
    let r = ops::connections::create(
        &app.state,
        &a,
        serde_json::from_value(json!({
            "kind": "oidc", "name": "Camden Entra", "body_id": "camden", "issuer": "https://login.example/tenant/v2.0",
            "client_id": "stile", "client_secret": "s3cret", "domains": ["camden.example"]
        }))
        .unwrap(),
    )
    .await;
    assert!(r.is_err(), "{r:?}");
    sqlx::query("alter table audit_events_away rename to audit_events").execute(app.state.db.pool()).await.unwrap();

    let clients = stile::clients::list(&app.state.db).await.unwrap();
    assert!(clients.iter().all(|c| c.name != "Unaudited"), "no client without its audit row");
    let kept = clients.iter().find(|c| c.id == made.client.client_id).unwrap();
    assert_eq!(kept.redirect_uris, vec![CB.to_owned()], "no update without its audit row");
    assert!(kept.verify_secret(&old_secret), "no new secret without its audit row");
    assert!(store::connections::list(&app.state.db).await.unwrap().is_empty(), "no connection without its audit row");
    app.finish().await;
}
both!(audit_row_commits_with_the_change);
