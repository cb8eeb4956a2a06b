//! The admin users list: filters, keyset pages, CSV export and bulk actions, and that a body
//! administrator can neither see nor act on other bodies' users through any of them.

use std::collections::HashSet;

use stile::store::{self, user_list};

use crate::admin_ui::{PW, council_with_admin};
use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, html_unescape, location};

async fn islington(app: &TestApp) {
    crate::harness::insert_council(app, "islington", "Islington Council", Some("islington.example")).await;
}

async fn member(app: &TestApp, email: &str, body: &str) -> String {
    let u = app.create_user(email, Some(PW)).await;
    store::memberships::add(&app.state.db, &format!("m-{email}"), &u.id, body, app.state.now()).await.unwrap();
    u.id
}

async fn sql(app: &TestApp, q: &str, id: &str, v: i64) {
    sqlx::query(sqlx::AssertSqlSafe(q.to_owned())).bind(v).bind(id).execute(app.state.db.pool()).await.unwrap();
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.browser();
    let r = app.sign_in_next(&c, email, PW, "/admin").await;
    assert_eq!(r.status(), 303, "{email} signs in");
    c
}

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The emails listed on a users page, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<a href=\"/admin/users/")
        .skip(1)
        .filter_map(|s| s.split_once("\">").and_then(|(_, rest)| rest.split_once("</a>")).map(|(e, _)| e.to_owned()))
        .filter(|e| e.contains('@'))
        .collect()
}

struct People {
    role: String,
    alice: String,
    dan: String,
}

/// Camden (with its admin) and Islington, and Camden members who differ in one way each.
async fn people(app: &TestApp) -> People {
    council_with_admin(app).await;
    islington(app).await;
    let now = app.state.now();
    let alice = member(app, "alice@camden.example", "camden").await;
    let role = store::catalogue::roles_of_body(&app.state.db, "camden").await.unwrap().into_iter().next().unwrap().id;
    store::memberships::add_role(&app.state.db, "m-alice@camden.example", &role).await.unwrap();
    let dan = member(app, "dan@camden.example", "camden").await;
    store::users::set_disabled(&app.state.db, &dan, true, now).await.unwrap();
    let tess = member(app, "tess@camden.example", "camden").await;
    sqlx::query("insert into user_totp (user_id, secret_encrypted, confirmed_at, created_at) values ($1, 'x', $2, $2)")
        .bind(&tess)
        .bind(now)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let olga = member(app, "olga@camden.example", "camden").await;
    sql(app, "update users set last_login_at = $1 where id = $2", &olga, now - 100 * 86_400).await;
    let rita = member(app, "rita@camden.example", "camden").await;
    sql(app, "update users set last_login_at = $1 where id = $2", &rita, now - 86_400).await;
    member(app, "ivan@islington.example", "islington").await;
    let both = member(app, "bea@camden.example", "camden").await;
    store::memberships::add(&app.state.db, "m-bea-islington", &both, "islington", now).await.unwrap();
    People { role, alice, dan }
}

