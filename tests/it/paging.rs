//! Per-body and per-role member listings a page at a time: `stile member list` (`--limit`,
//! `--after`, a last line saying how to get the next page) and the body page of the admin UI (a
//! next-page link). Following the pages lists everyone once; a bad `after` is a clear refusal.

use std::collections::BTreeSet;

use stile::store;

use crate::admin_ui::{PW, council_with_admin};
use crate::both;
use crate::cli::{Cli, fails, ok};
use crate::harness::{Backend, TestApp};

/// The `--after` value of a page's last line, if it offers a next page.
fn next_after(page: &str) -> Option<String> {
    let last = page.lines().last()?;
    let rest = last.strip_prefix("(more: stile member list ")?;
    Some(rest.split("--after ").nth(1)?.trim_end_matches(')').to_owned())
}

/// The email column of a page.
fn emails(page: &str) -> Vec<String> {
    page.lines().skip(1).filter(|l| !l.starts_with("(more")).filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned)).collect()
}

/// Every page of `args` (`--limit` given), followed by its own hints.
fn all_pages(cli: &Cli, args: &[&str]) -> (Vec<String>, usize) {
    let (mut seen, mut pages, mut after) = (Vec::new(), 0, None::<String>);
    loop {
        let mut a: Vec<&str> = args.to_vec();
        if let Some(x) = &after {
            a.extend(["--after", x.as_str()]);
        }
        let page = ok(cli.run(&a));
        pages += 1;
        seen.extend(emails(&page));
        match next_after(&page) {
            Some(n) => after = Some(n),
            None => return (seen, pages),
        }
        assert!(pages < 50, "the pages end");
    }
}

async fn cli_member_list_pages(b: Backend) {
    let cli = Cli::new(b).await;
    ok(cli.run(&["body", "add", "Camden Council", "--kind", "council", "--domain", "camden.gov.uk"]));
    ok(cli.run(&["body", "add", "Islington", "--kind", "council"]));
    let mut csv = String::from("name,email,roles\n");
    for i in 0..7 {
        csv.push_str(&format!("Person {i},p{i}@camden.gov.uk,{}\n", if i % 2 == 0 { "Inspectors" } else { "" }));
    }
    let file = cli.db.dir.path().join("people.csv");
    std::fs::write(&file, csv).unwrap();
    ok(cli.run(&["import", "users", file.to_str().unwrap(), "--body", "Camden Council"]));

    // The default page holds them all, with no hint.
    let page = ok(cli.run(&["member", "list", "Camden Council"]));
    assert_eq!(emails(&page).len(), 7, "{page}");
    assert!(next_after(&page).is_none(), "{page}");

    // Three a page: 3, 3, 1, each member once, and the hint is the command to run.
    let first = ok(cli.run(&["member", "list", "Camden Council", "--limit", "3"]));
    assert_eq!(emails(&first).len(), 3, "{first}");
    assert!(first.lines().last().unwrap().starts_with("(more: stile member list 'Camden Council' --limit 3 --after "), "{first}");
    let (seen, pages) = all_pages(&cli, &["member", "list", "Camden Council", "--limit", "3"]);
    assert_eq!(pages, 3);
    let all: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!((seen.len(), all.len()), (7, 7), "{seen:?}");

    // A role's holders: p0, p2, p4, p6, two a page.
    let (seen, pages) = all_pages(&cli, &["member", "list", "Camden Council", "--role", "inspectors", "--limit", "2"]);
    assert_eq!(pages, 2);
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), ["p0", "p2", "p4", "p6"].map(|p| format!("{p}@camden.gov.uk")).into());

    // Another body has none of them.
    assert!(emails(&ok(cli.run(&["member", "list", "Islington"]))).is_empty());

    // Refusals, each one clear line: a malformed --after, a limit out of range, an unknown role
    // or body.
    for bad in ["x'; drop table users; --", "../../etc", &"a".repeat(200)] {
        let e = fails(cli.run(&["member", "list", "Camden Council", "--after", bad]));
        assert!(e.contains("--after") && e.contains("first page"), "{e}");
    }
    let o = cli.run(&["member", "list", "Camden Council", "--limit", "0"]);
    assert!(!o.status.success());
    let e = fails(cli.run(&["member", "list", "Camden Council", "--role", "Wizards"]));
    assert!(e.contains("no role \"Wizards\""), "{e}");
    let e = fails(cli.run(&["member", "list", "Nowhere"]));
    assert!(e.contains("no body named"), "{e}");
    // A well-formed id that is past the end is simply an empty page.
    let page = ok(cli.run(&["member", "list", "Camden Council", "--after", "ffffffff-ffff-ffff-ffff-ffffffffffff"]));
    assert!(emails(&page).is_empty() && next_after(&page).is_none(), "{page}");
    cli.db.drop_db().await;
}
both!(cli_member_list_pages);

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.browser();
    let r = app.sign_in_next(&c, email, PW, "/admin").await;
    assert_eq!(r.status(), 303, "{email} signs in");
    c
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The member emails listed on a body page, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<a href=\"/admin/users/")
        .skip(1)
        .filter_map(|s| s.split_once("\">")?.1.split_once("</a>").map(|(e, _)| e.to_owned()))
        .filter(|e| e.contains('@'))
        .collect()
}

