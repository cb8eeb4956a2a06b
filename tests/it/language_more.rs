//! Welsh beyond the admin console (issue 18): the refusals of the invitation and welcome pages,
//! which admin::ops words in English, said in Welsh.

use reqwest::StatusCode;
use stile::store;

use crate::admin_ui::{PW, council_with_admin};
use crate::both;
use crate::harness::{Backend, TestApp};
use crate::people::{add_with_welcome, admin_browser, mails_to};

/// A browser whose Accept-Language asks for Welsh.
pub(crate) fn welsh_browser() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept-language", reqwest::header::HeaderValue::from_static("cy"));
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).default_headers(headers).build().unwrap()
}

fn assert_welsh_page(html: &str, welsh: &str, english: &str) {
    assert!(html.contains("<html lang=\"cy\""), "{html}");
    assert!(html.contains(welsh), "{welsh:?} missing: {html}");
    assert!(!html.contains(english), "English {english:?} on a Welsh page: {html}");
}

async fn accept(app: &TestApp, c: &reqwest::Client, t: &str) -> (StatusCode, String) {
    let csrf = app.csrf(c, "/account").await;
    let r = c.post(app.url("/invitations/accept")).form(&[("csrf", csrf.as_str()), ("t", t)]).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// An invitation accepted in Welsh: by the wrong account, after the inviter lost the right to
/// give it, and a second time: each refusal is said in Welsh.
async fn invitation_refusals_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    let (_, admin_id) = council_with_admin(&app).await;
    app.create_user("ola@mail.example", Some(PW)).await;
    app.create_user("bryn@mail.example", Some(PW)).await;
    let admin_row = store::users::by_id(&app.state.db, &admin_id).await.unwrap().unwrap();
    let actor = stile::admin::AdminActor::for_user(&app.state, admin_row, stile::auth::ClientInfo::default()).await.unwrap();
    stile::admin::ops::memberships::add_by_email(&app.state, &actor, "camden", "ola@mail.example", Default::default()).await.unwrap();
    let link = mails_to(&app, "ola@mail.example", "/invitations/accept", 1).await[0].link();
    let t = link.split("t=").nth(1).unwrap().to_owned();

    let bryn = welsh_browser();
    assert_eq!(app.sign_in(&bryn, "bryn@mail.example", PW).await.status(), 303);
    let (s, html) = accept(&app, &bryn, &t).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert_welsh_page(&html, "Anfonwyd y gwahoddiad hwn i gyfeiriad e-bost arall", "sent to another email address");

    let ola = welsh_browser();
    assert_eq!(app.sign_in(&ola, "ola@mail.example", PW).await.status(), 303);
    store::memberships::replace_permissions(&app.state.db, "m-admin", &[] as &[String]).await.unwrap();
    let (s, html) = accept(&app, &ola, &t).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert_welsh_page(&html, "Ni all pwy bynnag a anfonodd y gwahoddiad hwn", "can no longer give what it offers");

    let perms = ["fms:user_manage_permissions".to_owned()];
    store::memberships::replace_permissions(&app.state.db, "m-admin", &perms).await.unwrap();
    let (s, html) = accept(&app, &ola, &t).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (s, html) = accept(&app, &ola, &t).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert_welsh_page(&html, "Mae’r gwahoddiad hwn wedi dod i ben", "has expired or has already been used");
    app.finish().await;
}
both!(invitation_refusals_in_welsh);

/// A welcome link used a second time, in Welsh: the refusal is Welsh.
async fn welcome_used_twice_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let admin = admin_browser(&app, "admin@camden.example").await;
    add_with_welcome(&app, &admin, "nia@camden.example").await;
    let link = mails_to(&app, "nia@camden.example", "/invitations/welcome", 1).await[0].link();
    let t = link.split("t=").nth(1).unwrap().to_owned();
    for (i, c) in [welsh_browser(), welsh_browser()].into_iter().enumerate() {
        let csrf = app.csrf(&c, "/login").await;
        let r = c.post(app.url("/invitations/welcome")).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap();
        if i == 0 {
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "the first use signs in");
            continue;
        }
        assert_eq!(r.status(), StatusCode::GONE);
        let html = r.text().await.unwrap();
        assert_welsh_page(&html, "Mae’r ddolen hon wedi dod i ben", "This link has expired");
    }
    app.finish().await;
}
both!(welcome_used_twice_in_welsh);

