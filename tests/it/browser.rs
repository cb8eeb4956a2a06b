//! Real-browser tests: headless Debian Chromium driven by `playwright-core` (tests/browser/),
//! pages checked with axe-core. Each test prepares data here, runs one Node script against a
//! running Stile and asserts on its exit status and its JSON report. SQLite only: these are about
//! pages, not storage. Needs `/usr/bin/chromium` and `npm ci --prefix tests/browser` (.ci/run).

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::harness::{Backend, TestApp};

pub const PW: &str = "correct horse battery";

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Runs `tests/browser/<script>` with `input` as JSON; returns its report once it has passed.
pub async fn run_script(script: &str, input: &Value) -> Value {
    crate::harness::outside_peer("Node");
    let dir = browser_dir();
    assert!(dir.join("node_modules/playwright-core").is_dir(), "the browser tests need their Node packages: npm ci --prefix tests/browser");
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "the browser tests need Debian's Chromium: apt-get install chromium chromium-driver"
    );
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(180),
        tokio::process::Command::new("node")
            .arg(dir.join(script))
            .current_dir(&dir)
            .env("STILE_BROWSER_INPUT", input.to_string())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{script} took more than 180 s"))
    .expect("node must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last =
        stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("{script} printed no report\n{stdout}\n{stderr}"));
    let report: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{script}: bad report ({e}): {last}"));
    let failures = serde_json::to_string_pretty(&report["failures"]).unwrap();
    assert!(out.status.success() && report["ok"] == true, "{script} failed:\n{failures}\nstderr:\n{stderr}");
    report
}

