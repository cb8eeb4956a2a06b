//! Guessing under pressure and things that must stay bound: parallel password, TOTP and
//! emailed-code guesses are counted before they are checked; emailed links belong to the
//! address they were sent to; X-Forwarded-For with trusted hops; `next` stays on Stile.

use serde_json::Value;
use stile::store;

use crate::both;
use crate::harness::{Backend, ReceivedMail, SmtpSink, TestApp, csrf_in, field_in, location};
use crate::mail::{ask, ask_password, code_form, open_link, press_email_link, request_email_change, start, type_code};
use crate::mfa::{code_at, codes_in, enrol, enrol_page};

const PW: &str = "correct horse battery";
const PARALLEL: usize = 60;

/// Audit rows for `action` with `outcome` whose details have `reason`.
async fn audit_count(app: &TestApp, action: &str, outcome: &str, reason: Option<&str>) -> usize {
    store::audit::recent(&app.state.db, Some(action), 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == outcome)
        .filter(|e| {
            let details: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
            reason.is_none_or(|r| details["reason"] == r)
        })
        .count()
}

/// [`audit_count`] once it is above zero, or after five seconds: for outcomes written by a task
/// nobody waits for.
async fn audited_soon(app: &TestApp, action: &str, outcome: &str, reason: Option<&str>) -> usize {
    audited_beyond(app, action, outcome, reason, 0).await
}

