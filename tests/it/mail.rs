//! Mail delivery through a real SMTP server (tests/smtp_sink.py) and sign-in by emailed link
//! or code: single use, expiry, code guessing, account creation per signup mode, abuse limits,
//! a mail server that is down, and links that ignore the Host header.

use stile::config::{Settings, SignupMode};
use stile::store::{self, bodies::NewBody};

use crate::both;
use crate::harness::{Backend, ReceivedMail, SmtpSink, TestApp, csrf_in, field_in, location, smtp_to};

const PW: &str = "correct horse battery";

pub(crate) async fn start(b: Backend, sink: &SmtpSink, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    TestApp::start_with(b, |s| {
        smtp_to(s, sink);
        s.server.name = "Camden Staff Sign-in".into();
        tweak(s);
    })
    .await
}

/// Asks for a sign-in email from the sign-in page; returns the response.
pub(crate) async fn ask(app: &TestApp, c: &reqwest::Client, email: &str, next: &str) -> reqwest::Response {
    let csrf = app.csrf(c, "/login").await;
    c.post(app.url("/login/email")).form(&[("csrf", csrf.as_str()), ("email", email), ("next", next)]).send().await.unwrap()
}

/// Opens an emailed link in `c` and presses the button.
pub(crate) async fn open_link(c: &reqwest::Client, link: &str) -> reqwest::Response {
    let page = c.get(link).send().await.unwrap();
    if page.status() != 200 {
        return page;
    }
    let html = page.text().await.unwrap();
    assert!(html.contains("Continue signing in"), "{html}");
    let csrf = csrf_in(&html).unwrap();
    let t = field_in(&html, "t").unwrap();
    let action = link.split("/login/email/confirm").next().unwrap().to_owned() + "/login/email/confirm";
    c.post(action).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap()
}

pub(crate) async fn type_code(app: &TestApp, c: &reqwest::Client, page: &str, code: &str) -> reqwest::Response {
    c.post(app.url("/login/email/code")).form(&code_form(page, code)).send().await.unwrap()
}

/// The "check your email" page's form (`page`: its HTML) with `code` typed in.
pub(crate) fn code_form(page: &str, code: &str) -> Vec<(String, String)> {
    ["csrf", "reference", "email", "next"]
        .iter()
        .map(|n| (n.to_string(), field_in(page, n).unwrap_or_default()))
        .chain([("code".to_string(), code.to_string())])
        .collect()
}

async fn amr_of(app: &TestApp, user_id: &str) -> String {
    let sessions = store::sessions::live_of_user(&app.state.db, user_id, app.state.now()).await.unwrap();
    sessions.last().map(|s| s.amr.clone()).unwrap_or_default()
}

/// The whole link journey: asked for from the password page, sent over SMTP with both parts,
/// opened in another browser, used once.
async fn link_sign_in(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let user = app.create_user("alice@camden.example", Some(PW)).await;
    let c = app.browser();
    // The password page offers sign-in by email to everyone.
    let csrf = app.csrf(&c, "/login").await;
    let next = "/authorize?client_id=x&state=s";
    let r =
        c.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", "Alice@Camden.example"), ("next", next)]).send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("No, let me sign in by email"), "{page}");
    assert!(page.contains("action=\"/login/email\""));
    let r = ask(&app, &c, "Alice@Camden.example", next).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Check your email"), "{page}");

    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert!(mail.header("Subject").unwrap().contains("Camden Staff Sign-in"), "{}", mail.headers);
    assert!(mail.header("From").unwrap().contains("signin@camden.example"));
    assert!(mail.header("To").unwrap().contains("alice@camden.example"));
    let text = mail.part("text/plain");
    let html = mail.part("text/html");
    assert!(text.contains("Camden Staff Sign-in") && html.contains("Camden Staff Sign-in"));
    let link = mail.link();
    assert!(link.starts_with(&format!("{}/login/email/confirm?t=", app.base)), "{link}");
    assert!(html.contains(&link.replace('&', "&amp;")) || html.contains(&link), "the HTML part has the same link");
    assert!(html.contains(&mail.code()));
    // Nothing secret in the database: not the link, not the code.
    let secret = link.split("t=").nth(1).unwrap();
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = store::outbox::to_address(&app.state.db, "alice@camden.example").await.unwrap();
        if rows.iter().all(|r| r.sent_at.is_some()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sent_at.is_some() && rows[0].text_body.is_empty() && rows[0].html_body.is_empty());
    assert!(!rows[0].subject.contains(secret));

    // A mail scanner fetching the link does not use it up.
    let scanner = app.browser();
    assert_eq!(scanner.get(&link).send().await.unwrap().status(), 200);
    assert_eq!(scanner.get(&link).send().await.unwrap().status(), 200);

    // Another browser: the button signs in and returns to where the sign-in started.
    let other = app.browser();
    let r = open_link(&other, &link).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), next);
    assert_eq!(amr_of(&app, &user.id).await, "[\"email\"]");
    let account = other.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(account.contains("alice@camden.example"));

    // Second use is refused.
    let third = app.browser();
    assert_eq!(open_link(&third, &link).await.status(), 410);
    let c2 = app.browser();
    let csrf = app.csrf(&c2, "/login").await;
    let r = c2.post(app.url("/login/email/confirm")).form(&[("csrf", csrf.as_str()), ("t", secret)]).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("expired or has already been used"));

    let actions = app.audit_actions().await;
    for a in ["mail.sent", "signin.email.request", "signin.email"] {
        assert!(actions.contains(&(a.into(), "success".into())), "{a}: {actions:?}");
    }
    let all = store::audit::recent(&app.state.db, None, 1000).await.unwrap();
    assert!(all.iter().all(|e| !e.details.contains(secret) && !e.details.contains(&mail.code())), "no secrets in the audit log");
    app.finish().await;
}
both!(link_sign_in);

