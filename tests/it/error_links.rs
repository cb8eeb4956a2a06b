//! Every link in an error summary lands on an element of the page (GOV.UK error summary): the
//! problems that belong to no input of their own (`client`: a public app has no secret to rotate;
//! `kind`: a connection's kind cannot change) and the connection page's `client_secret`, whose
//! input on a saved connection is the "new client secret" form's.

use crate::harness::{Backend, TestApp, csrf_in, location};

/// Each `href="#id"` in the page's error summary names an element on the page; returns them.
pub fn summary_links_land(page: &str) -> Vec<String> {
    let summary = page.split("class=\"error-summary\"").nth(1).expect("an error summary").split("</div>").next().unwrap();
    let targets: Vec<String> = summary.split("href=\"#").skip(1).map(|rest| rest.split('"').next().unwrap().to_owned()).collect();
    for t in &targets {
        assert!(page.contains(&format!("id=\"{t}\"")), "the summary links to #{t}, which is not on the page: {page}");
    }
    targets
}

#[tokio::test]
async fn error_summary_links_land_on_the_page() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (council, _) = crate::admin_ui::council_with_admin(&app).await;
    let c = crate::sso_admin::superuser_browser(&app).await;
    let page = c.get(app.url("/admin/clients/new")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();

    // A public app's secret cannot be rotated: a problem with the app, shown where it links.
    let r = c
        .post(app.url("/admin/clients/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", "mobile"),
            ("name", "Mobile"),
            ("redirect_uris", "https://mobile.example/cb"),
            ("grant_types", "authorization_code"),
            ("scopes", "openid"),
            ("token_endpoint_auth_method", "none"),
            ("id_token_signing_alg", "RS256"),
            ("require_pkce", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = c.post(app.url("/admin/clients/mobile/rotate")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert_eq!(summary_links_land(&page), ["client"]);
    assert!(
        page.contains(
            "id=\"client\">This client has no secret to rotate: it is public, or authenticates with its own key (private_key_jwt)."
        ),
        "{page}"
    );

    // A new OIDC connection without its secret: the link lands on the secret's input.
    let oidc = |secret: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "oidc".to_owned()),
            ("name", "Camden".to_owned()),
            ("body_id", council.clone()),
            ("issuer", "https://login.example.org/tenant/v2.0".to_owned()),
            ("client_id", "stile".to_owned()),
            ("client_secret", secret.to_owned()),
            ("scopes", "email profile".to_owned()),
            ("domains", "camden.gov.example".to_owned()),
            ("mode", "offered".to_owned()),
            ("email_claim", "email".to_owned()),
            ("name_claim", "name".to_owned()),
            ("groups_claim", "groups".to_owned()),
        ]
    };
    let r = c.post(app.url("/admin/connections/new")).form(&oidc("")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(summary_links_land(&r.text().await.unwrap()), ["client_secret"]);
    let r = c.post(app.url("/admin/connections/new")).form(&oidc("upstream-secret-1")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let id = location(&r).trim_start_matches("/admin/connections/").split('?').next().unwrap().to_owned();

    // On the saved connection, an empty new secret: the link lands on the new secret's input.
    let r = c
        .post(app.url(&format!("/admin/connections/{id}/secret")))
        .form(&[("csrf", csrf.as_str()), ("client_secret", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert_eq!(summary_links_land(&page), ["new_client_secret"]);
    assert!(page.contains("id=\"new-secret-error\""), "the field shows the message too");

    // A SAML-only change to an OIDC connection: a problem with its kind, which has no input of
    // its own (a hidden field), so the message has its own element to land on.
    let mut saml = oidc("");
    saml.retain(|(k, _)| *k != "client_secret");
    if let Some(kind) = saml.iter_mut().find(|(k, _)| *k == "kind") {
        kind.1 = "saml".to_owned();
    }
    let r = c.post(app.url(&format!("/admin/connections/{id}"))).form(&saml).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert_eq!(summary_links_land(&page), ["kind"]);
    assert!(page.contains("<p class=\"field-error\" id=\"kind\">"), "the message is where the link lands: {page}");
    app.finish().await;
}
