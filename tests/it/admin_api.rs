//! The admin REST API: every ability, the delegation table's refusals (403 with a reason and
//! nothing changed), Street Manager's role rules, and what bans, flags, suspension, disabling
//! and log-out-everywhere do to sign-in and to tokens already issued.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stile::clients::{AuthMethod, ClientSpec, GrantType};
use stile::clock::OsRandom;
use stile::store;

use crate::both;
use crate::harness::{Backend, TestApp, location};

pub(crate) const PW: &str = "correct horse battery";
const CB: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP";

/// A bearer-token API client.
pub(crate) struct Api<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) token: String,
}

impl Api<'_> {
    pub(crate) async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = reqwest::Client::new().request(method, self.app.url(&format!("/api/v1{path}"))).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
    }
    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub(crate) async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub(crate) async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub(crate) async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub(crate) async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None).await
    }
    /// Expects success and returns the body.
    pub(crate) async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method.clone(), path, body).await;
        assert!(s.is_success(), "{method} {path}: {s} {v}");
        v
    }
}

/// A machine client with the stile:admin scope; returns (client id, secret).
pub(crate) async fn machine_client(app: &TestApp, name: &str) -> (String, String) {
    let spec = ClientSpec {
        name: name.into(),
        grant_types: vec![GrantType::ClientCredentials],
        scopes: vec!["stile:admin".into()],
        redirect_uris: vec![],
        auth_method: AuthMethod::ClientSecretBasic,
        ..ClientSpec::default()
    };
    let (c, secret) = stile::clients::register(&app.state.db, spec, &OsRandom, app.state.now()).await.unwrap();
    (c.id, secret.unwrap().expose().to_owned())
}

pub(crate) async fn cc_token(app: &TestApp, id: &str, secret: &str, scope: &str) -> String {
    let t: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    t["access_token"].as_str().unwrap_or_else(|| panic!("no token: {t}")).to_owned()
}

/// A superuser API client (its rights set directly in the store: nobody could grant them yet).
pub(crate) async fn superuser_api(app: &TestApp) -> Api<'_> {
    let (id, secret) = machine_client(app, "Provisioning").await;
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    store::clients::set_client_admin_access(
        &mut conn,
        &id,
        &store::clients::ClientAdminAccess { admin_access: Some("superuser".into()), admin_body_id: None, admin_permissions: "[]".into() },
        app.state.now(),
    )
    .await
    .unwrap();
    Api { app, token: cc_token(app, &id, &secret, "stile:admin").await }
}

fn template_perms(keys: &[&str]) -> Vec<String> {
    let cat = stile::catalogue::Catalogue::builtin().unwrap();
    let mut out = BTreeSet::new();
    for k in keys {
        out.extend(cat.role_templates.iter().find(|t| t.key == *k).unwrap().permissions.iter().cloned());
    }
    out.into_iter().collect()
}

/// A machine client acting as an administrator of `body` holding the permissions of `templates`.
pub(crate) async fn body_admin_api<'a>(app: &'a TestApp, su: &Api<'_>, body: &str, templates: &[&str]) -> Api<'a> {
    let (id, secret) = machine_client(app, &format!("Admin of {body}")).await;
    su.ok(
        Method::PUT,
        &format!("/clients/{id}/admin-access"),
        Some(json!({ "level": "body", "body_id": body, "permissions": template_perms(templates) })),
    )
    .await;
    Api { app, token: cc_token(app, &id, &secret, "stile:admin").await }
}

/// Bodies and their template roles.
pub(crate) struct World {
    pub(crate) promoter: String,
    pub(crate) other_promoter: String,
    pub(crate) ha: String,
    pub(crate) contractor: String,
    pub(crate) council: String,
}