/// The names of the pages the report checked with axe.
pub fn pages_checked(report: &Value) -> Vec<String> {
    report["pages"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

/// Every sign-in and account page, in its normal and its error state, has no serious or
/// critical accessibility violation, and the journey through them works in a real browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signin_and_account_pages_are_accessible() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    let user = app.create_user("ada@camden.example", Some(PW)).await;
    // A superuser must enrol in 2FA, so the journey meets every 2FA page.
    stile::store::users::set_superuser(&app.state.db, &user.id, true, app.state.now()).await.unwrap();
    let report = run_script(
        "signin_a11y.mjs",
        &json!({
            "base": app.base,
            "email": "ada@camden.example",
            "password": PW,
            "now": app.state.now(),
            "mail_dir": app.db.dir.path().join("mail"),
        }),
    )
    .await;
    let pages = pages_checked(&report);
    for name in ["sign-in: email", "sign-in: password", "sign-in: emailed link", "2FA: enrol", "2FA: code", "account: security"] {
        assert!(pages.iter().any(|p| p == name), "{name} not checked: {pages:?}");
        // And at a phone's width.
        let narrow = format!("{name} (390 px)");
        assert!(pages.contains(&narrow), "{narrow} not checked: {pages:?}");
    }
    assert!(report["steps"].as_array().unwrap().iter().any(|s| s == "signed in with a recovery code"));
    // The recovery code was spent by the browser's sign-in.
    assert_eq!(stile::store::totp::unused_recovery_codes(&app.state.db, &user.id).await.unwrap(), 9);
    app.finish().await;
}

/// The scenario in a real browser: an administrator signs in, creates a role, adds a
/// user with it and sees the audit entry; the admin pages (and their error states) have no
/// serious or critical accessibility violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_role_and_user_and_sees_audit() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    let (body, admin_id) = crate::admin_ui::council_with_admin(&app).await;
    let su = app.create_user("root@stile.example", Some(PW)).await;
    stile::store::users::set_superuser(&app.state.db, &su.id, true, app.state.now()).await.unwrap();
    let report = run_script(
        "admin_journey.mjs",
        &json!({
            "base": app.base,
            "admin": { "email": "admin@camden.example", "password": crate::admin_ui::PW },
            "superuser": { "email": "root@stile.example", "password": PW },
            "body_name": "Camden Council",
            "new_user_email": "ines@camden.example",
            "now": app.state.now(),
            "new_body_name": "Islington Council",
            "ban_pattern": "spam-browser.example",
        }),
    )
    .await;
    let steps = report["steps"].as_array().unwrap();
    for s in [
        "admin signed in",
        "role created",
        "reload after role",
        "user added",
        "reload after user",
        "audit entry seen",
        "audit fits 1280",
        "audit fits 390",
        "2FA key survives a reload",
        "reload after relying app",
        "reload after SSO connection",
        "superuser pages checked",
        "reload after organisation",
        "reload after membership",
        "reload after ban",
        "reload after SCIM token",
    ] {
        assert!(steps.iter().any(|x| x == s), "{s}: {steps:?}");
    }
    let pages = pages_checked(&report);
    assert!(pages.len() >= 20, "{pages:?}");
    // The role, user, relying app and connection pages at a desktop width and at 390 px.
    for name in [
        "admin: new role",
        "admin: role",
        "admin: new user",
        "admin: user",
        "superuser: new relying app",
        "superuser: relying app with its secret",
        "superuser: new OIDC connection",
        "superuser: SSO connection",
    ] {
        let narrow = format!("{name} (390 px)");
        assert!(pages.iter().any(|p| p == name) && pages.contains(&narrow), "{name} at both widths: {pages:?}");
    }

    // What the browser did is in the store: the role, the user holding it, the audit rows.
    let role = stile::store::catalogue::roles_of_body(&app.state.db, &body)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "Street inspectors")
        .unwrap();
    assert_eq!(stile::store::roles::permissions(&app.state.db, &role.id).await.unwrap(), vec!["fms:report_inspect"]);
    let ines =
        stile::store::users::by_email(&app.state.db, &stile::email::Email::parse("ines@camden.example").unwrap()).await.unwrap().unwrap();
    let m = stile::store::memberships::of_user(&app.state.db, &ines.id).await.unwrap();
    let detail = stile::store::memberships::detail(&app.state.db, &m[0]).await.unwrap();
    assert_eq!(detail.roles, vec![(role.id.clone(), "Street inspectors".to_owned())]);
    assert!(stile::store::catalogue::roles_of_body(&app.state.db, &body).await.unwrap().iter().all(|r| r.name != "Category editors"));
    // Each form's reload created nothing twice.
    let roles = stile::store::catalogue::roles_of_body(&app.state.db, &body).await.unwrap();
    assert_eq!(roles.iter().filter(|r| r.name == "Street inspectors").count(), 1);
    let apps = stile::clients::list(&app.state.db).await.unwrap();
    assert_eq!(apps.iter().filter(|c| c.name == "Browser test app").count(), 1);
    let connections = stile::store::connections::list(&app.state.db).await.unwrap();
    assert_eq!(connections.iter().filter(|c| c.name == "Camden Entra").count(), 1);
    let islington = stile::store::bodies::by_name(&app.state.db, "Islington Council").await.unwrap().expect("the organisation was made");
    assert_eq!(
        stile::store::memberships::of_user(&app.state.db, &ines.id).await.unwrap().iter().filter(|m| m.body_id == islington.id).count()
            + stile::store::invitations::of_person(&app.state.db, &ines.id, "ines@camden.example")
                .await
                .unwrap()
                .iter()
                .filter(|i| i.body_id.as_deref() == Some(islington.id.as_str()))
                .count(),
        1,
        "one membership (or invitation) of the new organisation"
    );
    let bans = stile::store::abuse::list(&app.state.db).await.unwrap();
    assert_eq!(bans.iter().filter(|b| b.pattern == "spam-browser.example").count(), 1);
    assert_eq!(stile::store::scim::tokens_of_body(&app.state.db, &body).await.unwrap().len(), 1);
    let events = stile::store::audit::recent(&app.state.db, None, 200).await.unwrap();
    let by_admin = |action: &str, outcome: &str| {
        events.iter().any(|e| e.action == action && e.outcome == outcome && e.actor_user_id.as_deref() == Some(admin_id.as_str()))
    };
    assert!(by_admin("role.create", "success") && by_admin("role.create", "failure") && by_admin("user.create", "success"));
    app.finish().await;
}

