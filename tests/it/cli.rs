//! The `stile` command line, run as a separate process as an operator would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::harness::{Backend, TestDb};

pub(crate) struct Cli {
    pub(crate) db: TestDb,
}

impl Cli {
    pub(crate) async fn new(b: Backend) -> Self {
        Cli { db: TestDb::new(b).await }
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_stile"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("STILE__DATA_DIR", self.db.dir.path())
            .env("STILE__DATABASE__URL", &self.db.url)
            .env("STILE__PASSWORD__ARGON2_MEMORY_KIB", "1024")
            .env("STILE__PASSWORD__ARGON2_ITERATIONS", "1")
            .env("STILE__LOG__FILTER", "warn")
            .stdin(Stdio::null());
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    pub(crate) fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self.cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

pub(crate) fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub(crate) fn ok(o: Output) -> String {
    assert!(o.status.success(), "failed: stdout={} stderr={}", out(&o), err(&o));
    out(&o)
}

pub(crate) fn fails(o: Output) -> String {
    assert!(!o.status.success(), "should have failed: {}", out(&o));
    let e = err(&o);
    assert_eq!(e.trim_end().lines().count(), 1, "one-line reason, got: {e}");
    e
}

async fn commands(b: Backend) {
    let cli = Cli::new(b).await;
    assert!(ok(cli.run(&["migrate"])).contains("up to date"));
    // createsuperuser: policy refusals, then success, then promotion of an existing user.
    let e = fails(cli.run_with_stdin(&["createsuperuser", "root@example.org", "--password-stdin"], "password1\n"));
    assert!(e.contains("most commonly used"), "{e}");
    let e = fails(cli.run_with_stdin(&["createsuperuser", "root@example.org", "--password-stdin"], "short\n"));
    assert!(e.contains("at least 8"), "{e}");
    let e = fails(cli.run(&["createsuperuser", "root@example.org"]));
    assert!(e.contains("--password-stdin"), "{e}");
    let o = ok(
        cli.run_with_stdin(&["createsuperuser", "Root@Example.org", "--name", "Root User", "--password-stdin"], "a long enough password\n")
    );
    assert!(o.contains("Created superuser root@example.org"), "{o}");
    ok(cli.run(&["user", "add", "staff@camden.gov.uk", "--name", "Staff Member"]));
    let e = fails(cli.run(&["user", "add", "STAFF@camden.gov.uk"]));
    assert!(e.contains("already exists"), "{e}");
    let o = ok(cli.run(&["createsuperuser", "staff@camden.gov.uk"]));
    assert!(o.contains("is now a superuser"), "{o}");
    // Imported bcrypt hash.
    let bc = bcrypt::hash("imported secret", 4).unwrap();
    ok(cli.run(&["user", "add", "fms@camden.gov.uk", "--password-hash", &bc]));
    let e = fails(cli.run(&["user", "add", "bad@camden.gov.uk", "--password-hash", "plaintext"]));
    assert!(e.contains("--password-hash"), "{e}");
    let e = fails(cli.run(&["user", "add", "not an email"]));
    assert!(e.contains("email"), "{e}");
    let list = ok(cli.run(&["user", "list"]));
    assert!(list.contains("root@example.org") && list.contains("superuser"));
    assert!(list.contains("staff@camden.gov.uk"));
    assert_eq!(ok(cli.run(&["user", "list", "--search", "fms@"])).lines().count(), 2);
    // Bodies and memberships.
    let o = ok(cli.run(&[
        "body",
        "add",
        "Camden Council",
        "--kind",
        "council",
        "--domain",
        "Camden.gov.uk",
        "--fms-body-id",
        "2504",
        "--password-min-length",
        "12",
    ]));
    assert!(o.contains("with 4 roles"), "{o}");
    let o = ok(cli.run(&["body", "add", "Acme Utilities", "--kind", "promoter", "--swa-code", "7001"]));
    assert!(o.contains("roles"), "{o}");
    let e = fails(cli.run(&["body", "add", "Camden Council", "--kind", "council"]));
    assert!(e.contains("already exists"), "{e}");
    let e = fails(cli.run(&["body", "add", "X", "--kind", "parish"]));
    assert!(e.contains("--kind must be one of"), "{e}");
    let e = fails(cli.run(&["body", "add", "Y", "--kind", "council", "--domain", "camden.gov.uk"]));
    assert!(e.contains("domain"), "{e}");
    let bodies = ok(cli.run(&["body", "list"]));
    assert!(bodies.contains("Camden Council") && bodies.contains("camden.gov.uk") && bodies.contains("Acme Utilities"));
    assert!(!bodies.contains("\nY "));
    ok(cli.run(&["member", "add", "staff@camden.gov.uk", "Camden Council", "--role", "Inspectors"]));
    let e = fails(cli.run(&["member", "add", "fms@camden.gov.uk", "Camden Council", "--role", "Wizard"]));
    assert!(e.contains("has no role"), "{e}");
    let show = ok(cli.run(&["user", "show", "STAFF@camden.gov.uk"]));
    assert!(show.contains("superuser:      true"));
    assert!(show.contains("Camden Council (council) roles: Inspectors"), "{show}");
    // check-config.
    assert!(ok(cli.run(&["check-config"])).contains("Configuration is valid"));
    cli.db.drop_db().await;
}
crate::both!(commands);

#[tokio::test]
async fn config_errors_and_help() {
    let cli = Cli::new(Backend::Sqlite).await;
    let e = fails(cli.cmd(&["check-config"]).env("STILE__SERVER__LISTN", "x").output().unwrap());
    assert!(e.contains("listn"), "{e}");
    let e = fails(cli.cmd(&["check-config"]).env("STILE__SERVER__LISTEN", "nonsense").output().unwrap());
    assert!(e.contains("server.listen"), "{e}");
    let e = fails(cli.run(&["--config", "/nonexistent.toml", "check-config"]));
    assert!(e.contains("does not exist"), "{e}");
    let file = cli.db.dir.path().join("overlay.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:9000\"\n").unwrap();
    let o = ok(cli.run(&["--config", file.to_str().unwrap(), "check-config"]));
    assert!(o.contains("127.0.0.1:9000"), "{o}");
    let o = ok(cli.cmd(&["check-config"]).env("STILE__SERVER__LISTEN", "127.0.0.1:9001").output().unwrap());
    assert!(o.contains("127.0.0.1:9001"));
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["createsuperuser", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "list", "--help"],
        vec!["user", "show", "--help"],
        vec!["body", "add", "--help"],
        vec!["body", "list", "--help"],
        vec!["member", "add", "--help"],
        vec!["check-config", "--help"],
    ] {
        let o = ok(cli.run(&args));
        assert!(o.contains("Usage:"), "{args:?}: {o}");
    }
    assert!(!cli.run(&["frobnicate"]).status.success());
}

/// Starts `stile serve` on a free port, with `env` added; returns the process, its base URL and
/// what it printed up to the demo's address (stdout is drained after, so the server never
/// writes to a closed pipe).
fn serve(cli: &Cli, env: &[(&str, &str)]) -> (std::process::Child, String, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = cli.cmd(&["serve"]);
    cmd.env("STILE__SERVER__LISTEN", format!("127.0.0.1:{port}")).env("STILE__SERVER__ISSUER", &base);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        let mut text = String::new();
        let mut sent = false;
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
            if !sent && text.contains("/demo\n") {
                let _ = tx.send(text.clone());
                sent = true;
            }
        }
        if !sent {
            let _ = tx.send(text);
        }
    });
    let text = rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap();
    (child, base, text)
}

