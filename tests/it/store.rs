//! Store functions on SQLite and PostgreSQL alike.

use stile::catalogue::Catalogue;
use stile::clock::OsRandom;
use stile::email::Email;
use stile::store::{self, StoreError, bodies::NewBody, users::NewUser};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn users_roundtrip_and_unique_email(b: Backend) {
    let app = TestApp::start(b).await;
    let db = &app.state.db;
    let now = app.state.now();
    let email = Email::parse("José.Smith@Camden.GOV.uk").unwrap();
    store::users::insert(
        db,
        &NewUser { id: "u1", email: &email, name: "José", email_verified: true, password_hash: None, superuser: false },
        now,
    )
    .await
    .unwrap();
    // The same address written with a combining accent and other case is the same account.
    let same = Email::parse("JOSE\u{301}.smith@camden.gov.uk").unwrap();
    let err = store::users::insert(
        db,
        &NewUser { id: "u2", email: &same, name: "x", email_verified: false, password_hash: None, superuser: false },
        now,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let u = store::users::by_email(db, &same).await.unwrap().unwrap();
    assert_eq!(u.id, "u1");
    assert_eq!(u.email, "josé.smith@camden.gov.uk");
    assert!(!u.has_password());
    store::users::set_password_hash(db, "u1", "$argon2id$x", now).await.unwrap();
    assert!(store::users::upgrade_password_hash(db, "u1", "$argon2id$x", "$argon2id$y", now).await.unwrap());
    assert!(!store::users::upgrade_password_hash(db, "u1", "$argon2id$x", "$argon2id$z", now).await.unwrap());
    store::users::set_superuser(db, "u1", true, now).await.unwrap();
    assert_eq!(store::users::count_superusers(db).await.unwrap(), 1);
    assert!(matches!(store::users::set_name(db, "nobody", "x", now).await, Err(StoreError::NotFound(_))));
    let found = store::users::search(db, "SMITH", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    // LIKE wildcards in the search are literal.
    assert!(store::users::search(db, "%", 10).await.unwrap().is_empty());
    assert_eq!(store::users::count(db).await.unwrap(), 1);
    app.finish().await;
}
both!(users_roundtrip_and_unique_email);

async fn bodies_domains_and_templates(b: Backend) {
    let app = TestApp::start(b).await;
    let db = &app.state.db;
    let now = app.state.now();
    let domains = vec!["camden.gov.uk".to_owned()];
    let nb = |id: &'static str, name: &'static str, domains: &'static [String]| NewBody {
        id,
        name,
        kind: "council",
        fms_body_id: Some("2504"),
        swa_code: None,
        mfa_policy: "optional",
        password_min_length: Some(12),
        domains,
    };
    let domains: &'static [String] = Box::leak(domains.into_boxed_slice());
    store::bodies::insert(db, &nb("b1", "Camden Council", domains), now).await.unwrap();
    // A second body claiming the same domain is refused and leaves nothing behind.
    let err = store::bodies::insert(db, &nb("b2", "Other Council", domains), now).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)));
    assert!(store::bodies::by_id(db, "b2").await.unwrap().is_none());
    assert!(matches!(store::bodies::insert(db, &nb("b3", "Camden Council", &[]), now).await, Err(StoreError::Conflict(_))));
    assert_eq!(store::bodies::by_domain(db, "camden.gov.uk").await.unwrap().unwrap().id, "b1");
    assert_eq!(store::bodies::domains(db, "b1").await.unwrap(), vec!["camden.gov.uk"]);
    assert_eq!(store::bodies::list(db).await.unwrap().len(), 1);

    // The catalogue was installed at start; installing again changes nothing.
    let perms = store::catalogue::permissions(db).await.unwrap();
    assert!(perms.iter().any(|p| p.key == "fms:report_inspect"));
    assert!(perms.iter().any(|p| p.key.starts_with("sm:")));
    let before = store::catalogue::templates(db).await.unwrap().len();
    Catalogue::builtin().unwrap().install(db, &OsRandom, now).await.unwrap();
    assert_eq!(store::catalogue::templates(db).await.unwrap().len(), before);
    assert_eq!(before, 11);

    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("r{n}")
    };
    let roles = store::catalogue::copy_templates_into_body(db, "b1", "council", &mut ids, now).await.unwrap();
    assert_eq!(roles.len(), 4, "the four FixMyStreet Pro columns");
    let body_roles = store::catalogue::roles_of_body(db, "b1").await.unwrap();
    let inspector = body_roles.iter().find(|r| r.name == "Inspectors").unwrap();
    let perms = store::roles::permissions(db, &inspector.id).await.unwrap();
    assert!(perms.contains(&"fms:report_inspect".to_owned()));
    assert!(!perms.contains(&"fms:moderate".to_owned()));

    // Memberships with roles, direct permissions, workstreams and areas.
    let email = Email::parse("inspector@camden.gov.uk").unwrap();
    store::users::insert(
        db,
        &NewUser { id: "u1", email: &email, name: "I", email_verified: true, password_hash: None, superuser: false },
        now,
    )
    .await
    .unwrap();
    store::memberships::add(db, "m1", "u1", "b1", now).await.unwrap();
    assert!(matches!(store::memberships::add(db, "m2", "u1", "b1", now).await, Err(StoreError::Conflict(_))));
    store::memberships::add_role(db, "m1", &inspector.id).await.unwrap();
    store::memberships::add_role(db, "m1", &inspector.id).await.unwrap();
    store::memberships::add_permission(db, "m1", "fms:contribute_as_body").await.unwrap();
    store::memberships::set_workstream(db, "m1", "001", "read_only").await.unwrap();
    store::memberships::set_workstream(db, "m1", "001", "full_write").await.unwrap();
    store::memberships::add_area(db, "m1", "2504").await.unwrap();
    let ms = store::memberships::of_user(db, "u1").await.unwrap();
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].body_name, "Camden Council");
    let d = store::memberships::detail(db, &ms[0]).await.unwrap();
    assert_eq!(d.roles.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(), vec!["Inspectors"]);
    assert!(d.permissions.contains(&"fms:report_inspect".to_owned()));
    assert!(d.permissions.contains(&"fms:contribute_as_body".to_owned()));
    assert_eq!(d.workstreams, vec![("001".to_owned(), "full_write".to_owned())]);
    assert_eq!(d.areas, vec!["2504"]);
    app.finish().await;
}
both!(bodies_domains_and_templates);

