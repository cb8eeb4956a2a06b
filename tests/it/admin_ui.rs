//! The admin web UI's forms over HTTP: happy paths, CSRF refusal, delegation refusals shown
//! with their reason and nothing changed, and field errors.

use stile::store::{self, bodies::NewBody};

use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, location};

pub const PW: &str = "correct horse battery";

/// A council with its template roles, and an administrator of it who holds a few permissions
/// directly (so they need no second factor): user management, inspecting and planned reports.
pub async fn council_with_admin(app: &TestApp) -> (String, String) {
    let now = app.state.now();
    let domains: Vec<String> = vec!["camden.example".into()];
    store::bodies::insert(
        &app.state.db,
        &NewBody {
            id: "camden",
            name: "Camden Council",
            kind: "council",
            fms_body_id: None,
            swa_code: None,
            mfa_policy: "optional",
            password_min_length: None,
            domains: &domains,
        },
        now,
    )
    .await
    .unwrap();
    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("camden-role-{n}")
    };
    store::catalogue::copy_templates_into_body(&app.state.db, "camden", "council", &mut ids, now).await.unwrap();
    let admin = app.create_user("admin@camden.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-admin", &admin.id, "camden", now).await.unwrap();
    for p in ["fms:user_manage_permissions", "fms:report_inspect", "fms:planned_reports"] {
        store::memberships::add_permission(&app.state.db, "m-admin", p).await.unwrap();
    }
    ("camden".into(), admin.id)
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.browser();
    let r = app.sign_in_next(&c, email, PW, "/admin").await;
    assert_eq!(r.status(), 303, "{email} signs in");
    c
}

