//! Passkeys: registration from the Security page, the second factor, passwordless sign-in, and
//! what must be refused (a replayed challenge or counter, another relying party, no user
//! verification, another user's ceremony or credential). A software passkey answers.

use serde_json::Value;

use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, field_in, html_unescape, location};
use crate::oidc::PW;
use crate::soft_passkey::SoftPasskey;

/// A Stile whose relying party is `localhost` (an IP address cannot be one), on any port.
pub(crate) async fn start(b: Backend) -> TestApp {
    TestApp::start_with(b, |s| {
        s.passkeys.rp_id = "localhost".into();
        s.passkeys.origin = "http://localhost".into();
        s.passkeys.any_port = true;
    })
    .await
}

/// The origin a browser on this test's server would report.
pub(crate) fn origin(app: &TestApp) -> String {
    app.base.replace("127.0.0.1", "localhost")
}

pub(crate) fn key(app: &TestApp) -> SoftPasskey {
    SoftPasskey::new("localhost", &origin(app))
}

/// The WebAuthn form on a page: its options, ceremony and CSRF token.
pub(crate) struct Challenge {
    pub options: Value,
    pub ceremony: String,
    pub csrf: String,
}

pub(crate) fn challenge_in(html: &str) -> Challenge {
    let marker = "data-options=\"";
    let start = html.find(marker).expect("a passkey form") + marker.len();
    let end = html[start..].find('"').unwrap();
    let options = serde_json::from_str(&html_unescape(&html[start..start + end])).unwrap();
    Challenge { options, ceremony: field_in(html, "ceremony").unwrap(), csrf: csrf_in(html).unwrap() }
}

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    let r = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn post(app: &TestApp, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.unwrap()
}

/// Registers `key` from the Security page of a signed-in browser, named `name`.
pub(crate) async fn register(app: &TestApp, c: &reqwest::Client, key: &mut SoftPasskey, name: &str) -> reqwest::Response {
    let html = page(app, c, "/account/security/passkeys/new").await;
    let ch = challenge_in(&html);
    let answer = key.register(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("name", name)];
    post(app, c, "/account/security/passkeys/new", &form).await
}

/// The `amr` and `acr` of the user's live session whose `amr` has `method`.
async fn session_authn(app: &TestApp, user_id: &str, method: &str) -> (Vec<String>, String) {
    let sessions = stile::store::sessions::live_of_user(&app.state.db, user_id, app.state.now()).await.unwrap();
    let s = sessions.iter().find(|s| s.amr.contains(method)).expect("a session");
    (serde_json::from_str(&s.amr).unwrap(), s.acr.clone())
}