/// Kills the process when dropped, so a failed assertion leaves no server behind.
struct Running(std::process::Child);

impl Running {
    /// Sends SIGTERM, as a service manager or `kill` does.
    fn term(&self) {
        assert!(Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status().unwrap().success());
    }

    /// How the process ended, if it does within `within`.
    async fn stopped_within(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status);
            }
            if std::time::Instant::now() >= until {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A SIGTERM sent while the server is still migrating its database is kept: the start-up
/// finishes, and the server stops as soon as it is up (cleanly, not killed by the signal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_asked_for_during_start_up_is_kept() {
    let cli = Cli::new(Backend::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = cli
        .cmd(&["serve"])
        .env("STILE__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("STILE__SERVER__ISSUER", format!("http://127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    // The database file appears when start-up opens it, before its migrations run.
    let db_file = cli.db.dir.path().join("test.db");
    for _ in 0..2000 {
        if db_file.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    assert!(db_file.exists(), "start-up opened the database");
    server.term();
    let status = server.stopped_within(std::time::Duration::from_secs(60)).await.expect("it stops");
    assert!(status.success(), "stopped cleanly, not by the signal: {status:?}");
    let mut printed = String::new();
    std::io::Read::read_to_string(server.0.stdout.as_mut().unwrap(), &mut printed).unwrap();
    assert!(printed.contains("Stile is listening on"), "it finished starting first: {printed}");
}

/// The first SIGTERM stops gracefully: no new connection is served, and a request still being
/// sent holds the stop (up to the request timeout). A second one, a second or more later, stops
/// the process at once; one sent again straight away is taken as the same request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_stop_signal_does_not_wait() {
    let cli = Cli::new(Backend::Sqlite).await;
    let (child, base, _) = serve(&cli, &[("STILE__SERVER__REQUEST_TIMEOUT_SECS", "120")]);
    let mut server = Running(child);
    let http = reqwest::Client::new();
    // Serving (the banner comes before the start-up checks).
    let mut up = false;
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the server came up");
    // A form whose body never finishes arriving.
    let mut slow = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    slow.write_all(
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=",
    )
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    server.term();
    server.term();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(server.0.try_wait().unwrap().is_none(), "the first signal (sent twice at once) waits for the request in flight");
    let quick = reqwest::Client::builder().timeout(std::time::Duration::from_secs(2)).build().unwrap();
    assert!(quick.get(format!("{base}/healthz")).send().await.is_err(), "no new connection is served");
    server.term();
    assert!(server.stopped_within(std::time::Duration::from_secs(10)).await.is_some(), "the second signal stops it within ten seconds");
    drop(slow);
}

#[tokio::test]
async fn serve_prints_first_start_help_and_the_demo_works() {
    let cli = Cli::new(Backend::Sqlite).await;
    let (mut child, base, text) = serve(&cli, &[]);
    assert!(text.contains(&format!("Stile is listening on {base}")), "{text}");
    assert!(text.contains("stile createsuperuser"), "{text}");
    assert!(cli.db.dir.path().join("master.key").exists());
    let line = |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_owned())).unwrap();
    let password = line("password:");
    let start = text.lines().map(str::trim).find(|l| l.starts_with(&format!("{base}/demo"))).unwrap().to_owned();
    assert_eq!(start, format!("{base}/demo"));

    // The walk-through as a person would follow it: the demo page starts the flow itself.
    let app_like = crate::harness::Remote { base: base.clone() };
    let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = browser.get(&start).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/demo/start\""), "{page}");
    let r = browser.get(format!("{base}/demo/start")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let authorize = crate::harness::location(&r);
    assert!(authorize.starts_with(&format!("{base}/authorize?")) && authorize.contains("code_challenge="), "{authorize}");
    let r = browser.get(&authorize).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let next = url::Url::parse(&format!("{base}{}", crate::harness::location(&r)))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "next")
        .unwrap()
        .1
        .into_owned();
    let r = app_like.sign_in_next(&browser, "demo@example.org", &password, &next).await;
    assert_eq!(r.status(), 303);
    let r = browser.get(format!("{base}{}", crate::harness::location(&r))).send().await.unwrap();
    let callback = crate::harness::location(&r);
    assert!(callback.starts_with(&format!("{base}/demo/callback?code=")), "{callback}");

    // A callback whose state is not this browser's sign-in is refused (and ends that sign-in).
    let forged = callback.replace("state=", "state=x");
    let page = browser.get(&forged).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("does not match the sign-in this browser started"), "{page}");
    assert!(!page.contains("name=\"access_token\""), "{page}");

    // A fresh sign-in (the session is there now) comes back and the page shows the checked tokens.
    let r = browser.get(format!("{base}/demo/start")).send().await.unwrap();
    let r = browser.get(crate::harness::location(&r)).send().await.unwrap();
    let callback = crate::harness::location(&r);
    assert!(callback.starts_with(&format!("{base}/demo/callback?code=")), "{callback}");
    let page = browser.get(&callback).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("The demo app stopped"), "{page}");
    assert!(page.contains("The ID token: who signed in") && page.contains("demo@example.org"), "{page}");
    assert!(page.contains("The access token: what APIs may let them do"), "{page}");
    assert!(page.contains("/end_session?client_id=stile-demo"), "{page}");
    // The same code twice: the exchange is refused and the page says so.
    let replay = browser.get(&callback).send().await.unwrap().text().await.unwrap();
    assert!(replay.contains("The demo app stopped"), "{replay}");

    let field = |page: &str, name: &str| {
        let at = page.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        page[at..].split('"').next().unwrap().to_owned()
    };
    let mut held = vec![
        ("id_token", field(&page, "id_token")),
        ("access_token", field(&page, "access_token")),
        ("refresh_token", field(&page, "refresh_token")),
    ];
    // A forged next step (another site's form: no token, a wrong one, or this browser's token
    // posted without its cookie) is refused before anything is spent or shown.
    let csrf = crate::harness::csrf_in(&page).expect("the next steps carry a CSRF token");
    let mut wrong = held.clone();
    wrong.push(("csrf", "x".repeat(csrf.len())));
    let mut right = held.clone();
    right.push(("csrf", csrf.clone()));
    let elsewhere = reqwest::Client::new();
    for step in ["userinfo", "refresh"] {
        let url = format!("{base}/demo/{step}");
        assert_eq!(browser.post(&url).form(&held).send().await.unwrap().status(), 403, "{step} without a token");
        assert_eq!(browser.post(&url).form(&wrong).send().await.unwrap().status(), 403, "{step} with a wrong token");
        assert_eq!(elsewhere.post(&url).form(&right).send().await.unwrap().status(), 403, "{step} without the cookie");
    }
    held.push(("csrf", csrf));
    let info = browser.post(format!("{base}/demo/userinfo")).form(&held).send().await.unwrap().text().await.unwrap();
    assert!(info.contains("What the userinfo endpoint says") && info.contains("demo@example.org"), "{info}");
    let refreshed = browser.post(format!("{base}/demo/refresh")).form(&held).send().await.unwrap().text().await.unwrap();
    assert!(refreshed.contains("The refresh token was rotated"), "{refreshed}");
    assert_ne!(field(&refreshed, "refresh_token"), held[2].1);
    // The old refresh token is spent.
    let again = browser.post(format!("{base}/demo/refresh")).form(&held).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("The token endpoint refused") && again.contains("invalid_grant"), "{again}");
    let _ = child.kill();
    let _ = child.wait();
}