async fn filters(b: Backend) {
    let app = TestApp::start(b).await;
    let p = people(&app).await;
    let c = signed_in(&app, "admin@camden.example").await;
    let list = |q: &'static str| {
        let (app, c) = (&app, &c);
        async move {
            let (status, html) = page(app, c, &format!("/admin/users?{q}")).await;
            assert_eq!(status, 200, "{q}: {html}");
            let mut e = listed(&html);
            e.sort();
            e
        }
    };
    // Camden's administrator sees Camden's members, never Islington's own.
    let all = list("").await;
    assert!(all.contains(&"bea@camden.example".to_owned()) && all.contains(&"admin@camden.example".to_owned()), "{all:?}");
    assert!(!all.iter().any(|e| e.contains("islington")), "{all:?}");
    assert_eq!(list("status=disabled").await, ["dan@camden.example"]);
    assert!(!list("status=active").await.contains(&"dan@camden.example".to_owned()));
    assert_eq!(list("two_factor=on").await, ["tess@camden.example"]);
    assert!(!list("two_factor=off").await.contains(&"tess@camden.example".to_owned()));
    // The admin just signed in; Rita yesterday; Olga 100 days ago; the rest never.
    assert_eq!(list("last_sign_in=7d").await, ["admin@camden.example", "rita@camden.example"]);
    let stale = list("last_sign_in=not-90d").await;
    assert!(stale.contains(&"olga@camden.example".to_owned()) && stale.contains(&"alice@camden.example".to_owned()), "{stale:?}");
    assert!(!stale.contains(&"rita@camden.example".to_owned()));
    assert!(!list("last_sign_in=never").await.contains(&"olga@camden.example".to_owned()));
    assert_eq!(list("q=ALICE").await, ["alice@camden.example"]);
    let role_q = format!("/admin/users?body_id=camden&role_id={}", p.role);
    let (_, html) = page(&app, &c, &role_q).await;
    assert_eq!(listed(&html), ["alice@camden.example"]);
    // Filtering by another body's membership is refused, with nothing listed.
    let (status, html) = page(&app, &c, "/admin/users?body_id=islington").await;
    assert_eq!(status, 403, "{html}");
    assert!(listed(&html).is_empty(), "{html}");
    // A role that is not the organisation's, and values not offered, are refused as bad input.
    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("islington-role-{n}")
    };
    store::catalogue::copy_templates_into_body(&app.state.db, "islington", "council", &mut ids, app.state.now()).await.unwrap();
    let islington_roles = store::catalogue::roles_of_body(&app.state.db, "islington").await.unwrap();
    let r = islington_roles.first().expect("Islington has roles (copied from the templates)");
    let (status, _) = page(&app, &c, &format!("/admin/users?body_id=camden&role_id={}", r.id)).await;
    assert_eq!(status, 422);
    for bad in ["status=gone", "two_factor=maybe", "last_sign_in=1y", "after=not-a-cursor"] {
        let (status, html) = page(&app, &c, &format!("/admin/users?{bad}")).await;
        assert_eq!(status, 422, "{bad}: {html}");
    }
    // The old "flagged only" link still works.
    sqlx::query("update users set flagged = 1 where id = $1").bind(&p.alice).execute(app.state.db.pool()).await.unwrap();
    let (_, html) = page(&app, &c, "/admin/users?flagged=1").await;
    assert!(html.contains("<h1>Flagged users</h1>"));
    assert_eq!(listed(&html), ["alice@camden.example"]);
    let _ = p.dan;
    app.finish().await;
}
both!(filters);

/// Keyset pages: every user exactly once, newest first, whatever the page size, even when many
/// share a creation second; and the page links in the UI walk the same way.
async fn pages(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    for i in 0..57 {
        // Inserted within a second or two: ties on created_at are broken by id.
        member(&app, &format!("user{i:02}@camden.example"), "camden").await;
    }
    let filter = user_list::Filter::default();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let rows = user_list::page(&app.state.db, &filter, after.as_ref(), 7).await.unwrap();
        let Some(last) = rows.last() else { break };
        after = Some(last.cursor());
        seen.extend(rows.iter().map(|r| (r.created_at, r.id.clone())));
    }
    assert_eq!(seen.len(), 58);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, by (created_at, id)");

    let c = signed_in(&app, "admin@camden.example").await;
    let (_, first) = page(&app, &c, "/admin/users").await;
    let mut emails = listed(&first);
    assert_eq!(emails.len(), 50);
    assert!(!first.contains("First page"));
    let i = first.find(">Next page<").expect("a next page link");
    let start = first[..i].rfind("href=\"").unwrap() + 6;
    let next = html_unescape(&first[start..i - 1]);
    let (_, second) = page(&app, &c, &next).await;
    emails.extend(listed(&second));
    assert!(second.contains("First page") && !second.contains("Next page"));
    let unique: HashSet<_> = emails.iter().collect();
    assert_eq!((emails.len(), unique.len()), (58, 58));
    app.finish().await;
}
both!(pages);