/// The consent page in Welsh: an organisation's empty roles and permissions are "dim", not "none".
async fn consent_page_says_none_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let mut s = crate::oidc::spec("Third Party");
    s.first_party = false;
    s.require_pkce = false;
    let (id, _) = crate::oidc::register(&app, s).await;
    let c = welsh_browser();
    assert_eq!(app.sign_in(&c, "admin@camden.example", PW).await.status(), 303);
    let cb = url::form_urlencoded::byte_serialize(crate::oidc::CB.as_bytes()).collect::<String>();
    let r = c
        .get(app.url(&format!("/authorize?response_type=code&client_id={id}&redirect_uri={cb}&scope=openid&state=s1")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"cy\"") && html.contains("Camden Council"), "{html}");
    assert!(html.contains("Rolau: dim."), "{html}");
    assert!(!html.contains(": none."), "{html}");
    app.finish().await;
}
both!(consent_page_says_none_in_welsh);

/// An authorization request POSTed (OIDC Core 3.1.2.1) with ui_locales=cy: the sign-in is Welsh,
/// as for a GET, and a later POSTed request without it ends that.
async fn ui_locales_in_a_posted_request(b: Backend) {
    let app = TestApp::start(b).await;
    let mut s = crate::oidc::spec("Street works");
    s.require_pkce = false;
    let (id, _) = crate::oidc::register(&app, s).await;
    let c = app.browser();
    let form = |ui: Option<&'static str>| {
        let mut f = vec![
            ("response_type", "code".to_owned()),
            ("client_id", id.clone()),
            ("redirect_uri", crate::oidc::CB.to_owned()),
            ("scope", "openid".to_owned()),
            ("state", "s1".to_owned()),
        ];
        if let Some(u) = ui {
            f.push(("ui_locales", u.to_owned()));
        }
        f
    };
    let r = c.post(app.url("/authorize")).header("accept-language", "en-GB").form(&form(Some("fr cy"))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let cookies: Vec<String> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("stile_ui_locales=cy")), "{cookies:?}");
    let login = crate::harness::location(&r);
    let html = c.get(app.url(&login)).header("accept-language", "en-GB").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"cy\"") && html.contains("Mewngofnodi i Street works"), "{html}");

    let r = c.post(app.url("/authorize")).header("accept-language", "en-GB").form(&form(None)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = c.get(app.url(&crate::harness::location(&r))).header("accept-language", "en-GB").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"en-GB\""), "{html}");
    app.finish().await;
}
both!(ui_locales_in_a_posted_request);