pub(crate) async fn create_body(su: &Api<'_>, name: &str, kind: &str, domains: &[&str]) -> String {
    let v = su.ok(Method::POST, "/bodies", Some(json!({ "name": name, "kind": kind, "domains": domains }))).await;
    v["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn world(su: &Api<'_>) -> World {
    let w = World {
        promoter: create_body(su, "Thames Water", "promoter", &["thameswater.example"]).await,
        other_promoter: create_body(su, "Other Water", "promoter", &[]).await,
        ha: create_body(su, "Camden Highways", "highway_authority", &["camden.example"]).await,
        contractor: create_body(su, "Dig Ltd", "contractor", &["dig.example"]).await,
        council: create_body(su, "Camden Council", "council", &["council.example"]).await,
    };
    su.ok(Method::PUT, &format!("/bodies/{}/contractors/{}", w.promoter, w.contractor), None).await;
    w
}

/// The id of the body's copy of a role template.
pub(crate) async fn role(su: &Api<'_>, body: &str, template: &str) -> String {
    let roles = su.ok(Method::GET, &format!("/bodies/{body}/roles"), None).await;
    roles.as_array().unwrap().iter().find(|r| r["template_key"] == template).unwrap_or_else(|| panic!("no {template} in {roles}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A row-per-table fingerprint of everything administration can change.
pub(crate) async fn snapshot(app: &TestApp) -> Vec<String> {
    let db = app.state.db.pool();
    let mut out = Vec::new();
    let users: Vec<(String, String, String, i64, i64, i64)> =
        sqlx::query_as("select id, email, name, superuser, flagged, disabled from users order by id").fetch_all(db).await.unwrap();
    out.push(format!("{users:?}"));
    let bodies: Vec<(String, String, String, String, String)> =
        sqlx::query_as("select id, name, kind, status, mfa_policy from bodies order by id").fetch_all(db).await.unwrap();
    out.push(format!("{bodies:?}"));
    for (table, cols) in [
        ("memberships", "id || user_id || body_id"),
        ("membership_roles", "membership_id || role_id"),
        ("membership_permissions", "membership_id || permission_key"),
        ("membership_workstreams", "membership_id || prefix || access"),
        ("membership_areas", "membership_id || area"),
        ("roles", "id || name || coalesce(sm_role, '')"),
        ("role_permissions", "role_id || permission_key"),
        ("body_links", "principal_id || contractor_id"),
        ("body_domains", "domain || body_id"),
        ("banned_emails", "pattern"),
        ("clients", "id || coalesce(admin_access, '')"),
    ] {
        let rows: Vec<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select {cols} from {table} order by 1"))).fetch_all(db).await.unwrap();
        out.push(format!("{table}: {rows:?}"));
    }
    out
}

/// A custom role without mandatory 2FA (the admin templates require it), so tests can sign in
/// with a password alone.
async fn custom_role(su: &Api<'_>, body: &str, name: &str, templates: &[&str]) -> String {
    let v = su
        .ok(Method::POST, &format!("/bodies/{body}/roles"), Some(json!({ "name": name, "permissions": template_perms(templates) })))
        .await;
    v["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn create_user(su: &Api<'_>, email: &str, body: &str, roles: &[&str]) -> (String, String) {
    let v = su.ok(Method::POST, "/users", Some(json!({ "email": email, "name": "Someone", "body_id": body, "roles": roles }))).await;
    let id = v["id"].as_str().unwrap().to_owned();
    let m = v["memberships"][0]["id"].as_str().unwrap().to_owned();
    (id, m)
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let doc = stile::admin::api::openapi::parsed().unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut seen = 0;
    for (method, path, _) in stile::admin::api::routes() {
        let rel = path.strip_prefix(stile::admin::api::PREFIX).unwrap();
        let op = &doc["paths"][rel][method.as_str().to_lowercase()];
        assert!(op.is_object(), "{method} {path} is not in docs/openapi.json");
        assert!(op["summary"].is_string() && op["responses"].is_object(), "{method} {path} is not described");
        seen += 1;
    }
    let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, seen, "docs/openapi.json describes endpoints the router does not have");
}

async fn auth_and_errors(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let http = reqwest::Client::new();
    // No token, a bad token: 401 in JSON with a Bearer challenge.
    let r = http.get(app.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_token");
    let bad = Api { app: &app, token: "not.a.token".into() };
    assert_eq!(bad.get("/users").await.0, 401);
    // A token without the stile:admin scope.
    let spec = ClientSpec {
        name: "Plain".into(),
        grant_types: vec![GrantType::ClientCredentials],
        scopes: vec!["stile:admin".into(), "other".into()],
        ..ClientSpec::default()
    };
    let (c, secret) = stile::clients::register(&app.state.db, spec, &OsRandom, app.state.now()).await.unwrap();
    let plain = Api { app: &app, token: cc_token(&app, &c.id, secret.unwrap().expose(), "other").await };
    let (s, v) = plain.get("/users").await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::FORBIDDEN, Some("insufficient_scope")));
    // A client with the scope but no administrative rights.
    let (id, secret) = machine_client(&app, "Nobody").await;
    let none = Api { app: &app, token: cc_token(&app, &id, &secret, "stile:admin").await };
    let (s, v) = none.get("/users").await;
    assert_eq!(s, 403);
    assert!(v["message"].as_str().unwrap().contains("no administrative rights"), "{v}");
    // A revoked token stops working at once.
    let r = http.post(app.url("/revoke")).basic_auth(&id, Some(&secret)).form(&[("token", none.token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(none.get("/me").await.0, 401);
    // A removed client's token stops working at once.
    let (id, secret) = machine_client(&app, "Short-lived").await;
    su.ok(Method::PUT, &format!("/clients/{id}/admin-access"), Some(json!({ "level": "superuser" }))).await;
    let short = Api { app: &app, token: cc_token(&app, &id, &secret, "stile:admin").await };
    assert_eq!(short.get("/me").await.0, 200);
    su.ok(Method::DELETE, &format!("/clients/{id}"), None).await;
    assert_eq!(short.get("/me").await.0, 401);
    // Unknown paths and bad bodies answer in JSON.
    let (s, v) = su.call(Method::PUT, "/users", None).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    let (s, v) = su.get("/nothing/here").await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let r = http
        .post(app.url("/api/v1/users"))
        .bearer_auth(&su.token)
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (s, v) = su.post("/users", json!({ "email": "a@b.example", "colour": "red" })).await;
    assert_eq!(s, 400, "{v}");
    let (s, v) = su.post("/users", json!({ "email": "not an email" })).await;
    assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")), "{v}");
    // The document is served with this deployment as the server.
    let (s, doc) = su.get("/openapi.json").await;
    assert_eq!(s, 200);
    assert_eq!(doc["servers"][0]["url"], format!("{}/api/v1", app.base));
    let me = su.ok(Method::GET, "/me", None).await;
    assert_eq!(me["superuser"], true);
    app.finish().await;
}
both!(auth_and_errors);

async fn superuser_abilities(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    // Bodies: edit every setting, see the link, refuse bad input.
    let body = su.ok(Method::GET, &format!("/bodies/{}", w.promoter), None).await;
    assert_eq!(body["contractors"], json!([w.contractor]));
    assert_eq!(body["domains"], json!(["thameswater.example"]));
    let v = su
        .ok(
            Method::PATCH,
            &format!("/bodies/{}", w.council),
            Some(json!({ "mfa_policy": "required", "password_min_length": 14, "fms_body_id": "2504", "swa_code": "", "domains": ["@Council.Example", "camden.gov.example"] })),
        )
        .await;
    assert_eq!(v["mfa_policy"], "required");
    assert_eq!(v["password_min_length"], 14);
    assert_eq!(v["fms_body_id"], "2504");
    assert_eq!(v["domains"], json!(["camden.gov.example", "council.example"]));
    let (s, v) = su.patch(&format!("/bodies/{}", w.council), json!({ "status": "paused" })).await;
    assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
    let (s, _) = su.patch(&format!("/bodies/{}", w.ha), json!({ "domains": ["council.example"] })).await;
    assert_eq!(s, 409, "a domain belongs to one body");
    let (s, _) = su.post("/bodies", json!({ "name": "Camden Council", "kind": "council" })).await;
    assert_eq!(s, 409);
    let (s, _) = su.patch(&format!("/bodies/{}", w.council), json!({ "sso_connection_id": "nope" })).await;
    assert_eq!(s, 422);
    let (s, _) = su.put(&format!("/bodies/{}/contractors/{}", w.council, w.contractor), json!({})).await;
    assert_eq!(s, 422, "councils have no contractors");
    su.ok(Method::DELETE, &format!("/bodies/{}/contractors/{}", w.promoter, w.contractor), None).await;
    su.ok(Method::PUT, &format!("/bodies/{}/contractors/{}", w.promoter, w.contractor), None).await;

    // Roles: from a template, custom, edit, delete.
    let inspectors = su
        .ok(
            Method::POST,
            &format!("/bodies/{}/roles", w.council),
            Some(json!({ "template": "fms_inspectors", "name": "Night inspectors" })),
        )
        .await;
    assert_eq!(inspectors["permissions"], json!(template_perms(&["fms_inspectors"])));
    let custom = su
        .ok(
            Method::POST,
            &format!("/bodies/{}/roles", w.council),
            Some(json!({ "name": "Dashboard only", "permissions": ["fms:view_dashboard"] })),
        )
        .await;
    let custom_id = custom["id"].as_str().unwrap();
    let (s, v) = su.post(&format!("/bodies/{}/roles", w.council), json!({ "name": "Bad", "permissions": ["fms:fly"] })).await;
    assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("permissions")));
    let v =
        su.ok(Method::PATCH, &format!("/roles/{custom_id}"), Some(json!({ "permissions": ["fms:view_dashboard", "fms:moderate"] }))).await;
    assert_eq!(v["permissions"], json!(["fms:moderate", "fms:view_dashboard"]));

    // Users: create (no email is sent), search, show, edit, flag, disable, superuser.
    let root = su.ok(Method::POST, "/users", Some(json!({ "email": "root@stile.example", "superuser": true }))).await;
    assert_eq!(root["superuser"], true);
    let created = su
        .ok(
            Method::POST,
            "/users",
            Some(json!({ "email": "Ann@Council.Example", "name": "Ann", "body_id": w.council, "roles": [custom_id], "permissions": ["fms:report_edit"], "areas": ["2504"] })),
        )
        .await;
    let ann = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["email"], "ann@council.example");
    assert_eq!(created["memberships"][0]["permissions"], json!(["fms:moderate", "fms:report_edit", "fms:view_dashboard"]));
    assert_eq!(created["memberships"][0]["areas"], json!(["2504"]));
    let mails: i64 = sqlx::query_scalar("select count(*) from mail_outbox").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(mails, 0, "no confirmation email");
    let (s, _) = su.post("/users", json!({ "email": "ann@council.example" })).await;
    assert_eq!(s, 409);
    su.ok(Method::POST, "/users", Some(json!({ "email": "bob@elsewhere.example", "name": "Bob Smith" }))).await;
    let page = su.ok(Method::GET, "/users?q=smith&per_page=10", None).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["email"], "bob@elsewhere.example");
    let page = su.ok(Method::GET, &format!("/users?body_id={}", w.council), None).await;
    assert_eq!(page["total"], 1);
    let page = su.ok(Method::GET, "/users?per_page=1&page=2", None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let v =
        su.ok(Method::PATCH, &format!("/users/{ann}"), Some(json!({ "name": "Ann Jones", "email": "ann.jones@council.example" }))).await;
    assert_eq!(
        (v["name"].as_str(), v["email"].as_str(), v["email_verified"].as_bool()),
        (Some("Ann Jones"), Some("ann.jones@council.example"), Some(false))
    );
    let (s, _) = su.patch(&format!("/users/{ann}"), json!({ "email": "bob@elsewhere.example" })).await;
    assert_eq!(s, 409, "emails are unique");
    su.ok(Method::PUT, &format!("/users/{ann}/flag"), None).await;
    let flagged = su.ok(Method::GET, "/flagged-users", None).await;
    assert_eq!(flagged["items"][0]["id"], ann.as_str());
    su.ok(Method::DELETE, &format!("/users/{ann}/flag"), None).await;
    assert_eq!(su.ok(Method::GET, "/flagged-users", None).await["total"], 0);
    let v = su.ok(Method::PUT, &format!("/users/{ann}/disabled"), None).await;
    assert_eq!(v["disabled"], true);
    let v = su.ok(Method::DELETE, &format!("/users/{ann}/disabled"), None).await;
    assert_eq!(v["disabled"], false);
    let v = su.ok(Method::PUT, &format!("/users/{ann}/superuser"), None).await;
    assert_eq!(v["superuser"], true);
    su.ok(Method::DELETE, &format!("/users/{ann}/superuser"), None).await;
    let (s, v) = su.delete(&format!("/users/{}/superuser", root["id"].as_str().unwrap())).await;
    assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("user")), "the last superuser stays: {v}");
    let v = su.ok(Method::POST, &format!("/users/{ann}/reset-2fa"), None).await;
    assert_eq!(v["had_2fa"], false);
    store::totp::begin(&app.state.db, &ann, "sealed", app.state.now()).await.unwrap();
    store::totp::confirm(&app.state.db, &ann, &["h".to_owned()], app.state.now()).await.unwrap();
    assert_eq!(su.ok(Method::GET, &format!("/users/{ann}"), None).await["mfa_enabled"], true);
    let v = su.ok(Method::POST, &format!("/users/{ann}/reset-2fa"), None).await;
    assert_eq!(v["had_2fa"], true);
    assert_eq!(su.ok(Method::GET, &format!("/users/{ann}"), None).await["mfa_enabled"], false);
    let notices = store::outbox::to_address(&app.state.db, "ann.jones@council.example").await.unwrap();
    assert_eq!(notices.len(), 1, "the user is told their 2FA was reset");
    // Passkeys: counted on the user, removed all at once (audited), and none is no error.
    assert_eq!(su.ok(Method::GET, &format!("/users/{ann}"), None).await["passkeys"], 0);
    for (n, cred) in ["a", "b"].iter().enumerate() {
        let row = store::passkeys::PasskeyRow {
            id: format!("pk-{n}"),
            user_id: ann.clone(),
            credential_id: (*cred).to_owned(),
            name: "Key".into(),
            credential: "{}".into(),
            counter: 0,
            user_verified: 1,
            created_at: app.state.now(),
            last_used_at: None,
        };
        store::passkeys::insert(&app.state.db, &row).await.unwrap();
    }
    let v = su.ok(Method::GET, &format!("/users/{ann}"), None).await;
    assert_eq!((v["passkeys"].clone(), v["mfa_enabled"].clone()), (json!(2), json!(true)));
    assert_eq!(su.ok(Method::POST, &format!("/users/{ann}/remove-passkeys"), None).await["removed"], 2);
    assert_eq!(su.ok(Method::GET, &format!("/users/{ann}"), None).await["passkeys"], 0);
    let notices = store::outbox::to_address(&app.state.db, "ann.jones@council.example").await.unwrap();
    assert_eq!(notices.len(), 2, "the user is told their passkeys were removed");
    assert!(
        notices.iter().any(|m| m.subject.contains("passkeys were removed")),
        "{:?}",
        notices.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert_eq!(su.ok(Method::POST, &format!("/users/{ann}/remove-passkeys"), None).await["removed"], 0);
    let notices = store::outbox::to_address(&app.state.db, "ann.jones@council.example").await.unwrap();
    assert_eq!(notices.len(), 2, "removing none tells no one");
    assert!(app.audit_actions().await.iter().any(|(a, o)| a == "passkey.admin_remove_all" && o == "success"));
    let (s, _) = su.post(&format!("/users/{ann}/sign-in-email"), json!({})).await;
    assert_eq!(s, 202);
    assert!(app.audit_actions().await.contains(&("signin.email.request".into(), "success".into())));

    // Memberships: add, change, remove.
    let bob = su.ok(Method::GET, "/users?q=bob", None).await["items"][0]["id"].as_str().unwrap().to_owned();
    let planner = role(&su, &w.promoter, "sm_planner_full_access").await;
    let m = su
        .ok(
            Method::POST,
            &format!("/bodies/{}/members", w.promoter),
            Some(json!({ "user_id": bob, "roles": [planner], "workstreams": [{ "prefix": "001", "access": "full_write" }] })),
        )
        .await;
    assert_eq!(m["member_kind"], "planner");
    let mid = m["id"].as_str().unwrap().to_owned();
    let (s, _) = su.post(&format!("/bodies/{}/members", w.promoter), json!({ "user_id": bob })).await;
    assert_eq!(s, 409, "one membership per body");
    let v = su.ok(Method::POST, &format!("/bodies/{}/members", w.other_promoter), Some(json!({ "email": "BOB@elsewhere.example" }))).await;
    assert_eq!(v["user_id"], bob.as_str(), "added by email");
    let (s, v) = su.post(&format!("/bodies/{}/members", w.other_promoter), json!({ "email": "nobody@elsewhere.example" })).await;
    assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")));
    let (s, v) = su.patch(&format!("/memberships/{mid}"), json!({ "workstreams": [{ "prefix": "002", "access": "write" }] })).await;
    assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("workstreams")));
    let v = su
        .ok(
            Method::PATCH,
            &format!("/memberships/{mid}"),
            Some(json!({ "workstreams": [{ "prefix": "002", "access": "read_only" }], "areas": ["N1"] })),
        )
        .await;
    assert_eq!(v["workstreams"], json!([{ "prefix": "002", "access": "read_only" }]));
    assert_eq!(v["roles"][0]["id"], planner.as_str(), "roles untouched");
    let members = su.ok(Method::GET, &format!("/bodies/{}/members", w.promoter), None).await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    su.ok(Method::DELETE, &format!("/memberships/{mid}"), None).await;
    assert_eq!(su.get(&format!("/memberships/{mid}")).await.0, 404);

    // Roles can be deleted; holders lose them.
    su.ok(Method::DELETE, &format!("/roles/{custom_id}"), None).await;
    let v = su.ok(Method::GET, &format!("/users/{ann}"), None).await;
    assert_eq!(v["memberships"][0]["roles"], json!([]));

    // Clients: register (secret once), show (never the secret), edit, rotate, admin access, remove.
    let c = su
        .ok(
            Method::POST,
            "/clients",
            Some(json!({ "name": "FixMyStreet", "redirect_uris": [CB], "token_endpoint_auth_method": "client_secret_post" })),
        )
        .await;
    let cid = c["client_id"].as_str().unwrap().to_owned();
    let first_secret = c["client_secret"].as_str().unwrap().to_owned();
    let shown = su.ok(Method::GET, &format!("/clients/{cid}"), None).await;
    assert!(shown.get("client_secret").is_none() && shown["has_secret"] == true);
    let v = su.ok(Method::PATCH, &format!("/clients/{cid}"), Some(json!({ "name": "FixMyStreet Camden", "body_id": w.council }))).await;
    assert_eq!(v["name"], "FixMyStreet Camden");
    let v = su.ok(Method::POST, &format!("/clients/{cid}/secret"), None).await;
    assert_ne!(v["client_secret"].as_str().unwrap(), first_secret);
    let (s, v) = su.patch(&format!("/clients/{cid}"), json!({ "redirect_uris": ["javascript:alert(1)"] })).await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = su.put(&format!("/clients/{cid}/admin-access"), json!({ "level": "god" })).await;
    assert_eq!(s, 422);
    // In the UI's words: an organisation, never a "body".
    let said = v.to_string();
    assert!(said.contains("an organisation's administrator") && !said.contains("body"), "{said}");
    assert_eq!(su.ok(Method::GET, "/clients", None).await.as_array().unwrap().len(), 2);
    su.ok(Method::DELETE, &format!("/clients/{cid}"), None).await;
    assert_eq!(su.get(&format!("/clients/{cid}")).await.0, 404);

    // Removal anonymises and keeps the audit trail.
    su.ok(Method::DELETE, &format!("/users/{ann}"), None).await;
    assert_eq!(su.get(&format!("/users/{ann}")).await.0, 404);
    let row: (String, String, i64) =
        sqlx::query_as("select email, name, disabled from users where id = $1").bind(&ann).fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(row, (format!("removed-{ann}@removed.invalid"), String::new(), 1));
    let n: i64 = sqlx::query_scalar("select count(*) from audit_events where target_id = $1")
        .bind(&ann)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(n >= 8, "audit rows keep the removed user's id ({n})");
    let n: i64 =
        sqlx::query_scalar("select count(*) from memberships where user_id = $1").bind(&ann).fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(n, 0);

    // Every change was audited with the acting client, and the outcome.
    let events = store::audit::recent(&app.state.db, Some("user.create"), 10).await.unwrap();
    assert!(events.iter().all(|e| e.actor_client_id.is_some() && e.outcome == "success"));
    app.finish().await;
}
both!(superuser_abilities);

