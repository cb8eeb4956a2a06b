//! Every write of the command line goes through `admin::ops` as the command-line actor: it
//! leaves the audit row the UI and API leave (ip `cli`, no user or client, the OS user in the
//! user agent), in the same transaction, and the same rules refuse it.

use serde_json::Value;
use stile::admin::ops::{self, import};
use stile::admin::{AdminActor, AdminError};
use stile::email::Email;
use stile::store::{self, audit::EventRow};

use crate::cli::{Cli, fails, ok};
use crate::harness::{Backend, TestApp};

async fn db(cli: &Cli) -> store::Db {
    store::Db::connect(&cli.db.url, 1).await.unwrap()
}

async fn events(cli: &Cli, action: &str) -> Vec<EventRow> {
    let db = db(cli).await;
    let rows = store::audit::recent(&db, Some(action), 1000).await.unwrap();
    db.close().await;
    rows
}

/// The one successful `action` row on `target_type:target_id`, checked to be the command line's.
async fn cli_row(cli: &Cli, action: &str, target_type: &str, target_id: &str) -> EventRow {
    let mut rows: Vec<EventRow> =
        events(cli, action).await.into_iter().filter(|e| e.target_type == target_type && e.target_id == target_id).collect();
    assert_eq!(rows.len(), 1, "one {action} row on {target_type}:{target_id}: {rows:?}");
    let row = rows.remove(0);
    assert_eq!(row.outcome, "success", "{row:?}");
    assert_eq!(row.ip, "cli", "{row:?}");
    assert!(row.user_agent.starts_with("stile cli"), "{row:?}");
    assert_eq!((row.actor_user_id.as_deref(), row.actor_client_id.as_deref()), (None, None), "{row:?}");
    row
}

async fn user_id(cli: &Cli, email: &str) -> String {
    let db = db(cli).await;
    let u = store::users::by_email(&db, &Email::parse(email).unwrap()).await.unwrap().unwrap();
    db.close().await;
    u.id
}

async fn body(cli: &Cli, name: &str) -> store::bodies::BodyRow {
    let db = db(cli).await;
    let b = store::bodies::by_name(&db, name).await.unwrap().unwrap();
    db.close().await;
    b
}

async fn memberships(cli: &Cli, user_id: &str) -> usize {
    let db = db(cli).await;
    let n = store::memberships::of_user(&db, user_id).await.unwrap().len();
    db.close().await;
    n
}

async fn cli_writes_are_audited_as_the_command_line(b: Backend) {
    let cli = Cli::new(b).await;
    ok(cli.run(&["migrate"]));
    assert!(events(&cli, "user.create").await.is_empty());

    ok(cli.run(&["user", "add", "staff@camden.gov.uk", "--name", "Staff Member"]));
    let staff = user_id(&cli, "staff@camden.gov.uk").await;
    cli_row(&cli, "user.create", "user", &staff).await;

    ok(cli.run(&["body", "add", "Camden Council", "--kind", "council", "--domain", "camden.gov.uk"]));
    let camden = body(&cli, "Camden Council").await;
    cli_row(&cli, "body.create", "body", &camden.id).await;

    ok(cli.run(&["member", "add", "staff@camden.gov.uk", "Camden Council", "--role", "Inspectors"]));
    let row = cli_row(&cli, "membership.add", "user", &staff).await;
    assert_eq!(row.body_id.as_deref(), Some(camden.id.as_str()));
    assert_eq!(memberships(&cli, &staff).await, 1);

    // The OS user running the command is recorded.
    let o = cli
        .cmd(&["client", "add", "Permits", "--redirect-uri", "https://permits.example.org/cb", "--id", "permits", "--json"])
        .env("USER", "opsperson")
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(ok(o).trim()).unwrap();
    let secret = v["client_secret"].as_str().unwrap().to_owned();
    let row = cli_row(&cli, "client.create", "client", "permits").await;
    assert_eq!(row.user_agent, "stile cli (os user opsperson)");
    assert!(!row.details.contains(&secret), "{row:?}");

    let add = [
        "connection",
        "add-oidc",
        "Camden",
        "--body",
        "Camden Council",
        "--issuer",
        "https://login.example.org/tenant/v2.0",
        "--client-id",
        "stile",
        "--domain",
        "camden.gov.uk",
        "--json",
    ];
    let o = ok(cli.run_with_stdin(&add, "upstream-s3cret\n"));
    let conn: String = serde_json::from_str::<Value>(&o).unwrap()["id"].as_str().unwrap().to_owned();
    let row = cli_row(&cli, "connection.create", "connection", &conn).await;
    assert_eq!(row.body_id.as_deref(), Some(camden.id.as_str()));
    assert!(!row.details.contains("upstream-s3cret"), "{row:?}");

    assert_eq!(camden.mfa_policy.as_str(), "optional");
    assert!(events(&cli, "body.update").await.is_empty());
    ok(cli.run(&["body", "set-mfa", "Camden Council", "required"]));
    cli_row(&cli, "body.update", "body", &camden.id).await;
    assert_eq!(body(&cli, "Camden Council").await.mfa_policy.as_str(), "required");
    cli.db.drop_db().await;
}
crate::both!(cli_writes_are_audited_as_the_command_line);

