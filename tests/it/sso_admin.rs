//! SSO connections in the administration (issues 6 and 7): the REST API and the admin web UI
//! create, edit and remove OIDC and SAML connections (SAML from real pysaml2 IdP metadata), the
//! client secret goes in and never comes out, non-superusers are refused with nothing changed,
//! a body's SSO connection is one of its own, and the abuse controls hold on the SSO path (a
//! banned address or domain is refused at upstream sign-in with nothing written; a suspended
//! body's memberships are left alone).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stile::email::Email;
use stile::sso::connection::Mode;
use stile::store;

use crate::admin_api::{Api, body_admin_api, create_body, superuser_api};
use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, location};
use crate::saml_idp::SamlIdp;
use crate::sso_oidc::{End, account, authorize_url, connect_upstream, follow, relying_app, setup, sign_in_through};

const PW: &str = "correct horse battery";
const SECRET: &str = "upstream-secret-never-shown-7f3a";
const ROTATED: &str = "rotated-upstream-secret-9c1e";

async fn connection_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from upstream_connections").fetch_one(app.state.db.pool()).await.unwrap()
}

async fn stored_secret(app: &TestApp, id: &str) -> String {
    let c = stile::admin::ops::connections::get(&app.state, id).await.unwrap();
    stile::sso::client_secret(&app.state.master_key, &c).unwrap().unwrap().expose().to_owned()
}

fn oidc_input(body: &str) -> Value {
    json!({
        "kind": "oidc", "name": "Camden Entra", "body_id": body,
        "issuer": "https://login.example.org/tenant/v2.0", "client_id": "stile-camden", "client_secret": SECRET,
        "domains": ["Camden.gov.example"], "mode": "required", "show_button": true,
        "group_roles": [{ "group": "highway-inspectors", "role": "Inspectors" }],
    })
}