async fn delegation_refusals(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let promoter_admin = body_admin_api(&app, &su, &w.promoter, &["sm_promoter_admin", "sm_planner_full_access"]).await;
    let ha_admin = body_admin_api(&app, &su, &w.ha, &["sm_ha_admin", "sm_highway_authority"]).await;
    let contractor_admin = body_admin_api(&app, &su, &w.contractor, &["sm_contractor_admin", "sm_planner_full_access"]).await;
    let planner = body_admin_api(&app, &su, &w.promoter, &["sm_planner_full_access"]).await;
    let fms_admin = body_admin_api(&app, &su, &w.council, &["fms_administrators"]).await;

    let p_planner = role(&su, &w.promoter, "sm_planner_full_access").await;
    let p_admin = role(&su, &w.promoter, "sm_promoter_admin").await;
    let h_officer = role(&su, &w.ha, "sm_highway_authority").await;
    let h_planner = su
        .ok(
            Method::POST,
            &format!("/bodies/{}/roles", w.ha),
            Some(json!({ "name": "Planner", "sm_role": "Planner", "permissions": template_perms(&["sm_planner_view_only"]) })),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c_planner = role(&su, &w.contractor, "sm_planner_full_access").await;
    let f_inspector = role(&su, &w.council, "fms_inspectors").await;
    let (_, p_member) = create_user(&su, "pat@thameswater.example", &w.promoter, &[&p_planner]).await;
    let (_, p_admin_member) = create_user(&su, "boss@thameswater.example", &w.promoter, &[&p_admin, &p_planner]).await;
    let (_, c_member) = create_user(&su, "cy@dig.example", &w.contractor, &[&c_planner]).await;
    let (ha_user, _) = create_user(&su, "hal@camden.example", &w.ha, &[&h_officer]).await;
    let (_, f_member) = create_user(&su, "fay@council.example", &w.council, &[&f_inspector]).await;

    // What each admin may do (a sample of every Admin-actions row).
    let (s, v) = promoter_admin
        .post("/users", json!({ "email": "new.planner@thameswater.example", "body_id": w.promoter, "roles": [p_planner] }))
        .await;
    assert_eq!(s, 201, "promoter admin adds planner: {v}");
    let (s, v) = ha_admin.post("/users", json!({ "email": "new.officer@camden.example", "body_id": w.ha, "roles": [h_officer] })).await;
    assert_eq!(s, 201, "HA admin adds HA user: {v}");
    let (s, v) = ha_admin.post("/users", json!({ "email": "new.planner@camden.example", "body_id": w.ha, "roles": [h_planner] })).await;
    assert_eq!(s, 201, "HA admin adds planner: {v}");
    let (s, v) =
        contractor_admin.post("/users", json!({ "email": "digger@dig.example", "body_id": w.contractor, "roles": [c_planner] })).await;
    assert_eq!(s, 201, "contractor admin adds contractor user: {v}");
    let (s, v) = promoter_admin
        .patch(&format!("/memberships/{c_member}"), json!({ "workstreams": [{ "prefix": "TW1", "access": "read_only" }] }))
        .await;
    assert_eq!(s, 200, "promoter admin sets its contractor's workstreams: {v}");
    let (s, v) = promoter_admin.patch(&format!("/bodies/{}", w.promoter), json!({ "name": "Thames Water Utilities" })).await;
    assert_eq!(s, 200, "organisation details: {v}");
    let (s, v) = fms_admin.post("/users", json!({ "email": "new@council.example", "body_id": w.council, "roles": [f_inspector] })).await;
    assert_eq!(s, 201, "FMS admin adds staff: {v}");
    let fay = su.ok(Method::GET, "/users?q=fay%40", None).await["items"][0]["id"].as_str().unwrap().to_owned();
    fms_admin.ok(Method::PUT, &format!("/users/{fay}/flag"), None).await;
    let e = &store::audit::recent(&app.state.db, Some("user.flag"), 1).await.unwrap()[0];
    assert_eq!(e.body_id.as_deref(), Some(w.council.as_str()), "recorded under the admin's body");
    let (s, _) = promoter_admin.get(&format!("/bodies/{}/members", w.promoter)).await;
    assert_eq!(s, 200);
    let (s, v) = promoter_admin.delete(&format!("/memberships/{p_member}")).await;
    assert_eq!(s, 204, "promoter admin removes planner: {v}");

    // Refusals: 403 with the rule's reason, and nothing changed.
    type Call = (&'static str, Method, String, Option<Value>, &'static str);
    let cases: Vec<(&Api<'_>, Call)> = vec![
        (
            &promoter_admin,
            (
                "promoter admin adds contractor user",
                Method::POST,
                "/users".into(),
                Some(json!({ "email": "x1@dig.example", "body_id": w.contractor, "roles": [c_planner] })),
                "contractor's own admins",
            ),
        ),
        (&ha_admin, ("HA admin removes contractor user", Method::DELETE, format!("/memberships/{c_member}"), None, "administer")),
        (
            &planner,
            (
                "planner adds planner",
                Method::POST,
                "/users".into(),
                Some(json!({ "email": "x2@thameswater.example", "body_id": w.promoter, "roles": [p_planner] })),
                "sm:admin_planner_users",
            ),
        ),
        (
            &contractor_admin,
            (
                "contractor admin adds planner to promoter",
                Method::POST,
                "/users".into(),
                Some(json!({ "email": "x3@thameswater.example", "body_id": w.promoter })),
                "administer",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin adds planner to another promoter",
                Method::POST,
                "/users".into(),
                Some(json!({ "email": "x4@other.example", "body_id": w.other_promoter })),
                "administer",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin adds HA user",
                Method::POST,
                format!("/bodies/{}/members", w.ha),
                Some(json!({ "user_id": ha_user, "roles": [h_officer] })),
                "administer",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin adds admin user",
                Method::POST,
                "/users".into(),
                Some(json!({ "email": "x5@thameswater.example", "body_id": w.promoter, "roles": [p_admin] })),
                "support ticket",
            ),
        ),
        (
            &promoter_admin,
            ("promoter admin removes admin user", Method::DELETE, format!("/memberships/{p_admin_member}"), None, "support ticket"),
        ),
        (
            &ha_admin,
            (
                "HA admin grants an admin permission",
                Method::PATCH,
                format!("/memberships/{}", f_member),
                Some(json!({ "permissions": ["sm:admin_ha_users"] })),
                "",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin grants what it lacks",
                Method::PATCH,
                format!("/memberships/{p_admin_member}"),
                Some(json!({ "permissions": ["sm:assess_permits"] })),
                "",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin sets areas",
                Method::PATCH,
                format!("/memberships/{p_admin_member}"),
                Some(json!({ "areas": ["N1"] })),
                "geographical areas",
            ),
        ),
        (
            &contractor_admin,
            (
                "contractor admin sets workstreams",
                Method::PATCH,
                format!("/memberships/{c_member}"),
                Some(json!({ "workstreams": [{ "prefix": "X", "access": "full_write" }] })),
                "Workstreams of a contractor",
            ),
        ),
        (
            &contractor_admin,
            (
                "contractor admin sets contractor permissions",
                Method::PATCH,
                format!("/memberships/{c_member}"),
                Some(json!({ "roles": [] })),
                "sm:admin_user_permissions",
            ),
        ),
        (
            &contractor_admin,
            (
                "contractor admin links a contractor",
                Method::PUT,
                format!("/bodies/{}/contractors/{}", w.promoter, w.contractor),
                None,
                "administer",
            ),
        ),
        (
            &planner,
            (
                "planner changes organisation details",
                Method::PATCH,
                format!("/bodies/{}", w.promoter),
                Some(json!({ "name": "Mine" })),
                "sm:admin_organisation_details",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin suspends its body",
                Method::PATCH,
                format!("/bodies/{}", w.promoter),
                Some(json!({ "status": "suspended" })),
                "superuser",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin changes domains",
                Method::PATCH,
                format!("/bodies/{}", w.promoter),
                Some(json!({ "domains": ["evil.example"] })),
                "superuser",
            ),
        ),
        (
            &ha_admin,
            (
                "HA admin edits another body",
                Method::PATCH,
                format!("/bodies/{}", w.promoter),
                Some(json!({ "name": "Ours" })),
                "administer",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin creates an admin role",
                Method::POST,
                format!("/bodies/{}/roles", w.promoter),
                Some(json!({ "name": "Sub-admin", "permissions": ["sm:admin_planner_users"] })),
                "superuser",
            ),
        ),
        (
            &promoter_admin,
            (
                "promoter admin creates a body",
                Method::POST,
                "/bodies".into(),
                Some(json!({ "name": "New", "kind": "promoter" })),
                "superuser",
            ),
        ),
        (&fms_admin, ("FMS admin lists clients", Method::GET, "/clients".into(), None, "superuser")),
        (&fms_admin, ("FMS admin bans a domain", Method::POST, "/bans".into(), Some(json!({ "pattern": "spam.example" })), "superuser")),
        (&fms_admin, ("FMS admin makes a superuser", Method::PUT, format!("/users/{ha_user}/superuser"), None, "superuser")),
        (
            &fms_admin,
            (
                "FMS admin grants a Street Manager permission",
                Method::PATCH,
                format!("/memberships/{f_member}"),
                Some(json!({ "permissions": ["sm:view_map"] })),
                "do not hold",
            ),
        ),
        (
            &fms_admin,
            ("FMS admin edits an HA user", Method::PATCH, format!("/users/{ha_user}"), Some(json!({ "name": "Hacked" })), "administer"),
        ),
        (&fms_admin, ("FMS admin logs out an HA user", Method::POST, format!("/users/{ha_user}/logout"), None, "administer")),
        (&planner, ("planner searches users", Method::GET, "/users".into(), None, "not an administrator")),
    ];
    let mut wrong = Vec::new();
    for (api, (name, method, path, body, reason)) in cases {
        let before = snapshot(&app).await;
        let (s, v) = api.call(method, &path, body).await;
        let message = v["message"].as_str().unwrap_or_default();
        if s != StatusCode::FORBIDDEN || v["error"] != "forbidden" || !message.contains(reason) || message.len() < 20 {
            wrong.push(format!("{name}: {s} {v}"));
        }
        assert_eq!(snapshot(&app).await, before, "{name}: something changed");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Refusals are audited with their reason.
    let failures = store::audit::recent(&app.state.db, None, 500).await.unwrap().into_iter().filter(|e| e.outcome == "failure").count();
    assert!(failures >= 20, "{failures} refusals audited");
    app.finish().await;
}
both!(delegation_refusals);

async fn street_manager_rules(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let tag = |name: &'static str, sm: &'static str| {
        let su = &su;
        let body = w.promoter.clone();
        async move {
            su.ok(Method::POST, &format!("/bodies/{body}/roles"), Some(json!({ "name": name, "sm_role": sm }))).await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let planner = role(&su, &w.promoter, "sm_planner_full_access").await;
    let admin = role(&su, &w.promoter, "sm_promoter_admin").await;
    let ha = tag("HA officer", "HighwayAuthority").await;
    let contractor = tag("Contractor", "Contractor").await;
    let export = tag("Data export", "DataExport").await;
    let ui = tag("UI", "UI").await;
    let api = tag("API", "API").await;
    let swa = tag("Street works admin", "StreetWorksAdmin").await;
    let (_, m) = create_user(&su, "sam@thameswater.example", &w.promoter, &[]).await;
    let refused: Vec<(&str, Vec<&String>, &str)> = vec![
        ("Planner with HighwayAuthority", vec![&planner, &ha], "only one of"),
        ("Planner with Contractor", vec![&planner, &contractor], "only one of"),
        ("Planner with DataExport", vec![&planner, &export], "only one of"),
        ("HighwayAuthority with DataExport", vec![&ha, &export], "only one of"),
        ("UI with API", vec![&ui, &api], "UI user and an API user"),
        ("Admin with API", vec![&admin, &api], "Admin user cannot also be an API user"),
        ("Contractor with StreetWorksAdmin", vec![&contractor, &swa], "Contractor cannot also be a StreetWorksAdmin"),
        ("StreetWorksAdmin alone", vec![&swa], "only allowed together with"),
        ("StreetWorksAdmin with UI", vec![&swa, &ui], "only allowed together with"),
    ];
    for (name, roles, message) in &refused {
        let before = snapshot(&app).await;
        let (s, v) = su.patch(&format!("/memberships/{m}"), json!({ "roles": roles })).await;
        assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("roles")), "{name}: {v}");
        assert!(v["message"].as_str().unwrap().contains(message), "{name}: {v}");
        assert_eq!(snapshot(&app).await, before, "{name}");
    }
    // The same rules when a user is created or added with roles.
    let (s, _) = su.post("/users", json!({ "email": "two@thameswater.example", "body_id": w.promoter, "roles": [ui, api] })).await;
    assert_eq!(s, 422);
    assert_eq!(su.get("/users?q=two%40").await.1["total"], 0, "nothing half written");
    // ...and when a role's tag changes under its holders.
    su.ok(Method::PATCH, &format!("/memberships/{m}"), Some(json!({ "roles": [planner, ui] }))).await;
    let (s, v) = su.patch(&format!("/roles/{ui}"), json!({ "sm_role": "HighwayAuthority" })).await;
    assert_eq!(s, 422, "{v}");
    // Allowed combinations.
    for ok in [vec![&planner, &ui], vec![&admin, &swa, &planner], vec![&ha, &swa], vec![&export, &api]] {
        su.ok(Method::PATCH, &format!("/memberships/{m}"), Some(json!({ "roles": ok }))).await;
    }
    app.finish().await;
}
both!(street_manager_rules);

/// A user's tokens from the code flow (offline, so they survive the session unless revoked):
/// (access token, refresh token) for a client that may ask for `scope`.
pub(crate) async fn user_tokens(app: &TestApp, client_id: &str, secret: &str, email: &str, scope: &str) -> (String, String) {
    let browser = app.browser();
    let r = app.sign_in(&browser, email, PW).await;
    assert_eq!(r.status(), 303);
    let ch = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let scope_q = url::form_urlencoded::byte_serialize(scope.as_bytes()).collect::<String>();
    let cb = url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>();
    let url = format!(
        "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={cb}&scope={scope_q}&nonce=n&code_challenge={ch}&code_challenge_method=S256",
        app.base
    );
    let r = browser.get(url).send().await.unwrap();
    let loc = location(&r);
    let code =
        url::Url::parse(&loc).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap_or_else(|| panic!("no code: {loc}")).1.into_owned();
    let t: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (t["access_token"].as_str().unwrap().to_owned(), t["refresh_token"].as_str().unwrap_or_default().to_owned())
}

pub(crate) async fn app_client(app: &TestApp, body_id: Option<&str>) -> (String, String) {
    let spec = ClientSpec {
        name: "Street works app".into(),
        redirect_uris: vec![CB.into()],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "profile".into(), "email".into(), "offline_access".into(), "stile:admin".into()],
        permission_namespaces: vec!["sm".into(), "fms".into()],
        body_id: body_id.map(str::to_owned),
        first_party: true,
        ..ClientSpec::default()
    };
    let (c, secret) = stile::clients::register(&app.state.db, spec, &OsRandom, app.state.now()).await.unwrap();
    (c.id, secret.unwrap().expose().to_owned())
}

async fn introspect(app: &TestApp, id: &str, secret: &str, token: &str) -> bool {
    let v: Value = reqwest::Client::new()
        .post(app.url("/introspect"))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["active"].as_bool().unwrap()
}

async fn refresh(app: &TestApp, id: &str, secret: &str, token: &str) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap()
        .status()
}