/// `stile member add` is held to Street Manager's role rules as the UI and API are: a refused
/// combination writes nothing, while each role alone is allowed.
async fn cli_member_add_keeps_street_manager_rules(b: Backend) {
    let cli = Cli::new(b).await;
    ok(cli.run(&["body", "add", "Acme Utilities", "--kind", "promoter", "--swa-code", "7001"]));
    ok(cli.run(&["user", "add", "sam@thameswater.example"]));
    let acme = body(&cli, "Acme Utilities").await;
    let sam = user_id(&cli, "sam@thameswater.example").await;
    // Custom roles tagged with Street Manager roles (the command line has no role commands).
    let db = db(&cli).await;
    for (id, name, sm) in [("role-ui", "UI user", "UI"), ("role-api", "API user", "API")] {
        sqlx::query(
            "insert into roles (id, body_id, template_key, name, namespace, description, body_kinds, mfa_required, sm_role, created_at, updated_at)
             values ($1, $2, null, $3, 'sm', '', '[]', 0, $4, 1, 1)",
        )
        .bind(id)
        .bind(&acme.id)
        .bind(name)
        .bind(sm)
        .execute(db.pool())
        .await
        .unwrap();
    }
    db.close().await;

    let e = fails(cli.run(&["member", "add", "sam@thameswater.example", "Acme Utilities", "--role", "UI user", "--role", "API user"]));
    assert!(e.contains("UI user and an API user"), "{e}");
    assert_eq!(memberships(&cli, &sam).await, 0, "nothing written");
    assert!(events(&cli, "membership.add").await.is_empty());

    ok(cli.run(&["member", "add", "sam@thameswater.example", "Acme Utilities", "--role", "API user"]));
    assert_eq!(memberships(&cli, &sam).await, 1);
    cli_row(&cli, "membership.add", "user", &sam).await;
    cli.db.drop_db().await;
}
crate::both!(cli_member_add_keeps_street_manager_rules);

/// `keys rotate`, `import users` and `export body` leave one audit row each, the command line's,
/// and a refused import leaves none.
async fn cli_keys_import_and_export_are_audited_as_the_command_line(b: Backend) {
    let cli = Cli::new(b).await;
    ok(cli.run(&["migrate"]));
    ok(cli.run(&["body", "add", "Camden Council", "--kind", "council", "--domain", "camden.gov.uk"]));
    let camden = body(&cli, "Camden Council").await;

    let out = ok(cli.run(&["keys", "rotate"]));
    let promoted = out.lines().next().and_then(|l| l.strip_prefix("Promoted to current: ")).unwrap().replace(", ", ",");
    let row = cli_row(&cli, "keys.rotate", "signing_key", &promoted).await;
    assert!(row.details.contains(promoted.split(',').next().unwrap()), "{row:?}");

    let csv = cli.db.dir.path().join("users.csv");
    std::fs::write(&csv, "name,email\nAda,ada@camden.gov.uk\nBea,bea@camden.gov.uk\n").unwrap();
    let dry = ok(cli.run(&["import", "users", csv.to_str().unwrap(), "--body", "Camden Council", "--dry-run"]));
    assert!(dry.contains("all 2 row(s) can be imported"), "{dry}");
    assert!(events(&cli, "user.import").await.is_empty(), "a dry run writes no row");
    ok(cli.run(&["import", "users", csv.to_str().unwrap(), "--body", "Camden Council"]));
    let row = cli_row(&cli, "user.import", "body", &camden.id).await;
    assert!(row.details.contains("\"imported\":2"), "{row:?}");
    assert_eq!(memberships(&cli, &user_id(&cli, "bea@camden.gov.uk").await).await, 1);
    // The same file again: every row is refused, nothing is written and nothing audited.
    fails(cli.run(&["import", "users", csv.to_str().unwrap(), "--body", "Camden Council"]));
    assert_eq!(events(&cli, "user.import").await.len(), 1);

    let file = cli.db.dir.path().join("camden.json");
    ok(cli.run(&["export", "body", "Camden Council", "--output", file.to_str().unwrap()]));
    let data: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(data["members"].as_array().unwrap().len(), 2);
    let row = cli_row(&cli, "body.export", "body", &camden.id).await;
    assert_eq!(row.body_id.as_deref(), Some(camden.id.as_str()));
    cli.db.drop_db().await;
}
crate::both!(cli_keys_import_and_export_are_audited_as_the_command_line);

