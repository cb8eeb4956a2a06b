//! The users list's query (`store::user_list::page`) as built per filter: each filter alone and
//! combined, the organisation filter beside the bodies an administrator may see, a role with or
//! without its organisation, the partial-index filters (disabled, flagged), a search with LIKE
//! wildcards, and keyset pages that neither repeat nor skip anyone under a filter.

use stile::store;
use stile::store::user_list::{Cursor, Filter, LastSignIn, Status, TwoFactor, page};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn body(app: &TestApp, id: &'static str) {
    crate::harness::insert_council(app, id, id, None).await;
}

async fn emails(app: &TestApp, f: &Filter<'_>) -> Vec<String> {
    let mut out: Vec<String> = page(&app.state.db, f, None, 200).await.unwrap().into_iter().map(|r| r.email).collect();
    out.sort();
    out
}

async fn exec(app: &TestApp, sql: &str, id: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).bind(id.to_owned()).execute(app.state.db.pool()).await.unwrap();
}

async fn each_filter(b: Backend) {
    let app = TestApp::start(b).await;
    let now = app.state.now();
    let db = &app.state.db;
    for id in ["a", "b", "c"] {
        body(&app, id).await;
    }
    let role = "role-a";
    sqlx::query("insert into roles (id, body_id, name, created_at, updated_at) values ('role-a', 'a', 'Inspectors', $1, $1)")
        .bind(now)
        .execute(db.pool())
        .await
        .unwrap();
    // ann: a and b, role in a; bob: b; cy: a, disabled; dee: c, flagged, signed in; eve: nowhere.
    let mut ids = std::collections::HashMap::new();
    for (email, bodies) in [
        ("ann@x.example", &["a", "b"][..]),
        ("bob@x.example", &["b"]),
        ("cy@x.example", &["a"]),
        ("dee@x.example", &["c"]),
        ("eve_1%@x.example", &[]),
    ] {
        let u = app.create_user(email, None).await;
        for b in bodies {
            store::memberships::add(db, &format!("m-{}-{b}", u.id), &u.id, b, now).await.unwrap();
        }
        ids.insert(email, u.id);
    }
    let ann = &ids["ann@x.example"];
    sqlx::query("insert into membership_roles (membership_id, role_id) values ($1, 'role-a')")
        .bind(format!("m-{ann}-a"))
        .execute(db.pool())
        .await
        .unwrap();
    exec(&app, "update users set disabled = 1 where id = $1", &ids["cy@x.example"]).await;
    exec(&app, "update users set flagged = 1 where id = $1", &ids["dee@x.example"]).await;
    sqlx::query("update users set last_login_at = $1 where id = $2")
        .bind(now)
        .bind(&ids["dee@x.example"])
        .execute(db.pool())
        .await
        .unwrap();

    let all = Filter::default();
    let v = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(emails(&app, &all).await, v(&["ann@x.example", "bob@x.example", "cy@x.example", "dee@x.example", "eve_1%@x.example"]));
    assert_eq!(emails(&app, &Filter { body_id: Some("a"), ..all.clone() }).await, v(&["ann@x.example", "cy@x.example"]));
    // Visible bodies: members of any of them; none at all sees nobody.
    let ab = vec!["a".to_owned(), "b".to_owned()];
    let only_b = vec!["b".to_owned()];
    let none: Vec<String> = vec![];
    assert_eq!(
        emails(&app, &Filter { visible_bodies: Some(&ab), ..all.clone() }).await,
        v(&["ann@x.example", "bob@x.example", "cy@x.example"])
    );
    assert!(emails(&app, &Filter { visible_bodies: Some(&none), ..all.clone() }).await.is_empty());
    // An organisation outside the visible ones: only people in both.
    assert_eq!(emails(&app, &Filter { visible_bodies: Some(&only_b), body_id: Some("a"), ..all.clone() }).await, v(&["ann@x.example"]));
    // A role, in its organisation or not; in another organisation it matches nobody.
    assert_eq!(emails(&app, &Filter { role_id: Some(role), body_id: Some("a"), ..all.clone() }).await, v(&["ann@x.example"]));
    assert_eq!(emails(&app, &Filter { role_id: Some(role), ..all.clone() }).await, v(&["ann@x.example"]));
    assert!(emails(&app, &Filter { role_id: Some(role), body_id: Some("b"), ..all.clone() }).await.is_empty());
    assert_eq!(emails(&app, &Filter { status: Status::Disabled, ..all.clone() }).await, v(&["cy@x.example"]));
    assert_eq!(emails(&app, &Filter { status: Status::Flagged, ..all.clone() }).await, v(&["dee@x.example"]));
    assert_eq!(emails(&app, &Filter { status: Status::Active, body_id: Some("a"), ..all.clone() }).await, v(&["ann@x.example"]));
    assert_eq!(emails(&app, &Filter { last_sign_in: LastSignIn::Since(now - 1), ..all.clone() }).await, v(&["dee@x.example"]));
    assert_eq!(emails(&app, &Filter { last_sign_in: LastSignIn::Never, body_id: Some("c"), ..all.clone() }).await, Vec::<String>::new());
    assert_eq!(emails(&app, &Filter { two_factor: TwoFactor::Off, body_id: Some("c"), ..all.clone() }).await, v(&["dee@x.example"]));
    assert!(emails(&app, &Filter { two_factor: TwoFactor::On, ..all.clone() }).await.is_empty());
    // LIKE's wildcards are searched for as themselves.
    assert_eq!(emails(&app, &Filter { query: "_1%", ..all.clone() }).await, v(&["eve_1%@x.example"]));
    assert!(emails(&app, &Filter { query: "%", body_id: Some("a"), ..all.clone() }).await.is_empty());
    assert_eq!(emails(&app, &Filter { query: "ANN", visible_bodies: Some(&only_b), ..all.clone() }).await, v(&["ann@x.example"]));

    // Keyset pages of one under a filter: every member once, newest first.
    let f = Filter { visible_bodies: Some(&ab), ..all.clone() };
    let mut seen = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let p = page(db, &f, after.as_ref(), 1).await.unwrap();
        let Some(last) = p.last() else { break };
        after = Some(last.cursor());
        seen.push(last.email.clone());
        assert!(seen.len() <= 3, "{seen:?}");
    }
    seen.sort();
    assert_eq!(seen, v(&["ann@x.example", "bob@x.example", "cy@x.example"]));
    app.finish().await;
}
both!(each_filter);

