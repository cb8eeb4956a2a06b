//! The queries that must stay fast at a million users and ten million audit events (issue 19's
//! scale bench) are built from the conditions in use: these check that each shape answers
//! exactly what the old single text did — the audit log by actor (user or client), action,
//! target, body, outcome and page; a user's activity (acted or targeted, each event once); and
//! the users search across several bodies.

use std::collections::BTreeSet;

use stile::store;
use stile::store::audit::{Filter, NewEvent};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn event(app: &TestApp, user: Option<&str>, client: Option<&str>, action: &str, target: &str, body: Option<&str>, outcome: &str) {
    let e = NewEvent {
        actor_user_id: user,
        actor_client_id: client,
        action,
        target_type: "user",
        target_id: target,
        body_id: body,
        ip: "192.0.2.1",
        outcome,
        ..Default::default()
    };
    store::audit::insert(&app.state.db, &e, app.state.now()).await.unwrap();
}

fn ids(rows: &[store::audit::EventRow]) -> Vec<i64> {
    rows.iter().map(|r| r.id).collect()
}

async fn audit_filters_by_each_column(b: Backend) {
    let app = TestApp::start(b).await;
    // 30 events: alice acts in 0..10, the client "app-1" in 10..20 (with alice as the user in
    // 15..20: a user acting through an app), bob in 20..30; targets rotate over carol, dave and
    // alice; two bodies; one in four a failure.
    for i in 0..30 {
        let (user, client) = match i {
            0..10 => (Some("alice"), None),
            10..15 => (None, Some("app-1")),
            15..20 => (Some("alice"), Some("app-1")),
            _ => (Some("bob"), None),
        };
        let target = ["carol", "dave", "alice"][i % 3];
        let action = if i % 2 == 0 { "user.sign_in" } else { "membership.added" };
        let body = if i % 2 == 0 { Some("b1") } else { Some("b2") };
        event(&app, user, client, action, target, body, if i % 4 == 0 { "failure" } else { "success" }).await;
    }
    let all = store::audit::query(&app.state.db, &Filter::default(), 100).await.unwrap();
    assert_eq!(all.len(), 30);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    // The same answer as filtering everything by hand, for each filter and a few together.
    let check = |f: Filter, want: &dyn Fn(&store::audit::EventRow) -> bool, limit: i64| {
        let expected: Vec<i64> = all.iter().filter(|r| want(r)).map(|r| r.id).take(limit as usize).collect();
        (f, expected, limit)
    };
    let cases = vec![
        check(Filter { actor: "alice".into(), ..Default::default() }, &|r| r.actor_user_id.as_deref() == Some("alice"), 100),
        check(
            Filter { actor: "app-1".into(), ..Default::default() },
            &|r| r.actor_client_id.as_deref() == Some("app-1") || r.actor_user_id.as_deref() == Some("app-1"),
            100,
        ),
        check(Filter { actor: "alice".into(), ..Default::default() }, &|r| r.actor_user_id.as_deref() == Some("alice"), 4),
        check(Filter { actor: "nobody".into(), ..Default::default() }, &|_| false, 100),
        check(
            Filter { actor: "alice".into(), action: "user.sign_in".into(), outcome: "failure".into(), ..Default::default() },
            &|r| r.actor_user_id.as_deref() == Some("alice") && r.action == "user.sign_in" && r.outcome == "failure",
            100,
        ),
        check(Filter { action: "membership.*".into(), ..Default::default() }, &|r| r.action.starts_with("membership."), 100),
        check(Filter { action: "user.".into(), ..Default::default() }, &|r| r.action.starts_with("user."), 100),
        check(Filter { target: "dave".into(), ..Default::default() }, &|r| r.target_id == "dave", 100),
        check(Filter { body_id: "b2".into(), ..Default::default() }, &|r| r.body_id.as_deref() == Some("b2"), 100),
        check(
            Filter { body_id: "b1".into(), target: "alice".into(), actor: "bob".into(), ..Default::default() },
            &|r| r.body_id.as_deref() == Some("b1") && r.target_id == "alice" && r.actor_user_id.as_deref() == Some("bob"),
            100,
        ),
        check(Filter { ip: "192.0.2.1".into(), ..Default::default() }, &|_| true, 7),
        check(Filter { ip: "192.0.2.2".into(), ..Default::default() }, &|_| false, 100),
        // A LIKE wildcard in the action is literal, not a pattern.
        check(Filter { action: "user_*".into(), ..Default::default() }, &|_| false, 100),
    ];
    for (f, expected, limit) in cases {
        let got = ids(&store::audit::query(&app.state.db, &f, limit).await.unwrap());
        assert_eq!(got, expected, "{f:?}");
    }
    // Paging by `before_id` through an actor's events gives each once, in order.
    let mut f = Filter { actor: "alice".into(), ..Default::default() };
    let mut seen = Vec::new();
    loop {
        let page = store::audit::query(&app.state.db, &f, 3).await.unwrap();
        let Some(last) = page.last() else { break };
        f.before_id = Some(last.id);
        seen.extend(ids(&page));
    }
    let alice: Vec<i64> = all.iter().filter(|r| r.actor_user_id.as_deref() == Some("alice")).map(|r| r.id).collect();
    assert_eq!(seen, alice);
    // Time bounds.
    let now = app.state.now();
    assert_eq!(store::audit::query(&app.state.db, &Filter { from: Some(now + 1), ..Default::default() }, 100).await.unwrap().len(), 0);
    assert_eq!(store::audit::query(&app.state.db, &Filter { until: Some(now + 1), ..Default::default() }, 100).await.unwrap().len(), 30);

    // A user's activity: what they did and what was done to them, each event once, newest first.
    let got = ids(&store::user_activity::events_of_user(&app.state.db, "alice", None, 100).await.unwrap());
    let want: Vec<i64> =
        all.iter().filter(|r| r.actor_user_id.as_deref() == Some("alice") || r.target_id == "alice").map(|r| r.id).collect();
    assert_eq!(got, want);
    assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), got.len(), "no event twice");
    let got = ids(&store::user_activity::events_of_user(&app.state.db, "alice", None, 5).await.unwrap());
    assert_eq!(got, want[..5].to_vec());
    let got = ids(&store::user_activity::events_of_user(&app.state.db, "alice", Some("b2"), 100).await.unwrap());
    let want_b2: Vec<i64> = all
        .iter()
        .filter(|r| (r.actor_user_id.as_deref() == Some("alice") || r.target_id == "alice") && r.body_id.as_deref() == Some("b2"))
        .map(|r| r.id)
        .collect();
    assert_eq!(got, want_b2);
    app.finish().await;
}
both!(audit_filters_by_each_column);

