//! The audit log (filters, CSV, append-only), "download all organisation data", and CSV user
//! import in FixMyStreet's format — as library calls and through the `stile` binary.

use std::time::Instant;

use stile::admin::ops::audit_log;
use stile::admin::ops::export;
use stile::admin::ops::import::{self, ImportError, ImportOptions, Quiet, RowGrant};
use stile::clock::OsRandom;
use stile::store::{self, audit::Filter, audit::NewEvent, bodies::BodyRow};

use crate::both;
use crate::cli::{Cli, err, fails, ok, out};
use crate::harness::{Backend, TestApp};

const PW: &str = "correct horse battery staple";

pub(crate) async fn add_body(app: &TestApp, name: &str, kind: &str, fms_id: Option<&str>) -> BodyRow {
    let st = &app.state;
    let now = st.now();
    let id = store::new_id(now, &*st.rng);
    let domains = vec![format!("{}.gov.uk", name.to_lowercase().replace(' ', "-"))];
    store::bodies::insert(
        &st.db,
        &store::bodies::NewBody {
            id: &id,
            name,
            kind,
            fms_body_id: fms_id,
            swa_code: None,
            mfa_policy: "optional",
            password_min_length: None,
            domains: &domains,
        },
        now,
    )
    .await
    .unwrap();
    let rng = st.rng.clone();
    let mut ids = move || store::new_id(now, &*rng);
    store::catalogue::copy_templates_into_body(&st.db, &id, kind, &mut ids, now).await.unwrap();
    store::bodies::by_id(&st.db, &id).await.unwrap().unwrap()
}

fn opts(dry_run: bool) -> ImportOptions<'static> {
    ImportOptions {
        into_body: None,
        authorise: None,
        superuser: true,
        hash_limits: stile::auth::password::HashLimits::from(&stile::config::Settings::load_without_env(None).unwrap().password),
        dry_run,
        actor_user_id: None,
        actor_client_id: None,
        ip: "127.0.0.1",
        user_agent: "test",
    }
}

async fn user_count(app: &TestApp) -> i64 {
    store::users::count(&app.state.db).await.unwrap()
}

#[allow(clippy::too_many_arguments)]
async fn event(app: &TestApp, at: i64, actor: &str, action: &str, body: Option<&str>, ip: &str, outcome: &str, ua: &str) {
    let e = NewEvent {
        actor_user_id: Some(actor),
        action,
        target_type: "user",
        target_id: "target-1",
        body_id: body,
        ip,
        user_agent: ua,
        outcome,
        details: Some(serde_json::json!({ "note": "a, \"quoted\"\nline" })),
        ..Default::default()
    };
    store::audit::insert(&app.state.db, &e, at).await.unwrap();
}

async fn audit_filter_and_csv(b: Backend) {
    let app = TestApp::start(b).await;
    let db = &app.state.db;
    let t0 = 1_800_000_000;
    event(&app, t0, "alice", "signin.password", Some("camden"), "10.0.0.1", "success", "Firefox").await;
    event(&app, t0 + 10, "bob", "signin.password", None, "10.0.0.2", "failure", "=HYPERLINK(\"http://evil\")").await;
    event(&app, t0 + 20, "alice", "user.create", Some("camden"), "10.0.0.1", "success", "+cmd").await;
    event(&app, t0 + 30, "alice", "signin.email", Some("hackney"), "10.0.0.3", "success", "@SUM(1)").await;

    let ids = |p: &audit_log::Page| p.events.iter().map(|e| e.action.clone()).collect::<Vec<_>>();
    let all = audit_log::page(db, &Filter::default(), 100).await.unwrap();
    assert_eq!(ids(&all), ["signin.email", "user.create", "signin.password", "signin.password"], "newest first");
    let f = Filter { actor: "alice".into(), ..Default::default() };
    assert_eq!(audit_log::page(db, &f, 100).await.unwrap().events.len(), 3);
    let f = Filter { action: "signin.*".into(), ..Default::default() };
    assert_eq!(ids(&audit_log::page(db, &f, 100).await.unwrap()), ["signin.email", "signin.password", "signin.password"]);
    let f = Filter { action: "signin.password".into(), outcome: "failure".into(), ..Default::default() };
    let p = audit_log::page(db, &f, 100).await.unwrap();
    assert_eq!(p.events.len(), 1);
    assert_eq!(p.events[0].actor_user_id.as_deref(), Some("bob"));
    let f = Filter { body_id: "camden".into(), ..Default::default() };
    assert_eq!(ids(&audit_log::page(db, &f, 100).await.unwrap()), ["user.create", "signin.password"]);
    let f = Filter { ip: "10.0.0.3".into(), ..Default::default() };
    assert_eq!(ids(&audit_log::page(db, &f, 100).await.unwrap()), ["signin.email"]);
    let f = Filter { target: "target-1".into(), from: Some(t0 + 10), until: Some(t0 + 30), ..Default::default() };
    assert_eq!(ids(&audit_log::page(db, &f, 100).await.unwrap()), ["user.create", "signin.password"]);
    let f = Filter { target: "nobody".into(), ..Default::default() };
    assert!(audit_log::page(db, &f, 100).await.unwrap().events.is_empty());
    // A LIKE wildcard in a prefix is literal.
    let f = Filter { action: "sign%*".into(), ..Default::default() };
    assert!(audit_log::page(db, &f, 100).await.unwrap().events.is_empty());
    assert_eq!(all.events[3].details["note"], "a, \"quoted\"\nline");

    // Paging: newest two, then the rest from the cursor.
    let p1 = audit_log::page(db, &Filter::default(), 2).await.unwrap();
    assert_eq!(ids(&p1), ["signin.email", "user.create"]);
    let f = Filter { before_id: p1.next_before, ..Default::default() };
    let p2 = audit_log::page(db, &f, 2).await.unwrap();
    assert_eq!(ids(&p2), ["signin.password", "signin.password"]);
    assert_eq!(p2.next_before, None);

    // CSV: RFC 4180 quoting, formulas defused, and it reads back as the same cells.
    let mut buf = Vec::new();
    let n = audit_log::write_csv(db, &Filter::default(), 1000, &mut buf).await.unwrap();
    assert_eq!(n, 4);
    let text = String::from_utf8(buf.clone()).unwrap();
    assert!(
        text.starts_with("id,time,actor_user_id,actor_client_id,action,target_type,target_id,body_id,ip,user_agent,outcome,details\r\n")
    );
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "{text}");
    assert!(text.contains("'+cmd") && text.contains("'@SUM(1)"), "{text}");
    let mut r = csv::Reader::from_reader(buf.as_slice());
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r.len() == 12));
    assert_eq!(&rows[2][9], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&rows[2][11], r#"{"note":"a, \"quoted\"\nline"}"#);
    assert_eq!(&rows[3][1], "2027-01-15T08:00:00Z");
    let mut limited = Vec::new();
    assert_eq!(audit_log::write_csv(db, &Filter::default(), 3, &mut limited).await.unwrap(), 3);

    // Append-only: the database refuses to change or remove an event.
    let before = audit_log::page(db, &Filter::default(), 100).await.unwrap().events.len();
    assert!(sqlx::query("update audit_events set outcome = 'success'").execute(db.pool()).await.is_err());
    assert!(sqlx::query("delete from audit_events").execute(db.pool()).await.is_err());
    assert!(sqlx::query("delete from audit_events where id = (select max(id) from audit_events)").execute(db.pool()).await.is_err());
    if b == Backend::Postgres {
        assert!(sqlx::query("truncate audit_events").execute(db.pool()).await.is_err());
    }
    let after = audit_log::page(db, &Filter::default(), 100).await.unwrap();
    assert_eq!(after.events.len(), before);
    assert_eq!(after.events[2].outcome, "failure");
    app.finish().await;
}
both!(audit_filter_and_csv);