async fn sessions_throttle_audit(b: Backend) {
    let app = TestApp::start(b).await;
    let db = &app.state.db;
    let u = app.create_user("s@example.org", None).await;
    let now = app.state.now();
    let row = store::sessions::SessionRow {
        id_hash: "h1".into(),
        sid: "sid1".into(),
        user_id: u.id.clone(),
        created_at: now,
        last_seen_at: now,
        idle_expires_at: now + 100,
        absolute_expires_at: now + 1000,
        auth_time: now,
        amr: "[\"pwd\"]".into(),
        acr: String::new(),
        ip: "127.0.0.1".into(),
        user_agent: "t".into(),
        second_factor_at: None,
    };
    store::sessions::insert(db, &row).await.unwrap();
    store::sessions::insert(db, &store::sessions::SessionRow { id_hash: "h2".into(), sid: "sid2".into(), ..row.clone() }).await.unwrap();
    assert!(store::sessions::live_by_hash(db, "h1", now + 50).await.unwrap().is_some());
    assert!(store::sessions::live_by_hash(db, "h1", now + 100).await.unwrap().is_none());
    store::sessions::touch(db, "h1", now + 90, now + 190).await.unwrap();
    assert!(store::sessions::live_by_hash(db, "h1", now + 150).await.unwrap().is_some());
    assert_eq!(store::sessions::live_of_user(db, &u.id, now).await.unwrap().len(), 2);
    assert!(store::sessions::delete_by_sid_for_user(db, "sid2", "someone-else").await.unwrap().is_none());
    assert_eq!(store::sessions::by_sid(db, "sid2").await.unwrap().unwrap().id_hash, "h2");
    assert_eq!(store::sessions::delete_expired(db, now + 150).await.unwrap(), 1);
    assert_eq!(store::sessions::delete_all_of_user(db, &u.id).await.unwrap().len(), 1);

    store::throttle::record_failure(db, "k", now - 10).await.unwrap();
    store::throttle::record_failure(db, "k", now).await.unwrap();
    assert_eq!(store::throttle::failures_since(db, "k", now - 5).await.unwrap(), 1);
    assert_eq!(store::throttle::failures_since(db, "k", now - 100).await.unwrap(), 2);
    store::throttle::lock(db, "k", now + 300).await.unwrap();
    assert_eq!(store::throttle::failures_since(db, "k", 0).await.unwrap(), 0);
    assert_eq!(store::throttle::locked_until(db, "k", now).await.unwrap(), Some(now + 300));
    assert_eq!(store::throttle::locked_until(db, "k", now + 300).await.unwrap(), None);
    store::throttle::lock(db, "k", now + 600).await.unwrap();
    assert_eq!(store::throttle::locked_until(db, "k", now).await.unwrap(), Some(now + 600));
    store::throttle::prune(db, now, now + 700).await.unwrap();
    assert_eq!(store::throttle::locked_until(db, "k", now).await.unwrap(), None);

    store::audit::insert(
        db,
        &store::audit::NewEvent {
            action: "test.event",
            outcome: "success",
            details: Some(serde_json::json!({"n": 1})),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let events = store::audit::recent(db, Some("test.event"), 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].details, "{\"n\":1}");

    assert!(store::settings::set_if_absent(db, "demo", "1").await.unwrap());
    assert!(!store::settings::set_if_absent(db, "demo", "2").await.unwrap());
    assert_eq!(store::settings::get(db, "demo").await.unwrap().as_deref(), Some("1"));
    app.finish().await;
}
both!(sessions_throttle_audit);

async fn keys_created_once_and_rotated(b: Backend) {
    let app = TestApp::start(b).await;
    let st = &app.state;
    let rows = store::keys::all(&st.db).await.unwrap();
    // A current and a next key per algorithm, made at first start.
    assert_eq!(rows.len(), 4);
    for r in &rows {
        assert!(!r.private_key_encrypted.contains("PRIVATE"));
        assert!(!r.public_jwk.contains("\"d\""), "no private parameters in the public JWK");
    }
    // A second start (or a second instance) adds nothing.
    let created = stile::tokens::keys::ensure_keys(&st.db, &st.master_key, &OsRandom, st.now()).await.unwrap();
    assert!(created.is_empty());
    let before_current: Vec<String> = rows.iter().filter(|r| r.state == "current").map(|r| r.kid.clone()).collect();
    let promoted = stile::tokens::keys::rotate(&st.db, &st.master_key, &OsRandom, st.now()).await.unwrap();
    assert_eq!(promoted.len(), 2);
    let rows = store::keys::all(&st.db).await.unwrap();
    assert_eq!(rows.len(), 6);
    for kid in before_current {
        assert_eq!(rows.iter().find(|r| r.kid == kid).unwrap().state, "retired");
    }
    st.keys.reload(&st.db, &st.master_key).await.unwrap();
    let jwks = st.keys.jwks().await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 6);
    let es = st.keys.current(stile::tokens::keys::Alg::ES256).await.unwrap();
    assert!(promoted.contains(&es.kid));
    assert_eq!(es.sign_with(b"x", <[u8]>::len).unwrap(), 64);
    app.finish().await;
}
both!(keys_created_once_and_rotated);

