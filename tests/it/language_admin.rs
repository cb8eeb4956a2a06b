//! The admin UI's organisation pages in Welsh and English (issue 18): overview, organisations,
//! one organisation, adding one, roles, memberships, bans and the audit log, with their form
//! errors and the service layer's refusals said in the page's language.

use stile::store;

use crate::admin_ui::{PW, council_with_admin};
use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, lang_of};
use crate::sso_admin::superuser_browser;

/// The English admin catalogue's own sentences and labels (those the Welsh one words
/// differently), placeholders and markup left out: none may appear on a Welsh page.
fn english_admin_texts() -> Vec<String> {
    let read = |lang: &str| {
        let text = std::fs::read_to_string(format!("{}/locales/{lang}/admin.ftl", env!("CARGO_MANIFEST_DIR"))).unwrap();
        text.lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect::<std::collections::HashMap<String, String>>()
    };
    let (en, cy) = (read("en-GB"), read("cy"));
    let mut out = Vec::new();
    for (key, value) in &en {
        // Phrases quoted inside refusals, which permission labels (data, in English) share.
        if cy.get(key) == Some(value) || key.starts_with("admin-what-") {
            continue;
        }
        // The longest stretch without a placeable or markup, if it says something.
        let longest = value.split(['{', '}', '<', '>']).map(str::trim).max_by_key(|s| s.len()).unwrap_or_default();
        if longest.len() >= 9 && longest.contains(' ') {
            out.push(longest.to_owned());
        }
    }
    assert!(out.len() > 120, "{}", out.len());
    out
}