/// An address at an internationalised domain gets its mail from a server without SMTPUTF8 (the
/// sink is one): the domain goes on the wire as A-labels. The address typed as A-labels is the
/// same account.
async fn idn_address_mail_goes_as_a_labels(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let user = app.create_user("ann@m\u{fc}nchen.de", Some(PW)).await;
    let c = app.browser();
    let r = ask(&app, &c, "Ann@XN--MNCHEN-3YA.DE", "/account").await;
    assert_eq!(r.status(), 200);
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert_eq!(mail.header("X-Envelope-To").as_deref(), Some("ann@xn--mnchen-3ya.de"), "{}", mail.headers);
    assert!(mail.header("To").unwrap().contains("ann@xn--mnchen-3ya.de"), "{}", mail.headers);
    let r = open_link(&app.browser(), &mail.link()).await;
    assert_eq!(r.status(), 303);
    let sessions = store::sessions::live_of_user(&app.state.db, &user.id, app.state.now()).await.unwrap();
    assert_eq!(sessions.len(), 1, "the A-label spelling signed in the account");
    app.finish().await;
}
both!(idn_address_mail_goes_as_a_labels);

async fn expired_link_and_code(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    app.create_user("bob@camden.example", None).await;
    let c = app.browser();
    let page = ask(&app, &c, "bob@camden.example", "/account").await.text().await.unwrap();
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    app.clock.advance(15 * 60 + 1);
    let other = app.browser();
    let r = open_link(&other, &mail.link()).await;
    assert_eq!(r.status(), 410);
    let r = type_code(&app, &c, &page, &mail.code()).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not right, or it has expired"));
    app.finish().await;
}
both!(expired_link_and_code);

/// The code works instead of the link (once); five wrong codes burn both.
async fn code_sign_in_and_guessing(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let user = app.create_user("carol@camden.example", None).await;
    let c = app.browser();
    let page = ask(&app, &c, "carol@camden.example", "/account").await.text().await.unwrap();
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    let wrong = if mail.code() == "000000" { "111111" } else { "000000" };
    let r = type_code(&app, &c, &page, wrong).await;
    assert_eq!(r.status(), 422);
    let page2 = r.text().await.unwrap();
    let code = mail.code();
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let r = type_code(&app, &c, &page2, &spaced).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    assert_eq!(amr_of(&app, &user.id).await, "[\"otp\"]");
    // The code and the link were one: both are used now.
    assert_eq!(type_code(&app, &c, &page2, &code).await.status(), 422);
    assert_eq!(open_link(&app.browser(), &mail.link()).await.status(), 410);

    // A new email; five wrong guesses.
    let c = app.browser();
    let mut page = ask(&app, &c, "carol@camden.example", "/account").await.text().await.unwrap();
    let mail = ReceivedMail::parse(&sink.wait_for(2).await[1]);
    let wrong = if mail.code() == "000000" { "111111" } else { "000000" };
    for i in 1..=5 {
        let r = type_code(&app, &c, &page, wrong).await;
        let expected = if i < 5 { 422 } else { 403 };
        assert_eq!(r.status(), expected, "guess {i}");
        page = r.text().await.unwrap();
    }
    assert!(page.contains("Too many wrong codes"), "{page}");
    // Burnt: the right code and the link no longer work.
    let r = type_code(&app, &c, &page, &mail.code()).await;
    assert_eq!(r.status(), 403);
    assert_eq!(open_link(&app.browser(), &mail.link()).await.status(), 410);
    assert!(app.audit_actions().await.contains(&("signin.email.burnt".into(), "failure".into())));

    // An address with no account burns out after the same number of guesses.
    let c = app.browser();
    let mut page = ask(&app, &c, "nobody@elsewhere.example", "/account").await.text().await.unwrap();
    for i in 1..=5 {
        let r = type_code(&app, &c, &page, "123456").await;
        let status = r.status();
        page = r.text().await.unwrap();
        assert_eq!(status, if i < 5 { 422 } else { 403 }, "unknown guess {i}: {page}");
    }
    app.finish().await;
}
both!(code_sign_in_and_guessing);