/// The demo walk-through from the start page to decoded tokens, userinfo, refresh and sign-out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_walkthrough_in_the_browser() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    let seeded =
        stile::admin::ops::demo::seed(&app.state, &stile::admin::AdminActor::cli()).await.unwrap().expect("a fresh database gets the demo");
    let report = run_script(
        "demo_walkthrough.mjs",
        &json!({ "base": app.base, "email": stile::demo::USER_EMAIL, "password": seeded.password.expose() }),
    )
    .await;
    assert_eq!(report["steps"], json!(["tokens shown", "userinfo", "refreshed", "signed out"]), "{report}");
    let pages = pages_checked(&report);
    assert!(pages.contains(&"demo: tokens".to_owned()) && pages.contains(&"demo: tokens (390 px)".to_owned()), "{pages:?}");
}

/// Issue 14 in a real browser: "Add a user" with a welcome email, the emailed link accepted by
/// the person (signed in), the invitation shown accepted and the person's session ended from the
/// user's page; every page axe-clean at desktop and 390 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_accepted_and_session_ended_in_the_browser() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    let (body, admin_id) = crate::admin_ui::council_with_admin(&app).await;
    let report = run_script(
        "invitation_journey.mjs",
        &json!({
            "base": app.base,
            "admin": { "email": "admin@camden.example", "password": crate::admin_ui::PW },
            "body_id": body,
            "new_user_email": "wren@camden.example",
            "mail_dir": app.db.dir.path().join("mail"),
        }),
    )
    .await;
    assert_eq!(report["steps"], json!(["user added with welcome", "welcome accepted", "session ended", "person signed out"]), "{report}");
    let pages = pages_checked(&report);
    for name in ["welcome", "welcome (390 px)", "admin: user with session (390 px)", "admin: new user with welcome choice"] {
        assert!(pages.iter().any(|p| p == name), "{name} not checked: {pages:?}");
    }
    // What the browser did is in the store: the account signed in once, its address confirmed,
    // no session left, and the audit rows by the administrator.
    let wren =
        stile::store::users::by_email(&app.state.db, &stile::email::Email::parse("wren@camden.example").unwrap()).await.unwrap().unwrap();
    assert!(wren.is_email_verified() && wren.last_login_at.is_some());
    assert!(stile::store::sessions::live_of_user(&app.state.db, &wren.id, app.state.now()).await.unwrap().is_empty());
    let events = stile::store::audit::recent(&app.state.db, None, 200).await.unwrap();
    for action in ["invitation.welcome", "user.session.end"] {
        assert!(
            events.iter().any(|e| e.action == action && e.outcome == "success" && e.actor_user_id.as_deref() == Some(admin_id.as_str())),
            "{action}"
        );
    }
    app.finish().await;
}