/// The page without the permission checkboxes: their labels are the permission catalogue's
/// (data, in English), not the interface's.
fn without_permissions(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<fieldset class=\"checks\">") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</fieldset>").map(|e| start + e + 11).unwrap_or(rest.len());
        let block = &rest[start..end];
        if !block.contains("id=\"perm-") {
            out.push_str(block);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn assert_welsh(page: &str, html: &str, english: &[String]) {
    assert_eq!(lang_of(html), "cy", "{page}: {html}");
    let text = without_permissions(html);
    for s in english.iter().map(String::as_str).chain(["Skip to main content", "There is a problem", "Your account"]) {
        assert!(!text.contains(s), "{page}: English {s:?} on a Welsh page: {html}");
    }
    assert!(html.contains("lang=\"en-GB\" hreflang=\"en-GB\">English</a>"), "{page}: {html}");
}

fn assert_english(page: &str, html: &str) {
    assert_eq!(lang_of(html), "en-GB", "{page}: {html}");
    assert!(html.contains("Administration"), "{page}: {html}");
    assert!(html.contains("lang=\"cy\" hreflang=\"cy\">Cymraeg</a>"), "{page}: {html}");
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The pages of one organisation and around it, for a superuser (who sees them all).
async fn org_pages(app: &TestApp) -> Vec<String> {
    let role = store::catalogue::roles_of_body(&app.state.db, "camden").await.unwrap().into_iter().next().unwrap().id;
    vec![
        "/admin".into(),
        "/admin/bodies".into(),
        "/admin/bodies/camden".into(),
        "/admin/bodies/new".into(),
        "/admin/bodies/camden/roles/new".into(),
        format!("/admin/roles/{role}"),
        format!("/admin/bodies/camden?role={role}"),
        "/admin/memberships/m-admin".into(),
        "/admin/bans".into(),
        "/admin/audit".into(),
        "/admin/audit?outcome=success&done=banned".into(),
    ]
}

/// Welsh chosen by the language link: every organisation page is Welsh, with no English of the
/// catalogue; the same pages chosen English stay English.
async fn admin_orgs_pages_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let english = english_admin_texts();
    let c = superuser_browser(&app).await;
    // Something in the audit log and on the bans page to show.
    let (_, page) = get(&app, &c, "/admin/bans").await;
    let csrf = csrf_in(&page).unwrap();
    let r = c
        .post(app.url("/admin/bans"))
        .form(&[("csrf", csrf.as_str()), ("pattern", "evil.example"), ("reason", "spam")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    let pages = org_pages(&app).await;
    for path in &pages {
        let (status, html) = get(&app, &c, path).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert_english(path, &html);
    }
    let (_, bans) = get(&app, &c, "/admin/bans?done=banned").await;
    assert!(bans.contains("The ban is in place") && bans.contains("Domain") && !bans.contains("Nothing is banned"), "{bans}");

    c.get(app.url("/language?lang=cy&next=/admin")).send().await.unwrap();
    for path in &pages {
        let (status, html) = get(&app, &c, path).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert_welsh(path, &html, &english);
    }
    let (_, home) = get(&app, &c, "/admin").await;
    assert!(home.contains(">Trosolwg<") && home.contains(">Sefydliadau<") && home.contains(">Log archwilio<"), "{home}");
    assert!(home.contains("Cyngor"), "the kind of Camden Council in Welsh: {home}");
    let (_, bans) = get(&app, &c, "/admin/bans?done=banned").await;
    assert!(bans.contains("Mae’r gwaharddiad mewn grym"), "{bans}");
    assert!(bans.contains(">Parth<"), "the ban's kind in Welsh: {bans}");
    let (_, audit) = get(&app, &c, "/admin/audit").await;
    assert!(audit.contains("Llwyddiant") && audit.contains("gwaharddiad <span"), "outcome and target in Welsh: {audit}");
    // The permissions and role templates Stile ships are labelled in Welsh; their keys stay.
    let (_, role) = get(&app, &c, "/admin/bodies/camden/roles/new").await;
    assert!(role.contains(">Golygu adroddiadau <small>(fms:report_edit)</small>"), "{role}");
    assert!(role.contains(">Gweinyddwyr</option>") || role.contains(">Arolygwyr</option>"), "a template's name in Welsh: {role}");
    for english in ["Edit reports <small>", ">Inspectors</option>", "Assign users to areas <small>"] {
        assert!(!role.contains(english), "{english:?} on a Welsh page: {role}");
    }
    app.finish().await;
}
both!(admin_orgs_pages_in_welsh);

/// Page the form is on, where it posts, the form, the English and the Welsh message.
type Case = (String, String, Vec<(&'static str, &'static str)>, &'static str, &'static str);

/// A form error on each organisation page, and the service layer's refusals, in Welsh; the same
/// in English reads as before.
async fn admin_orgs_form_errors_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let english = english_admin_texts();
    let c = superuser_browser(&app).await;
    let role = store::catalogue::roles_of_body(&app.state.db, "camden").await.unwrap().into_iter().next().unwrap().id;

    let cases: Vec<Case> = vec![
        (
            "/admin/bodies/camden/roles/new".into(),
            "/admin/bodies/camden/roles/new".into(),
            vec![("name", "")],
            "A role needs a name of at most 100 characters.",
            "Mae angen enw o 100 nod ar y mwyaf ar rôl.",
        ),
        (
            format!("/admin/roles/{role}"),
            format!("/admin/roles/{role}"),
            vec![("name", "Inspector"), ("permissions", "fms:nope")],
            "&#34;fms:nope&#34; is not a permission in the catalogue.",
            "Nid yw &#34;fms:nope&#34; yn ganiatâd yn y catalog.",
        ),
        (
            "/admin/bodies/camden".into(),
            "/admin/bodies/camden".into(),
            vec![
                ("name", "Camden Council"),
                ("kind", "council"),
                ("status", "active"),
                ("mfa_policy", "optional"),
                ("password_min_length", "lots"),
            ],
            "The minimum password length must be a whole number.",
            "Rhaid i isafswm hyd y cyfrinair fod yn rhif cyfan.",
        ),
        (
            "/admin/bodies/new".into(),
            "/admin/bodies/new".into(),
            vec![("name", "Gwynedd"), ("kind", ""), ("status", "active"), ("mfa_policy", "optional")],
            "Choose the kind of organisation: council, highway authority, promoter, contractor or other.",
            "Dewiswch y math o sefydliad: cyngor, awdurdod priffyrdd, hyrwyddwr, contractwr neu arall.",
        ),
        (
            "/admin/bodies/camden".into(),
            "/admin/bodies/camden/contractors".into(),
            vec![("contractor_id", "")],
            "Choose or enter a contractor organisation.",
            "Dewiswch neu rhowch sefydliad contractwr.",
        ),
        (
            "/admin/memberships/m-admin".into(),
            "/admin/memberships/m-admin".into(),
            vec![("workstreams", "ABC")],
            "Write each workstream as a prefix, a space and full_write or read_only: &#34;ABC&#34; is not.",
            "Ysgrifennwch bob ffrwd waith fel rhagddodiad, bwlch a full_write neu read_only: nid yw &#34;ABC&#34; felly.",
        ),
        (
            "/admin/bans".into(),
            "/admin/bans".into(),
            vec![("pattern", "not a domain")],
            "Give an email address or a domain such as example.org.",
            "Rhowch gyfeiriad e-bost neu barth fel example.org.",
        ),
        // The address's own problem (`EmailError`), inside the ban form's refusal.
        (
            "/admin/bans".into(),
            "/admin/bans".into(),
            vec![("pattern", "spam@")],
            "Enter an email address in the form name@example.org.",
            "Rhowch gyfeiriad e-bost yn y ffurf enw@enghraifft.org.",
        ),
    ];
    for welsh in [false, true] {
        if welsh {
            c.get(app.url("/language?lang=cy&next=/admin")).send().await.unwrap();
        }
        for (page, action, form, en, cy) in &cases {
            let (_, html) = get(&app, &c, page).await;
            let csrf = csrf_in(&html).unwrap();
            let mut fields = vec![("csrf", csrf.as_str())];
            fields.extend(form.iter().copied());
            let r = c.post(app.url(action)).form(&fields).send().await.unwrap();
            assert_eq!(r.status(), 422, "{action}");
            let html = r.text().await.unwrap();
            let html = html.replace("&#39;", "'");
            if welsh {
                assert!(html.contains(cy), "{action}: {cy:?} in {html}");
                assert_welsh(action, &html, &english);
            } else {
                assert!(html.contains(en), "{action}: {en:?} in {html}");
                assert_english(action, &html);
            }
        }
        // The audit log's filter.
        let (status, html) = get(&app, &c, "/admin/audit?from=yesterday").await;
        assert_eq!(status, 422);
        let expect = if welsh { "Rhowch ddyddiad fel BBBB-MM-DD" } else { "Give a date as YYYY-MM-DD" };
        assert!(html.contains(expect), "{html}");
    }
    // A clash with what is stored (the store's words, "A body with that name already exists.").
    let (_, page) = get(&app, &c, "/admin/bodies/new").await;
    let csrf = csrf_in(&page).unwrap();
    let form = [("csrf", csrf.as_str()), ("name", "Camden Council"), ("kind", "council"), ("status", "active"), ("mfa_policy", "optional")];
    let r = c.post(app.url("/admin/bodies/new")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap().replace("&#39;", "'");
    assert!(html.contains("Mae sefydliad â’r enw hwnnw yn bodoli eisoes."), "{html}");
    assert!(!html.contains("already exists"), "{html}");
    assert_welsh("/admin/bodies/new", &html, &english);
    assert_eq!(store::catalogue::roles_of_body(&app.state.db, "camden").await.unwrap().iter().filter(|r| r.name.is_empty()).count(), 0);
    app.finish().await;
}
both!(admin_orgs_form_errors_in_welsh);

/// An organisation's administrator (not a superuser) refused in Welsh: the page for adding an
/// organisation, and a refusal the delegation rules give on a form.
async fn admin_orgs_refusals_in_welsh(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let english = english_admin_texts();
    let c = app.browser();
    assert_eq!(app.sign_in_next(&c, "admin@camden.example", PW, "/admin").await.status(), 303);
    let (status, html) = get(&app, &c, "/admin/bodies/new").await;
    assert_eq!(status, 403);
    assert!(html.contains("Only a superuser can add an organisation."), "{html}");

    c.get(app.url("/language?lang=cy&next=/admin")).send().await.unwrap();
    let (status, html) = get(&app, &c, "/admin/bodies/new").await;
    assert_eq!(status, 403);
    assert!(html.contains("Dim ond uwch-ddefnyddiwr all ychwanegu sefydliad."), "{html}");
    assert_eq!(lang_of(&html), "cy");

    // Areas need fms:user_assign_areas, which this administrator does not hold: refused on
    // the form, in Welsh, with the permission named.
    let ines = app.create_user("ines@camden.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-ines", &ines.id, "camden", app.state.now()).await.unwrap();
    let (status, page) = get(&app, &c, "/admin/memberships/m-ines").await;
    assert_eq!(status, 200);
    assert_welsh("/admin/memberships/m-ines", &page, &english);
    let csrf = csrf_in(&page).unwrap();
    let r = c.post(app.url("/admin/memberships/m-ines")).form(&[("csrf", csrf.as_str()), ("areas", "2504")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Mae angen y caniatâd fms:user_assign_areas yn y sefydliad hwn arnoch i neilltuo defnyddwyr i ardaloedd."),
        "{html}"
    );
    assert_welsh("refused membership", &html, &english);
    // A council has no workstreams: the kind of organisation, mutated as the sentence needs.
    let (_, page) = get(&app, &c, "/admin/memberships/m-ines").await;
    let csrf = csrf_in(&page).unwrap();
    let form = [("csrf", csrf.as_str()), ("workstreams", "ABC full_write")];
    let r = c.post(app.url("/admin/memberships/m-ines")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nid oes gan gyngor ffrydiau gwaith."), "{html}");
    assert!(!html.contains("has no workstreams"), "{html}");
    assert_welsh("refused workstreams", &html, &english);
    let m = store::memberships::of_user(&app.state.db, &ines.id).await.unwrap();
    assert!(store::memberships::detail(&app.state.db, &m[0]).await.unwrap().areas.is_empty());
    app.finish().await;
}
both!(admin_orgs_refusals_in_welsh);
