//! `/metrics`: who may read it, and what it says, read back by a real OpenMetrics parser
//! (prometheus_client from PyPI, pinned in tests/requirements.txt).

use std::io::Write;

use serde_json::Value;
use stile::clients::{AuthMethod, ClientSpec, GrantType};
use stile::clock::OsRandom;

use crate::both;
use crate::harness::{Backend, TestApp};

const TOKEN: &str = "scrape-token-for-tests-0123456789";
const PW: &str = "correct horse battery";

async fn not_served_without_a_token(b: Backend) {
    let app = TestApp::start(b).await;
    let r = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(r.status(), 404);
    // Not served even to someone who guesses an empty or any bearer token.
    for auth in ["Bearer ", "Bearer x"] {
        let r = reqwest::Client::new().get(app.url("/metrics")).header("authorization", auth).send().await.unwrap();
        assert_eq!(r.status(), 404, "{auth}");
    }
    app.finish().await;
}
both!(not_served_without_a_token);

async fn only_with_the_token(b: Backend) {
    let app = TestApp::start_with(b, |s| s.metrics.token = stile::secret::SecretString::new(TOKEN)).await;
    let http = reqwest::Client::new();
    let r = http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"metrics\"");
    let wrong = format!("Bearer {}x", TOKEN);
    let prefix = format!("Bearer {}", &TOKEN[..10]);
    let basic = format!("Basic {TOKEN}");
    for auth in [wrong.as_str(), prefix.as_str(), basic.as_str(), TOKEN] {
        let r = http.get(app.url("/metrics")).header("authorization", auth).send().await.unwrap();
        assert_eq!(r.status(), 401, "{auth}");
        assert!(!r.text().await.unwrap().contains("stile_"), "{auth}");
    }
    let r = http.get(app.url("/metrics")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.text().await.unwrap().ends_with("# EOF\n"));
    app.finish().await;
}
both!(only_with_the_token);

/// Parses the exposition with prometheus_client and returns its families.
fn parse(text: &str) -> Vec<Value> {
    let mut child = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/metrics_parse.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 must be installed with prometheus-client (pip install -r tests/requirements.txt)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "not valid OpenMetrics: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The value of the sample named `name` whose labels include all of `labels`.
fn sample(families: &[Value], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    families.iter().flat_map(|f| f["samples"].as_array().unwrap()).find_map(|s| {
        let ok = s[0] == name && labels.iter().all(|(k, v)| s[1][*k] == *v);
        ok.then(|| s[2].as_f64().unwrap())
    })
}

fn family_type<'a>(families: &'a [Value], name: &str) -> Option<&'a str> {
    families.iter().find(|f| f["name"] == name).and_then(|f| f["type"].as_str())
}

async fn counts_what_happened(b: Backend) {
    let app = TestApp::start_with(b, |s| s.metrics.token = stile::secret::SecretString::new(TOKEN)).await;
    app.create_user("alice@example.org", Some(PW)).await;
    // Two failed password sign-ins and one that works.
    for _ in 0..2 {
        let r = app.sign_in(&app.browser(), "alice@example.org", "wrong password here").await;
        assert_eq!(r.status(), 401);
    }
    let r = app.sign_in(&app.browser(), "alice@example.org", PW).await;
    assert_eq!(r.status(), 303);
    // A route with an id in it, three times with three ids: one series, under the template.
    for id in ["u1", "u2", "u3"] {
        let r = app.browser().get(app.url(&format!("/admin/users/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), 303);
    }
    // A path no route matches: counted under one label, not its path.
    let r = reqwest::get(app.url("/no/such/page-9f8e7d")).await.unwrap();
    assert_eq!(r.status(), 404);
    // One client-credentials token.
    let spec = ClientSpec {
        name: "Metrics machine".into(),
        grant_types: vec![GrantType::ClientCredentials],
        scopes: vec!["stile:admin".into()],
        redirect_uris: vec![],
        auth_method: AuthMethod::ClientSecretBasic,
        ..ClientSpec::default()
    };
    let (c, secret) = stile::clients::register(&app.state.db, spec, &OsRandom, app.state.now()).await.unwrap();
    let r = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&c.id, Some(secret.unwrap().expose()))
        .form(&[("grant_type", "client_credentials"), ("scope", "stile:admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A refused token request is not a token issued.
    let r = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&c.id, Some("not the secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let text = reqwest::Client::new().get(app.url("/metrics")).bearer_auth(TOKEN).send().await.unwrap().text().await.unwrap();
    let f = parse(&text);

    assert_eq!(family_type(&f, "stile_signins"), Some("counter"));
    assert_eq!(sample(&f, "stile_signins_total", &[("method", "password"), ("result", "failure")]), Some(2.0));
    assert_eq!(sample(&f, "stile_signins_total", &[("method", "password"), ("result", "success")]), Some(1.0));
    assert_eq!(sample(&f, "stile_tokens_issued_total", &[("grant_type", "client_credentials")]), Some(1.0));
    assert_eq!(sample(&f, "stile_tokens_issued_total", &[("grant_type", "authorization_code")]), None);

    let users = [("route", "/admin/users/{id}"), ("method", "GET"), ("status", "303")];
    assert_eq!(sample(&f, "stile_http_requests_total", &users), Some(3.0));
    assert_eq!(sample(&f, "stile_http_requests_total", &[("route", "unmatched"), ("status", "404")]), Some(1.0));
    assert_eq!(sample(&f, "stile_http_requests_total", &[("route", "/login/password"), ("method", "POST"), ("status", "401")]), Some(2.0));
    assert!(!text.contains("u1") && !text.contains("page-9f8e7d"), "paths leaked into labels:\n{text}");

    assert_eq!(family_type(&f, "stile_http_request_duration_seconds"), Some("histogram"));
    let route = [("route", "/admin/users/{id}"), ("method", "GET")];
    assert_eq!(sample(&f, "stile_http_request_duration_seconds_count", &route), Some(3.0));
    let mut inf = route.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(sample(&f, "stile_http_request_duration_seconds_bucket", &inf), Some(3.0));

    assert_eq!(family_type(&f, "stile_mail_queue_depth"), Some("gauge"));
    assert!(sample(&f, "stile_mail_queue_depth", &[]).unwrap() >= 0.0);
    assert_eq!(sample(&f, "stile_db_pool_max_connections", &[]), Some(5.0));
    let open = sample(&f, "stile_db_pool_connections", &[]).unwrap();
    assert!((1.0..=5.0).contains(&open), "{open}");
    assert!(sample(&f, "stile_db_pool_idle_connections", &[]).unwrap() <= open);
    app.finish().await;
}
both!(counts_what_happened);