/// Rows written with an `xn--` domain before such a domain was read as its Unicode form are
/// brought to that form once at start-up (`store::idn`, migration 0032): otherwise the account
/// could not be found by either spelling, and a ban or an SSO domain would match neither.
async fn idn_rows_are_brought_to_unicode_once(b: Backend) {
    let app = TestApp::start(b).await;
    let db = &app.state.db;
    let now = app.state.now();
    let pending = || async { sqlx::query_scalar::<_, i64>("select count(*) from pending_fixes").fetch_one(db.pool()).await.unwrap() };
    assert_eq!(pending().await, 0, "a fresh database's fix ran at start");
    let exec = |sql: &'static str, args: &'static [&'static str]| async move {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(*a);
        }
        q.execute(db.pool()).await.unwrap();
    };
    // As an older version stored them: the A-label spelling, as typed.
    let ann = app.create_user("ann@example.org", None).await;
    let bob = app.create_user("bob@m\u{fc}nchen.de", None).await;
    let twin = app.create_user("twin@example.org", Some("correct horse battery")).await;
    assert_eq!(app.sign_in(&app.browser(), "twin@example.org", "correct horse battery").await.status(), 303);
    // Read in this order, the first clashes with the second's old look-alike skeleton, which the
    // second gives up when it moves: tried again at the end, it moves too.
    for (id, old) in [("idn-a", "eve@xn--mxa.gr"), ("idn-b", "eve@\u{1fb3}.gr")] {
        let placeholder = Email::parse(&format!("{id}@example.org")).unwrap();
        store::users::insert(
            db,
            &NewUser { id, email: &placeholder, name: id, email_verified: true, password_hash: None, superuser: false },
            now,
        )
        .await
        .unwrap();
        sqlx::query("update users set email = $2, email_skeleton = $3 where id = $1")
            .bind(id)
            .bind(old)
            .bind(stile::email::skeleton(old))
            .execute(db.pool())
            .await
            .unwrap();
    }
    let cat = app.create_user("cat@example.org", None).await;
    let ian = app.create_user("ian@example.org", None).await;
    let plain = app.create_user("plain@example.org", None).await;
    for (id, old) in [
        (&ann.id, "ann@xn--mnchen-3ya.de"),
        (&twin.id, "bob@xn--mnchen-3ya.de"),
        (&cat.id, "cat@xn--a.example"),
        (&ian.id, "ian@\u{1fb3}.gr"),
    ] {
        sqlx::query("update users set email = $2 where id = $1").bind(id).bind(old).execute(db.pool()).await.unwrap();
    }
    for (id, name) in [("b1", "Books"), ("b2", "Cafe One"), ("b3", "Cafe Two")] {
        crate::harness::insert_council(&app, id, name, None).await;
    }
    exec(
        "insert into body_domains (domain, body_id) values ($1, 'b1'), ($2, 'b1'), ($3, 'b2'), ($4, 'b3')",
        &["xn--bcher-kva.example", "b\u{fc}cher.example", "xn--caf-dma.example", "caf\u{e9}.example"],
    )
    .await;
    for (m, user, body) in [("m1", &ann.id, "b1"), ("m2", &twin.id, "b2")] {
        sqlx::query("insert into memberships (id, user_id, body_id, created_at) values ($1, $2, $3, 0)")
            .bind(m)
            .bind(user)
            .bind(body)
            .execute(db.pool())
            .await
            .unwrap();
    }
    exec(
        "insert into banned_emails (pattern, kind, created_at) values ($1, 'domain', 0), ($2, 'domain', 0), ($3, 'domain', 0), ($4, 'email', 0), ($5, 'domain', 0)",
        &["xn--pam-zza.example", "xn--bcher-kva.example", "b\u{fc}cher.example", "eve@xn--mnchen-3ya.de", "\u{1fb3}.gr"],
    )
    .await;
    exec(
        "insert into invitations (id, token_hash, email, kind, body_id, created_at, expires_at) values ('i1', 'h1', $1, 'membership', 'b1', 0, 1)",
        &["dan@xn--mnchen-3ya.de"],
    )
    .await;
    exec("insert into pending_fixes (name) values ('idn-domains')", &[]).await;

    store::idn::canonicalise(db, now).await.unwrap();

    assert_eq!(pending().await, 0);
    let spelled = Email::parse("ann@XN--MNCHEN-3YA.DE").unwrap();
    let found = store::users::by_email(db, &spelled).await.unwrap().unwrap();
    assert_eq!((found.id.as_str(), found.email.as_str()), (ann.id.as_str(), "ann@m\u{fc}nchen.de"));
    let copy: String = sqlx::query_scalar("select user_email from memberships where id = 'm1'").fetch_one(db.pool()).await.unwrap();
    assert_eq!(copy, "ann@m\u{fc}nchen.de", "the membership's copy follows");
    let skeleton: String =
        sqlx::query_scalar("select email_skeleton from users where id = $1").bind(&ann.id).fetch_one(db.pool()).await.unwrap();
    assert_eq!(skeleton, spelled.skeleton());
    let iota: String = sqlx::query_scalar("select email from users where id = $1").bind(&ian.id).fetch_one(db.pool()).await.unwrap();
    assert_eq!(iota, "ian@\u{3b1}\u{3b9}.gr", "a Unicode domain takes its IDNA form too");
    // Another account holds the new form, or the old one is not an address: no one can type
    // their way to it, and checks on its stored address would miss it. Disabled and flagged,
    // with an audit row each; the rest untouched.
    assert_eq!(store::users::by_email(db, &Email::parse("bob@xn--mnchen-3ya.de").unwrap()).await.unwrap().unwrap().id, bob.id);
    for (id, stored, reason, body) in [
        (&twin.id, "bob@xn--mnchen-3ya.de", "address_of_another_account", Some("b2")),
        (&cat.id, "cat@xn--a.example", "address_not_valid", None),
    ] {
        let (email, disabled, flagged): (String, i64, i64) =
            sqlx::query_as("select email, disabled, flagged from users where id = $1").bind(id).fetch_one(db.pool()).await.unwrap();
        assert_eq!((email.as_str(), disabled, flagged), (stored, 1, 1));
        let (details, audit_body): (String, Option<String>) = sqlx::query_as(
            "select details, body_id from audit_events where action = 'user.disable' and target_id = $1 and ip = 'start-up'",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(details.contains(reason), "{details}");
        assert_eq!(audit_body.as_deref(), body, "shown to the body's administrators");
    }
    assert!(store::sessions::live_of_user(db, &twin.id, i64::MIN).await.unwrap().is_empty(), "its sessions ended");
    let err = stile::admin::ops::users::set_disabled(&app.state, &stile::admin::AdminActor::cli(), &twin.id, false).await.unwrap_err();
    assert!(err.to_string().contains("change its address before enabling it"), "{err}");
    let moved: Vec<String> =
        sqlx::query_scalar("select email from users where id in ('idn-a', 'idn-b') order by id").fetch_all(db.pool()).await.unwrap();
    assert_eq!(moved, ["eve@\u{3b1}.gr", "eve@\u{3b1}\u{3b9}.gr"]);
    for id in [&ann.id, &bob.id, &ian.id, &plain.id, &"idn-a".to_owned(), &"idn-b".to_owned()] {
        let (disabled, flagged): (i64, i64) =
            sqlx::query_as("select disabled, flagged from users where id = $1").bind(id).fetch_one(db.pool()).await.unwrap();
        assert_eq!((disabled, flagged), (0, 0));
    }
    // A claim held twice by one body is one claim; a claim of another body's domain stays.
    let claims: Vec<(String, String)> =
        sqlx::query_as("select domain, body_id from body_domains order by body_id, domain").fetch_all(db.pool()).await.unwrap();
    let claims: Vec<(&str, &str)> = claims.iter().map(|(d, b)| (d.as_str(), b.as_str())).collect();
    assert_eq!(claims, [("b\u{fc}cher.example", "b1"), ("xn--caf-dma.example", "b2"), ("caf\u{e9}.example", "b3")]);
    let mut bans: Vec<String> = sqlx::query_scalar("select pattern from banned_emails").fetch_all(db.pool()).await.unwrap();
    bans.sort();
    assert_eq!(bans, ["b\u{fc}cher.example", "eve@m\u{fc}nchen.de", "\u{161}pam.example", "\u{3b1}\u{3b9}.gr"]);
    let invited: String = sqlx::query_scalar("select email from invitations where id = 'i1'").fetch_one(db.pool()).await.unwrap();
    assert_eq!(invited, "dan@m\u{fc}nchen.de");

    // Done once: a row written the old way afterwards is not touched by the next start.
    exec("update users set email = 'ann@xn--mnchen-3ya.de' where email = 'ann@m\u{fc}nchen.de'", &[]).await;
    store::idn::canonicalise(db, now).await.unwrap();
    let again: String = sqlx::query_scalar("select email from users where id = $1").bind(&ann.id).fetch_one(db.pool()).await.unwrap();
    assert_eq!(again, "ann@xn--mnchen-3ya.de");
    app.finish().await;
}
both!(idn_rows_are_brought_to_unicode_once);

