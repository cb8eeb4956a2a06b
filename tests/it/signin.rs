//! Password sign-in, lockout, sessions and password policy through the real pages.

use stile::email::Email;
use stile::store;

use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, location};

const PW: &str = "correct horse battery";

async fn sign_in_flow(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("Alice@Example.org", Some(PW)).await;
    let c = app.browser();
    // Not signed in: the account page sends you to sign in and back.
    let r = c.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Faccount");
    // Step 1: a malformed email is refused with a message.
    let csrf = app.csrf(&c, "/login").await;
    let r = c.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", "not-an-email")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter an email address in the form"));
    // Steps 1 and 2 with the email in another case.
    let r = app.sign_in(&c, "  alice@EXAMPLE.org ", PW).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), "/account");
    let set_cookie =
        r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).find(|c| c.starts_with("stile_session=")).unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    assert!(!set_cookie.contains("Max-Age") && !set_cookie.contains("Expires"), "browser-session cookie by default: {set_cookie}");
    let page = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("alice@example.org"));
    assert!(page.contains("Where you are signed in"));
    assert!(page.contains("(this browser)"));
    // The session row holds the hash, not the cookie value.
    let sessions = store::sessions::live_of_user(&app.state.db, &user.id, app.state.now()).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let cookie_value = set_cookie.split(';').next().unwrap().trim_start_matches("stile_session=");
    assert_ne!(sessions[0].id_hash, cookie_value);
    assert_eq!(sessions[0].amr, "[\"pwd\"]");
    // Sign out.
    let csrf = csrf_in(&page).unwrap();
    let r = c.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 303);
    assert!(store::sessions::live_of_user(&app.state.db, &user.id, app.state.now()).await.unwrap().is_empty());
    let actions = app.audit_actions().await;
    assert!(actions.contains(&("signin.password".into(), "success".into())));
    assert!(actions.contains(&("signout".into(), "success".into())));
    app.finish().await;
}
both!(sign_in_flow);

/// Wrong password, unknown email and password-less account all get the same status and words.
async fn failures_look_alike(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("known@example.org", Some(PW)).await;
    app.create_user("nopassword@example.org", None).await;
    let c = app.browser();
    let mut bodies = Vec::new();
    for email in ["known@example.org", "unknown@example.org", "nopassword@example.org"] {
        let r = app.sign_in(&c, email, "wrong password here").await;
        assert_eq!(r.status(), 401);
        let body = r.text().await.unwrap();
        assert!(body.contains("That email and password do not match"));
        let csrf = csrf_in(&body).unwrap();
        bodies.push(body.replace(email, "EMAIL").replace(&csrf, "CSRF"));
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0], bodies[2]);
    // An empty password is asked for again without counting.
    let csrf = app.csrf(&c, "/login").await;
    let r = c
        .post(app.url("/login/password"))
        .form(&[("csrf", csrf.as_str()), ("email", "known@example.org"), ("password", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let events = store::audit::recent(&app.state.db, Some("signin.password"), 10).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.outcome == "failure"));
    assert!(events.iter().any(|e| e.details.contains("unknown_email")));
    // Never a password in the audit log.
    assert!(events.iter().all(|e| !e.details.contains("wrong password")));
    app.finish().await;
}
both!(failures_look_alike);