/// The users list in a real browser: filters (name, organisation, status, two-factor), paging,
/// and a bulk "disable" with one confirmation; the list, the filtered list and the confirmation
/// have no serious or critical accessibility violation at desktop width and at 390 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_list_filters_and_bulk_action() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    let (body, admin_id) = crate::admin_ui::council_with_admin(&app).await;
    let now = app.state.now();
    let db = &app.state.db;
    let member = |email: String| {
        let app = &app;
        let body = body.clone();
        async move {
            let u = app.create_user(&email, None).await;
            stile::store::memberships::add(&app.state.db, &format!("m-{}", u.id), &u.id, &body, now).await.unwrap();
            // Created for the council, so its administrator may disable them.
            sqlx::query("update users set created_for_body_id = $1 where id = $2")
                .bind(&body)
                .bind(&u.id)
                .execute(app.state.db.pool())
                .await
                .unwrap();
            u
        }
    };
    let mut fillers = Vec::new();
    for i in 0..55 {
        fillers.push(member(format!("filler{i:02}@camden.example")).await);
    }
    let targets = [member("target-one@camden.example".into()).await, member("target-two@camden.example".into()).await];
    let already = member("target-gone@camden.example".into()).await;
    stile::store::users::set_disabled(db, &already.id, true, now).await.unwrap();

    let report = run_script(
        "users_list.mjs",
        &json!({
            "base": app.base,
            "admin": { "email": "admin@camden.example", "password": crate::admin_ui::PW },
            "body_id": body,
            "to_disable": ["target-one@camden.example", "target-two@camden.example"],
        }),
    )
    .await;
    let steps = report["steps"].as_array().unwrap();
    for s in ["admin signed in", "paged", "filtered", "bulk disabled", "status filter shows them disabled"] {
        assert!(steps.iter().any(|x| x == s), "{s}: {steps:?}");
    }
    let pages = pages_checked(&report);
    for name in [
        "admin: users",
        "admin: users, filtered",
        "admin: users at 390 px",
        "admin: users, confirm bulk action",
        "admin: users, confirm at 390 px",
    ] {
        assert!(pages.iter().any(|p| p == name), "{name} not checked: {pages:?}");
    }
    // What the browser did: exactly the two selected users disabled, each audited.
    for t in &targets {
        assert!(stile::store::users::by_id(db, &t.id).await.unwrap().unwrap().is_disabled(), "{}", t.email);
    }
    for u in fillers.iter().map(|u| &u.id).chain([&admin_id]) {
        assert!(!stile::store::users::by_id(db, u).await.unwrap().unwrap().is_disabled());
    }
    let events = stile::store::audit::recent(db, None, 200).await.unwrap();
    let disabled: Vec<_> = events
        .iter()
        .filter(|e| e.action == "user.disable" && e.outcome == "success" && e.actor_user_id.as_deref() == Some(admin_id.as_str()))
        .map(|e| e.target_id.clone())
        .collect();
    assert_eq!(disabled.len(), 2, "{disabled:?}");
    assert!(targets.iter().all(|t| disabled.contains(&t.id)));
    app.finish().await;
}

/// Importing users by file upload in a real browser: a wrong file refused on the page, a CSV
/// file checked and then imported with the carried text (no second upload); each state of the
/// page axe-clean, at 390 px too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_file_upload_in_the_browser() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    let (body, _) = crate::admin_ui::council_with_admin(&app).await;
    let csv = "name,email,from_body,passwordhash,roles,permissions\r\n\"Lee, Ann\",ann.lee@camden.example,,,,report_inspect\r\nBo,bo@camden.example,,,,\r\n";
    let report = run_script(
        "import_upload.mjs",
        &json!({ "base": app.base, "admin": { "email": "admin@camden.example", "password": crate::admin_ui::PW }, "body_id": body, "csv": csv }),
    )
    .await;
    assert_eq!(report["steps"], json!(["wrong file refused", "checked", "imported"]), "{report}");
    let ann = stile::store::users::by_email(&app.state.db, &stile::email::Email::parse("ann.lee@camden.example").unwrap())
        .await
        .unwrap()
        .expect("imported by the browser");
    assert_eq!(ann.name, "Lee, Ann");
    let m = stile::store::memberships::of_user(&app.state.db, &ann.id).await.unwrap();
    assert_eq!(m[0].body_id, body);
    app.finish().await;
}

