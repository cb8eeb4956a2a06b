//! The language of a sign-in that a relying app asks for in a pushed authorization request
//! (RFC 9126): the `ui_locales` it pushed chooses the pages, as a query's would; and a refused
//! authorization request leaves the language as it was.

use crate::both;
use crate::harness::{Backend, TestApp, lang_of, location};
use crate::oidc::{CB, register, spec};

fn ui_locales_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("stile_ui_locales=") || c.starts_with("__Host-stile_ui_locales="))
}

async fn push(app: &TestApp, id: &str, secret: &str, ui_locales: &str) -> String {
    let form = [
        ("response_type", "code"),
        ("client_id", id),
        ("redirect_uri", CB),
        ("scope", "openid"),
        ("state", "s1"),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        ("code_challenge_method", "S256"),
        ("ui_locales", ui_locales),
    ];
    let r = reqwest::Client::new().post(app.url("/par")).basic_auth(id, Some(secret)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    body["request_uri"].as_str().unwrap().to_owned()
}

fn authorize(id: &str, request_uri: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("/authorize?client_id={}&request_uri={}", enc(id), enc(request_uri))
}

async fn pushed_ui_locales_chooses_the_language(b: Backend) {
    let app = TestApp::start(b).await;
    let (id, secret) = register(&app, spec("Street works")).await;
    let secret = secret.unwrap();

    // Welsh pushed, an English browser: the sign-in's pages are Welsh.
    let c = app.browser();
    let uri = push(&app, &id, &secret, "cy-GB en").await;
    let r = c.get(app.url(&authorize(&id, &uri))).header("accept-language", "en-GB").send().await.unwrap();
    assert_eq!(r.status(), 303);
    let cookie = ui_locales_cookie(&r).expect("the pushed language is kept for the sign-in");
    assert!(cookie.contains("=cy;"), "{cookie}");
    let next = location(&r);
    let html = c.get(app.url(&next)).header("accept-language", "en-GB").send().await.unwrap().text().await.unwrap();
    assert_eq!(lang_of(&html), "cy", "{html}");
    assert!(html.contains("Mewngofnodi"), "{html}");

    // The next pushed request, without ui_locales, clears it: English again.
    let uri = push(&app, &id, &secret, "fr").await;
    let r = c.get(app.url(&authorize(&id, &uri))).header("accept-language", "en-GB").send().await.unwrap();
    assert_eq!(r.status(), 303);
    let cookie = ui_locales_cookie(&r).expect("the kept language is cleared");
    assert!(cookie.contains("Max-Age=0") || cookie.contains("=;"), "{cookie}");
    let html = c.get(app.url(&location(&r))).header("accept-language", "en-GB").send().await.unwrap().text().await.unwrap();
    assert_eq!(lang_of(&html), "en-GB", "{html}");
    app.finish().await;
}
both!(pushed_ui_locales_chooses_the_language);

/// An authorization request refused with a 400 (here, for an unknown client) does not keep its
/// ui_locales, nor clear one kept for a sign-in under way.
async fn refused_authorize_keeps_the_language(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.browser();
    let r = c.get(app.url("/authorize?client_id=nobody&response_type=code&ui_locales=cy")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(ui_locales_cookie(&r), None);
    // The refusal itself is in the language asked for.
    let html = r.text().await.unwrap();
    assert_eq!(lang_of(&html), "cy", "{html}");
    assert!(html.contains("Nid yw’r rhaglen sy’n gofyn i chi fewngofnodi wedi’i chofrestru yma."), "{html}");
    assert!(!html.contains("is not registered here"), "{html}");
    let r = c.get(app.url("/authorize?client_id=nobody&response_type=code&ui_locales=cy&ui_locales=en")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(ui_locales_cookie(&r), None);
    app.finish().await;
}
both!(refused_authorize_keeps_the_language);

/// The sign-out endpoint's refusals are in the page's language too.
async fn end_session_refusal_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.browser();
    c.get(app.url("/language?lang=cy&next=/")).send().await.unwrap();
    let r = c.get(app.url("/end_session?post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert_eq!(lang_of(&html), "cy", "{html}");
    assert!(html.contains("Mae angen id_token_hint neu client_id ar gyfeiriad ar ôl allgofnodi"), "{html}");
    // In English, the words are as they were.
    let r = app.browser().get(app.url("/end_session?post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye")).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("A post-logout address needs id_token_hint or client_id to say which application asks."), "{html}");
    app.finish().await;
}
both!(end_session_refusal_in_welsh);