async fn add_body(app: &TestApp, name: &str, domain: &str, with_default_role: bool) -> (String, Option<String>) {
    let now = app.state.now();
    let id = store::new_id(now, &*app.state.rng);
    let domains = vec![domain.to_owned()];
    store::bodies::insert(
        &app.state.db,
        &NewBody {
            id: &id,
            name,
            kind: "council",
            fms_body_id: None,
            swa_code: None,
            mfa_policy: "optional",
            password_min_length: None,
            domains: &domains,
        },
        now,
    )
    .await
    .unwrap();
    let rng = app.state.rng.clone();
    let mut ids = move || store::new_id(now, &*rng);
    let roles = store::catalogue::copy_templates_into_body(&app.state.db, &id, "council", &mut ids, now).await.unwrap();
    let role = if with_default_role {
        let (_, role_id) = roles.first().cloned().unwrap();
        store::bodies::set_default_role(&app.state.db, &id, &role_id, now).await.unwrap();
        Some(role_id)
    } else {
        None
    };
    (id, role)
}

/// Normalises a "check your email" page so two can be compared.
fn scrub(page: &str, email: &str) -> String {
    let mut p = page.replace(email, "EMAIL");
    for f in ["csrf", "reference"] {
        if let Some(v) = field_in(page, f) {
            p = p.replace(&v, "X");
        }
    }
    p
}

/// `domains`: addresses in a body's domain get an account (and membership, with the default
/// role); others get the same page and nothing is sent.
async fn signup_domains(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |s| assert_eq!(s.signup.mode, SignupMode::Domains)).await;
    let (body_id, role_id) = add_body(&app, "Camden Council", "camden.example", true).await;
    let c = app.browser();
    let known_page = ask(&app, &c, "new.starter@camden.example", "/account").await.text().await.unwrap();
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert!(mail.part("text/plain").contains("Signing in will create one"));
    let unknown_page = ask(&app, &c, "someone@gmail.example", "/account").await.text().await.unwrap();
    assert_eq!(scrub(&known_page, "new.starter@camden.example"), scrub(&unknown_page, "someone@gmail.example"));
    // No account until the link is used.
    let email = stile::email::Email::parse("new.starter@camden.example").unwrap();
    assert!(store::users::by_email(&app.state.db, &email).await.unwrap().is_none());
    let r = open_link(&app.browser(), &mail.link()).await;
    assert_eq!(r.status(), 303);
    let user = store::users::by_email(&app.state.db, &email).await.unwrap().unwrap();
    assert!(user.is_email_verified() && !user.has_password());
    let ms = store::memberships::of_user(&app.state.db, &user.id).await.unwrap();
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].body_id, body_id);
    let detail = store::memberships::detail(&app.state.db, &ms[0]).await.unwrap();
    assert_eq!(detail.roles.iter().map(|(id, _)| Some(id.clone())).collect::<Vec<_>>(), vec![role_id]);
    assert!(app.audit_actions().await.contains(&("user.create".into(), "success".into())));
    // Nothing went to the unknown address.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);
    assert!(store::outbox::to_address(&app.state.db, "someone@gmail.example").await.unwrap().is_empty());
    app.finish().await;
}
both!(signup_domains);

