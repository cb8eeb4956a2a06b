//! A user's page (issue 14): their sessions with "End this session", their apps and consents
//! with "Revoke access", their recent audit events; and invitations: the welcome email chosen on
//! "Add a user", its state on the user's page, resend (the old link dies), withdraw, the hourly
//! limit per address, and the inviter's rights checked again on acceptance. Each path is tried by
//! another organisation's administrator, with forged ids and without the CSRF token too.

use reqwest::StatusCode;
use stile::store::{self, grants::TokenRow};

use crate::admin_ui::{PW, council_with_admin};
use crate::both;
use crate::harness::{Backend, ReceivedMail, TestApp, csrf_in, location};

/// A second council with its own administrator, who must see and touch nothing of Camden's.
async fn other_council(app: &TestApp) -> String {
    let now = app.state.now();
    crate::harness::insert_council(app, "islington", "Islington Council", Some("islington.example")).await;
    let admin = app.create_user("admin@islington.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-isl-admin", &admin.id, "islington", now).await.unwrap();
    store::memberships::add_permission(&app.state.db, "m-isl-admin", "fms:user_manage_permissions").await.unwrap();
    admin.id
}

/// A member of Camden with a password.
async fn camden_member(app: &TestApp, email: &str) -> String {
    let u = app.create_user(email, Some(PW)).await;
    let mid = format!("m-{}", u.id);
    store::memberships::add(&app.state.db, &mid, &u.id, "camden", app.state.now()).await.unwrap();
    u.id
}

fn browser_as(ua: &str) -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).user_agent(ua).build().unwrap()
}

