//! The OpenID Provider, driven by an independent relying-party library (openidconnect) and by
//! hand where the library does not go (form_post, negative cases).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope,
    TokenResponse,
};
use serde_json::Value;
use stile::clients::{AuthMethod, ClientSpec, GrantType};
use stile::clock::OsRandom;
use stile::tokens::keys::Alg;

use crate::both;
use crate::harness::{Backend, TestApp, location};

pub const PW: &str = "correct horse battery";
pub const CB: &str = "http://127.0.0.1:9/callback";

pub fn spec(name: &str) -> ClientSpec {
    ClientSpec {
        id: None,
        name: name.into(),
        redirect_uris: vec![CB.into()],
        post_logout_redirect_uris: vec!["http://127.0.0.1:9/bye".into()],
        backchannel_logout_uri: None,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "profile".into(), "email".into(), "offline_access".into()],
        auth_method: AuthMethod::ClientSecretBasic,
        id_token_alg: Alg::RS256,
        permission_namespaces: vec!["fms".into()],
        body_id: None,
        id_token_claims: vec![],
        access_token_audience: None,
        first_party: true,
        require_pkce: true,
        require_mfa: false,
        require_phr: false,
        jwks: None,
        jwks_uri: None,
        require_par: false,
        require_dpop: false,
    }
}

pub async fn register(app: &TestApp, spec: ClientSpec) -> (String, Option<String>) {
    let (c, secret) = stile::clients::register(&app.state.db, spec, &OsRandom, app.state.now()).await.unwrap();
    (c.id.clone(), secret.map(|s| s.expose().to_owned()))
}

pub fn rp_http() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::ClientBuilder::new().redirect(openidconnect::reqwest::redirect::Policy::none()).build().unwrap()
}

pub fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

pub fn header(jwt: &str) -> Value {
    let part = jwt.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Follows the browser from an authorization URL through sign-in to the client's callback and
/// returns the callback's query parameters.
pub async fn browse_to_callback(app: &TestApp, browser: &reqwest::Client, auth_url: &str, email: &str) -> Vec<(String, String)> {
    let mut url = auth_url.to_owned();
    for _ in 0..6 {
        let r = browser.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 303, "at {url}: {}", r.text().await.unwrap_or_default());
        let loc = location(&r);
        if loc.starts_with(CB) || loc.starts_with("http://127.0.0.1:9/") {
            let u = url::Url::parse(&loc).unwrap();
            return u.query_pairs().into_owned().collect();
        }
        if loc.starts_with("/login") {
            let next =
                url::Url::parse(&app.url(&loc)).unwrap().query_pairs().find(|(k, _)| k == "next").map(|(_, v)| v.into_owned()).unwrap();
            let r = app.sign_in_next(browser, email, PW, &next).await;
            assert_eq!(r.status(), 303);
            url = app.url(&location(&r));
            continue;
        }
        url = if loc.starts_with('/') { app.url(&loc) } else { loc };
    }
    panic!("too many redirects");
}

fn get<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.as_str())
}

async fn rp_client(
    app: &TestApp,
    id: &str,
    secret: Option<&str>,
) -> (
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    openidconnect::reqwest::Client,
) {
    let http = rp_http();
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).unwrap(), &http).await.unwrap();
    let client = CoreClient::from_provider_metadata(meta, ClientId::new(id.into()), secret.map(|s| ClientSecret::new(s.into())))
        .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap());
    (client, http)
}

