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

/// Generates `mod NAME { sqlite(), postgres() }` running `NAME(backend)` on each database.
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
                super::$name($crate::harness::Backend::Postgres).await
            }
        }
    };
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
    s
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
        let mut settings = test_settings(&db);
        tweak(&mut settings);
        Self::start_on(db, settings).await
    }

    pub async fn start_on(db: TestDb, mut settings: Settings) -> Self {
        let clock = ManualClock::starting_now();
        let listener = stile::app::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        // The issuer is this server, so relying-party libraries find what discovery promises.
        settings.server.issuer = base.clone();
        let (state, _) = AppState::build(settings, Arc::new(clock.clone()), Arc::new(OsRandom), None).await.unwrap();
        let (tx, rx) = oneshot::channel();
        let st = state.clone();
        let server = tokio::spawn(async move {
            stile::app::serve(st, listener, async {
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
        let csrf = self.csrf(client, "/login").await;
        let res = client.post(self.url("/login")).form(&[("csrf", csrf.as_str()), ("email", email), ("next", next)]).send().await.unwrap();
        let body = res.text().await.unwrap();
        let csrf = csrf_in(&body).unwrap_or(csrf);
        client
            .post(self.url("/login/password"))
            .form(&[("csrf", csrf.as_str()), ("email", email), ("password", password), ("next", next)])
            .send()
            .await
            .unwrap()
    }

    pub async fn audit_actions(&self) -> Vec<(String, String)> {
        store::audit::recent(&self.state.db, None, 1000).await.unwrap().into_iter().map(|e| (e.action, e.outcome)).collect()
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