async fn export_body_contents(b: Backend) {
    let app = TestApp::start(b).await;
    let st = &app.state;
    let camden = add_body(&app, "Camden", "council", Some("2504")).await;
    let other = add_body(&app, "Hackney", "council", None).await;
    let alice = app.create_user("alice@camden.gov.uk", Some(PW)).await;
    let bob = app.create_user("bob@camden.gov.uk", None).await;
    let outsider = app.create_user("carol@hackney.gov.uk", Some(PW)).await;
    let now = st.now();
    let roles = store::catalogue::roles_of_body(&st.db, &camden.id).await.unwrap();
    let inspectors = roles.iter().find(|r| r.name == "Inspectors").unwrap();
    let m = store::new_id(now, &*st.rng);
    store::memberships::add(&st.db, &m, &alice.id, &camden.id, now).await.unwrap();
    store::memberships::add_role(&st.db, &m, &inspectors.id).await.unwrap();
    store::memberships::add_permission(&st.db, &m, "fms:moderate").await.unwrap();
    store::memberships::set_workstream(&st.db, &m, "001", "full_write").await.unwrap();
    store::memberships::add_area(&st.db, &m, "2504").await.unwrap();
    let m2 = store::new_id(now, &*st.rng);
    store::memberships::add(&st.db, &m2, &bob.id, &camden.id, now).await.unwrap();
    let m3 = store::new_id(now, &*st.rng);
    store::memberships::add(&st.db, &m3, &outsider.id, &other.id, now).await.unwrap();
    // Alice has two-factor authentication: its secret and recovery codes must not leak.
    store::totp::begin(&st.db, &alice.id, "TOTP-SECRET-SENTINEL", now).await.unwrap();
    store::totp::confirm(&st.db, &alice.id, &["RECOVERY-SENTINEL".to_owned()], now).await.unwrap();
    event(&app, now, &alice.id, "user.create", Some(&camden.id), "10.0.0.1", "success", "ua").await;
    event(&app, now, &outsider.id, "user.create", Some(&other.id), "10.0.0.1", "success", "ua").await;

    let data = export::build(&st.db, &camden.id, now).await.unwrap().unwrap();
    let json = serde_json::to_value(&data).unwrap();
    let text = serde_json::to_string_pretty(&data).unwrap();
    assert_eq!(json["format"], "stile.body-export.v1");
    assert_eq!(json["body"]["name"], "Camden");
    assert_eq!(json["body"]["kind"], "council");
    assert_eq!(json["body"]["status"], "active");
    assert_eq!(json["body"]["fms_body_id"], "2504");
    assert_eq!(json["body"]["domains"], serde_json::json!(["camden.gov.uk"]));
    let members = json["members"].as_array().unwrap();
    assert_eq!(members.len(), 2, "only Camden's members");
    assert_eq!(members[0]["email"], "alice@camden.gov.uk");
    assert_eq!(members[0]["two_factor"], true);
    assert_eq!(members[0]["status"], "active");
    assert_eq!(members[0]["membership"]["roles"], serde_json::json!(["Inspectors"]));
    assert_eq!(members[0]["membership"]["permissions"], serde_json::json!(["fms:moderate"]));
    assert_eq!(members[0]["membership"]["workstreams"], serde_json::json!([{"prefix": "001", "access": "full_write"}]));
    assert_eq!(members[0]["membership"]["areas"], serde_json::json!(["2504"]));
    assert_eq!(members[1]["email"], "bob@camden.gov.uk");
    assert_eq!(members[1]["two_factor"], false);
    assert_eq!(json["workstreams"], serde_json::json!(["001"]));
    assert_eq!(json["areas"], serde_json::json!(["2504"]));
    let role = json["roles"].as_array().unwrap().iter().find(|r| r["name"] == "Inspectors").unwrap();
    assert!(role["permissions"].as_array().unwrap().iter().any(|p| p == "fms:report_inspect"), "{role}");
    let events = json["audit_events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "only Camden's events");
    assert_eq!(events[0]["actor_user_id"], alice.id.as_str());
    // No secrets of any kind, and nothing about other bodies' people.
    for leak in ["password_hash", "$argon2", "$2b$", "SENTINEL", "secret", "carol@"] {
        assert!(!text.contains(leak), "export contains {leak}: {text}");
    }
    // Deterministic: the same data exports to the same bytes.
    let again = serde_json::to_string_pretty(&export::build(&st.db, &camden.id, now).await.unwrap().unwrap()).unwrap();
    assert_eq!(text, again);
    assert!(export::build(&st.db, "no-such-body", now).await.unwrap().is_none());
    app.finish().await;
}
both!(export_body_contents);

async fn import_dry_run_refusals_and_import(b: Backend) {
    let app = TestApp::start(b).await;
    let st = &app.state;
    let camden = add_body(&app, "Camden", "council", Some("2504")).await;
    let _promoter = add_body(&app, "Thames Water", "promoter", Some("99")).await;
    app.create_user("existing@camden.gov.uk", None).await;
    sqlx::query("insert into banned_emails (pattern, kind, reason, created_at) values ('banned@example.org', 'email', '', 0), ('spam.example', 'domain', '', 0)")
        .execute(st.db.pool())
        .await
        .unwrap();
    let bcrypt_hash = bcrypt::hash(PW, 4).unwrap();
    let argon_hash = st.hasher.hash(&stile::secret::SecretString::new(PW)).await.unwrap();
    let csv = format!(
        "name,email,from_body,passwordhash,roles,permissions\n\
         Ann Inspector,ann@camden.gov.uk,2504,{bcrypt_hash},Inspectors,\n\
         Ben Mod,BEN@camden.gov.uk,Camden,\"{argon_hash}\",,moderate:user_edit\n\
         Cat Both,cat@camden.gov.uk,2504,,Inspectors|Customer Services,fms:report_edit|planned_reports\n\
         No Body,nobody@example.org,,,,\n\
         Bad Email,not-an-email,2504,,,\n\
         Dup Ann,ann@camden.gov.uk,2504,,,\n\
         Exists,existing@camden.gov.uk,2504,,,\n\
         Unknown Body,u1@camden.gov.uk,1234,,,\n\
         Unknown Role,u2@camden.gov.uk,2504,,Wizards,\n\
         Unknown Perm,u3@camden.gov.uk,2504,,,fly_to_moon\n\
         Bad Hash,u4@camden.gov.uk,2504,plaintextpassword,,\n\
         Banned,banned@example.org,,,,\n\
         Banned Domain,someone@mail.spam.example,,,,\n\
         Roles No Body,u5@example.org,,,Inspectors,\n"
    );
    let users_before = user_count(&app).await;

    let report = import::run(&st.db, &OsRandom, st.now(), csv.as_bytes(), &opts(true), &mut Quiet).await.unwrap();
    let got: Vec<(u64, &str)> = report.problems.iter().map(|p| (p.row, p.field)).collect();
    assert_eq!(
        got,
        [
            (6, "email"),
            (7, "email"),
            (8, "email"),
            (9, "from_body"),
            (10, "roles"),
            (11, "permissions"),
            (12, "passwordhash"),
            (13, "email"),
            (14, "email"),
            (15, "from_body"),
        ],
        "{:#?}",
        report.problems
    );
    let reason = |row: u64| report.problems.iter().find(|p| p.row == row).unwrap().reason.clone();
    assert!(reason(6).contains("not a usable email"), "{}", reason(6));
    assert!(reason(7).contains("also on row 2"), "{}", reason(7));
    assert!(reason(8).contains("already has an account"), "{}", reason(8));
    assert!(reason(9).contains("\"1234\""), "{}", reason(9));
    assert!(reason(10).contains("no role \"Wizards\""), "{}", reason(10));
    assert!(reason(11).contains("fms:fly_to_moon is not in the permission catalogue"), "{}", reason(11));
    assert!(reason(12).contains("bcrypt"), "{}", reason(12));
    assert!(reason(13).contains("banned"), "{}", reason(13));
    assert!(reason(14).contains("banned"), "{}", reason(14));
    assert!(reason(15).contains("no organisation"), "{}", reason(15));
    assert_eq!((report.rows, report.accepted, report.imported), (14, 4, 0));
    assert_eq!(user_count(&app).await, users_before, "a dry run writes nothing");

    // The real import of the same file refuses it whole.
    let e = import::run(&st.db, &OsRandom, st.now(), csv.as_bytes(), &opts(false), &mut Quiet).await.unwrap_err();
    let ImportError::Refused(refused) = e else { panic!("expected a refusal, got {e:?}") };
    assert_eq!(refused.problems, report.problems);
    assert_eq!(user_count(&app).await, users_before, "all or nothing");
    assert!(!app.audit_actions().await.iter().any(|(a, _)| a == "user.import"));

    // A row with the wrong number of fields, or not UTF-8, is reported and reading goes on.
    let mut bytes = b"email,name\nok1@example.org,One\nbad@example.org,Two,extra\n".to_vec();
    bytes.extend_from_slice(b"latin1@example.org,Jos\xe9\nbad-email,Four\n");
    let r = import::run(&st.db, &OsRandom, st.now(), bytes.as_slice(), &opts(true), &mut Quiet).await.unwrap();
    let got: Vec<(u64, &str)> = r.problems.iter().map(|p| (p.row, p.field)).collect();
    assert_eq!(got, [(3, "row"), (4, "row"), (5, "email")], "{:#?}", r.problems);
    assert!(r.problems[0].reason.contains("3 field(s) where the header has 2"), "{}", r.problems[0].reason);
    assert!(r.problems[1].reason.contains("UTF-8"), "{}", r.problems[1].reason);
    assert_eq!((r.rows, r.accepted), (4, 1));

    // A bad header refuses the file before any row.
    let e = import::run(&st.db, &OsRandom, st.now(), "name,email,password\nA,a@b.org,x\n".as_bytes(), &opts(true), &mut Quiet)
        .await
        .unwrap_err();
    assert!(matches!(&e, ImportError::File(m) if m.to_string().contains("\"password\"")), "{e:?}");

    // Only the good rows: imported in one go, with one audit event.
    let good: String = csv.lines().take(5).map(|l| format!("{l}\n")).collect();
    let report = import::run(&st.db, &OsRandom, st.now(), good.as_bytes(), &opts(false), &mut Quiet).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.imported, report.memberships, report.with_password), (4, 3, 2));
    assert_eq!(user_count(&app).await, users_before + 4);
    let ben = store::users::by_email(&st.db, &stile::email::Email::parse("ben@camden.gov.uk").unwrap()).await.unwrap().unwrap();
    assert_eq!(ben.name, "Ben Mod");
    assert!(ben.is_email_verified());
    // The imported memberships carry their users' email and name (migration 0029's copy, which a
    // search within an organisation matches), so the new member is found there at once.
    let found = store::users::search_page(
        &st.db,
        &store::users::Search {
            query: "ben mod",
            flagged_only: false,
            bodies: Some(std::slice::from_ref(&camden.id)),
            limit: 50,
            offset: 0,
        },
    )
    .await
    .unwrap();
    assert_eq!(found.0.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), ["ben@camden.gov.uk"]);
    let stale: i64 = sqlx::query_scalar(
        "select count(*) from memberships m join users u on u.id = m.user_id where m.user_email <> u.email or m.user_name <> u.name",
    )
    .fetch_one(st.db.pool())
    .await
    .unwrap();
    assert_eq!(stale, 0);
    let ms = store::memberships::of_user(&st.db, &ben.id).await.unwrap();
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].body_id, camden.id);
    let d = store::memberships::detail(&st.db, &ms[0]).await.unwrap();
    assert_eq!(d.direct_permissions, ["fms:moderate", "fms:user_edit"]);
    let cat = store::users::by_email(&st.db, &stile::email::Email::parse("cat@camden.gov.uk").unwrap()).await.unwrap().unwrap();
    let d = store::memberships::detail(&st.db, &store::memberships::of_user(&st.db, &cat.id).await.unwrap()[0]).await.unwrap();
    let names: Vec<&str> = d.roles.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["Customer Services", "Inspectors"]);
    assert_eq!(d.direct_permissions, ["fms:planned_reports", "fms:report_edit"]);
    let nobody = store::users::by_email(&st.db, &stile::email::Email::parse("nobody@example.org").unwrap()).await.unwrap().unwrap();
    assert!(store::memberships::of_user(&st.db, &nobody.id).await.unwrap().is_empty());
    let imports = store::audit::recent(&st.db, Some("user.import"), 10).await.unwrap();
    assert_eq!(imports.len(), 1, "one event per import, not per row");
    let details: serde_json::Value = serde_json::from_str(&imports[0].details).unwrap();
    assert_eq!(details["imported"], 4);
    assert_eq!(details["bodies"], serde_json::json!([camden.id]));
    assert_eq!(imports[0].body_id.as_deref(), Some(camden.id.as_str()), "an import into one body is that body's event");
    assert!(!imports[0].details.contains('@'), "no addresses in the audit log");

    // Importing the same file again: every row already exists, nothing changes.
    let e = import::run(&st.db, &OsRandom, st.now(), good.as_bytes(), &opts(false), &mut Quiet).await.unwrap_err();
    assert!(matches!(&e, ImportError::Refused(r) if r.problems.len() == 4), "{e:?}");

    // Into one body: rows naming another body are refused; empty from_body joins it; and the
    // delegation check sees what each row grants.
    let only_moderate = |g: Option<&RowGrant<'_>>| -> Result<(), String> {
        let g = g.ok_or("a superuser must import users in no body")?;
        match g.permissions.iter().find(|p| *p != "fms:moderate") {
            Some(p) => Err(format!("you may not grant {p}")),
            None => Ok(()),
        }
    };
    let o = ImportOptions { into_body: Some(&camden), authorise: Some(&only_moderate), ..opts(true) };
    let csv = "email,from_body,roles,permissions\nx1@camden.gov.uk,,,moderate\nx2@camden.gov.uk,99,,\nx3@camden.gov.uk,,Inspectors,\nx4@camden.gov.uk,,,user_edit\n";
    let r = import::run(&st.db, &OsRandom, st.now(), csv.as_bytes(), &o, &mut Quiet).await.unwrap();
    let got: Vec<(u64, &str)> = r.problems.iter().map(|p| (p.row, p.field)).collect();
    assert_eq!(got, [(3, "from_body"), (4, "roles"), (5, "permissions")], "{:#?}", r.problems);
    assert!(r.problems[0].reason.contains("into Camden"), "{}", r.problems[0].reason);
    assert!(r.problems[1].reason.starts_with("you may not grant fms:"), "{}", r.problems[1].reason);
    assert_eq!(r.problems[2].reason, "you may not grant fms:user_edit");
    assert_eq!((r.accepted, r.memberships), (1, 1));
    let o = ImportOptions { authorise: Some(&only_moderate), ..opts(true) };
    let r = import::run(&st.db, &OsRandom, st.now(), "email\nloose@example.org\n".as_bytes(), &o, &mut Quiet).await.unwrap();
    assert_eq!(r.problems[0].reason, "a superuser must import users in no body");

    // Street Manager's role rules: an Admin cannot also be an API user.
    let ha = add_body(&app, "Kent Highways", "highway_authority", Some("77")).await;
    sqlx::query(
        "insert into roles (id, body_id, name, sm_role, created_at, updated_at) values ('api-role', $1, 'API access', 'API', 0, 0)",
    )
    .bind(&ha.id)
    .execute(st.db.pool())
    .await
    .unwrap();
    let csv = "email,from_body,roles\nh1@kent.gov.uk,77,Highway Authority|API access\nh2@kent.gov.uk,77,HA admin|API access\n";
    let r = import::run(&st.db, &OsRandom, st.now(), csv.as_bytes(), &opts(true), &mut Quiet).await.unwrap();
    let got: Vec<(u64, &str, &str)> = r.problems.iter().map(|p| (p.row, p.field, p.reason.as_str())).collect();
    assert_eq!(got, [(3, "roles", "An Admin user cannot also be an API user.")]);
    app.finish().await;
}
both!(import_dry_run_refusals_and_import);

