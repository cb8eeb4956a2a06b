//! The admin API and its OpenAPI document agree: schemathesis (pinned in tests/requirements.txt)
//! generates requests from /api/v1/openapi.json and checks every answer against it — no 5xx,
//! only documented status codes and content types, bodies matching their schemas, schema-valid
//! requests accepted and invalid ones refused — on each database, for a bounded number of
//! examples so that each run takes well under three minutes.
//!
//! Left out: the operations that could remove or change the test's own credentials (the
//! superuser machine client and its token), which stateful testing could otherwise reach with the
//! client id it reads from GET /clients; and the `positive_data_acceptance` check, because the
//! document states shapes, not every rule the server applies (an address must parse, a name must
//! not be blank, an id must exist): those are the documented 422s, which that check counts as a
//! schema-valid request refused. Everything else is checked, including that schema-invalid
//! requests are refused (`negative_data_rejection`).

use crate::admin_api::superuser_api;
use crate::both;
use crate::harness::{Backend, TestApp};

/// Examples per operation and phase (STILE_SCHEMATHESIS_EXAMPLES overrides it).
const MAX_EXAMPLES: &str = "50";
const EXCLUDED: [&str; 4] = ["removeClient", "updateClient", "rotateClientSecret", "setClientAdminAccess"];

async fn schemathesis_agrees_with_the_api(b: Backend) {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let app = TestApp::start(b).await;
    let su = superuser_api(&app).await;
    let examples = std::env::var("STILE_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| MAX_EXAMPLES.to_owned());
    let dir = tempfile::tempdir().unwrap();
    crate::harness::outside_peer("Python");
    let mut cmd = tokio::process::Command::new("schemathesis");
    cmd.current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["run", &app.url("/api/v1/openapi.json")])
        .args(["--url", &app.url("/api/v1")])
        .args(["--header", &format!("Authorization: Bearer {}", su.token)])
        .args(["--checks", "all"])
        .args(["--exclude-checks", "positive_data_acceptance"])
        .args(["--max-examples", &examples])
        .args(["--seed", "20261204"])
        // One worker: hypothesis's lambda descriptions are not thread-safe (a runtime error).
        .args(["--workers", "1"])
        .args(["--request-timeout", "30"]);
    for id in EXCLUDED {
        cmd.args(["--exclude-operation-id", id]);
    }
    let out = match cmd.output().await {
        Ok(o) => o,
        Err(e) => panic!("cannot run schemathesis ({e}): python3 -m pip install -r tests/requirements.txt"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "schemathesis found disagreements:\n{stdout}\n{stderr}");
    // It really ran operations (a typo in the URL would make it test nothing and pass).
    let tested = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Tested:"))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or_else(|| panic!("schemathesis printed no 'Tested:' count:\n{stdout}"));
    assert!(tested >= 40, "schemathesis tested only {tested} operations:\n{stdout}");
    app.finish().await;
}
both!(schemathesis_agrees_with_the_api);
