//! The phishing-resistant level (`acr_values=phr`, a body's `phishing_resistant` policy), and
//! the administrators' view and removal of a user's passkeys.

use serde_json::{Value, json};

use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, location};
use crate::oidc::{CB, PW, payload, register as register_client, spec};
use crate::passkeys::{challenge_in, key, origin, register, start};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn authorize(app: &TestApp, client: &str, extra: &str) -> String {
    let cb = url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>();
    format!(
        "{}/authorize?response_type=code&client_id={client}&redirect_uri={cb}&scope=openid&nonce=nn&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
        app.base
    )
}

async fn id_token(app: &TestApp, client: &str, secret: &str, loc: &str) -> Value {
    let code = url::Url::parse(loc).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let t: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(client, Some(secret))
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    payload(t["id_token"].as_str().unwrap())
}

/// A relying app asking `acr_values=phr` gets `acr: "phr"` only after a passkey.
async fn acr_values_phr(b: Backend) {
    let app = start(b).await;
    app.create_user("phr@example.org", Some(PW)).await;
    let (client, secret) = register_client(&app, spec("Wants phr")).await;
    let secret = secret.unwrap();
    // Discovery says which levels exist.
    let meta: Value = reqwest::get(app.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(meta["acr_values_supported"], json!(["1fa", "mfa", "phr"]));

    let c = app.browser();
    app.sign_in(&c, "phr@example.org", PW).await;
    // No passkey yet: prompt=none cannot help, and the person is sent to add one.
    let r = c.get(authorize(&app, &client, "&acr_values=phr&prompt=none")).send().await.unwrap();
    assert!(location(&r).contains("error=interaction_required"), "{}", location(&r));
    let r = c.get(authorize(&app, &client, "&acr_values=phr")).send().await.unwrap();
    let loc = location(&r);
    assert!(loc.starts_with("/login/2fa?phr=1&next="), "{loc}");
    let r = c.get(app.url(&loc)).send().await.unwrap();
    assert!(location(&r).starts_with("/account/security/passkeys/new?next="), "{}", location(&r));
    let mut k = key(&app);
    assert_eq!(register(&app, &c, &mut k, "Key").await.status(), 303);
    // Adding a passkey is not using it: the session is still one factor, so the app still waits.
    let r = c.get(authorize(&app, &client, "&acr_values=phr")).send().await.unwrap();
    let loc = location(&r);
    assert!(loc.starts_with("/login/2fa?phr=1&next="), "{loc}");
    let html = c.get(app.url(&loc)).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("name=\"code\""), "no code form where only a passkey will do");
    let ch = challenge_in(&html);
    let next = crate::harness::field_in(&html, "next").unwrap();
    let answer = k.assert(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("next", next.as_str())];
    let r = c.post(app.url("/login/2fa/passkey")).form(&form).send().await.unwrap();
    assert!(location(&r).starts_with("/authorize?"), "{}", location(&r));
    let r = c.get(app.url(&location(&r))).send().await.unwrap();
    let loc = location(&r);
    assert!(loc.starts_with(CB), "{loc}");
    let claims = id_token(&app, &client, &secret, &loc).await;
    assert_eq!(claims["acr"], "phr");
    let amr: Vec<String> = serde_json::from_value(claims["amr"].clone()).unwrap();
    assert!(amr.contains(&"hwk".to_owned()) && amr.contains(&"mfa".to_owned()), "{amr:?}");
    // An app that did not ask for phr gets the level it knows from the same session.
    let r = c.get(authorize(&app, &client, "&acr_values=mfa")).send().await.unwrap();
    assert_eq!(id_token(&app, &client, &secret, &location(&r)).await["acr"], "mfa");

    // A TOTP-only session never reaches phr.
    let t = app.browser();
    app.create_user("totp-only@example.org", Some(PW)).await;
    app.sign_in(&t, "totp-only@example.org", PW).await;
    crate::mfa::enrol(&app, &t).await;
    let r = t.get(authorize(&app, &client, "&acr_values=phr")).send().await.unwrap();
    assert!(location(&r).starts_with("/login/2fa?phr=1"), "{}", location(&r));
    app.finish().await;
}
both!(acr_values_phr);