async fn imported_bcrypt_password_signs_in_and_is_upgraded(b: Backend) {
    let app = TestApp::start(b).await;
    let st = &app.state;
    let hash = bcrypt::hash(PW, 4).unwrap();
    let csv = format!("name,email,from_body,passwordhash,roles,permissions\nFrom FMS,fms.user@example.org,,{hash},,\n");
    import::run(&st.db, &OsRandom, st.now(), csv.as_bytes(), &opts(false), &mut Quiet).await.unwrap();
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "fms.user@example.org", "wrong password entirely").await.status(), 401);
    let r = app.sign_in(&app.browser(), "fms.user@example.org", PW).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let u = store::users::by_email(&st.db, &stile::email::Email::parse("fms.user@example.org").unwrap()).await.unwrap().unwrap();
    let stored = u.password_hash.unwrap();
    assert!(stored.starts_with("$argon2id$"), "upgraded on first sign-in: {stored}");
    assert_eq!(app.sign_in(&app.browser(), "fms.user@example.org", PW).await.status(), 303, "the new hash works");
    app.finish().await;
}
both!(imported_bcrypt_password_signs_in_and_is_upgraded);

async fn import_ten_thousand_rows(b: Backend) {
    let app = TestApp::start(b).await;
    let st = &app.state;
    add_body(&app, "Camden", "council", Some("2504")).await;
    let hash = bcrypt::hash(PW, 4).unwrap();
    let mut csv = String::from("name,email,from_body,passwordhash,roles,permissions\n");
    for i in 0..10_000 {
        let (roles, perms, pw) = match i % 3 {
            0 => ("Inspectors", "", hash.as_str()),
            1 => ("", "moderate:user_edit", ""),
            _ => ("", "", ""),
        };
        csv.push_str(&format!("User {i},user{i}@camden.gov.uk,2504,{pw},{roles},{perms}\n"));
    }
    let start = Instant::now();
    let dry = import::run(&st.db, &OsRandom, st.now(), csv.as_bytes(), &opts(true), &mut Quiet).await.unwrap();
    let checked = start.elapsed();
    assert!(dry.problems.is_empty());
    let start = Instant::now();
    let report = import::run(&st.db, &OsRandom, st.now(), csv.as_bytes(), &opts(false), &mut Quiet).await.unwrap();
    println!("10,000-row import on {b:?}: dry run {checked:?}, import {:?}", start.elapsed());
    assert_eq!(report.imported, 10_000);
    assert_eq!(user_count(&app).await, 10_000);
    app.finish().await;
}
both!(import_ten_thousand_rows);