/// The audit log by one actor comes from one index (migration 0031: the index carries every
/// column shown, so an actor's events are not read from ten scattered table pages), and events
/// too large for an index entry on PostgreSQL still go in and come back whole, from the narrow
/// index beside it: every event is in exactly one of the two.
async fn actor_events_come_whole_from_their_index(b: Backend) {
    let app = TestApp::start(b).await;
    let long_agent = "Mozilla/5.0 ".repeat(40);
    // 4,000 characters that do not compress: an index entry holding them is refused by
    // PostgreSQL (over 2.7 kB), so this event would fail to go in were the covering index whole.
    let noise: Vec<u8> = (0u32..96).flat_map(|i| <sha2::Sha256 as sha2::Digest>::digest(i.to_be_bytes())).collect();
    let details =
        serde_json::json!({ "note": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, noise), "ж": "ж".repeat(20_000) });
    for i in 0..3 {
        let e = NewEvent {
            actor_user_id: Some("erin"),
            action: "user.updated",
            target_type: "user",
            target_id: "frank",
            ip: "2001:db8::1",
            user_agent: &long_agent,
            outcome: "success",
            details: Some(details.clone()),
            ..Default::default()
        };
        store::audit::insert(&app.state.db, &e, app.state.now() + i).await.unwrap();
        event(&app, Some("erin"), None, "user.sign_in", "erin", None, "success").await;
        // A short user agent and details, but a target too long for an index entry on PostgreSQL.
        event(&app, Some("erin"), None, "user.updated", &"t".repeat(3000), None, "failure").await;
    }
    let got = store::audit::query(&app.state.db, &Filter { actor: "erin".into(), ..Default::default() }, 50).await.unwrap();
    assert_eq!(got.len(), 9);
    assert!(got.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let large: Vec<_> = got.iter().filter(|r| r.details != "{}").collect();
    assert_eq!(large.len(), 3);
    for row in large {
        assert_eq!(row.user_agent, long_agent.chars().take(512).collect::<String>());
        assert_eq!(serde_json::from_str::<serde_json::Value>(&row.details).unwrap(), details);
        assert_eq!((row.action.as_str(), row.target_id.as_str(), row.ip.as_str()), ("user.updated", "frank", "2001:db8::1"));
    }
    assert_eq!(got.iter().filter(|r| r.target_id.len() == 3000).count(), 3);
    let activity = store::user_activity::events_of_user(&app.state.db, "erin", None, 50).await.unwrap();
    assert_eq!(ids(&activity), ids(&got), "the same events, each once");
    let by_action = Filter { actor: "erin".into(), action: "user.sign_in".into(), ..Default::default() };
    assert_eq!(store::audit::query(&app.state.db, &by_action, 50).await.unwrap().len(), 3);

    // How one actor's short events are read: from the covering index alone.
    let query = format!(
        "select id, at, actor_user_id, actor_client_id, action, target_type, target_id, body_id, ip, user_agent, outcome, details
         from audit_events where actor_user_id = 'erin' and {} order by id desc limit 50",
        store::audit::ACTOR_COMPACT
    );
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    let plan: Vec<String> = if matches!(b, Backend::Sqlite) {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("explain query plan {query}"))).fetch_all(&mut *conn).await.unwrap();
        rows.into_iter().map(|r| r.3).collect()
    } else {
        // Ten thousand more events, as the table of a live server has, and the visibility map a
        // vacuum sets: then an index-only scan is what the planner picks.
        sqlx::query(
            "insert into audit_events (at, actor_user_id, action, target_type, target_id, ip, outcome)
             select 1, 'u' || i, 'user.sign_in', 'user', 'u' || i, '192.0.2.1', 'success' from generate_series(1, 10000) i",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query("vacuum analyze audit_events").execute(&mut *conn).await.unwrap();
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!("explain {query}"))).fetch_all(&mut *conn).await.unwrap()
    };
    let covered = if matches!(b, Backend::Sqlite) {
        "COVERING INDEX audit_events_actor_idx"
    } else {
        "Index Only Scan Backward using audit_events_actor_idx"
    };
    assert!(plan.iter().any(|d| d.contains(covered)), "{plan:#?}");
    assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE") || d.contains("Sort")), "read in order, not sorted: {plan:#?}");
    drop(conn);
    app.finish().await;
}
both!(actor_events_come_whole_from_their_index);

