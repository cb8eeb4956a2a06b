//! Test harness: a fresh database (SQLite file or PostgreSQL database) and a running Stile on a
//! random port with a controllable clock.

use std::sync::Arc;

use reqwest::redirect::Policy;
use stile::app::AppState;
use stile::clock::{ManualClock, OsRandom};
use stile::config::Settings;
use stile::email::Email;
use stile::secret::SecretString;
use stile::store::{self, users::NewUser, users::UserRow};
use tempfile::TempDir;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `mod NAME { sqlite(), postgres() }` running `NAME(backend)` on each database. The
/// PostgreSQL one is skipped in the fast tier.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::harness::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::harness::skip_in_fast_tier("PostgreSQL") {
                    return;
                }
                super::$name($crate::harness::Backend::Postgres).await
            }
        }
    };
}

/// The fast tier (`scripts/test --fast`, or `STILE_TEST_FAST=1`): only tests that need nothing
/// outside this process and SQLite. Others return at once through [`skip_in_fast_tier`].
pub fn fast_tier() -> bool {
    std::env::var("STILE_TEST_FAST").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Call first in a test that needs `what` (PostgreSQL, Python, Node, Chromium): in the fast tier
/// it says so and returns true (the test returns), so a skip is never mistaken for a pass. The
/// skipped test is named on stderr and appended to the file `STILE_TEST_SKIPPED` names, if set
/// (`scripts/test --fast` lists them at the end).
pub fn skip_in_fast_tier(what: &str) -> bool {
    if !fast_tier() {
        return false;
    }
    let test = std::thread::current().name().unwrap_or("?").to_owned();
    eprintln!("SKIPPED in the fast tier (needs {what}): {test}");
    if let Ok(path) = std::env::var("STILE_TEST_SKIPPED") {
        use std::io::Write as _;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{test}\t{what}");
        }
    }
    true
}

/// Guards each start of an outside peer: in the fast tier, a test that reaches one without
/// having called [`skip_in_fast_tier`] fails, so the tier never quietly needs more than SQLite.
pub fn outside_peer(what: &str) {
    assert!(
        !fast_tier(),
        "this test needs {what}, which the fast tier (STILE_TEST_FAST) does not have: start it with \
         `if harness::skip_in_fast_tier(\"{what}\") {{ return; }}`"
    );
}

pub fn postgres_admin_url() -> String {
    std::env::var("STILE_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub struct TestDb {
    pub url: String,
    pub dir: TempDir,
    pub pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDb { url, dir, pg_name: None }
            }
            Backend::Postgres => {
                outside_peer("PostgreSQL");
                let name = format!("stile_t_{}", stile::secret::random_id(&OsRandom, 9).to_lowercase().replace(['-', '_'], "x"));
                let admin = postgres_admin_url();
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL must be running at {admin} for the tests (.ci/run starts it): {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}"))).execute(&mut conn).await.unwrap();
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&name);
                TestDb { url: url.to_string(), dir, pg_name: Some(name) }
            }
        }
    }

    pub async fn drop_db(&self) {
        if let Some(name) = &self.pg_name
            && let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&postgres_admin_url()).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"))).execute(&mut conn).await;
        }
    }
}

/// Settings for tests: cheap argon2 so the suite stays fast, a throwaway data directory.
pub fn test_settings(db: &TestDb) -> Settings {
    let mut s = Settings::load_without_env(None).unwrap();
    s.data_dir = db.dir.path().to_path_buf();
    s.database.url = db.url.clone();
    s.database.max_connections = 5;
    s.password.argon2_memory_kib = 1024;
    s.password.argon2_iterations = 1;
    s.server.issuer = "http://127.0.0.1:8080".into();
    // Test peers (JWKS servers, back-channel logout receivers) listen on loopback.
    s.oauth.outbound_allow_loopback = true;
    s
}

