//! Issue 19: clients and bans are cached in memory (`services::security_cache`), and a change is
//! never served stale. On one instance a change takes effect at once; with two instances on one
//! PostgreSQL database (this process's and the built binary), a change made on either, or in the
//! database by hand, takes effect on both within a second, although the cache's time to live is
//! set to an hour here: only the notification (LISTEN/NOTIFY) can have made it so.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_api::{PW, app_client, cc_token, create_user, machine_client, role, set_password, superuser_api, user_tokens, world};
use crate::both;
use crate::harness::{Backend, TestApp};
use stile::store;

/// An hour: nothing in these tests may rely on an entry expiring.
const LONG_TTL_MS: u64 = 3_600_000;

async fn cc_status(base: &str, id: &str, secret: &str) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{base}/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "stile:admin")])
        .send()
        .await
        .unwrap()
        .status()
}

async fn active(base: &str, id: &str, secret: &str, token: &str) -> bool {
    let r = reqwest::Client::new()
        .post(format!("{base}/introspect"))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["active"].as_bool().unwrap()
}

async fn userinfo_status(base: &str, token: &str) -> StatusCode {
    reqwest::Client::new().get(format!("{base}/userinfo")).bearer_auth(token).send().await.unwrap().status()
}

async fn revoke(base: &str, id: &str, secret: &str, token: &str) {
    let r =
        reqwest::Client::new().post(format!("{base}/revoke")).basic_auth(id, Some(secret)).form(&[("token", token)]).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// Polls `check` until it holds, for at most a second; how long it took.
async fn within_a_second<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_secs(1), "{what}: not seen within a second");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One instance, with a long time to live: every change made through Stile is seen by the very
/// next request, on SQLite and PostgreSQL alike.
async fn changes_take_effect_at_once(b: Backend) {
    let app = TestApp::start_with(b, |s| s.database.security_cache_ttl_ms = LONG_TTL_MS).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let f = role(&su, &w.council, "fms_inspectors").await;
    let (fay, _) = create_user(&su, "fay@council.example", &w.council, &[&f]).await;
    set_password(&app, &fay).await;
    let (app_id, app_secret) = app_client(&app, None).await;
    let (at, _) = user_tokens(&app, &app_id, &app_secret, "fay@council.example", "openid offline_access").await;
    let (job, secret) = machine_client(&app, "Nightly job").await;
    let base = app.base.clone();
    for _ in 0..3 {
        assert_eq!(cc_status(&base, &job, &secret).await, 200);
        assert!(active(&base, &app_id, &app_secret, &at).await);
        assert_eq!(userinfo_status(&base, &at).await, 200);
    }

    // A new secret: the old one fails on the next request, the new one works.
    let v = su.ok(Method::POST, &format!("/clients/{job}/secret"), None).await;
    let new_secret = v["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(cc_status(&base, &job, &secret).await, 401);
    assert_eq!(cc_status(&base, &job, &new_secret).await, 200);
    let job_token = cc_token(&app, &job, &new_secret, "stile:admin").await;
    assert!(active(&base, &app_id, &app_secret, &job_token).await);

    // A client-credentials token revoked by its client: inactive at once, although its unrevoked
    // state was cached by the introspections before.
    let spare = cc_token(&app, &job, &new_secret, "stile:admin").await;
    for _ in 0..2 {
        assert!(active(&base, &app_id, &app_secret, &spare).await);
    }
    revoke(&base, &job, &new_secret, &spare).await;
    assert!(!active(&base, &app_id, &app_secret, &spare).await);
    assert!(active(&base, &app_id, &app_secret, &job_token).await, "only that token");

    // A ban: the user's tokens are inactive at once (and stay so: a ban also revokes them).
    let v = su.ok(Method::POST, "/bans", Some(json!({ "pattern": "@council.example" }))).await;
    assert!(!active(&base, &app_id, &app_secret, &at).await);
    assert_eq!(userinfo_status(&base, &at).await, 401);
    assert_ne!(app.sign_in(&app.browser(), "fay@council.example", PW).await.status(), 303, "the cached ban list was dropped");
    su.ok(Method::DELETE, &format!("/bans/{}", v["pattern"].as_str().unwrap()), None).await;
    assert!(!active(&base, &app_id, &app_secret, &at).await);
    assert_eq!(app.sign_in(&app.browser(), "fay@council.example", PW).await.status(), 303, "and again when it was lifted");

    // A removed client: no more tokens, and the ones it had are inactive.
    su.ok(Method::DELETE, &format!("/clients/{job}"), None).await;
    assert_eq!(cc_status(&base, &job, &new_secret).await, 401);
    assert!(!active(&base, &app_id, &app_secret, &job_token).await);
    app.finish().await;
}
both!(changes_take_effect_at_once);

/// A token whose signature was noted (`KeySet::verified`) as an outsider would try it: a second
/// relying app introspects it; copies one character away (a NUL, a look-alike letter, a byte of
/// the signature) are refused; 60 introspections at once while the user is banned agree with the
/// ban once it is made.
async fn a_noted_signature_lets_nothing_else_through(b: Backend) {
    let app = TestApp::start_with(b, |s| s.database.security_cache_ttl_ms = LONG_TTL_MS).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let f = role(&su, &w.council, "fms_inspectors").await;
    let (fay, _) = create_user(&su, "fay@council.example", &w.council, &[&f]).await;
    set_password(&app, &fay).await;
    let (app_id, app_secret) = app_client(&app, None).await;
    let (at, _) = user_tokens(&app, &app_id, &app_secret, "fay@council.example", "openid").await;
    let (other, other_secret) = machine_client(&app, "Another relying app").await;
    let base = app.base.clone();
    for _ in 0..3 {
        assert!(active(&base, &other, &other_secret, &at).await, "the second app sees it active");
    }
    assert_eq!(userinfo_status(&base, &at).await, 200);

    let sig_at = at.rfind('.').unwrap() + 5;
    let flipped_char = if &at[sig_at..sig_at + 1] == "A" { "B" } else { "A" };
    let payload_at = at.find('.').unwrap() + 3;
    let copies = [
        format!("{at}\0"),
        format!("{}\u{0430}{}", &at[..payload_at], &at[payload_at + 1..]),
        format!("{}{flipped_char}{}", &at[..sig_at], &at[sig_at + 1..]),
        format!("{at}="),
        at.to_uppercase(),
    ];
    for copy in &copies {
        let r = reqwest::Client::new()
            .post(format!("{base}/introspect"))
            .basic_auth(&other, Some(&other_secret))
            .form(&[("token", copy.as_str())])
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status == 400 || body["active"] == json!(false), "{copy:?}: {status} {body}");
        // A NUL or a non-ASCII letter cannot be sent in a header at all.
        if copy.bytes().all(|c| c.is_ascii_graphic()) {
            assert_ne!(userinfo_status(&base, copy).await, 200, "{copy:?}");
        }
    }
    assert!(active(&base, &other, &other_secret, &at).await, "the original is untouched");

    // While the ban is made, either answer is right; once it is made, only one.
    let (_during, _ban) = tokio::join!(
        futures_util::future::join_all((0..60).map(|_| active(&base, &other, &other_secret, &at))),
        su.ok(Method::POST, "/bans", Some(json!({ "pattern": "fay@council.example" })))
    );
    let after = futures_util::future::join_all((0..60).map(|_| active(&base, &other, &other_secret, &at))).await;
    assert!(after.iter().all(|a| !a), "a ban takes the noted token with it: {after:?}");
    assert_eq!(userinfo_status(&base, &at).await, 401);
    app.finish().await;
}
both!(a_noted_signature_lets_nothing_else_through);

