//! openid-client v6 (npm, OpenID-certified; tests/rp-node) drives private_key_jwt, PAR and DPoP
//! end to end against a live Stile: a machine client authenticates with its key at the token,
//! introspection and revocation endpoints with a DPoP-bound token; an app pushes its
//! authorization request, exchanges the code with a DPoP proof, reads userinfo and refreshes.

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::cookie::CookieStore;
use serde_json::{Value, json};
use stile::clients::{AuthMethod, ClientSpec};

use crate::both;
use crate::client_keys::{TestKey, jwks, machine_client};
use crate::harness::{Backend, TestApp};
use crate::oidc::{CB, PW, payload, register, spec};

fn rp_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/rp-node")
}

async fn run_rp(input: &Value) -> Value {
    crate::harness::outside_peer("Node");
    let dir = rp_dir();
    assert!(dir.join("node_modules/openid-client").is_dir(), "these tests need their Node packages: npm ci --prefix tests/rp-node");
    let mut child = tokio::process::Command::new("node")
        .arg(dir.join("rp.mjs"))
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node must be installed");
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.to_string().as_bytes()).await.unwrap();
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("rp.mjs took more than 120 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "rp.mjs failed:\n{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("rp.mjs printed no report ({e}):\n{stdout}\n{stderr}"))
}

async fn openid_client_end_to_end(b: Backend) {
    if crate::harness::skip_in_fast_tier("Node") {
        return;
    }
    let app = TestApp::start(b).await;
    let machine_key = TestKey::ec("k1");
    let machine = machine_client(&app, &[&machine_key]).await;
    let app_key = TestKey::ec("k1");
    let s = ClientSpec {
        auth_method: AuthMethod::PrivateKeyJwt,
        jwks: Some(jwks(&[&app_key])),
        require_par: true,
        require_dpop: true,
        ..spec("Field app")
    };
    let (app_id, _) = register(&app, s).await;
    app.create_user("rp@example.org", Some(PW)).await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(app.sign_in(&browser, "rp@example.org", PW).await.status(), 303);
    let cookie = jar.cookies(&url::Url::parse(&app.base).unwrap()).unwrap().to_str().unwrap().to_owned();
    let report = run_rp(&json!({
        "issuer": app.base,
        "machine": { "client_id": machine, "pkcs8": machine_key.pkcs8() },
        "app": { "client_id": app_id, "pkcs8": app_key.pkcs8(), "redirect_uri": CB },
        "cookie": cookie,
    }))
    .await;
    assert_eq!(report["machine_token_type"], "dpop", "{report}");
    assert_eq!(report["machine_introspection"]["active"], true, "{report}");
    assert_eq!(report["machine_introspection"]["token_type"], "DPoP", "{report}");
    assert!(report["machine_introspection"]["cnf"]["jkt"].is_string(), "{report}");
    assert_eq!(report["machine_after_revoke"], false, "{report}");
    // The browser went only with client_id and request_uri.
    let authorize = url::Url::parse(report["authorize_url"].as_str().unwrap()).unwrap();
    let mut names: Vec<String> = authorize.query_pairs().map(|(k, _)| k.into_owned()).collect();
    names.sort();
    assert_eq!(names, ["client_id", "request_uri"], "{report}");
    assert_eq!(report["code_token_type"], "dpop", "{report}");
    assert_eq!(report["userinfo_email"], "rp@example.org", "{report}");
    assert_eq!(report["refresh_token_type"], "dpop", "{report}");
    assert!(payload(report["refreshed_access_token"].as_str().unwrap())["cnf"]["jkt"].is_string());
    assert_eq!(report["reuse"], "invalid_grant", "{report}");
    // The app requires DPoP, so its refresh token is bound too.
    assert_eq!(report["refresh_introspection"]["active"], true, "{report}");
    assert_eq!(report["refresh_introspection"]["token_type"], "DPoP", "{report}");
    assert!(report["refresh_introspection"]["cnf"]["jkt"].is_string(), "{report}");
    // The proof sent with the push bound the code: another key is refused, the right one not.
    assert_eq!(report["other_key"], "invalid_grant", "{report}");
    assert_eq!(report["right_key_token_type"], "dpop", "{report}");
    app.finish().await;
}
both!(openid_client_end_to_end);