pub(crate) async fn set_password(app: &TestApp, user_id: &str) {
    let hash = app.state.hasher.hash(&stile::secret::SecretString::new(PW)).await.unwrap();
    store::users::set_password_hash(&app.state.db, user_id, &hash, app.state.now()).await.unwrap();
}

async fn user_token_acts_with_users_rights(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let p_planner = role(&su, &w.promoter, "sm_planner_full_access").await;
    let p_admin = custom_role(&su, &w.promoter, "Admin without 2FA", &["sm_promoter_admin"]).await;
    let h_officer = role(&su, &w.ha, "sm_highway_authority").await;
    let (boss, _) = create_user(&su, "boss@thameswater.example", &w.promoter, &[&p_admin, &p_planner]).await;
    set_password(&app, &boss).await;
    let (id, secret) = app_client(&app, None).await;
    let (at, _) = user_tokens(&app, &id, &secret, "boss@thameswater.example", "openid offline_access stile:admin").await;
    let boss_api = Api { app: &app, token: at };
    let me = boss_api.ok(Method::GET, "/me", None).await;
    assert_eq!(me["user"]["id"], boss.as_str());
    let (s, v) = boss_api.post("/users", json!({ "email": "pip@thameswater.example", "body_id": w.promoter, "roles": [p_planner] })).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = boss_api.post("/users", json!({ "email": "hal@camden.example", "body_id": w.ha, "roles": [h_officer] })).await;
    assert_eq!(s, 403, "{v}");
    // Without the scope, the same user's token is refused.
    let (at, _) = user_tokens(&app, &id, &secret, "boss@thameswater.example", "openid").await;
    assert_eq!(Api { app: &app, token: at }.get("/me").await.0, StatusCode::FORBIDDEN);
    // Audit rows name both the user and the app.
    let e = &store::audit::recent(&app.state.db, Some("user.create"), 1).await.unwrap()[0];
    assert_eq!((e.actor_user_id.as_deref(), e.actor_client_id.as_deref()), (Some(boss.as_str()), Some(id.as_str())));
    assert_eq!(e.body_id.as_deref(), Some(w.promoter.as_str()));
    app.finish().await;
}
both!(user_token_acts_with_users_rights);