/// [`audit_count`] once it is above `before`, or after five seconds.
async fn audited_beyond(app: &TestApp, action: &str, outcome: &str, reason: Option<&str>, before: usize) -> usize {
    let mut n = 0;
    for _ in 0..100 {
        n = audit_count(app, action, outcome, reason).await;
        if n > before {
            return n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    n
}

/// Sends `form` to `path` from `c`, holds the check at `point` (between the count and the
/// outcome) and hangs up while it is held there.
async fn hang_up_at(app: &TestApp, c: &reqwest::Client, point: &str, path: &str, form: &(impl serde::Serialize + ?Sized)) {
    hang_up_held(app, c, point, path, form, std::time::Duration::from_millis(500)).await;
}

/// Sends `form` to `path` with the next request to reach `point` held there for `hold`; returns
/// once the server says the request is held (and it has not been answered).
async fn send_held(
    app: &TestApp,
    c: &reqwest::Client,
    point: &str,
    path: &str,
    form: &(impl serde::Serialize + ?Sized),
    hold: std::time::Duration,
) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    app.state.db.inject_pause(point, hold);
    let sent = tokio::spawn(c.post(app.url(path)).form(form).send());
    for _ in 0..1000 {
        if app.state.db.pause_reached() || sent.is_finished() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(app.state.db.pause_reached() && !sent.is_finished(), "the request must be held at {point}");
    sent
}

/// As [`hang_up_at`], with the request held at `point` for `hold`.
async fn hang_up_held(
    app: &TestApp,
    c: &reqwest::Client,
    point: &str,
    path: &str,
    form: &(impl serde::Serialize + ?Sized),
    hold: std::time::Duration,
) {
    let sent = send_held(app, c, point, path, form, hold).await;
    // Dropping the request closes its connection: the browser has gone.
    sent.abort();
    assert!(sent.await.is_err_and(|e| e.is_cancelled()));
}

/// The codes page, once the abandoned request's task has handed it the codes (up to 5 s).
async fn codes_page_once_ready(c: &reqwest::Client, codes_page: &str) -> String {
    for _ in 0..100 {
        let r = c.get(codes_page).send().await.unwrap();
        if r.status() == 200 {
            return r.text().await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    String::new()
}

/// An account's counted password attempts and failures, if any.
async fn account_counts(app: &TestApp, email: &str) -> Option<(i64, i64)> {
    // Keyed by the address's hash: the throttle table holds no addresses.
    counts(app, &format!("signin:account:{}", stile::secret::token_hash(email))).await
}

/// The attempts and failures counted against an account's second factor, if any.
async fn second_factor_counts(app: &TestApp, user_id: &str) -> Option<(i64, i64)> {
    counts(app, &format!("mfa:account:{user_id}")).await
}

/// The attempts and failures counted under a throttle key, if any.
async fn counts(app: &TestApp, key: &str) -> Option<(i64, i64)> {
    sqlx::query_as("select attempts, failures from throttle_counters where key = $1")
        .bind(key)
        .fetch_optional(app.state.db.pool())
        .await
        .unwrap()
}

/// Sends `form` to `path` from `c` PARALLEL times at once; returns the statuses.
async fn burst(app: &TestApp, c: &reqwest::Client, path: &str, form: Vec<(String, String)>) -> Vec<u16> {
    let mut tasks = Vec::new();
    for _ in 0..PARALLEL {
        let (c, url, form) = (c.clone(), app.url(path), form.clone());
        tasks.push(tokio::spawn(async move { c.post(url).form(&form).send().await.unwrap().status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// 60 wrong passwords at once: at most the account's limit (5) are hashed and checked, the rest
/// are refused unchecked, and afterwards the right password is refused too.
async fn parallel_wrong_passwords_are_counted_first(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("burst@example.org", Some(PW)).await;
    let c = app.browser();
    let csrf = app.csrf(&c, "/login").await;
    let form = pairs(&[("csrf", &csrf), ("email", "burst@example.org"), ("password", "a wrong guess"), ("next", "/account")]);
    let statuses = burst(&app, &c, "/login/password", form).await;
    let checked = audit_count(&app, "signin.password", "failure", Some("wrong_password")).await;
    assert!((1..=5).contains(&checked), "{checked} wrong passwords were checked: {statuses:?}");
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    assert!(wrong <= 4, "{wrong} answered 'wrong password': {statuses:?}");
    assert!(statuses.iter().all(|s| [401, 429, 503].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // Locked: the right password is refused as well, without a session.
    let r = app.sign_in(&app.browser(), "burst@example.org", PW).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many failed attempts"));
    // The lock ends like any other, with a fresh count.
    app.clock.advance(301);
    assert_eq!(app.sign_in(&app.browser(), "burst@example.org", PW).await.status(), 303);
    app.finish().await;
}
both!(parallel_wrong_passwords_are_counted_first);

/// A guess sent beside the owner's own sign-in: the success forgives itself and the failures
/// that finished before it (as a mistyped password before the right one is forgiven), not the
/// guesses still being checked, so no more than the limit (five) fail after the success before
/// the lock, however the two interleave. Before, a success reset the count under guesses in
/// flight, and those, failing after it, no longer counted: up to nine were checked.
async fn guesses_beside_a_success_still_count(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("owner@example.org", Some(PW)).await;
    let mut seen = 0;
    for round in 0..3 {
        let c = app.browser();
        let csrf = app.csrf(&c, "/login").await;
        let form = |password: &str| pairs(&[("csrf", &csrf), ("email", "owner@example.org"), ("password", password), ("next", "/account")]);
        let (right, wrong) = (form(PW), form("a wrong guess"));
        let send = |f: Vec<(String, String)>| {
            let (c, url) = (c.clone(), app.url("/login/password"));
            tokio::spawn(async move { c.post(url).form(&f).send().await.unwrap().status().as_u16() })
        };
        // The owner first, three guesses at once, then a wave of guesses.
        let mut first = vec![send(right)];
        first.extend((0..3).map(|_| send(wrong.clone())));
        tokio::time::sleep(std::time::Duration::from_millis(5 * round)).await;
        let wave: Vec<_> = (0..20).map(|_| send(wrong.clone())).collect();
        let mut statuses = Vec::new();
        for h in first.into_iter().chain(wave) {
            statuses.push(h.await.unwrap());
        }
        // Audit rows are numbered in the order they were written; a failure written after the
        // success was counted after it too (its row comes before its count).
        let rows = store::audit::recent(&app.state.db, Some("signin.password"), 10_000).await.unwrap();
        let rows: Vec<_> = rows.into_iter().filter(|e| e.id > seen).collect();
        let success = rows.iter().find(|e| e.outcome == "success").map(|e| e.id);
        let after = rows
            .iter()
            .filter(|e| success.is_some_and(|s| e.id > s) && e.outcome == "failure" && e.details.contains("wrong_password"))
            .count();
        assert!(after <= 5, "round {round}: {after} wrong passwords were checked after the success: {statuses:?}");
        seen = rows.iter().map(|e| e.id).max().unwrap_or(seen);
        assert!(statuses.iter().all(|s| [303, 401, 429, 503].contains(s)), "{statuses:?}");
        // The lock ends before the next round.
        app.clock.advance(3600);
    }
    app.finish().await;
}
both!(guesses_beside_a_success_still_count);

/// A browser that goes away while its password is checked: the check still ends and is written
/// down (the failure's audit row and its count), so an attempt counted before the hash never
/// stays behind with nothing to explain it.
async fn a_sign_in_abandoned_mid_check_is_still_written(b: Backend) {
    let app = TestApp::start_with(b, |s| {
        // Slow enough (about 0.1–0.5 s) to hang up during it.
        s.password.argon2_memory_kib = 65_536;
        s.password.argon2_iterations = 4;
    })
    .await;
    app.create_user("gone@example.org", Some(PW)).await;
    let c = app.browser();
    let csrf = app.password_step(&c, "gone@example.org", "/account").await;
    let hung_up = c
        .post(app.url("/login/password"))
        .timeout(std::time::Duration::from_millis(30))
        .form(&[("csrf", csrf.as_str()), ("email", "gone@example.org"), ("password", "a wrong guess"), ("next", "/account")])
        .send()
        .await;
    assert!(hung_up.is_err(), "the check must outlast the client's patience: {hung_up:?}");
    let audited = audited_soon(&app, "signin.password", "failure", Some("wrong_password")).await;
    assert_eq!(audited, 1, "the failure is written although nobody waited for it");
    assert_eq!(account_counts(&app, "gone@example.org").await, Some((1, 1)), "counted as one failed attempt");
    app.finish().await;
}
both!(a_sign_in_abandoned_mid_check_is_still_written);

/// The same on the account page: a stolen session that hangs up while its guess at the current
/// password is checked still has the guess counted as a failure and audited, so hanging up on
/// every guess neither hides the guesses nor escapes the lock.
async fn a_current_password_check_abandoned_mid_check_is_still_written(b: Backend) {
    let app = TestApp::start_with(b, |s| {
        s.password.argon2_memory_kib = 65_536;
        s.password.argon2_iterations = 4;
    })
    .await;
    app.create_user("left@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "left@example.org", PW).await.status(), 303);
    let csrf = app.csrf(&c, "/account").await;
    let hung_up = c
        .post(app.url("/account/password"))
        .timeout(std::time::Duration::from_millis(30))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current_password", "a wrong guess"),
            ("new_password", "a brand new passphrase"),
            ("confirm_password", "a brand new passphrase"),
        ])
        .send()
        .await;
    assert!(hung_up.is_err(), "the check must outlast the client's patience: {hung_up:?}");
    let audited = audited_soon(&app, "password.change", "failure", Some("wrong_current_password")).await;
    assert_eq!(audited, 1, "the failure is audited although nobody waited for it");
    assert_eq!(account_counts(&app, "left@example.org").await, Some((1, 1)), "counted as one failed attempt");
    app.finish().await;
}
both!(a_current_password_check_abandoned_mid_check_is_still_written);

/// Wrong passwords one after another: the fifth locks, and a right one after 30 wrong ones does
/// not sign in; a right password before the limit starts the count afresh.
async fn sequential_lock_holds_against_the_right_password(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("seq@example.org", Some(PW)).await;
    let c = app.browser();
    for _ in 0..4 {
        assert_eq!(app.sign_in(&c, "seq@example.org", "wrong one").await.status(), 401);
    }
    // A success gives the attempt back and clears the account's count...
    assert_eq!(app.sign_in(&app.browser(), "seq@example.org", PW).await.status(), 303);
    for _ in 0..4 {
        assert_eq!(app.sign_in(&c, "seq@example.org", "wrong one").await.status(), 401);
    }
    // ...so it takes five more failures to lock.
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..26 {
            v.push(app.sign_in(&c, "seq@example.org", "wrong one").await.status().as_u16());
        }
        v
    };
    assert_eq!(statuses[0], 429, "the fifth failure locks");
    assert!(statuses.iter().all(|s| *s == 429));
    assert_eq!(audit_count(&app, "signin.password", "failure", Some("wrong_password")).await, 9, "locked guesses are not checked");
    assert_eq!(app.sign_in(&app.browser(), "seq@example.org", PW).await.status(), 429);
    app.finish().await;
}
both!(sequential_lock_holds_against_the_right_password);

/// 60 wrong TOTP codes at once: at most five are checked, then the right code is refused.
async fn parallel_wrong_totp_codes_are_counted_first(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("totp@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "totp@example.org", PW).await.status(), 303);
    let (secret, _) = enrol(&app, &c).await;
    app.clock.advance(30);
    let before = audit_count(&app, "mfa.verify", "failure", None).await;
    let b2 = app.browser();
    let r = app.sign_in(&b2, "totp@example.org", PW).await;
    assert_eq!(location(&r), "/login/2fa");
    let page = b2.get(app.url("/login/2fa")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    let good = code_at(&secret, app.state.now());
    let wrong = if good == "000001" { "000002" } else { "000001" };
    let statuses = burst(&app, &b2, "/login/2fa", pairs(&[("csrf", &csrf), ("code", wrong)])).await;
    let checked = audit_count(&app, "mfa.verify", "failure", None).await - before;
    assert!((1..=5).contains(&checked), "{checked} wrong codes were checked: {statuses:?}");
    assert!(statuses.iter().all(|s| [401, 429].contains(s)), "{statuses:?}");
    let r = b2.post(app.url("/login/2fa")).form(&[("csrf", csrf.as_str()), ("code", good.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 429, "locked even for the right code");
    app.finish().await;
}
both!(parallel_wrong_totp_codes_are_counted_first);

/// An account with 2FA, signed in and enrolled in `session`, and a second browser whose
/// password sign-in is parked at the second factor (its form's `csrf`), a step later: this
/// step's code and a wrong one.
struct Parked {
    user: stile::store::users::UserRow,
    session: reqwest::Client,
    parked: reqwest::Client,
    csrf: String,
    good: String,
    wrong: &'static str,
}

async fn parked_at_second_factor(app: &TestApp, email: &str) -> Parked {
    let user = app.create_user(email, Some(PW)).await;
    let session = app.browser();
    assert_eq!(app.sign_in(&session, email, PW).await.status(), 303);
    let (secret, _) = enrol(app, &session).await;
    app.clock.advance(30);
    let good = code_at(&secret, app.state.now());
    let wrong = if good == "000001" { "000002" } else { "000001" };
    let parked = app.browser();
    assert_eq!(location(&app.sign_in(&parked, email, PW).await), "/login/2fa");
    let page = parked.get(app.url("/login/2fa")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    Parked { user, session, parked, csrf, good, wrong }
}

/// A wrong second-factor code whose browser hangs up after the attempt is counted and before the
/// code is checked: the failure is still audited and counted, at sign-in and, from a (stolen)
/// session, when turning 2FA off or asking for new recovery codes. Hanging up on every guess
/// neither hides the guesses nor escapes the lock.
async fn a_second_factor_check_abandoned_mid_check_is_still_written(b: Backend) {
    let app = TestApp::start(b).await;
    let Parked { user, session: c, parked: b2, csrf: csrf_2fa, good, wrong } = parked_at_second_factor(&app, "gone2fa@example.org").await;
    // At sign-in.
    let before = audit_count(&app, "mfa.verify", "failure", None).await;
    hang_up_at(&app, &b2, "mfa:counted", "/login/2fa", &[("csrf", csrf_2fa.as_str()), ("code", wrong)]).await;
    assert_eq!(audited_beyond(&app, "mfa.verify", "failure", None, before).await, before + 1, "the failure is audited");
    assert_eq!(second_factor_counts(&app, &user.id).await, Some((1, 1)), "counted as one failed attempt");
    // On the security page.
    let csrf = app.csrf(&c, "/account/security").await;
    hang_up_at(&app, &c, "mfa:counted", "/account/security/disable", &[("csrf", csrf.as_str()), ("code", wrong)]).await;
    assert_eq!(audited_beyond(&app, "mfa.verify", "failure", None, before + 1).await, before + 2);
    assert_eq!(second_factor_counts(&app, &user.id).await, Some((2, 2)));
    let csrf = app.csrf(&c, "/account/security").await;
    hang_up_at(&app, &c, "mfa:counted", "/account/security/recovery-codes", &[("csrf", csrf.as_str()), ("code", wrong)]).await;
    assert_eq!(audited_beyond(&app, "mfa.verify", "failure", None, before + 2).await, before + 3);
    assert_eq!(second_factor_counts(&app, &user.id).await, Some((3, 3)));
    // Two more abandoned guesses at sign-in reach the limit: the lock is written and holds
    // against the right code.
    for n in 4..=5 {
        hang_up_at(&app, &b2, "mfa:counted", "/login/2fa", &[("csrf", csrf_2fa.as_str()), ("code", wrong)]).await;
        assert_eq!(audited_beyond(&app, "mfa.verify", "failure", None, before + n - 1).await, before + n);
    }
    assert_eq!(audited_soon(&app, "mfa.locked", "failure", None).await, 1, "the lock is audited");
    let r = b2.post(app.url("/login/2fa")).form(&[("csrf", csrf_2fa.as_str()), ("code", good.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 429, "locked even for the right code");
    assert!(store::totp::get(&app.state.db, &user.id).await.unwrap().is_some_and(|t| t.confirmed_at.is_some()), "still on");
    app.finish().await;
}
both!(a_second_factor_check_abandoned_mid_check_is_still_written);

/// New recovery codes asked for with the right code by a browser that hangs up meanwhile: the old
/// codes are replaced all the same, so the new ones still wait, once, on the codes page.
async fn new_recovery_codes_survive_a_hang_up(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("keepcodes@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "keepcodes@example.org", PW).await.status(), 303);
    let (secret, old) = enrol(&app, &c).await;
    app.clock.advance(30);
    let good = code_at(&secret, app.state.now());
    let csrf = app.csrf(&c, "/account/security").await;
    hang_up_at(&app, &c, "mfa:counted", "/account/security/recovery-codes", &[("csrf", &csrf), ("code", &good)]).await;
    assert_eq!(audited_soon(&app, "mfa.recovery_codes.regenerate", "success", None).await, 1);
    let codes_page = app.url("/account/security/recovery-codes?next=%2Faccount%2Fsecurity");
    let html = codes_page_once_ready(&c, &codes_page).await;
    let new = codes_in(&html);
    assert_eq!(new.len(), 10, "the new codes are shown: {html}");
    assert!(new.iter().all(|n| !old.contains(n)), "and they are new");
    assert_eq!(c.get(&codes_page).send().await.unwrap().status(), 303, "once");
    app.finish().await;
}
both!(new_recovery_codes_survive_a_hang_up);

/// Enrolment's confirming code, from a browser that hangs up after the attempt is counted: a
/// wrong code is still audited and counted, and the right one still enrols, with the recovery
/// codes waiting, once, on the codes page.
async fn an_enrolment_abandoned_mid_check_is_still_written(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("goneenrol@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "goneenrol@example.org", PW).await.status(), 303);
    let (secret, csrf) = enrol_page(&app, &c, "/login/2fa/enrol?next=%2Faccount%2Fsecurity").await;
    let good = code_at(&secret, app.state.now());
    let wrong = if good == "000001" { "000002" } else { "000001" };
    let form = |code: &str| [("csrf", csrf.clone()), ("code", code.to_owned()), ("next", "/account/security".to_owned())];
    hang_up_at(&app, &c, "mfa_enrol:counted", "/login/2fa/enrol", &form(wrong)).await;
    assert_eq!(audited_soon(&app, "mfa.verify", "failure", None).await, 1, "the failure is audited");
    assert_eq!(second_factor_counts(&app, &user.id).await, Some((1, 1)), "counted as one failed attempt");
    hang_up_at(&app, &c, "mfa_enrol:counted", "/login/2fa/enrol", &form(&good)).await;
    assert_eq!(audited_soon(&app, "mfa.enrol", "success", None).await, 1, "enrolled");
    assert!(store::totp::get(&app.state.db, &user.id).await.unwrap().is_some_and(|t| t.confirmed_at.is_some()));
    let codes_page = app.url("/account/security/recovery-codes?next=%2Faccount%2Fsecurity");
    let html = codes_page_once_ready(&c, &codes_page).await;
    assert_eq!(codes_in(&html).len(), 10, "the recovery codes are shown: {html}");
    assert_eq!(c.get(&codes_page).send().await.unwrap().status(), 303, "once");
    app.finish().await;
}
both!(an_enrolment_abandoned_mid_check_is_still_written);

/// Two right codes for one pending key at once (the next one typed after a slow answer), held
/// one `held` steps and sent one `sent` steps from now: the key is confirmed once, with one set of
/// recovery codes, the set on the codes page works, and the other code is neither a second
/// enrolment nor a wrong guess. Returns where the held one was sent.
async fn enrol_twice_at_once(app: &TestApp, email: &str, held: i64, sent: i64) -> String {
    app.create_user(email, Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, email, PW).await.status(), 303);
    let (secret, csrf) = enrol_page(app, &c, "/login/2fa/enrol?next=%2Faccount%2Fsecurity").await;
    let form = |code: &str| [("csrf", csrf.clone()), ("code", code.to_owned()), ("next", "/account/security".to_owned())];
    let failures = audit_count(app, "mfa.verify", "failure", None).await;
    let enrolled = audit_count(app, "mfa.enrol", "success", None).await;
    // The first is held after its count, past the "still pending?" look.
    let held_form = form(&code_at(&secret, app.state.now() + 30 * held));
    let first = send_held(app, &c, "mfa_enrol:counted", "/login/2fa/enrol", &held_form, std::time::Duration::from_secs(2)).await;
    let r = c.post(app.url("/login/2fa/enrol")).form(&form(&code_at(&secret, app.state.now() + 30 * sent))).send().await.unwrap();
    assert_eq!(location(&r), "/account/security/recovery-codes?next=%2Faccount%2Fsecurity");
    let codes = codes_in(&c.get(app.url(&location(&r))).send().await.unwrap().text().await.unwrap());
    assert_eq!(codes.len(), 10);
    let held_to = location(&first.await.unwrap().unwrap());
    assert_eq!(audit_count(app, "mfa.enrol", "success", None).await, enrolled + 1, "enrolled once");
    assert_eq!(audit_count(app, "mfa.verify", "failure", None).await, failures, "a right code is no wrong guess");
    // A code from the page signs in.
    let d = app.browser();
    assert_eq!(location(&app.sign_in(&d, email, PW).await), "/login/2fa");
    let page = d.get(app.url("/login/2fa")).send().await.unwrap().text().await.unwrap();
    let r = d.post(app.url("/login/2fa")).form(&[("csrf", csrf_in(&page).unwrap()), ("code", codes[0].clone())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_ne!(location(&r), "/login/2fa", "the recovery code shown works");
    held_to
}

async fn two_right_enrolment_codes_at_once_confirm_once(b: Backend) {
    let app = TestApp::start(b).await;
    // The held code is the later step's (a clock a little fast), then the earlier step's.
    for (email, held, sent) in [("later@example.org", 1, 0), ("earlier@example.org", 0, 1)] {
        let held_to = enrol_twice_at_once(&app, email, held, sent).await;
        assert_eq!(held_to, "/account/security/recovery-codes?next=%2Faccount%2Fsecurity", "{email}: to the codes page");
    }
    app.finish().await;
}
both!(two_right_enrolment_codes_at_once_confirm_once);

/// The emailed-link limits count over their own hour: the maintenance pass (every minute), which
/// prunes old counters, does not start them again once the sign-in limits' five minutes are up.
async fn emailed_link_limits_outlive_the_maintenance_pass(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("often@camden.example", None).await;
    let max = app.state.settings.magic_link.address_max_requests;
    for _ in 0..max {
        assert_eq!(ask(&app, &app.browser(), "often@camden.example", "/account").await.status(), 200);
    }
    app.clock.advance(10 * 60);
    stile::server::maintenance_pass(&app.state).await;
    assert_eq!(ask(&app, &app.browser(), "often@camden.example", "/account").await.status(), 429, "still within the hour");
    app.clock.advance(app.state.settings.magic_link.address_window_secs);
    stile::server::maintenance_pass(&app.state).await;
    assert_eq!(ask(&app, &app.browser(), "often@camden.example", "/account").await.status(), 200, "a new hour");
    app.finish().await;
}
both!(emailed_link_limits_outlive_the_maintenance_pass);

/// The server told to stop while a check a browser abandoned is still running: it waits for the
/// check, so the failure is written before it stops rather than lost with the process.
async fn a_shutdown_waits_for_an_abandoned_check(b: Backend) {
    let mut app = TestApp::start(b).await;
    let Parked { user, parked: b2, csrf, wrong, .. } = parked_at_second_factor(&app, "stopping@example.org").await;
    let before = audit_count(&app, "mfa.verify", "failure", None).await;
    let form = [("csrf", csrf.as_str()), ("code", wrong)];
    hang_up_held(&app, &b2, "mfa:counted", "/login/2fa", &form, std::time::Duration::from_secs(3)).await;
    assert_eq!(second_factor_counts(&app, &user.id).await, Some((1, 0)), "still held when the server is told to stop");
    app.stop().await;
    assert_eq!(second_factor_counts(&app, &user.id).await, Some((1, 1)), "written before the server stopped");
    assert_eq!(audit_count(&app, "mfa.verify", "failure", None).await, before + 1);
    app.finish().await;
}
both!(a_shutdown_waits_for_an_abandoned_check);

/// 60 wrong emailed codes at once on one "check your email" page: at most five are compared,
/// then the link and its code are burnt.
async fn parallel_wrong_email_codes_are_counted_first(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    app.create_user("mailburst@camden.example", None).await;
    let c = app.browser();
    let page = ask(&app, &c, "mailburst@camden.example", "/account").await.text().await.unwrap();
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    let wrong = if mail.code() == "000000" { "111111" } else { "000000" };
    let statuses = burst(&app, &c, "/login/email/code", code_form(&page, wrong)).await;
    let checked = audit_count(&app, "signin.email", "failure", Some("wrong_code")).await;
    assert!((1..=5).contains(&checked), "{checked} wrong codes were compared: {statuses:?}");
    assert!(statuses.iter().all(|s| [422, 403].contains(s)), "{statuses:?}");
    assert_eq!(type_code(&app, &c, &page, &mail.code()).await.status(), 403, "burnt: the right code is refused");
    assert_eq!(open_link(&app.browser(), &mail.link()).await.status(), 410);
    app.finish().await;
}
both!(parallel_wrong_email_codes_are_counted_first);

/// Wrong emailed codes whose browser hangs up after the guess is counted and before it is
/// compared: each refusal is still audited, and the guess that reaches the limit still burns the
/// link. A burn lost with the connection is made by the next guess.
async fn an_email_code_check_abandoned_mid_check_is_still_written(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    app.create_user("gonecode@camden.example", None).await;
    app.create_user("lostburn@camden.example", None).await;
    let wrong_of = |mail: &ReceivedMail| if mail.code() == "000000" { "111111" } else { "000000" };
    let c = app.browser();
    let page = ask(&app, &c, "gonecode@camden.example", "/account").await.text().await.unwrap();
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    let form = code_form(&page, wrong_of(&mail));
    hang_up_at(&app, &c, "email_code:counted", "/login/email/code", &form).await;
    assert_eq!(audited_soon(&app, "signin.email", "failure", Some("wrong_code")).await, 1, "the refusal is audited");
    for _ in 0..3 {
        assert_eq!(type_code(&app, &c, &page, wrong_of(&mail)).await.status(), 422);
    }
    // The fifth guess, abandoned: it burns the link and its code all the same.
    hang_up_at(&app, &c, "email_code:counted", "/login/email/code", &form).await;
    assert_eq!(audited_soon(&app, "signin.email.burnt", "failure", None).await, 1, "the burn is audited");
    assert_eq!(type_code(&app, &c, &page, &mail.code()).await.status(), 403, "burnt: the right code is refused");
    assert_eq!(open_link(&app.browser(), &mail.link()).await.status(), 410, "and the link is dead");

    // The connection lost just before the fifth guess's burn: the sixth guess burns the link.
    let c = app.browser();
    let page = ask(&app, &c, "lostburn@camden.example", "/account").await.text().await.unwrap();
    let mail = ReceivedMail::parse(&sink.wait_for(2).await[1]);
    for _ in 0..4 {
        assert_eq!(type_code(&app, &c, &page, wrong_of(&mail)).await.status(), 422);
    }
    app.state.db.inject_fault("email_code:burning");
    assert_eq!(type_code(&app, &c, &page, wrong_of(&mail)).await.status(), 503);
    assert_eq!(type_code(&app, &c, &page, &mail.code()).await.status(), 403, "past the limit: refused unchecked");
    assert_eq!(open_link(&app.browser(), &mail.link()).await.status(), 410, "and the link burnt with it");
    app.finish().await;
}
both!(an_email_code_check_abandoned_mid_check_is_still_written);

/// Changing the address (through the emailed change link) ends every link and code sent to the
/// old address: sign-in link and code, set-password link, other change links.
async fn changing_the_address_ends_pending_links(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let user = app.create_user("lena@camden.example", Some(PW)).await;
    // A sign-in link and code, and a set-password link, to the current address.
    let signin_browser = app.browser();
    let code_page = ask(&app, &signin_browser, "lena@camden.example", "/account").await.text().await.unwrap();
    assert_eq!(ask_password(&app, &app.browser(), "lena@camden.example", "another fine secret", "another fine secret").await.status(), 200);
    // Two changes asked for; the first one used.
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "lena@camden.example", PW).await.status(), 303);
    request_email_change(&app, &c, "lena.one@camden.example").await;
    request_email_change(&app, &c, "lena.two@camden.example").await;
    let mails: Vec<ReceivedMail> = sink.wait_for(6).await.iter().map(|m| ReceivedMail::parse(m)).collect();
    let to = |m: &ReceivedMail, who: &str| m.header("To").unwrap().contains(who);
    let signin = mails.iter().find(|m| to(m, "lena@") && m.raw.contains("/login/email/confirm")).unwrap();
    let password = mails.iter().find(|m| to(m, "lena@") && m.raw.contains("/login/password/new/confirm")).unwrap();
    let one = mails.iter().find(|m| to(m, "lena.one@")).unwrap().link();
    let two = mails.iter().find(|m| to(m, "lena.two@")).unwrap().link();
    assert_eq!(press_email_link(&app, &one).await, 200);
    assert_eq!(store::users::by_id(&app.state.db, &user.id).await.unwrap().unwrap().email, "lena.one@camden.example");
    // Everything else sent before the change is dead.
    assert_eq!(app.browser().get(&two).send().await.unwrap().status(), 410, "revoked: not even the button is offered");
    assert_eq!(store::users::by_id(&app.state.db, &user.id).await.unwrap().unwrap().email, "lena.one@camden.example");
    assert_eq!(open_link(&app.browser(), &signin.link()).await.status(), 410);
    let r = type_code(&app, &signin_browser, &code_page, &signin.code()).await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.browser().get(password.link()).send().await.unwrap().status(), 410);
    assert_eq!(app.sign_in(&app.browser(), "lena.one@camden.example", "another fine secret").await.status(), 401);
    assert_eq!(app.sign_in(&app.browser(), "lena.one@camden.example", PW).await.status(), 303);
    app.finish().await;
}
both!(changing_the_address_ends_pending_links);

/// Even when the address changes some other way (here straight in the database, as an
/// administrator's tool might), a link works only while the account's address is still the one
/// it was sent to, and using one never marks another address verified.
async fn links_are_bound_to_the_address(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let user = app.create_user("max@camden.example", Some(PW)).await;
    // One sign-in email for its code, another for its link (they are one row each).
    let signin_browser = app.browser();
    let code_page = ask(&app, &signin_browser, "max@camden.example", "/account").await.text().await.unwrap();
    let for_code = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    ask(&app, &app.browser(), "max@camden.example", "/account").await;
    let for_link = ReceivedMail::parse(&sink.wait_for(2).await[1]);
    assert_ne!(for_code.link(), for_link.link());
    assert_eq!(ask_password(&app, &app.browser(), "max@camden.example", "another fine secret", "another fine secret").await.status(), 200);
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "max@camden.example", PW).await.status(), 303);
    request_email_change(&app, &c, "max.new@camden.example").await;
    let mails: Vec<ReceivedMail> = sink.wait_for(5).await.iter().map(|m| ReceivedMail::parse(m)).collect();
    let password = mails.iter().find(|m| m.raw.contains("/login/password/new/confirm")).unwrap();
    let change = mails.iter().find(|m| m.raw.contains("/account/email/confirm")).unwrap().link();
    sqlx::query("update users set email = $1, email_verified = 0 where id = $2")
        .bind("someone.else@camden.example")
        .bind(&user.id)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let r = type_code(&app, &signin_browser, &code_page, &for_code.code()).await;
    assert_eq!(r.status(), 422, "the code");
    assert_eq!(open_link(&app.browser(), &for_link.link()).await.status(), 410, "the sign-in link");
    let other = app.browser();
    let page = other.get(password.link()).send().await.unwrap().text().await.unwrap();
    let (csrf, t) = (csrf_in(&page).unwrap(), field_in(&page, "t").unwrap());
    let r = other.post(app.url("/login/password/new/confirm")).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 410, "the set-password link");
    assert_eq!(press_email_link(&app, &change).await, 410, "the change link");
    let now = store::users::by_id(&app.state.db, &user.id).await.unwrap().unwrap();
    assert_eq!(now.email, "someone.else@camden.example");
    assert_eq!(now.email_verified, 0, "no link verified an address it was not sent to");
    assert_eq!(app.sign_in(&app.browser(), "someone.else@camden.example", "another fine secret").await.status(), 401);
    assert!(audit_count(&app, "signin.email", "failure", Some("address_changed")).await >= 1);
    app.finish().await;
}
both!(links_are_bound_to_the_address);

/// Behind one trusted proxy that appends `ip:port` entries, the client's address is that entry,
/// whatever the client put to its left, so per-address throttling applies; an entry in the
/// trusted place that is not an address means the peer's address.
async fn forwarded_for_with_ports(b: Backend) {
    let app = TestApp::start_with(b, |s| {
        s.server.trusted_proxy_hops = 1;
        s.throttle.ip_max_failures = 3;
    })
    .await;
    let c = app.browser();
    let csrf = app.csrf(&c, "/login").await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let email = format!("user{i}@example.org");
        let r = c
            .post(app.url("/login/password"))
            .header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.7:{}", 40000 + i))
            .form(&[("csrf", csrf.as_str()), ("email", email.as_str()), ("password", "wrong"), ("next", "/account")])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 429, 429, 429], "one client address, whatever the spoofed entries");
    let ips: Vec<String> =
        store::audit::recent(&app.state.db, Some("signin.password"), 100).await.unwrap().into_iter().map(|e| e.ip).collect();
    assert!(!ips.is_empty() && ips.iter().all(|ip| ip == "203.0.113.7"), "{ips:?}");
    // IPv6 with a port, from another client: its own count.
    let r = c
        .post(app.url("/login/password"))
        .header("x-forwarded-for", "203.0.113.7, [2001:db8::1]:443")
        .form(&[("csrf", csrf.as_str()), ("email", "v6@example.org"), ("password", "wrong"), ("next", "/account")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Garbage in the trusted place: the peer's address, not the client-supplied entry.
    let r = c
        .post(app.url("/login/password"))
        .header("x-forwarded-for", "198.51.100.99, not-an-address")
        .form(&[("csrf", csrf.as_str()), ("email", "odd@example.org"), ("password", "wrong"), ("next", "/account")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let ips: Vec<String> =
        store::audit::recent(&app.state.db, Some("signin.password"), 2).await.unwrap().into_iter().map(|e| e.ip).collect();
    assert_eq!(ips, vec!["127.0.0.1".to_owned(), "2001:db8::1".to_owned()]);
    app.finish().await;
}
both!(forwarded_for_with_ports);

/// A per-address budget counts an IPv6 client by its /64: an attacker handed a /64 cannot take a
/// fresh budget from each of its addresses. Another /64 has its own; the audit log keeps each
/// whole address.
async fn an_ipv6_64_shares_one_address_budget(b: Backend) {
    let app = TestApp::start_with(b, |s| {
        s.server.trusted_proxy_hops = 1;
        s.throttle.ip_max_failures = 3;
    })
    .await;
    let c = app.browser();
    let csrf = app.csrf(&c, "/login").await;
    let guess = |from: String, i: usize| {
        let (c, csrf, url) = (c.clone(), csrf.clone(), app.url("/login/password"));
        async move {
            let email = format!("v6user{i}@example.org");
            let r = c
                .post(url)
                .header("x-forwarded-for", from)
                .form(&[("csrf", csrf.as_str()), ("email", email.as_str()), ("password", "wrong"), ("next", "/account")])
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    let mut statuses = Vec::new();
    for i in 0..5 {
        statuses.push(guess(format!("[2001:db8:7:7:{i:x}:{:x}::1]:443", 1000 + i), i).await);
    }
    assert_eq!(statuses, vec![401, 401, 429, 429, 429], "five addresses of one /64 share its budget");
    assert_eq!(guess("2001:db8:7:8::1".into(), 9).await, 401, "the next /64 has its own");
    assert_eq!(guess("198.51.100.20".into(), 10).await, 401, "and an IPv4 address its own");
    let ips: Vec<String> =
        store::audit::recent(&app.state.db, Some("signin.password"), 100).await.unwrap().into_iter().map(|e| e.ip).collect();
    assert!(ips.contains(&"2001:db8:7:7:1:3e9:0:1".to_owned()) && ips.contains(&"2001:db8:7:8::1".to_owned()), "{ips:?}");
    app.finish().await;
}
both!(an_ipv6_64_shares_one_address_budget);

/// `next` with a tab, newline, DEL or backslash anywhere, or leading off the site once resolved,
/// is replaced by the account page; a path on the site is kept.
async fn next_stays_on_stile(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("next@example.org", Some(PW)).await;
    for bad in ["/\t/evil.example", "/\n/evil.example", "/x\\..\\\\evil.example", "/a\\b", "/..//evil.example"] {
        let r = app.sign_in_next(&app.browser(), "next@example.org", PW, bad).await;
        assert_eq!(r.status(), 303, "{bad:?}");
        assert_eq!(location(&r), "/account", "{bad:?}");
    }
    // DEL is a control character that no form field may carry: refused at the edge, before
    // anything reads `next`.
    let r = app.sign_in_next(&app.browser(), "next@example.org", PW, "/\u{7f}/evil.example").await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    // The tab arriving percent-encoded in the sign-in page's address is the same tab.
    let c = app.browser();
    let page = c.get(app.url("/login?next=%2F%09%2Fevil.example")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("evil.example"), "the bad target is not carried on");
    let r = app.sign_in_next(&app.browser(), "next@example.org", PW, "/authorize?client_id=x&state=a%2Fb").await;
    assert_eq!(location(&r), "/authorize?client_id=x&state=a%2Fb");
    app.finish().await;
}
both!(next_stays_on_stile);

/// Honest sign-ins from one address sent at once may be asked to wait when more are under way
/// than the address's limit, but they do not lock the address.
async fn parallel_right_passwords_do_not_lock_the_address(b: Backend) {
    let app = TestApp::start_with(b, |s| s.throttle.ip_max_failures = 3).await;
    let mut ready = Vec::new();
    for i in 0..12 {
        let email = format!("staff{i}@example.org");
        app.create_user(&email, Some(PW)).await;
        let c = app.browser();
        let csrf = app.csrf(&c, "/login").await;
        ready.push((c, pairs(&[("csrf", &csrf), ("email", &email), ("password", PW), ("next", "/account")])));
    }
    let mut tasks = Vec::new();
    for (c, form) in ready {
        let url = app.url("/login/password");
        tasks.push(tokio::spawn(async move { c.post(url).form(&form).send().await.unwrap().status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses.iter().all(|s| [303, 429].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&303), "{statuses:?}");
    assert!(!app.audit_actions().await.contains(&("signin.locked".into(), "failure".into())));
    // The address is not locked: the next one signs in straight away.
    app.create_user("later@example.org", Some(PW)).await;
    assert_eq!(app.sign_in(&app.browser(), "later@example.org", PW).await.status(), 303);
    app.finish().await;
}
both!(parallel_right_passwords_do_not_lock_the_address);

/// A stolen session cannot guess the account's password on the change-password form: 60
/// guesses at once check at most the account's limit, then the right current password is
/// refused too, and so is signing in with it (the same lockout).
async fn current_password_guesses_are_counted(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("stolen@example.org", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "stolen@example.org", PW).await.status(), 303);
    let csrf = app.csrf(&c, "/account").await;
    let guess = |current: &str| {
        pairs(&[
            ("csrf", &csrf),
            ("current_password", current),
            ("new_password", "a brand new passphrase"),
            ("confirm_password", "a brand new passphrase"),
        ])
    };
    let statuses = burst(&app, &c, "/account/password", guess("a wrong guess")).await;
    let checked = audit_count(&app, "password.change", "failure", Some("wrong_current_password")).await;
    assert!((1..=4).contains(&checked), "{checked} wrong current passwords were checked: {statuses:?}");
    assert!(statuses.iter().all(|s| [401, 429, 503].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // Locked: the right current password does not change it, and does not sign in either.
    let r = c.post(app.url("/account/password")).form(&guess(PW)).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many failed attempts"));
    let row = store::users::by_id(&app.state.db, &user.id).await.unwrap().unwrap();
    assert_eq!(row.password_hash, user.password_hash, "the password is unchanged");
    assert_eq!(app.sign_in(&app.browser(), "stolen@example.org", PW).await.status(), 429);
    app.finish().await;
}
both!(current_password_guesses_are_counted);