pub(crate) async fn admin_browser(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.browser();
    assert_eq!(app.sign_in_next(&c, email, PW, "/admin").await.status(), 303, "{email} signs in");
    c
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// POSTs a form with the CSRF token of `page`.
async fn post(app: &TestApp, c: &reqwest::Client, page: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf(c, page).await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    c.post(app.url(path)).form(&fields).send().await.unwrap()
}

async fn live_sids(app: &TestApp, user: &str) -> Vec<String> {
    store::sessions::live_of_user(&app.state.db, user, app.state.now()).await.unwrap().into_iter().map(|s| s.sid).collect()
}

async fn count(app: &TestApp, action: &str, outcome: &str) -> usize {
    store::audit::recent(&app.state.db, Some(action), 1000).await.unwrap().iter().filter(|e| e.outcome == outcome).count()
}

/// Sessions on the user's page: device in words, "End this session" ends that one only (what
/// signing out does: its grants too), audited; another organisation's administrator, a forged
/// sid, another user's sid and a missing CSRF token end nothing.
async fn ending_a_session(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    other_council(&app).await;
    let ines = camden_member(&app, "ines@camden.example").await;
    let phone = browser_as("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile Safari/604.1");
    let laptop = browser_as("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0");
    assert_eq!(app.sign_in(&phone, "ines@camden.example", PW).await.status(), 303);
    assert_eq!(app.sign_in(&laptop, "ines@camden.example", PW).await.status(), 303);
    let sids = live_sids(&app, &ines).await;
    assert_eq!(sids.len(), 2);
    let phone_sid = store::sessions::live_of_user(&app.state.db, &ines, app.state.now())
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.user_agent.contains("iPhone"))
        .unwrap()
        .sid;

    let admin = admin_browser(&app, "admin@camden.example").await;
    let page = format!("/admin/users/{ines}");
    let (s, html) = get(&app, &admin, &page).await;
    assert_eq!(s, 200);
    assert!(html.contains("Safari on iPhone") && html.contains("Firefox on Windows"), "{html}");
    assert_eq!(html.matches("End this session").count(), 2);

    // Another organisation's administrator: not found, and nothing ends.
    let islington = admin_browser(&app, "admin@islington.example").await;
    assert_eq!(get(&app, &islington, &page).await.0, 404);
    let r = post(&app, &islington, "/admin/users/new", &format!("{page}/sessions/end"), &[("sid", &phone_sid)]).await;
    assert_eq!(r.status(), 404);
    // No CSRF token.
    let r = admin.post(app.url(&format!("{page}/sessions/end"))).form(&[("sid", phone_sid.as_str())]).send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // A forged sid, and the admin's own session's sid under Ines's page.
    let admin_id: String =
        sqlx::query_scalar("select id from users where email = 'admin@camden.example'").fetch_one(app.state.db.pool()).await.unwrap();
    let admin_sid = live_sids(&app, &admin_id).await.remove(0);
    for forged in ["not-a-session", admin_sid.as_str(), "", "x\u{0}y"] {
        let r = post(&app, &admin, &page, &format!("{page}/sessions/end"), &[("sid", forged)]).await;
        assert!(r.status() == 404 || r.status() == 400, "{forged:?}: {}", r.status());
    }
    assert_eq!(live_sids(&app, &ines).await.len(), 2, "nothing ended");
    assert_eq!(live_sids(&app, &admin_id).await.len(), 1, "the admin's own session lives");
    assert_eq!(count(&app, "user.session.end", "success").await, 0);

    // The phone's session ends; the laptop's does not.
    let r = post(&app, &admin, &page, &format!("{page}/sessions/end"), &[("sid", &phone_sid)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{page}?done=session-ended"));
    let (_, html) = get(&app, &admin, &location(&r)).await;
    assert!(html.contains("The session has been ended"), "{html}");
    assert_eq!(html.matches("End this session").count(), 1);
    assert_eq!(live_sids(&app, &ines).await.len(), 1);
    assert_eq!(get(&app, &phone, "/account").await.0, 303, "the phone is signed out");
    assert_eq!(get(&app, &laptop, "/account").await.0, 200, "the laptop is not");
    let ended = store::audit::recent(&app.state.db, Some("user.session.end"), 10).await.unwrap();
    assert_eq!(ended.len(), 1);
    assert_eq!((ended[0].target_id.as_str(), ended[0].actor_user_id.as_deref()), (ines.as_str(), Some(admin_id.as_str())));
    assert!(ended[0].details.contains(&phone_sid));
    // Ending it again: not found.
    let r = post(&app, &admin, &page, &format!("{page}/sessions/end"), &[("sid", &phone_sid)]).await;
    assert_eq!(r.status(), 404);
    app.finish().await;
}
both!(ending_a_session);

/// Ending every session (a ban, a removal, "sign out everywhere") reads the sessions before its
/// transaction; one started in between, by a sign-in that committed meanwhile, ends too.
async fn ending_every_session_ends_one_started_meanwhile(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("racer@example.org", Some(PW)).await;
    let first = app.browser();
    assert_eq!(app.sign_in(&first, "racer@example.org", PW).await.status(), 303);
    let ending = stile::logout::Ending::read(&app.state, &user.id, stile::logout::Which::All).await.unwrap();
    let second = app.browser();
    assert_eq!(app.sign_in(&second, "racer@example.org", PW).await.status(), 303);
    assert_eq!(live_sids(&app, &user.id).await.len(), 2);
    let mut tx = app.state.db.begin().await.unwrap();
    let ended = ending.write_on(&app.state, &mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ended.count(), 2, "the listed session and the one started after the list");
    drop(ended.notify(&app.state));
    assert_eq!(live_sids(&app, &user.id).await, Vec::<String>::new());
    for c in [&first, &second] {
        assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 303, "signed out");
    }
    app.finish().await;
}
both!(ending_every_session_ends_one_started_meanwhile);

/// A live grant for `user` from `client`, as a code exchange leaves it.
async fn grant(app: &TestApp, user: &str, client: &str, family: &str, offline: bool) {
    let now = app.state.now();
    let row = TokenRow {
        hash: family.into(),
        kind: store::grants::KIND_GRANT.into(),
        user_id: Some(user.into()),
        client_id: Some(client.into()),
        session_sid: None,
        family_id: None,
        data: serde_json::json!({ "offline": offline }).to_string(),
        created_at: now,
        expires_at: now + 3600,
        used_at: None,
        revoked_at: None,
    };
    store::grants::insert(&app.state.db, &row).await.unwrap();
}

/// Apps and consents on the user's page; "Revoke access" withdraws the consent and revokes the
/// app's grants, audited; another app's grants stay; a forged client id changes nothing.
async fn revoking_an_app(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    other_council(&app).await;
    let ines = camden_member(&app, "ines@camden.example").await;
    let (reports, _) = crate::oidc::register(&app, crate::oidc::spec("Street Reports")).await;
    let (permits, _) = crate::oidc::register(&app, crate::oidc::spec("Permits")).await;
    grant(&app, &ines, &reports, "fam-reports", true).await;
    store::consents::set(&app.state.db, &ines, &reports, "openid email", app.state.now()).await.unwrap();
    grant(&app, &ines, &permits, "fam-permits", false).await;

    let admin = admin_browser(&app, "admin@camden.example").await;
    let page = format!("/admin/users/{ines}");
    let (_, html) = get(&app, &admin, &page).await;
    assert!(html.contains("Street Reports") && html.contains("Permits"), "{html}");
    assert!(html.contains("offline access") && html.contains("consented to openid email"), "{html}");

    let islington = admin_browser(&app, "admin@islington.example").await;
    let r = post(&app, &islington, "/admin/users/new", &format!("{page}/apps/revoke"), &[("client_id", &reports)]).await;
    assert_eq!(r.status(), 404);
    let r = post(&app, &admin, &page, &format!("{page}/apps/revoke"), &[("client_id", "no-such-app")]).await;
    assert_eq!(r.status(), 404);
    assert!(store::grants::family_active(&app.state.db, "fam-reports").await.unwrap());

    let r = post(&app, &admin, &page, &format!("{page}/apps/revoke"), &[("client_id", &reports)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{page}?done=app-revoked"));
    assert!(!store::grants::family_active(&app.state.db, "fam-reports").await.unwrap(), "the grant is revoked");
    assert_eq!(store::consents::get(&app.state.db, &ines, &reports).await.unwrap(), None, "the consent is gone");
    assert!(store::grants::family_active(&app.state.db, "fam-permits").await.unwrap(), "another app's grant stays");
    assert_eq!(count(&app, "user.app.revoke", "success").await, 1);
    let (_, html) = get(&app, &admin, &page).await;
    assert!(!html.contains("Street Reports") && html.contains("Permits"));
    app.finish().await;
}
both!(revoking_an_app);

async fn event(app: &TestApp, action: &str, actor: Option<&str>, target: &str, body: &str) {
    let e = store::audit::NewEvent {
        actor_user_id: actor,
        action,
        target_type: "user",
        target_id: target,
        body_id: Some(body),
        ip: "192.0.2.1",
        user_agent: "t",
        outcome: "success",
        ..Default::default()
    };
    store::audit::insert(&app.state.db, &e, app.state.now()).await.unwrap();
    // Ids order events; the clock moves on so times differ too.
    app.clock.advance(1);
}

/// Recent events on the user's page, newest first, as actor and as target; a body administrator
/// sees only their organisation's events; links to the audit log filtered to the user.
async fn recent_events(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let ines = camden_member(&app, "ines@camden.example").await;
    other_council(&app).await;
    event(&app, "membership.update", None, &ines, "camden").await;
    event(&app, "user.flag", Some(&ines), "someone-else", "camden").await;
    event(&app, "secret.elsewhere", None, &ines, "islington").await;
    let admin = admin_browser(&app, "admin@camden.example").await;
    let (_, html) = get(&app, &admin, &format!("/admin/users/{ines}")).await;
    let activity = &html[html.find("Recent activity").unwrap()..];
    let flag = activity.find("user.flag").expect("as actor");
    let update = activity.find("membership.update").expect("as target");
    assert!(flag < update, "newest first");
    assert!(!activity.contains("secret.elsewhere"), "another organisation's event is not shown");
    assert!(activity.contains(&format!("/admin/audit?actor={ines}")) && activity.contains(&format!("/admin/audit?target={ines}")));
    app.finish().await;
}
both!(recent_events);

/// The newest mail to `to` whose text holds `needle`, and how many such mails there are.
pub(crate) async fn mails_to(app: &TestApp, to: &str, needle: &str, at_least: usize) -> Vec<ReceivedMail> {
    let dir = app.db.dir.path().join("mail");
    for _ in 0..200 {
        let mut found = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect();
            paths.sort();
            for p in paths {
                let raw = std::fs::read_to_string(p).unwrap_or_default();
                // A mail still being written has no closing boundary yet: look again next round.
                if !raw.trim_end().ends_with("--") {
                    continue;
                }
                let m = ReceivedMail::parse(&raw);
                if m.header("To").is_some_and(|t| t.contains(to)) && m.part("text/plain").contains(needle) {
                    found.push(m);
                }
            }
        }
        if found.len() >= at_least {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {at_least} mails to {to} with {needle}");
}

async fn invitation_ids(app: &TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar("select id from invitations where email = $1 order by created_at")
        .bind(email)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
}

/// Adds a user with the welcome email ticked; returns their id.
pub(crate) async fn add_with_welcome(app: &TestApp, admin: &reqwest::Client, email: &str) -> String {
    let r = post(
        app,
        admin,
        "/admin/users/new?body=camden",
        "/admin/users/new",
        &[("email", email), ("name", "New Person"), ("body_id", "camden"), ("fixed_body", "camden"), ("send_welcome", "1")],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = location(&r);
    assert!(to.ends_with("?done=user-welcomed"), "{to}");
    to.trim_start_matches("/admin/users/").split('?').next().unwrap().to_owned()
}

/// Opens a welcome link and presses Continue; returns the answer to the POST.
async fn use_welcome(app: &TestApp, c: &reqwest::Client, link: &str) -> (StatusCode, StatusCode, String) {
    let path = link.trim_start_matches(&app.base);
    let (s, html) = get(app, c, path).await;
    let t = link.split("t=").nth(1).unwrap();
    // A dead link's page has no form: the token of the sign-in page serves (it is per browser).
    let csrf = match csrf_in(&html) {
        Some(c) => c,
        None => app.csrf(c, "/login").await,
    };
    let r = c.post(app.url("/invitations/welcome")).form(&[("csrf", csrf.as_str()), ("t", t)]).send().await.unwrap();
    (s, r.status(), location(&r))
}

/// The welcome email: chosen on "Add a user", shown as sent on the user's page, resent with a
/// new link (the old one is refused), accepted once (signed in, address confirmed), then neither
/// resent nor withdrawn; another user's welcome withdrawn (its link refused); another
/// organisation's administrator cannot touch either, even with the invitation's id.
async fn welcome_sent_resent_accepted_withdrawn(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    other_council(&app).await;
    let admin = admin_browser(&app, "admin@camden.example").await;
    let nia = add_with_welcome(&app, &admin, "nia@camden.example").await;
    let first = mails_to(&app, "nia@camden.example", "/invitations/welcome", 1).await;
    let old_link = first[0].link();
    let page = format!("/admin/users/{nia}");
    let (_, html) = get(&app, &admin, &page).await;
    assert!(html.contains("Welcome email (Camden Council)") && html.contains(">Sent<"), "{html}");
    let inv = invitation_ids(&app, "nia@camden.example").await.remove(0);

    // Another organisation's administrator: not on their pages, not by id.
    let islington = admin_browser(&app, "admin@islington.example").await;
    let isl_user = app.create_user("ivan@islington.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-ivan", &isl_user.id, "islington", app.state.now()).await.unwrap();
    for action in ["resend", "withdraw"] {
        for path in [format!("{page}/invitations"), format!("/admin/users/{}/invitations", isl_user.id)] {
            let r = post(&app, &islington, "/admin/users/new", &path, &[("invitation", &inv), ("do", action)]).await;
            assert_eq!(r.status(), 404, "{action} {path}");
        }
    }
    // A forged id and an unknown action on the right page.
    let r = post(&app, &admin, &page, &format!("{page}/invitations"), &[("invitation", "forged"), ("do", "resend")]).await;
    assert_eq!(r.status(), 404);
    let r = post(&app, &admin, &page, &format!("{page}/invitations"), &[("invitation", &inv), ("do", "accept")]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(count(&app, "invitation.resend", "success").await + count(&app, "invitation.withdraw", "success").await, 0);

    // Resent: a new link; the old one is dead.
    let r = post(&app, &admin, &page, &format!("{page}/invitations"), &[("invitation", &inv), ("do", "resend")]).await;
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, format!("{page}?done=invitation-resent")));
    let both = mails_to(&app, "nia@camden.example", "/invitations/welcome", 2).await;
    let new_link = both.iter().map(ReceivedMail::link).find(|l| *l != old_link).expect("a new link");
    let (s, _) = get(&app, &app.browser(), old_link.trim_start_matches(&app.base)).await;
    assert_eq!(s, 410, "the old link is refused");
    let t_old = old_link.split("t=").nth(1).unwrap();
    let stranger = app.browser();
    let csrf = app.csrf(&stranger, "/login").await;
    let r = stranger.post(app.url("/invitations/welcome")).form(&[("csrf", csrf.as_str()), ("t", t_old)]).send().await.unwrap();
    assert_eq!(r.status(), 410, "the old link signs nobody in");
    let (_, html) = get(&app, &admin, &page).await;
    assert!(html.contains("2 times"), "{html}");

    // Accepted: signed in, address confirmed, audited; the link works once.
    let person = app.browser();
    let (s, post_status, to) = use_welcome(&app, &person, &new_link).await;
    assert_eq!((s, post_status, to.as_str()), (StatusCode::OK, StatusCode::SEE_OTHER, "/account"));
    assert_eq!(get(&app, &person, "/account").await.0, 200, "signed in");
    let user = store::users::by_id(&app.state.db, &nia).await.unwrap().unwrap();
    assert!(user.is_email_verified() && user.last_login_at.is_some());
    assert_eq!(count(&app, "invitation.accept", "success").await, 1);
    let (_, again, _) = use_welcome(&app, &app.browser(), &new_link).await;
    assert_eq!(again, 410);
    let (_, html) = get(&app, &admin, &page).await;
    assert!(html.contains(">Accepted<") && !html.contains("value=\"resend\""), "{html}");
    let r = post(&app, &admin, &page, &format!("{page}/invitations"), &[("invitation", &inv), ("do", "resend")]).await;
    assert_eq!(r.status(), 409, "an accepted invitation is not resent");

    // Withdrawn: the link is refused.
    let omar = add_with_welcome(&app, &admin, "omar@camden.example").await;
    let link = mails_to(&app, "omar@camden.example", "/invitations/welcome", 1).await[0].link();
    let inv = invitation_ids(&app, "omar@camden.example").await.remove(0);
    let opage = format!("/admin/users/{omar}");
    let r = post(&app, &admin, &opage, &format!("{opage}/invitations"), &[("invitation", &inv), ("do", "withdraw")]).await;
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, format!("{opage}?done=invitation-withdrawn")));
    assert_eq!(get(&app, &app.browser(), link.trim_start_matches(&app.base)).await.0, 410);
    let c = app.browser();
    let csrf = app.csrf(&c, "/login").await;
    let r = c
        .post(app.url("/invitations/welcome"))
        .form(&[("csrf", csrf.as_str()), ("t", link.split("t=").nth(1).unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(get(&app, &c, "/account").await.0, 303, "not signed in");
    let (_, html) = get(&app, &admin, &opage).await;
    assert!(html.contains(">Withdrawn<"), "{html}");
    let r = post(&app, &admin, &opage, &format!("{opage}/invitations"), &[("invitation", &inv), ("do", "resend")]).await;
    assert_eq!(r.status(), 409, "a withdrawn invitation is not resent");
    app.finish().await;
}
both!(welcome_sent_resent_accepted_withdrawn);

/// At most five invitation emails to one address an hour, however they are asked for (a
/// welcome, resends, parallel requests); the sixth is refused with a reason and sends nothing.
async fn invitation_emails_are_rate_limited(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let admin = admin_browser(&app, "admin@camden.example").await;
    let pia = add_with_welcome(&app, &admin, "pia@camden.example").await;
    let inv = invitation_ids(&app, "pia@camden.example").await.remove(0);
    let page = format!("/admin/users/{pia}");
    let csrf = app.csrf(&admin, &page).await;
    // Eight resends at once: four fit under the limit (the welcome was the first email).
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (c, url, csrf, inv) = (admin.clone(), app.url(&format!("{page}/invitations")), csrf.clone(), inv.clone());
        tasks.push(tokio::spawn(async move {
            c.post(url).form(&[("csrf", csrf.as_str()), ("invitation", inv.as_str()), ("do", "resend")]).send().await.unwrap()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        let s = r.status();
        let body = r.text().await.unwrap();
        if s == 409 {
            assert!(body.contains("in the last hour"), "{body}");
        }
        statuses.push(s.as_u16());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 303, 303, 303, 409, 409, 409, 409], "{statuses:?}");
    let sent: i64 =
        sqlx::query_scalar("select send_count from invitations where id = $1").bind(&inv).fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(sent, 5);
    // An hour later the address can be sent to again.
    app.clock.advance(3601);
    let r = post(&app, &admin, &page, &format!("{page}/invitations"), &[("invitation", &inv), ("do", "resend")]).await;
    assert_eq!(r.status(), 303);
    app.finish().await;
}
both!(invitation_emails_are_rate_limited);

/// On acceptance the inviter's rights are checked again: an administrator demoted since sending
/// (or disabled, or banned) cannot grant through an old link; once they may again, the same link works.
async fn inviter_rights_checked_on_accept(b: Backend) {
    let app = TestApp::start(b).await;
    let (_, admin_id) = council_with_admin(&app).await;
    let outsider = app.create_user("ola@mail.example", Some(PW)).await;
    let admin_row = store::users::by_id(&app.state.db, &admin_id).await.unwrap().unwrap();
    let actor = stile::admin::AdminActor::for_user(&app.state, admin_row, stile::auth::ClientInfo::default()).await.unwrap();
    let out =
        stile::admin::ops::memberships::add_by_email(&app.state, &actor, "camden", "ola@mail.example", Default::default()).await.unwrap();
    assert!(matches!(out, stile::admin::ops::memberships::AddOutcome::Invited { .. }));
    let old_link = mails_to(&app, "ola@mail.example", "/invitations/accept", 1).await[0].link();
    // Resent: a new invitation email with a new link; the first link is dead.
    let inv = invitation_ids(&app, "ola@mail.example").await.remove(0);
    let resent = stile::admin::ops::invitations::resend(&app.state, &actor, &inv).await.unwrap();
    assert_eq!((resent.kind.as_str(), resent.send_count), ("membership", 2));
    let link = mails_to(&app, "ola@mail.example", "/invitations/accept", 2)
        .await
        .iter()
        .map(ReceivedMail::link)
        .find(|l| *l != old_link)
        .expect("a new link");
    let t = link.split("t=").nth(1).unwrap().to_owned();
    let old_t = old_link.split("t=").nth(1).unwrap().to_owned();

    // The inviter loses the right to manage users.
    store::memberships::replace_permissions(&app.state.db, "m-admin", &[] as &[String]).await.unwrap();
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "ola@mail.example", PW).await.status(), 303);
    let accept = |c: reqwest::Client| {
        let (app, t) = (&app, t.clone());
        async move {
            let csrf = app.csrf(&c, "/account").await;
            let r = c.post(app.url("/invitations/accept")).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let csrf = app.csrf(&c, "/account").await;
    let r = c.post(app.url("/invitations/accept")).form(&[("csrf", csrf.as_str()), ("t", old_t.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 422, "the resent invitation's first link is dead");
    let (s, html) = accept(c.clone()).await;
    assert_eq!(s, 403, "{html}");
    assert!(html.contains("can no longer give what it offers"), "{html}");
    let member: Option<String> = sqlx::query_scalar("select id from memberships where user_id = $1 and body_id = 'camden'")
        .bind(&outsider.id)
        .fetch_optional(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(member, None, "nothing granted");
    assert_eq!(count(&app, "membership.accept", "failure").await, 1);

    // Disabled: refused too.
    let perms = ["fms:user_manage_permissions".to_owned()];
    store::memberships::replace_permissions(&app.state.db, "m-admin", &perms).await.unwrap();
    store::users::set_disabled(&app.state.db, &admin_id, true, app.state.now()).await.unwrap();
    assert_eq!(accept(c.clone()).await.0, 403);
    // Banned (the row only, as a ban racing the acceptance leaves it): refused too.
    store::users::set_disabled(&app.state.db, &admin_id, false, app.state.now()).await.unwrap();
    let admin_email = store::users::by_id(&app.state.db, &admin_id).await.unwrap().unwrap().email;
    store::abuse::insert(&app.state.db, &admin_email, "email", "test", app.state.now()).await.unwrap();
    assert_eq!(accept(c.clone()).await.0, 403, "a banned inviter grants nothing");
    // Rights back: the same link works, once.
    store::abuse::delete(&app.state.db, &admin_email).await.unwrap();
    let (s, html) = accept(c.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("You have joined Camden Council"), "{html}");
    assert_ne!(accept(c).await.0, 200, "once");
    app.finish().await;
}
both!(inviter_rights_checked_on_accept);

/// A welcome whose inviter was demoted since sending signs nobody in.
async fn welcome_from_a_demoted_inviter_is_refused(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let admin = admin_browser(&app, "admin@camden.example").await;
    add_with_welcome(&app, &admin, "quin@camden.example").await;
    let link = mails_to(&app, "quin@camden.example", "/invitations/welcome", 1).await[0].link();
    store::memberships::replace_permissions(&app.state.db, "m-admin", &[] as &[String]).await.unwrap();
    let c = app.browser();
    let (s, post_status, _) = use_welcome(&app, &c, &link).await;
    assert_eq!((s, post_status), (StatusCode::OK, StatusCode::FORBIDDEN));
    assert_eq!(get(&app, &c, "/account").await.0, 303, "not signed in");
    assert_eq!(count(&app, "invitation.accept", "failure").await, 1);
    app.finish().await;
}
both!(welcome_from_a_demoted_inviter_is_refused);

/// "End this session" does what signing out does: the app the session signed into gets a
/// back-channel logout for that session's sid, and the session's grant no longer works.
async fn ending_a_session_logs_out_its_apps(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let ines = camden_member(&app, "ines@camden.example").await;
    let (bc_url, mut rx) = crate::oidc_logout::receiver(200).await;
    let mut spec = crate::oidc::spec("Street Reports");
    spec.backchannel_logout_uri = Some(bc_url);
    let (client, secret) = crate::oidc::register(&app, spec).await;
    let person = app.browser();
    assert_eq!(app.sign_in(&person, "ines@camden.example", PW).await.status(), 303);
    let id_token = crate::oidc_logout::id_token_via_code(&app, &person, &client, &secret.unwrap()).await;
    let sid = crate::oidc::payload(&id_token)["sid"].as_str().unwrap().to_owned();
    let admin = admin_browser(&app, "admin@camden.example").await;
    let page = format!("/admin/users/{ines}");
    let (_, html) = get(&app, &admin, &page).await;
    assert!(html.contains("Street Reports"), "the app is listed while its grant lives");
    let r = post(&app, &admin, &page, &format!("{page}/sessions/end"), &[("sid", &sid)]).await;
    assert_eq!(r.status(), 303);
    let token = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    let claims = crate::oidc::payload(&token);
    assert_eq!(
        (claims["sid"].as_str(), claims["sub"].as_str(), claims["aud"].as_str()),
        (Some(sid.as_str()), Some(ines.as_str()), Some(client.as_str()))
    );
    let (_, html) = get(&app, &admin, &page).await;
    assert!(!html.contains("Street Reports"), "the session's grant is revoked: {html}");
    app.finish().await;
}
both!(ending_a_session_logs_out_its_apps);

/// The same over the admin API: "send_welcome" on POST /users, the invitation in the user's
/// activity, resend and withdraw by id; another body's administrator gets "not found".
async fn api_activity_and_invitations(b: Backend) {
    let app = TestApp::start(b).await;
    let su = crate::admin_api::superuser_api(&app).await;
    let council = crate::admin_api::create_body(&su, "Camden Council", "council", &["council.example"]).await;
    let other = crate::admin_api::create_body(&su, "Islington Council", "council", &["islington.example"]).await;
    let other_admin = crate::admin_api::body_admin_api(&app, &su, &other, &["fms_administrators"]).await;
    let (s, v) = su.post("/users", serde_json::json!({ "email": "rae@council.example", "body_id": council, "send_welcome": true })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    mails_to(&app, "rae@council.example", "/invitations/welcome", 1).await;
    let (s, a) = su.get(&format!("/users/{id}/activity")).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!((a["invitations"][0]["kind"].as_str(), a["invitations"][0]["state"].as_str()), (Some("welcome"), Some("sent")), "{a}");
    assert!(
        a["sessions"].as_array().unwrap().is_empty() && a["events"].as_array().unwrap().iter().any(|e| e["action"] == "invitation.welcome")
    );
    let inv = a["invitations"][0]["id"].as_str().unwrap().to_owned();

    assert_eq!(other_admin.get(&format!("/users/{id}/activity")).await.0, StatusCode::NOT_FOUND);
    for action in ["resend", "withdraw"] {
        assert_eq!(other_admin.post(&format!("/invitations/{inv}/{action}"), serde_json::json!({})).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(su.delete(&format!("/users/{id}/sessions/no-such-session")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(su.delete(&format!("/users/{id}/apps/no-such-app")).await.0, StatusCode::NOT_FOUND);
    let (s, v) = su.post(&format!("/invitations/{inv}/resend"), serde_json::json!({})).await;
    assert_eq!((s, v["send_count"].as_i64()), (StatusCode::OK, Some(2)), "{v}");
    let (s, v) = su.post(&format!("/invitations/{inv}/withdraw"), serde_json::json!({})).await;
    assert_eq!((s, v["state"].as_str()), (StatusCode::OK, Some("withdrawn")), "{v}");
    assert_eq!(su.post(&format!("/invitations/{inv}/withdraw"), serde_json::json!({})).await.0, StatusCode::CONFLICT);
    assert_eq!(su.post("/invitations/forged/resend", serde_json::json!({})).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}
both!(api_activity_and_invitations);

/// A machine client's invitation dies with its rights: once a superuser takes its administrative
/// rights away, the person it invited cannot accept. And a welcome link pressed by twenty
/// requests at once signs in exactly one of them.
async fn machine_inviter_and_parallel_welcome(b: Backend) {
    let app = TestApp::start(b).await;
    let su = crate::admin_api::superuser_api(&app).await;
    let council = crate::admin_api::create_body(&su, "Camden Council", "council", &["council.example"]).await;
    let bot = crate::admin_api::body_admin_api(&app, &su, &council, &["fms_administrators"]).await;
    app.create_user("sam@mail.example", Some(PW)).await;
    let (s, v) = bot.post(&format!("/bodies/{council}/members"), serde_json::json!({ "email": "sam@mail.example" })).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let link = mails_to(&app, "sam@mail.example", "/invitations/accept", 1).await[0].link();
    let bot_id =
        stile::clients::list(&app.state.db).await.unwrap().into_iter().find(|c| c.name == format!("Admin of {council}")).unwrap().id;
    su.ok(reqwest::Method::PUT, &format!("/clients/{bot_id}/admin-access"), Some(serde_json::json!({ "level": "none" }))).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "sam@mail.example", PW).await.status(), 303);
    let csrf = app.csrf(&c, "/account").await;
    let t = link.split("t=").nth(1).unwrap();
    let r = c.post(app.url("/invitations/accept")).form(&[("csrf", csrf.as_str()), ("t", t)]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("can no longer give what it offers"));

    // Twenty presses of one welcome link at once: one session.
    let (s, v) = su.post("/users", serde_json::json!({ "email": "tia@council.example", "body_id": council, "send_welcome": true })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let tia = v["id"].as_str().unwrap().to_owned();
    let link = mails_to(&app, "tia@council.example", "/invitations/welcome", 1).await[0].link();
    let t = link.split("t=").nth(1).unwrap().to_owned();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let c = app.browser();
        let csrf = app.csrf(&c, "/login").await;
        let (url, t) = (app.url("/invitations/welcome"), t.clone());
        tasks.push(tokio::spawn(
            async move { c.post(url).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap().status() },
        ));
    }
    let mut signed_in = 0;
    for task in tasks {
        match task.await.unwrap().as_u16() {
            303 => signed_in += 1,
            410 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(signed_in, 1);
    assert_eq!(live_sids(&app, &tia).await.len(), 1);
    assert_eq!(count(&app, "invitation.accept", "success").await, 1);
    app.finish().await;
}
both!(machine_inviter_and_parallel_welcome);

/// A welcome resent after the account's address was corrected goes to the address the account
/// has now, and its link works; the old address gets nothing more. (It went to the address the
/// first email was sent to, with a link that could never work there.) A disabled account's
/// welcome is not resent: its link could sign nobody in.
async fn welcome_resent_to_the_current_address(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let admin = admin_browser(&app, "admin@camden.example").await;
    let id = add_with_welcome(&app, &admin, "rhys@camden.example").await;
    mails_to(&app, "rhys@camden.example", "/invitations/welcome", 1).await;
    let inv = invitation_ids(&app, "rhys@camden.example").await.remove(0);
    let page = format!("/admin/users/{id}");
    let r = post(&app, &admin, &page, &page, &[("name", "Rhys"), ("email", "rhys.jones@camden.example")]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = post(&app, &admin, &page, &format!("{page}/invitations"), &[("invitation", &inv), ("do", "resend")]).await;
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, format!("{page}?done=invitation-resent")));
    let link = mails_to(&app, "rhys.jones@camden.example", "/invitations/welcome", 1).await[0].link();
    let (s, post_status, to) = use_welcome(&app, &app.browser(), &link).await;
    assert_eq!((s, post_status, to.as_str()), (StatusCode::OK, StatusCode::SEE_OTHER, "/account"));
    let old: usize = std::fs::read_dir(app.db.dir.path().join("mail"))
        .unwrap()
        .filter(|e| {
            // The headers only: a mail still being written may not parse whole yet.
            let raw = std::fs::read_to_string(e.as_ref().unwrap().path()).unwrap();
            raw.lines().any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains("rhys@camden.example"))
        })
        .count();
    assert_eq!(old, 1, "only the first welcome went to the old address");

    // Disabled since it was sent: not resent, nothing sent.
    let id = add_with_welcome(&app, &admin, "sian@camden.example").await;
    mails_to(&app, "sian@camden.example", "/invitations/welcome", 1).await;
    let inv = invitation_ids(&app, "sian@camden.example").await.remove(0);
    store::users::set_disabled(&app.state.db, &id, true, app.state.now()).await.unwrap();
    let page = format!("/admin/users/{id}");
    let r = post(&app, &admin, &page, &format!("{page}/invitations"), &[("invitation", &inv), ("do", "resend")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("disabled"));
    let sent: i64 =
        sqlx::query_scalar("select send_count from invitations where id = $1").bind(&inv).fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(sent, 1);
    app.finish().await;
}
both!(welcome_resent_to_the_current_address);

/// The hourly limit is per mailbox: tagging the address ("ann+1@", "ann+2@", which reach ann@)
/// does not get round it. Six invitations to join, each to a new tag of one address: the sixth
/// is refused and sends nothing. Another address is not held up.
async fn invitation_limit_counts_tagged_addresses_once(b: Backend) {
    let app = TestApp::start(b).await;
    let (_, admin_id) = council_with_admin(&app).await;
    let admin_row = store::users::by_id(&app.state.db, &admin_id).await.unwrap().unwrap();
    let actor = stile::admin::AdminActor::for_user(&app.state, admin_row, stile::auth::ClientInfo::default()).await.unwrap();
    let invite = |email: String| {
        let (state, actor) = (&app.state, &actor);
        async move { stile::admin::ops::memberships::add_by_email(state, actor, "camden", &email, Default::default()).await }
    };
    for i in 1..=5 {
        let out = invite(format!("tess+{i}@mail.example")).await.unwrap();
        assert!(matches!(out, stile::admin::ops::memberships::AddOutcome::Invited { .. }), "{i}");
    }
    for email in ["tess+6@mail.example", "tess@mail.example", "TESS+x@mail.example"] {
        let e = invite(email.to_owned()).await.unwrap_err();
        assert!(matches!(e, stile::admin::AdminError::Conflict(_)), "{email}: {e:?}");
    }
    assert_eq!(invitation_ids(&app, "tess+6@mail.example").await.len(), 0);
    invite("ursula@mail.example".to_owned()).await.unwrap();
    app.finish().await;
}
both!(invitation_limit_counts_tagged_addresses_once);

/// With the mail queue full, adding a person with the welcome ticked is refused on the form
/// (503, what to do, what was typed kept), and nothing is added.
async fn a_full_mail_queue_is_said_on_the_form(b: Backend) {
    let app = TestApp::start_with(b, |s| s.mail.max_queued = 0).await;
    council_with_admin(&app).await;
    let admin = admin_browser(&app, "admin@camden.example").await;
    let form = [
        ("email", "queued@camden.example"),
        ("name", "Queued Person"),
        ("body_id", "camden"),
        ("fixed_body", "camden"),
        ("send_welcome", "1"),
    ];
    let r = post(&app, &admin, "/admin/users/new?body=camden", "/admin/users/new", &form).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nothing was saved"), "{html}");
    assert!(html.contains("queued@camden.example"), "what was typed is kept: {html}");
    assert_eq!(invitation_ids(&app, "queued@camden.example").await.len(), 0);
    assert_eq!(count(&app, "user.create", "success").await, 0);
    app.finish().await;
}
both!(a_full_mail_queue_is_said_on_the_form);