/// The write-ahead log's last frame and the frames already copied into the database file, read
/// from the WAL index (`-shm`; https://sqlite.org/walformat.html: `mxFrame` at byte 16,
/// `nBackfill` at byte 96, native byte order), which is what a checkpoint leaves behind
/// whoever ran it.
fn wal_frames(db_file: &std::path::Path) -> (u32, u32) {
    let shm = std::fs::read(db_file.with_extension("db-shm")).unwrap();
    let at = |i: usize| u32::from_ne_bytes(shm[i..i + 4].try_into().unwrap());
    (at(16), at(96))
}

/// Writes about 1,500 pages in one commit: past SQLite's default checkpoint at 1,000.
async fn write_pages(db: &store::Db) {
    sqlx::query("create table if not exists filler (x blob)").execute(db.pool()).await.unwrap();
    sqlx::query(
        "insert into filler (x) select zeroblob(4000) from
         (with recursive n(i) as (select 1 union all select i + 1 from n where i < 1500) select i from n)",
    )
    .execute(db.pool())
    .await
    .unwrap();
}

/// SQLite: a commit that takes the log past 1,000 pages copies it into the file itself (and the
/// request it serves waits), unless the pool leaves checkpoints to the background; then the log
/// stays until `checkpoint_once` copies it. The server runs that every second: a large write
/// through its pool is in the file within a few seconds, with no commit having done it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_checkpoints_off_the_request_path() {
    use std::time::Duration;
    use stile::store::checkpoint::{Checkpoint, FALLBACK_PAGES};
    for (mode, by_commit) in [(Checkpoint::OnCommit, true), (Checkpoint::Background, false)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let db = store::Db::connect_with(&url, 2, Duration::from_secs(5), Duration::from_secs(5), mode).await.unwrap();
        let pages: i64 = sqlx::query_scalar("pragma wal_autocheckpoint").fetch_one(db.pool()).await.unwrap();
        assert_eq!(pages, if by_commit { 1000 } else { i64::from(FALLBACK_PAGES) });
        write_pages(&db).await;
        let (last, copied) = wal_frames(&file);
        assert!(last > 1000, "{last} frames");
        assert_eq!(copied == last, by_commit, "{mode:?}: {copied} of {last} frames copied by the commit");
        // None while no connection is idle (a used one goes back to the pool in a task of its own).
        let mut done = None;
        for _ in 0..50 {
            done = db.checkpoint_once().await.unwrap();
            if done.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let done = done.expect("an idle connection within a second");
        assert_eq!(done.copied, done.log);
        assert_eq!(wal_frames(&file), (last, last));
        db.pool().close().await;
    }

    let app = TestApp::start(Backend::Sqlite).await;
    let file = app.db.dir.path().join("test.db");
    write_pages(&app.state.db).await;
    // Nothing but a checkpoint copies frames, and no commit of this pool does one below
    // FALLBACK_PAGES; a write after a complete checkpoint starts the log again (both counts
    // reset), which only a checkpoint allows too.
    let mut copied_by_task = false;
    for _ in 0..100 {
        let (last, copied) = wal_frames(&file);
        if copied == last {
            copied_by_task = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(copied_by_task, "the server's checkpoint task did not copy the log within 10 s: {:?}", wal_frames(&file));
    app.finish().await;
}