/// Pages refused at the edge, in Welsh: bad input (a NUL byte in a form field), a body over the
/// limit (plain text), and the import routes when every import slot is taken.
async fn edge_refusals_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let c = welsh_browser();
    let csrf = app.csrf(&c, "/login").await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let r = c
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}&email=a%00b%40example.org", enc(&csrf)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert_welsh_page(&html, "Mae paramedr y ffurflen email yn cynnwys nod rheoli", "contains a control character");
    assert!(!html.contains("Something is wrong with that request"), "{html}");

    let (head, body) = app.oversized_post("/login", app.state.settings.server.max_body_bytes + 10, "Accept-Language: cy\r\n").await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert_eq!(body, "Mae corff y cais yn rhy fawr.");

    let admin = welsh_browser();
    assert_eq!(app.sign_in_next(&admin, "admin@camden.example", PW, "/admin").await.status(), 303);
    let csrf = app.csrf(&admin, "/admin/bodies/camden/import").await;
    let held = app.state.import_slots.clone().acquire_many_owned(stile::app::IMPORT_SLOTS as u32).await.unwrap();
    let r = admin
        .post(app.url("/admin/bodies/camden/import"))
        .form(&[("csrf", csrf.as_str()), ("mode", "import"), ("csv", "name,email\nKay,kay@camden.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = r.text().await.unwrap();
    assert_welsh_page(&html, "Mae mewnforion eraill yn rhedeg", "Other imports are running");
    assert!(!html.contains("Imports are busy"), "{html}");
    drop(held);
    app.finish().await;
}
both!(edge_refusals_in_welsh);

/// The copy buttons say "Copied" / "Could not copy" in the page's language: the words are on the
/// button (from the catalogue), not in the script.
async fn copy_buttons_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    let (client, _) = crate::oidc::register(&app, crate::oidc::spec("Street works")).await;
    let c = crate::sso_admin::superuser_browser(&app).await;
    assert_eq!(c.get(app.url("/language?lang=cy&next=/admin")).send().await.unwrap().status(), 303);
    let html = c.get(app.url(&format!("/admin/clients/{client}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"cy\""), "{html}");
    assert!(html.contains("data-copied=\"Wedi copïo\" data-copy-failed=\"Methu copïo\""), "{html}");
    let js = c.get(app.url("/static/copy.js")).send().await.unwrap().text().await.unwrap();
    assert!(js.contains("dataset.copied") && !js.contains("'Copied'") && !js.contains("'Could not copy'"), "{js}");
    app.finish().await;
}
both!(copy_buttons_in_welsh);

/// Mail nobody asked for from a page: the 2FA reset notice sent outside any request (as by
/// `stile user reset-2fa`) is in the deployment default, Welsh here.
async fn mail_outside_a_request_in_the_default_language(b: Backend) {
    let app = TestApp::start_with(b, |s| s.ui.default_language = "cy-GB".into()).await;
    let user = app.create_user("rhys@conwy.example", Some(PW)).await;
    store::totp::begin(&app.state.db, &user.id, "x", app.state.now()).await.unwrap();
    assert!(stile::auth::mfa::admin_reset(&app.state, None, &user, &stile::auth::ClientInfo::default()).await.unwrap());
    let mail = store::outbox::to_address(&app.state.db, "rhys@conwy.example").await.unwrap();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].subject.starts_with("Mae dilysu dau gam eich cyfrif"), "{}", mail[0].subject);
    app.finish().await;
}
both!(mail_outside_a_request_in_the_default_language);

/// "Send a sign-in email" by an administrator whose pages are in Welsh: the person's saved
/// language, else the deployment default (English here), not the administrator's.
async fn admin_sign_in_email_in_the_recipients_language(b: Backend) {
    let app = TestApp::start(b).await;
    let ann = app.create_user("ann@example.org", Some(PW)).await;
    let bet = app.create_user("bet@example.org", Some(PW)).await;
    store::users::set_language(&app.state.db, &bet.id, Some("cy-GB"), app.state.now()).await.unwrap();
    let actor = stile::admin::AdminActor::cli();
    let welsh_page = stile::i18n::Choice { cookie: Some(stile::i18n::Lang::CyGb), ..Default::default() };
    for id in [&ann.id, &bet.id] {
        let (sent, _) =
            stile::i18n::scope(welsh_page, "/admin".to_owned(), stile::admin::ops::users::send_sign_in_email(&app.state, &actor, id)).await;
        sent.unwrap();
    }
    let subject = |to: &'static str| {
        let app = &app;
        async move { store::outbox::to_address(&app.state.db, to).await.unwrap().remove(0).subject }
    };
    assert!(subject("ann@example.org").await.starts_with("Your sign-in link for"), "no saved language: the default");
    assert!(subject("bet@example.org").await.starts_with("Eich dolen fewngofnodi"), "saved Welsh");
    app.finish().await;
}
both!(admin_sign_in_email_in_the_recipients_language);
