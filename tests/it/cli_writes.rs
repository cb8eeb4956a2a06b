//! Every write of the command line goes through `admin::ops` as the command-line actor: it
//! leaves the audit row the UI and API leave (ip `cli`, no user or client, the OS user in the
//! user agent), in the same transaction, and the same rules refuse it.

use serde_json::Value;
use stile::email::Email;
use stile::store::{self, audit::EventRow};

use crate::cli::{Cli, fails, ok};
use crate::harness::Backend;

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