/// Each membership's copy of its user's email and name (migration 0029), which a search within an
/// organisation is matched against, equals the user's own, whatever wrote it.
async fn copies_are_true(app: &TestApp) {
    let stale: i64 = sqlx::query_scalar(
        "select count(*) from memberships m join users u on u.id = m.user_id where m.user_email <> u.email or m.user_name <> u.name",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(stale, 0, "memberships whose copy of the user differs from the user");
}

/// Members of `body` matching `query`, by the admin API's search; the users list with the body
/// filter, and with the body as the only visible one, must find the same.
async fn search(app: &TestApp, query: &str, body: &str) -> Vec<String> {
    let bodies = vec![body.to_owned()];
    let s = store::users::Search { query, flagged_only: false, bodies: Some(&bodies), limit: 50, offset: 0 };
    let (rows, total) = store::users::search_page(&app.state.db, &s).await.unwrap();
    let mut found: Vec<String> = rows.into_iter().map(|r| r.email).collect();
    found.sort();
    assert_eq!(total, i64::try_from(found.len()).unwrap());
    let listed = emails(app, &Filter { query, body_id: Some(body), ..Filter::default() }).await;
    assert_eq!(found, listed, "the API's search and the users list disagree for {query:?} in {body}");
    let visible = emails(app, &Filter { query, visible_bodies: Some(&bodies), ..Filter::default() }).await;
    assert_eq!(found, visible, "a body filter and the visible bodies disagree for {query:?} in {body}");
    found
}

/// A search within an organisation is matched against the membership's copy of the user, kept
/// by triggers: it finds a member under a new name or address at once (and not under the old
/// one), finds a member added after the user was made, and never finds a removed user. Both
/// queries that filter by organisation (the admin API's search and the users list) agree.
async fn search_within_a_body_follows_each_change(b: Backend) {
    let app = TestApp::start(b).await;
    let now = app.state.now();
    let db = &app.state.db;
    for id in ["a", "b"] {
        body(&app, id).await;
    }
    let ann = app.create_user("ann@x.example", None).await;
    let bob = app.create_user("bob@x.example", None).await;
    let cat = app.create_user("cat@x.example", None).await;
    store::memberships::add(db, "m-ann-a", &ann.id, "a", now).await.unwrap();
    store::memberships::add(db, "m-bob-a", &bob.id, "a", now).await.unwrap();
    store::memberships::add(db, "m-bob-b", &bob.id, "b", now).await.unwrap();
    let v = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(search(&app, "ann", "a").await, v(&["ann@x.example"]));
    assert_eq!(search(&app, "x.example", "a").await, v(&["ann@x.example", "bob@x.example"]));
    assert!(search(&app, "cat", "a").await.is_empty(), "not a member");

    // A new name and address: found under both at once, and no longer under the old address.
    store::users::set_name_email(db, &ann.id, "Zoë Quill", "zed@y.example", now).await.unwrap();
    assert_eq!(search(&app, "zed@", "a").await, v(&["zed@y.example"]));
    assert_eq!(search(&app, "QUILL", "a").await, v(&["zed@y.example"]));
    assert!(search(&app, "ann@", "a").await.is_empty());
    // The name alone, in a transaction with another write, and changed back.
    let mut tx = db.begin().await.unwrap();
    store::users::set_name_email(&mut tx, &bob.id, "Bob Ng", "bob@x.example", now).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(search(&app, "ng", "b").await, v(&["bob@x.example"]));
    // A rolled-back rename leaves the copy as it was.
    let mut tx = db.begin().await.unwrap();
    store::users::set_name_email(&mut tx, &bob.id, "Rolled Back", "rb@x.example", now).await.unwrap();
    drop(tx);
    assert!(search(&app, "rolled", "b").await.is_empty());
    assert_eq!(search(&app, "bob@", "b").await, v(&["bob@x.example"]));

    // A membership added after the user was made, and SQL by hand.
    store::memberships::add(db, "m-cat-b", &cat.id, "b", now).await.unwrap();
    assert_eq!(search(&app, "cat", "b").await, v(&["cat@x.example"]));
    sqlx::query("update users set name = 'Catherine' where id = $1").bind(&cat.id).execute(db.pool()).await.unwrap();
    assert_eq!(search(&app, "atheri", "b").await, v(&["cat@x.example"]));
    copies_are_true(&app).await;

    // A removed user is never found, and their memberships (with the copies) are gone.
    store::users::anonymise(db, &bob.id, now).await.unwrap();
    assert!(search(&app, "bob", "a").await.is_empty());
    assert!(search(&app, "removed", "b").await.is_empty());
    let left: i64 =
        sqlx::query_scalar("select count(*) from memberships where user_id = $1").bind(&bob.id).fetch_one(db.pool()).await.unwrap();
    assert_eq!(left, 0);
    copies_are_true(&app).await;
    app.finish().await;
}
both!(search_within_a_body_follows_each_change);
