//! SCIM 2.0 provisioning (issue 16): the exact requests Entra ID sends to create, update,
//! disable, re-enable and delete a user and to change a group's members; filters and paging;
//! authentication failures; one body's directory touching another body's user; deprovisioning
//! ending a live session and a refresh token (401 at userinfo, inactive at introspection, a
//! back-channel logout); groups giving roles through the SSO connection's mapping; a connection
//! lost half-way through a deactivation; the command line.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stile::admin::AdminActor;
use stile::admin::ops::scim as ops;
use stile::store;

use crate::admin_api::{Api, create_body, superuser_api};
use crate::both;
use crate::harness::{Backend, TestApp, location};
use crate::oidc::{CB, PW, register, spec};
use crate::oidc_logout::receiver;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A SCIM client with a bearer token.
struct Scim<'a> {
    app: &'a TestApp,
    token: String,
}

impl Scim<'_> {
    async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = reqwest::Client::new().request(method, self.app.url(&format!("/scim/v2{path}"))).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.header("content-type", "application/scim+json").body(b.to_string());
        }
        if let Some(m) = if_match {
            req = req.header("if-match", m);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) }, headers)
    }
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (s, v, _) = self.call_with(method, path, body, None).await;
        (s, v)
    }
    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method.clone(), path, body).await;
        assert!(s.is_success(), "{method} {path}: {s} {v}");
        v
    }
    async fn list(&self, path_and_query: &str) -> Value {
        self.ok(Method::GET, path_and_query, None).await
    }
}

fn q(filter: &str) -> String {
    url::form_urlencoded::byte_serialize(filter.as_bytes()).collect()
}

/// A council with `domain` (created by the superuser API, so it has its template roles) and a
/// SCIM secret for it, made as the command line makes it.
async fn council_with_token<'a>(app: &'a TestApp, su: &Api<'_>, name: &str, domain: &str) -> (String, Scim<'a>) {
    let body = create_body(su, name, "council", &[domain]).await;
    let made = ops::create_token(&app.state, &AdminActor::cli(), &body, "Entra ID").await.unwrap();
    assert!(made.secret.expose().starts_with("scim."));
    (body, Scim { app, token: made.secret.expose().to_owned() })
}

/// What Entra ID sends to create a user (its default attribute mappings).
fn entra_create(email: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": external_id,
        "userName": email,
        "active": true,
        "displayName": "Jane Doe",
        "emails": [{ "primary": true, "type": "work", "value": email }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane" },
        "title": "Highways officer",
        ENTERPRISE: { "employeeNumber": "1234", "department": "Highways", "manager": { "value": "0f3c-manager" } }
    })
}

fn patch(ops: Value) -> Value {
    json!({ "schemas": [PATCH_OP], "Operations": ops })
}

async fn user_row(app: &TestApp, id: &str) -> store::users::UserRow {
    store::users::by_id(&app.state.db, id).await.unwrap().unwrap()
}

async fn membership_disabled(app: &TestApp, user: &str, body: &str) -> Option<Option<i64>> {
    sqlx::query_scalar::<_, Option<i64>>("select disabled_at from memberships where user_id = $1 and body_id = $2")
        .bind(user)
        .bind(body)
        .fetch_optional(app.state.db.pool())
        .await
        .unwrap()
}