/// The "Next page of members" link, unescaped.
fn next_link(html: &str) -> Option<String> {
    let (before, _) = html.split_once(">Next page of members</a>")?;
    let href = before.rsplit_once("<a href=\"")?.1.trim_end_matches('"');
    Some(crate::harness::html_unescape(href))
}

async fn body_page_pages_its_members(b: Backend) {
    let app = TestApp::start(b).await;
    let (body, _) = council_with_admin(&app).await;
    let now = app.state.now();
    let inspectors =
        store::catalogue::roles_of_body(&app.state.db, &body).await.unwrap().into_iter().find(|r| r.name == "Inspectors").unwrap();
    // 130 more members (131 with the administrator); every tenth an inspector.
    for i in 0..130 {
        let u = app.insert_user(&stile::email::Email::parse(&format!("staff{i:03}@camden.example")).unwrap(), None).await;
        let mid = format!("m-{i:03}");
        store::memberships::add(&app.state.db, &mid, &u.id, &body, now).await.unwrap();
        if i % 10 == 0 {
            store::memberships::add_role(&app.state.db, &mid, &inspectors.id).await.unwrap();
        }
    }
    let c = signed_in(&app, "admin@camden.example").await;

    let (status, first) = get(&app, &c, "/admin/bodies/camden").await;
    assert_eq!(status, 200);
    let page1 = listed(&first);
    assert_eq!(page1.len(), 100, "one page of members");
    assert!(!first.contains(">First page</a>"));
    let next = next_link(&first).expect("a next-page link");
    let (status, second) = get(&app, &c, &next).await;
    assert_eq!(status, 200);
    let page2 = listed(&second);
    assert_eq!(page2.len(), 31);
    assert!(next_link(&second).is_none(), "the last page has no next link");
    assert!(second.contains(">First page</a>"));
    let all: BTreeSet<&String> = page1.iter().chain(&page2).collect();
    assert_eq!(all.len(), 131, "everyone once");

    // A role's holders, from the roles table's link.
    let role_link = format!("/admin/bodies/camden?role={}#members-h", inspectors.id);
    assert!(first.contains(&role_link.replace('&', "&amp;")), "the roles table links to each role's members");
    let (status, holders) = get(&app, &c, &format!("/admin/bodies/camden?role={}", inspectors.id)).await;
    assert_eq!(status, 200);
    assert!(holders.contains("Members with the role Inspectors"), "{holders}");
    assert_eq!(listed(&holders).len(), 13);
    assert!(listed(&holders).iter().all(|e| e.starts_with("staff") && e[5..8].ends_with('0')), "{:?}", listed(&holders));

    // Bad values: a clear 400, a role of no such (or another) body 404, never a 500.
    for bad in ["%27%3B%20drop%20table", "..%2F..%2Fetc", &"a".repeat(100)] {
        let (status, page) = get(&app, &c, &format!("/admin/bodies/camden?after={bad}")).await;
        assert_eq!(status, 400, "{bad}: {page}");
        assert!(page.contains("first page"), "{page}");
    }
    let (status, _) = get(&app, &c, "/admin/bodies/camden?role=no-such-role").await;
    assert_eq!(status, 404);
    crate::harness::insert_council(&app, "islington", "Islington Council", None).await;
    sqlx::query(
        "insert into roles (id, body_id, template_key, name, namespace, description, body_kinds, mfa_required, sm_role, created_at, updated_at)
         values ('islington-role', 'islington', null, 'Inspectors', 'fms', '', '[]', 0, null, 1, 1)",
    )
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let (status, _) = get(&app, &c, "/admin/bodies/camden?role=islington-role").await;
    assert_eq!(status, 404, "another body's role");
    app.finish().await;
}
both!(body_page_pages_its_members);

