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