struct Instance {
    child: std::process::Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The built binary serving `app`'s database (and master key) under `app`'s issuer, so tokens
/// one instance issues the other accepts.
async fn second_instance(app: &TestApp) -> Instance {
    let port = crate::harness::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_stile"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STILE__DATA_DIR", app.db.dir.path())
        .env("STILE__DATABASE__URL", &app.db.url)
        .env("STILE__DATABASE__SECURITY_CACHE_TTL_MS", LONG_TTL_MS.to_string())
        .env("STILE__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("STILE__SERVER__ISSUER", &app.base)
        .env("STILE__PASSWORD__ARGON2_MEMORY_KIB", "1024")
        .env("STILE__PASSWORD__ARGON2_ITERATIONS", "1")
        .env("STILE__DEMO__ENABLED", "false")
        .env("STILE__LOG__FILTER", "error")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let instance = Instance { child, base };
    for _ in 0..300 {
        if let Ok(r) = reqwest::get(format!("{}/readyz", instance.base)).await
            && r.status() == 200
        {
            return instance;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the second instance did not become ready");
}

fn kid_of(jwt: &str) -> String {
    use base64::Engine;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').next().unwrap()).unwrap();
    serde_json::from_slice::<Value>(&header).unwrap()["kid"].as_str().unwrap().to_owned()
}

async fn cc_kid(base: &str, id: &str, secret: &str) -> String {
    let t: Value = reqwest::Client::new()
        .post(format!("{base}/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "stile:admin")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    kid_of(t["access_token"].as_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_see_each_others_changes_within_a_second() {
    if crate::harness::skip_in_fast_tier("PostgreSQL") {
        return;
    }
    let app = TestApp::start_with(Backend::Postgres, |s| s.database.security_cache_ttl_ms = LONG_TTL_MS).await;
    let other = second_instance(&app).await;
    let (a, b) = (app.base.clone(), other.base.clone());
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let f = role(&su, &w.council, "fms_inspectors").await;
    let (fay, _) = create_user(&su, "fay@council.example", &w.council, &[&f]).await;
    let (gus, _) = create_user(&su, "gus@council.example", &w.council, &[&f]).await;
    set_password(&app, &fay).await;
    set_password(&app, &gus).await;
    let (app_id, app_secret) = app_client(&app, None).await;
    let (fay_at, _) = user_tokens(&app, &app_id, &app_secret, "fay@council.example", "openid offline_access").await;
    let (gus_at, gus_rt) = user_tokens(&app, &app_id, &app_secret, "gus@council.example", "openid offline_access").await;
    let (job, secret) = machine_client(&app, "Nightly job").await;
    let job_token = cc_token(&app, &job, &secret, "stile:admin").await;
    // Both instances have read (and cached) every client and the ban list.
    for base in [&a, &b] {
        for _ in 0..2 {
            assert_eq!(cc_status(base, &job, &secret).await, 200, "{base}");
            for t in [&fay_at, &gus_at, &job_token] {
                assert!(active(base, &app_id, &app_secret, t).await, "{base}");
            }
        }
    }
    let mut seen = Vec::new();

    // A secret rotated on A: B refuses the old one.
    let v = su.ok(Method::POST, &format!("/clients/{job}/secret"), None).await;
    let new_secret = v["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(cc_status(&a, &job, &secret).await, 401);
    seen.push(within_a_second("rotated secret on the other instance", || async { cc_status(&b, &job, &secret).await == 401 }).await);
    assert_eq!(cc_status(&b, &job, &new_secret).await, 200);

    // A user banned on B (with A's admin token: one issuer, one key set): A refuses the user's
    // tokens.
    let r = reqwest::Client::new()
        .post(format!("{b}/api/v1/bans"))
        .bearer_auth(&su.token)
        .json(&json!({ "pattern": "fay@council.example" }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert!(!active(&b, &app_id, &app_secret, &fay_at).await);
    seen.push(within_a_second("ban on the other instance", || async { !active(&a, &app_id, &app_secret, &fay_at).await }).await);
    assert!(active(&a, &app_id, &app_secret, &gus_at).await, "only the banned user");
    seen.push(
        within_a_second("ban list on the other instance", || async {
            app.sign_in(&app.browser(), "fay@council.example", PW).await.status() != 303
        })
        .await,
    );

    // A grant revoked on A: B says its access token is inactive.
    let r = reqwest::Client::new()
        .post(format!("{a}/revoke"))
        .basic_auth(&app_id, Some(&app_secret))
        .form(&[("token", gus_rt.as_str()), ("token_type_hint", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    seen.push(within_a_second("revoked grant on the other instance", || async { !active(&b, &app_id, &app_secret, &gus_at).await }).await);

    // A client-credentials token revoked on A (after both introspected it): inactive on B.
    let spare = cc_token(&app, &job, &new_secret, "stile:admin").await;
    for base in [&a, &b] {
        for _ in 0..2 {
            assert!(active(base, &app_id, &app_secret, &spare).await);
        }
    }
    revoke(&a, &job, &new_secret, &spare).await;
    assert!(!active(&a, &app_id, &app_secret, &spare).await);
    seen.push(within_a_second("revoked token on the other instance", || async { !active(&b, &app_id, &app_secret, &spare).await }).await);

    // A client removed in the database by hand (neither instance wrote it): both refuse it.
    sqlx::query("delete from clients where id = $1").bind(&job).execute(app.state.db.pool()).await.unwrap();
    for base in [&a, &b] {
        seen.push(within_a_second("client removed by hand", || async { cc_status(base, &job, &new_secret).await == 401 }).await);
        assert!(!active(base, &app_id, &app_secret, &job_token).await);
    }

    // Keys rotated on A: B signs with the new current key.
    let (job2, secret2) = machine_client(&app, "Second job").await;
    let before = cc_kid(&b, &job2, &secret2).await;
    let promoted = stile::services::keys::rotate(&app.state.db, &app.state.master_key, &*app.state.rng, app.state.now()).await.unwrap();
    assert!(!promoted.contains(&before));
    seen.push(
        within_a_second("rotated keys on the other instance", || async { promoted.contains(&cc_kid(&b, &job2, &secret2).await) }).await,
    );
    eprintln!("changes seen by the other instance after: {seen:?}");
    drop(other);
    app.finish().await;
}

/// Token claims read every membership of a user in two queries
/// (`store::memberships::details_of_user`): the same as reading each membership's detail, in
/// every part and order, for a user in several bodies with roles, direct permissions,
/// workstreams and areas, and nothing of another user's.
async fn claims_read_all_memberships_at_once(b: Backend) {
    let app = TestApp::start(b).await;
    let st = &app.state;
    let now = st.now();
    let ada = app.create_user("ada@camden.gov.uk", None).await;
    let bob = app.create_user("bob@camden.gov.uk", None).await;
    assert!(store::memberships::details_of_user(&st.db, &ada.id).await.unwrap().is_empty());
    let names = ["Camden", "Hackney", "Islington", "Barnet"];
    for (i, name) in names.iter().enumerate() {
        let body = crate::admin_data::add_body(&app, name, "council", None).await;
        let roles = store::catalogue::roles_of_body(&st.db, &body.id).await.unwrap();
        for user in [&ada, &bob] {
            let m = store::new_id(now, &*st.rng);
            store::memberships::add(&st.db, &m, &user.id, &body.id, now).await.unwrap();
            if user.id == bob.id {
                store::memberships::add_area(&st.db, &m, "bob-only").await.unwrap();
                continue;
            }
            for r in roles.iter().take(i + 1) {
                store::memberships::add_role(&st.db, &m, &r.id).await.unwrap();
            }
            store::memberships::add_permission(&st.db, &m, "fms:moderate").await.unwrap();
            store::memberships::add_permission(&st.db, &m, "fms:report_view_private").await.unwrap();
            store::memberships::set_workstream(&st.db, &m, &format!("01{i}"), "full_write").await.unwrap();
            store::memberships::set_workstream(&st.db, &m, "000", "read_only").await.unwrap();
            store::memberships::add_area(&st.db, &m, "2504").await.unwrap();
            store::memberships::add_area(&st.db, &m, "1000").await.unwrap();
        }
    }
    let all = store::memberships::details_of_user(&st.db, &ada.id).await.unwrap();
    let one_by_one = store::memberships::of_user(&st.db, &ada.id).await.unwrap();
    assert_eq!(all.len(), names.len());
    for (d, m) in all.iter().zip(&one_by_one) {
        let want = store::memberships::detail(&st.db, m).await.unwrap();
        assert_eq!(d.membership.as_ref().map(|m| &m.id), Some(&m.id));
        assert_eq!(d.roles, want.roles);
        assert_eq!(d.permissions, want.permissions);
        assert_eq!(d.direct_permissions, want.direct_permissions);
        assert_eq!(d.workstreams, want.workstreams);
        assert_eq!(d.areas, want.areas);
        assert_eq!(d.mfa_required_by_role, want.mfa_required_by_role);
        assert_eq!(d.phr_required_by_role, want.phr_required_by_role);
        assert!(!d.roles.is_empty() && d.permissions.len() > 2 && d.workstreams.len() == 2 && !d.areas.contains(&"bob-only".to_owned()));
    }
    app.finish().await;
}
both!(claims_read_all_memberships_at_once);