async fn signup_open_and_closed(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    // open: anyone; no body, no membership.
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |s| s.signup.mode = SignupMode::Open).await;
    let c = app.browser();
    ask(&app, &c, "anyone@gmail.example", "/account").await;
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert_eq!(open_link(&app.browser(), &mail.link()).await.status(), 303);
    let email = stile::email::Email::parse("anyone@gmail.example").unwrap();
    let user = store::users::by_email(&app.state.db, &email).await.unwrap().unwrap();
    assert!(store::memberships::of_user(&app.state.db, &user.id).await.unwrap().is_empty());
    app.finish().await;

    // closed: only existing users, even in a body's domain; unknown addresses get nothing...
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |s| s.signup.mode = SignupMode::Closed).await;
    add_body(&app, "Camden Council", "camden.example", false).await;
    app.create_user("existing@camden.example", None).await;
    let c = app.browser();
    let r = ask(&app, &c, "stranger@camden.example", "/account").await;
    assert_eq!(r.status(), 200);
    ask(&app, &c, "existing@camden.example", "/account").await;
    let msgs = sink.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);
    assert!(ReceivedMail::parse(&msgs[0]).header("To").unwrap().contains("existing@camden.example"));
    app.finish().await;

    // ...or, with notify_unknown, an email saying there is no account (and no link).
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |s| {
        s.signup.mode = SignupMode::Closed;
        s.signup.notify_unknown = true;
    })
    .await;
    ask(&app, &app.browser(), "stranger@camden.example", "/account").await;
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert!(mail.part("text/plain").contains("there is no Camden Staff Sign-in account"), "{}", mail.raw);
    assert!(!mail.raw.contains("/login/email/confirm"));
    mail.part("text/html");
    app.finish().await;
}
both!(signup_open_and_closed);

/// Per-address and per-IP limits on emails requested; the page says when to try again.
async fn request_limits(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |s| s.magic_link.ip_max_requests = 8).await;
    app.create_user("dave@camden.example", None).await;
    let c = app.browser();
    for i in 1..=5 {
        assert_eq!(ask(&app, &c, "dave@camden.example", "/account").await.status(), 200, "request {i}");
    }
    let r = ask(&app, &c, "dave@camden.example", "/account").await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Wait 60 minutes and try again"));
    sink.wait_for(5).await;
    // The same limit for an address with no account.
    for _ in 1..=3 {
        assert_eq!(ask(&app, &c, "ghost@gmail.example", "/account").await.status(), 200);
    }
    // The IP's ninth request is refused, whatever the address.
    let r = ask(&app, &c, "other@camden.example", "/account").await;
    assert_eq!(r.status(), 429);
    assert!(app.audit_actions().await.contains(&("signin.email.limited".into(), "failure".into())));
    // An hour later both are open again.
    app.clock.advance(3601);
    assert_eq!(ask(&app, &c, "dave@camden.example", "/account").await.status(), 200);
    app.finish().await;
}
both!(request_limits);