async fn disable_and_logout_effects(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let f = role(&su, &w.council, "fms_inspectors").await;
    let (fay, _) = create_user(&su, "fay@council.example", &w.council, &[&f]).await;
    set_password(&app, &fay).await;
    let (id, secret) = app_client(&app, None).await;

    // Flagging marks the account for attention and does not stop sign-in.
    su.ok(Method::PUT, &format!("/users/{fay}/flag"), None).await;
    let (at, rt) = user_tokens(&app, &id, &secret, "fay@council.example", "openid offline_access").await;
    assert!(introspect(&app, &id, &secret, &at).await);

    // Disabling: tokens inactive, refresh refused, sign-in refused; enabling lets them back.
    su.ok(Method::PUT, &format!("/users/{fay}/disabled"), None).await;
    assert!(!introspect(&app, &id, &secret, &at).await);
    assert_eq!(refresh(&app, &id, &secret, &rt).await, 400);
    assert_ne!(app.sign_in(&app.browser(), "fay@council.example", PW).await.status(), 303);
    su.ok(Method::DELETE, &format!("/users/{fay}/disabled"), None).await;
    assert_eq!(app.sign_in(&app.browser(), "fay@council.example", PW).await.status(), 303);

    // Log out everywhere: sessions end, refresh tokens (offline too) are revoked.
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "fay@council.example", PW).await.status(), 303);
    let (at, rt) = user_tokens(&app, &id, &secret, "fay@council.example", "openid offline_access").await;
    assert!(introspect(&app, &id, &secret, &at).await);
    let (bc_url, mut logouts) = crate::oidc_logout::receiver(200).await;
    let (bc_id, bc_secret) = app_client(&app, None).await;
    let mut c = stile::clients::get(&app.state.db, &bc_id).await.unwrap().unwrap().to_spec();
    c.backchannel_logout_uri = Some(bc_url);
    stile::clients::update(&app.state.db, &bc_id, c, &OsRandom, app.state.now()).await.unwrap();
    user_tokens(&app, &bc_id, &bc_secret, "fay@council.example", "openid").await;
    let v = su.ok(Method::POST, &format!("/users/{fay}/logout"), None).await;
    assert!(v["sessions_ended"].as_u64().unwrap() >= 2, "{v}");
    assert!(!introspect(&app, &id, &secret, &at).await);
    assert_eq!(refresh(&app, &id, &secret, &rt).await, 400);
    let r = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), 303, "the browser's session ended");
    let token = tokio::time::timeout(std::time::Duration::from_secs(10), logouts.recv()).await.unwrap().unwrap();
    let claims = crate::oidc::payload(&token);
    assert_eq!((claims["sub"].as_str(), claims["aud"].as_str()), (Some(fay.as_str()), Some(bc_id.as_str())), "back-channel logout sent");
    app.finish().await;
}
both!(disable_and_logout_effects);