async fn lockout_and_expiry(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("lock@example.org", Some(PW)).await;
    let c = app.browser();
    for i in 1..=4 {
        let r = app.sign_in(&c, "lock@example.org", "wrong one").await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = app.sign_in(&c, "lock@example.org", "wrong one").await;
    assert_eq!(r.status(), 429);
    let body = r.text().await.unwrap();
    assert!(body.contains("Too many failed attempts. Wait 5 minutes"), "{body}");
    // Locked: even the right password is refused, and nothing is revealed.
    let r = app.sign_in(&c, "lock@example.org", PW).await;
    assert_eq!(r.status(), 429);
    // An unknown email locks in exactly the same way.
    for _ in 0..4 {
        assert_eq!(app.sign_in(&c, "ghost@example.org", "x-wrong-x").await.status(), 401);
    }
    let r = app.sign_in(&c, "ghost@example.org", "x-wrong-x").await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many failed attempts. Wait 5 minutes"));
    assert!(app.audit_actions().await.contains(&("signin.locked".into(), "failure".into())));
    // Four minutes on: still locked. Five: open again, with a fresh count.
    app.clock.advance(240);
    assert_eq!(app.sign_in(&c, "lock@example.org", PW).await.status(), 429);
    app.clock.advance(61);
    let r = app.sign_in(&c, "lock@example.org", PW).await;
    assert_eq!(r.status(), 303);
    app.finish().await;
}
both!(lockout_and_expiry);

async fn failures_spread_out_do_not_lock(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("slow@example.org", Some(PW)).await;
    let c = app.browser();
    for _ in 0..8 {
        assert_eq!(app.sign_in(&c, "slow@example.org", "wrong one").await.status(), 401);
        app.clock.advance(100);
    }
    assert_eq!(app.sign_in(&c, "slow@example.org", PW).await.status(), 303);
    app.finish().await;
}
both!(failures_spread_out_do_not_lock);

#[tokio::test]
async fn per_ip_limit() {
    let app = TestApp::start_with(Backend::Sqlite, |s| {
        s.throttle.ip_max_failures = 3;
    })
    .await;
    app.create_user("ip@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "a1@example.org", "wrong one").await.status(), 401);
    assert_eq!(app.sign_in(&c, "a2@example.org", "wrong one").await.status(), 401);
    assert_eq!(app.sign_in(&c, "a3@example.org", "wrong one").await.status(), 429);
    // The address is locked for every account.
    assert_eq!(app.sign_in(&c, "ip@example.org", PW).await.status(), 429);
    app.clock.advance(301);
    assert_eq!(app.sign_in(&c, "ip@example.org", PW).await.status(), 303);
    app.finish().await;
}

async fn bcrypt_import_is_upgraded(b: Backend) {
    let app = TestApp::start(b).await;
    let hash = bcrypt::hash("fixmystreet secret", 4).unwrap();
    let email = Email::parse("imported@example.org").unwrap();
    let user = app.insert_user(&email, Some(&hash)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "imported@example.org", "not it at all").await.status(), 401);
    let stored = store::users::by_id(&app.state.db, &user.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash.as_deref(), Some(hash.as_str()));
    assert_eq!(app.sign_in(&c, "imported@example.org", "fixmystreet secret").await.status(), 303);
    let stored = store::users::by_id(&app.state.db, &user.id).await.unwrap().unwrap();
    assert!(stored.password_hash.unwrap().starts_with("$argon2id$"));
    assert!(app.audit_actions().await.contains(&("password.rehash".into(), "success".into())));
    let c2 = app.browser();
    assert_eq!(app.sign_in(&c2, "imported@example.org", "fixmystreet secret").await.status(), 303);
    app.finish().await;
}
both!(bcrypt_import_is_upgraded);

#[tokio::test]
async fn rehash_when_parameters_change() {
    let db = crate::harness::TestDb::new(Backend::Sqlite).await;
    let settings = crate::harness::test_settings(&db);
    let app = TestApp::start_on(db, settings).await;
    let user = app.create_user("param@example.org", Some(PW)).await;
    let old = user.password_hash.clone().unwrap();
    assert!(old.contains("m=1024,t=1"));
    // Restart on the same database with stronger parameters.
    let mut settings = crate::harness::test_settings(&app.db);
    settings.password.argon2_iterations = 2;
    let dbh = crate::harness::TestDb { url: app.db.url.clone(), dir: tempfile::tempdir().unwrap(), pg_name: None };
    settings.data_dir = app.db.dir.path().to_path_buf();
    let app2 = TestApp::start_on(dbh, settings).await;
    let c = app2.browser();
    assert_eq!(app2.sign_in(&c, "param@example.org", PW).await.status(), 303);
    let new = store::users::by_id(&app2.state.db, &user.id).await.unwrap().unwrap().password_hash.unwrap();
    assert_ne!(new, old);
    assert!(new.contains("m=1024,t=2"), "{new}");
    app2.finish().await;
    app.finish().await;
}

async fn disabled_user_cannot_sign_in(b: Backend) {
    let app = TestApp::start(b).await;
    let u = app.create_user("gone@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "gone@example.org", PW).await.status(), 303);
    store::users::set_disabled(&app.state.db, &u.id, true, app.state.now()).await.unwrap();
    // The existing session stops working, and a new sign-in gets the usual answer.
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 303);
    let c2 = app.browser();
    let r = app.sign_in(&c2, "gone@example.org", PW).await;
    assert_eq!(r.status(), 401);
    app.finish().await;
}
both!(disabled_user_cannot_sign_in);

async fn session_idle_and_absolute_expiry(b: Backend) {
    let app = TestApp::start_with(b, |s| {
        s.session.idle_timeout_secs = 600;
        s.session.absolute_timeout_secs = 1500;
    })
    .await;
    app.create_user("exp@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "exp@example.org", PW).await.status(), 303);
    // Idle: 601 seconds without a request ends it.
    app.clock.advance(601);
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 303);
    // Active use keeps it alive, but not beyond the absolute limit.
    assert_eq!(app.sign_in(&c, "exp@example.org", PW).await.status(), 303);
    for _ in 0..2 {
        app.clock.advance(500);
        assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 200);
    }
    app.clock.advance(501);
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 303);
    app.finish().await;
}
both!(session_idle_and_absolute_expiry);