/// The mail server is down: the page still answers at once, the message waits in the outbox,
/// and it is delivered (and its link works) once the server is back.
async fn smtp_down_then_up(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let mut sink = SmtpSink::stopped();
    let app = start(b, &sink, |_| {}).await;
    app.create_user("erin@camden.example", None).await;
    let c = app.browser();
    // The page answers without waiting for the mail server: the message is queued.
    let r = ask(&app, &c, "erin@camden.example", "/account").await;
    assert_eq!(r.status(), 200);
    // The worker tries, fails, and schedules a retry.
    let mut row = None;
    for _ in 0..100 {
        let rows = store::outbox::to_address(&app.state.db, "erin@camden.example").await.unwrap();
        if let Some(r) = rows.into_iter().next().filter(|r| r.attempts >= 1 && r.last_error.is_some()) {
            row = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let row = row.expect("a failed attempt");
    assert!(row.sent_at.is_none() && row.next_attempt_at > app.state.now());
    assert!(!row.last_error.as_deref().unwrap().contains(&row.text_body));
    sink.start().await;
    // Not due yet: nothing is sent before the backoff has passed.
    app.state.mail_wake.notify_one();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(sink.messages().is_empty());
    app.clock.advance(31);
    app.state.mail_wake.notify_one();
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert_eq!(open_link(&app.browser(), &mail.link()).await.status(), 303);
    let row = store::outbox::by_id(&app.state.db, &row.id).await.unwrap().unwrap();
    assert_eq!(row.attempts, 2);
    assert!(row.sent_at.is_some());
    app.finish().await;
}
both!(smtp_down_then_up);

/// A mail server that refuses the recipient and quotes the address in its answer (as Postfix
/// does): the outbox row keeps the server's reason, not the address (the row names it already,
/// and the same text goes to the log).
async fn a_refusal_quoting_the_address_is_kept_without_it(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    app.create_user("reject-dora@camden.example", None).await;
    assert_eq!(ask(&app, &app.browser(), "reject-dora@camden.example", "/account").await.status(), 200);
    let mut error = None;
    for _ in 0..100 {
        let rows = store::outbox::to_address(&app.state.db, "reject-dora@camden.example").await.unwrap();
        if let Some(e) = rows.into_iter().find_map(|r| r.last_error) {
            error = Some(e);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let error = error.expect("a refused attempt");
    assert!(error.contains("550") && error.contains("Recipient address rejected"), "the reason is kept: {error}");
    assert!(error.contains("<[address]>"), "{error}");
    assert!(!error.contains("reject-dora") && !error.contains("camden.example"), "{error}");
    assert!(sink.messages().is_empty());
    app.finish().await;
}
both!(a_refusal_quoting_the_address_is_kept_without_it);

/// A forged Host header does not change the link.
async fn host_header_ignored(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    app.create_user("frank@camden.example", None).await;
    let c = app.browser();
    let csrf = app.csrf(&c, "/login").await;
    let r = c
        .post(app.url("/login/email"))
        .header("Host", "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .form(&[("csrf", csrf.as_str()), ("email", "frank@camden.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert!(mail.link().starts_with(&app.base), "{}", mail.link());
    assert!(!mail.raw.contains("evil.example"));
    app.finish().await;
}
both!(host_header_ignored);

/// The embedded default writes each message to DATA_DIR/mail/.
#[tokio::test]
async fn file_transport() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.create_user("gina@example.org", None).await;
    let c = app.browser();
    assert_eq!(ask(&app, &c, "gina@example.org", "/account").await.status(), 200);
    let dir = app.db.dir.path().join("mail");
    let mut found = None;
    for _ in 0..100 {
        let eml = std::fs::read_dir(&dir)
            .ok()
            .and_then(|d| d.filter_map(Result::ok).map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "eml")));
        if let Some(path) = eml {
            found = Some(std::fs::read_to_string(path).unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mail = ReceivedMail::parse(&found.expect("a mail file"));
    assert!(mail.link().starts_with(&app.base));
    // Written whole under a temporary name and linked into place: nothing else is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(names.iter().all(|n| n.ends_with(".eml")), "{names:?}");
    mail.part("text/html");
    app.finish().await;
}

pub(crate) async fn ask_password(app: &TestApp, c: &reqwest::Client, email: &str, pw: &str, pw2: &str) -> reqwest::Response {
    let csrf = app.csrf(c, "/login/password/new?next=%2Fauthorize%3Fx%3D1").await;
    c.post(app.url("/login/password/new"))
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", pw), ("password2", pw2), ("next", "/authorize?x=1")])
        .send()
        .await
        .unwrap()
}

/// Setting a new password while signed out: checked against the rules, confirmed by an emailed
/// link (then a button), which signs the browser in and ends every other session.
async fn password_by_email(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    app.create_user("hana@camden.example", Some(PW)).await;
    let old = app.browser();
    assert_eq!(app.sign_in(&old, "hana@camden.example", PW).await.status(), 303);
    let c = app.browser();
    // The password page links to it.
    let csrf = app.csrf(&c, "/login").await;
    let page = c.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", "hana@camden.example")]).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("/login/password/new?"));
    // Refusals: mismatch, weak.
    let r = ask_password(&app, &c, "hana@camden.example", "a brand new secret", "a brand new secreT").await;
    assert_eq!(r.status(), 422);
    let r = ask_password(&app, &c, "hana@camden.example", "password", "password").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("most commonly used"));
    // Known and unknown addresses: the same page; only the known one gets mail.
    const NEW: &str = "a brand new secret";
    let known = ask_password(&app, &c, "hana@camden.example", NEW, NEW).await;
    assert_eq!(known.status(), 200);
    let known = known.text().await.unwrap();
    let unknown = ask_password(&app, &c, "nobody@camden.example", NEW, NEW).await.text().await.unwrap();
    assert_eq!(scrub(&known, "hana@camden.example"), scrub(&unknown, "nobody@camden.example"));
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert!(mail.header("Subject").unwrap().contains("Confirm your new password"));
    mail.part("text/html");
    let link = mail.link();
    assert!(link.starts_with(&format!("{}/login/password/new/confirm?t=", app.base)), "{link}");
    // Nothing changes until the link is used.
    assert_eq!(app.sign_in(&app.browser(), "hana@camden.example", PW).await.status(), 303);
    let other = app.browser();
    let page = other.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Confirm my password"));
    let csrf = csrf_in(&page).unwrap();
    let t = field_in(&page, "t").unwrap();
    let r = other.post(app.url("/login/password/new/confirm")).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/authorize?x=1");
    assert!(other.get(app.url("/account")).send().await.unwrap().text().await.unwrap().contains("hana@camden.example"));
    // The old session is gone; the old password no longer works; the new one does.
    assert_eq!(old.get(app.url("/account")).send().await.unwrap().status(), 303);
    assert_eq!(app.sign_in(&app.browser(), "hana@camden.example", PW).await.status(), 401);
    assert_eq!(app.sign_in(&app.browser(), "hana@camden.example", NEW).await.status(), 303);
    // Single use.
    let r = other.post(app.url("/login/password/new/confirm")).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(app.browser().get(&link).send().await.unwrap().status(), 410);
    let actions = app.audit_actions().await;
    assert!(actions.contains(&("password.set".into(), "success".into())));
    assert!(actions.contains(&("password.email.request".into(), "failure".into())));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);
    app.finish().await;
}
both!(password_by_email);

pub(crate) async fn request_email_change(app: &TestApp, c: &reqwest::Client, new: &str) -> reqwest::Response {
    let csrf = app.csrf(c, "/account").await;
    c.post(app.url("/account/email")).form(&[("csrf", csrf.as_str()), ("new_email", new)]).send().await.unwrap()
}

fn to_of(m: &ReceivedMail) -> String {
    m.header("To").unwrap()
}

/// Changing one's address: a link to the new address, a notice to the old, single use, and
/// addresses stay unique.
async fn email_change(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let ivy = app.create_user("ivy@camden.example", Some(PW)).await;
    app.create_user("jo@camden.example", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "ivy@camden.example", PW).await.status(), 303);
    let r = request_email_change(&app, &c, "Ivy.New@Camden.example").await;
    // POST-redirect-GET: the notice (with the new address, never in the URL) is shown once.
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let page = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("We have sent a link to ivy.new@camden.example"), "{page}");
    let again = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("We have sent a link"), "a reload does not show the notice again");
    let msgs: Vec<ReceivedMail> = sink.wait_for(2).await.iter().map(|m| ReceivedMail::parse(m)).collect();
    let confirm = msgs.iter().find(|m| to_of(m).contains("ivy.new@camden.example")).expect("a link to the new address");
    let notice = msgs.iter().find(|m| to_of(m).contains("ivy@camden.example")).expect("a notice to the old address");
    assert!(notice.part("text/plain").contains("ivy.new@camden.example"));
    assert!(!notice.raw.contains("/account/email/confirm"), "the old address never gets the link");
    notice.part("text/html");
    let link = confirm.link();
    assert!(link.starts_with(&format!("{}/account/email/confirm?t=", app.base)), "{link}");
    // Nothing changes until the link is used (by a button, in any browser).
    assert_eq!(store::users::by_id(&app.state.db, &ivy.id).await.unwrap().unwrap().email, "ivy@camden.example");
    let other = app.browser();
    let page = other.get(&link).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    let t = field_in(&page, "t").unwrap();
    let r = other.post(app.url("/account/email/confirm")).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("ivy.new@camden.example"));
    assert_eq!(store::users::by_id(&app.state.db, &ivy.id).await.unwrap().unwrap().email, "ivy.new@camden.example");
    assert_eq!(app.sign_in(&app.browser(), "ivy.new@camden.example", PW).await.status(), 303);
    let r = other.post(app.url("/account/email/confirm")).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(app.audit_actions().await.contains(&("email.change".into(), "success".into())));

    // An address that has an account: the same answer, and nothing is sent.
    let r = request_email_change(&app, &c, "jo@camden.example").await;
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("We have sent a link to jo@camden.example"), "the same answer: {page}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 2);
    // Two pending changes to one address: the second to be used is refused.
    let kim = app.browser();
    app.create_user("kim@camden.example", Some(PW)).await;
    assert_eq!(app.sign_in(&kim, "kim@camden.example", PW).await.status(), 303);
    request_email_change(&app, &c, "shared@camden.example").await;
    request_email_change(&app, &kim, "shared@camden.example").await;
    let links: Vec<String> = sink
        .wait_for(6)
        .await
        .iter()
        .map(|m| ReceivedMail::parse(m))
        .filter(|m| to_of(m).contains("shared@camden.example"))
        .map(|m| m.link())
        .collect();
    assert_eq!(links.len(), 2);
    assert_eq!(press_email_link(&app, &links[0]).await, 200);
    assert_eq!(press_email_link(&app, &links[1]).await, 409);
    app.finish().await;
}
both!(email_change);