/// A member of a phishing-resistant body must add a passkey before a password sign-in finishes,
/// and cannot finish it with a code.
async fn phishing_resistant_body(b: Backend) {
    let app = start(b).await;
    crate::harness::insert_council(&app, "camden", "Camden", Some("camden.example")).await;
    stile::store::bodies::set_mfa_policy(&app.state.db, "camden", "phishing_resistant", app.state.now()).await.unwrap();
    let body = stile::store::bodies::by_id(&app.state.db, "camden").await.unwrap().unwrap();
    assert_eq!(body.mfa_policy.as_str(), "phishing_resistant");
    assert_eq!(body.mfa_floor.as_str(), "phishing_resistant");
    let user = app.create_user("staff@camden.example", Some(PW)).await;
    stile::store::memberships::add(&app.state.db, "m-staff", &user.id, "camden", app.state.now()).await.unwrap();

    let c = app.browser();
    let r = app.sign_in(&c, "staff@camden.example", PW).await;
    assert_eq!(location(&r), "/login/2fa/enrol");
    let r = c.get(app.url("/login/2fa/enrol")).send().await.unwrap();
    assert!(location(&r).starts_with("/account/security/passkeys/new"), "{}", location(&r));
    // Nor is an app's key started by posting to the enrolment form directly.
    let csrf = app.csrf(&c, "/login").await;
    let posted = c.post(app.url("/login/2fa/enrol")).form(&[("csrf", csrf.as_str()), ("code", "123456")]).send().await.unwrap();
    assert!(location(&posted).starts_with("/account/security/passkeys/new"), "{}", location(&posted));
    assert!(stile::store::totp::get(&app.state.db, &user.id).await.unwrap().is_none(), "no key was started");
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 303, "not signed in yet");
    let html = c.get(app.url(&location(&r))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("requires you to sign in with a passkey"), "the reason is given");
    assert!(!html.contains("authenticator app instead"), "no other way is offered");
    let ch = challenge_in(&html);
    let mut k = key(&app);
    let answer = k.register(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("name", "Phone")];
    let r = c.post(app.url("/account/security/passkeys/new")).form(&form).send().await.unwrap();
    assert_eq!(location(&r), "/account");
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 200);
    let sessions = stile::store::sessions::live_of_user(&app.state.db, &user.id, app.state.now()).await.unwrap();
    assert_eq!(sessions[0].acr, "phr");

    // A TOTP code does not finish a sign-in for this body, even if the person has TOTP.
    let secret = stile::store::totp::begin(&app.state.db, &user.id, "x", app.state.now()).await;
    assert!(secret.is_ok());
    let c2 = app.browser();
    let r = app.sign_in(&c2, "staff@camden.example", PW).await;
    assert_eq!(location(&r), "/login/2fa");
    let html = c2.get(app.url("/login/2fa")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&html).unwrap();
    let r = c2.post(app.url("/login/2fa")).form(&[("csrf", csrf.as_str()), ("code", "123456")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(c2.get(app.url("/account")).send().await.unwrap().status(), 303);
    // The last passkey cannot be removed while the policy needs one.
    app.clock.advance(1);
    let csrf = csrf_in(&c.get(app.url("/account/security")).send().await.unwrap().text().await.unwrap()).unwrap();
    let id = stile::store::passkeys::of_user(&app.state.db, &user.id).await.unwrap()[0].id.clone();
    let r = c.post(app.url(&format!("/account/security/passkeys/{id}/remove"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 1);
    let _ = origin(&app);
    app.finish().await;
}
both!(phishing_resistant_body);

/// Runs the `stile` command line on the test's database, as an operator would; its stdout.
fn cli(app: &TestApp, args: &[&str]) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_stile"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STILE__DATA_DIR", app.db.dir.path())
        .env("STILE__DATABASE__URL", &app.db.url)
        .env("STILE__LOG__FILTER", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(o.status.success(), "stile {args:?}: {out} {err}");
    out
}

/// Signs `email` in with the password in a fresh browser, registering a passkey where the
/// sign-in is made to; returns the browser, signed in, and the key.
async fn sign_in_enrolling(app: &TestApp, email: &str) -> (reqwest::Client, crate::soft_passkey::SoftPasskey) {
    let c = app.browser();
    let r = app.sign_in(&c, email, PW).await;
    assert_eq!(location(&r), "/login/2fa/enrol", "{email}: a second factor is required");
    let r = c.get(app.url("/login/2fa/enrol")).send().await.unwrap();
    assert!(location(&r).starts_with("/account/security/passkeys/new"), "{email}: only a passkey will do: {}", location(&r));
    let html = c.get(app.url(&location(&r))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("One of your roles requires you to sign in with a passkey"), "the reason is given");
    let ch = challenge_in(&html);
    let mut k = key(app);
    let answer = k.register(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("name", "Key")];
    let r = c.post(app.url("/account/security/passkeys/new")).form(&form).send().await.unwrap();
    assert_eq!(location(&r), "/account");
    (c, k)
}

/// The phishing-resistant level for a role (its holders must use a passkey) and for a relying
/// app (every sign-in to it must), set through the API, the admin UI's operation and the
/// command line alike; `acr` `phr` is issued only once a passkey was used.
async fn phishing_resistant_role_and_client(b: Backend) {
    // The command line writes from another process: no cached client may outlive its write.
    let app = TestApp::start_with(b, |s| {
        s.passkeys.rp_id = "localhost".into();
        s.passkeys.origin = "http://localhost".into();
        s.passkeys.any_port = true;
        s.database.security_cache_ttl_ms = 0;
    })
    .await;
    crate::harness::insert_council(&app, "camden", "Camden", Some("camden.example")).await;
    let su = crate::admin_api::superuser_api(&app).await;

    // A role through the API: `phishing_resistant` implies `mfa_required`.
    let (s, role) = su.post("/bodies/camden/roles", json!({ "name": "Key holders", "phishing_resistant": true })).await;
    assert_eq!(s, 201, "{role}");
    assert_eq!((role["mfa_required"].clone(), role["phishing_resistant"].clone()), (json!(true), json!(true)));
    let role_id = role["id"].as_str().unwrap().to_owned();
    // Turning 2FA off turns the passkey requirement off with it; the command line sets it back.
    let (_, r) = su.patch(&format!("/roles/{role_id}"), json!({ "mfa_required": false })).await;
    assert_eq!((r["mfa_required"].clone(), r["phishing_resistant"].clone()), (json!(false), json!(false)));
    cli(&app, &["body", "set-role-mfa", "Camden", "key HOLDERS", "phishing_resistant"]);
    let (_, r) = su.get(&format!("/roles/{role_id}")).await;
    assert_eq!(r["phishing_resistant"], true);
    assert!(app.audit_actions().await.iter().filter(|(a, _)| a == "role.update").count() >= 2);

    // A holder of that role is made to add a passkey before a password sign-in finishes.
    let holder = app.create_user("holder@camden.example", Some(PW)).await;
    stile::store::memberships::add(&app.state.db, "m-holder", &holder.id, "camden", app.state.now()).await.unwrap();
    stile::store::memberships::add_role(&app.state.db, "m-holder", &role_id).await.unwrap();
    let (_c, _k) = sign_in_enrolling(&app, "holder@camden.example").await;
    let sessions = stile::store::sessions::live_of_user(&app.state.db, &holder.id, app.state.now()).await.unwrap();
    assert_eq!(sessions[0].acr, "phr");
    // A member without the role signs in with the password alone.
    let plain = app.create_user("plain@camden.example", Some(PW)).await;
    stile::store::memberships::add(&app.state.db, "m-plain", &plain.id, "camden", app.state.now()).await.unwrap();
    assert_eq!(location(&app.sign_in(&app.browser(), "plain@camden.example", PW).await), "/account");

    // A client through the API that requires phr: every sign-in to it needs a passkey.
    let (s, client) =
        su.post("/clients", json!({ "name": "Strict app", "redirect_uris": [CB], "require_phr": true, "first_party": true })).await;
    assert_eq!(s, 201, "{client}");
    assert_eq!((client["require_mfa"].clone(), client["require_phr"].clone()), (json!(true), json!(true)));
    let (strict, secret) = (client["client_id"].as_str().unwrap().to_owned(), client["client_secret"].as_str().unwrap().to_owned());
    let (lax, lax_secret) = register_client(&app, spec("Lax app")).await;
    let lax_secret = lax_secret.unwrap();
    app.create_user("anyone@example.org", Some(PW)).await;
    let c = app.browser();
    app.sign_in(&c, "anyone@example.org", PW).await;
    // The lax app takes the password session as it is, at `1fa`.
    let r = c.get(authorize(&app, &lax, "")).send().await.unwrap();
    assert_eq!(id_token(&app, &lax, &lax_secret, &location(&r)).await["acr"], "1fa");
    // The strict one: not with prompt=none, and otherwise only after adding and using a passkey.
    let r = c.get(authorize(&app, &strict, "&prompt=none")).send().await.unwrap();
    assert!(location(&r).contains("error=interaction_required"), "{}", location(&r));
    let r = c.get(authorize(&app, &strict, "")).send().await.unwrap();
    let loc = location(&r);
    assert!(loc.starts_with("/login/2fa?phr=1&next="), "{loc}");
    let r = c.get(app.url(&loc)).send().await.unwrap();
    assert!(location(&r).starts_with("/account/security/passkeys/new?next="), "{}", location(&r));
    let mut k = key(&app);
    assert_eq!(register(&app, &c, &mut k, "Key").await.status(), 303);
    let r = c.get(authorize(&app, &strict, "")).send().await.unwrap();
    let loc = location(&r);
    assert!(loc.starts_with("/login/2fa?phr=1&next="), "adding a passkey is not using it: {loc}");
    let html = c.get(app.url(&loc)).send().await.unwrap().text().await.unwrap();
    let ch = challenge_in(&html);
    let next = crate::harness::field_in(&html, "next").unwrap();
    let answer = k.assert(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("next", next.as_str())];
    let r = c.post(app.url("/login/2fa/passkey")).form(&form).send().await.unwrap();
    let r = c.get(app.url(&location(&r))).send().await.unwrap();
    let claims = id_token(&app, &strict, &secret, &location(&r)).await;
    assert_eq!(claims["acr"], "phr");

    // A TOTP-only session never satisfies it.
    let t = app.browser();
    app.create_user("totp@example.org", Some(PW)).await;
    app.sign_in(&t, "totp@example.org", PW).await;
    crate::mfa::enrol(&app, &t).await;
    let r = t.get(authorize(&app, &strict, "")).send().await.unwrap();
    assert!(location(&r).starts_with("/login/2fa?phr=1"), "{}", location(&r));

    // The command line turns it down to plain 2FA: the TOTP session is enough then, at `mfa`.
    let out = cli(&app, &["client", "set-mfa", &strict, "required"]);
    assert!(out.contains("required"), "{out}");
    let (_, v) = su.get(&format!("/clients/{strict}")).await;
    assert_eq!((v["require_mfa"].clone(), v["require_phr"].clone()), (json!(true), json!(false)));
    let r = t.get(authorize(&app, &strict, "")).send().await.unwrap();
    assert!(location(&r).starts_with(CB), "{}", location(&r));
    assert_eq!(id_token(&app, &strict, &secret, &location(&r)).await["acr"], "mfa");
    app.finish().await;
}
both!(phishing_resistant_role_and_client);