/// A migrated SQLite database with its signing keys and the master key that encrypts them,
/// made once per test run. Making two RSA keys is most of a fresh app's start (about 0.6 s of
/// 1 s), so every SQLite [`TestApp::start`] begins from a copy; what each test writes is still
/// its own. Tests of a first start (keys and master key created) use [`TestDb`] and
/// [`TestApp::start_on`], which never copy it.
static SQLITE_TEMPLATE: tokio::sync::OnceCell<std::path::PathBuf> = tokio::sync::OnceCell::const_new();

async fn copy_sqlite_template(db: &TestDb) {
    let template = SQLITE_TEMPLATE
        .get_or_init(|| async {
            let dir = TestDb::new(Backend::Sqlite).await;
            let (state, _) =
                AppState::build(test_settings(&dir), Arc::new(stile::clock::SystemClock), Arc::new(OsRandom), None).await.unwrap();
            // Closing the last connection checkpoints the WAL into the database file.
            state.db.close().await;
            dir.dir.keep()
        })
        .await;
    for entry in std::fs::read_dir(template).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, db.dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
}

pub struct TestApp {
    pub state: AppState,
    pub clock: ManualClock,
    pub base: String,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDb::new(backend).await;
        if backend == Backend::Sqlite {
            copy_sqlite_template(&db).await;
        }
        let mut settings = test_settings(&db);
        tweak(&mut settings);
        Self::start_on(db, settings).await
    }

    pub async fn start_on(db: TestDb, mut settings: Settings) -> Self {
        let clock = ManualClock::starting_now();
        let listener = stile::server::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        // The issuer is this server, so relying-party libraries find what discovery promises.
        settings.server.issuer = base.clone();
        let (state, _) = AppState::build(settings, Arc::new(clock.clone()), Arc::new(OsRandom), None).await.unwrap();
        let (tx, rx) = oneshot::channel();
        let st = state.clone();
        let server = tokio::spawn(async move {
            stile::server::serve(st, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestApp { state, clock, base, db, shutdown: Some(tx), server: Some(server) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a form POST's head announcing `length` bytes of body (plus `headers`, each line ending
    /// in CRLF), sends no body, and returns the answer's head and body. A client that sends a body
    /// the server refuses unread can get the kernel's reset before the answer (this raced under
    /// load in CI), so a body-limit refusal is tested this way.
    pub async fn oversized_post(&self, path: &str, length: usize, headers: &str) -> (String, String) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let host = self.base.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {length}\r\nConnection: close\r\n{headers}\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        // Reads the head, then as much body as it announces: the server may keep the connection
        // open waiting for the body it refused, so end of stream is not awaited.
        let read = async {
            loop {
                if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8(got[..end].to_vec()).unwrap();
                    let want = head
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                        .unwrap_or(0);
                    if got.len() >= end + 4 + want {
                        let body = String::from_utf8(got[end + 4..end + 4 + want].to_vec()).unwrap();
                        return (head, body);
                    }
                }
                let n = s.read(&mut buf).await.unwrap();
                assert!(n > 0, "connection closed before a full answer: {}", String::from_utf8_lossy(&got));
                got.extend_from_slice(&buf[..n]);
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), read).await.expect("no answer within 10 s")
    }

    /// A browser: cookie store, no redirect following.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
    }

    pub async fn create_user(&self, email: &str, password: Option<&str>) -> UserRow {
        let email = Email::parse(email).unwrap();
        let hash = match password {
            Some(p) => Some(self.state.hasher.hash(&SecretString::new(p)).await.unwrap()),
            None => None,
        };
        self.insert_user(&email, hash.as_deref()).await
    }

    pub async fn insert_user(&self, email: &Email, hash: Option<&str>) -> UserRow {
        let now = self.state.now();
        let id = store::new_id(now, &*self.state.rng);
        store::users::insert(
            &self.state.db,
            &NewUser { id: &id, email, name: "Test User", email_verified: true, password_hash: hash, superuser: false },
            now,
        )
        .await
        .unwrap();
        store::users::by_id(&self.state.db, &id).await.unwrap().unwrap()
    }

    /// GETs `path` and returns the CSRF token in its form.
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let body = client.get(self.url(path)).send().await.unwrap().text().await.unwrap();
        csrf_in(&body).unwrap_or_else(|| panic!("no csrf field on {path}"))
    }

    /// Goes through both sign-in pages; returns the password page's response.
    pub async fn sign_in(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        self.sign_in_next(client, email, password, "/account").await
    }

    pub async fn sign_in_next(&self, client: &reqwest::Client, email: &str, password: &str, next: &str) -> reqwest::Response {
        let csrf = self.password_step(client, email, next).await;
        client
            .post(self.url("/login/password"))
            .form(&[("csrf", csrf.as_str()), ("email", email), ("password", password), ("next", next)])
            .send()
            .await
            .unwrap()
    }

    /// The sign-in's first step (the address): returns the CSRF token of the password page.
    pub async fn password_step(&self, client: &reqwest::Client, email: &str, next: &str) -> String {
        let csrf = self.csrf(client, "/login").await;
        let res = client.post(self.url("/login")).form(&[("csrf", csrf.as_str()), ("email", email), ("next", next)]).send().await.unwrap();
        csrf_in(&res.text().await.unwrap()).unwrap_or(csrf)
    }

    pub async fn audit_actions(&self) -> Vec<(String, String)> {
        store::audit::recent(&self.state.db, None, 1000).await.unwrap().into_iter().map(|e| (e.action, e.outcome)).collect()
    }

    /// Stops the server as a shutdown signal does, and waits until `serve` returns (the database
    /// stays, for the test to look at).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            h.await.unwrap();
        }
    }

    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        self.state.db.close().await;
        self.db.drop_db().await;
    }
}