/// The rows of `action` that are the command line's successes.
async fn app_rows(app: &TestApp, action: &str) -> Vec<EventRow> {
    store::audit::recent(&app.state.db, Some(action), 1000).await.unwrap().into_iter().filter(|e| e.outcome == "success").collect()
}

async fn key_states(app: &TestApp) -> Vec<(String, String)> {
    store::keys::all(&app.state.db).await.unwrap().into_iter().map(|k| (k.kid, k.state)).collect()
}

/// A connection lost between a CLI write and its audit row leaves neither: the keys as they
/// were, no imported user, no demo app, user or "seeded" mark. The retry does it all, once.
async fn interrupted_cli_writes_leave_nothing(b: Backend) {
    let app = TestApp::start_with(b, |s| s.demo.enabled = true).await;
    let cli = AdminActor::cli();

    let keys = key_states(&app).await;
    app.state.db.inject_fault("keys_rotate:rotated");
    assert!(ops::keys::rotate(&app.state, &cli).await.is_err());
    assert_eq!(key_states(&app).await, keys, "no key promoted, retired or made");
    assert!(app_rows(&app, "keys.rotate").await.is_empty());
    let promoted = ops::keys::rotate(&app.state, &cli).await.unwrap();
    assert_eq!(promoted.len(), 2, "one key per algorithm");
    let current: Vec<String> = key_states(&app).await.into_iter().filter(|k| k.1 == "current").map(|k| k.0).collect();
    assert_eq!(current.iter().filter(|k| promoted.contains(k)).count(), 2, "{current:?} {promoted:?}");
    assert_eq!(app_rows(&app, "keys.rotate").await.len(), 1);

    app.state.db.inject_fault("demo_seed:app");
    assert!(ops::demo::seed(&app.state, &cli).await.is_err());
    assert!(stile::clients::get(&app.state.db, stile::demo::CLIENT_ID).await.unwrap().is_none(), "no demo app");
    assert_eq!(store::users::count(&app.state.db).await.unwrap(), 0);
    assert_eq!(store::settings::get(&app.state.db, "demo_seeded").await.unwrap(), None, "the next start tries again");
    assert!(app_rows(&app, "client.create").await.is_empty());
    let seeded = ops::demo::seed(&app.state, &cli).await.unwrap().expect("seeded on the retry");
    assert!(seeded.password.expose().starts_with("demo-"));
    assert!(stile::clients::get(&app.state.db, stile::demo::CLIENT_ID).await.unwrap().is_some());
    let demo = store::users::by_email(&app.state.db, &Email::parse(stile::demo::USER_EMAIL).unwrap()).await.unwrap().unwrap();
    let rows = app_rows(&app, "user.create").await;
    assert_eq!(rows.iter().map(|r| r.target_id.as_str()).collect::<Vec<_>>(), [demo.id.as_str()]);
    assert_eq!(rows[0].ip, "cli");
    assert_eq!(app_rows(&app, "client.create").await.len(), 1);
    assert!(ops::demo::seed(&app.state, &cli).await.unwrap().is_none(), "seeded once");

    let csv = "name,email\nAda,ada@example.org\n";
    app.state.db.inject_fault("import:users_written");
    assert!(import::import(&app.state, &cli, None, csv.as_bytes(), false, &mut import::Quiet).await.is_err());
    assert!(store::users::by_email(&app.state.db, &Email::parse("ada@example.org").unwrap()).await.unwrap().is_none());
    assert!(app_rows(&app, "user.import").await.is_empty());
    let report = import::import(&app.state, &cli, None, csv.as_bytes(), false, &mut import::Quiet).await.unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(app_rows(&app, "user.import").await.len(), 1);
    app.finish().await;
}
crate::both!(interrupted_cli_writes_leave_nothing);

/// What only the operator may do is refused to a signed-in person with no rights, and the
/// refusal is audited: rotating the keys, and an import into no one body.
async fn cli_only_writes_refuse_other_actors(b: Backend) {
    let app = TestApp::start(b).await;
    let someone = app.create_user("someone@example.org", None).await;
    let from = stile::auth::ClientInfo { ip: "192.0.2.1".into(), user_agent: "test".into() };
    let actor = AdminActor::for_user(&app.state, someone, from).await.unwrap();

    let keys = key_states(&app).await;
    assert!(matches!(ops::keys::rotate(&app.state, &actor).await, Err(AdminError::Forbidden(_))));
    assert_eq!(key_states(&app).await, keys);
    let refused = store::audit::recent(&app.state.db, Some("keys.rotate"), 10).await.unwrap();
    assert_eq!(refused.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(), ["failure"]);

    let csv = "name,email\nMal,mal@example.org\n";
    let e = import::import(&app.state, &actor, None, csv.as_bytes(), false, &mut import::Quiet).await.unwrap_err();
    assert!(matches!(e, import::ActorImportError::Admin(AdminError::Forbidden(_))), "{e:?}");
    assert!(store::users::by_email(&app.state.db, &Email::parse("mal@example.org").unwrap()).await.unwrap().is_none());
    app.finish().await;
}
crate::both!(cli_only_writes_refuse_other_actors);

