//! Real-browser tests: headless Debian Chromium driven by `playwright-core` (tests/browser/),
//! pages checked with axe-core. Each test prepares data here, runs one Node script against a
//! running Stile and asserts on its exit status and its JSON report. SQLite only: these are about
//! pages, not storage. Needs `/usr/bin/chromium` and `npm ci --prefix tests/browser` (.ci/run).

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::harness::{Backend, TestApp};

pub const PW: &str = "correct horse battery";

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Runs `tests/browser/<script>` with `input` as JSON; returns its report once it has passed.
pub async fn run_script(script: &str, input: &Value) -> Value {
    let dir = browser_dir();
    assert!(dir.join("node_modules/playwright-core").is_dir(), "the browser tests need their Node packages: npm ci --prefix tests/browser");
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "the browser tests need Debian's Chromium: apt-get install chromium chromium-driver"
    );
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(180),
        tokio::process::Command::new("node")
            .arg(dir.join(script))
            .current_dir(&dir)
            .env("STILE_BROWSER_INPUT", input.to_string())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{script} took more than 180 s"))
    .expect("node must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last =
        stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("{script} printed no report\n{stdout}\n{stderr}"));
    let report: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{script}: bad report ({e}): {last}"));
    let failures = serde_json::to_string_pretty(&report["failures"]).unwrap();
    assert!(out.status.success() && report["ok"] == true, "{script} failed:\n{failures}\nstderr:\n{stderr}");
    report
}

/// The names of the pages the report checked with axe.
pub fn pages_checked(report: &Value) -> Vec<String> {
    report["pages"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

/// Every sign-in and account page, in its normal and its error state, has no serious or
/// critical accessibility violation, and the journey through them works in a real browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signin_and_account_pages_are_accessible() {
    let app = TestApp::start(Backend::Sqlite).await;
    let user = app.create_user("ada@camden.example", Some(PW)).await;
    // A superuser must enrol in 2FA, so the journey meets every 2FA page.
    stile::store::users::set_superuser(&app.state.db, &user.id, true, app.state.now()).await.unwrap();
    let report = run_script(
        "signin_a11y.mjs",
        &json!({
            "base": app.base,
            "email": "ada@camden.example",
            "password": PW,
            "now": app.state.now(),
            "mail_dir": app.db.dir.path().join("mail"),
        }),
    )
    .await;
    let pages = pages_checked(&report);
    for name in ["sign-in: email", "sign-in: password", "sign-in: emailed link", "2FA: enrol", "2FA: code", "account: security"] {
        assert!(pages.iter().any(|p| p == name), "{name} not checked: {pages:?}");
    }
    assert!(report["steps"].as_array().unwrap().iter().any(|s| s == "signed in with a recovery code"));
    // The recovery code was spent by the browser's sign-in.
    assert_eq!(stile::store::totp::unused_recovery_codes(&app.state.db, &user.id).await.unwrap(), 9);
    app.finish().await;
}