async fn full_flow_with_rp_library(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("ada@camden.gov.uk", Some(PW)).await;
    stile::store::users::set_name(&app.state.db, &user.id, "Ada Lovelace", app.state.now()).await.unwrap();
    let (id, secret) = register(&app, spec("Relying App")).await;
    let (client, http) = rp_client(&app, &id, secret.as_deref()).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf_state, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browser = app.browser();
    let q = browse_to_callback(&app, &browser, auth_url.as_str(), "ada@camden.gov.uk").await;
    assert_eq!(get(&q, "state"), Some(csrf_state.secret().as_str()));
    assert_eq!(get(&q, "iss"), Some(app.base.as_str()));
    let code = get(&q, "code").unwrap().to_owned();
    let tokens =
        client.exchange_code(AuthorizationCode::new(code)).unwrap().set_pkce_verifier(verifier).request_async(&http).await.unwrap();
    let id_token = tokens.id_token().unwrap();
    let claims = id_token.claims(&client.id_token_verifier(), &nonce).unwrap();
    assert_eq!(claims.subject().as_str(), user.id);
    assert_eq!(claims.email().unwrap().as_str(), "ada@camden.gov.uk");
    assert_eq!(claims.name().unwrap().get(None).unwrap().as_str(), "Ada Lovelace");
    assert_eq!(claims.family_name().unwrap().get(None).unwrap().as_str(), "Lovelace");
    assert!(claims.auth_time().is_some());
    let raw = payload(&id_token.to_string());
    assert!(raw["aud"].is_string(), "single-string aud");
    assert_eq!(raw["amr"], serde_json::json!(["pwd"]));
    assert!(raw["sid"].is_string());
    assert!(raw["bodies"].is_array());
    assert_eq!(header(&id_token.to_string())["alg"], "RS256");
    // The access token is an RFC 9068 JWT.
    let at = tokens.access_token().secret().clone();
    assert_eq!(header(&at)["typ"], "at+jwt");
    let atp = payload(&at);
    assert_eq!(atp["client_id"], id.as_str());
    assert_eq!(atp["aud"], id.as_str());
    assert_eq!(atp["sub"], user.id.as_str());
    assert!(atp["scope"].as_str().unwrap().contains("email"));
    // UserInfo through the library.
    let info: openidconnect::core::CoreUserInfoClaims =
        client.user_info(tokens.access_token().clone(), None).unwrap().request_async(&http).await.unwrap();
    assert_eq!(info.email().unwrap().as_str(), "ada@camden.gov.uk");
    // Refresh rotates.
    let rt = tokens.refresh_token().unwrap().clone();
    let refreshed = client.exchange_refresh_token(&rt).unwrap().request_async(&http).await.unwrap();
    let rt2 = refreshed.refresh_token().unwrap().clone();
    assert_ne!(rt.secret(), rt2.secret());
    // Introspection (RFC 7662) with client_secret_basic.
    let intro = |tok: String| {
        let c = reqwest::Client::new();
        let url = app.url("/introspect");
        let (id, secret) = (id.clone(), secret.clone().unwrap());
        async move { c.post(url).basic_auth(id, Some(secret)).form(&[("token", tok)]).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let i = intro(refreshed.access_token().secret().clone()).await;
    assert_eq!(i["active"], true);
    assert_eq!(i["sub"], user.id.as_str());
    assert_eq!(intro(rt2.secret().clone()).await["active"], true);
    assert_eq!(intro(rt.secret().clone()).await["active"], false, "a rotated refresh token is no longer active");
    // Revocation (RFC 7009) of the refresh token revokes the grant and its access tokens.
    let r = reqwest::Client::new()
        .post(app.url("/revoke"))
        .basic_auth(&id, secret.as_deref())
        .form(&[("token", rt2.secret().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(intro(rt2.secret().clone()).await["active"], false);
    assert_eq!(intro(refreshed.access_token().secret().clone()).await["active"], false);
    let err: Result<openidconnect::core::CoreUserInfoClaims, _> =
        client.user_info(refreshed.access_token().clone(), None).unwrap().request_async(&http).await;
    assert!(err.is_err());
    assert!(client.exchange_refresh_token(&rt2).unwrap().request_async(&http).await.is_err());
    // RP-initiated logout with id_token_hint and a registered post-logout URI.
    let logout = format!(
        "{}/end_session?id_token_hint={}&post_logout_redirect_uri={}&state=xyz",
        app.base,
        id_token,
        url::form_urlencoded::byte_serialize(b"http://127.0.0.1:9/bye").collect::<String>()
    );
    let r = browser.get(&logout).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "http://127.0.0.1:9/bye?state=xyz");
    assert_eq!(browser.get(app.url("/account")).send().await.unwrap().status(), 303);
    app.finish().await;
}
both!(full_flow_with_rp_library);

/// FixMyStreet's profile: form_post, client_secret_post, scope=openid, claims in the ID token.
async fn fixmystreet_profile(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("inspector@camden.gov.uk", Some(PW)).await;
    stile::store::users::set_name(&app.state.db, &user.id, "Ian Spector", app.state.now()).await.unwrap();
    let now = app.state.now();
    let domains: Vec<String> = vec![];
    stile::store::bodies::insert(
        &app.state.db,
        &stile::store::bodies::NewBody {
            id: "camden",
            name: "Camden Council",
            kind: "council",
            fms_body_id: Some("2504"),
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
        format!("role{n}")
    };
    let roles = stile::store::catalogue::copy_templates_into_body(&app.state.db, "camden", "council", &mut ids, now).await.unwrap();
    let inspectors = stile::store::catalogue::roles_of_body(&app.state.db, "camden")
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "Inspectors")
        .unwrap();
    assert_eq!(roles.len(), 4);
    stile::store::memberships::add(&app.state.db, "m1", &user.id, "camden", now).await.unwrap();
    stile::store::memberships::add_role(&app.state.db, "m1", &inspectors.id).await.unwrap();
    stile::store::memberships::set_workstream(&app.state.db, "m1", "001", "full_write").await.unwrap();
    stile::store::memberships::add_area(&app.state.db, "m1", "2504").await.unwrap();
    let mut s = spec("FixMyStreet");
    s.auth_method = AuthMethod::ClientSecretPost;
    s.require_pkce = false;
    s.body_id = Some("camden".into());
    s.id_token_claims = vec!["email".into(), "name".into(), "roles".into()];
    let (id, secret) = register(&app, s).await;
    let secret = secret.unwrap();
    let browser = app.browser();
    assert_eq!(app.sign_in(&browser, "inspector@camden.gov.uk", PW).await.status(), 303);
    let auth = format!(
        "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid&state=st8&nonce=n0nce&response_mode=form_post",
        app.base,
        url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
    );
    let r = browser.get(&auth).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("form-action http://127.0.0.1:9"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("action=\"{CB}\"")));
    let field = |name: &str| {
        let m = format!("name=\"{name}\" value=\"");
        let s = html.find(&m).unwrap() + m.len();
        html[s..s + html[s..].find('"').unwrap()].to_owned()
    };
    assert_eq!(field("state"), "st8");
    let code = field("code");
    let res: Value = reqwest::Client::new()
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let idt = payload(res["id_token"].as_str().unwrap());
    assert_eq!(idt["aud"], id.as_str());
    assert_eq!(idt["nonce"], "n0nce");
    assert_eq!(idt["email"], "inspector@camden.gov.uk");
    assert_eq!(idt["name"], "Ian Spector");
    assert_eq!(idt["roles"], serde_json::json!(["Inspectors"]));
    let body = &idt["bodies"][0];
    assert_eq!(body["name"], "Camden Council");
    assert_eq!(body["kind"], "council");
    assert!(body["permissions"].as_array().unwrap().iter().any(|p| p == "fms:report_inspect"));
    assert!(body["permissions"].as_array().unwrap().iter().all(|p| p.as_str().unwrap().starts_with("fms:")));
    assert_eq!(body["workstreams"], serde_json::json!([{"prefix": "001", "access": "full_write"}]));
    assert_eq!(body["areas"], serde_json::json!(["2504"]));
    assert!(res.get("refresh_token").is_some());
    // The ID token verifies with the published keys, via the independent library.
    let http = rp_http();
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).unwrap(), &http).await.unwrap();
    let client = CoreClient::from_provider_metadata(meta, ClientId::new(id.clone()), Some(ClientSecret::new(secret.clone())));
    let tok: openidconnect::core::CoreIdToken = serde_json::from_value(res["id_token"].clone()).unwrap();
    tok.claims(&client.id_token_verifier(), &Nonce::new("n0nce".into())).unwrap();
    // Wrong nonce is refused by the RP.
    assert!(tok.claims(&client.id_token_verifier(), &Nonce::new("other".into())).is_err());
    app.finish().await;
}
both!(fixmystreet_profile);
