//! Accounts that administrators create, import or add (issue 11, security 1, 2 and 4): only in
//! the body's own email domains, adding anyone else is an invitation the person accepts signed
//! in, "created for this body" is a recorded fact, and imported password hashes have bounded cost.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stile::store;

use crate::admin_api::{Api, PW, body_admin_api, create_user, set_password, snapshot, superuser_api, world};
use crate::both;
use crate::cli::{Cli, fails, ok};
use crate::harness::{Backend, ReceivedMail, TestApp, csrf_in};

async fn user_id(app: &TestApp, email: &str) -> Option<String> {
    sqlx::query_scalar("select id from users where email = $1").bind(email).fetch_optional(app.state.db.pool()).await.unwrap()
}

async fn created_for(app: &TestApp, email: &str) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>("select created_for_body_id from users where email = $1")
        .bind(email)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

async fn import(app: &TestApp, api: &Api<'_>, body: &str, csv: &str) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/bodies/{body}/import?dry_run=false")))
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let s = res.status();
    (s, res.json().await.unwrap())
}

fn problems(v: &Value) -> Vec<(u64, String, String)> {
    v["report"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {v}"))
        .iter()
        .map(|p| (p["row"].as_u64().unwrap(), p["field"].as_str().unwrap().to_owned(), p["reason"].as_str().unwrap().to_owned()))
        .collect()
}

/// An SSO connection of `body` serving `domain`.
async fn connection(su: &Api<'_>, body: &str, domain: &str, mode: &str) {
    su.ok(
        Method::POST,
        "/connections",
        Some(json!({
            "kind": "oidc", "name": format!("SSO for {domain}"), "body_id": body,
            "issuer": "https://login.example.org/tenant/v2.0", "client_id": "stile", "client_secret": "s3cret-upstream",
            "domains": [domain], "mode": mode,
        })),
    )
    .await;
}

/// A council administrator cannot create or import an account for another body's address (or
/// any address outside their own domains, or one another body's SSO serves); a superuser can,
/// except that nobody gives a password hash to an address whose SSO is required.
async fn create_and_import_stay_in_own_domains(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    connection(&su, &w.ha, "sso-camden.example", "required").await;
    connection(&su, &w.promoter, "sso-thames.example", "offered").await;
    let fms_admin = body_admin_api(&app, &su, &w.council, &["fms_administrators"]).await;
    let before = snapshot(&app).await;
    for email in [
        "chief@camden.example",       // another body's own domain
        "chief@sso-camden.example",   // another body's SSO domain
        "chief@sso-thames.example",   // another body's SSO domain, sign-in only offered
        "someone@gmail.example",      // nobody's domain
        "chief@mail.council.example", // a subdomain is not the domain
        "chief@council.example.evil", // nor is a longer one
    ] {
        let (s, v) = fms_admin.post("/users", json!({ "email": email, "body_id": w.council })).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{email}: {v}");
        let domain = email.split('@').nth(1).unwrap();
        assert!(v["message"].as_str().unwrap().contains(&format!("{domain} ")), "{email}: {v}");
        assert_eq!(user_id(&app, email).await, None, "{email}");
    }
    assert_eq!(snapshot(&app).await, before, "nothing created");
    // Refusals are audited.
    let refused = store::audit::recent(&app.state.db, Some("user.create"), 50).await.unwrap();
    assert_eq!(refused.iter().filter(|e| e.outcome == "failure").count(), 6);

    // Their own domain: created, and recorded as created for the council.
    let (s, v) = fms_admin.post("/users", json!({ "email": "new@council.example", "body_id": w.council })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(created_for(&app, "new@council.example").await.as_deref(), Some(w.council.as_str()));

    // Import: the same rule, row by row; nothing is written unless every row is accepted.
    let hash = bcrypt::hash("chosen by the importer", 4).unwrap();
    let csv = format!("name,email,passwordhash\nChief,chief@camden.example,{hash}\nSso,x@sso-camden.example,\nOk,ok@council.example,\n");
    let (s, v) = import(&app, &fms_admin, &w.council, &csv).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let got: Vec<(u64, String)> = problems(&v).into_iter().map(|(r, f, _)| (r, f)).collect();
    assert_eq!(got, [(2, "email".into()), (3, "email".into())], "{v}");
    assert_eq!(user_id(&app, "chief@camden.example").await, None);
    assert_eq!(user_id(&app, "ok@council.example").await, None, "all or nothing");
    let (s, v) = import(&app, &fms_admin, &w.council, "name,email\nOk,ok@council.example\n").await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(created_for(&app, "ok@council.example").await.as_deref(), Some(w.council.as_str()), "an import records it too");

    // A superuser keeps full import, but no password hash goes to an SSO-required domain.
    let csv = format!("name,email,passwordhash\nChief,chief@camden.example,{hash}\nSso,x@sso-camden.example,{hash}\n");
    let (s, v) = import(&app, &su, &w.council, &csv).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let got = problems(&v);
    assert_eq!(got.len(), 1, "{v}");
    assert_eq!((got[0].0, got[0].1.as_str()), (3, "passwordhash"));
    assert!(got[0].2.contains("single sign-on"), "{v}");
    let csv = format!("name,email,passwordhash\nChief,chief@camden.example,{hash}\nSso,x@sso-camden.example,\n");
    assert_eq!(import(&app, &su, &w.council, &csv).await.0, StatusCode::CREATED);
    let (s, v) = su.post("/users", json!({ "email": "someone@gmail.example", "body_id": w.council })).await;
    assert_eq!(s, StatusCode::CREATED, "a superuser creates anywhere: {v}");
    app.finish().await;
}
both!(create_and_import_stay_in_own_domains);

/// `stile user add` refuses a password for an SSO-required domain, and a hash above the limits.
async fn cli_user_add_refuses_costly_hashes_and_sso_passwords(b: Backend) {
    let cli = Cli::new(b).await;
    ok(cli.run(&["migrate"]));
    ok(cli.run(&["body", "add", "Camden", "--kind", "council", "--domain", "camden.gov.uk"]));
    let cheap = bcrypt::hash("pw", 4).unwrap();
    let costly = format!("$2b$31{}", &cheap[6..]);
    let e = fails(cli.run(&["user", "add", "a@example.org", "--password-hash", &costly]));
    assert!(e.contains("cost 31"), "{e}");
    let argon = "$argon2id$v=19$m=2097152,t=1,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo";
    let e = fails(cli.run(&["user", "add", "b@example.org", "--password-hash", argon]));
    assert!(e.contains("m=2097152"), "{e}");
    ok(cli.run(&["user", "add", "c@example.org", "--password-hash", &cheap]));
    // No password for an address whose sign-in must go through SSO, not even from the operator.
    let add = [
        "connection",
        "add-oidc",
        "Camden Entra",
        "--body",
        "Camden",
        "--issuer",
        "https://login.example.org/t/v2.0",
        "--client-id",
        "stile",
        "--domain",
        "camden.gov.uk",
        "--mode",
        "required",
    ];
    ok(cli.run_with_stdin(&add, "upstream-s3cret\n"));
    let e = fails(cli.run(&["user", "add", "d@camden.gov.uk", "--password-hash", &cheap]));
    assert!(e.contains("single sign-on"), "{e}");
    let e = fails(cli.run_with_stdin(&["user", "add", "d@camden.gov.uk", "--password-stdin"], "correct horse battery staple\n"));
    assert!(e.contains("single sign-on"), "{e}");
    ok(cli.run(&["user", "add", "d@camden.gov.uk"]));
    cli.db.drop_db().await;
}
both!(cli_user_add_refuses_costly_hashes_and_sso_passwords);

/// A stored hash above the limits is never verified, and an import refuses it.
async fn imported_hashes_have_bounded_cost(b: Backend) {
    let app = TestApp::start_with(b, |s| s.password.max_bcrypt_cost = 4).await;
    let su = superuser_api(&app).await;
    let council = crate::admin_api::create_body(&su, "Camden Council", "council", &["council.example"]).await;
    // Cost 5 (above the limit of 4) for the right password: on the old code this signed in.
    let h5 = bcrypt::hash(PW, 5).unwrap();
    let h4 = bcrypt::hash(PW, 4).unwrap();
    let argon = "$argon2id$v=19$m=2097152,t=1,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo";
    let csv = format!("name,email,passwordhash\nA,a@council.example,{h5}\nB,b@council.example,\"{argon}\"\nC,c@council.example,{h4}\n");
    let (s, v) = import(&app, &su, &council, &csv).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let got = problems(&v);
    assert_eq!(got.iter().map(|p| (p.0, p.1.as_str())).collect::<Vec<_>>(), [(2, "passwordhash"), (3, "passwordhash")], "{v}");
    assert!(got[0].2.contains("cost 5") && got[1].2.contains("m=2097152"), "{v}");
    assert_eq!(import(&app, &su, &council, &format!("name,email,passwordhash\nC,c@council.example,{h4}\n")).await.0, StatusCode::CREATED);
    assert_eq!(app.sign_in(&app.browser(), "c@council.example", PW).await.status(), 303, "a hash within the limits works");
    // One that slipped in (written before the limits existed) is never verified.
    let slipped = app.create_user("slipped@council.example", None).await;
    store::users::set_password_hash(&app.state.db, &slipped.id, &h5, app.state.now()).await.unwrap();
    let wrong = app.sign_in(&app.browser(), "c@council.example", "not the password").await.status();
    assert_ne!(wrong, 303);
    let r = app.sign_in(&app.browser(), "slipped@council.example", PW).await;
    assert_eq!(r.status(), wrong, "the right password does not sign in with a hash above the limits");
    app.finish().await;
}
both!(imported_hashes_have_bounded_cost);

/// The link of the newest mail to `to` in the file transport's directory.
async fn mailed_link(app: &TestApp, to: &str) -> String {
    let dir = app.db.dir.path().join("mail");
    for _ in 0..200 {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries {
                let path = e.unwrap().path();
                if path.extension().is_none_or(|x| x != "eml") {
                    continue;
                }
                let raw = std::fs::read_to_string(path).unwrap();
                let m = ReceivedMail::parse(&raw);
                if m.header("To").is_some_and(|t| t.contains(to)) && m.part("text/plain").contains("/invitations/accept") {
                    return m.link();
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no invitation mailed to {to}");
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.browser();
    assert_eq!(app.sign_in(&c, email, PW).await.status(), 303, "{email} signs in");
    c
}

/// Presses "Join" (the form's CSRF token from the account page, so it works for anyone).
async fn accept(app: &TestApp, c: &reqwest::Client, link: &str) -> (StatusCode, String) {
    let page = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    let t = link.split("t=").nth(1).unwrap();
    let r = c.post(app.url("/invitations/accept")).form(&[("csrf", csrf.as_str()), ("t", t)]).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn membership_of(app: &TestApp, user: &str, body: &str) -> Option<String> {
    sqlx::query_scalar("select id from memberships where user_id = $1 and body_id = $2")
        .bind(user)
        .bind(body)
        .fetch_optional(app.state.db.pool())
        .await
        .unwrap()
}

/// Adding an address outside the body's domains sends an invitation, with the same answer
/// whether or not it has an account; the membership exists only when the person accepts it
/// signed in with that address, once; and the body's admins cannot then take the account over.
async fn adding_an_outside_account_is_an_invitation(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let resident = su.ok(Method::POST, "/users", Some(json!({ "email": "resident@mail.example", "name": "Resident" }))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    set_password(&app, &resident).await;
    let other = su.ok(Method::POST, "/users", Some(json!({ "email": "other@mail.example" }))).await["id"].as_str().unwrap().to_owned();
    set_password(&app, &other).await;
    let fms_admin = body_admin_api(&app, &su, &w.council, &["fms_administrators"]).await;
    let members = format!("/bodies/{}/members", w.council);

    // The same answer for an address with an account and one without.
    let (s1, v1) = fms_admin.post(&members, json!({ "email": "Resident@mail.example" })).await;
    let (s2, v2) = fms_admin.post(&members, json!({ "email": "nobody@mail.example" })).await;
    assert_eq!((s1, s2), (StatusCode::ACCEPTED, StatusCode::ACCEPTED), "{v1} {v2}");
    let shape = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(shape(&v1), shape(&v2));
    assert_eq!((v1["invited"].as_bool(), v1["email"].as_str()), (Some(true), Some("resident@mail.example")));
    assert_eq!(v1["expires_at"], v2["expires_at"]);
    assert_eq!(membership_of(&app, &resident, &w.council).await, None, "no membership before it is accepted");
    // By user id, only a user the admin can already see: an id is not a way to learn an address.
    let (s, v) = fms_admin.post(&members, json!({ "user_id": other })).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(membership_of(&app, &other, &w.council).await, None);
    // Only the token's hash is stored.
    let link = mailed_link(&app, "resident@mail.example").await;
    let secret = link.split("t=").nth(1).unwrap().to_owned();
    let stored: Vec<String> = sqlx::query_scalar("select token_hash from invitations").fetch_all(app.state.db.pool()).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|h| *h != secret));

    // Someone else signed in cannot use it, and their try does not use it up.
    let oc = signed_in(&app, "other@mail.example").await;
    let r = oc.get(&link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (s, page) = accept(&app, &oc, &link).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("sent to another email address"), "{page}");
    assert_eq!(membership_of(&app, &other, &w.council).await, None);
    assert_eq!(membership_of(&app, &resident, &w.council).await, None);

    // The invited person, signed in, accepts once.
    let rc = signed_in(&app, "resident@mail.example").await;
    let page = rc.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Join Camden Council"), "{page}");
    let (s, page) = accept(&app, &rc, &link).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(membership_of(&app, &resident, &w.council).await.is_some());
    let r = rc.get(&link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::GONE, "single use");
    assert!(app.audit_actions().await.contains(&("membership.accept".into(), "success".into())));

    // The council's admins can take the member out, but not take the account over.
    let before = snapshot(&app).await;
    for (what, method, path, body) in [
        ("change the email", Method::PATCH, format!("/users/{resident}"), Some(json!({ "email": "attacker@council.example" }))),
        ("remove", Method::DELETE, format!("/users/{resident}"), None),
        ("disable", Method::PUT, format!("/users/{resident}/disabled"), None),
        ("reset 2FA", Method::POST, format!("/users/{resident}/reset-2fa"), None),
        ("remove passkeys", Method::POST, format!("/users/{resident}/remove-passkeys"), None),
    ] {
        let (s, v) = fms_admin.call(method, &path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{what}: {v}");
        assert!(v["message"].as_str().unwrap().contains("not created for your organisation"), "{what}: {v}");
    }
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    let m = membership_of(&app, &resident, &w.council).await.unwrap();
    fms_admin.ok(Method::DELETE, &format!("/memberships/{m}"), None).await;

    // An address in the council's own domain is added at once; an account it created is its own.
    let (inside, _) = create_user(&su, "inside@council.example", &w.promoter, &[]).await;
    let (s, v) = fms_admin.post(&members, json!({ "email": "inside@council.example" })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(membership_of(&app, &inside, &w.council).await.is_some());
    let (fresh, _) = create_user(&fms_admin, "typo@council.example", &w.council, &[]).await;
    fms_admin.ok(Method::PATCH, &format!("/users/{fresh}"), Some(json!({ "email": "fixed@council.example" }))).await;
    fms_admin.ok(Method::PUT, &format!("/users/{fresh}/disabled"), None).await;
    fms_admin.ok(Method::DELETE, &format!("/users/{fresh}"), None).await;
    app.finish().await;
}
both!(adding_an_outside_account_is_an_invitation);