/// SQLite: commands run at once beside a serving instance that is itself writing (failed
/// sign-ins write throttle and audit rows) all succeed — twelve `body add`, a 3,000-user import
/// and three listings; each transaction waits for the write lock (BEGIN IMMEDIATE, busy
/// timeout) rather than failing with "database is locked" — and the server answers no request
/// with a 5xx meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_commands_beside_a_busy_server() {
    let app = TestApp::start(Backend::Sqlite).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for l in 0..4 {
        let (base, stop) = (app.base.clone(), stop.clone());
        let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        load.push(tokio::spawn(async move {
            let (mut answered, mut server_errors) = (0u32, 0u32);
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let page = c.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
                let csrf = crate::harness::csrf_in(&page).unwrap();
                let email = format!("nobody{l}-{i}@example.org");
                let r = c
                    .post(format!("{base}/login/password"))
                    .form(&[("csrf", csrf.as_str()), ("email", email.as_str()), ("password", "not the password"), ("next", "/account")])
                    .send()
                    .await
                    .unwrap();
                answered += 1;
                if r.status().is_server_error() {
                    server_errors += 1;
                }
            }
            (answered, server_errors)
        }));
    }
    // The server's database and data directory (its master key).
    let cli = Cli { db: crate::harness::TestDb { url: app.db.url.clone(), dir: tempfile::tempdir().unwrap(), pg_name: None } };
    let mut cmd = |i: usize| {
        let mut c = cli.cmd(&["body", "add", &format!("Council {i:02}"), "--kind", "council"]);
        c.env("STILE__DATA_DIR", app.db.dir.path());
        c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    };
    // An import (its final write holds the write lock longest) and listings join them.
    let csv = cli.db.dir.path().join("staff.csv");
    let mut rows = String::from("name,email\n");
    for i in 0..3000 {
        rows.push_str(&format!("Staff {i},staff{i}@example.org\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    let other = |args: &[&str]| {
        let mut c = cli.cmd(args);
        c.env("STILE__DATA_DIR", app.db.dir.path());
        c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    };
    let import = other(&["import", "users", csv.to_str().unwrap()]);
    let listings: Vec<_> = (0..3).map(|_| other(&["body", "list"])).collect();
    let children: Vec<_> = (0..12).map(&mut cmd).chain(std::iter::once(import)).chain(listings).collect();
    for (i, child) in children.into_iter().enumerate() {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "command {i}: {}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(store::users::count(&app.state.db).await.unwrap(), 3000, "the import is whole");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for h in load {
        let (answered, server_errors) = h.await.unwrap();
        assert_eq!(server_errors, 0, "the server failed requests beside the commands");
        total += answered;
    }
    assert!(total > 0, "the server was under load");
    let listed = ok(cli.cmd(&["body", "list"]).env("STILE__DATA_DIR", app.db.dir.path()).output().unwrap());
    for i in 0..12 {
        assert!(listed.contains(&format!("Council {i:02}")), "{listed}");
    }
    app.finish().await;
}

/// SQLite: two `stile body add` at once, twenty times, each time on a fresh database, so both
/// processes also migrate it, load the catalogue and make the signing keys at the same moment:
/// every command succeeds (no "database is locked") and both bodies are there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_body_adds_at_once_twenty_times() {
    for round in 0..20 {
        let cli = Cli::new(Backend::Sqlite).await;
        // One master key for both, as an operator's deployment has.
        std::fs::write(cli.db.dir.path().join("master.key"), "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY").unwrap();
        let spawn = |name: &str| {
            cli.cmd(&["body", "add", name, "--kind", "council"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("North Council"), spawn("South Council"));
        for (name, child) in [("North", a), ("South", b)] {
            let o = child.wait_with_output().unwrap();
            assert!(o.status.success(), "round {round}, {name}: {}", String::from_utf8_lossy(&o.stderr));
        }
        let listed = ok(cli.run(&["body", "list"]));
        assert!(listed.contains("North Council") && listed.contains("South Council"), "round {round}: {listed}");
    }
}