async fn cli_import_export_audit(b: Backend) {
    let cli = Cli::new(b).await;
    ok(cli.run(&["migrate"]));
    ok(cli.run(&["body", "add", "Camden", "--kind", "council", "--domain", "camden.gov.uk", "--fms-body-id", "2504"]));
    ok(cli.run(&["user", "add", "existing@camden.gov.uk"]));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "name,email,from_body,passwordhash,roles,permissions\nAnn,ann@camden.gov.uk,2504,,Inspectors,\nOld,existing@camden.gov.uk,,,,\nOops,oops,,,,\n",
    )
    .unwrap();
    let o = cli.run(&["import", "users", bad.to_str().unwrap(), "--dry-run"]);
    let listing = out(&o);
    let e = fails(o);
    assert!(e.contains("2 of 3 row(s) would be refused"), "{e}");
    assert!(listing.contains("row 3: email: existing@camden.gov.uk already has an account"), "{listing}");
    assert!(listing.contains("row 4: email:"), "{listing}");
    let o = cli.run(&["import", "users", bad.to_str().unwrap()]);
    assert!(out(&o).contains("row 3:"));
    let e = fails(o);
    assert!(e.contains("nothing was imported"), "{e}");
    let e = fails(cli.run(&["import", "users", dir.path().join("missing.csv").to_str().unwrap()]));
    assert!(e.contains("cannot open"), "{e}");
    let e = fails(cli.run(&["import", "users", bad.to_str().unwrap(), "--body", "Nowhere"]));
    assert!(e.contains("no body named \"Nowhere\""), "{e}");

    let good = dir.path().join("good.csv");
    std::fs::write(&good, "email,name,roles\nann@camden.gov.uk,Ann,Inspectors\nbob@camden.gov.uk,Bob,\n").unwrap();
    let o = ok(cli.run(&["import", "users", good.to_str().unwrap(), "--body", "Camden", "--dry-run"]));
    assert!(o.contains("all 2 row(s) can be imported"), "{o}");
    let o = ok(cli.run(&["import", "users", good.to_str().unwrap(), "--body", "Camden"]));
    assert!(o.contains("Imported 2 user(s) (2 with a body"), "{o}");
    let o = ok(cli.run(&["user", "show", "ann@camden.gov.uk"]));
    assert!(o.contains("member of:      Camden (council) roles: Inspectors"), "{o}");

    // Export to standard output and to a file readable by its owner only.
    let o = cli.run(&["export", "body", "Camden"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", err(&o)));
    assert_eq!(json["body"]["name"], "Camden");
    assert_eq!(json["members"].as_array().unwrap().len(), 2);
    let file = dir.path().join("camden.json");
    ok(cli.run(&["export", "body", "Camden", "--output", file.to_str().unwrap()]));
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved["members"][0]["email"], "ann@camden.gov.uk");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let e = fails(cli.run(&["export", "body", "Nowhere"]));
    assert!(e.contains("no body named"), "{e}");

    // The audit log: the import and the exports are there; CSV parses.
    let o = ok(cli.run(&["audit", "list", "--action", "user.import"]));
    assert_eq!(o.lines().filter(|l| l.contains("user.import")).count(), 1, "{o}");
    let o = ok(cli.run(&["audit", "list", "--body", "Camden", "--csv"]));
    let mut r = csv::Reader::from_reader(o.as_bytes());
    let actions: Vec<String> = r.records().map(|r| r.unwrap()[4].to_owned()).collect();
    // `body add` goes through admin::ops now, so the body's creation is audited too.
    assert_eq!(actions, ["body.export", "body.export", "user.import", "body.create"], "{o}");
    let o = ok(cli.run(&["audit", "list", "--action", "body.*", "--limit", "1"]));
    assert!(o.contains("(more: add --before"), "{o}");
    let e = fails(cli.run(&["audit", "list", "--since", "yesterday"]));
    assert!(e.contains("--since must be a time"), "{e}");
    let e = fails(cli.run(&["audit", "list", "--outcome", "maybe"]));
    assert!(e.contains("success or failure"), "{e}");
    let o = ok(cli.run(&["audit", "list", "--since", "2000-01-01T00:00:00Z", "--outcome", "success", "--csv"]));
    assert!(o.lines().count() >= 4, "{o}");
    cli.db.drop_db().await;
}
both!(cli_import_export_audit);

