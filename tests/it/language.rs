//! Welsh and English (issue 18): the language a relying app asks for (`ui_locales`), the
//! language link and its cookie, `Accept-Language`, the saved preference, the deployment
//! default, and emails in the person's language.

use stile::store;

use crate::both;
use crate::harness::{Backend, ReceivedMail, SmtpSink, TestApp, csrf_in, lang_of, location};
use crate::oidc::{CB, PW, register, spec};

/// Strings of the English catalogue that must not appear on a Welsh page (and the other way).
const ENGLISH: [&str; 6] =
    ["Sign in", "Your email address", "Continue", "Skip to main content", "Enter your password", "There is a problem"];

fn assert_welsh(html: &str) {
    assert_eq!(lang_of(html), "cy", "{html}");
    for s in ENGLISH {
        assert!(!html.contains(s), "English {s:?} on a Welsh page: {html}");
    }
    // The language link offers English, marked as English.
    assert!(html.contains("lang=\"en-GB\" hreflang=\"en-GB\">English</a>"), "{html}");
}

fn assert_english(html: &str) {
    assert_eq!(lang_of(html), "en-GB", "{html}");
    assert!(html.contains("Skip to main content"), "{html}");
    assert!(html.contains("lang=\"cy\" hreflang=\"cy\">Cymraeg</a>"), "{html}");
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str, accept: Option<&str>) -> (u16, String) {
    let mut r = c.get(app.url(path));
    if let Some(a) = accept {
        r = r.header("accept-language", a);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// A relying app asks for Welsh: every page of that sign-in is Welsh (refusals too), the
/// browser's English is outranked, and the app gets its code. A later request without
/// ui_locales clears the choice.
async fn ui_locales_from_a_relying_app(b: Backend) {
    let app = TestApp::start(b).await;
    app.create_user("ffion@conwy.gov.uk", Some(PW)).await;
    let mut s = spec("Street works");
    s.require_pkce = false;
    let (id, _) = register(&app, s).await;
    let c = app.browser();
    let cb = url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>();
    let auth = format!("/authorize?response_type=code&client_id={id}&redirect_uri={cb}&scope=openid&state=s1&ui_locales=fr%20cy-GB%20en");
    let r = c.get(app.url(&auth)).header("accept-language", "en-GB").send().await.unwrap();
    assert_eq!(r.status(), 303);
    let cookies = set_cookies(&r);
    let kept = cookies.iter().find(|c| c.starts_with("stile_ui_locales=cy")).unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(kept.contains("SameSite=Lax") && kept.contains("Path=/"), "{kept}");
    let login = location(&r);
    assert!(login.starts_with("/login?next="), "{login}");

    let (status, html) = get(&c, &app, &login, Some("en-GB")).await;
    assert_eq!(status, 200);
    assert_welsh(&html);
    assert!(html.contains("Mewngofnodi i Street works"), "{html}");
    assert!(html.contains("Eich cyfeiriad e-bost"), "{html}");

    // The password page, and its refusal, in Welsh.
    let next = url::Url::parse(&app.url(&login)).unwrap().query_pairs().find(|(k, _)| k == "next").unwrap().1.into_owned();
    let csrf = csrf_in(&html).unwrap();
    let r =
        c.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", "ffion@conwy.gov.uk"), ("next", &next)]).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert_welsh(&html);
    assert!(html.contains("Rhowch eich cyfrinair"), "{html}");
    let csrf = csrf_in(&html).unwrap();
    let r = c
        .post(app.url("/login/password"))
        .form(&[("csrf", csrf.as_str()), ("email", "ffion@conwy.gov.uk"), ("password", "wrong password!"), ("next", &next)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert_welsh(&html);
    assert!(html.contains("Mae problem wedi codi"), "{html}");
    assert!(html.contains("Nid yw’r e-bost a’r cyfrinair hynny’n cyfateb."), "{html}");
    assert!(!html.contains("do not match"), "{html}");

    // Signed in, the app gets its code.
    let r = app.sign_in_next(&c, "ffion@conwy.gov.uk", PW, &next).await;
    assert_eq!(r.status(), 303);
    let r = c.get(app.url(&location(&r))).send().await.unwrap();
    assert!(location(&r).starts_with(CB), "{}", location(&r));

    // Another authorization request that asks for nothing ends the choice.
    let plain = format!("/authorize?response_type=code&client_id={id}&redirect_uri={cb}&scope=openid&state=s2");
    let r = c.get(app.url(&plain)).send().await.unwrap();
    let cookies = set_cookies(&r);
    assert!(cookies.iter().any(|c| c.starts_with("stile_ui_locales=;") && c.contains("Max-Age=0")), "{cookies:?}");

    // A language Stile does not speak is no choice: the browser's language decides.
    let other = format!("/authorize?response_type=code&client_id={id}&redirect_uri={cb}&scope=openid&state=s3&ui_locales=fr");
    let fresh = app.browser();
    let r = fresh.get(app.url(&other)).send().await.unwrap();
    assert!(set_cookies(&r).iter().all(|c| !c.starts_with("stile_ui_locales")), "{:?}", set_cookies(&r));
    let (_, html) = get(&fresh, &app, &location(&r), Some("en-GB")).await;
    assert_english(&html);

    // Discovery says which languages the pages come in.
    let d: serde_json::Value = c.get(app.url("/.well-known/openid-configuration")).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["ui_locales_supported"], serde_json::json!(["en-GB", "cy-GB"]));
    app.finish().await;
}
both!(ui_locales_from_a_relying_app);

/// The link on every page sets a cookie (not a secret, SameSite=Lax) and returns to the same
/// page; a return target off the site, or a language Stile does not speak, goes nowhere.
async fn language_link(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.browser();
    let (_, html) = get(&c, &app, "/login?next=%2Faccount%2Fsecurity", None).await;
    assert_english(&html);
    let start = html.find("href=\"/language?lang=cy&amp;next=").unwrap() + 6;
    let href = html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&");
    assert!(!html.contains("<script>"), "no inline script");

    let r = c.get(app.url(&href)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Faccount%2Fsecurity");
    let cookies = set_cookies(&r);
    let lang = cookies.iter().find(|c| c.starts_with("stile_lang=cy")).unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(lang.contains("SameSite=Lax") && lang.contains("Path=/") && lang.contains("Max-Age="), "{lang}");
    assert!(!lang.contains("HttpOnly"), "{lang}");

    // The cookie outranks the browser's Accept-Language, on every page, error pages too.
    let (_, html) = get(&c, &app, "/login", Some("en-GB,en;q=0.9")).await;
    assert_welsh(&html);
    let (status, html) = get(&c, &app, "/no/such/page", Some("en")).await;
    assert_eq!(status, 404);
    assert_welsh(&html);
    assert!(html.contains("Heb ddod o hyd i’r dudalen"), "{html}");

    // And back: the Welsh page offers English.
    let r = c.get(app.url("/language?lang=en&next=/login")).send().await.unwrap();
    assert_eq!(location(&r), "/login");
    let (_, html) = get(&c, &app, "/login", Some("cy")).await;
    assert_english(&html);

    // Off-site, look-alike and malformed targets go to the start; nonsense sets nothing.
    for bad in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "http:evil.example", "%2F%2Fevil.example"] {
        let enc = url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>();
        let r = app.browser().get(app.url(&format!("/language?lang=cy&next={enc}"))).send().await.unwrap();
        assert_eq!(r.status(), 303, "{bad}");
        assert_eq!(location(&r), "/account", "{bad}");
    }
    for lang in ["fr", "", "cymraeg-and-more-than-thirty-five-characters", "e%20n"] {
        let r = app.browser().get(app.url(&format!("/language?lang={lang}&next=/login"))).send().await.unwrap();
        assert_eq!(location(&r), "/login", "{lang}");
        assert!(set_cookies(&r).is_empty(), "{lang}: {:?}", set_cookies(&r));
    }
    // A NUL byte is refused at the edge, as everywhere.
    let r = app.browser().get(app.url("/language?lang=cy%00&next=/login")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    app.finish().await;
}
both!(language_link);

/// With no cookie and no saved choice, Accept-Language decides (by weight), then the setting.
async fn accept_language_and_default(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.browser();
    for (accept, welsh) in [
        ("cy", true),
        ("cy-GB,cy;q=0.9,en;q=0.8", true),
        ("fr, cy;q=0.5, en;q=0.4", true),
        ("en-GB,cy;q=0.5", false),
        ("cy;q=0, en;q=0.1", false),
        ("fr", false),
    ] {
        let (_, html) = get(&c, &app, "/login", Some(accept)).await;
        if welsh { assert_welsh(&html) } else { assert_english(&html) }
    }
    app.finish().await;

    let app = TestApp::start_with(b, |s| s.ui.default_language = "cy-GB".into()).await;
    let (_, html) = get(&app.browser(), &app, "/login", Some("fr")).await;
    assert_welsh(&html);
    let (_, html) = get(&app.browser(), &app, "/login", None).await;
    assert_welsh(&html);
    let (_, html) = get(&app.browser(), &app, "/login", Some("en")).await;
    assert_english(&html);
    app.finish().await;
}
both!(accept_language_and_default);

/// The saved choice outranks the browser and the link's cookie; only its owner can set it, only
/// to a language Stile speaks; the ID token carries it as `locale` with the profile scope.
async fn saved_preference(b: Backend) {
    let app = TestApp::start(b).await;
    let user = app.create_user("gwen@gwynedd.gov.uk", Some(PW)).await;
    let other = app.create_user("other@gwynedd.gov.uk", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "gwen@gwynedd.gov.uk", PW).await.status(), 303);
    let (_, html) = get(&c, &app, "/account", Some("en")).await;
    assert_english(&html);
    let csrf = csrf_in(&html).unwrap();

    // Refused: no CSRF token, a language Stile does not speak, look-alike tags.
    let r = c.post(app.url("/account/language")).form(&[("language", "cy-GB")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    for bad in ["fr", "cy", "CY-GB", "cy-GB ", "cy\u{2011}GB"] {
        let r = c.post(app.url("/account/language")).form(&[("csrf", csrf.as_str()), ("language", bad)]).send().await.unwrap();
        assert_eq!(r.status(), 422, "{bad}");
        assert!(r.text().await.unwrap().contains("Choose English or Cymraeg."));
    }
    assert_eq!(store::users::by_id(&app.state.db, &user.id).await.unwrap().unwrap().language, None);

    let r = c.post(app.url("/account/language")).form(&[("csrf", csrf.as_str()), ("language", "cy-GB")]).send().await.unwrap();
    // POST-redirect-GET: the page redirected to is in the language just saved, with the
    // notice once.
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let (_, html) = get(&c, &app, "/account", Some("en")).await;
    assert_welsh(&html);
    assert!(html.contains("Mae eich iaith wedi’i chadw."), "{html}");
    let (_, html) = get(&c, &app, "/account", Some("en")).await;
    assert!(!html.contains("Mae eich iaith wedi’i chadw."), "a reload does not show the notice again");
    assert_eq!(store::users::by_id(&app.state.db, &user.id).await.unwrap().unwrap().language.as_deref(), Some("cy-GB"));
    assert_eq!(store::users::by_id(&app.state.db, &other.id).await.unwrap().unwrap().language, None);
    assert!(app.audit_actions().await.contains(&("account.language".to_owned(), "success".to_owned())));

    // It wins over Accept-Language and over the link's cookie.
    let (_, html) = get(&c, &app, "/account", Some("en-GB")).await;
    assert_welsh(&html);
    assert!(html.contains("value=\"cy-GB\" checked"), "{html}");
    c.get(app.url("/language?lang=en&next=/account")).send().await.unwrap();
    let (_, html) = get(&c, &app, "/account/security", Some("en-GB")).await;
    assert_welsh(&html);

    // Signed out, the browser decides again.
    let (_, html) = get(&app.browser(), &app, "/login", Some("en-GB")).await;
    assert_english(&html);

    // The ID token says it, with the profile scope only.
    let mut s = spec("Street works");
    s.require_pkce = false;
    s.auth_method = stile::clients::AuthMethod::ClientSecretPost;
    let (id, secret) = register(&app, s).await;
    let secret = secret.unwrap();
    let cb = url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>();
    for (scope, expect) in [("openid%20profile", Some("cy-GB")), ("openid%20email", None)] {
        let auth = format!("/authorize?response_type=code&client_id={id}&redirect_uri={cb}&scope={scope}&state=s&nonce=n");
        let r = c.get(app.url(&auth)).send().await.unwrap();
        let loc = location(&r);
        assert!(loc.starts_with(CB), "{loc}");
        let code = url::Url::parse(&loc).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
        let tokens: serde_json::Value = reqwest::Client::new()
            .post(app.url("/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", CB),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let claims = crate::oidc::payload(tokens["id_token"].as_str().unwrap());
        assert_eq!(claims["locale"].as_str(), expect, "{scope}: {claims}");
    }

    // Cleared again: the browser decides.
    let (_, html) = get(&c, &app, "/account", None).await;
    let csrf = csrf_in(&html).unwrap();
    let r = c.post(app.url("/account/language")).form(&[("csrf", csrf.as_str()), ("language", "")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = get(&c, &app, "/account", Some("en")).await;
    assert_english(&html);
    app.finish().await;
}
both!(saved_preference);

/// Emails go out in the person's language: their saved choice, else the page they asked from.
async fn welsh_emails(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = crate::mail::start(b, &sink, |_| {}).await;
    let saved = app.create_user("saved@conwy.gov.uk", None).await;
    store::users::set_language(&app.state.db, &saved.id, Some("cy-GB"), app.state.now()).await.unwrap();
    app.create_user("browser@conwy.gov.uk", None).await;

    // Saved Welsh, asked from an English page: Welsh.
    let c = app.browser();
    crate::mail::ask(&app, &c, "saved@conwy.gov.uk", "/account").await;
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert_eq!(mail.header("Subject").unwrap(), "Eich dolen fewngofnodi ar gyfer Camden Staff Sign-in", "{}", mail.headers);
    let text = mail.part("text/plain");
    assert!(text.contains("Defnyddiwch y ddolen hon i fewngofnodi:"), "{text}");
    assert!(text.contains("Neu rhowch y cod hwn ar y dudalen fewngofnodi: "), "{text}");
    assert!(!text.contains("Use this link"), "{text}");
    let html = mail.part("text/html");
    assert!(html.contains("<html lang=\"cy\">"), "{html}");
    assert!(html.contains("Anfonwyd yr e-bost hwn yn awtomatig gan Camden Staff Sign-in."), "{html}");
    assert!(!html.contains("This email was sent"), "{html}");

    // No saved choice, asked from a Welsh page: Welsh; and the emailed link's page too.
    let c = app.browser();
    c.get(app.url("/language?lang=cy&next=/login")).send().await.unwrap();
    let r = crate::mail::ask(&app, &c, "browser@conwy.gov.uk", "/account").await;
    let page = r.text().await.unwrap();
    assert_welsh(&page);
    assert!(page.contains("Gwiriwch eich e-bost"), "{page}");
    let mail = ReceivedMail::parse(&sink.wait_for(2).await[1]);
    assert!(mail.header("Subject").unwrap().starts_with("Eich dolen fewngofnodi"), "{}", mail.headers);
    let text = mail.part("text/plain");
    let link = text[text.find("http").unwrap()..].split_whitespace().next().unwrap().to_owned();
    let html = c.get(&link).send().await.unwrap().text().await.unwrap();
    assert_welsh(&html);
    assert!(html.contains("Parhau i fewngofnodi"), "{html}");

    // From an English browser, without a saved choice: English, as before.
    let c = app.browser();
    crate::mail::ask(&app, &c, "browser@conwy.gov.uk", "/account").await;
    let mail = ReceivedMail::parse(&sink.wait_for(3).await[2]);
    assert!(mail.header("Subject").unwrap().starts_with("Your sign-in link for"), "{}", mail.headers);
    app.finish().await;
}
both!(welsh_emails);