async fn users_search_across_bodies(b: Backend) {
    let app = TestApp::start(b).await;
    let now = app.state.now();
    for (id, name) in [("b1", "One"), ("b2", "Two"), ("b3", "Three")] {
        crate::harness::insert_council(&app, id, name, None).await;
    }
    // u0..u8: ui in body b(i % 3 + 1); u7 also in b1; u4 flagged.
    let mut users = Vec::new();
    for i in 0..9 {
        let u = app.insert_user(&stile::email::Email::parse(&format!("user{i}@example.org")).unwrap(), None).await;
        store::memberships::add(&app.state.db, &format!("m{i}"), &u.id, &format!("b{}", i % 3 + 1), now).await.unwrap();
        users.push(u.id);
    }
    store::memberships::add(&app.state.db, "m7b", &users[7], "b1", now).await.unwrap();
    store::users::set_flag(&app.state.db, &users[4], store::users::FlagColumn::Flagged, true, now).await.unwrap();
    let search = |query: &'static str, flagged_only: bool, bodies: Option<Vec<String>>, limit: i64, offset: i64| {
        let db = app.state.db.clone();
        async move {
            let s = store::users::Search { query, flagged_only, bodies: bodies.as_deref(), limit, offset };
            let (rows, total) = store::users::search_page(&db, &s).await.unwrap();
            (rows.into_iter().map(|r| r.email).collect::<Vec<_>>(), total)
        }
    };
    let b = |ids: &[&str]| Some(ids.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let (rows, total) = search("", false, b(&["b1"]), 50, 0).await;
    assert_eq!(total, 4, "{rows:?}");
    assert_eq!(
        rows.iter().collect::<BTreeSet<_>>(),
        ["user0", "user3", "user6", "user7"].map(|u| format!("{u}@example.org")).iter().collect()
    );
    let (rows, total) = search("", false, b(&["b1", "b2"]), 50, 0).await;
    assert_eq!((rows.len(), total), (6, 6), "u0, u1, u3, u4, u6 and u7 (once, although in both): {rows:?}");
    let (rows, total) = search("USER7", false, b(&["b1", "b2"]), 50, 0).await;
    assert_eq!((rows, total), (vec!["user7@example.org".to_owned()], 1));
    let (rows, total) = search("", true, b(&["b2"]), 50, 0).await;
    assert_eq!((rows, total), (vec!["user4@example.org".to_owned()], 1));
    let (rows, total) = search("", false, b(&[]), 50, 0).await;
    assert_eq!((rows.len(), total), (0, 0), "no bodies: nobody");
    let (rows, total) = search("", false, b(&["nowhere"]), 50, 0).await;
    assert_eq!((rows.len(), total), (0, 0));
    // Everyone, in pages of four: newest first, each once.
    let (p1, total) = search("user", false, None, 4, 0).await;
    let (p2, _) = search("user", false, None, 4, 4).await;
    let (p3, _) = search("user", false, None, 4, 8).await;
    assert_eq!((total, p1.len(), p2.len(), p3.len()), (9, 4, 4, 1));
    let all: BTreeSet<_> = p1.iter().chain(&p2).chain(&p3).collect();
    assert_eq!(all.len(), 9);
    // The total on every page: counted on a full one, from the rows before and on a last page
    // with room left, and counted on an empty page past the end.
    assert_eq!(search("user", false, None, 4, 4).await.1, 9);
    assert_eq!(search("user", false, None, 4, 8).await.1, 9);
    assert_eq!(search("user", false, None, 4, 12).await, (Vec::new(), 9));
    assert_eq!(search("user", false, None, 9, 0).await.1, 9);
    assert_eq!(search("user", false, None, 10, 0).await.1, 9);
    assert_eq!(search("nobody", false, None, 4, 0).await, (Vec::new(), 0));
    assert_eq!(search("nobody", false, None, 4, 4).await, (Vec::new(), 0));
    // A LIKE wildcard is searched for literally.
    assert_eq!(search("user_", false, None, 50, 0).await.1, 0);
    assert_eq!(search("%", false, None, 50, 0).await.1, 0);
    app.finish().await;
}
both!(users_search_across_bodies);