/// A user who is a member of `body` with the named roles.
async fn member_with(app: &TestApp, email: &str, body: &BodyRow, role_names: &[&str]) -> store::users::UserRow {
    let st = &app.state;
    let u = app.create_user(email, None).await;
    let now = st.now();
    let m = store::new_id(now, &*st.rng);
    store::memberships::add(&st.db, &m, &u.id, &body.id, now).await.unwrap();
    let roles = store::catalogue::roles_of_body(&st.db, &body.id).await.unwrap();
    for name in role_names {
        let r = roles.iter().find(|r| r.name == *name).unwrap_or_else(|| panic!("no role {name}"));
        store::memberships::add_role(&st.db, &m, &r.id).await.unwrap();
    }
    u
}

async fn actor(app: &TestApp, u: &store::users::UserRow) -> stile::admin::AdminActor {
    let from = stile::auth::ClientInfo { ip: "192.0.2.7".into(), user_agent: "test".into() };
    stile::admin::AdminActor::for_user(&app.state, u.clone(), from).await.unwrap()
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, stile::admin::AdminError>) -> String {
    match r {
        Err(stile::admin::AdminError::Forbidden(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn delegated_export_import_and_audit_view(b: Backend) {
    let app = TestApp::start(b).await;
    let st = &app.state;
    let camden = add_body(&app, "Camden", "council", Some("2504")).await;
    let thames = add_body(&app, "Thames Water", "promoter", None).await;
    let kier = add_body(&app, "Kier", "contractor", None).await;
    let camden_admin = actor(&app, &member_with(&app, "admin@camden.gov.uk", &camden, &["Administrators"]).await).await;
    let inspector = actor(&app, &member_with(&app, "inspector@camden.gov.uk", &camden, &["Inspectors"]).await).await;
    let promoter_admin = actor(&app, &member_with(&app, "admin@thames.example", &thames, &["Promoter admin"]).await).await;
    let contractor_admin = actor(&app, &member_with(&app, "admin@kier.example", &kier, &["Contractor admin"]).await).await;
    let root_user = app.create_user("root@example.org", None).await;
    store::users::set_superuser(&st.db, &root_user.id, true, st.now()).await.unwrap();
    let root = actor(&app, &store::users::by_id(&st.db, &root_user.id).await.unwrap().unwrap()).await;

    // Export: FixMyStreet user managers, promoter and HA admins, superusers; nobody else.
    let data = export::for_actor(st, &camden_admin, &camden.id).await.unwrap();
    assert_eq!(data.members.len(), 2);
    export::for_actor(st, &promoter_admin, &thames.id).await.unwrap();
    export::for_actor(st, &root, &kier.id).await.unwrap();
    let reason = forbidden(export::for_actor(st, &inspector, &camden.id).await);
    assert!(reason.contains("fms:user_manage_permissions"), "{reason}");
    let reason = forbidden(export::for_actor(st, &contractor_admin, &kier.id).await);
    assert!(reason.contains("Only promoter and highway authority admins"), "{reason}");
    let reason = forbidden(export::for_actor(st, &promoter_admin, &camden.id).await);
    assert!(reason.contains("organisations you are an administrator of"), "{reason}");
    let f = Filter { action: "body.export".into(), ..Default::default() };
    let events = audit_log::page(&st.db, &f, 100).await.unwrap().events;
    let outcomes: Vec<&str> = events.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["failure", "failure", "failure", "success", "success", "success"], "every export and refusal audited");
    assert_eq!(events[0].details["reason"], reason.as_str());

    // Audit view: a body's admins see that body's events; superusers everything.
    let f = audit_log::scope_for(st, &camden_admin, Filter::default()).await.unwrap();
    assert_eq!(f.body_id, camden.id, "their one body by default");
    let reason = forbidden(audit_log::scope_for(st, &camden_admin, Filter { body_id: thames.id.clone(), ..Default::default() }).await);
    assert!(reason.contains("organisations you are an administrator of"), "{reason}");
    let reason = forbidden(audit_log::scope_for(st, &inspector, Filter { body_id: camden.id.clone(), ..Default::default() }).await);
    assert!(reason.contains("administrators can see its members and audit log"), "{reason}");
    forbidden(audit_log::scope_for(st, &inspector, Filter::default()).await);
    assert_eq!(audit_log::scope_for(st, &root, Filter::default()).await.unwrap().body_id, "");
    let seen = audit_log::page(&st.db, &f, 100).await.unwrap().events;
    assert!(!seen.is_empty() && seen.iter().all(|e| e.body_id.as_deref() == Some(camden.id.as_str())));

    // Import: only those who may add users to the body, granting only what they hold.
    let users_before = user_count(&app).await;
    let csv = "name,email,roles,permissions\nNew Inspector,new1@camden.gov.uk,Inspectors,\nMapper,new2@camden.gov.uk,,sm:view_map\n";
    let e = import::for_actor(st, &inspector, &camden.id, csv.as_bytes(), false).await.unwrap_err();
    let import::ActorImportError::Admin(e) = e else { panic!("{e:?}") };
    assert!(forbidden::<()>(Err(e)).contains("fms:user_manage_permissions"));
    let e = import::for_actor(st, &contractor_admin, &camden.id, csv.as_bytes(), true).await.unwrap_err();
    assert!(matches!(e, import::ActorImportError::Admin(stile::admin::AdminError::Forbidden(_))), "{e:?}");
    let r = import::for_actor(st, &camden_admin, &camden.id, csv.as_bytes(), true).await.unwrap();
    let got: Vec<(u64, &str)> = r.problems.iter().map(|p| (p.row, p.field)).collect();
    assert_eq!(got, [(3, "permissions")], "{:?}", r.problems);
    assert!(r.problems[0].reason.contains("sm:view_map"), "{}", r.problems[0].reason);
    let e = import::for_actor(st, &camden_admin, &camden.id, csv.as_bytes(), false).await.unwrap_err();
    assert!(matches!(e, import::ActorImportError::Import(ImportError::Refused(_))), "{e:?}");
    assert_eq!(user_count(&app).await, users_before, "nothing written");
    let good: String = csv.lines().take(2).map(|l| format!("{l}\n")).collect();
    let r = import::for_actor(st, &camden_admin, &camden.id, good.as_bytes(), false).await.unwrap();
    assert_eq!((r.imported, r.memberships), (1, 1));
    let ev = store::audit::recent(&st.db, Some("user.import"), 10).await.unwrap();
    let ok_ev = ev.iter().find(|e| e.outcome == "success").unwrap();
    assert_eq!(ok_ev.actor_user_id.as_deref(), camden_admin.user_id());
    assert_eq!(ok_ev.body_id.as_deref(), Some(camden.id.as_str()));
    assert_eq!(ok_ev.ip, "192.0.2.7");
    assert_eq!(ev.iter().filter(|e| e.outcome == "failure").count(), 2, "both refusals audited");
    // A superuser may grant anything.
    let r =
        import::for_actor(st, &root, &camden.id, "email,permissions\nnew3@camden.gov.uk,sm:view_map\n".as_bytes(), false).await.unwrap();
    assert_eq!(r.imported, 1);
    app.finish().await;
}
both!(delegated_export_import_and_audit_view);

/// A bearer token of a machine client with these administrative rights (`None`: superuser).
async fn api_token(app: &TestApp, body: Option<&BodyRow>, role_names: &[&str]) -> String {
    use stile::clients::{AuthMethod, ClientSpec, GrantType};
    let st = &app.state;
    let spec = ClientSpec {
        name: format!("Provisioning {}", role_names.join(" ")),
        grant_types: vec![GrantType::ClientCredentials],
        scopes: vec!["stile:admin".into()],
        redirect_uris: vec![],
        auth_method: AuthMethod::ClientSecretBasic,
        ..ClientSpec::default()
    };
    let (c, secret) = stile::clients::register(&st.db, spec, &OsRandom, st.now()).await.unwrap();
    let mut permissions = Vec::new();
    if let Some(b) = body {
        for r in store::catalogue::roles_of_body(&st.db, &b.id).await.unwrap() {
            if role_names.contains(&r.name.as_str()) {
                permissions.extend(store::roles::permissions(&st.db, &r.id).await.unwrap());
            }
        }
    }
    let access = store::clients::ClientAdminAccess {
        admin_access: Some(if body.is_some() { "body" } else { "superuser" }.into()),
        admin_body_id: body.map(|b| b.id.clone()),
        admin_permissions: serde_json::to_string(&permissions).unwrap(),
    };
    let mut conn = st.db.pool().acquire().await.unwrap();
    store::clients::set_client_admin_access(&mut conn, &c.id, &access, st.now()).await.unwrap();
    let t: serde_json::Value = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&c.id, Some(secret.unwrap().expose()))
        .form(&[("grant_type", "client_credentials"), ("scope", "stile:admin")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    t["access_token"].as_str().unwrap_or_else(|| panic!("no token: {t}")).to_owned()
}

async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    csv: Option<String>,
) -> (u16, String, reqwest::header::HeaderMap) {
    let mut req = reqwest::Client::new().request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = csv {
        req = req.header("content-type", "text/csv").body(body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, res.text().await.unwrap(), headers)
}

fn body_json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Users, memberships and their grants: what an import could change.
async fn fingerprint(app: &TestApp) -> String {
    let db = app.state.db.pool();
    let users: Vec<String> = sqlx::query_scalar("select email from users order by email").fetch_all(db).await.unwrap();
    let ms: Vec<String> = sqlx::query_scalar("select user_id || body_id from memberships order by 1").fetch_all(db).await.unwrap();
    let mr: Vec<String> =
        sqlx::query_scalar("select membership_id || role_id from membership_roles order by 1").fetch_all(db).await.unwrap();
    let mp: Vec<String> =
        sqlx::query_scalar("select membership_id || permission_key from membership_permissions order by 1").fetch_all(db).await.unwrap();
    format!("{users:?}{ms:?}{mr:?}{mp:?}")
}

async fn api_export_import_audit(b: Backend) {
    let app = TestApp::start_with(b, |s| s.server.max_import_bytes = 300_000).await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let camden = add_body(&app, "Camden", "council", Some("2504")).await;
    let thames = add_body(&app, "Thames Water", "promoter", None).await;
    let kier = add_body(&app, "Kier", "contractor", None).await;
    member_with(&app, "staff@camden.gov.uk", &camden, &["Inspectors"]).await;
    let su = api_token(&app, None, &[]).await;
    let admin = api_token(&app, Some(&camden), &["Administrators"]).await;
    let inspector = api_token(&app, Some(&camden), &["Inspectors"]).await;
    let kier_admin = api_token(&app, Some(&kier), &["Contractor admin"]).await;
    let thames_admin = api_token(&app, Some(&thames), &["Promoter admin"]).await;

    // Export.
    let (s, text, h) = call(&app, &admin, get.clone(), &format!("/api/v1/bodies/{}/export", camden.id), None).await;
    assert_eq!(s, 200, "{text}");
    let v = body_json(&text);
    assert_eq!(v["format"], "stile.body-export.v1");
    assert_eq!(v["members"][0]["email"], "staff@camden.gov.uk");
    assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(h["cache-control"], "no-store");
    assert!(!text.contains("$argon2") && !text.contains("password_hash"));
    assert_eq!(call(&app, &thames_admin, get.clone(), &format!("/api/v1/bodies/{}/export", thames.id), None).await.0, 200);
    assert_eq!(call(&app, &su, get.clone(), &format!("/api/v1/bodies/{}/export", kier.id), None).await.0, 200);
    for (token, body, why) in [
        (&inspector, &camden, "fms:user_manage_permissions"),
        (&kier_admin, &kier, "Only promoter and highway authority admins"),
        (&thames_admin, &camden, "organisations you are an administrator of"),
    ] {
        let (s, text, _) = call(&app, token, get.clone(), &format!("/api/v1/bodies/{}/export", body.id), None).await;
        assert_eq!(s, 403, "{text}");
        let v = body_json(&text);
        assert_eq!(v["error"], "forbidden");
        assert!(v["message"].as_str().unwrap().contains(why), "{v}");
    }
    assert_eq!(call(&app, "not-a-token", get.clone(), &format!("/api/v1/bodies/{}/export", camden.id), None).await.0, 401);
    assert_eq!(call(&app, &su, get.clone(), "/api/v1/bodies/nope/export", None).await.0, 404);

    // Import: a dry run by default, then all or nothing.
    let before = fingerprint(&app).await;
    let url = format!("/api/v1/bodies/{}/import", camden.id);
    let mixed = "name,email,roles,permissions\nNew One,new1@camden.gov.uk,Inspectors,\nBad,not-an-email,,\nMapper,new2@camden.gov.uk,,sm:view_map\n".to_owned();
    let (s, text, _) = call(&app, &admin, post.clone(), &url, Some(mixed.clone())).await;
    assert_eq!(s, 200, "{text}");
    let v = body_json(&text);
    assert_eq!(v["dry_run"], true);
    let rows: Vec<(u64, String)> =
        v["problems"].as_array().unwrap().iter().map(|p| (p["row"].as_u64().unwrap(), p["field"].as_str().unwrap().to_owned())).collect();
    assert_eq!(rows, [(3, "email".to_owned()), (4, "permissions".to_owned())], "{v}");
    let (s, text, _) = call(&app, &admin, post.clone(), &format!("{url}?dry_run=false"), Some(mixed.clone())).await;
    assert_eq!(s, 422, "{text}");
    let v = body_json(&text);
    assert_eq!(v["error"], "invalid_request");
    assert_eq!(v["report"]["problems"].as_array().unwrap().len(), 2);
    assert_eq!(fingerprint(&app).await, before, "a refused import changes nothing");
    let (s, text, _) = call(&app, &inspector, post.clone(), &format!("{url}?dry_run=false"), Some(mixed.clone())).await;
    assert_eq!(s, 403, "{text}");
    assert!(body_json(&text)["message"].as_str().unwrap().contains("fms:user_manage_permissions"), "{text}");
    let (s, text, _) = call(&app, &thames_admin, post.clone(), &format!("{url}?dry_run=false"), Some(mixed.clone())).await;
    assert_eq!(s, 403, "{text}");
    let (s, text, _) = call(&app, &admin, post.clone(), &url, Some("name,password\nx,y\n".into())).await;
    assert_eq!(s, 422, "{text}");
    assert_eq!(body_json(&text)["field"], "file");
    assert_eq!(fingerprint(&app).await, before, "refusals change nothing");

    // A file larger than the site-wide 64 KiB limit imports; one over max_import_bytes does not.
    let mut big = String::from("name,email,roles\n");
    for i in 0..2000 {
        big.push_str(&format!("Staff Member {i},staff.member.{i}@camden.gov.uk,Inspectors\n"));
    }
    assert!(big.len() > 65_536);
    let (s, text, _) = call(&app, &admin, post.clone(), &format!("{url}?dry_run=false"), Some(big.clone())).await;
    assert_eq!(s, 201, "{text}");
    let v = body_json(&text);
    assert_eq!((v["imported"].as_u64(), v["memberships"].as_u64()), (Some(2000), Some(2000)));
    let huge = big.repeat(5);
    assert!(huge.len() > 300_000);
    assert_eq!(call(&app, &admin, post.clone(), &format!("{url}?dry_run=false"), Some(huge)).await.0, 413);

    // Audit: body admins see their body's events, superusers everything; CSV for spreadsheets.
    let (s, text, _) = call(&app, &admin, get.clone(), "/api/v1/audit", None).await;
    assert_eq!(s, 200, "{text}");
    let v = body_json(&text);
    let events = v["events"].as_array().unwrap();
    assert!(events.iter().all(|e| e["body_id"] == camden.id.as_str()), "{v}");
    let actions: Vec<(&str, &str)> = events.iter().map(|e| (e["action"].as_str().unwrap(), e["outcome"].as_str().unwrap())).collect();
    assert!(actions.contains(&("user.import", "success")) && actions.contains(&("body.export", "failure")), "{actions:?}");
    let (s, text, _) = call(&app, &admin, get.clone(), &format!("/api/v1/audit?body_id={}", thames.id), None).await;
    assert_eq!(s, 403, "{text}");
    let (s, text, _) = call(&app, &inspector, get.clone(), "/api/v1/audit", None).await;
    assert_eq!(s, 403, "{text}");
    let (s, text, _) = call(&app, &admin, get.clone(), "/api/v1/audit?outcome=maybe", None).await;
    assert_eq!((s, body_json(&text)["field"].as_str()), (422, Some("outcome")), "{text}");
    let (s, text, _) = call(&app, &admin, get.clone(), "/api/v1/audit?colour=red", None).await;
    assert_eq!(s, 400, "{text}");
    let (s, text, _) = call(&app, &su, get.clone(), "/api/v1/audit?action=body.export&outcome=failure&limit=2", None).await;
    assert_eq!(s, 200, "{text}");
    let v = body_json(&text);
    assert_eq!(v["events"].as_array().unwrap().len(), 2);
    let next = v["next_before"].as_i64().expect("a next page");
    let (_, text, _) = call(&app, &su, get.clone(), &format!("/api/v1/audit?action=body.export&outcome=failure&before={next}"), None).await;
    assert_eq!(body_json(&text)["events"].as_array().unwrap().len(), 1);
    let (s, text, h) = call(&app, &su, get.clone(), "/api/v1/audit.csv?action=user.import", None).await;
    assert_eq!(s, 200, "{text}");
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(r.headers().unwrap().len(), 12);
    let recs: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert!(recs.iter().any(|r| &r[4] == "user.import" && &r[10] == "success"), "{text}");
    let (s, text, _) = call(&app, &inspector, get.clone(), "/api/v1/audit.csv", None).await;
    assert_eq!(s, 403, "{text}");

    // The OpenAPI document describes all four.
    let (_, text, _) = call(&app, &su, get, "/api/v1/openapi.json", None).await;
    let doc = body_json(&text);
    for p in ["/audit", "/audit.csv", "/bodies/{id}/export", "/bodies/{id}/import"] {
        assert!(doc["paths"][p].is_object(), "{p} is not documented");
    }
    app.finish().await;
}
both!(api_export_import_audit);