pub(crate) async fn press_email_link(app: &TestApp, link: &str) -> reqwest::StatusCode {
    let b = app.browser();
    let page = b.get(link).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    let t = field_in(&page, "t").unwrap();
    b.post(app.url("/account/email/confirm")).form(&[("csrf", csrf.as_str()), ("t", t.as_str())]).send().await.unwrap().status()
}

/// An emailed link is one factor: a user with 2FA still gives a code before there is a session.
async fn email_sign_in_feeds_second_factor(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let user = app.create_user("twofa@camden.example", Some(PW)).await;
    let who = stile::auth::ClientInfo::default();
    let enrolment = stile::auth::mfa::begin_enrolment(&app.state, &user).await.unwrap();
    let code_at = |t: i64| {
        let secret = totp_rs::Secret::try_from_base32(&enrolment.secret_base32).unwrap();
        totp_rs::Builder::new().with_secret(secret).build_noncompliant().generate(u64::try_from(t).unwrap()).to_string()
    };
    stile::auth::mfa::confirm_enrolment(&app.state, &user, &code_at(app.state.now()), &who).await.unwrap();
    app.clock.advance(30);
    let c = app.browser();
    assert_eq!(ask(&app, &c, "twofa@camden.example", "/account").await.status(), 200);
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    let r = open_link(&c, &mail.link()).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login/2fa");
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), 303, "no session before the second factor");
    let page = c.get(app.url("/login/2fa")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    let r =
        c.post(app.url("/login/2fa")).form(&[("csrf", csrf.as_str()), ("code", code_at(app.state.now()).as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    assert_eq!(amr_of(&app, &user.id).await, "[\"email\",\"otp\",\"mfa\"]");
    app.finish().await;
}
both!(email_sign_in_feeds_second_factor);

/// The queue is bounded: with the mail server down and the queue full, a request is told to try
/// again later instead of piling up more mail.
#[tokio::test]
async fn full_queue_says_busy() {
    let sink = SmtpSink::stopped();
    let app = start(Backend::Sqlite, &sink, |s| s.mail.max_queued = 1).await;
    app.create_user("one@camden.example", None).await;
    app.create_user("two@camden.example", None).await;
    let c = app.browser();
    assert_eq!(ask(&app, &c, "one@camden.example", "/account").await.status(), 200);
    let r = ask(&app, &c, "two@camden.example", "/account").await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("busy"));
    assert!(store::outbox::to_address(&app.state.db, "two@camden.example").await.unwrap().is_empty());
    app.finish().await;
}

/// A person without a password goes straight to emailed sign-in, from a browser that has signed
/// in to that address by emailed link before; any other browser gets the same password page for
/// every address (known, unknown, with or without a password), so nothing is revealed.
async fn passwordless_straight_to_email(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let user = app.create_user("nopw@camden.example", None).await;
    app.create_user("haspw@camden.example", Some(PW)).await;
    let post_email = |c: reqwest::Client, email: &'static str| {
        let app = &app;
        async move {
            let csrf = app.csrf(&c, "/login").await;
            c.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("email", email), ("next", "/account")]).send().await.unwrap()
        }
    };
    let c = app.browser();
    let mut first = Vec::new();
    for email in ["nopw@camden.example", "haspw@camden.example", "nobody@camden.example"] {
        let r = post_email(c.clone(), email).await;
        assert_eq!(r.status(), 200, "{email}");
        let page = r.text().await.unwrap();
        assert!(page.contains("name=\"password\"") && page.contains("No, let me sign in by email"), "{email}: {page}");
        first.push(page.replace(email, "EMAIL").replace(&csrf_in(&page).unwrap(), "CSRF"));
    }
    assert!(first.iter().all(|p| *p == first[0]), "the same page for every address");

    // Signed in by emailed code in this browser: next time, straight to the emailed sign-in.
    let r = ask(&app, &c, "nopw@camden.example", "/account").await;
    let page = r.text().await.unwrap();
    let mail = ReceivedMail::parse(&sink.wait_for(1).await[0]);
    assert_eq!(type_code(&app, &c, &page, &mail.code()).await.status(), 303);
    let r = post_email(c.clone(), "nopw@camden.example").await;
    assert_eq!(r.status(), 307, "re-posted to the emailed sign-in");
    assert_eq!(location(&r), "/login/email");
    // Following it (the same form) sends the email and asks for the code.
    let csrf = app.csrf(&c, "/login").await;
    let r = c
        .post(app.url("/login/email"))
        .form(&[("csrf", csrf.as_str()), ("email", "nopw@camden.example"), ("next", "/account")])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Check your email"));
    // Not for other addresses in this browser, nor for this address in another browser.
    for email in ["haspw@camden.example", "nobody@camden.example"] {
        assert_eq!(post_email(c.clone(), email).await.status(), 200, "{email}");
    }
    assert_eq!(post_email(app.browser(), "nopw@camden.example").await.status(), 200);
    // A stranger cannot make the mark: one computed without the deployment's key (the unkeyed
    // hash of the address) gets the same password page as everyone else.
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let html = raw.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&html).unwrap();
    for forged in [
        stile::secret::token_hash("email-signin:nopw@camden.example").chars().take(32).collect::<String>(),
        stile::secret::token_hash("nopw@camden.example"),
    ] {
        let r = raw
            .post(app.url("/login"))
            .header("cookie", format!("stile_csrf={csrf}; stile_by_email={forged}"))
            .form(&[("csrf", csrf.as_str()), ("email", "nopw@camden.example"), ("next", "/account")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "a forged mark must not reveal a password-less account");
    }
    // Once the account has a password, the password page again.
    store::users::set_password_hash(
        &app.state.db,
        &user.id,
        "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        app.state.now(),
    )
    .await
    .unwrap();
    assert_eq!(post_email(c.clone(), "nopw@camden.example").await.status(), 200);
    app.finish().await;
}
both!(passwordless_straight_to_email);