/// Create, list, show, edit, rotate the secret, set as the body's connection, remove — and the
/// secret appears in no answer.
async fn api_manages_connections(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let council = create_body(&su, "Camden Council", "council", &[]).await;
    let other = create_body(&su, "Barnet Council", "council", &[]).await;

    let (s, v) = su.post("/connections", oidc_input(&council)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(!v.to_string().contains(SECRET), "the secret is never returned: {v}");
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["kind"], "oidc");
    assert_eq!(v["domains"], json!(["camden.gov.example"]));
    assert_eq!(v["mode"], "required");
    assert_eq!(v["has_client_secret"], true);
    assert_eq!(v["group_roles"][0]["role"], "Inspectors");
    // Each connection has its own redirect URI (RFC 9700 §4.4).
    assert_eq!(v["oidc"]["redirect_uri"], app.url(&format!("/sso/oidc/callback/{id}")));
    assert_eq!(stored_secret(&app, &id).await, SECRET);
    let listed = su.ok(Method::GET, "/connections", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(SECRET));

    // Edit mode, domains, MFA trust, JIT, button, claims, mappings.
    let v = su
        .ok(
            Method::PATCH,
            &format!("/connections/{id}"),
            Some(json!({
                "mode": "offered", "domains": ["camden.gov.example", "camden.example"], "trust_upstream_mfa": true, "jit": true,
                "show_button": false, "claims": { "groups": "roles" }, "mfa_oidc_amr": ["mfa", "hwk"],
                "group_roles": [{ "group": "contact-centre", "role": "Customer Services" }],
            })),
        )
        .await;
    assert_eq!(v["mode"], "offered");
    assert_eq!((v["jit"].clone(), v["trust_upstream_mfa"].clone(), v["show_button"].clone()), (json!(true), json!(true), json!(false)));
    assert_eq!(v["claims"]["groups"], "roles");
    assert_eq!(v["mfa"]["oidc_amr"], json!(["mfa", "hwk"]));
    assert_eq!(
        v["group_roles"],
        json!([{ "group": "contact-centre", "role_id": v["group_roles"][0]["role_id"], "role": "Customer Services" }])
    );

    // Bad input: 422 naming the field, nothing changed.
    let before = su.ok(Method::GET, &format!("/connections/{id}"), None).await;
    for (body, field) in [
        (json!({ "domains": ["not a domain"] }), "domains"),
        (json!({ "mode": "sometimes" }), "mode"),
        (json!({ "issuer": "http://idp.example.org" }), "issuer"),
        (json!({ "group_roles": [{ "group": "x", "role": "No such role" }] }), "group_roles"),
        (json!({ "client_secret": "sneaky" }), "client_secret"),
        (json!({ "sign_requests": true }), "kind"),
        (json!({ "mode": "required", "domains": [] }), "domains"),
    ] {
        let (s, v) = su.patch(&format!("/connections/{id}"), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
    }
    assert_eq!(su.ok(Method::GET, &format!("/connections/{id}"), None).await, before);
    // A domain another connection serves.
    let mut second = oidc_input(&other);
    second["domains"] = json!(["camden.example"]);
    let (s, v) = su.post("/connections", second).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "domains");
    assert_eq!(connection_count(&app).await, 1);
    // Creating needs the secret.
    let mut no_secret = oidc_input(&other);
    no_secret["domains"] = json!([]);
    no_secret["mode"] = json!("offered");
    no_secret.as_object_mut().unwrap().remove("client_secret");
    let (s, v) = su.post("/connections", no_secret).await;
    assert_eq!((s, v["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("client_secret")), "{v}");

    // Rotate the upstream secret: stored, not shown.
    let v = su.ok(Method::PUT, &format!("/connections/{id}/client-secret"), Some(json!({ "client_secret": ROTATED }))).await;
    assert!(!v.to_string().contains(ROTATED));
    assert_eq!(stored_secret(&app, &id).await, ROTATED);

    // The body's SSO connection: its own connections only.
    let v = su.ok(Method::PATCH, &format!("/bodies/{council}"), Some(json!({ "sso_connection_id": id }))).await;
    assert_eq!(v["sso_connection_id"], id);
    let (s, v) = su.patch(&format!("/bodies/{other}"), json!({ "sso_connection_id": id })).await;
    assert_eq!((s, v["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("sso_connection_id")), "{v}");
    assert!(v["message"].as_str().unwrap().contains("another organisation"));

    // Every change was audited.
    let actions: Vec<String> = store::audit::recent(&app.state.db, None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("connection.") && e.outcome == "success")
        .map(|e| e.action)
        .collect();
    for a in ["connection.create", "connection.update", "connection.rotate_secret"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }

    // Remove: gone, and the body names no connection.
    let (s, _) = su.delete(&format!("/connections/{id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = su.get(&format!("/connections/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(su.ok(Method::GET, &format!("/bodies/{council}"), None).await["sso_connection_id"], Value::Null);
    app.finish().await;
}
both!(api_manages_connections);

/// A SAML connection from the IdP's metadata document, and from its URL (fetched once); a file
/// path on the server is refused.
async fn api_saml_from_metadata(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let app = TestApp::start(b).await;
    let idp = SamlIdp::start().await;
    let su = superuser_api(&app).await;
    let council = create_body(&su, "Camden Council", "council", &[]).await;
    let xml = idp.metadata().await;

    let v = su
        .ok(
            Method::POST,
            "/connections",
            Some(json!({ "kind": "saml", "name": "Camden ADFS", "body_id": council, "idp_metadata_xml": xml, "domains": ["camden.gov.example"], "jit": true })),
        )
        .await;
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["kind"], "saml");
    assert_eq!(v["saml"]["metadata_url"], app.url(&format!("/sso/saml/{id}/metadata")));
    assert_eq!(v["saml"]["idp_certificate_sha256"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["has_client_secret"], false, "the SP key is not a client secret");
    // Our SP metadata is served for the IdP.
    let r = reqwest::get(app.url(&format!("/sso/saml/{id}/metadata"))).await.unwrap();
    assert_eq!(r.status(), 200);

    let v = su
        .ok(
            Method::POST,
            "/connections",
            Some(json!({ "kind": "saml", "name": "Barnet", "body_id": council, "idp_metadata_url": idp.metadata_url(), "allow_idp_initiated": true })),
        )
        .await;
    assert_eq!(v["allow_idp_initiated"], true);
    assert!(v["saml"]["idp_sso_url"].as_str().unwrap().starts_with(&idp.base));
    // Re-import, and the refusals.
    su.ok(Method::PATCH, &format!("/connections/{id}"), Some(json!({ "idp_metadata_url": idp.metadata_url(), "sign_requests": true })))
        .await;
    for (body, field) in [
        (json!({ "kind": "saml", "name": "X", "body_id": council, "idp_metadata_url": "/etc/passwd" }), "idp_metadata_url"),
        (json!({ "kind": "saml", "name": "X", "body_id": council, "idp_metadata_xml": "<EntityDescriptor/>" }), "idp_metadata"),
        (json!({ "kind": "saml", "name": "X", "body_id": council }), "idp_metadata"),
        (json!({ "kind": "ldap", "name": "X", "body_id": council }), "kind"),
    ] {
        let (s, v) = su.post("/connections", body.clone()).await;
        assert_eq!((s, v["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!(field)), "{body}: {v}");
    }
    let (s, v) = su.patch(&format!("/connections/{id}"), json!({ "issuer": "https://x.example" })).await;
    assert_eq!((s, v["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{v}");
    let (s, _) = su.put(&format!("/connections/{id}/client-secret"), json!({ "client_secret": "x" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(connection_count(&app).await, 2);
    app.finish().await;
}
both!(api_saml_from_metadata);

/// A body administrator (and a token without rights) is refused every connection ability with
/// a reason, nothing changes, and the refusals are audited.
async fn api_refuses_non_superusers(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let council = create_body(&su, "Camden Council", "council", &[]).await;
    let id = su.ok(Method::POST, "/connections", Some(oidc_input(&council))).await["id"].as_str().unwrap().to_owned();
    let admin = body_admin_api(&app, &su, &council, &["fms_administrators"]).await;
    let before = su.ok(Method::GET, &format!("/connections/{id}"), None).await;
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/connections".into(), None),
        (Method::POST, "/connections".into(), Some(json!({ "kind": "oidc", "name": "Mine", "body_id": council }))),
        (Method::GET, format!("/connections/{id}"), None),
        (Method::PATCH, format!("/connections/{id}"), Some(json!({ "mode": "offered" }))),
        (Method::PUT, format!("/connections/{id}/client-secret"), Some(json!({ "client_secret": "stolen" }))),
        (Method::DELETE, format!("/connections/{id}"), None),
    ];
    for (m, path, body) in cases {
        let (s, v) = admin.call(m.clone(), &path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{m} {path}: {v}");
        assert_eq!(v["error"], "forbidden");
        assert!(v["message"].as_str().unwrap().contains("Only a superuser can manage SSO connections"), "{v}");
    }
    assert_eq!(su.ok(Method::GET, &format!("/connections/{id}"), None).await, before);
    assert_eq!(stored_secret(&app, &id).await, SECRET);
    assert_eq!(connection_count(&app).await, 1);
    let refused = store::audit::recent(&app.state.db, None, 200).await.unwrap();
    for a in ["connection.create", "connection.update", "connection.rotate_secret", "connection.remove"] {
        assert!(refused.iter().any(|e| e.action == a && e.outcome == "failure"), "{a} refusal audited");
    }
    let nobody = Api { app: &app, token: "not-a-token".into() };
    let (s, _) = nobody.get("/connections").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.finish().await;
}
both!(api_refuses_non_superusers);

/// A superuser signed in to the admin UI (superusers enrol in 2FA on the way in).
pub(crate) async fn superuser_browser(app: &TestApp) -> reqwest::Client {
    let su = app.create_user("root@stile.example", Some(PW)).await;
    store::users::set_superuser(&app.state.db, &su.id, true, app.state.now()).await.unwrap();
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
    c
}

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The admin UI: add OIDC and SAML connections, edit, store a new secret, choose it as the
/// body's connection, remove; a body administrator is refused with nothing changed.
async fn ui_manages_connections(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let app = TestApp::start(b).await;
    let (council, _) = crate::admin_ui::council_with_admin(&app).await;
    let idp = SamlIdp::start().await;
    let c = superuser_browser(&app).await;

    let (status, home) = page(&app, &c, "/admin/connections").await;
    assert_eq!(status, 200);
    assert!(home.contains("There are no SSO connections."));
    let (_, form) = page(&app, &c, "/admin/connections/new?kind=oidc").await;
    let csrf = csrf_in(&form).unwrap();
    let oidc_form = |name: &'static str, domains: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "oidc".into()),
            ("name", name.into()),
            ("body_id", council.clone()),
            ("issuer", "https://login.example.org/tenant/v2.0".into()),
            ("client_id", "stile".into()),
            ("client_secret", SECRET.into()),
            ("scopes", "email profile".into()),
            ("domains", domains.into()),
            ("mode", "offered".into()),
            ("email_claim", "email".into()),
            ("name_claim", "name".into()),
            ("groups_claim", "groups".into()),
            ("group_roles", "highway-inspectors = Inspectors".into()),
            ("mfa_values", "mfa otp".into()),
            ("show_button", "1".into()),
        ]
    };
    // Bad input: shown next to its field, typed values kept, nothing written.
    let r = c.post(app.url("/admin/connections/new")).form(&oidc_form("Camden", "camden.gov.example\nnot a domain")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("is not an email domain"), "{body}");
    assert!(body.contains("value=\"Camden\""));
    assert!(!body.contains(SECRET), "the secret is not echoed back");
    assert_eq!(connection_count(&app).await, 0);

    let r = c.post(app.url("/admin/connections/new")).form(&oidc_form("Camden", "camden.gov.example")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let at = location(&r);
    assert!(at.ends_with("?done=connection-created"), "{at}");
    let id = at.trim_start_matches("/admin/connections/").split('?').next().unwrap().to_owned();
    let (_, shown) = page(&app, &c, &at).await;
    assert!(shown.contains("Stored (never shown)") && !shown.contains(SECRET));
    assert!(shown.contains(&app.url(&format!("/sso/oidc/callback/{id}"))), "{shown}");
    assert!(shown.contains("highway-inspectors = Inspectors"));
    assert_eq!(stored_secret(&app, &id).await, SECRET);

    // Edit: required mode, JIT, trusted MFA, no button.
    let csrf = csrf_in(&shown).unwrap();
    let r = c
        .post(app.url(&format!("/admin/connections/{id}")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "oidc"),
            ("name", "Camden Council"),
            ("issuer", "https://login.example.org/tenant/v2.0"),
            ("client_id", "stile"),
            ("domains", "camden.gov.example"),
            ("mode", "required"),
            ("email_claim", "email"),
            ("name_claim", "name"),
            ("groups_claim", "groups"),
            ("group_roles", "contact-centre = Customer Services"),
            ("mfa_values", "mfa"),
            ("jit", "1"),
            ("trust_upstream_mfa", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/admin/connections/{id}?done=connection-saved"));
    let conn = stile::admin::ops::connections::get(&app.state, &id).await.unwrap();
    assert_eq!(
        (conn.name.as_str(), conn.mode, conn.jit, conn.trust_upstream_mfa, conn.show_button),
        ("Camden Council", Mode::Required, true, true, false)
    );
    assert_eq!(conn.mapping.group_roles.len(), 1);
    // A mapping line without "=" is refused on the page.
    let r = c
        .post(app.url(&format!("/admin/connections/{id}")))
        .form(&[("csrf", csrf.as_str()), ("kind", "oidc"), ("name", "X"), ("group_roles", "just a group")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(stile::admin::ops::connections::get(&app.state, &id).await.unwrap().name, "Camden Council");

    // A new secret: stored, never shown.
    let r = c
        .post(app.url(&format!("/admin/connections/{id}/secret")))
        .form(&[("csrf", csrf.as_str()), ("client_secret", ROTATED)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/admin/connections/{id}?done=connection-secret"));
    assert_eq!(stored_secret(&app, &id).await, ROTATED);
    let (_, shown) = page(&app, &c, &format!("/admin/connections/{id}")).await;
    assert!(!shown.contains(ROTATED));

    // SAML from the IdP's metadata URL.
    let r = c
        .post(app.url("/admin/connections/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "saml"),
            ("name", "Camden ADFS"),
            ("body_id", council.as_str()),
            ("idp_metadata_url", idp.metadata_url().as_str()),
            ("domains", "camden-adfs.example"),
            ("mode", "offered"),
            ("email_claim", ""),
            ("name_claim", "name"),
            ("groups_claim", "groups"),
            ("mfa_values", "https://refeds.org/profile/mfa"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let saml_at = location(&r);
    let (_, shown) = page(&app, &c, &saml_at).await;
    assert!(shown.contains("SP metadata URL") && shown.contains("/metadata</code>"), "{shown}");
    assert_eq!(connection_count(&app).await, 2);

    // The body's SSO connection is chosen from its own connections.
    let (_, body_page) = page(&app, &c, &format!("/admin/bodies/{council}")).await;
    assert!(body_page.contains(&format!("<option value=\"{id}\">Camden Council</option>")), "{body_page}");
    let r = c
        .post(app.url(&format!("/admin/bodies/{council}")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Camden Council"),
            ("kind", "council"),
            ("status", "active"),
            ("mfa_policy", "optional"),
            ("sso_connection_id", id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(store::bodies::sso_connection_id(&app.state.db, &council).await.unwrap().as_deref(), Some(id.as_str()));

    // A body administrator: refused, with the reason, nothing changed.
    let admin = app.browser();
    assert_eq!(app.sign_in_next(&admin, "admin@camden.example", PW, "/admin").await.status(), 303);
    let (status, body) = page(&app, &admin, "/admin/connections").await;
    assert_eq!(status, 403);
    assert!(body.contains("Only a superuser can manage SSO connections"), "{body}");
    let (_, own) = page(&app, &admin, "/admin").await;
    assert!(!own.contains("/admin/connections\""), "the navigation leaves it out");
    let admin_csrf = csrf_in(&own).unwrap_or_default();
    let r = admin.post(app.url(&format!("/admin/connections/{id}/remove"))).form(&[("csrf", admin_csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(connection_count(&app).await, 2);

    // A forged CSRF token is refused on every connection form, and nothing changes.
    let before = stile::admin::ops::connections::get(&app.state, &id).await.unwrap();
    for path in [
        "/admin/connections/new".to_owned(),
        format!("/admin/connections/{id}"),
        format!("/admin/connections/{id}/secret"),
        format!("/admin/connections/{id}/remove"),
    ] {
        let r = c
            .post(app.url(&path))
            .form(&[("csrf", "forged"), ("kind", "oidc"), ("name", "Forged"), ("client_secret", "forged-secret")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    assert_eq!(stile::admin::ops::connections::get(&app.state, &id).await.unwrap(), before);
    assert_eq!(connection_count(&app).await, 2);

    // Remove.
    let r = c.post(app.url(&format!("/admin/connections/{id}/remove"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(location(&r), "/admin/connections?done=connection-removed");
    assert_eq!(connection_count(&app).await, 1);
    assert_eq!(store::bodies::sso_connection_id(&app.state.db, &council).await.unwrap(), None);
    app.finish().await;
}
both!(ui_manages_connections);

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(app.state.db.pool()).await.unwrap()
}

/// What an SSO sign-in could write.
async fn sso_rows(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for q in [
        "select count(*) from users",
        "select count(*) from federated_identities",
        "select count(*) from memberships",
        "select count(*) from membership_roles",
        "select count(*) from sessions",
        "select count(*) from users where last_login_at is not null",
    ] {
        out.push(count(app, q).await);
    }
    out
}

/// A banned address, then a banned domain, is refused at upstream OIDC sign-in: no account, no
/// link, no membership, no session; the refusal is audited.
async fn banned_refused_at_upstream_sign_in(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let s = setup(b).await;
    let accounts = json!({
        "eve@camden.gov.uk": account("eve-1", "eve@camden.gov.uk", &["highway-inspectors"], &["pwd"]),
        "bob@camden.gov.uk": account("bob-1", "bob@camden.gov.uk", &["highway-inspectors"], &["pwd"]),
    });
    let (_up, _conn) = connect_upstream(&s, &accounts, Mode::Required, |_| {}).await;
    let rp = relying_app(&s).await;
    // Bob signs in once (JIT): account, link and membership made.
    let claims = sign_in_through(&s.app, &rp, "bob@camden.gov.uk").await;
    assert_eq!(claims["email"], "bob@camden.gov.uk");

    let su = superuser_api(&s.app).await;
    su.ok(Method::POST, "/bans", Some(json!({ "pattern": "eve@camden.gov.uk", "reason": "abuse" }))).await;
    let before = sso_rows(&s.app).await;
    let browser = s.app.browser();
    match follow(&browser, &authorize_url(&s.app, &rp.0, Some("eve@camden.gov.uk")), &[]).await {
        End::Page { status, body, .. } => {
            assert_eq!(status, 403, "{body}");
            assert!(body.contains("cannot be used to sign in here"), "{body}");
        }
        other => panic!("expected the refusal page, got {other:?}"),
    }
    assert_eq!(sso_rows(&s.app).await, before, "nothing written for a banned address");
    assert!(store::users::by_email(&s.app.state.db, &Email::parse("eve@camden.gov.uk").unwrap()).await.unwrap().is_none());
    let events = store::audit::recent(&s.app.state.db, Some("signin.sso"), 20).await.unwrap();
    assert!(events.iter().any(|e| e.outcome == "failure" && e.details.contains("banned")), "the refusal is audited");

    // The whole domain: Bob, already linked, is refused too and his sign-in changes nothing.
    su.ok(Method::POST, "/bans", Some(json!({ "pattern": "camden.gov.uk" }))).await;
    let last_login = |app: &TestApp| {
        let db = app.state.db.clone();
        async move { store::users::by_email(&db, &Email::parse("bob@camden.gov.uk").unwrap()).await.unwrap().unwrap().last_login_at }
    };
    let bob_before = last_login(&s.app).await;
    let before = sso_rows(&s.app).await;
    let browser = s.app.browser();
    match follow(&browser, &authorize_url(&s.app, &rp.0, Some("bob@camden.gov.uk")), &[]).await {
        End::Page { status, .. } => assert_eq!(status, 403),
        other => panic!("expected the refusal page, got {other:?}"),
    }
    assert_eq!(sso_rows(&s.app).await, before);
    assert_eq!(last_login(&s.app).await, bob_before);
    s.app.finish().await;
}
both!(banned_refused_at_upstream_sign_in);

/// A disabled account is refused without being linked; while the body is suspended a sign-in
/// neither creates an account (JIT) nor changes memberships or roles.
async fn disabled_and_suspended_body(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let s = setup(b).await;
    let accounts = json!({
        "dan@camden.gov.uk": account("dan-1", "dan@camden.gov.uk", &["highway-inspectors"], &["pwd"]),
        "sue@camden.gov.uk": account("sue-1", "sue@camden.gov.uk", &["highway-inspectors"], &["pwd"]),
        "new@camden.gov.uk": account("new-1", "new@camden.gov.uk", &["highway-inspectors"], &["pwd"]),
    });
    let (up, _conn) = connect_upstream(&s, &accounts, Mode::Required, |_| {}).await;
    let rp = relying_app(&s).await;

    // Dan's account exists and is disabled: refused, not linked.
    let dan = s.app.create_user("dan@camden.gov.uk", None).await;
    store::users::set_disabled(&s.app.state.db, &dan.id, true, s.app.state.now()).await.unwrap();
    let before = sso_rows(&s.app).await;
    match follow(&s.app.browser(), &authorize_url(&s.app, &rp.0, Some("dan@camden.gov.uk")), &[]).await {
        End::Page { status, body, .. } => assert!(status == 403 && body.contains("disabled"), "{status} {body}"),
        other => panic!("expected the refusal page, got {other:?}"),
    }
    assert_eq!(sso_rows(&s.app).await, before);

    // Sue signs in while the body is active: member with Inspectors.
    sign_in_through(&s.app, &rp, "sue@camden.gov.uk").await;
    let sue = store::users::by_email(&s.app.state.db, &Email::parse("sue@camden.gov.uk").unwrap()).await.unwrap().unwrap();
    let roles_of_sue = || async {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from membership_roles mr join memberships m on m.id = mr.membership_id where m.user_id = $1",
        )
        .bind(&sue.id)
        .fetch_one(s.app.state.db.pool())
        .await
        .unwrap();
        n
    };
    assert_eq!(roles_of_sue().await, 1);

    // Suspend the body; the IdP now says Sue is a contact-centre worker, not an inspector.
    sqlx::query("update bodies set status = 'suspended' where id = $1").bind(&s.body_id).execute(s.app.state.db.pool()).await.unwrap();
    up.set_accounts(&json!({
        "sue@camden.gov.uk": account("sue-1", "sue@camden.gov.uk", &["contact-centre"], &["pwd"]),
        "new@camden.gov.uk": account("new-1", "new@camden.gov.uk", &["highway-inspectors"], &["pwd"]),
    }));
    let roles_before: Vec<String> =
        sqlx::query_scalar("select mr.role_id from membership_roles mr join memberships m on m.id = mr.membership_id where m.user_id = $1")
            .bind(&sue.id)
            .fetch_all(s.app.state.db.pool())
            .await
            .unwrap();
    // Sue's tokens for the body's app are refused (admin's suspension rule); her roles stay.
    match follow(&s.app.browser(), &authorize_url(&s.app, &rp.0, Some("sue@camden.gov.uk")), &[]).await {
        End::Callback(q) => assert!(!q.iter().any(|(k, _)| k == "code") && q.iter().any(|(k, _)| k == "error"), "no code: {q:?}"),
        End::Page { status, body, .. } => assert!(status >= 400, "refused: {status} {body}"),
    }
    let roles_after: Vec<String> =
        sqlx::query_scalar("select mr.role_id from membership_roles mr join memberships m on m.id = mr.membership_id where m.user_id = $1")
            .bind(&sue.id)
            .fetch_all(s.app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(roles_after, roles_before, "no role sync while the body is suspended");
    assert_eq!(roles_after, vec![s.inspectors.clone()]);

    // No new account for the suspended body.
    let users_before = count(&s.app, "select count(*) from users").await;
    match follow(&s.app.browser(), &authorize_url(&s.app, &rp.0, Some("new@camden.gov.uk")), &[]).await {
        End::Page { status, .. } => assert_eq!(status, 403),
        other => panic!("expected the no-account page, got {other:?}"),
    }
    assert_eq!(count(&s.app, "select count(*) from users").await, users_before);
    s.app.finish().await;
}
both!(disabled_and_suspended_body);

/// The same on the SAML path: a banned domain is refused at the ACS, with nothing written.
async fn banned_refused_at_saml_sign_in(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    use crate::sso_saml::{End as SamlEnd, PASSWORD_CTX, authorize_url as saml_authorize, browse, person, relying_app as saml_app};
    let s = crate::sso_saml::setup(b, |_| {}).await;
    let rp = saml_app(&s).await;
    let su = superuser_api(&s.app).await;
    su.ok(Method::POST, "/bans", Some(json!({ "pattern": "camden.gov.uk", "reason": "test" }))).await;
    s.idp.set_next(person("eve-1", "eve@camden.gov.uk", &["highway-inspectors"], PASSWORD_CTX)).await;
    let before = sso_rows(&s.app).await;
    match browse(&s.app.browser(), &saml_authorize(&s.app, &rp.0, "eve@camden.gov.uk"), &[]).await.0 {
        SamlEnd::Page { status, body, .. } => {
            assert_eq!(status, 403, "{body}");
            assert!(body.contains("cannot be used to sign in here"), "{body}");
        }
        other => panic!("expected the refusal page, got {other:?}"),
    }
    assert_eq!(sso_rows(&s.app).await, before, "nothing written for a banned domain");
    s.app.finish().await;
}
both!(banned_refused_at_saml_sign_in);

/// "Test the connection" fetches the IdP's discovery document and keys (OIDC) or metadata (SAML)
/// before anything is saved, shows what it found or why it failed, and saves nothing.
async fn ui_tests_a_connection_before_saving(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(b).await;
    let (council, _) = crate::admin_ui::council_with_admin(&app).await;
    let up = crate::sso_oidc::Upstream::start("http://127.0.0.1:8080/sso/callback/test", &json!({})).await;
    let idp = SamlIdp::start().await;
    let c = superuser_browser(&app).await;
    let (_, form) = page(&app, &c, "/admin/connections/new?kind=oidc").await;
    assert!(form.contains("formaction=\"/admin/connections/new/test\""), "{form}");
    let csrf = csrf_in(&form).unwrap();
    let oidc = |issuer: String| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "oidc".to_owned()),
            ("name", "Camden Entra".to_owned()),
            ("body_id", council.clone()),
            ("issuer", issuer),
            ("client_id", "stile".to_owned()),
            ("client_secret", SECRET.to_owned()),
            ("domains", "camden.example".to_owned()),
            ("mode", "offered".to_owned()),
        ]
    };
    let r = c.post(app.url("/admin/connections/new/test")).form(&oidc(up.issuer.clone())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("The test worked") && html.contains("<dt>Signing keys</dt>"), "{html}");
    assert!(html.contains(&format!("<dd>{}</dd>", up.issuer)), "{html}");
    assert!(html.contains("value=\"Camden Entra\"") && !html.contains(SECRET), "the form comes back, without the secret: {html}");
    assert_eq!(connection_count(&app).await, 0, "a test saves nothing");

    let r = c.post(app.url("/admin/connections/new/test")).form(&oidc("http://127.0.0.1:9/nothing".into())).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("The test failed") && html.contains("could not be fetched"), "{html}");
    let r = c.post(app.url("/admin/connections/new/test")).form(&oidc("not a url".into())).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("The issuer is not a valid URL."));

    let saml = vec![
        ("csrf", csrf.clone()),
        ("kind", "saml".to_owned()),
        ("name", "Camden ADFS".to_owned()),
        ("body_id", council.clone()),
        ("idp_metadata_url", idp.metadata_url()),
    ];
    let html = c.post(app.url("/admin/connections/new/test")).form(&saml).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The test worked") && html.contains("<dt>IdP entity id</dt>"), "{html}");
    let bad = vec![("csrf", csrf.clone()), ("kind", "saml".to_owned()), ("idp_metadata_xml", "<not-metadata/>".to_owned())];
    let html = c.post(app.url("/admin/connections/new/test")).form(&bad).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The test failed"), "{html}");
    assert_eq!(connection_count(&app).await, 0);

    // The CSRF token is checked, and only superusers may test.
    let r = c.post(app.url("/admin/connections/new/test")).form(&[("csrf", "x".repeat(40)), ("kind", "oidc".into())]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    app.finish().await;
}
both!(ui_tests_a_connection_before_saving);
