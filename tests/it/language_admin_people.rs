//! The admin UI's people and connections pages in Welsh and English (issue 18): users, one
//! user, adding a user, bulk actions, the CSV import, relying apps and SSO connections. A Welsh
//! page carries `lang="cy"` and none of the English catalogue's messages; the English page
//! stays English.

use stile::i18n::{Lang, Tr};
use stile::store;

use crate::admin_ui::council_with_admin;
use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, lang_of};
use crate::oidc::{register, spec};
use crate::sso_admin::superuser_browser;

const EN: &str = include_str!("../../locales/en-GB/admin-people.ftl");
const CY: &str = include_str!("../../locales/cy/admin-people.ftl");

/// Strings of the shared English catalogue that must not be on a Welsh page.
const ENGLISH: [&str; 5] = ["Sign in", "Your email address", "Skip to main content", "Enter your password", "There is a problem"];

/// The simple (one-line, no placeable) messages of a catalogue file, by key.
fn simple(ftl: &str) -> Vec<(&str, &str)> {
    ftl.lines()
        .filter_map(|l| l.split_once(" = "))
        .filter(|(k, v)| !k.starts_with(['#', ' ']) && !v.contains('{') && !v.is_empty())
        .collect()
}

/// This file's English messages that differ from their Welsh: each must not be a whole text or
/// attribute value on a Welsh page.
fn english_only() -> Vec<&'static str> {
    let cy = simple(CY);
    simple(EN)
        .into_iter()
        .filter(|(k, v)| cy.iter().any(|(ck, cv)| ck == k && cv != v))
        .map(|(_, v)| v)
        // A single lowercase word ("none", "required") is also a value the forms offer as it is.
        .filter(|v| v.contains(' ') || v.chars().any(char::is_uppercase))
        .collect()
}

/// The page's own part: after the admin menu, up to the end of `<main>` (the menu and its
/// notices are the other half of the admin UI's).
fn own_part(html: &str) -> &str {
    let menu = html.find("class=\"admin-nav\"").unwrap_or(0);
    let start = html.get(menu..).and_then(|m| m.find("</nav>")).map(|i| menu + i + 6).unwrap_or(0);
    let end = html.find("</main>").unwrap_or(html.len());
    html.get(start..end).unwrap_or(html)
}

fn assert_welsh(path: &str, html: &str) {
    assert_eq!(lang_of(html), "cy", "{path}: {html}");
    for s in ENGLISH {
        assert!(!html.contains(s), "{path}: English {s:?} on a Welsh page: {html}");
    }
    let own = own_part(html);
    for s in english_only() {
        for form in [format!(">{s}<"), format!("label=\"{s}\"")] {
            assert!(!own.contains(&form), "{path}: English {s:?} on a Welsh page: {own}");
        }
    }
}

fn assert_english(path: &str, html: &str) {
    assert_eq!(lang_of(html), "en-GB", "{path}: {html}");
    assert!(html.contains("Skip to main content"), "{path}: {html}");
}

/// The pages: each path, and a string only its own language's page has.
fn pages(alice: &str, client: &str) -> Vec<(String, &'static str, &'static str)> {
    vec![
        ("/admin/users".into(), "Defnyddwyr", "Download these users (CSV)"),
        ("/admin/users?status=flagged".into(), "Defnyddwyr wedi’u fflagio", "Flagged users"),
        (format!("/admin/users/{alice}"), "Ble maen nhw wedi mewngofnodi", "Where they are signed in"),
        ("/admin/users/new".into(), "Anfon e-bost croeso", "Send a welcome email"),
        ("/admin/users/new?body=camden".into(), "Rolau yn Camden Council", "Roles in Camden Council"),
        ("/admin/bodies/camden/import".into(), "Mewnforio defnyddwyr i Camden Council", "Import users into Camden Council"),
        ("/admin/clients".into(), "Rhaglenni dibynnol", "Relying apps"),
        ("/admin/clients/new".into(), "Cofrestru rhaglen ddibynnol", "Register a relying app"),
        (format!("/admin/clients/{client}"), "Hawliau gweinyddol", "Administrative rights"),
        ("/admin/connections".into(), "Cysylltiadau mewngofnodi sengl", "Single sign-on connections"),
        ("/admin/connections/new?kind=oidc".into(), "Ychwanegu cysylltiad OpenID Connect", "Add an OpenID Connect connection"),
        ("/admin/connections/new?kind=saml".into(), "Dogfen metadata’r IdP (XML)", "IdP metadata document (XML)"),
    ]
}

struct Setup {
    app: TestApp,
    c: reqwest::Client,
    alice: String,
    client: String,
}