/// A page's `<html lang>` (the language tests' check that a page is Welsh or English).
pub fn lang_of(html: &str) -> &str {
    let start = html.find("<html lang=\"").map(|i| i + 12).unwrap_or(0);
    html.get(start..).and_then(|s| s.split('"').next()).unwrap_or("")
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// A Stile running in another process, reached over HTTP only.
pub struct Remote {
    pub base: String,
}

impl Remote {
    pub async fn sign_in_next(&self, client: &reqwest::Client, email: &str, password: &str, next: &str) -> reqwest::Response {
        let body = client.get(format!("{}/login", self.base)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&body).unwrap();
        let res = client
            .post(format!("{}/login", self.base))
            .form(&[("csrf", csrf.as_str()), ("email", email), ("next", next)])
            .send()
            .await
            .unwrap();
        let csrf = csrf_in(&res.text().await.unwrap()).unwrap_or(csrf);
        client
            .post(format!("{}/login/password", self.base))
            .form(&[("csrf", csrf.as_str()), ("email", email), ("password", password), ("next", next)])
            .send()
            .await
            .unwrap()
    }
}

/// Undoes the HTML escaping a browser undoes when it reads an attribute value.
pub fn html_unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real SMTP server (`tests/smtp_sink.py`, Python's aiosmtpd) that writes every message it
/// receives into a directory. One per test; killed when dropped.
pub struct SmtpSink {
    pub port: u16,
    pub dir: TempDir,
    child: Option<std::process::Child>,
    /// While stopped, the port stays bound but not listening: connections to it are refused
    /// (as to a mail server that is down), and no other test's peer can take the port meanwhile
    /// and receive this test's mail.
    reserved: Option<tokio::net::TcpSocket>,
}

impl SmtpSink {
    /// A sink on a free port, not yet running (to test a mail server that is down).
    pub fn stopped() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
        let port = socket.local_addr().unwrap().port();
        SmtpSink { port, dir: tempfile::tempdir().unwrap(), child: None, reserved: Some(socket) }
    }

    pub async fn started() -> Self {
        let mut s = Self::stopped();
        s.start().await;
        s
    }

    /// Starts the server and waits until it accepts connections.
    pub async fn start(&mut self) {
        outside_peer("Python");
        drop(self.reserved.take());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let child = std::process::Command::new("python3")
            .args([script, "--port", &self.port.to_string(), "--dir"])
            .arg(self.dir.path())
            .spawn()
            .expect("python3 must be installed with aiosmtpd (pip install aiosmtpd==1.4.6)");
        self.child = Some(child);
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("the SMTP sink exited ({status}); is aiosmtpd installed? pip install aiosmtpd==1.4.6");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the SMTP sink did not start on port {}", self.port);
    }

    /// Messages received so far, oldest first, raw.
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names.into_iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
    }

    /// Waits (up to 10 s) until at least `n` messages have arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("expected {n} message(s), the SMTP sink has {}", self.messages().len());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Points a test's mail at `sink` over plain SMTP, with a fast worker.
pub fn smtp_to(s: &mut Settings, sink: &SmtpSink) {
    s.mail.transport = stile::config::MailTransport::Smtp;
    s.mail.smtp_host = "127.0.0.1".into();
    s.mail.smtp_port = sink.port;
    s.mail.smtp_tls = stile::config::SmtpTls::None;
    s.mail.timeout_secs = 5;
    s.mail.poll_interval_secs = 1;
    s.mail.from = "Camden Sign-in <signin@camden.example>".into();
}

/// One received message, decoded enough to test: its headers and its parts by content type.
#[derive(Debug)]
pub struct ReceivedMail {
    pub raw: String,
    pub headers: String,
    pub parts: Vec<(String, String)>,
}

impl ReceivedMail {
    pub fn parse(raw: &str) -> Self {
        let (headers, _) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let unfolded = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
        let boundary = unfolded
            .split("boundary=")
            .nth(1)
            .map(|b| b.trim_start_matches('"').split(['"', ';', '\r', '\n']).next().unwrap().to_owned())
            .expect("a multipart message");
        let mut parts = Vec::new();
        for chunk in raw.split(&format!("--{boundary}")).skip(1) {
            let Some((h, body)) = chunk.split_once("\r\n\r\n") else { continue };
            let h = h.to_ascii_lowercase();
            let ctype = h.split("content-type:").nth(1).map(|v| v.trim().split(';').next().unwrap().trim().to_owned()).unwrap_or_default();
            let body = if h.contains("quoted-printable") {
                decode_qp(body)
            } else if h.contains("base64") {
                use base64::Engine;
                let joined: String = body.split_whitespace().collect();
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap()
            } else {
                body.to_owned()
            };
            parts.push((ctype, body));
        }
        ReceivedMail { raw: raw.to_owned(), headers: unfolded, parts }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.headers.split("\r\n").find(|l| l.to_ascii_lowercase().starts_with(&prefix)).map(|l| l[prefix.len()..].trim().to_owned())
    }

    pub fn part(&self, ctype: &str) -> &str {
        &self.parts.iter().find(|(t, _)| t == ctype).unwrap_or_else(|| panic!("no {ctype} part in {}", self.raw)).1
    }

    /// The sign-in link in the plain-text part.
    pub fn link(&self) -> String {
        let text = self.part("text/plain");
        let start = text.find("http").expect("a link");
        text[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// The 6-digit code in the plain-text part.
    pub fn code(&self) -> String {
        let text = self.part("text/plain");
        let marker = "code on the sign-in page: ";
        let start = text.find(marker).expect("a code") + marker.len();
        text[start..start + 6].to_owned()
    }
}

fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The value of a hidden form field.
pub fn field_in(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html_unescape(&html[start..start + end]))
}

/// Inserts a council (optional 2FA, default password rules) owning `domain` when one is given.
pub async fn insert_council(app: &TestApp, id: &str, name: &str, domain: Option<&str>) {
    let domains: Vec<String> = domain.map(str::to_owned).into_iter().collect();
    let body = stile::store::bodies::NewBody {
        id,
        name,
        kind: "council",
        fms_body_id: None,
        swa_code: None,
        mfa_policy: "optional",
        password_min_length: None,
        domains: &domains,
    };
    stile::store::bodies::insert(&app.state.db, &body, app.state.now()).await.unwrap();
}
