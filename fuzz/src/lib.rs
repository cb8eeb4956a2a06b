//! What the fuzz targets share: one Stile application (SQLite in a throwaway directory, cheap
//! argon2, a manual clock) with two registered relying apps, built once per fuzzing process.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use stile::app::AppState;
use stile::clock::{ManualClock, OsRandom};
use stile::config::Settings;
use stile::secret::token_hash;
use stile::store::clients::ClientRow;
use tower::ServiceExt;

pub struct Fuzzing {
    pub rt: tokio::runtime::Runtime,
    pub state: AppState,
    pub router: Router,
    pub clock: ManualClock,
    runs: std::sync::atomic::AtomicU64,
}

/// A public client (PKCE, no secret) and a confidential one (`client_secret_basic`, secret `s3cret`).
pub const PUBLIC_CLIENT: &str = "fuzz-public";
pub const CONFIDENTIAL_CLIENT: &str = "fuzz-conf";
pub const REDIRECT_URI: &str = "https://app.example/cb";

fn client(id: &str, secret: Option<&str>, method: &str, now: i64) -> ClientRow {
    ClientRow {
        id: id.into(),
        name: id.into(),
        secret_hash: secret.map(token_hash),
        redirect_uris: format!(r#"["{REDIRECT_URI}"]"#),
        post_logout_redirect_uris: "[]".into(),
        backchannel_logout_uri: None,
        grant_types: r#"["authorization_code","refresh_token"]"#.into(),
        scopes: r#"["openid","email","profile"]"#.into(),
        token_endpoint_auth_method: method.into(),
        id_token_signing_alg: "RS256".into(),
        permission_namespaces: r#"["fms"]"#.into(),
        body_id: None,
        id_token_claims: "[]".into(),
        access_token_audience: None,
        first_party: 0,
        require_pkce: 1,
        require_mfa: 0,
        created_at: now,
        updated_at: now,
    }
}

/// The shared application, built on first use. Set-up failures abort the fuzzer: they are not
/// findings about the input.
#[allow(clippy::expect_used)]
pub fn app() -> &'static Fuzzing {
    static APP: OnceLock<Fuzzing> = OnceLock::new();
    APP.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let dir = std::env::temp_dir().join(format!("stile-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("data dir");
        let mut s = Settings::load_without_env(None).expect("settings");
        s.data_dir = dir;
        s.database.url = String::new();
        s.database.max_connections = 2;
        s.password.argon2_memory_kib = 1024;
        s.password.argon2_iterations = 1;
        s.server.issuer = "http://127.0.0.1:8080".into();
        let clock = ManualClock::starting_now();
        let state = rt.block_on(AppState::build(s, Arc::new(clock.clone()), Arc::new(OsRandom), None)).map(|(s, _)| s).expect("app state");
        let now = state.now();
        rt.block_on(async {
            stile::store::clients::insert(&state.db, &client(PUBLIC_CLIENT, None, "none", now)).await?;
            stile::store::clients::insert(&state.db, &client(CONFIDENTIAL_CLIENT, Some("s3cret"), "client_secret_basic", now)).await
        })
        .expect("clients");
        let router = stile::server::router(state.clone());
        Fuzzing { rt, state, router, clock, runs: Default::default() }
    })
}

impl Fuzzing {
    /// Sends one request through the whole application and returns its status. Every few
    /// hundred runs the throttle tables are emptied, so that lock-outs do not hide the parsers.
    pub fn send(&self, mut req: Request<Body>) -> StatusCode {
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.rt.block_on(async {
            if n % 256 == 0 {
                let _ = stile::store::throttle::prune(&self.state.db, i64::MAX, i64::MAX).await;
            }
            match self.router.clone().oneshot(req).await {
                Ok(res) => {
                    let status = res.status();
                    let _ = axum::body::to_bytes(res.into_body(), 1 << 20).await;
                    status
                }
                Err(never) => match never {},
            }
        })
    }
}

/// Bad input must get an answer that says so, never a server error.
pub fn assert_not_server_error(status: StatusCode, what: &str) {
    assert!(!status.is_server_error(), "{what}: the input got {status}");
}