async fn sign_in_renews_session(b: Backend) {
    let app = TestApp::start(b).await;
    let u = app.create_user("renew@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "renew@example.org", PW).await.status(), 303);
    assert_eq!(app.sign_in(&c, "renew@example.org", PW).await.status(), 303);
    // Signing in again from the same browser replaces its session rather than adding one.
    assert_eq!(store::sessions::live_of_user(&app.state.db, &u.id, app.state.now()).await.unwrap().len(), 1);
    app.finish().await;
}
both!(sign_in_renews_session);

async fn sign_out_of_one_and_everywhere(b: Backend) {
    let app = TestApp::start(b).await;
    let u = app.create_user("many@example.org", Some(PW)).await;
    let (a, bb, cc) = (app.browser(), app.browser(), app.browser());
    for c in [&a, &bb, &cc] {
        assert_eq!(app.sign_in(c, "many@example.org", PW).await.status(), 303);
    }
    let sessions = store::sessions::live_of_user(&app.state.db, &u.id, app.state.now()).await.unwrap();
    assert_eq!(sessions.len(), 3);
    let page = a.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("Sign out of this").count(), 3);
    let csrf = csrf_in(&page).unwrap();
    // End browser B's session from A (A learns B's sid from the list on the page).
    let b_page = bb.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let here = b_page.find("(this browser)").unwrap();
    let marker = "name=\"sid\" value=\"";
    let at = here + b_page[here..].find(marker).unwrap() + marker.len();
    let b_sid = b_page[at..at + b_page[at..].find('"').unwrap()].to_owned();
    assert!(sessions.iter().any(|s| s.sid == b_sid));
    let r = a.post(app.url("/account/sessions/end")).form(&[("csrf", csrf.as_str()), ("sid", b_sid.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(bb.get(app.url("/account")).send().await.unwrap().status(), 303);
    assert_eq!(a.get(app.url("/account")).send().await.unwrap().status(), 200);
    // Someone else's sid does nothing.
    let r = a.post(app.url("/account/sessions/end")).form(&[("csrf", csrf.as_str()), ("sid", "not-a-session")]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // Sign out everywhere ends A and C.
    let r = a.post(app.url("/account/sessions/end-all")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(a.get(app.url("/account")).send().await.unwrap().status(), 303);
    assert_eq!(cc.get(app.url("/account")).send().await.unwrap().status(), 303);
    assert!(store::sessions::live_of_user(&app.state.db, &u.id, app.state.now()).await.unwrap().is_empty());
    assert!(app.audit_actions().await.contains(&("signout.everywhere".into(), "success".into())));
    app.finish().await;
}
both!(sign_out_of_one_and_everywhere);

async fn change_password_policy(b: Backend) {
    let app = TestApp::start(b).await;
    let u = app.create_user("policy@camden.gov.uk", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "policy@camden.gov.uk", PW).await.status(), 303);
    let other = app.browser();
    assert_eq!(app.sign_in(&other, "policy@camden.gov.uk", PW).await.status(), 303);
    let change = |current: &'static str, new: String, confirm: Option<String>| {
        let c = c.clone();
        let url = app.url("/account/password");
        let app_url = app.url("/account");
        async move {
            let page = c.get(app_url).send().await.unwrap().text().await.unwrap();
            let csrf = csrf_in(&page).unwrap();
            let confirm = confirm.unwrap_or_else(|| new.clone());
            c.post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("current_password", current),
                    ("new_password", new.as_str()),
                    ("confirm_password", confirm.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = change(PW, "short".into(), None).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at least 8 characters"));
    let r = change(PW, "password123".into(), None).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("most commonly used"));
    let r = change(PW, "a new long secret".into(), Some("something else".into())).await;
    assert_eq!(r.status(), 422);
    let r = change("not my password", "a new long secret".into(), None).await;
    assert_eq!(r.status(), 401);
    // Nothing has changed so far.
    let stored = store::users::by_id(&app.state.db, &u.id).await.unwrap().unwrap().password_hash;
    assert_eq!(stored, u.password_hash);

    // A body with a stricter minimum applies to its members.
    let now = app.state.now();
    let domains: Vec<String> = vec![];
    store::bodies::insert(
        &app.state.db,
        &store::bodies::NewBody {
            id: "b1",
            name: "Camden",
            kind: "council",
            fms_body_id: None,
            swa_code: None,
            mfa_policy: "optional",
            password_min_length: Some(14),
            domains: &domains,
        },
        now,
    )
    .await
    .unwrap();
    store::memberships::add(&app.state.db, "m1", &u.id, "b1", now).await.unwrap();
    let r = change(PW, "ten chars!!".into(), None).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at least 14 characters"));
    let r = change(PW, "fourteen chars!".into(), None).await;
    // POST-redirect-GET: the notice is on the page redirected to, once.
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let page = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Your password has been changed"), "{page}");
    let again = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("Your password has been changed"), "a reload does not show the notice again");
    // The other browser was signed out; the new password works, the old one does not.
    assert_eq!(other.get(app.url("/account")).send().await.unwrap().status(), 303);
    assert_eq!(app.sign_in(&app.browser(), "policy@camden.gov.uk", PW).await.status(), 401);
    assert_eq!(app.sign_in(&app.browser(), "policy@camden.gov.uk", "fourteen chars!").await.status(), 303);
    app.finish().await;
}
both!(change_password_policy);