/// Signs in passwordless with `key`; returns the response to the answer.
pub(crate) async fn passwordless(app: &TestApp, c: &reqwest::Client, key: &mut SoftPasskey) -> reqwest::Response {
    let ch = challenge_in(&page(app, c, "/login").await);
    let answer = key.assert(&ch.options);
    post(app, c, "/login/passkey", &[("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())]).await
}

async fn register_second_factor_passwordless(b: Backend) {
    let app = start(b).await;
    let user = app.create_user("pk@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "pk@example.org", PW).await.status(), 303);
    let mut k = key(&app);
    let r = register(&app, &c, &mut k, "Work laptop").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account/security");
    let html = page(&app, &c, "/account/security").await;
    assert!(html.contains("Work laptop"), "listed by name");
    assert!(html.contains("Never"), "not used yet");
    let rows = stile::store::passkeys::of_user(&app.state.db, &user.id).await.unwrap();
    assert_eq!(rows.len(), 1);

    // Second factor: the password is no longer enough, and the passkey is offered first.
    let b2 = app.browser();
    let r = app.sign_in(&b2, "pk@example.org", PW).await;
    assert_eq!(location(&r), "/login/2fa");
    let html = page(&app, &b2, "/login/2fa").await;
    assert!(!html.contains("name=\"code\""), "no TOTP form for someone without TOTP");
    let ch = challenge_in(&html);
    let allowed = ch.options["allowCredentials"].as_array().unwrap();
    assert_eq!(allowed.len(), 1);
    let answer = k.assert(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    let r = post(&app, &b2, "/login/2fa/passkey", &form).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    // The new session (the first browser's password-only one is still there): a passkey is
    // the phishing-resistant level (tokens say `mfa` unless an app asked for `phr`).
    let (amr, acr) = session_authn(&app, &user.id, "hwk").await;
    assert_eq!(amr, ["pwd", "hwk", "mfa"]);
    assert_eq!(acr, "phr");
    // The same answer again (the challenge is spent) is refused.
    let b3 = app.browser();
    app.sign_in(&b3, "pk@example.org", PW).await;
    let r = post(&app, &b3, "/login/2fa/passkey", &form).await;
    assert_eq!(r.status(), 403, "another browser's CSRF token");
    let html = page(&app, &b3, "/login/2fa").await;
    let csrf = csrf_in(&html).unwrap();
    let replay = [("csrf", csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    let r = post(&app, &b3, "/login/2fa/passkey", &replay).await;
    assert_eq!(r.status(), 422, "a spent challenge");
    assert_eq!(b3.get(app.url("/account")).send().await.unwrap().status(), 303, "no session");

    // Passwordless: no email, no password.
    let b4 = app.browser();
    let r = passwordless(&app, &b4, &mut k).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    assert_eq!(b4.get(app.url("/account")).send().await.unwrap().status(), 200);
    let sessions = stile::store::sessions::live_of_user(&app.state.db, &user.id, app.state.now()).await.unwrap();
    let newest = sessions.iter().find(|s| s.amr.contains("user")).expect("the passwordless session");
    assert_eq!(serde_json::from_str::<Vec<String>>(&newest.amr).unwrap(), ["hwk", "user", "mfa"]);
    assert_eq!(newest.acr, "phr");
    assert!(newest.second_factor_at.is_some(), "counts for step-up");
    let row = &stile::store::passkeys::of_user(&app.state.db, &user.id).await.unwrap()[0];
    assert_eq!(row.counter, 2);
    assert!(row.last_used_at.is_some());

    let actions = app.audit_actions().await;
    for a in ["passkey.add", "passkey.verify", "signin.passkey"] {
        assert!(actions.iter().any(|(x, o)| x == a && o == "success"), "{a} audited");
    }
    app.finish().await;
}
both!(register_second_factor_passwordless);

async fn counter_replay_and_user_verification_refused(b: Backend) {
    let app = start(b).await;
    app.create_user("ctr@example.org", Some(PW)).await;
    let c = app.browser();
    app.sign_in(&c, "ctr@example.org", PW).await;
    let mut k = key(&app);
    assert_eq!(register(&app, &c, &mut k, "Key").await.status(), 303);
    assert_eq!(passwordless(&app, &app.browser(), &mut k).await.status(), 303);
    // A fresh challenge answered with the counter already seen (a cloned key) is refused.
    let b2 = app.browser();
    let ch = challenge_in(&page(&app, &b2, "/login").await);
    let cloned = k.assert_with_counter(&ch.options, k.counter);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", cloned.as_str())];
    let r = post(&app, &b2, "/login/passkey", &form).await;
    assert_eq!(r.status(), 401);
    assert_eq!(b2.get(app.url("/account")).send().await.unwrap().status(), 303);
    // Passwordless needs user verification: a key that only shows presence is refused.
    k.user_verified = false;
    let r = passwordless(&app, &app.browser(), &mut k).await;
    assert_eq!(r.status(), 401);
    k.user_verified = true;
    // A signature over anything but this site's challenge, and garbage, are refused too.
    let b3 = app.browser();
    let ch = challenge_in(&page(&app, &b3, "/login").await);
    let mut other = ch.options.clone();
    other["challenge"] = Value::String("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    let wrong = k.assert(&other);
    for bad in [wrong.as_str(), "{}", "not json", "{\"id\":\"\\u0000\"}"] {
        let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", bad)];
        let r = post(&app, &b3, "/login/passkey", &form).await;
        assert!(r.status() == 401 || r.status() == 422 || r.status() == 400, "{bad}: {}", r.status());
        assert_ne!(r.status(), 500);
    }
    // The key still works with a fresh challenge and a counter that moved on.
    assert_eq!(passwordless(&app, &app.browser(), &mut k).await.status(), 303);
    assert!(app.audit_actions().await.iter().any(|(a, o)| a == "signin.passkey" && o == "failure"));
    app.finish().await;
}
both!(counter_replay_and_user_verification_refused);

async fn another_relying_party_refused(b: Backend) {
    let app = start(b).await;
    app.create_user("rp@example.org", Some(PW)).await;
    let c = app.browser();
    app.sign_in(&c, "rp@example.org", PW).await;
    // A key answering for another site (phished through a look-alike) cannot register here...
    let mut evil = SoftPasskey::new("evil.example", &origin(&app));
    assert_eq!(register(&app, &c, &mut evil, "Evil").await.status(), 401);
    // ...nor can a page on another origin relay a real key's answer.
    let mut relayed = SoftPasskey::new("localhost", "http://localhost.evil.example");
    assert_eq!(register(&app, &c, &mut relayed, "Relayed").await.status(), 401);
    // A registered key answering for another relying party id is refused at sign-in.
    let mut k = key(&app);
    assert_eq!(register(&app, &c, &mut k, "Real").await.status(), 303);
    k.rp_id = "evil.example".into();
    assert_eq!(passwordless(&app, &app.browser(), &mut k).await.status(), 401);
    k.rp_id = "localhost".into();
    assert_eq!(passwordless(&app, &app.browser(), &mut k).await.status(), 303);
    app.finish().await;
}
both!(another_relying_party_refused);

async fn other_users_ceremonies_and_credentials_refused(b: Backend) {
    let app = start(b).await;
    app.create_user("alice@example.org", Some(PW)).await;
    let mallory = app.create_user("mallory@example.org", Some(PW)).await;
    let alice_browser = app.browser();
    let mallory_browser = app.browser();
    app.sign_in(&alice_browser, "alice@example.org", PW).await;
    app.sign_in(&mallory_browser, "mallory@example.org", PW).await;
    let mut alice_key = key(&app);
    let mut mallory_key = key(&app);
    assert_eq!(register(&app, &mallory_browser, &mut mallory_key, "Mallory's").await.status(), 303);

    // Mallory finishes a registration Alice's session began: refused, nothing added to either.
    let ch = challenge_in(&page(&app, &alice_browser, "/account/security/passkeys/new").await);
    let answer = alice_key.register(&ch.options);
    let mallory_csrf = csrf_in(&page(&app, &mallory_browser, "/account/security").await).unwrap();
    let form = [("csrf", mallory_csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("name", "x")];
    assert_eq!(post(&app, &mallory_browser, "/account/security/passkeys/new", &form).await.status(), 422);
    assert_eq!(stile::store::passkeys::of_user(&app.state.db, &mallory.id).await.unwrap().len(), 1);
    // Alice can still finish her own (the ceremony was not spent by Mallory's attempt).
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("name", "Alice's")];
    assert_eq!(post(&app, &alice_browser, "/account/security/passkeys/new", &form).await.status(), 303);
    let alice_handle = alice_key.user_handle.clone();
    // The same credential registered again (by anyone) is refused.
    app.create_user("eve@example.org", Some(PW)).await;
    let eve_browser = app.browser();
    app.sign_in(&eve_browser, "eve@example.org", PW).await;
    let ch = challenge_in(&page(&app, &eve_browser, "/account/security/passkeys/new").await);
    let again = alice_key.register(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", again.as_str()), ("name", "Stolen")];
    assert_eq!(post(&app, &eve_browser, "/account/security/passkeys/new", &form).await.status(), 422);

    // At Alice's second factor, Mallory's own passkey is no answer.
    let b = app.browser();
    app.sign_in(&b, "alice@example.org", PW).await;
    let ch = challenge_in(&page(&app, &b, "/login/2fa").await);
    let answer = mallory_key.assert(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    assert_eq!(post(&app, &b, "/login/2fa/passkey", &form).await.status(), 401);
    assert_eq!(b.get(app.url("/account")).send().await.unwrap().status(), 303);

    // A passwordless answer whose user handle names someone else is refused.
    let mut forged = key(&app);
    forged.credential_id = mallory_key.credential_id.clone();
    forged.user_handle = alice_handle;
    assert_eq!(passwordless(&app, &app.browser(), &mut forged).await.status(), 401);

    // Nobody renames or removes another person's passkey.
    let alice_id =
        stile::store::users::by_email(&app.state.db, &stile::email::Email::parse("alice@example.org").unwrap()).await.unwrap().unwrap().id;
    let alices = stile::store::passkeys::of_user(&app.state.db, &alice_id).await.unwrap();
    let target = &alices[0].id;
    let csrf = csrf_in(&page(&app, &mallory_browser, "/account/security").await).unwrap();
    let r =
        post(&app, &mallory_browser, &format!("/account/security/passkeys/{target}/rename"), &[("csrf", &csrf), ("name", "pwned")]).await;
    assert_eq!(r.status(), 404);
    let r = post(&app, &mallory_browser, &format!("/account/security/passkeys/{target}/remove"), &[("csrf", &csrf)]).await;
    assert!(r.status() == 404 || r.status() == 303, "{}", r.status());
    assert_eq!(stile::store::passkeys::of_user(&app.state.db, &alice_id).await.unwrap()[0].name, "Alice's");
    app.finish().await;
}
both!(other_users_ceremonies_and_credentials_refused);

async fn rename_remove_and_recent_sign_in(b: Backend) {
    let app = start(b).await;
    let user = app.create_user("own@example.org", Some(PW)).await;
    let c = app.browser();
    app.sign_in(&c, "own@example.org", PW).await;
    let mut k = key(&app);
    assert_eq!(register(&app, &c, &mut k, "Old name").await.status(), 303);
    // Names are checked.
    let id = stile::store::passkeys::of_user(&app.state.db, &user.id).await.unwrap()[0].id.clone();
    let csrf = csrf_in(&page(&app, &c, "/account/security").await).unwrap();
    for bad in ["", "   ", &"x".repeat(61)] {
        let r = post(&app, &c, &format!("/account/security/passkeys/{id}/rename"), &[("csrf", &csrf), ("name", bad)]).await;
        assert_eq!(r.status(), 400, "{bad:?}");
    }
    let r = post(&app, &c, &format!("/account/security/passkeys/{id}/rename"), &[("csrf", &csrf), ("name", "New name")]).await;
    assert_eq!(r.status(), 303);
    assert!(page(&app, &c, "/account/security").await.contains("New name"));
    // An hour later, adding or removing a passkey needs the second factor again.
    app.clock.advance(3600);
    let r = c.get(app.url("/account/security/passkeys/new")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login/2fa?step_up=1"), "{}", location(&r));
    let r = post(&app, &c, &format!("/account/security/passkeys/{id}/remove"), &[("csrf", &csrf)]).await;
    assert!(location(&r).starts_with("/login/2fa?step_up=1"));
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 1);
    // Stepping up with the passkey, then removing it.
    let ch = challenge_in(&page(&app, &c, "/login/2fa?next=%2Faccount%2Fsecurity").await);
    let answer = k.assert(&ch.options);
    let form =
        [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("next", "/account/security")];
    let r = post(&app, &c, "/login/2fa/passkey", &form).await;
    assert_eq!(location(&r), "/account/security");
    let r = post(&app, &c, &format!("/account/security/passkeys/{id}/remove"), &[("csrf", &csrf)]).await;
    assert_eq!(location(&r), "/account/security");
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 0);
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|(a, _)| a == "passkey.rename") && actions.iter().any(|(a, _)| a == "passkey.remove"));
    // Without a second factor, an old sign-in is sent to sign in again.
    app.clock.advance(3600);
    let r = c.get(app.url("/account/security/passkeys/new")).send().await.unwrap();
    assert!(location(&r).starts_with("/login?next="), "{}", location(&r));
    app.finish().await;
}
both!(rename_remove_and_recent_sign_in);

/// Adding a passkey and an administrator's "remove all passkeys" are each one write: a
/// connection lost after the row is written leaves nothing behind (no passkey, no audit row, the
/// ceremony unspent), and the retry does it all.
async fn interrupted_add_and_remove_all_change_nothing(b: Backend) {
    let app = start(b).await;
    let user = app.create_user("fault@example.org", Some(PW)).await;
    let c = app.browser();
    app.sign_in(&c, "fault@example.org", PW).await;
    let mut k = key(&app);
    let ch = challenge_in(&page(&app, &c, "/account/security/passkeys/new").await);
    let answer = k.register(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("name", "Key")];
    app.state.db.inject_fault("passkey_add:inserted");
    assert_eq!(post(&app, &c, "/account/security/passkeys/new", &form).await.status(), 503);
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 0, "no passkey");
    let added = |actions: Vec<(String, String)>| actions.iter().filter(|(a, o)| a == "passkey.add" && o == "success").count();
    assert_eq!(added(app.audit_actions().await), 0);
    // The same answer to the same (unspent) ceremony now adds it, once.
    assert_eq!(post(&app, &c, "/account/security/passkeys/new", &form).await.status(), 303);
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 1);
    assert_eq!(added(app.audit_actions().await), 1);

    let cli = stile::admin::AdminActor::cli();
    app.state.db.inject_fault("passkey_remove_all:removed");
    assert!(stile::admin::ops::users::remove_passkeys(&app.state, &cli, &user.id).await.is_err());
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 1, "rolled back");
    let removed = |actions: Vec<(String, String)>| actions.iter().filter(|(a, _)| a == "passkey.admin_remove_all").count();
    assert_eq!(removed(app.audit_actions().await), 0);
    // Cut after the owner's notice is queued: no notice, no removal.
    app.state.db.inject_fault("passkey_remove_all:notice_queued");
    assert!(stile::admin::ops::users::remove_passkeys(&app.state, &cli, &user.id).await.is_err());
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 1, "rolled back");
    assert_eq!(removed(app.audit_actions().await), 0);
    let told = || async { stile::store::outbox::to_address(&app.state.db, "fault@example.org").await.unwrap().len() };
    assert_eq!(told().await, 0, "no notice of a removal that did not happen");
    // The passkey still signs in; then the retry removes it, and the owner is told once.
    assert_eq!(passwordless(&app, &app.browser(), &mut k).await.status(), 303);
    assert_eq!(stile::admin::ops::users::remove_passkeys(&app.state, &cli, &user.id).await.unwrap(), 1);
    assert_eq!(told().await, 1);
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 0);
    assert_eq!(removed(app.audit_actions().await), 1);
    assert_eq!(passwordless(&app, &app.browser(), &mut k).await.status(), 401);
    app.finish().await;
}
both!(interrupted_add_and_remove_all_change_nothing);

/// One ceremony answered 20 times at once (a double-clicking person, or an attacker racing
/// them): exactly one answer wins, for registration, the second factor and passwordless
/// sign-in; the rest are refused, never a server error.
async fn parallel_finishes_have_one_winner(b: Backend) {
    let app = start(b).await;
    let user = app.create_user("race@example.org", Some(PW)).await;
    let c = app.browser();
    app.sign_in(&c, "race@example.org", PW).await;
    let mut k = key(&app);

    /// The status and `Location` of each of 20 simultaneous posts of `form`.
    async fn race(app: &TestApp, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> Vec<(u16, String)> {
        let form: Vec<(String, String)> = form.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let mut all = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (c, url, form) = (c.clone(), app.url(path), form.clone());
            all.spawn(async move {
                let r = c.post(url).form(&form).send().await.unwrap();
                (r.status().as_u16(), location(&r))
            });
        }
        all.join_all().await
    }
    /// One answer went on to `won`; the others were refused, or (once the winner had finished
    /// the parked sign-in they were part of) sent back to sign in: never a server error.
    fn one_winner(answers: &[(u16, String)], what: &str, won: &str) {
        assert_eq!(answers.iter().filter(|(s, l)| *s == 303 && l == won).count(), 1, "{what}: {answers:?}");
        let lost = |(s, l): &(u16, String)| matches!(s, 401 | 422) || (*s == 303 && (l == won || l == "/login"));
        assert!(answers.iter().all(lost), "{what}: {answers:?}");
    }

    let ch = challenge_in(&page(&app, &c, "/account/security/passkeys/new").await);
    let answer = k.register(&ch.options);
    // A name with a NUL byte (or another control character) is refused before the ceremony is
    // touched, and nothing is stored.
    for bad in ["Key\0", "\0", "Key\u{7}", "Key\r\nX"] {
        let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("name", bad)];
        let s = post(&app, &c, "/account/security/passkeys/new", &form).await.status();
        assert!(s == 400 || s == 422, "{bad:?}: {s}");
    }
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 0);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str()), ("name", "Key")];
    one_winner(&race(&app, &c, "/account/security/passkeys/new", &form).await, "registration", "/account/security");
    assert_eq!(stile::store::passkeys::count_of_user(&app.state.db, &user.id).await.unwrap(), 1);

    let b2 = app.browser();
    app.sign_in(&b2, "race@example.org", PW).await;
    let ch = challenge_in(&page(&app, &b2, "/login/2fa").await);
    let answer = k.assert(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    one_winner(&race(&app, &b2, "/login/2fa/passkey", &form).await, "second factor", "/account");
    let verified = app.audit_actions().await.iter().filter(|(a, o)| a == "passkey.verify" && o == "success").count();
    assert_eq!(verified, 1);

    let b3 = app.browser();
    let ch = challenge_in(&page(&app, &b3, "/login").await);
    let answer = k.assert(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    one_winner(&race(&app, &b3, "/login/passkey", &form).await, "passwordless", "/account");
    let signed_in = app.audit_actions().await.iter().filter(|(a, o)| a == "signin.passkey" && o == "success").count();
    assert_eq!(signed_in, 1);
    app.finish().await;
}
both!(parallel_finishes_have_one_winner);

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("select count(*) from {table}"))).fetch_one(app.state.db.pool()).await.unwrap()
}