/// Passkeys in Chromium with its virtual authenticator (a platform authenticator with user
/// verification): registered from the Security page, then signing in passwordless (through the
/// browser's autofill, and with the button where autofill is not offered) and as the second
/// factor after the password; a member of a phishing-resistant body is made to add one before
/// the password sign-in finishes. Every page met is checked with axe. The server is reached as
/// `localhost` (an IP address cannot be a WebAuthn relying party).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_in_the_browser() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = crate::passkeys::start(Backend::Sqlite).await;
    let user = app.create_user("pk@example.org", Some(PW)).await;
    crate::harness::insert_council(&app, "camden", "Camden", Some("camden.example")).await;
    stile::store::bodies::set_mfa_policy(&app.state.db, "camden", "phishing_resistant", app.state.now()).await.unwrap();
    let staff = app.create_user("staff@camden.example", Some(PW)).await;
    stile::store::memberships::add(&app.state.db, "m-staff", &staff.id, "camden", app.state.now()).await.unwrap();
    let report = run_script(
        "passkeys.mjs",
        &json!({
            "base": crate::passkeys::origin(&app),
            "email": "pk@example.org",
            "password": PW,
            "phr_email": "staff@camden.example",
        }),
    )
    .await;
    let steps = report["steps"].as_array().unwrap();
    for s in [
        "passkey registered",
        "signed in passwordless through autofill",
        "signed in passwordless",
        "signed in with a passkey as second factor",
        "phishing-resistant enrolment",
    ] {
        assert!(steps.iter().any(|x| x == s), "{s}: {steps:?}");
    }
    let pages = pages_checked(&report);
    for name in [
        "security: no passkeys",
        "passkeys: add",
        "security: one passkey",
        "sign-in: email, with passkey",
        "2FA: passkey",
        "passkeys: forced enrolment",
    ] {
        assert!(pages.iter().any(|p| p == name), "{name} not checked: {pages:?}");
    }
    // What the browser did is in the store: one passkey each, used, and sessions at `phr`.
    let mine = stile::store::passkeys::of_user(&app.state.db, &user.id).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].name, "Test laptop");
    assert!(mine[0].last_used_at.is_some());
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &staff.id).await.unwrap(), 1);
    let sessions = stile::store::sessions::live_of_user(&app.state.db, &staff.id, app.state.now()).await.unwrap();
    assert!(sessions.iter().any(|s| s.acr == "phr"));
    let passwordless = app.audit_actions().await.iter().filter(|(a, o)| a == "signin.passkey" && o == "success").count();
    assert_eq!(passwordless, 2);
    app.finish().await;
}

/// Issue 17 in a real browser: private_key_jwt apps registered in the admin UI with a pasted JWK
/// set and with a JWK set URL, requiring PAR and DPoP; a private or shared-secret key is refused
/// on its field; every page axe-clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_key_jwt_apps_registered_in_the_browser() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    let su = app.create_user("root@stile.example", Some(PW)).await;
    stile::store::users::set_superuser(&app.state.db, &su.id, true, app.state.now()).await.unwrap();
    let key = crate::client_keys::TestKey::ec("k1");
    let mut private = key.jwk();
    private["d"] = json!("ZmFrZS1wcml2YXRlLXNjYWxhci1mb3ItdGhlLXRlc3Q");
    let oct = json!({ "kty": "oct", "kid": "shared", "k": "c2hhcmVkLXNlY3JldC1rZXktbWF0ZXJpYWw" });
    let report = run_script(
        "client_keys.mjs",
        &json!({
            "base": app.base,
            "superuser": { "email": "root@stile.example", "password": PW },
            "now": app.state.now(),
            "public_jwks": crate::client_keys::jwks(&[&key]),
            "private_jwks": json!({ "keys": [private] }).to_string(),
            "oct_jwks": json!({ "keys": [oct] }).to_string(),
            "jwks_uri": "https://streetworks.example.org/.well-known/jwks.json",
        }),
    )
    .await;
    assert_eq!(
        report["steps"],
        json!([
            "superuser signed in",
            "refused private key",
            "refused oct key",
            "registered with a pasted JWK set",
            "registered with a JWK set URL"
        ]),
        "{report}"
    );
    let pages = pages_checked(&report);
    for name in [
        "superuser: relying app refused (private key)",
        "superuser: relying app refused (oct key)",
        "superuser: relying app with keys (pasted JWK set)",
        "superuser: relying app with keys (JWK set URL)",
    ] {
        assert!(pages.iter().any(|p| p == name), "{name} not checked: {pages:?}");
    }
    // What the browser registered is what is stored; nothing was registered by the refusals.
    let all = stile::clients::list(&app.state.db).await.unwrap();
    assert!(all.iter().all(|c| !c.name.starts_with("Refused")));
    let find = |name: &str| all.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} registered"));
    let inline = find("Keys app (pasted JWK set)");
    let by_uri = find("Keys app (JWK set URL)");
    for c in [inline, by_uri] {
        assert_eq!(c.auth_method, stile::clients::AuthMethod::PrivateKeyJwt);
        assert!(c.require_par && c.require_dpop, "{}", c.name);
    }
    assert!(inline.jwks.as_deref().is_some_and(|j| j.contains(&key.jwk()["x"].as_str().unwrap().to_owned())) && inline.jwks_uri.is_none());
    assert_eq!(by_uri.jwks_uri.as_deref(), Some("https://streetworks.example.org/.well-known/jwks.json"));
    assert!(by_uri.jwks.is_none());
    app.finish().await;
}