async fn get_page(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn roles_named(app: &TestApp, body: &str, name: &str) -> usize {
    store::catalogue::roles_of_body(&app.state.db, body).await.unwrap().iter().filter(|r| r.name == name).count()
}

/// A body administrator creates a role and adds a user with it; both are audited.
async fn role_and_user(b: Backend) {
    let app = TestApp::start(b).await;
    let (body, admin_id) = council_with_admin(&app).await;
    let c = signed_in(&app, "admin@camden.example").await;
    let (status, home) = get_page(&app, &c, "/admin").await;
    assert_eq!(status, 200);
    assert!(home.contains("Camden Council"));
    // Superuser-only sections are not offered.
    assert!(!home.contains("/admin/clients") && !home.contains("/admin/bans"), "{home}");
    let (_, account) = get_page(&app, &c, "/account").await;
    assert!(account.contains("href=\"/admin\""), "the account page links administrators to the admin UI");

    let (_, form) = get_page(&app, &c, "/admin/bodies/camden/roles/new").await;
    let csrf = csrf_in(&form).unwrap();
    let r = c
        .post(app.url("/admin/bodies/camden/roles/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("template", ""),
            ("name", "Street inspectors"),
            ("description", "Inspect highway reports"),
            ("sm_role", ""),
            ("permissions", "fms:report_inspect"),
            ("permissions", "fms:planned_reports"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let role_page = location(&r);
    assert!(role_page.starts_with("/admin/roles/") && role_page.ends_with("?done=role-created"), "{role_page}");
    let (_, page) = get_page(&app, &c, &role_page).await;
    assert!(page.contains("The role has been created."));
    let role =
        store::catalogue::roles_of_body(&app.state.db, &body).await.unwrap().into_iter().find(|r| r.name == "Street inspectors").unwrap();
    let mut perms = store::roles::permissions(&app.state.db, &role.id).await.unwrap();
    perms.sort();
    assert_eq!(perms, vec!["fms:planned_reports", "fms:report_inspect"]);

    let (_, form) = get_page(&app, &c, "/admin/users/new?body=camden").await;
    assert!(form.contains("Street inspectors"), "the body's roles are offered");
    let csrf = csrf_in(&form).unwrap();
    let r = c
        .post(app.url("/admin/users/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "Ines@Camden.example"),
            ("name", "Ines Inspector"),
            ("body_id", "camden"),
            ("fixed_body", "camden"),
            ("roles", role.id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let user_page = location(&r);
    let (_, page) = get_page(&app, &c, &user_page).await;
    assert!(page.contains("ines@camden.example") && page.contains("Street inspectors"), "{page}");
    let ines = store::users::by_email(&app.state.db, &stile::email::Email::parse("ines@camden.example").unwrap()).await.unwrap().unwrap();
    let m = store::memberships::of_user(&app.state.db, &ines.id).await.unwrap();
    let detail = store::memberships::detail(&app.state.db, &m[0]).await.unwrap();
    assert_eq!(detail.roles.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(), vec!["Street inspectors"]);
    // No email is sent to a user an administrator creates.
    assert!(store::outbox::to_address(&app.state.db, "ines@camden.example").await.unwrap().is_empty());

    let events = store::audit::recent(&app.state.db, None, 100).await.unwrap();
    for action in ["role.create", "user.create"] {
        let e = events.iter().find(|e| e.action == action).unwrap_or_else(|| panic!("{action} audited"));
        assert_eq!(e.outcome, "success");
        assert_eq!(e.actor_user_id.as_deref(), Some(admin_id.as_str()));
        assert_eq!(e.body_id.as_deref(), Some("camden"));
    }

    // The body page lists the new member; the members' page saves workstreams and areas.
    let (_, page) = get_page(&app, &c, "/admin/bodies/camden").await;
    assert!(page.contains("ines@camden.example"));
    app.finish().await;
}
both!(role_and_user);

/// Forms without the right CSRF token are refused and change nothing.
async fn csrf_refused(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let c = signed_in(&app, "admin@camden.example").await;
    for token in ["", "nope", &"x".repeat(43)] {
        let r = c
            .post(app.url("/admin/bodies/camden/roles/new"))
            .form(&[("csrf", token), ("name", "Sneaky"), ("permissions", "fms:report_inspect")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.text().await.unwrap().contains("form has expired"));
        let r = c
            .post(app.url("/admin/users/new"))
            .form(&[("csrf", token), ("email", "x@camden.example"), ("body_id", "camden")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    // Every form of the admin UI checks the token before anything else.
    for path in [
        "/admin/bans",
        "/admin/bans/remove",
        "/admin/bodies/new",
        "/admin/bodies/camden",
        "/admin/bodies/camden/contractors",
        "/admin/bodies/camden/contractors/remove",
        "/admin/bodies/camden/export",
        "/admin/bodies/camden/import",
        "/admin/bodies/camden/roles/new",
        "/admin/clients/new",
        "/admin/clients/x",
        "/admin/clients/x/rotate",
        "/admin/clients/x/remove",
        "/admin/clients/x/admin-access",
        "/admin/memberships/m-admin",
        "/admin/memberships/m-admin/remove",
        "/admin/roles/camden-role-1",
        "/admin/roles/camden-role-1/delete",
        "/admin/users/new",
        "/admin/users/x",
        "/admin/users/x/action",
        "/admin/users/x/memberships",
    ] {
        let r = c.post(app.url(path)).form(&[("csrf", "forged"), ("do", "disable")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    assert_eq!(
        store::memberships::of_user(
            &app.state.db,
            &store::users::by_email(&app.state.db, &stile::email::Email::parse("admin@camden.example").unwrap()).await.unwrap().unwrap().id
        )
        .await
        .unwrap()
        .len(),
        1
    );
    assert_eq!(roles_named(&app, "camden", "Sneaky").await, 0);
    assert!(store::users::by_email(&app.state.db, &stile::email::Email::parse("x@camden.example").unwrap()).await.unwrap().is_none());
    // Signed out: sent to sign in, nothing done.
    let r = app.browser().get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next=%2Fadmin%2Fusers"));
    app.finish().await;
}
both!(csrf_refused);

/// The admin forms read with the repeated-field extractor: a form without its token field is
/// refused like a forged one, a body that is not a form is refused before anything is read, and
/// a form whose repeated field was sent once or several times is read whole.
async fn admin_forms_extracted(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let c = signed_in(&app, "admin@camden.example").await;
    for path in ["/admin/bodies/camden/roles/new", "/admin/roles/camden-role-1/delete", "/admin/memberships/m-admin/remove"] {
        let r = c.post(app.url(path)).form(&[("name", "No token"), ("permissions", "fms:report_inspect")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
        let r = c.post(app.url(path)).header("content-type", "application/json").body("{}").send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
    }
    assert_eq!(roles_named(&app, "camden", "No token").await, 0);
    let form = c.get(app.url("/admin/bodies/camden/roles/new")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&form).unwrap();
    let r = c
        .post(app.url("/admin/bodies/camden/roles/new"))
        .form(&[("csrf", csrf.as_str()), ("name", "Two"), ("permissions", "fms:report_inspect"), ("permissions", "fms:planned_reports")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = c
        .post(app.url("/admin/bodies/camden/roles/new"))
        .form(&[("csrf", csrf.as_str()), ("name", "One"), ("permissions", "fms:report_inspect")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    for (name, want) in [("Two", vec!["fms:planned_reports", "fms:report_inspect"]), ("One", vec!["fms:report_inspect"])] {
        let role = store::catalogue::roles_of_body(&app.state.db, "camden").await.unwrap().into_iter().find(|r| r.name == name).unwrap();
        let mut perms = store::roles::permissions(&app.state.db, &role.id).await.unwrap();
        perms.sort();
        assert_eq!(perms, want, "{name}");
    }
    app.finish().await;
}
both!(admin_forms_extracted);

/// The delegation rules refuse, the page says why, and nothing changes.
async fn delegation_refusals(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let c = signed_in(&app, "admin@camden.example").await;

    // Granting a permission the admin does not hold.
    let (_, form) = get_page(&app, &c, "/admin/bodies/camden/roles/new").await;
    let csrf = csrf_in(&form).unwrap();
    let r = c
        .post(app.url("/admin/bodies/camden/roles/new"))
        .form(&[("csrf", csrf.as_str()), ("name", "Category editors"), ("permissions", "fms:category_edit")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(page.contains("You cannot grant fms:category_edit because you do not hold it yourself."), "{page}");
    assert!(page.contains("value=\"Category editors\""), "the form keeps what was typed");
    assert_eq!(roles_named(&app, "camden", "Category editors").await, 0);
    let refused = store::audit::recent(&app.state.db, Some("role.create"), 10).await.unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].outcome, "failure");

    // Superuser-only sections: refused with the reason even when typed in.
    let (status, page) = get_page(&app, &c, "/admin/clients").await;
    assert_eq!(status, 403);
    assert!(page.contains("superuser"), "{page}");
    let r = c.post(app.url("/admin/bans")).form(&[("csrf", csrf.as_str()), ("pattern", "evil.example")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(store::users::by_email(&app.state.db, &stile::email::Email::parse("a@evil.example").unwrap()).await.unwrap().is_none());

    // A user outside the admin's bodies is not there for them.
    let outsider = app.create_user("out@elsewhere.example", Some(PW)).await;
    let (status, _) = get_page(&app, &c, &format!("/admin/users/{}", outsider.id)).await;
    assert_eq!(status, 404);
    let r = c
        .post(app.url(&format!("/admin/users/{}/action", outsider.id)))
        .form(&[("csrf", csrf.as_str()), ("do", "disable")])
        .send()
        .await
        .unwrap();
    assert!(r.status() == 403 || r.status() == 404, "{}", r.status());
    assert!(!store::users::by_id(&app.state.db, &outsider.id).await.unwrap().unwrap().is_disabled());

    // A council's details are for superusers: refused with the reason, nothing changed.
    let r = c
        .post(app.url("/admin/bodies/camden"))
        .form(&[("csrf", csrf.as_str()), ("name", "Camden Council"), ("mfa_policy", "required"), ("password_min_length", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Only a superuser can change a council&#39;s details."));
    assert_eq!(store::bodies::by_id(&app.state.db, "camden").await.unwrap().unwrap().mfa_policy.as_str(), "optional");
    let (_, page) = get_page(&app, &c, "/admin/bodies/camden").await;
    assert!(!page.contains("Save settings"), "the settings form is not offered");
    app.finish().await;
}
both!(delegation_refusals);

/// Bad input is shown next to its field, with what was typed kept, and nothing is written.
async fn field_errors(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let c = signed_in(&app, "admin@camden.example").await;
    let (_, form) = get_page(&app, &c, "/admin/users/new?body=camden").await;
    let csrf = csrf_in(&form).unwrap();
    let r = c
        .post(app.url("/admin/users/new"))
        .form(&[("csrf", csrf.as_str()), ("email", "not an address"), ("name", "Nobody"), ("body_id", "camden"), ("fixed_body", "camden")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"email-error\"") && page.contains("aria-invalid=\"true\""), "{page}");
    assert!(page.contains("value=\"Nobody\""));
    assert_eq!(store::users::count(&app.state.db).await.unwrap(), 1);

    // Workstreams must be "prefix access".
    let admin = store::users::by_email(&app.state.db, &stile::email::Email::parse("admin@camden.example").unwrap()).await.unwrap().unwrap();
    let (_, page) = get_page(&app, &c, "/admin/memberships/m-admin").await;
    assert!(page.contains("admin@camden.example"), "{page}");
    let r = c
        .post(app.url("/admin/memberships/m-admin"))
        .form(&[("csrf", csrf.as_str()), ("workstreams", "001 full_write extra"), ("permissions", "fms:report_inspect")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("full_write or read_only"));
    let m = store::memberships::of_user(&app.state.db, &admin.id).await.unwrap();
    assert_eq!(store::memberships::detail(&app.state.db, &m[0]).await.unwrap().direct_permissions.len(), 3, "nothing changed");
    app.finish().await;
}
both!(field_errors);

/// A superuser's sections: organisations, bans, relying apps (secret shown once), user actions.
async fn superuser_sections(b: Backend) {
    let app = TestApp::start(b).await;
    let su = app.create_user("root@stile.example", Some(PW)).await;
    store::users::set_superuser(&app.state.db, &su.id, true, app.state.now()).await.unwrap();
    // Superusers must use 2FA: enrol on the way in.
    let c = app.browser();
    let r = app.sign_in_next(&c, "root@stile.example", PW, "/admin").await;
    assert_eq!(location(&r), "/login/2fa/enrol");
    let page = c.get(app.url("/login/2fa/enrol")).send().await.unwrap().text().await.unwrap();
    let secret = page.split("<code class=\"secret\">").nth(1).unwrap().split("</code>").next().unwrap().replace(' ', "");
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(totp_rs::Secret::try_from_base32(&secret).unwrap())
        .build_noncompliant();
    let code = totp.generate(u64::try_from(app.state.now()).unwrap()).to_string();
    let csrf = csrf_in(&page).unwrap();
    let r = c.post(app.url("/login/2fa/enrol")).form(&[("csrf", csrf.as_str()), ("code", code.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);

    let (status, home) = get_page(&app, &c, "/admin").await;
    assert_eq!(status, 200);
    assert!(home.contains("/admin/clients") && home.contains("/admin/bans"));

    // An organisation.
    let (_, form) = get_page(&app, &c, "/admin/bodies/new").await;
    let csrf = csrf_in(&form).unwrap();
    let r = c
        .post(app.url("/admin/bodies/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Islington Council"),
            ("kind", "council"),
            ("status", "active"),
            ("mfa_policy", "optional"),
            ("domains", "islington.example\n"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let body = store::bodies::by_name(&app.state.db, "Islington Council").await.unwrap().unwrap();
    assert_eq!(store::bodies::domains(&app.state.db, &body.id).await.unwrap(), vec!["islington.example"]);
    assert!(!store::catalogue::roles_of_body(&app.state.db, &body.id).await.unwrap().is_empty(), "templates copied");

    // A role from a template: what the form leaves empty comes from the template.
    let r = c
        .post(app.url(&format!("/admin/bodies/{}/roles/new", body.id)))
        .form(&[("csrf", csrf.as_str()), ("template", "fms_inspectors"), ("name", "North inspectors"), ("sm_role", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let north =
        store::catalogue::roles_of_body(&app.state.db, &body.id).await.unwrap().into_iter().find(|r| r.name == "North inspectors").unwrap();
    let inspectors =
        store::catalogue::roles_of_body(&app.state.db, &body.id).await.unwrap().into_iter().find(|r| r.name == "Inspectors").unwrap();
    assert_eq!(
        store::roles::permissions(&app.state.db, &north.id).await.unwrap(),
        store::roles::permissions(&app.state.db, &inspectors.id).await.unwrap()
    );
    // A name the body already uses is a clash shown on the form.
    let r = c
        .post(app.url(&format!("/admin/bodies/{}/roles/new", body.id)))
        .form(&[("csrf", csrf.as_str()), ("name", "Inspectors"), ("permissions", "fms:moderate")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("There is a problem"));

    // A ban, then a refused account for that domain.
    let r = c
        .post(app.url("/admin/bans"))
        .form(&[("csrf", csrf.as_str()), ("pattern", "spam.example"), ("reason", "abuse")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/bans?done=banned");
    let (_, page) = get_page(&app, &c, "/admin/bans?done=banned").await;
    assert!(page.contains("spam.example") && page.contains("The ban is in place"));
    let r = c
        .post(app.url("/admin/users/new"))
        .form(&[("csrf", csrf.as_str()), ("email", "a@spam.example"), ("body_id", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("banned"));

    // A relying app: its secret is on the answering page, once.
    let r = c
        .post(app.url("/admin/clients/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", "fixmystreet"),
            ("name", "FixMyStreet"),
            ("redirect_uris", "https://fms.example/auth/OIDC"),
            ("grant_types", "authorization_code"),
            ("scopes", "openid profile email"),
            ("token_endpoint_auth_method", "client_secret_post"),
            ("id_token_signing_alg", "RS256"),
            ("require_pkce", "1"),
        ])
        .send()
        .await
        .unwrap();
    // POST-redirect-GET: the secret is on the page redirected to, never in the URL, once.
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/clients/fixmystreet?done=client-created");
    let (_, page) = get_page(&app, &c, "/admin/clients/fixmystreet?done=client-created").await;
    assert!(page.contains("shown only this once") && page.contains("The relying app has been registered."), "{page}");
    let secret = secret_in(&page);
    let stored = stile::store::clients::by_id(&app.state.db, "fixmystreet").await.unwrap().unwrap();
    assert_eq!(stored.secret_hash.as_deref(), Some(stile::secret::token_hash(&secret).as_str()), "the secret shown is the one stored");
    // What the app's developers need: the issuer and discovery URL beside the id, with copy
    // buttons (the one script on the site, allowed by this page's CSP only).
    let issuer = app.state.settings.issuer().to_owned();
    assert!(page.contains(&format!("<code id=\"issuer\">{issuer}</code>")), "{page}");
    assert!(page.contains(&format!("<code id=\"discovery\">{issuer}/.well-known/openid-configuration</code>")), "{page}");
    assert!(page.contains("<code id=\"client-id\">fixmystreet</code>") && page.contains("data-copy=\"client-secret\""), "{page}");
    let r = c.get(app.url("/admin/clients/fixmystreet")).send().await.unwrap();
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    let r = c.get(app.url("/admin/clients")).send().await.unwrap();
    assert!(!r.headers()["content-security-policy"].to_str().unwrap().contains("script-src"), "other pages run no script");
    let r = c.get(app.url("/static/copy.js")).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(r.text().await.unwrap().contains("navigator.clipboard"));
    // The registration form starts from `stile client add`'s defaults.
    let (_, form) = get_page(&app, &c, "/admin/clients/new").await;
    for checked in [
        "id=\"grant-authorization_code\" name=\"grant_types\" type=\"checkbox\" value=\"authorization_code\" checked",
        "id=\"grant-refresh_token\" name=\"grant_types\" type=\"checkbox\" value=\"refresh_token\" checked",
        "<option value=\"client_secret_basic\" selected>",
        "<option value=\"RS256\" selected>",
        "value=\"openid profile email offline_access\"",
        "id=\"require_pkce\" name=\"require_pkce\" type=\"checkbox\" value=\"1\" checked",
    ] {
        assert!(form.contains(checked), "{checked}: {form}");
    }
    assert!(!form.contains("value=\"client_credentials\" checked"), "{form}");
    let (_, again) = get_page(&app, &c, "/admin/clients/fixmystreet?done=client-created").await;
    assert!(!again.contains("shown only this once") && !again.contains(&secret), "a reload does not show the secret again");
    assert_eq!(stile::clients::list(&app.state.db).await.unwrap().iter().filter(|c| c.name == "FixMyStreet").count(), 1);
    let before = stored.secret_hash;
    let r = c.post(app.url("/admin/clients/fixmystreet/rotate")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(location(&r), "/admin/clients/fixmystreet?done=client-rotated");
    // Another session of the same superuser does not get this session's secret.
    app.clock.advance(31);
    let other = app.browser();
    app.sign_in_next(&other, "root@stile.example", PW, "/admin").await;
    let page = other.get(app.url("/login/2fa")).send().await.unwrap().text().await.unwrap();
    let code_now = totp.generate(u64::try_from(app.state.now()).unwrap()).to_string();
    let r = other
        .post(app.url("/login/2fa"))
        .form(&[("csrf", csrf_in(&page).unwrap().as_str()), ("code", code_now.as_str()), ("next", "/admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin");
    let (status, elsewhere) = get_page(&app, &other, "/admin/clients/fixmystreet").await;
    assert_eq!(status, 200);
    assert!(elsewhere.contains("FixMyStreet") && !elsewhere.contains("shown only this once"), "{elsewhere}");
    let (_, page) = get_page(&app, &c, "/admin/clients/fixmystreet?done=client-rotated").await;
    let rotated = secret_in(&page);
    assert_ne!(rotated, secret);
    let after = stile::store::clients::by_id(&app.state.db, "fixmystreet").await.unwrap().unwrap().secret_hash;
    assert_ne!(after, before);
    assert_eq!(after.as_deref(), Some(stile::secret::token_hash(&rotated).as_str()));
    let r = c
        .post(app.url("/admin/clients/fixmystreet/admin-access"))
        .form(&[("csrf", csrf.as_str()), ("level", "body"), ("admin_body_id", ""), ("admin_permissions", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a body is needed");
    let r = c
        .post(app.url("/admin/clients/fixmystreet/admin-access"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("level", "body"),
            ("admin_body_id", body.id.as_str()),
            ("admin_permissions", "fms:user_manage_permissions"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/clients/fixmystreet?done=client-saved");

    // User actions: flag shows in the flagged list; disable; then remove.
    let u = app.create_user("fred@islington.example", Some(PW)).await;
    let act = |what: &'static str| {
        let c = c.clone();
        let url = app.url(&format!("/admin/users/{}/action", u.id));
        let csrf = csrf.clone();
        async move { c.post(url).form(&[("csrf", csrf.as_str()), ("do", what), ("confirm", "yes")]).send().await.unwrap() }
    };
    assert!(location(&act("flag").await).ends_with("?done=flagged"));
    let (_, flagged) = get_page(&app, &c, "/admin/users?flagged=1").await;
    assert!(flagged.contains("fred@islington.example"));
    let (_, found) = get_page(&app, &c, "/admin/users?q=FRED").await;
    assert!(found.contains("fred@islington.example") && !found.contains("root@stile.example"), "{found}");
    // A sign-in email, and signing out everywhere: Fred's browser loses its session.
    assert!(location(&act("send-email").await).ends_with("?done=email-sent"));
    assert_eq!(store::outbox::to_address(&app.state.db, "fred@islington.example").await.unwrap().len(), 1);
    let fred = app.browser();
    assert_eq!(app.sign_in(&fred, "fred@islington.example", PW).await.status(), 303);
    assert_eq!(fred.get(app.url("/account")).send().await.unwrap().status(), 200);
    assert!(location(&act("logout").await).ends_with("?done=logged-out"));
    assert_eq!(fred.get(app.url("/account")).send().await.unwrap().status(), 303, "signed out everywhere");
    assert!(location(&act("reset-2fa").await).ends_with("?done=mfa-none"), "Fred had no second factor");
    let r = act("frobnicate").await;
    assert_eq!(r.status(), 400);
    assert!(location(&act("disable").await).ends_with("?done=disabled"));
    assert!(store::users::by_id(&app.state.db, &u.id).await.unwrap().unwrap().is_disabled());
    assert_ne!(app.sign_in(&app.browser(), "fred@islington.example", PW).await.status(), 303, "a disabled user cannot sign in");
    assert_eq!(location(&act("remove").await), "/admin/users?done=user-removed");
    let gone = store::users::by_id(&app.state.db, &u.id).await.unwrap().unwrap();
    assert_ne!(gone.email, "fred@islington.example");
    app.finish().await;
}
both!(superuser_sections);

/// The audit log page and its CSV, "Download all organisation data", and the CSV import with its
/// dry run, as a body's administrator sees them.
async fn audit_export_import(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let c = signed_in(&app, "admin@camden.example").await;
    let (_, form) = get_page(&app, &c, "/admin/bodies/camden/roles/new").await;
    let csrf = csrf_in(&form).unwrap();
    let r = c
        .post(app.url("/admin/bodies/camden/roles/new"))
        .form(&[("csrf", csrf.as_str()), ("name", "Planners"), ("permissions", "fms:planned_reports")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // The audit log: this body's events, filtered, and as CSV.
    let (status, page) = get_page(&app, &c, "/admin/audit").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("role.create"), "{page}");
    let admin_id =
        store::users::by_email(&app.state.db, &stile::email::Email::parse("admin@camden.example").unwrap()).await.unwrap().unwrap().id;
    assert!(
        page.contains(&format!("<span title=\"{admin_id}\">admin@camden.example</span>")),
        "actors are shown by email, id on hover: {page}"
    );
    // Targets and organisations by name, the ids in the details; no raw JSON.
    let planners =
        store::catalogue::roles_of_body(&app.state.db, "camden").await.unwrap().into_iter().find(|r| r.name == "Planners").unwrap();
    assert!(page.contains(&format!("role <span title=\"{}\">Planners</span>", planners.id)), "{page}");
    assert!(page.contains("<span title=\"camden\">Camden Council</span>"), "{page}");
    assert!(page.contains(&format!("<dt>Target id</dt><dd><code>{}</code></dd>", planners.id)), "{page}");
    assert!(!page.contains("{&quot;") && !page.contains("{\""), "details are fields, not JSON: {page}");
    // Filtering by the actor's email finds their events; another address finds none.
    let (_, page) = get_page(&app, &c, "/admin/audit?actor=Admin%40Camden.example").await;
    assert!(page.contains("role.create"), "{page}");
    let (_, page) = get_page(&app, &c, "/admin/audit?actor=nobody%40camden.example").await;
    assert!(!page.contains("role.create") && page.contains("No events match."), "{page}");
    let (_, page) = get_page(&app, &c, &format!("/admin/audit?actor={admin_id}")).await;
    assert!(page.contains("role.create"), "an id still works");
    let (_, page) = get_page(&app, &c, "/admin/audit?outcome=failure").await;
    assert!(!page.contains("role.create"));
    let (status, page) = get_page(&app, &c, "/admin/audit?from=yesterday").await;
    assert_eq!(status, 422);
    assert!(page.contains("YYYY-MM-DD"));
    let r = c.get(app.url("/admin/audit.csv?action=role.*")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("id,time,actor_user_id") && csv.contains("role.create"), "{csv}");
    // Another body's log is not this admin's to read.
    store::bodies::insert(
        &app.state.db,
        &NewBody {
            id: "kent",
            name: "Kent",
            kind: "council",
            fms_body_id: None,
            swa_code: None,
            mfa_policy: "optional",
            password_min_length: None,
            domains: &[],
        },
        app.state.now(),
    )
    .await
    .unwrap();
    let (status, page) = get_page(&app, &c, "/admin/audit?body=kent").await;
    assert_eq!(status, 403);
    assert!(page.contains("You can only administer organisations you are an administrator of."), "{page}");

    // Download all organisation data: a CSRF-protected button answering with JSON.
    let (_, page) = get_page(&app, &c, "/admin/bodies/camden").await;
    assert!(page.contains("Download all organisation data"));
    let r = c.post(app.url("/admin/bodies/camden/export")).form(&[("csrf", "")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = c.post(app.url("/admin/bodies/camden/export")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("organisation-camden.json"));
    let data: serde_json::Value = r.json().await.unwrap();
    assert_eq!(data["body"]["name"], "Camden Council");
    assert!(data["members"].as_array().unwrap().iter().any(|m| m["email"] == "admin@camden.example"), "{data}");

    // Import: a dry run reports every refused row; a file with refused rows imports nothing.
    let bad = "name,email,from_body,passwordhash,roles,permissions\nAnn,ann@camden.example,,,,report_inspect\nBob,bob@camden.example,,,,category_edit\nNo One,not-an-address,,,,\n";
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", bad), ("mode", "check")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("3 rows: 1 can be imported, 2 have problems"), "{page}");
    assert!(page.contains("fms:category_edit"), "the refusal says why: {page}");
    assert!(!page.contains("name=\"mode\" value=\"import\""), "no import offered while rows are refused");
    // Rows are counted, not problems: a row with two problems is one row.
    let twice = "name,email,from_body,passwordhash,roles,permissions\nAnn,ann@camden.example,,,,report_inspect\nCy,cy@camden.example,,,,\nNo One,not-an-address,,,,category_edit\nBob,bob@camden.example,,,,category_edit\n";
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", twice), ("mode", "check")])
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("4 rows: 2 can be imported, 2 have problems"), "{page}");
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", bad), ("mode", "import")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let ann = stile::email::Email::parse("ann@camden.example").unwrap();
    assert!(store::users::by_email(&app.state.db, &ann).await.unwrap().is_none(), "all or nothing");
    let good = "name,email,from_body,passwordhash,roles,permissions\nAnn,ann@camden.example,,,,report_inspect\n";
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", good), ("mode", "check")])
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("name=\"mode\" value=\"import\""), "{page}");
    assert!(store::users::by_email(&app.state.db, &ann).await.unwrap().is_none(), "a dry run writes nothing");
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", good), ("mode", "import")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/bodies/camden?done=imported");
    let ann = store::users::by_email(&app.state.db, &ann).await.unwrap().unwrap();
    let m = store::memberships::of_user(&app.state.db, &ann.id).await.unwrap();
    assert_eq!(m[0].body_id, "camden");
    app.finish().await;
}
both!(audit_export_import);

/// Memberships and roles after creation: roles and direct permissions saved, a refused change
/// (areas need a permission the admin lacks) leaves everything as it was, a role deleted, a
/// member removed; and someone who administers nothing is refused the admin pages.
async fn membership_and_role_changes(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let now = app.state.now();
    let ines = app.create_user("ines@camden.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-ines", &ines.id, "camden", now).await.unwrap();
    let c = signed_in(&app, "admin@camden.example").await;
    let inspectors =
        store::catalogue::roles_of_body(&app.state.db, "camden").await.unwrap().into_iter().find(|r| r.name == "Inspectors").unwrap();

    let (status, page) = get_page(&app, &c, "/admin/memberships/m-ines").await;
    assert_eq!(status, 200);
    let csrf = csrf_in(&page).unwrap();
    let r = c
        .post(app.url("/admin/memberships/m-ines"))
        .form(&[("csrf", csrf.as_str()), ("permissions", "fms:planned_reports"), ("workstreams", ""), ("areas", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/memberships/m-ines?done=member-saved");
    let m = store::memberships::of_user(&app.state.db, &ines.id).await.unwrap();
    assert_eq!(store::memberships::detail(&app.state.db, &m[0]).await.unwrap().direct_permissions, vec!["fms:planned_reports"]);

    // Areas need fms:user_assign_areas, which this admin does not hold: refused, nothing changed.
    let r = c
        .post(app.url("/admin/memberships/m-ines"))
        .form(&[("csrf", csrf.as_str()), ("permissions", "fms:report_inspect"), ("areas", "2504")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("fms:user_assign_areas"));
    let d = store::memberships::detail(&app.state.db, &m[0]).await.unwrap();
    assert_eq!((d.direct_permissions, d.areas), (vec!["fms:planned_reports".to_owned()], vec![]));

    // The Inspectors template role grants permissions this admin does not hold either.
    let r = c
        .post(app.url("/admin/memberships/m-ines"))
        .form(&[("csrf", csrf.as_str()), ("roles", inspectors.id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(store::memberships::detail(&app.state.db, &m[0]).await.unwrap().roles.is_empty());

    // A role of the admin's own making, then deleted.
    let r = c
        .post(app.url("/admin/bodies/camden/roles/new"))
        .form(&[("csrf", csrf.as_str()), ("name", "Shortlisters"), ("permissions", "fms:planned_reports")])
        .send()
        .await
        .unwrap();
    let role_path = location(&r).split('?').next().unwrap().to_owned();
    let r = c.post(app.url(&format!("{role_path}/delete"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(location(&r), "/admin/bodies/camden?done=role-deleted");
    assert_eq!(roles_named(&app, "camden", "Shortlisters").await, 0);

    // Removing the member.
    let r = c.post(app.url("/admin/memberships/m-ines/remove")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(location(&r), "/admin/bodies/camden?done=member-removed");
    assert!(store::memberships::of_user(&app.state.db, &ines.id).await.unwrap().is_empty());

    // Someone who administers nothing.
    app.create_user("plain@camden.example", Some(PW)).await;
    let p = signed_in(&app, "plain@camden.example").await;
    let (_, account) = get_page(&app, &p, "/account").await;
    assert!(!account.contains("href=\"/admin\""), "no admin link for someone who administers nothing");
    for path in ["/admin", "/admin/users", "/admin/bodies/camden", "/admin/audit"] {
        let (status, page) = get_page(&app, &p, path).await;
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!page.contains("admin@camden.example"), "{path} shows nothing of the body");
    }
    app.finish().await;
}
both!(membership_and_role_changes);

/// The import form takes a pasted file larger than the site-wide body limit (it has the import
/// limit), and a file with thousands of rows is checked in one go.
#[tokio::test]
async fn large_import_form() {
    let app = TestApp::start(Backend::Sqlite).await;
    council_with_admin(&app).await;
    let c = signed_in(&app, "admin@camden.example").await;
    let (_, page) = get_page(&app, &c, "/admin/bodies/camden/import").await;
    let csrf = csrf_in(&page).unwrap();
    let mut csv = String::from("name,email,from_body,passwordhash,roles,permissions\n");
    for i in 0..3000 {
        csv.push_str(&format!("Person {i},person{i}@camden.example,,,,report_inspect\n"));
    }
    assert!(csv.len() > app.state.settings.server.max_body_bytes);
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", csv.as_str()), ("mode", "check")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("3000 rows: 3000 can be imported, 0 have problems"), "{}", &page[..page.len().min(2000)]);
    // The site-wide limit still holds elsewhere.
    let r = c.post(app.url("/admin/bans")).form(&[("csrf", csrf.as_str()), ("reason", csv.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 413);
    app.finish().await;
}

/// Street Manager: a promoter's administrator links a contractor organisation and sets a
/// planner's workstreams; a contractor's administrator may not set workstreams at all.
async fn street_manager_promoter(b: Backend) {
    let app = TestApp::start(b).await;
    let now = app.state.now();
    for (id, name, kind) in [("acme", "Acme Utilities", "promoter"), ("diggers", "Diggers Ltd", "contractor")] {
        store::bodies::insert(
            &app.state.db,
            &NewBody { id, name, kind, fms_body_id: None, swa_code: None, mfa_policy: "optional", password_min_length: None, domains: &[] },
            now,
        )
        .await
        .unwrap();
    }
    let admin = app.create_user("admin@acme.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-acme-admin", &admin.id, "acme", now).await.unwrap();
    for p in ["sm:admin_planner_users", "sm:admin_workstreams", "sm:admin_contractor_organisations", "sm:admin_organisation_details"] {
        store::memberships::add_permission(&app.state.db, "m-acme-admin", p).await.unwrap();
    }
    let planner = app.create_user("pat@acme.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-pat", &planner.id, "acme", now).await.unwrap();
    let c = signed_in(&app, "admin@acme.example").await;

    let (_, page) = get_page(&app, &c, "/admin/bodies/acme").await;
    assert!(page.contains("Link a contractor organisation") && page.contains("Save settings"), "{page}");
    let csrf = csrf_in(&page).unwrap();
    let r =
        c.post(app.url("/admin/bodies/acme/contractors")).form(&[("csrf", csrf.as_str()), ("contractor_id", "nope")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("There is no organisation with that id."));
    let r = c
        .post(app.url("/admin/bodies/acme/contractors"))
        .form(&[("csrf", csrf.as_str()), ("contractor_id", "diggers")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/bodies/acme?done=linked");
    let (_, page) = get_page(&app, &c, "/admin/bodies/acme?done=linked").await;
    assert!(page.contains("The contractor organisation has been linked.") && page.contains("diggers"));

    // Organisation details are a promoter admin's to change; the 2FA policy needs step-up, and
    // this admin has no second factor yet: they are sent to set one up, and nothing changes.
    let r = c
        .post(app.url("/admin/bodies/acme"))
        .form(&[("csrf", csrf.as_str()), ("name", "Acme Utilities"), ("mfa_policy", "required"), ("password_min_length", "12")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/login/2fa/enrol?step_up=1&next=%2Fadmin%2Fbodies%2Facme");
    let acme = store::bodies::by_id(&app.state.db, "acme").await.unwrap().unwrap();
    assert_eq!((acme.mfa_policy.as_str(), acme.password_min_length), ("optional", None));
    let (_, page) = get_page(&app, &c, "/login/2fa/enrol?step_up=1&next=%2Fadmin%2Fbodies%2Facme").await;
    assert!(page.contains("needs two-factor authentication, and your account has none yet"), "{page}");
    let r = c
        .post(app.url("/admin/bodies/acme"))
        .form(&[("csrf", csrf.as_str()), ("name", "Acme Utilities"), ("mfa_policy", "optional"), ("password_min_length", "12")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/bodies/acme?done=body-saved");
    let acme = store::bodies::by_id(&app.state.db, "acme").await.unwrap().unwrap();
    assert_eq!((acme.mfa_policy.as_str(), acme.password_min_length), ("optional", Some(12)));

    // Workstreams for the planner.
    let (_, page) = get_page(&app, &c, "/admin/memberships/m-pat").await;
    assert!(page.contains("id=\"workstreams\""), "editable for this admin");
    let r = c
        .post(app.url("/admin/memberships/m-pat"))
        .form(&[("csrf", csrf.as_str()), ("workstreams", "001 full_write\r\n002 read_only\r\n"), ("areas", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/memberships/m-pat?done=member-saved", "{}", r.text().await.unwrap_or_default());
    let m = store::memberships::of_user(&app.state.db, &planner.id).await.unwrap();
    let mut ws = store::memberships::detail(&app.state.db, &m[0]).await.unwrap().workstreams;
    ws.sort();
    assert_eq!(ws, vec![("001".to_owned(), "full_write".to_owned()), ("002".to_owned(), "read_only".to_owned())]);
    let r = c
        .post(app.url("/admin/memberships/m-pat"))
        .form(&[("csrf", csrf.as_str()), ("workstreams", "003 everything")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "the access word is checked");
    assert_eq!(store::memberships::detail(&app.state.db, &m[0]).await.unwrap().workstreams.len(), 2, "nothing changed");
    app.finish().await;
}
both!(street_manager_promoter);

/// A membership form without the workstream and area fields (the page leaves out what the admin
/// may not change) saves roles without touching them.
async fn fields_not_offered_stay(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let now = app.state.now();
    let ines = app.create_user("ines@camden.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-ines", &ines.id, "camden", now).await.unwrap();
    store::memberships::add_area(&app.state.db, "m-ines", "2504").await.unwrap();
    let c = signed_in(&app, "admin@camden.example").await;
    let (_, page) = get_page(&app, &c, "/admin/memberships/m-ines").await;
    assert!(!page.contains("id=\"areas\"") && page.contains("2504"), "areas shown, not editable: {page}");
    let csrf = csrf_in(&page).unwrap();
    let r = c
        .post(app.url("/admin/memberships/m-ines"))
        .form(&[("csrf", csrf.as_str()), ("permissions", "fms:report_inspect")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/memberships/m-ines?done=member-saved");
    let m = store::memberships::of_user(&app.state.db, &ines.id).await.unwrap();
    let d = store::memberships::detail(&app.state.db, &m[0]).await.unwrap();
    assert_eq!((d.direct_permissions, d.areas), (vec!["fms:report_inspect".to_owned()], vec!["2504".to_owned()]));
    app.finish().await;
}
both!(fields_not_offered_stay);

/// The one-time secret on a relying app's page.
fn secret_in(page: &str) -> String {
    let box_start = page.find("class=\"secret-once\"").unwrap_or_else(|| panic!("no secret shown: {page}"));
    let rest = &page[box_start..];
    let code = rest.find("<code").unwrap();
    let open = rest[code..].find('>').unwrap() + code + 1;
    let close = rest[open..].find("</code>").unwrap() + open;
    rest[open..close].to_owned()
}