/// The passwordless challenge is sealed into the sign-in page, not stored: 50 anonymous views
/// of `/login` write nothing. Its answer is taken once (on any instance), not after it expires,
/// and not with a sealed state that was tampered with.
async fn stateless_signin_challenge(b: Backend) {
    let app = start(b).await;
    let user = app.create_user("sealed@example.org", Some(PW)).await;
    let c = app.browser();
    app.sign_in(&c, "sealed@example.org", PW).await;
    let mut k = key(&app);
    assert_eq!(register(&app, &c, &mut k, "Key").await.status(), 303);
    let tables = ["webauthn_ceremonies", "used_jtis", "audit_events", "sessions"];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(&app, t).await);
    }
    let anon = reqwest::Client::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..50 {
        let html = anon.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        seen.insert(challenge_in(&html).ceremony);
    }
    assert_eq!(seen.len(), 50, "a fresh challenge each time");
    for (t, n) in tables.iter().zip(&before) {
        assert_eq!(count(&app, t).await, *n, "{t}: a view of /login writes nothing");
    }

    // Answered once; the same answer again (a replay) is refused.
    let b1 = app.browser();
    let ch = challenge_in(&page(&app, &b1, "/login").await);
    let answer = k.assert(&ch.options);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    assert_eq!(post(&app, &b1, "/login/passkey", &form).await.status(), 303);
    let b2 = app.browser();
    let csrf = csrf_in(&page(&app, &b2, "/login").await).unwrap();
    let replay = [("csrf", csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    assert_eq!(post(&app, &b2, "/login/passkey", &replay).await.status(), 422, "a spent challenge");
    assert_eq!(b2.get(app.url("/account")).send().await.unwrap().status(), 303);

    // Expired: answered after five minutes.
    let ch = challenge_in(&page(&app, &b2, "/login").await);
    let late = k.assert(&ch.options);
    app.clock.advance(stile::auth::passkeys::CEREMONY_SECS);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", late.as_str())];
    assert_eq!(post(&app, &b2, "/login/passkey", &form).await.status(), 422, "an expired challenge");
    assert_eq!(b2.get(app.url("/account")).send().await.unwrap().status(), 303);

    // Tampered with, truncated, another use's sealed value, NUL bytes: refused, never a 500.
    let ch = challenge_in(&page(&app, &b2, "/login").await);
    let answer = k.assert(&ch.options);
    let mut flipped = ch.ceremony.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let other_use = app.state.master_key.encrypt(b"{}", "passkey-signin-other", &stile::clock::OsRandom).unwrap();
    for bad in [flipped.as_str(), &ch.ceremony[..20], other_use.as_str(), "", "\0\0", "AAAA"] {
        let form = [("csrf", ch.csrf.as_str()), ("ceremony", bad), ("credential", answer.as_str())];
        let s = post(&app, &b2, "/login/passkey", &form).await.status();
        assert!(s == 422 || s == 400, "{bad:?}: {s}");
    }
    // The untouched one still works.
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    assert_eq!(post(&app, &b2, "/login/passkey", &form).await.status(), 303);

    // Another instance (same database and master key) finishes what this one began, once.
    let settings = (*app.state.settings).clone();
    let clock = std::sync::Arc::new(app.clock.clone());
    let (other, _) = stile::app::AppState::build(settings, clock, std::sync::Arc::new(stile::clock::OsRandom), None).await.unwrap();
    let b3 = app.browser();
    let ch = challenge_in(&page(&app, &b3, "/login").await);
    let answer = k.assert(&ch.options);
    let who = stile::auth::ClientInfo::default();
    let (signed_in, _) = stile::auth::passkeys::finish_passwordless(&other, &ch.ceremony, &answer, &who).await.unwrap();
    assert_eq!(signed_in.id, user.id);
    let form = [("csrf", ch.csrf.as_str()), ("ceremony", ch.ceremony.as_str()), ("credential", answer.as_str())];
    assert_eq!(post(&app, &b3, "/login/passkey", &form).await.status(), 422, "spent on the other instance");
    other.db.close().await;
    app.finish().await;
}
both!(stateless_signin_challenge);