/// Bans match addresses, so moving off a banned address would end the ban: a change link asked
/// for before the ban is refused after it (spent, audited), and no link goes to a banned address.
async fn a_banned_person_cannot_move_off_the_ban(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let sink = SmtpSink::started().await;
    let app = start(b, &sink, |_| {}).await;
    let eve = app.create_user("eve@bad.example", Some(PW)).await;
    let c = app.browser();
    assert_eq!(app.sign_in(&c, "eve@bad.example", PW).await.status(), 303);
    assert_eq!(request_email_change(&app, &c, "eve@good.example").await.status(), 303);
    let link =
        sink.wait_for(2).await.iter().map(|m| ReceivedMail::parse(m)).find(|m| to_of(m).contains("eve@good.example")).unwrap().link();
    // Banned as a race with a session would leave it: the row only (the admin path also ends sessions).
    store::abuse::insert(&app.state.db, "bad.example", "domain", "test", app.state.now()).await.unwrap();
    assert_eq!(press_email_link(&app, &link).await, 410);
    assert_eq!(store::users::by_id(&app.state.db, &eve.id).await.unwrap().unwrap().email, "eve@bad.example");
    assert_eq!(app.sign_in(&app.browser(), "eve@good.example", PW).await.status(), 401);
    store::abuse::delete(&app.state.db, "bad.example").await.unwrap();
    assert_eq!(app.browser().get(&link).send().await.unwrap().status(), 410, "the refusal spent the link");
    assert!(app.audit_actions().await.contains(&("email.change".into(), "failure".into())));

    // No link to a banned address; the answer is the one a taken address gets.
    store::abuse::insert(&app.state.db, "spam.example", "domain", "test", app.state.now()).await.unwrap();
    assert_eq!(request_email_change(&app, &c, "eve@mail.spam.example").await.status(), 303);
    let page = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("We have sent a link to eve@mail.spam.example"), "the same answer: {page}");
    let refused: Vec<String> =
        sqlx::query_scalar("select details from audit_events where action = 'email.change.request' and outcome = 'failure'")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    assert!(refused.len() == 1 && refused[0].contains("banned"), "refused, nothing queued: {refused:?}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 2, "nothing sent");

    // A link asked for before its new address was banned: refused too.
    assert_eq!(request_email_change(&app, &c, "eve@later.example").await.status(), 303);
    let link =
        sink.wait_for(4).await.iter().map(|m| ReceivedMail::parse(m)).find(|m| to_of(m).contains("eve@later.example")).unwrap().link();
    store::abuse::insert(&app.state.db, "eve@later.example", "email", "test", app.state.now()).await.unwrap();
    assert_eq!(press_email_link(&app, &link).await, 410);
    assert_eq!(store::users::by_id(&app.state.db, &eve.id).await.unwrap().unwrap().email, "eve@bad.example");
    app.finish().await;
}
both!(a_banned_person_cannot_move_off_the_ban);