/// The English catalogue's plain texts (no arguments, no markup) that differ from the Welsh:
/// none of them may appear on a Welsh page.
fn english_texts() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("locales");
    let read = |lang: &str| -> std::collections::HashMap<String, String> {
        let mut out = std::collections::HashMap::new();
        for f in std::fs::read_dir(dir.join(lang)).unwrap() {
            let path = f.unwrap().path();
            if path.extension().is_some_and(|e| e == "ftl") {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    if let Some((k, v)) = line.split_once(" = ")
                        && !k.starts_with([' ', '#'])
                    {
                        out.insert(k.trim().to_owned(), v.trim().to_owned());
                    }
                }
            }
        }
        out
    };
    let (en, cy) = (read("en-GB"), read("cy"));
    let mut texts: Vec<String> = en
        .into_iter()
        .filter(|(k, v)| !v.is_empty() && !v.contains(['{', '<', '&']) && v.len() >= 4 && cy.get(k) != Some(v))
        .map(|(_, v)| v)
        .collect();
    texts.sort();
    texts
}

/// Issue 18: signing in, an emailed link and 2FA enrolment in Welsh, by the language link and by
/// a relying app's ui_locales=cy; lang="cy", no English catalogue text, axe clean throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welsh_sign_in_enrolment_and_emailed_link() {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    // Superusers, so each must enrol in 2FA: one after the emailed link, one through the app.
    for email in ["ffion@conwy.example", "gwen@conwy.example"] {
        let user = app.create_user(email, Some(PW)).await;
        stile::store::users::set_superuser(&app.state.db, &user.id, true, app.state.now()).await.unwrap();
    }
    // A relying app whose callback is a page of this Stile, so the browser lands somewhere real.
    let mut s = crate::oidc::spec("Street works");
    s.require_pkce = false;
    s.redirect_uris = vec![app.url("/account")];
    let (id, _) = crate::oidc::register(&app, s).await;
    let cb = url::form_urlencoded::byte_serialize(app.url("/account").as_bytes()).collect::<String>();
    let authorize = format!("/authorize?response_type=code&client_id={id}&redirect_uri={cb}&scope=openid&state=s&ui_locales=cy");
    let english = english_texts();
    assert!(english.iter().any(|s| s == "Skip to main content") && english.len() > 100, "{english:?}");
    let report = run_script(
        "signin_welsh.mjs",
        &json!({
            "base": app.base,
            "email": "ffion@conwy.example",
            "email2": "gwen@conwy.example",
            "password": PW,
            "now": app.state.now(),
            "mail_dir": app.db.dir.path().join("mail"),
            "authorize": authorize,
            "english": english,
        }),
    )
    .await;
    let pages = pages_checked(&report);
    for name in [
        "cy sign-in: email",
        "cy sign-in: password, with error",
        "cy sign-in: emailed link",
        "cy sign-in: emailed link confirmed",
        "cy link 2FA: recovery codes",
        "cy 2FA: enrol",
        "cy 2FA: recovery codes",
    ] {
        assert!(pages.iter().any(|p| p == name), "{name} not checked: {pages:?}");
    }
    let steps = report["steps"].as_array().unwrap();
    for step in ["emailed link opened in Welsh", "emailed link confirmed and enrolled in Welsh", "enrolled in Welsh"] {
        assert!(steps.iter().any(|s| s == step), "{step}: {steps:?}");
    }
    app.finish().await;
}