async fn ban_effects(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let f = role(&su, &w.council, "fms_inspectors").await;
    let (fay, _) = create_user(&su, "fay@council.example", &w.council, &[&f]).await;
    let (gus, _) = create_user(&su, "gus@spam.example", &w.council, &[&f]).await;
    set_password(&app, &fay).await;
    set_password(&app, &gus).await;
    let (id, secret) = app_client(&app, None).await;
    let (at, rt) = user_tokens(&app, &id, &secret, "fay@council.example", "openid offline_access").await;
    let (gus_at, _) = user_tokens(&app, &id, &secret, "gus@spam.example", "openid offline_access").await;

    // An address: its tokens stop working, it cannot sign in or be created again.
    let v = su.ok(Method::POST, "/bans", Some(json!({ "pattern": "Fay@Council.example", "reason": "abuse" }))).await;
    assert_eq!((v["pattern"].as_str(), v["kind"].as_str()), (Some("fay@council.example"), Some("email")));
    assert!(!introspect(&app, &id, &secret, &at).await);
    assert_eq!(refresh(&app, &id, &secret, &rt).await, 400);
    let r = app.sign_in(&app.browser(), "fay@council.example", PW).await;
    assert_ne!(r.status(), 303, "banned address cannot sign in");
    assert!(app.audit_actions().await.contains(&("signin.password".into(), "failure".into())));
    let (s, _) = su.post("/bans", json!({ "pattern": "fay@council.example" })).await;
    assert_eq!(s, 409);
    // The same mailbox with a +tag is banned with it: it can neither be created nor sign in.
    let (s, v) = su.post("/users", json!({ "email": "fay+work@council.example" })).await;
    assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")), "{v}");
    app.create_user("fay+old@council.example", Some(PW)).await;
    assert_ne!(app.sign_in(&app.browser(), "fay+old@council.example", PW).await.status(), 303, "a tagged address signs in no more");

    // A domain: every address in it (and its subdomains).
    su.ok(Method::POST, "/bans", Some(json!({ "pattern": "@spam.example" }))).await;
    assert!(!introspect(&app, &id, &secret, &gus_at).await);
    assert_ne!(app.sign_in(&app.browser(), "gus@spam.example", PW).await.status(), 303);
    for email in ["new@spam.example", "x@mail.spam.example"] {
        let (s, v) = su.post("/users", json!({ "email": email })).await;
        assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")), "{email}: {v}");
    }
    // An emailed sign-in link is not sent to a banned address.
    let before: i64 = sqlx::query_scalar("select count(*) from mail_outbox").fetch_one(app.state.db.pool()).await.unwrap();
    let browser = app.browser();
    let csrf = app.csrf(&browser, "/login").await;
    browser.post(app.url("/login/email")).form(&[("csrf", csrf.as_str()), ("email", "gus@spam.example")]).send().await.unwrap();
    let after: i64 = sqlx::query_scalar("select count(*) from mail_outbox").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(before, after, "no mail to a banned address");
    assert_eq!(su.ok(Method::GET, "/bans", None).await.as_array().unwrap().len(), 2);

    // An internationalised domain is one domain however it is spelled: banned as its A-labels,
    // it holds for the Unicode form and the other way round.
    let v = su.ok(Method::POST, "/bans", Some(json!({ "pattern": "@XN--MNCHEN-3YA.de" }))).await;
    assert_eq!(v["pattern"], "m\u{fc}nchen.de");
    su.ok(Method::POST, "/bans", Some(json!({ "pattern": "eve@caf\u{e9}.example" }))).await;
    for email in ["new@m\u{fc}nchen.de", "new@xn--mnchen-3ya.de", "x@mail.xn--mnchen-3ya.de", "eve@xn--caf-dma.example"] {
        let (s, v) = su.post("/users", json!({ "email": email })).await;
        assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")), "{email}: {v}");
    }
    assert_eq!(su.post("/bans", json!({ "pattern": "m\u{fc}nchen.de" })).await.0, 409, "the same ban");
    su.ok(Method::DELETE, "/bans/m\u{fc}nchen.de", None).await;
    su.ok(Method::DELETE, "/bans/eve@caf\u{e9}.example", None).await;
    // And one address: the A-label spelling of an account's address is that account.
    su.ok(Method::POST, "/users", Some(json!({ "email": "ida@m\u{fc}nchen.de" }))).await;
    let (s, v) = su.post("/users", json!({ "email": "IDA@xn--mnchen-3ya.de" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Lifting the ban lets the user back in.
    su.ok(Method::DELETE, "/bans/fay@council.example", None).await;
    assert_eq!(app.sign_in(&app.browser(), "fay@council.example", PW).await.status(), 303);
    assert_eq!(su.delete("/bans/fay@council.example").await.0, 404);
    app.finish().await;
}
both!(ban_effects);

async fn suspended_body_effects(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let f = custom_role(&su, &w.council, "Staff admin", &["fms_administrators"]).await;
    let (fay, _) = create_user(&su, "fay@council.example", &w.council, &[&f]).await;
    set_password(&app, &fay).await;
    let (bound, bound_secret) = app_client(&app, Some(&w.council)).await;
    let (free, free_secret) = app_client(&app, None).await;
    let (at, rt) = user_tokens(&app, &bound, &bound_secret, "fay@council.example", "openid offline_access stile:admin").await;
    let (free_at, _) = user_tokens(&app, &free, &free_secret, "fay@council.example", "openid offline_access").await;
    let claims = crate::oidc::payload(&free_at);
    assert_eq!(claims["bodies"][0]["id"], w.council.as_str());
    let fay_api = Api { app: &app, token: at.clone() };
    assert_eq!(fay_api.get(&format!("/bodies/{}/members", w.council)).await.0, 200);

    su.ok(Method::PATCH, &format!("/bodies/{}", w.council), Some(json!({ "status": "suspended" }))).await;
    // Tokens for the app bound to the suspended body are inactive and cannot be refreshed.
    assert!(!introspect(&app, &bound, &bound_secret, &at).await);
    assert!(!introspect(&app, &bound, &bound_secret, &rt).await, "the refresh token too");
    assert_eq!(refresh(&app, &bound, &bound_secret, &rt).await, 400);
    // A new sign-in to that app is refused at the authorization endpoint.
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "fay@council.example", PW).await.status(), 303);
    let ch = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let cb = url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>();
    let r = browser
        .get(format!("{}/authorize?response_type=code&client_id={bound}&redirect_uri={cb}&scope=openid&code_challenge={ch}&code_challenge_method=S256", app.base))
        .send()
        .await
        .unwrap();
    assert!(location(&r).contains("error=access_denied"), "{}", location(&r));
    // Other apps still work, but the body is left out of the bodies claim.
    let (free_at, _) = user_tokens(&app, &free, &free_secret, "fay@council.example", "openid offline_access stile:admin").await;
    assert_eq!(crate::oidc::payload(&free_at)["bodies"], json!([]));
    // And the body's admins cannot act for it.
    let (s, v) = Api { app: &app, token: free_at }.get(&format!("/bodies/{}/members", w.council)).await;
    assert_eq!(s, 403, "{v}");
    assert!(v["message"].as_str().unwrap().contains("suspended"), "{v}");
    su.ok(Method::PATCH, &format!("/bodies/{}", w.council), Some(json!({ "status": "active" }))).await;
    let (at, _) = user_tokens(&app, &bound, &bound_secret, "fay@council.example", "openid stile:admin").await;
    assert!(introspect(&app, &bound, &bound_secret, &at).await);
    app.finish().await;
}
both!(suspended_body_effects);

/// Re-signs `token`'s claims with this Stile's own key under another JWT type, or with `exp`
/// moved to the past: only a live access token (`typ` at+jwt) may act as a bearer.
async fn resign(app: &TestApp, token: &str, typ: &str, expired: bool) -> String {
    let mut parts = token.split('.');
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    if expired {
        claims["exp"] = json!(app.state.now() - 1);
    }
    let key = app.state.keys.by_kid(header["kid"].as_str().unwrap()).await.unwrap();
    stile::tokens::jwt::sign(&key, typ, &claims).unwrap()
}

async fn bearer_token_types(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let same = Api { app: &app, token: resign(&app, &su.token, "at+jwt", false).await };
    assert_eq!(same.get("/me").await.0, 200, "the control: the same claims as an access token work");
    for (what, typ, expired) in
        [("an ID token", "JWT", false), ("a logout token", "logout+jwt", false), ("an expired token", "at+jwt", true)]
    {
        let api = Api { app: &app, token: resign(&app, &su.token, typ, expired).await };
        let (s, v) = api.get("/me").await;
        assert_eq!((s, v["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")), "{what}: {v}");
    }
    app.finish().await;
}
both!(bearer_token_types);

/// A body administrator who adds an existing account to their body (by email) must not be able
/// to take that account over: changing the email of an account its owner already uses would let
/// the administrator sign in as them by emailed link.
async fn no_takeover_of_accounts_added_by_email(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let citizen = su.ok(Method::POST, "/users", Some(json!({ "email": "resident@mail.example", "name": "Resident" }))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    set_password(&app, &citizen).await;
    store::users::touch_last_login(&app.state.db, &citizen, app.state.now()).await.unwrap();
    // A day later (fresh tokens: the first ones have expired by then).
    app.clock.advance(24 * 3600);
    let su = superuser_api(&app).await;
    let fms_admin = body_admin_api(&app, &su, &w.council, &["fms_administrators"]).await;
    // The body's admin can only invite an address outside its domains (tests/it/admin_accounts.rs);
    // here a superuser adds the account at once.
    su.ok(Method::POST, &format!("/bodies/{}/members", w.council), Some(json!({ "email": "resident@mail.example" }))).await;
    let before = snapshot(&app).await;
    let (s, v) = fms_admin.patch(&format!("/users/{citizen}"), json!({ "email": "attacker@council.example" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("not created for your organisation"), "{v}");
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    // Nor can they remove, disable or strip the second factor of an account that is not the
    // body's: they can only take it out of the body again.
    for (what, method, path) in [
        ("remove", Method::DELETE, format!("/users/{citizen}")),
        ("disable", Method::PUT, format!("/users/{citizen}/disabled")),
        ("reset 2FA", Method::POST, format!("/users/{citizen}/reset-2fa")),
        ("remove passkeys", Method::POST, format!("/users/{citizen}/remove-passkeys")),
    ] {
        let (s, v) = fms_admin.call(method, &path, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{what}: {v}");
        assert!(v["message"].as_str().unwrap().contains("not created for your organisation"), "{what}: {v}");
    }
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    // The name can still be corrected, and a superuser can still change the email.
    fms_admin.ok(Method::PATCH, &format!("/users/{citizen}"), Some(json!({ "name": "A Resident" }))).await;
    // The address sent back in another spelling of itself (a form that re-sends every field) is
    // no change of address.
    fms_admin
        .ok(Method::PATCH, &format!("/users/{citizen}"), Some(json!({ "name": "A Resident", "email": "\u{ff52}esident@MAIL.example" })))
        .await;
    su.ok(Method::PATCH, &format!("/users/{citizen}"), Some(json!({ "email": "resident@council.example" }))).await;
    // An account the body created and its owner has not used yet can have its address fixed.
    let (fresh, _) = create_user(&fms_admin, "typo@council.example", &w.council, &[]).await;
    // Unless its address is banned: moving it off the address would lift the ban.
    store::abuse::insert(&app.state.db, "typo@council.example", "email", "test", app.state.now()).await.unwrap();
    let (s, v) = fms_admin.patch(&format!("/users/{fresh}"), json!({ "email": "typo.fixed@council.example" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("banned"), "{v}");
    store::abuse::delete(&app.state.db, "typo@council.example").await.unwrap();
    fms_admin.ok(Method::PATCH, &format!("/users/{fresh}"), Some(json!({ "email": "typo.fixed@council.example" }))).await;
    fms_admin.ok(Method::PUT, &format!("/users/{fresh}/disabled"), None).await;
    fms_admin.ok(Method::DELETE, &format!("/users/{fresh}"), None).await;
    let m = fms_admin.ok(Method::GET, &format!("/bodies/{}/members", w.council), None).await;
    let m = m.as_array().unwrap().iter().find(|x| x["user"]["id"] == citizen.as_str()).unwrap()["membership"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    fms_admin.ok(Method::DELETE, &format!("/memberships/{m}"), None).await;
    app.finish().await;
}
both!(no_takeover_of_accounts_added_by_email);

/// Nobody but a superuser can leave a FixMyStreet body without a member who manages its staff
/// (`fms:user_manage_permissions`): not by removing that member, not by taking the permission
/// away, and not by doing either to themselves.
async fn body_keeps_a_staff_manager(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let admins = custom_role(&su, &w.council, "Administrators without 2FA", &["fms_administrators"]).await;
    let inspectors = role(&su, &w.council, "fms_inspectors").await;
    let (ann, ann_m) = create_user(&su, "ann@council.example", &w.council, &[&admins]).await;
    set_password(&app, &ann).await;
    let (id, secret) = app_client(&app, None).await;
    let (at, _) = user_tokens(&app, &id, &secret, "ann@council.example", "openid stile:admin").await;
    let ann_api = Api { app: &app, token: at };
    let client_admin = body_admin_api(&app, &su, &w.council, &["fms_administrators"]).await;
    for (who, api) in [("herself", &ann_api), ("a machine client", &client_admin)] {
        let before = snapshot(&app).await;
        let (s, v) = api.patch(&format!("/memberships/{ann_m}"), json!({ "roles": [inspectors] })).await;
        assert_eq!(s, StatusCode::CONFLICT, "{who} demotes the last staff manager: {v}");
        assert!(v["message"].as_str().unwrap().contains("fms:user_manage_permissions"), "{v}");
        let (s, v) = api.delete(&format!("/memberships/{ann_m}")).await;
        assert_eq!(s, StatusCode::CONFLICT, "{who} removes the last staff manager: {v}");
        assert_eq!(snapshot(&app).await, before, "{who}: nothing changed");
    }
    let (s, v) = client_admin.delete(&format!("/users/{ann}")).await;
    assert_eq!(s, StatusCode::CONFLICT, "removing the account of the last staff manager: {v}");
    let (s, v) = client_admin.call(Method::PUT, &format!("/users/{ann}/disabled"), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "disabling the last staff manager: {v}");
    // Nor through the role that gives it.
    let mut without = template_perms(&["fms_administrators"]);
    without.retain(|p| p != "fms:user_manage_permissions");
    let before = snapshot(&app).await;
    let (s, v) = ann_api.patch(&format!("/roles/{admins}"), json!({ "permissions": without })).await;
    assert_eq!(s, StatusCode::CONFLICT, "taking it out of the role: {v}");
    let (s, v) = ann_api.delete(&format!("/roles/{admins}")).await;
    assert_eq!(s, StatusCode::CONFLICT, "deleting the role: {v}");
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    // With a second staff manager, Ann may step down.
    create_user(&su, "bob@council.example", &w.council, &[&admins]).await;
    ann_api.ok(Method::PATCH, &format!("/memberships/{ann_m}"), Some(json!({ "roles": [inspectors] }))).await;
    app.finish().await;
}
both!(body_keeps_a_staff_manager);

/// Editing a role changes the permissions of everyone who holds it, so it needs the same right
/// as changing each holder's permissions: an administrator's permissions are a superuser's to
/// change, also through a role the administrator shares with planners.
async fn role_edits_count_as_permission_changes(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let promoter_admin = body_admin_api(&app, &su, &w.promoter, &["sm_promoter_admin", "sm_planner_full_access"]).await;
    let p_planner = role(&su, &w.promoter, "sm_planner_full_access").await;
    let p_admin = role(&su, &w.promoter, "sm_promoter_admin").await;
    let viewers = su
        .ok(Method::POST, &format!("/bodies/{}/roles", w.promoter), Some(json!({ "name": "Viewers", "permissions": ["sm:view_map"] })))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    create_user(&su, "pat@thameswater.example", &w.promoter, &[&p_planner, &viewers]).await;
    create_user(&su, "boss@thameswater.example", &w.promoter, &[&p_admin, &p_planner]).await;
    let mut fewer = template_perms(&["sm_planner_full_access"]);
    fewer.retain(|p| p != "sm:apply_for_works");
    let before = snapshot(&app).await;
    let (s, v) = promoter_admin.patch(&format!("/roles/{p_planner}"), json!({ "permissions": fewer })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("admin users"), "{v}");
    let (s, v) = promoter_admin.delete(&format!("/roles/{p_planner}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    // An admin template stands for the Admin role even when its permissions are left out.
    let (s, v) = promoter_admin
        .post(
            &format!("/bodies/{}/roles", w.promoter),
            json!({ "name": "Almost admin", "template": "sm_promoter_admin", "permissions": [] }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // A role no admin holds is the promoter admin's to change; renaming changes no permissions.
    promoter_admin
        .ok(Method::PATCH, &format!("/roles/{viewers}"), Some(json!({ "permissions": ["sm:view_map", "sm:view_map_pins"] })))
        .await;
    promoter_admin.ok(Method::PATCH, &format!("/roles/{p_planner}"), Some(json!({ "name": "Planners" }))).await;
    su.ok(Method::PATCH, &format!("/roles/{p_planner}"), Some(json!({ "permissions": fewer }))).await;
    app.finish().await;
}
both!(role_edits_count_as_permission_changes);

/// Street Manager's rules also hold for what direct permissions and role edits give: a Planner
/// cannot become a Highway Authority user by holding its permissions directly.
async fn street_manager_rules_see_direct_permissions(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let planner = role(&su, &w.promoter, "sm_planner_full_access").await;
    let viewers = su
        .ok(Method::POST, &format!("/bodies/{}/roles", w.promoter), Some(json!({ "name": "Viewers", "permissions": ["sm:view_map"] })))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, m) = create_user(&su, "sam@thameswater.example", &w.promoter, &[&planner, &viewers]).await;
    let before = snapshot(&app).await;
    let (s, v) = su.patch(&format!("/memberships/{m}"), json!({ "permissions": ["sm:assess_permits"] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "direct HA permission on a Planner: {v}");
    assert!(v["message"].as_str().unwrap().contains("only one of"), "{v}");
    let (s, v) = su.patch(&format!("/roles/{viewers}"), json!({ "permissions": ["sm:view_map", "sm:issue_fpn"] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "HA permission added to a Planner's other role: {v}");
    let (s, v) = su
        .post(
            "/users",
            json!({ "email": "two@thameswater.example", "body_id": w.promoter, "roles": [planner], "permissions": ["sm:revoke_permit"] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "created with both: {v}");
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    // A promoter admin cannot add HA users, so cannot turn a planner into one either.
    let promoter_admin = body_admin_api(&app, &su, &w.promoter, &["sm_promoter_admin", "sm_planner_full_access"]).await;
    let officer = promoter_admin
        .ok(Method::POST, &format!("/bodies/{}/roles", w.promoter), Some(json!({ "name": "Officer", "sm_role": "HighwayAuthority" })))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = snapshot(&app).await;
    let (s, v) = promoter_admin.patch(&format!("/memberships/{m}"), json!({ "roles": [officer] })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "planner made an HA user: {v}");
    let (s, v) = promoter_admin.patch(&format!("/roles/{viewers}"), json!({ "sm_role": "HighwayAuthority" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "holders made HA users through their role's tag: {v}");
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    // View permissions are shared by every kind and imply none.
    su.ok(Method::PATCH, &format!("/memberships/{m}"), Some(json!({ "permissions": ["sm:view_map_pins"] }))).await;
    app.finish().await;
}
both!(street_manager_rules_see_direct_permissions);

/// `fms:user_edit` lets its holder edit the body's staff, but not the staff managers
/// (`fms:user_manage_permissions`) who gave it to them.
async fn user_editors_cannot_act_on_staff_managers(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let (id, secret) = machine_client(&app, "Helpdesk").await;
    su.ok(
        Method::PUT,
        &format!("/clients/{id}/admin-access"),
        Some(json!({ "level": "body", "body_id": w.council, "permissions": ["fms:user_edit"] })),
    )
    .await;
    let helpdesk = Api { app: &app, token: cc_token(&app, &id, &secret, "stile:admin").await };
    let admins = role(&su, &w.council, "fms_administrators").await;
    let inspectors = role(&su, &w.council, "fms_inspectors").await;
    let (ann, _) = create_user(&su, "ann@council.example", &w.council, &[&admins]).await;
    let (ivy, _) = create_user(&su, "ivy@council.example", &w.council, &[&inspectors]).await;
    let before = snapshot(&app).await;
    for (what, method, path) in [
        ("disable", Method::PUT, format!("/users/{ann}/disabled")),
        ("flag", Method::PUT, format!("/users/{ann}/flag")),
        ("reset 2FA", Method::POST, format!("/users/{ann}/reset-2fa")),
        ("remove passkeys", Method::POST, format!("/users/{ann}/remove-passkeys")),
        ("log out", Method::POST, format!("/users/{ann}/logout")),
    ] {
        let (s, v) = helpdesk.call(method, &path, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{what} a staff manager: {v}");
        assert!(v["message"].as_str().unwrap().contains("fms:user_manage_permissions"), "{what}: {v}");
    }
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    helpdesk.ok(Method::PUT, &format!("/users/{ivy}/flag"), None).await;
    app.finish().await;
}
both!(user_editors_cannot_act_on_staff_managers);

/// API clients send a whole membership back; fields that do not change need no right to change them.
async fn unchanged_fields_need_no_right(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let inspectors = role(&su, &w.council, "fms_inspectors").await;
    let (_, m) = create_user(&su, "cat@council.example", &w.council, &[]).await;
    let ws = json!([{ "prefix": "CAM", "access": "read_only" }]);
    su.ok(Method::PATCH, &format!("/memberships/{m}"), Some(json!({ "workstreams": ws, "areas": ["North"] }))).await;
    let council_admin = body_admin_api(&app, &su, &w.council, &["fms_administrators"]).await;
    let before = snapshot(&app).await;
    let (s, v) = council_admin
        .patch(&format!("/memberships/{m}"), json!({ "roles": [inspectors], "workstreams": [{ "prefix": "CAM", "access": "full_write" }] }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "changing workstreams needs the right to: {v}");
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    let v = council_admin
        .ok(Method::PATCH, &format!("/memberships/{m}"), Some(json!({ "roles": [inspectors], "workstreams": ws, "areas": ["North"] })))
        .await;
    assert_eq!(v["roles"][0]["id"], inspectors.as_str(), "{v}");
    assert_eq!(v["workstreams"], ws, "{v}");
    app.finish().await;
}
both!(unchanged_fields_need_no_right);

/// The search within an organisation (matched in each membership's copy of its user, migration
/// 0029) as an outsider would try it: a body administrator searches only their own bodies' members
/// and is refused another body's; a renamed user of another body stays out of their results; a
/// NUL byte is refused; a look-alike letter and LIKE's wildcards match nothing; 60 searches at
/// once all give the same answer.
async fn organisation_search_stays_in_its_bodies(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let w = world(&su).await;
    let ha_admin = body_admin_api(&app, &su, &w.ha, &["sm_ha_admin", "sm_highway_authority"]).await;
    let officer = role(&su, &w.ha, "sm_highway_authority").await;
    let planner = role(&su, &w.promoter, "sm_planner_full_access").await;
    create_user(&su, "hal@camden.example", &w.ha, &[&officer]).await;
    let (pat, _) = create_user(&su, "pat@thameswater.example", &w.promoter, &[&planner]).await;
    let emails =
        |v: &Value| -> Vec<String> { v["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()).collect() };

    let (s, v) = ha_admin.get("/users?q=hal").await;
    assert_eq!((s, emails(&v)), (StatusCode::OK, vec!["hal@camden.example".to_owned()]), "{v}");
    let (s, v) = ha_admin.get("/users?q=pat").await;
    assert_eq!((s, v["total"].clone()), (StatusCode::OK, json!(0)), "another body's member: {v}");
    let (s, _) = ha_admin.get(&format!("/users?q=pat&body_id={}", w.promoter)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another body, named");

    // Renamed to look like the body's own member: still not theirs to find.
    let (s, v) = su.patch(&format!("/users/{pat}"), json!({ "name": "Hal Impostor" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = ha_admin.get("/users?q=hal").await;
    assert_eq!(emails(&v), ["hal@camden.example"], "{v}");
    let (_, v) = su.get(&format!("/users?q=impostor&body_id={}", w.promoter)).await;
    assert_eq!(emails(&v), ["pat@thameswater.example"], "the superuser finds the new name at once: {v}");

    let (s, v) = ha_admin.get(&format!("/users?q=h%00al&body_id={}", w.ha)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a NUL byte: {v}");
    // Cyrillic а (U+0430) in place of a, and the wildcards as themselves.
    for q in ["h%D0%B0l", "%25", "h_l", "%5C"] {
        let (s, v) = ha_admin.get(&format!("/users?q={q}&body_id={}", w.ha)).await;
        assert_eq!((s, v["total"].clone()), (StatusCode::OK, json!(0)), "{q}: {v}");
    }

    let path = format!("/users?q=hal&body_id={}", w.ha);
    let all = futures_util::future::join_all((0..60).map(|_| ha_admin.get(&path))).await;
    for (s, v) in all {
        assert_eq!((s, emails(&v)), (StatusCode::OK, vec!["hal@camden.example".to_owned()]), "{v}");
    }
    app.finish().await;
}
both!(organisation_search_stays_in_its_bodies);
