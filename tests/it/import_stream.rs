//! The streaming import: rows are checked a batch at a time and kept in staging tables, so what
//! needs the whole file (an address repeated hundreds of rows later, a look-alike of an earlier
//! row or of an account) is still found, the report lists a bounded number of problems and
//! counts the rest, and the import stays all or nothing, alone or beside another import.

use stile::admin::ops::import::{self, ImportError, ImportOptions, MAX_LISTED, Quiet};
use stile::clock::OsRandom;
use stile::store;

use crate::both;
use crate::harness::{Backend, TestApp};

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

async fn users(app: &TestApp) -> i64 {
    store::users::count(&app.state.db).await.unwrap()
}

async fn run(app: &TestApp, csv: &str, dry_run: bool) -> Result<import::ImportReport, ImportError> {
    let st = &app.state;
    import::run(&st.db, &OsRandom, st.now(), csv.as_bytes(), &opts(dry_run), &mut Quiet).await
}

/// Problems found far apart (in different batches), a look-alike of an account and of an
/// earlier row, and more problems than a report lists: each is reported by its row, the list
/// stops at MAX_LISTED in row order and counts the rest, and nothing is written.
async fn problems_across_batches_are_found_and_the_list_is_capped(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("admin@example.org", None).await;
    let before = users(&app).await;

    let mut csv = String::from("name,email\n");
    // Row 2 and row 1502 have the same address; row 1503's looks like row 3's (an accent);
    // row 1504's looks like an existing account's.
    for i in 0..1500 {
        csv.push_str(&format!("User {i},user{i}@example.org\n"));
    }
    csv.push_str("Again,user0@example.org\n");
    csv.push_str("Look-alike,us\u{e9}r1@example.org\n");
    csv.push_str("Account look-alike,\u{e1}dmin@example.org\n");
    let r = run(&app, &csv, true).await.unwrap();
    let rows: Vec<u64> = r.problems.iter().map(|p| p.row).collect();
    assert_eq!(rows, [1502, 1503, 1504], "{:#?}", r.problems);
    assert!(r.problems[0].reason.contains("also on row 2"), "{}", r.problems[0].reason);
    assert!(r.problems[1].reason.contains("looks the same as user1@example.org on row 3"), "{}", r.problems[1].reason);
    assert!(r.problems[2].reason.contains("looks the same as an existing account"), "{}", r.problems[2].reason);
    assert!(!r.problems[2].reason.contains("admin@example.org"), "another account's address is not shown: {}", r.problems[2].reason);
    assert_eq!((r.rows, r.accepted, r.refused_rows, r.problems_not_listed), (1503, 1500, 3, 0));

    // 2,500 unusable addresses: the first MAX_LISTED problems are listed, in row order, and the
    // rest counted.
    let mut bad = String::from("name,email\n");
    for i in 0..2500 {
        bad.push_str(&format!("Bad {i},not-an-address-{i}\n"));
    }
    bad.push_str("Good,good@example.org\n");
    let r = run(&app, &bad, true).await.unwrap();
    assert_eq!(r.problems.len(), MAX_LISTED);
    assert_eq!(r.problems_not_listed, 2500 - MAX_LISTED as u64);
    assert_eq!((r.rows, r.refused_rows, r.accepted), (2501, 2500, 1));
    assert!(r.problems.windows(2).all(|w| w[0].row < w[1].row), "in row order");
    assert_eq!(r.problems.first().map(|p| p.row), Some(2));
    let e = run(&app, &bad, false).await.unwrap_err();
    let ImportError::Refused(refused) = e else { panic!("refused, not {e:?}") };
    assert_eq!(refused.refused_rows, 2500);
    assert_eq!(e_message(&ImportError::Refused(refused)), "2500 row(s) refused; nothing was imported");
    let e = run(&app, &csv, false).await.unwrap_err();
    assert!(matches!(e, ImportError::Refused(_)), "{e:?}");
    assert_eq!(users(&app).await, before, "nothing written");
    assert!(!app.audit_actions().await.iter().any(|(a, _)| a == "user.import"));
    app.finish().await;
}
both!(problems_across_batches_are_found_and_the_list_is_capped);

fn e_message(e: &ImportError) -> String {
    e.to_string()
}

/// The staging tables belong to the import's own connection, which is closed afterwards: a
/// refused import, a dry run and an import in a row on a small pool each start clean, and the
/// pool keeps serving.
async fn imports_one_after_another_start_clean(b: Backend) {
    let app = TestApp::start_with(b, |s| s.database.max_connections = 2).await;
    let ok = "name,email\nAda,ada@example.org\nBea,bea@example.org\n";
    for _ in 0..3 {
        assert!(run(&app, "name,email\nAda,ada@example.org\nAda,ADA@example.org\n", false).await.is_err());
        assert_eq!(run(&app, ok, true).await.unwrap().accepted, 2);
    }
    assert_eq!(run(&app, ok, false).await.unwrap().imported, 2);
    // Now both exist: the same file is refused row by row.
    let r = run(&app, ok, true).await.unwrap();
    assert_eq!(r.refused_rows, 2, "{:#?}", r.problems);
    assert!(r.problems.iter().all(|p| p.reason.contains("already has an account")), "{:#?}", r.problems);
    assert_eq!(users(&app).await, 2);
    app.finish().await;
}
both!(imports_one_after_another_start_clean);

/// Two imports at once. Different people: both are written, each whole. The same people: one is
/// written and the other refused (at its check or at its write), never half of either.
async fn imports_at_once_stay_all_or_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    let file = |prefix: &str| {
        let mut csv = String::from("name,email\n");
        for i in 0..1200 {
            csv.push_str(&format!("User {i},{prefix}{i}@example.org\n"));
        }
        csv
    };
    let (a, bb) = (file("a"), file("b"));
    let (ra, rb) = tokio::join!(run(&app, &a, false), run(&app, &bb, false));
    assert_eq!((ra.unwrap().imported, rb.unwrap().imported), (1200, 1200));
    assert_eq!(users(&app).await, 2400);

    let c = file("c");
    let (r1, r2) = tokio::join!(run(&app, &c, false), run(&app, &c, false));
    let written = [&r1, &r2].iter().filter(|r| r.is_ok()).count();
    assert_eq!(written, 1, "exactly one of the two: {:?} {:?}", r1.as_ref().err(), r2.as_ref().err());
    assert_eq!(users(&app).await, 3600);
    let imports = app.audit_actions().await.iter().filter(|(a, _)| a == "user.import").count();
    assert_eq!(imports, 3);
    app.finish().await;
}
both!(imports_at_once_stay_all_or_nothing);