/// `GET /api/v1/bodies/{id}/members`: a page at a time, the next page in a `Link` header.
async fn api_member_list_pages(b: Backend) {
    let app = TestApp::start(b).await;
    let su = crate::admin_api::superuser_api(&app).await;
    let body = crate::admin_api::create_body(&su, "Camden Council", "council", &["camden.example"]).await;
    let other = crate::admin_api::create_body(&su, "Islington", "council", &[]).await;
    let now = app.state.now();
    let inspectors =
        store::catalogue::roles_of_body(&app.state.db, &body).await.unwrap().into_iter().find(|r| r.name == "Inspectors").unwrap();
    for i in 0..7 {
        let u = app.insert_user(&stile::email::Email::parse(&format!("p{i}@camden.example")).unwrap(), None).await;
        let mid = format!("m-{i}");
        store::memberships::add(&app.state.db, &mid, &u.id, &body, now).await.unwrap();
        if i % 2 == 0 {
            store::memberships::add_role(&app.state.db, &mid, &inspectors.id).await.unwrap();
        }
    }
    let http = reqwest::Client::new();
    // Every page from `first` on: (emails seen, pages).
    let walk = |first: String| {
        let http = http.clone();
        let token = su.token.clone();
        async move {
            let (mut seen, mut pages, mut next) = (Vec::new(), 0, Some(first));
            while let Some(url) = next.take() {
                let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200, "{url}");
                next = r.headers().get("link").map(|l| {
                    let l = l.to_str().unwrap();
                    assert!(l.ends_with(">; rel=\"next\""), "{l}");
                    l.trim_start_matches('<').split_once('>').unwrap().0.to_owned()
                });
                let v: serde_json::Value = r.json().await.unwrap();
                seen.extend(v.as_array().unwrap().iter().map(|m| m["user"]["email"].as_str().unwrap().to_owned()));
                pages += 1;
                assert!(pages < 20, "the pages end");
            }
            (seen, pages)
        }
    };
    // Without a limit: everyone, one page, no Link.
    let (seen, pages) = walk(app.url(&format!("/api/v1/bodies/{body}/members"))).await;
    assert_eq!((seen.len(), pages), (7, 1), "{seen:?}");
    // Three a page: 3, 3, 1, each once; the Link is this server's absolute URL.
    let (seen, pages) = walk(app.url(&format!("/api/v1/bodies/{body}/members?limit=3"))).await;
    assert_eq!(pages, 3);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 7, "{seen:?}");
    // A role's holders, two a page: p0, p2, p4, p6.
    let (seen, pages) = walk(app.url(&format!("/api/v1/bodies/{body}/members?role_id={}&limit=2", inspectors.id))).await;
    assert_eq!(pages, 2);
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), ["p0", "p2", "p4", "p6"].map(|p| format!("{p}@camden.example")).into());
    // Refusals: a limit out of range, a forged `after`, another body's role.
    for q in ["limit=0", "limit=1001", "limit=-5", "after=x'%3B%20drop%20table%20users", &format!("role_id={}", inspectors.id)] {
        let path = if q.starts_with("role_id") { format!("/bodies/{other}/members?{q}") } else { format!("/bodies/{body}/members?{q}") };
        let (s, v) = su.get(&path).await;
        assert!(s == 422 || s == 404, "{path}: {s} {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
    app.finish().await;
}
both!(api_member_list_pages);