/// Entra ID's whole life cycle of a user, request by request as it sends them.
async fn entra_user_lifecycle(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (body, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let email = "jane.doe@camden.gov.example";

    // Entra looks the user up first.
    let v = scim.list(&format!("/Users?filter={}", q(&format!("userName eq \"{email}\"")))).await;
    assert_eq!(v["totalResults"], 0);
    assert_eq!(v["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");

    // Create.
    let (s, v, h) = scim.call_with(Method::POST, "/Users", Some(entra_create("Jane.Doe@Camden.gov.example", "8f3c-oid")), None).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(h["content-type"], "application/scim+json");
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(h["location"].to_str().unwrap(), app.url(&format!("/scim/v2/Users/{id}")));
    assert_eq!(h["etag"].to_str().unwrap(), v["meta"]["version"].as_str().unwrap());
    assert_eq!(v["userName"], email, "stored lower-case, as every address");
    assert_eq!(v["externalId"], "8f3c-oid");
    assert_eq!(v["active"], true);
    assert_eq!(v[ENTERPRISE]["department"], "Highways", "the Enterprise extension is kept, not refused");
    assert_eq!(v["name"]["givenName"], "Jane");
    let user = user_row(&app, &id).await;
    assert_eq!(user.name, "Jane Doe");
    assert_eq!(membership_disabled(&app, &id, &body).await, Some(None), "a member of the body");
    // A second create of the same userName is a uniqueness conflict.
    let (s, v) = scim.call(Method::POST, "/Users", Some(entra_create(email, "other"))).await;
    assert_eq!((s, v["scimType"].as_str()), (StatusCode::CONFLICT, Some("uniqueness")), "{v}");
    assert_eq!(v["schemas"][0], ERROR);
    assert_eq!(v["status"], "409");

    // Found by each filter Entra and Okta use.
    for f in [
        format!("userName eq \"{email}\""),
        "externalId eq \"8f3c-oid\"".to_owned(),
        format!("emails.value eq \"{email}\""),
        "displayName eq \"Jane Doe\"".to_owned(),
        "userName sw \"jane\" and externalId pr".to_owned(),
    ] {
        let v = scim.list(&format!("/Users?filter={}", q(&f))).await;
        assert_eq!(v["totalResults"], 1, "{f}: {v}");
        assert_eq!(v["Resources"][0]["id"], id.as_str());
    }

    // Update: Entra's PATCH with paths, a filtered path, an extension path and a no-path value.
    let (s, v, h) = scim
        .call_with(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(patch(json!([
                { "op": "Replace", "path": "displayName", "value": "Jane Q Doe" },
                { "op": "Add", "path": "name.givenName", "value": "Janet" },
                { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": email },
                { "op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Parking" },
                { "op": "Add", "value": { "title": "Parking officer" } }
            ]))),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["displayName"], "Jane Q Doe");
    assert_eq!(v["name"]["givenName"], "Janet");
    assert_eq!(v["title"], "Parking officer");
    assert_eq!(v[ENTERPRISE]["department"], "Parking");
    assert_eq!(v[ENTERPRISE]["employeeNumber"], "1234");
    assert_eq!(user_row(&app, &id).await.name, "Jane Q Doe");
    // A stale ETag is refused; the current one is accepted.
    let etag = h["etag"].to_str().unwrap().to_owned();
    let (s, _, _) = scim
        .call_with(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(patch(json!([{ "op": "replace", "path": "title", "value": "x" }]))),
            Some("W/\"0.0.0\""),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    let (s, _, _) = scim
        .call_with(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(patch(json!([{ "op": "replace", "path": "title", "value": "x" }]))),
            Some(&etag),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Disable: Entra sends the boolean as a string.
    let v = scim
        .ok(Method::PATCH, &format!("/Users/{id}"), Some(patch(json!([{ "op": "Replace", "path": "active", "value": "False" }]))))
        .await;
    assert_eq!(v["active"], false);
    assert!(membership_disabled(&app, &id, &body).await.unwrap().is_some());
    assert!(user_row(&app, &id).await.is_disabled(), "in no other body, so the account is disabled too");
    let v = scim.list(&format!("/Users?filter={}", q("active eq false"))).await;
    assert_eq!(v["totalResults"], 1);

    // Re-enable: replace with no path and a value object.
    let v = scim.ok(Method::PATCH, &format!("/Users/{id}"), Some(patch(json!([{ "op": "replace", "value": { "active": true } }])))).await;
    assert_eq!(v["active"], true);
    assert_eq!(membership_disabled(&app, &id, &body).await, Some(None));
    assert!(!user_row(&app, &id).await.is_disabled());

    // PUT replaces the resource.
    let mut put = entra_create(email, "8f3c-oid");
    put["displayName"] = json!("Jane Put");
    let v = scim.ok(Method::PUT, &format!("/Users/{id}"), Some(put)).await;
    assert_eq!(v["displayName"], "Jane Put");

    // Delete: gone from the body, the account disabled; GET is then 404.
    let (s, _) = scim.call(Method::DELETE, &format!("/Users/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(scim.call(Method::GET, &format!("/Users/{id}"), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(membership_disabled(&app, &id, &body).await, None);
    assert!(user_row(&app, &id).await.is_disabled());
    // Provisioned again, the same account comes back enabled.
    let v = scim.ok(Method::POST, "/Users", Some(entra_create(email, "8f3c-oid"))).await;
    assert_eq!(v["id"], id.as_str());
    assert!(!user_row(&app, &id).await.is_disabled());

    let actions: Vec<String> = app.audit_actions().await.into_iter().filter(|(_, o)| o == "success").map(|(a, _)| a).collect();
    for a in [
        "scim.token.create",
        "scim.user.create",
        "scim.user.update",
        "scim.user.deactivate",
        "scim.user.reactivate",
        "scim.user.replace",
        "scim.user.delete",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    // The body page's status.
    let o = ops::overview(&app.state, &AdminActor::cli(), &body).await.unwrap();
    assert!(o.last_sync_at.is_some());
    assert_eq!((o.users, o.groups), (1, 0));
    assert!(o.last_error.as_deref().unwrap_or_default().contains("412"), "the last failure, the stale If-Match: {:?}", o.last_error);
    assert!(o.tokens[0].last_used_at.is_some());
    // Not off a banned address: moving the account off it would lift the ban.
    store::abuse::insert(&app.state.db, email, "email", "test", app.state.now()).await.unwrap();
    let mut moved = entra_create("jane.d@camden.gov.example", "8f3c-oid");
    moved["displayName"] = json!("Jane Put");
    let (s, v) = scim.call(Method::PUT, &format!("/Users/{id}"), Some(moved)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(user_row(&app, &id).await.email, email);
    store::abuse::delete(&app.state.db, email).await.unwrap();
    app.finish().await;
}
both!(entra_user_lifecycle);

/// A council whose domain is internationalised: the directory may send its addresses as A-labels
/// or in Unicode, and every filter it looks users up by finds the one account.
async fn idn_user_found_in_either_spelling(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (_, scim) = council_with_token(&app, &su, "M\u{fc}nchen Council", "xn--mnchen-3ya.example").await;
    let (s, v, _) = scim.call_with(Method::POST, "/Users", Some(entra_create("Eve@XN--MNCHEN-3YA.example", "idn-1")), None).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["userName"], "eve@m\u{fc}nchen.example");
    for f in [
        "userName eq \"eve@xn--mnchen-3ya.example\"",
        "userName eq \"EVE@M\u{dc}NCHEN.example\"",
        "emails.value eq \"eve@xn--mnchen-3ya.example\"",
        "emails[value eq \"eve@xn--mnchen-3ya.example\" and type eq \"work\"]",
        "not (userName ne \"eve@xn--mnchen-3ya.example\")",
        // The directory's own spelling is kept in emails; the stored one finds it too.
        "emails.value eq \"eve@m\u{fc}nchen.example\"",
        "emails[value eq \"EVE@M\u{dc}NCHEN.example\"]",
    ] {
        let v = scim.list(&format!("/Users?filter={}", q(f))).await;
        assert_eq!(v["totalResults"], 1, "{f}: {v}");
        assert_eq!(v["Resources"][0]["id"], id.as_str());
    }
    for f in ["userName eq \"eve@xn--mnchen-3ya.example.other\"", "emails.value ne \"eve@m\u{fc}nchen.example\""] {
        assert_eq!(scim.list(&format!("/Users?filter={}", q(f))).await["totalResults"], 0, "{f}");
    }
    // Creating it again in the other spelling is the same user.
    let (s, v) = scim.call(Method::POST, "/Users", Some(entra_create("eve@m\u{fc}nchen.example", "idn-2"))).await;
    assert_eq!((s, v["scimType"].as_str()), (StatusCode::CONFLICT, Some("uniqueness")), "{v}");
    app.finish().await;
}
both!(idn_user_found_in_either_spelling);

/// Filters, paging and SCIM errors.
async fn filters_and_paging(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (_, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    for (n, name) in ["Alice Able", "Bob Baker", "Carol Cole"].iter().enumerate() {
        let email = format!("{}@camden.gov.example", name.split(' ').next().unwrap().to_lowercase());
        let mut u = entra_create(&email, &format!("ext-{n}"));
        u["displayName"] = json!(name);
        scim.ok(Method::POST, "/Users", Some(u)).await;
    }
    let count = |v: &Value| v["totalResults"].as_i64().unwrap();
    assert_eq!(count(&scim.list("/Users").await), 3);
    assert_eq!(count(&scim.list(&format!("/Users?filter={}", q("displayName co \"b\""))).await), 2, "Alice Able and Bob Baker");
    assert_eq!(count(&scim.list(&format!("/Users?filter={}", q("userName sw \"c\""))).await), 1);
    assert_eq!(count(&scim.list(&format!("/Users?filter={}", q("externalId eq \"ext-0\" or externalId eq \"ext-2\""))).await), 2);
    assert_eq!(count(&scim.list(&format!("/Users?filter={}", q("title pr and not (displayName sw \"A\")"))).await), 2);
    let page = scim.list("/Users?startIndex=2&count=1").await;
    assert_eq!((count(&page), page["startIndex"].as_i64(), page["itemsPerPage"].as_i64()), (3, Some(2), Some(1)));
    assert_eq!(page["Resources"].as_array().unwrap().len(), 1);
    let page = scim.list("/Users?count=0").await;
    assert_eq!((count(&page), page["Resources"].as_array().unwrap().len()), (3, 0));
    for bad in ["userName eq", "userName zz \"x\"", "((((((((((((((((((userName pr))))))))))))))))))"] {
        let (s, v) = scim.call(Method::GET, &format!("/Users?filter={}", q(bad)), None).await;
        assert_eq!((s, v["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidFilter")), "{bad}: {v}");
    }
    let (s, v) = scim.call(Method::GET, "/Users?count=many", None).await;
    assert_eq!((s, v["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")));
    // Malformed bodies.
    let (s, v) = scim.call(Method::POST, "/Users", Some(json!({ "displayName": "No address" }))).await;
    assert_eq!((s, v["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")));
    let res = reqwest::Client::new()
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&scim.token)
        .header("content-type", "application/scim+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["scimType"], "invalidSyntax");
    // A NUL byte never reaches the store.
    // It is refused at the edge, in SCIM's error shape (a directory reads no HTML).
    let (s, v) = scim.call(Method::POST, "/Users", Some(entra_create("nul\u{0}@camden.gov.example", "x"))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!((v["schemas"][0].as_str(), v["scimType"].as_str()), (Some(stile::scim::ERROR_SCHEMA), Some("invalidValue")), "{v}");
    let (s, v) = scim.call(Method::GET, "/Users?filter=userName%20eq%20%22a%00b%22", None).await;
    assert_eq!((s, v["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")), "{v}");
    let (s, v) = scim.call(Method::PATCH, "/Users/x", Some(json!({ "Operations": [{ "op": "move" }] }))).await;
    assert_eq!((s, v["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidSyntax")));
    assert_eq!(scim.call(Method::GET, "/Nothing", None).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}
both!(filters_and_paging);

/// No token, a wrong or revoked one, a person's token, an admin client without the scim scope.
async fn authentication_failures(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (body, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let res = reqwest::Client::new().get(app.url("/scim/v2/Users")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    assert_eq!(res.json::<Value>().await.unwrap()["schemas"][0], ERROR);
    let (id, _) = scim.token.trim_start_matches("scim.").split_once('.').unwrap();
    for bad in [
        format!("scim.{id}.wrong-secret"),
        format!("scim.{id}"),
        "scim.nothing.here".to_owned(),
        "scim.".to_owned(),
        "not-a-token".to_owned(),
        su.token.clone(),
    ] {
        let s = Scim { app: &app, token: bad.clone() };
        let (status, v) = s.call(Method::GET, "/Users", None).await;
        assert!(matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN), "{bad}: {status} {v}");
        assert_eq!(v["schemas"][0], ERROR);
    }
    // The superuser API's token has no scim scope.
    let (status, _) = Scim { app: &app, token: su.token.clone() }.call(Method::GET, "/Users", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Revoked: refused at once.
    assert_eq!(scim.call(Method::GET, "/Users", None).await.0, StatusCode::OK);
    ops::revoke_token(&app.state, &AdminActor::cli(), id).await.unwrap();
    assert_eq!(scim.call(Method::GET, "/Users", None).await.0, StatusCode::UNAUTHORIZED);
    assert!(ops::revoke_token(&app.state, &AdminActor::cli(), id).await.is_err(), "already revoked");
    // A suspended body's directory is refused.
    let (_, scim2) = {
        let made = ops::create_token(&app.state, &AdminActor::cli(), &body, "").await.unwrap();
        ((), Scim { app: &app, token: made.secret.expose().to_owned() })
    };
    su.ok(Method::PATCH, &format!("/bodies/{body}"), Some(json!({ "status": "suspended" }))).await;
    assert_eq!(scim2.call(Method::GET, "/Users", None).await.0, StatusCode::FORBIDDEN);
    // The secret is stored only as a hash.
    let stored: Vec<String> = sqlx::query_scalar("select secret_hash from scim_tokens").fetch_all(app.state.db.pool()).await.unwrap();
    assert!(stored.iter().all(|h| !h.contains(&scim2.token) && h.len() == 64));
    app.finish().await;
}
both!(authentication_failures);

/// An OAuth client with client_credentials, the scim scope and a body administrator's rights
/// provisions that body (the other way to authenticate).
async fn oauth_client_provisions(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let body = create_body(&su, "Camden Council", "council", &["camden.gov.example"]).await;
    let s = stile::clients::ClientSpec {
        name: "Okta provisioning".into(),
        grant_types: vec![stile::clients::GrantType::ClientCredentials],
        scopes: vec!["scim".into()],
        redirect_uris: vec![],
        auth_method: stile::clients::AuthMethod::ClientSecretBasic,
        ..stile::clients::ClientSpec::default()
    };
    let (c, secret) = stile::clients::register(&app.state.db, s, &stile::clock::OsRandom, app.state.now()).await.unwrap();
    let secret = secret.unwrap().expose().to_owned();
    let token = |scope: &'static str| {
        let app = &app;
        let (id, secret) = (c.id.clone(), secret.clone());
        async move {
            let t: Value = reqwest::Client::new()
                .post(app.url("/token"))
                .basic_auth(&id, Some(&secret))
                .form(&[("grant_type", "client_credentials"), ("scope", scope)])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            t["access_token"].as_str().unwrap().to_owned()
        }
    };
    // Without administrative rights the client is refused.
    let scim = Scim { app: &app, token: token("scim").await };
    assert_eq!(scim.call(Method::GET, "/Users", None).await.0, StatusCode::FORBIDDEN);
    su.ok(
        Method::PUT,
        &format!("/clients/{}/admin-access", c.id),
        Some(json!({ "level": "body", "body_id": body, "permissions": ["fms:user_manage_permissions"] })),
    )
    .await;
    let v = scim.ok(Method::POST, "/Users", Some(entra_create("okta.user@camden.gov.example", "00u1"))).await;
    assert_eq!(v["userName"], "okta.user@camden.gov.example");
    app.finish().await;
}
both!(oauth_client_provisions);

/// Body A's directory cannot see, change or delete body B's users, nor create accounts in B's
/// domain; an account in both bodies keeps B when A disables it.
async fn other_bodies_are_out_of_reach(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (body_a, a) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let (body_b, bb) = council_with_token(&app, &su, "Barnet Council", "barnet.gov.example").await;
    let b_user = bb.ok(Method::POST, "/Users", Some(entra_create("bob@barnet.gov.example", "b1"))).await["id"].as_str().unwrap().to_owned();
    for (m, body) in [
        (Method::GET, None),
        (Method::PUT, Some(entra_create("bob@barnet.gov.example", "b1"))),
        (Method::PATCH, Some(patch(json!([{ "op": "replace", "path": "active", "value": false }])))),
        (Method::DELETE, None),
    ] {
        let (s, v) = a.call(m.clone(), &format!("/Users/{b_user}"), body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m}: {v}");
    }
    assert_eq!(a.list("/Users").await["totalResults"], 0);
    assert_eq!(a.list(&format!("/Users?filter={}", q("userName eq \"bob@barnet.gov.example\""))).await["totalResults"], 0);
    // Creating in another body's domain, or in a domain nobody owns, or a look-alike of its own.
    for email in ["eve@barnet.gov.example", "eve@gmail.example", "eve@camden.gov.example.evil", "eve@cаmden.gov.example"] {
        let (s, v) = a.call(Method::POST, "/Users", Some(entra_create(email, "x"))).await;
        assert!(matches!(s, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST), "{email}: {s} {v}");
    }
    // Nor moving its own user into B's domain.
    let a_user = a.ok(Method::POST, "/Users", Some(entra_create("amy@camden.gov.example", "a1"))).await["id"].as_str().unwrap().to_owned();
    let (s, _) = a
        .call(
            Method::PATCH,
            &format!("/Users/{a_user}"),
            Some(patch(json!([{ "op": "replace", "path": "userName", "value": "amy@barnet.gov.example" }]))),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A group in A may not hold B's user.
    let (s, v) = a.call(Method::POST, "/Groups", Some(json!({ "displayName": "g", "members": [{ "value": b_user }] }))).await;
    assert_eq!((s, v["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")));
    // An account of A's domain that is also a member of B: A's directory disables it in A only.
    su.ok(Method::POST, &format!("/bodies/{body_b}/members"), Some(json!({ "email": "amy@camden.gov.example" }))).await;
    let _ = a
        .ok(Method::PATCH, &format!("/Users/{a_user}"), Some(patch(json!([{ "op": "Replace", "path": "active", "value": "False" }]))))
        .await;
    assert!(membership_disabled(&app, &a_user, &body_a).await.unwrap().is_some());
    assert_eq!(membership_disabled(&app, &a_user, &body_b).await, Some(None), "B's membership is untouched");
    assert!(!user_row(&app, &a_user).await.is_disabled(), "the account still serves B");
    // And B's directory sees nothing of A's user (its address is not in B's domains).
    assert_eq!(bb.call(Method::GET, &format!("/Users/{a_user}"), None).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}
both!(other_bodies_are_out_of_reach);

/// A whole code flow with offline_access: (access token, refresh token).
pub(crate) async fn tokens_via_code(app: &TestApp, browser: &reqwest::Client, id: &str, secret: &str) -> (String, String) {
    let ch = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let url = format!(
        "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid%20offline_access&nonce=n&code_challenge={ch}&code_challenge_method=S256",
        app.base,
        url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
    );
    let r = browser.get(url).send().await.unwrap();
    let loc = location(&r);
    let code = url::Url::parse(&loc)
        .unwrap_or_else(|e| panic!("{e}: {loc}"))
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap_or_else(|| panic!("no code in {loc}"))
        .1
        .into_owned();
    let t: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CB), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        t["access_token"].as_str().unwrap().to_owned(),
        t["refresh_token"].as_str().unwrap_or_else(|| panic!("no refresh token: {t}")).to_owned(),
    )
}

pub(crate) async fn introspect_active(app: &TestApp, id: &str, secret: &str, token: &str) -> bool {
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

/// Deprovisioning ends a live session and a refresh token issued before it: the relying app
/// sees 401 at userinfo, `active: false` at introspection, a failed refresh and a back-channel
/// logout. Re-activation lets the person sign in again.
async fn deprovisioning_ends_sessions_and_tokens(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (body, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let email = "leaver@camden.gov.example";
    let id = scim.ok(Method::POST, "/Users", Some(entra_create(email, "leaver"))).await["id"].as_str().unwrap().to_owned();
    let hash = app.state.hasher.hash(&stile::secret::SecretString::new(PW)).await.unwrap();
    store::users::set_password_hash(&app.state.db, &id, &hash, app.state.now()).await.unwrap();
    store::users::set_email_verified(&app.state.db, &id, app.state.now()).await.unwrap();
    let (bc_url, mut rx) = receiver(200).await;
    let mut s = spec("Street works app");
    s.backchannel_logout_uri = Some(bc_url);
    let (client_id, secret) = register(&app, s).await;
    let secret = secret.unwrap();
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, email, PW).await.status(), 303);
    let (at, rt) = tokens_via_code(&app, &browser, &client_id, &secret).await;
    let userinfo = |at: String| {
        let app = &app;
        async move { reqwest::Client::new().get(app.url("/userinfo")).bearer_auth(at).send().await.unwrap().status() }
    };
    assert_eq!(userinfo(at.clone()).await, StatusCode::OK);
    assert!(introspect_active(&app, &client_id, &secret, &rt).await);
    // The access token names the body.
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(at.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert!(claims.to_string().contains(&body), "{claims}");

    scim.ok(Method::PATCH, &format!("/Users/{id}"), Some(patch(json!([{ "op": "Replace", "path": "active", "value": "False" }])))).await;

    assert_eq!(userinfo(at.clone()).await, StatusCode::UNAUTHORIZED);
    assert!(!introspect_active(&app, &client_id, &secret, &rt).await);
    assert!(!introspect_active(&app, &client_id, &secret, &at).await);
    let res = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let logout = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    let lc: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(logout.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(lc["sub"], id.as_str());
    assert_eq!(browser.get(app.url("/account")).send().await.unwrap().status(), 303, "the browser session is over");
    // A disabled account cannot sign in again.
    let fresh = app.browser();
    assert_ne!(app.sign_in(&fresh, email, PW).await.status(), 303);

    // Re-activated: signs in, and the token names the body again.
    scim.ok(Method::PATCH, &format!("/Users/{id}"), Some(patch(json!([{ "op": "Replace", "path": "active", "value": "True" }])))).await;
    assert_eq!(app.sign_in(&fresh, email, PW).await.status(), 303);
    let (at, _) = tokens_via_code(&app, &fresh, &client_id, &secret).await;
    assert_eq!(userinfo(at.clone()).await, StatusCode::OK);
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(at.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert!(claims.to_string().contains(&body), "{claims}");
    app.finish().await;
}
both!(deprovisioning_ends_sessions_and_tokens);

/// A member of two bodies disabled by one directory keeps signing in; their tokens name only the
/// other body.
async fn disabled_membership_leaves_the_token(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (body_a, a) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let body_b = create_body(&su, "Barnet Council", "council", &["barnet.gov.example"]).await;
    let email = "both@camden.gov.example";
    let id = a.ok(Method::POST, "/Users", Some(entra_create(email, "both"))).await["id"].as_str().unwrap().to_owned();
    su.ok(Method::POST, &format!("/bodies/{body_b}/members"), Some(json!({ "email": email }))).await;
    a.ok(Method::PATCH, &format!("/Users/{id}"), Some(patch(json!([{ "op": "replace", "path": "active", "value": false }])))).await;
    let user = user_row(&app, &id).await;
    let (client_id, _) = register(&app, spec("Reader")).await;
    let client = stile::clients::Client::from_row(store::clients::by_id(&app.state.db, &client_id).await.unwrap().unwrap()).unwrap();
    let claims = stile::tokens::claims::authorisation(&app.state.db, &user, &client).await.unwrap();
    let s = Value::Object(claims).to_string();
    assert!(s.contains(&body_b) && !s.contains(&body_a), "{s}");
    // The admin view marks the membership.
    let detail = stile::admin::ops::users::show(&app.state, &AdminActor::cli(), &id).await.unwrap();
    let m = detail.memberships.iter().find(|m| m.body_id == body_a).unwrap();
    assert!(m.disabled);
    app.finish().await;
}
both!(disabled_membership_leaves_the_token);

/// Groups: Entra creates a group, adds and removes members; the SSO connection's mapping gives
/// and takes its role; an unmapped group is kept; members.value filters.
async fn groups_map_to_roles(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (body, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let role = su.ok(Method::POST, &format!("/bodies/{body}/roles"), Some(json!({ "name": "Area Inspectors", "permissions": [] }))).await;
    let role_id = role["id"].as_str().unwrap().to_owned();
    su.ok(
        Method::POST,
        "/connections",
        Some(json!({
            "kind": "oidc", "name": "Camden Entra", "body_id": body,
            "issuer": "https://login.example.org/tenant/v2.0", "client_id": "stile-camden", "client_secret": "s3cret-value-xyz",
            "domains": ["camden.gov.example"], "mode": "offered",
            "group_roles": [{ "group": "Highway Inspectors", "role": "Area Inspectors" }],
        })),
    )
    .await;
    let u1 = scim.ok(Method::POST, "/Users", Some(entra_create("one@camden.gov.example", "1"))).await["id"].as_str().unwrap().to_owned();
    let u2 = scim.ok(Method::POST, "/Users", Some(entra_create("two@camden.gov.example", "2"))).await["id"].as_str().unwrap().to_owned();
    let roles_of = |user: String| {
        let app = &app;
        let body = body.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "select mr.role_id from membership_roles mr join memberships m on m.id = mr.membership_id where m.user_id = $1 and m.body_id = $2",
            )
            .bind(user)
            .bind(body)
            .fetch_all(app.state.db.pool())
            .await
            .unwrap()
        }
    };
    // Entra: look up, create (no members), then PATCH members in.
    assert_eq!(scim.list(&format!("/Groups?filter={}", q("displayName eq \"Highway Inspectors\""))).await["totalResults"], 0);
    let (s, g) = scim.call(Method::POST, "/Groups", Some(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "externalId": "g-oid", "displayName": "Highway Inspectors", "members": [] }))).await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    scim.ok(
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(patch(json!([{ "op": "Add", "path": "members", "value": [{ "value": u1 }, { "value": u2 }] }]))),
    )
    .await;
    assert_eq!(roles_of(u1.clone()).await, vec![role_id.clone()]);
    assert_eq!(roles_of(u2.clone()).await, vec![role_id.clone()]);
    let v = scim.list(&format!("/Groups?filter={}", q(&format!("members.value eq \"{u1}\"")))).await;
    assert_eq!(v["totalResults"], 1);
    let v = scim.list(&format!("/Groups?filter={}&excludedAttributes=members", q("displayName eq \"Highway Inspectors\""))).await;
    assert!(v["Resources"][0].get("members").is_none());
    let user = scim.ok(Method::GET, &format!("/Users/{u1}"), None).await;
    assert_eq!(user["groups"][0]["value"], gid.as_str());
    // Entra's two remove shapes.
    scim.ok(
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(patch(json!([{ "op": "Remove", "path": "members", "value": [{ "value": u1 }] }]))),
    )
    .await;
    assert!(roles_of(u1.clone()).await.is_empty());
    scim.ok(
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(patch(json!([{ "op": "remove", "path": format!("members[value eq \"{u2}\"]") }]))),
    )
    .await;
    assert!(roles_of(u2.clone()).await.is_empty());
    // An unmapped group is kept, and a rename to a mapped name applies the mapping.
    let other = scim.ok(Method::POST, "/Groups", Some(json!({ "displayName": "Parking", "members": [{ "value": u1 }] }))).await;
    let oid = other["id"].as_str().unwrap().to_owned();
    assert!(roles_of(u1.clone()).await.is_empty());
    scim.ok(
        Method::PATCH,
        &format!("/Groups/{oid}"),
        Some(patch(json!([{ "op": "Replace", "path": "displayName", "value": "Highway Inspectors" }]))),
    )
    .await;
    assert_eq!(roles_of(u1.clone()).await, vec![role_id.clone()]);
    // Deleting the group takes the role away.
    assert_eq!(scim.call(Method::DELETE, &format!("/Groups/{oid}"), None).await.0, StatusCode::NO_CONTENT);
    assert!(roles_of(u1.clone()).await.is_empty());
    assert_eq!(scim.call(Method::GET, &format!("/Groups/{oid}"), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(scim.list("/Groups").await["totalResults"], 1);
    app.finish().await;
}
both!(groups_map_to_roles);

/// The discovery endpoints.
async fn discovery(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (_, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let spc = scim.ok(Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["filter"]["supported"], true);
    assert_eq!(spc["bulk"]["supported"], false);
    let rt = scim.ok(Method::GET, "/ResourceTypes", None).await;
    assert_eq!(rt["totalResults"], 2);
    assert_eq!(scim.ok(Method::GET, "/ResourceTypes/User", None).await["schemaExtensions"][0]["schema"], ENTERPRISE);
    let schemas = scim.ok(Method::GET, "/Schemas", None).await;
    assert_eq!(schemas["totalResults"], 3);
    assert_eq!(scim.ok(Method::GET, &format!("/Schemas/{USER_SCHEMA}"), None).await["name"], "User");
    assert_eq!(scim.call(Method::GET, "/Schemas/urn:nothing", None).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}
both!(discovery);

/// A connection lost between the deactivation's statements leaves the member active with their
/// session; the retry deactivates.
async fn lost_connection_mid_deactivation(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (body, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let email = "fault@camden.gov.example";
    let id = scim.ok(Method::POST, "/Users", Some(entra_create(email, "f"))).await["id"].as_str().unwrap().to_owned();
    let hash = app.state.hasher.hash(&stile::secret::SecretString::new(PW)).await.unwrap();
    store::users::set_password_hash(&app.state.db, &id, &hash, app.state.now()).await.unwrap();
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, email, PW).await.status(), 303);
    app.state.db.inject_fault("scim_user:written");
    let off = patch(json!([{ "op": "replace", "path": "active", "value": false }]));
    let (s, _) = scim.call(Method::PATCH, &format!("/Users/{id}"), Some(off.clone())).await;
    assert!(s.is_server_error(), "{s}");
    assert_eq!(membership_disabled(&app, &id, &body).await, Some(None), "nothing half-written");
    assert!(!user_row(&app, &id).await.is_disabled());
    assert_eq!(browser.get(app.url("/account")).send().await.unwrap().status(), 200, "the session lives on");
    tokio::time::sleep(Duration::from_millis(100)).await;
    scim.ok(Method::PATCH, &format!("/Users/{id}"), Some(off)).await;
    assert!(membership_disabled(&app, &id, &body).await.unwrap().is_some());
    assert_eq!(browser.get(app.url("/account")).send().await.unwrap().status(), 303);
    app.finish().await;
}
both!(lost_connection_mid_deactivation);

/// 60 parallel creates of distinct users and 20 of the same one: every distinct one made once,
/// the same one once with the rest refused as conflicts, never a 5xx.
async fn parallel_creates(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (_, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    let mut tasks = Vec::new();
    for n in 0..60 {
        let (url, token) = (app.url("/scim/v2/Users"), scim.token.clone());
        let email = if n < 40 { format!("p{n}@camden.gov.example") } else { "same@camden.gov.example".to_owned() };
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/scim+json")
                .body(entra_create(&email, &format!("e{n}")).to_string())
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 41, "{statuses:?}");
    assert_eq!(scim.list("/Users?count=200").await["totalResults"], 41);
    app.finish().await;
}
both!(parallel_creates);

/// `stile scim token-add`, `status` and `token-revoke`, against a running server's database.
async fn command_line(b: Backend) {
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    create_body(&su, "Camden Council", "council", &["camden.gov.example"]).await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_stile"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("STILE__DATA_DIR", app.db.dir.path())
            .env("STILE__DATABASE__URL", &app.db.url)
            .env("STILE__SERVER__ISSUER", &app.base)
            .env("STILE__LOG__FILTER", "warn")
            .output()
            .unwrap()
    };
    let out = run(&["scim", "token-add", "Camden Council", "--label", "Entra ID"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let secret = text.lines().find_map(|l| l.strip_prefix("Secret token: ")).unwrap().trim().to_owned();
    assert!(text.contains(&app.url("/scim/v2")));
    let scim = Scim { app: &app, token: secret.clone() };
    assert_eq!(scim.call(Method::GET, "/Users", None).await.0, StatusCode::OK);
    let out = run(&["scim", "status", "Camden Council"]);
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(status.contains("Entra ID") && !status.contains(&secret), "{status}");
    let token_id = secret.trim_start_matches("scim.").split_once('.').unwrap().0.to_owned();
    let out = run(&["scim", "token-revoke", &token_id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(scim.call(Method::GET, "/Users", None).await.0, StatusCode::UNAUTHORIZED);
    let out = run(&["scim", "token-add", "No Such Council"]);
    assert!(!out.status.success());
    app.finish().await;
}
both!(command_line);

/// An independent SCIM client: scim2-tester (tests/scim_conformance.py, pinned in
/// tests/requirements.txt) runs every check it has against a live Stile; any exclusion is listed
/// with its reason in that script.
async fn scim2_tester_conformance(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let (_, scim) = council_with_token(&app, &su, "Camden Council", "camden.gov.example").await;
    crate::harness::outside_peer("Python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scim_conformance.py");
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .arg(app.url("/scim/v2"))
        .arg("camden.gov.example")
        .env("SCIM_TOKEN", &scim.token)
        .env("NO_COLOR", "1")
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): python3 -m pip install -r tests/requirements.txt"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scim2-tester found failures:\n{stdout}\n{stderr}");
    let passed: u32 = stdout
        .lines()
        .find_map(|l| l.split_once(" passed, ").map(|(n, _)| n.trim().to_owned()))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no closing count:\n{stdout}"));
    assert!(passed >= 20, "scim2-tester passed only {passed} checks:\n{stdout}");
    eprintln!("scim2-tester: {}", stdout.lines().last().unwrap_or_default());
    app.finish().await;
}
both!(scim2_tester_conformance);

/// The body page shows provisioning (last sync, counts, tokens) and revokes a token; making one
/// asks a person for a recent second factor first.
async fn body_page(b: Backend) {
    let app = TestApp::start(b).await;
    crate::harness::insert_council(&app, "camden", "Camden Council", Some("camden.gov.example")).await;
    let made = ops::create_token(&app.state, &AdminActor::cli(), "camden", "Entra ID").await.unwrap();
    // The council's staff manager (superusers must enrol a second factor before any page).
    let admin = app.create_user("manager@camden.gov.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-admin", &admin.id, "camden", app.state.now()).await.unwrap();
    store::memberships::add_permission(&app.state.db, "m-admin", "fms:user_manage_permissions").await.unwrap();
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "manager@camden.gov.example", PW).await.status(), 303);
    let page = browser.get(app.url("/admin/bodies/camden")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Provisioning (SCIM)") && page.contains("Entra ID") && page.contains("/scim/v2"), "{page}");
    assert!(!page.contains(made.secret.expose()), "the secret is never shown again");
    let csrf = crate::harness::csrf_in(&page).unwrap();
    let res = browser
        .post(app.url("/admin/bodies/camden/scim/tokens/revoke"))
        .form(&[("csrf", csrf.as_str()), ("token_id", made.token.id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("done=scim-token-revoked"));
    assert!(store::scim::token(&app.state.db, &made.token.id).await.unwrap().unwrap().revoked_at.is_some());
    // Making a token needs step-up: the manager has no second factor, so nothing is made.
    let res =
        browser.post(app.url("/admin/bodies/camden/scim/tokens")).form(&[("csrf", csrf.as_str()), ("label", "Okta")]).send().await.unwrap();
    assert_eq!(res.status(), 303, "sent to set up or enter a second factor");
    assert_eq!(store::scim::tokens_of_body(&app.state.db, "camden").await.unwrap().len(), 1);
    app.finish().await;
}
both!(body_page);

/// Making a token in the admin UI is POST-redirect-GET: the secret is on the page redirected to
/// (never in its URL), once, and a reload of that page makes no second token.
async fn ui_token_is_shown_once(b: Backend) {
    let app = TestApp::start(b).await;
    crate::harness::insert_council(&app, "camden", "Camden Council", Some("camden.gov.example")).await;
    let (browser, _, _) = crate::step_up::superuser_browser(&app, "root@stile.example").await;
    let page = browser.get(app.url("/admin/bodies/camden")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::harness::csrf_in(&page).unwrap();
    let res =
        browser.post(app.url("/admin/bodies/camden/scim/tokens")).form(&[("csrf", csrf.as_str()), ("label", "Okta")]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert_eq!(to, "/admin/bodies/camden?done=scim-token-created");
    let tokens = store::scim::tokens_of_body(&app.state.db, "camden").await.unwrap();
    assert_eq!(tokens.len(), 1);
    let page = browser.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    let secret = page.split("<code id=\"scim-secret\">").nth(1).expect("the secret is shown").split("</code>").next().unwrap().to_owned();
    assert!(secret.starts_with(&format!("scim.{}.", tokens[0].id)), "{secret}");
    let scim = Scim { app: &app, token: secret.clone() };
    assert_eq!(scim.call(Method::GET, "/Users", None).await.0, StatusCode::OK, "the secret shown is the one stored");
    // A reload: the secret is not shown again and nothing more is made.
    let again = browser.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains(&secret) && !again.contains("id=\"scim-secret\""), "{again}");
    assert_eq!(store::scim::tokens_of_body(&app.state.db, "camden").await.unwrap().len(), 1);
    app.finish().await;
}
both!(ui_token_is_shown_once);