async fn csv_export(b: Backend) {
    let app = TestApp::start(b).await;
    let p = people(&app).await;
    store::users::set_name(&app.state.db, &p.dan, "=HYPERLINK(\"http://evil.example\")", app.state.now()).await.unwrap();
    let c = signed_in(&app, "admin@camden.example").await;
    let r = c.get(app.url("/admin/users.csv?status=disabled")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,email,name,status,flagged,superuser,two_factor,created_at,last_sign_in_at");
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with(&format!("{},dan@camden.example,\"'=HYPERLINK(", p.dan)), "formula defused: {text}");
    assert!(lines[1].contains(",disabled,no,no,no,"), "{text}");
    // Everything the admin may see, and nobody else.
    let all = c.get(app.url("/admin/users.csv")).send().await.unwrap().text().await.unwrap();
    assert!(all.contains("bea@camden.example") && !all.contains("ivan@islington.example"), "{all}");
    // Another body's filter is refused, not answered with an empty file.
    let r = c.get(app.url("/admin/users.csv?body_id=islington")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Audited with the filters and the count.
    let events = store::audit::recent(&app.state.db, None, 100).await.unwrap();
    let export = events.iter().find(|e| e.action == "user.export" && e.details.contains("disabled")).expect("export audited");
    assert!(export.details.contains("\"rows\":1"), "{}", export.details);
    app.finish().await;
}
both!(csv_export);

async fn bulk_actions(b: Backend) {
    let app = TestApp::start(b).await;
    let p = people(&app).await;
    let ivan =
        store::users::by_email(&app.state.db, &stile::email::Email::parse("ivan@islington.example").unwrap()).await.unwrap().unwrap();
    let c = signed_in(&app, "admin@camden.example").await;
    let (_, list) = page(&app, &c, "/admin/users").await;
    let csrf = csrf_in(&list).unwrap();

    // Nothing selected, or no organisation for "add": nothing done, and said so.
    let r = c.post(app.url("/admin/users/bulk")).form(&[("csrf", csrf.as_str()), ("action", "disable")]).send().await.unwrap();
    assert_eq!(location(&r), "/admin/users?done=bulk-none");
    let r = c
        .post(app.url("/admin/users/bulk"))
        .form(&[("csrf", csrf.as_str()), ("action", "add-to-organisation"), ("user", p.alice.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/users?done=bulk-no-body");
    // Without the CSRF token: refused.
    let r = c.post(app.url("/admin/users/bulk")).form(&[("action", "disable"), ("user", p.alice.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // The confirmation page names the users the admin may see, and only those: Ivan's id,
    // slipped into the form, is neither named nor carried on.
    let form = [("csrf", csrf.as_str()), ("action", "disable"), ("user", p.alice.as_str()), ("user", ivan.id.as_str())];
    let r = c.post(app.url("/admin/users/bulk")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("Disable 1 user?") && confirm.contains("alice@camden.example"), "{confirm}");
    assert!(!confirm.contains("ivan@") && !confirm.contains(&ivan.id), "{confirm}");
    assert!(!store::users::by_id(&app.state.db, &p.alice).await.unwrap().unwrap().is_disabled(), "nothing before confirming");

    // Confirmed, with Ivan forged back in: Alice (whose account Camden made, so its admin may
    // disable it) is disabled; Ivan is refused and left alone.
    sqlx::query("update users set created_for_body_id = 'camden' where id = $1").bind(&p.alice).execute(app.state.db.pool()).await.unwrap();
    let mut confirmed = form.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = c.post(app.url("/admin/users/bulk")).form(&confirmed).send().await.unwrap();
    assert_eq!(location(&r), "/admin/users?done=bulk-partly");
    assert!(store::users::by_id(&app.state.db, &p.alice).await.unwrap().unwrap().is_disabled());
    assert!(!store::users::by_id(&app.state.db, &ivan.id).await.unwrap().unwrap().is_disabled());
    let (_, after) = page(&app, &c, "/admin/users?done=bulk-partly").await;
    assert!(after.contains("the others were refused"));
    let events = store::audit::recent(&app.state.db, None, 200).await.unwrap();
    assert!(events.iter().any(|e| e.action == "user.disable" && e.target_id == p.alice && e.outcome == "success"));
    assert!(!events.iter().any(|e| e.target_id == ivan.id && e.outcome == "success" && e.action.starts_with("user.")));

    // Sign-in emails to two: each gets one, through the single action.
    let rita = store::users::by_email(&app.state.db, &stile::email::Email::parse("rita@camden.example").unwrap()).await.unwrap().unwrap();
    let tess = store::users::by_email(&app.state.db, &stile::email::Email::parse("tess@camden.example").unwrap()).await.unwrap().unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("action", "send-sign-in-email"),
        ("user", rita.id.as_str()),
        ("user", tess.id.as_str()),
        ("confirm", "yes"),
    ];
    let r = c.post(app.url("/admin/users/bulk")).form(&form).send().await.unwrap();
    assert_eq!(location(&r), "/admin/users?done=bulk-done");
    for who in ["rita@camden.example", "tess@camden.example"] {
        assert_eq!(store::outbox::to_address(&app.state.db, who).await.unwrap().len(), 1, "{who}");
    }

    // Adding to an organisation the admin does not administer: refused for everyone.
    let form = [
        ("csrf", csrf.as_str()),
        ("action", "add-to-organisation"),
        ("body_id", "islington"),
        ("user", rita.id.as_str()),
        ("confirm", "yes"),
    ];
    let r = c.post(app.url("/admin/users/bulk")).form(&form).send().await.unwrap();
    assert_eq!(location(&r), "/admin/users?done=bulk-refused");
    assert_eq!(store::memberships::of_user(&app.state.db, &rita.id).await.unwrap().len(), 1);
    app.finish().await;
}
both!(bulk_actions);

/// "Sign out everywhere" for many: each user's sessions end and their refresh tokens are
/// revoked, with an audit row each; a user of another organisation, added to the form by hand,
/// keeps their session and tokens.
async fn bulk_sign_out(b: Backend) {
    let app = TestApp::start(b).await;
    people(&app).await;
    // Rita, a Camden member with no role (so no second factor is asked of her sign-in).
    let rita =
        store::users::by_email(&app.state.db, &stile::email::Email::parse("rita@camden.example").unwrap()).await.unwrap().unwrap().id;
    let ivan =
        store::users::by_email(&app.state.db, &stile::email::Email::parse("ivan@islington.example").unwrap()).await.unwrap().unwrap();
    let (client_id, secret) = crate::oidc::register(&app, crate::oidc::spec("Street works app")).await;
    let secret = secret.unwrap();
    // Rita and Ivan each signed in, in a browser and in the app (a refresh token).
    let mut held = Vec::new();
    for email in ["rita@camden.example", "ivan@islington.example"] {
        let browser = app.browser();
        assert_eq!(app.sign_in(&browser, email, PW).await.status(), 303);
        let (_, rt) = crate::scim::tokens_via_code(&app, &browser, &client_id, &secret).await;
        assert!(crate::scim::introspect_active(&app, &client_id, &secret, &rt).await);
        held.push((browser, rt));
    }
    let c = signed_in(&app, "admin@camden.example").await;
    let (_, list) = page(&app, &c, "/admin/users").await;
    assert!(list.contains("value=\"sign-out\""), "the action is offered: {list}");
    let csrf = csrf_in(&list).unwrap();
    let form = [("csrf", csrf.as_str()), ("action", "sign-out"), ("user", rita.as_str()), ("user", ivan.id.as_str())];
    let r = c.post(app.url("/admin/users/bulk")).form(&form).send().await.unwrap();
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("rita@camden.example"), "{confirm}");
    assert!(!confirm.contains("ivan@"), "{confirm}");
    let (rita_browser, rita_rt) = &held[0];
    assert_eq!(rita_browser.get(app.url("/account")).send().await.unwrap().status(), 200, "nothing before confirming");

    let mut confirmed = form.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = c.post(app.url("/admin/users/bulk")).form(&confirmed).send().await.unwrap();
    assert_eq!(location(&r), "/admin/users?done=bulk-partly");
    // Rita: her session is over and the app's refresh token is dead.
    assert_eq!(rita_browser.get(app.url("/account")).send().await.unwrap().status(), 303, "Rita's session has ended");
    assert!(!crate::scim::introspect_active(&app, &client_id, &secret, rita_rt).await);
    let refreshed = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rita_rt.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 400);
    // Ivan, forged into the form: untouched.
    let (ivan_browser, ivan_rt) = &held[1];
    assert_eq!(ivan_browser.get(app.url("/account")).send().await.unwrap().status(), 200, "Ivan's session is untouched");
    assert!(crate::scim::introspect_active(&app, &client_id, &secret, ivan_rt).await);
    // The admin's own session goes on.
    assert_eq!(c.get(app.url("/admin/users")).send().await.unwrap().status(), 200);
    let events = store::audit::recent(&app.state.db, Some("user.logout_everywhere"), 100).await.unwrap();
    let rows: Vec<_> = events.iter().filter(|e| e.target_id == rita).collect();
    assert_eq!(rows.len(), 1, "{events:?}");
    assert_eq!(rows[0].outcome, "success");
    assert!(rows[0].details.contains("\"sessions\":1"), "{}", rows[0].details);
    assert!(!events.iter().any(|e| e.target_id == ivan.id && e.outcome == "success"), "{events:?}");
    app.finish().await;
}
both!(bulk_sign_out);

/// A large export (2,500 members, more than two of the export's pages, all made in the same
/// second so the pages part on ids) is complete and well-formed: every member once, nobody
/// else, every record nine fields, awkward names quoted and formula cells defused, and one
/// audit row with the count.
async fn large_csv_export(b: Backend) {
    const N: usize = 2_500;
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    islington(&app).await;
    member(&app, "outsider@islington.example", "islington").await;
    let now = app.state.now();
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..N {
        let id = format!("u-{i:05}");
        let email = stile::email::Email::parse(&format!("person{i}@camden.example")).unwrap();
        // Every tenth name needs quoting (a comma, quotes, a line break) or defusing.
        let name = match i % 10 {
            0 => format!("=cmd|' /C calc'!A{i}"),
            1 => format!("Smith, \"Jo\" {i}\nline two"),
            _ => format!("Person {i}"),
        };
        let u = store::users::NewUser { id: &id, email: &email, name: &name, email_verified: true, password_hash: None, superuser: false };
        store::users::insert(&mut tx, &u, now).await.unwrap();
        store::memberships::add(&mut tx, &format!("m-{id}"), &id, "camden", now).await.unwrap();
    }
    tx.commit().await.unwrap();
    let c = signed_in(&app, "admin@camden.example").await;
    let r = c.get(app.url("/admin/users.csv")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = r.bytes().await.unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes.as_ref());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), stile::admin::ops::user_list::CSV_HEADER);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a well-formed record")).collect();
    assert!(records.iter().all(|r| r.len() == 9));
    let ids: Vec<&str> = records.iter().map(|r| &r[0]).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "nobody twice");
    assert_eq!(ids.len(), N + 1, "every member and the admin");
    assert!((0..N).all(|i| unique.contains(format!("u-{i:05}").as_str())), "every member");
    assert!(!records.iter().any(|r| r[1].contains("islington")), "nobody else");
    let by_id = |id: &str| records.iter().find(|r| &r[0] == id).unwrap().clone();
    assert_eq!(&by_id("u-00010")[2], "'=cmd|' /C calc'!A10", "formula defused");
    assert_eq!(&by_id("u-00011")[2], "Smith, \"Jo\" 11\nline two");
    // Newest first, then by id, with no gap where one page ends and the next starts.
    let ours: Vec<&str> = ids.iter().copied().filter(|i| i.starts_with("u-")).collect();
    let mut sorted = ours.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ours, sorted);
    let events = store::audit::recent(&app.state.db, Some("user.export"), 10).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].details.contains(&format!("\"rows\":{}", N + 1)), "{}", events[0].details);
    app.finish().await;
}
both!(large_csv_export);