async fn setup(b: Backend) -> Setup {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let alice = app.create_user("alice@camden.example", Some(crate::admin_ui::PW)).await;
    store::memberships::add(&app.state.db, "m-alice", &alice.id, "camden", app.state.now()).await.unwrap();
    store::users::set_flag(&app.state.db, &alice.id, store::users::FlagColumn::Flagged, true, app.state.now()).await.unwrap();
    let (client, _) = register(&app, spec("Street works")).await;
    let c = superuser_browser(&app).await;
    Setup { app, c, alice: alice.id, client }
}

async fn get(s: &Setup, path: &str) -> String {
    let r = s.c.get(s.app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn post(s: &Setup, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let page = get(s, "/admin/users/new").await;
    let csrf = csrf_in(&page).unwrap();
    let mut f = vec![("csrf", csrf.as_str())];
    f.extend_from_slice(form);
    let r = s.c.post(s.app.url(path)).form(&f).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Welsh chosen with the language link: every page, and a refused form on each, is Welsh.
async fn admin_people_pages_in_welsh(b: Backend) {
    let s = setup(b).await;
    let r = s.c.get(s.app.url("/language?lang=cy&next=/admin/users")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    for (path, welsh, english) in pages(&s.alice, &s.client) {
        let html = get(&s, &path).await;
        assert_welsh(&path, &html);
        assert!(html.contains(welsh), "{path}: {welsh:?} missing: {html}");
        // (The admin menu, the other half of the admin UI, is not looked at here.)
        assert!(!own_part(&html).contains(english), "{path}: {english:?} on a Welsh page: {html}");
    }
    // The user list's status column and the user's page say it in Welsh.
    let list = get(&s, "/admin/users?status=flagged").await;
    assert!(list.contains(">Gweithredol, wedi’i fflagio<"), "{list}");
    assert!(list.contains("1 defnyddiwr ar y dudalen hon"), "{list}");

    // Refusals and confirmations, one on each form.
    let user = format!("/admin/users/{}/action", s.alice);
    let (status, html) = post(&s, &user, &[("do", "remove")]).await;
    assert_eq!(status, 422, "{html}");
    assert_welsh(&user, &html);
    assert!(html.contains("Ticiwch y blwch i gadarnhau eich bod am ddileu’r defnyddiwr hwn."), "{html}");

    let (status, html) = post(&s, "/admin/users/new", &[("email", "not an address"), ("name", "X")]).await;
    assert_eq!(status, 422, "{html}");
    assert_welsh("/admin/users/new", &html);
    assert!(html.contains("Rhowch gyfeiriad e-bost yn y ffurf enw@enghraifft.org."), "{html}");

    let (status, html) = post(&s, "/admin/users/bulk", &[("action", "disable"), ("user", &s.alice)]).await;
    assert_eq!(status, 200, "{html}");
    assert_welsh("/admin/users/bulk", &html);
    assert!(html.contains("Analluogi 1 defnyddiwr?"), "{html}");

    let (status, html) = post(&s, "/admin/bodies/camden/import", &[("csv", ""), ("mode", "check")]).await;
    assert_eq!(status, 422, "{html}");
    assert_welsh("/admin/bodies/camden/import", &html);
    assert!(html.contains("Dewiswch ffeil CSV, neu gludo ei chynnwys"), "{html}");
    // The import's row problems (worded in English by admin::ops for the CLI and the API).
    let csv = "email,name,roles\nnew1@camden.example,New One,\nnew1@camden.example,New Again,\nnew2@camden.example,New Two,Nope\n";
    let (_, html) = post(&s, "/admin/bodies/camden/import", &[("csv", csv), ("mode", "check")]).await;
    assert_welsh("/admin/bodies/camden/import", &html);
    assert!(html.contains("Mae new1@camden.example hefyd ar res"), "{html}");
    assert!(html.contains("Nid oes gan Camden Council rôl"), "{html}");
    assert!(!html.contains("each address may appear once") && !html.contains("has no role"), "{html}");

    // A refusal of the service layer, said in Welsh.
    let app_form = [
        ("name", ""),
        ("redirect_uris", "https://works.example/cb"),
        ("grant_types", "authorization_code"),
        ("scopes", "openid"),
        ("token_endpoint_auth_method", "client_secret_basic"),
        ("id_token_signing_alg", "RS256"),
        ("require_pkce", "1"),
    ];
    let (status, html) = post(&s, "/admin/clients/new", &app_form).await;
    assert_eq!(status, 422, "{html}");
    assert_welsh("/admin/clients/new", &html);
    assert!(html.contains("Mae angen enw ar raglen."), "{html}");

    let test = "/admin/connections/new/test";
    let (status, html) = post(&s, test, &[("kind", "oidc"), ("issuer", "")]).await;
    assert_eq!(status, 200, "{html}");
    assert_welsh(test, &html);
    assert!(html.contains("Methodd y prawf") && html.contains("Rhowch URL y cyhoeddwr i’w brofi."), "{html}");

    let (status, html) =
        post(&s, "/admin/connections/new", &[("kind", "oidc"), ("name", "Entra"), ("group_roles", "no equals sign")]).await;
    assert_eq!(status, 422, "{html}");
    assert_welsh("/admin/connections/new", &html);
    assert!(html.contains("Ysgrifennwch bob mapiad grŵp fel GRŴP = RÔL"), "{html}");
    s.app.finish().await;
}
both!(admin_people_pages_in_welsh);

/// Where a form posts, the form, the English words and the Welsh words.
type Case = (&'static str, Vec<(&'static str, &'static str)>, &'static str, &'static str);

/// Refusals whose English carries words from lower layers (the import's file problems, an
/// unusable JWK set, a relying app's URI, a clash with what exists, an unusable address) are
/// Welsh on a Welsh page, with none of those English words; the English page keeps them.
async fn admin_people_layered_refusals_in_welsh(b: Backend) {
    let s = setup(b).await;
    let private_key_jwt = |jwks: &'static str, redirect: &'static str| {
        vec![
            ("name", "Works"),
            ("redirect_uris", redirect),
            ("grant_types", "authorization_code"),
            ("scopes", "openid"),
            ("token_endpoint_auth_method", "private_key_jwt"),
            ("jwks", jwks),
            ("id_token_signing_alg", "RS256"),
            ("require_pkce", "1"),
        ]
    };
    let p384 = r#"{"keys":[{"kty":"EC","crv":"P-384","x":"AAAA","y":"AAAA"}]}"#;
    let cases: Vec<Case> = vec![
        (
            "/admin/bodies/camden/import",
            vec![("csv", "email,password\nnew@camden.example,x\n"), ("mode", "check")],
            "Unknown column &#34;password&#34; in the header; the columns are name,email,from_body,passwordhash,roles,permissions",
            "Colofn anhysbys “password” yn y pennawd; y colofnau yw name,email,from_body,passwordhash,roles,permissions",
        ),
        (
            "/admin/bodies/camden/import",
            vec![("csv", "name,roles\nNew,\n"), ("mode", "check")],
            "The header has no email column; expected name,email,from_body,passwordhash,roles,permissions.",
            "Nid oes colofn email yn y pennawd; y colofnau disgwyliedig yw name,email,from_body,passwordhash,roles,permissions.",
        ),
        (
            "/admin/bodies/camden/import",
            vec![("csv", "email,name\nnew@camden.example,A\nnew@camden.example,B,C\n"), ("mode", "check")],
            "Has 3 field(s) where the header has 2",
            "Mae gan y rhes 3 o feysydd lle mae gan y pennawd 2",
        ),
        (
            "/admin/clients/new",
            private_key_jwt(p384, "https://works.example/cb"),
            "The public keys cannot be used: an EC key must be on curve P-256 (ES256).",
            "Nid oes modd defnyddio’r allweddi cyhoeddus: rhaid i allwedd EC fod ar y gromlin P-256 (ES256).",
        ),
        (
            "/admin/clients/new",
            private_key_jwt(r#"{"keys":[{"kty":"RSA","n":"AQAB"}]}"#, "https://works.example/cb"),
            "The public keys cannot be used: the key has no e.",
            "Nid oes modd defnyddio’r allweddi cyhoeddus: nid oes gan yr allwedd e.",
        ),
        (
            "/admin/clients/new",
            vec![
                ("name", "Works"),
                ("redirect_uris", "http://works.example/cb"),
                ("grant_types", "authorization_code"),
                ("scopes", "openid"),
                ("token_endpoint_auth_method", "client_secret_basic"),
                ("id_token_signing_alg", "RS256"),
                ("require_pkce", "1"),
            ],
            "uses http on a host that is not loopback",
            "Mae URI ailgyfeirio &#34;http://works.example/cb&#34; yn defnyddio http ar westeiwr nad yw’n loopback: defnyddiwch https",
        ),
        (
            "/admin/users/new",
            vec![("email", "new\u{200b}one@camden.example"), ("name", "X")],
            "That email address contains an invisible character.",
            "Mae’r cyfeiriad e-bost hwnnw’n cynnwys nod anweladwy.",
        ),
    ];
    for welsh in [false, true] {
        if welsh {
            s.c.get(s.app.url("/language?lang=cy&next=/admin/users")).send().await.unwrap();
        }
        for (path, form, en, cy) in &cases {
            let (status, html) = post(&s, path, form).await;
            assert!(status == 422 || status == 200, "{path}: {status} {html}");
            let html = html.replace("&#39;", "’").replace("'", "’");
            let (en, cy) = (en.replace('\'', "’"), cy.replace('\'', "’"));
            if welsh {
                assert_welsh(path, &html);
                assert!(html.contains(&cy), "{path}: {cy:?} in {html}");
                assert!(!html.contains(&en), "{path}: English {en:?} on a Welsh page: {html}");
            } else {
                assert_english(path, &html);
                assert!(html.contains(&en), "{path}: {en:?} in {html}");
            }
        }
    }
    // A clash with what is stored: Camden's own address is an account already.
    let (status, html) = post(&s, "/admin/users/new", &[("email", "alice@camden.example"), ("name", "Alice")]).await;
    assert_eq!(status, 409, "{html}");
    assert_welsh("/admin/users/new", &html);
    // (SQLite names the look-alike constraint first, PostgreSQL the address's own.)
    let html = html.replace("&#39;", "'");
    assert!(
        html.contains("Mae defnyddiwr â’r cyfeiriad e-bost hwnnw yn bodoli eisoes.")
            || html.contains("Mae cyfrif y mae ei gyfeiriad yn edrych yr un fath (yr un llythrennau o wyddor arall"),
        "{html}"
    );
    assert!(!html.contains("already exists"), "{html}");
    s.app.finish().await;
}
both!(admin_people_layered_refusals_in_welsh);

/// Without a choice the same pages and refusals are English, as before; the saved preference
/// alone makes them Welsh.
async fn admin_people_pages_in_english(b: Backend) {
    let s = setup(b).await;
    for (path, welsh, english) in pages(&s.alice, &s.client) {
        let html = get(&s, &path).await;
        assert_english(&path, &html);
        assert!(html.contains(english), "{path}: {english:?} missing: {html}");
        assert!(!html.contains(welsh), "{path}: {welsh:?} on an English page: {html}");
    }
    let list = get(&s, "/admin/users?status=flagged").await;
    assert!(list.contains(">Active, flagged<") && list.contains("1 user on this page"), "{list}");
    let (status, html) = post(&s, "/admin/users/bulk", &[("action", "sign-out"), ("user", &s.alice)]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Sign out 1 user everywhere?"), "{html}");
    let (status, html) = post(&s, "/admin/bodies/camden/import", &[("csv", ""), ("mode", "check")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Choose a CSV file, or paste its contents"), "{html}");

    // The superuser saves Welsh as their language: the admin pages follow, with no cookie.
    let root = store::users::by_email(&s.app.state.db, &stile::email::Email::parse("root@stile.example").unwrap()).await.unwrap().unwrap();
    store::users::set_language(&s.app.state.db, &root.id, Some("cy-GB"), s.app.state.now()).await.unwrap();
    let html = get(&s, "/admin/clients").await;
    assert_welsh("/admin/clients", &html);
    assert!(html.contains("Rhaglenni dibynnol"), "{html}");
    s.app.finish().await;
}
both!(admin_people_pages_in_english);

/// Welsh plurals on these pages, from the CLDR rules (zero/one/two/few/many/other).
#[test]
fn admin_people_welsh_plurals() {
    let cy = Tr::plain(Lang::CyGb);
    let got: Vec<String> = [0, 1, 2, 3, 6, 10].iter().map(|n| cy.n("bulk-disable-question", *n).to_string()).collect();
    assert_eq!(
        got,
        [
            "Analluogi 0 defnyddiwr?",
            "Analluogi 1 defnyddiwr?",
            "Analluogi 2 ddefnyddiwr?",
            "Analluogi 3 defnyddiwr?",
            "Analluogi 6 defnyddiwr?",
            "Analluogi 10 defnyddiwr?",
        ]
    );
    let rows: Vec<String> = [1, 2, 3].iter().map(|n| cy.n("import-summary-rows", *n).to_string()).collect();
    assert_eq!(rows, ["1 rhes:", "2 res:", "3 rhes:"]);
    let en = Tr::plain(Lang::EnGb);
    assert_eq!(en.n("import-button", 1).to_string(), "Import 1 user");
    assert_eq!(en.n("import-button", 0).to_string(), "Import 0 users");
    assert_eq!(en.n("users-caption", 2).to_string(), "2 users on this page");
    // Every message of this file is in both languages.
    for (k, _) in simple(EN) {
        assert!(stile::i18n::has(Lang::CyGb, k) && stile::i18n::has(Lang::EnGb, k), "{k}");
    }
}
