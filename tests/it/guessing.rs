//! Guessing under pressure and things that must stay bound: parallel password, TOTP and
//! emailed-code guesses are counted before they are checked; emailed links belong to the
//! address they were sent to; X-Forwarded-For with trusted hops; `next` stays on Stile.

use stile::store;

use crate::both;
use crate::harness::{Backend, TestApp, location};

const PW: &str = "correct horse battery";

/// Behind one trusted proxy that appends `ip:port` entries, the client's address is that entry,
/// whatever the client put to its left, so per-address throttling applies; an entry in the
/// trusted place that is not an address means the peer's address.
async fn forwarded_for_with_ports(b: Backend) {
    let app = TestApp::start_with(b, |s| {
        s.server.trusted_proxy_hops = 1;
        s.throttle.ip_max_failures = 3;
    })
    .await;
    let c = app.browser();
    let csrf = app.csrf(&c, "/login").await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let email = format!("user{i}@example.org");
        let r = c
            .post(app.url("/login/password"))
            .header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.7:{}", 40000 + i))
            .form(&[("csrf", csrf.as_str()), ("email", email.as_str()), ("password", "wrong"), ("next", "/account")])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 429, 429, 429], "one client address, whatever the spoofed entries");
    let ips: Vec<String> =
        store::audit::recent(&app.state.db, Some("signin.password"), 100).await.unwrap().into_iter().map(|e| e.ip).collect();
    assert!(!ips.is_empty() && ips.iter().all(|ip| ip == "203.0.113.7"), "{ips:?}");
    // IPv6 with a port, from another client: its own count.
    let r = c
        .post(app.url("/login/password"))
        .header("x-forwarded-for", "203.0.113.7, [2001:db8::1]:443")
        .form(&[("csrf", csrf.as_str()), ("email", "v6@example.org"), ("password", "wrong"), ("next", "/account")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Garbage in the trusted place: the peer's address, not the client-supplied entry.
    let r = c
        .post(app.url("/login/password"))
        .header("x-forwarded-for", "198.51.100.99, not-an-address")
        .form(&[("csrf", csrf.as_str()), ("email", "odd@example.org"), ("password", "wrong"), ("next", "/account")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let ips: Vec<String> =
        store::audit::recent(&app.state.db, Some("signin.password"), 2).await.unwrap().into_iter().map(|e| e.ip).collect();
    assert_eq!(ips, vec!["127.0.0.1".to_owned(), "2001:db8::1".to_owned()]);
    app.finish().await;
}
both!(forwarded_for_with_ports);

/// `next` with a tab, newline, DEL or backslash anywhere, or leading off the site once resolved,
/// is replaced by the account page; a path on the site is kept.
async fn next_stays_on_stile(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("next@example.org", Some(PW)).await;
    for bad in ["/\t/evil.example", "/\n/evil.example", "/x\\..\\\\evil.example", "/a\\b", "/\u{7f}/evil.example", "/..//evil.example"] {
        let r = app.sign_in_next(&app.browser(), "next@example.org", PW, bad).await;
        assert_eq!(r.status(), 303, "{bad:?}");
        assert_eq!(location(&r), "/account", "{bad:?}");
    }
    // The tab arriving percent-encoded in the sign-in page's address is the same tab.
    let c = app.browser();
    let page = c.get(app.url("/login?next=%2F%09%2Fevil.example")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("evil.example"), "the bad target is not carried on");
    let r = app.sign_in_next(&app.browser(), "next@example.org", PW, "/authorize?client_id=x&state=a%2Fb").await;
    assert_eq!(location(&r), "/authorize?client_id=x&state=a%2Fb");
    app.finish().await;
}
both!(next_stays_on_stile);
