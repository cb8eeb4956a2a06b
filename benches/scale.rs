//! Latency at scale (`cargo bench --bench scale`; see bench/README.md): the same requests timed
//! against 1,000 users and against 1,000,000 users (10,000 bodies, 50,000 roles, 2,000,000
//! memberships and 10,000,000 audit events at the large size; 30 bodies and ten events a user at
//! the small one), on SQLite and, with BENCH_PG_URL, on PostgreSQL. Each request does the same
//! work at both sizes: a filtered body has about 200 members and a searched address matches one
//! user in both, so only the size of the tables differs.
//!
//! The data is loaded with bulk SQL in one transaction, not through the application, both sizes
//! before anything is timed. Then a real server for each size is started in this process on
//! 127.0.0.1 (random ports) and each request is sent one at a time over HTTP, BENCH_SAMPLES times
//! (default 1000) at each size, after BENCH_WARMUP (default 100) untimed ones, the two sizes
//! taking turns request by request, so that whatever else the machine does falls on both alike.
//! It prints p50, p99 and the slowest of:
//!
//! 1. a password sign-in (`POST /login/password`, after the two pages before it), with argon2 set
//!    to its cheapest parameters for the run (8 KiB, one pass): the sign-in minus the hash;
//! 2. an authorization-code exchange (`POST /token`) for a user who is a member of 20 bodies,
//!    each with a role of three permissions, so the claims are built from 20 memberships;
//! 3. introspection (`POST /introspect`) of the access tokens those exchanges made;
//! 4. the admin API's users list (`GET /api/v1/users`) with a body filter and a text search
//!    (part of an address, matching one user, a member of that body);
//! 5. the audit log (`GET /api/v1/audit`) filtered by one actor (about ten events of the ten
//!    million), and by a busy actor (one event in ten is theirs).
//!
//! It prints each figure at both sizes and the ratio of the p99s (issue 19's target: at most
//! 1.25, and no request over 50 ms).
//!
//! Environment: BENCH_USERS (the large size, default 1000000, at least 1000), BENCH_PG_URL (a
//! PostgreSQL server URL such as postgres://postgres@127.0.0.1:5432; the same runs on a throwaway
//! database there too), BENCH_SQLITE=0 (PostgreSQL only), BENCH_SAMPLES (requests timed per
//! measure, default 1000), BENCH_WARMUP (untimed requests before them, default 100), BENCH_KEEP=1
//! (keep the databases and print where they are, to look at query plans), RUST_LOG (logs the
//! server's tracing to stderr, e.g. `sqlx=debug` for every query).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::redirect::Policy;
use sha2::{Digest as _, Sha256};
use stile::app::AppState;
use stile::clients::{AuthMethod, ClientSpec, GrantType};
use stile::config::Settings;
use stile::secret::SecretString;
use stile::store::{Db, DbKind};
use support::{Backend, Dialect, admin_sql, env_number};
use tokio::sync::oneshot;

const NOW: i64 = 1_790_000_000;
const DAY: i64 = 86_400;
const PASSWORD: &str = "bench password 1";
const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "scale-bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
/// Users who are members of 20 bodies (the code exchange's subjects).
const WIDE_USERS: u64 = 50;
const WIDE_BODIES: u64 = 20;

fn main() -> Result<()> {
    let big = env_number("BENCH_USERS")?.unwrap_or(1_000_000);
    if big < 1_000 {
        bail!("BENCH_USERS must be at least 1000");
    }
    let samples = env_number("BENCH_SAMPLES")?.unwrap_or(1_000).clamp(20, 10_000) as usize;
    let warmup = env_number("BENCH_WARMUP")?.unwrap_or(100).min(10_000) as usize;
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async {
        let mut backends = Vec::new();
        if std::env::var("BENCH_SQLITE").as_deref() != Ok("0") {
            backends.push(Backend::Sqlite);
        }
        if let Ok(url) = std::env::var("BENCH_PG_URL") {
            backends.push(Backend::Postgres(url));
        }
        let mut tables = Vec::new();
        for backend in backends {
            let small = Instance::start(&backend, 1_000).await?;
            let large = Instance::start(&backend, big).await?;
            let timings = measure(&small, &large, warmup, samples).await;
            small.stop(&backend).await?;
            large.stop(&backend).await?;
            let [small, large] = timings?;
            let table = render(&backend, big, warmup, samples, &small, &large);
            println!("{table}");
            tables.push(table);
        }
        if tables.len() > 1 {
            println!("\n===== all runs =====");
            for t in tables {
                println!("{t}");
            }
        }
        Ok(())
    })
}

/// How much of everything there is for `users` users.
#[derive(Clone, Copy)]
struct Size {
    users: u64,
    bodies: u64,
    roles_per_body: u64,
    audit_events: u64,
}

impl Size {
    fn of(users: u64) -> Size {
        // Every user but the wide ones is in two of the bodies after the wide users' 20, so those
        // have about 200 members at both sizes (190 of 1,000 users, 200 of a million): a body
        // filter reads as many rows in either.
        let bodies = (users / 100).max(WIDE_BODIES + 10);
        Size { users, bodies, roles_per_body: 5, audit_events: users * 10 }
    }

    /// The bodies ordinary users are members of: all but the first 20.
    fn member_bodies(self) -> u64 {
        self.bodies - WIDE_BODIES
    }

    /// The first of user `u`'s two bodies (index from 0), as an SQL expression when `u` is one.
    fn first_body(self, u: &str) -> String {
        format!("{WIDE_BODIES} + ({u}) % {}", self.member_bodies())
    }

    /// The second, never the first: the one after it, plus one more for each time round.
    fn second_body(self, u: &str) -> String {
        let m = self.member_bodies();
        format!("{WIDE_BODIES} + (({u}) % {m} + 1 + (({u}) / {m}) % {}) % {m}", m - 1)
    }
}

struct Timing {
    name: &'static str,
    samples: Vec<Duration>,
}

impl Timing {
    fn pct(&self, p: f64) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        let i = ((s.len() as f64 - 1.0) * p).round() as usize;
        s[i.min(s.len() - 1)]
    }
    fn max(&self) -> Duration {
        self.samples.iter().copied().max().unwrap_or_default()
    }
}

/// One size loaded and served: its own database and its own server on a random port.
struct Instance {
    size: Size,
    state: AppState,
    base: String,
    shutdown: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), stile::app::StartError>>,
    dir: tempfile::TempDir,
    pg_name: String,
}

impl Instance {
    async fn start(backend: &Backend, users: u64) -> Result<Instance> {
        let size = Size::of(users);
        let dir = tempfile::tempdir().context("creating a temporary directory")?;
        let mut settings = Settings::load_without_env(None).context("loading the default settings")?;
        settings.data_dir = dir.path().to_path_buf();
        // The cheapest argon2 the crate allows: the sign-in is measured without its hash.
        settings.password.argon2_memory_kib = 8;
        settings.password.argon2_iterations = 1;
        settings.password.argon2_parallelism = 1;
        let pg_name = format!("stile_bench_scale_{}_{users}", std::process::id());
        settings.database.url = match backend {
            Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()),
            Backend::Postgres(url) => {
                admin_sql(url, &format!("drop database if exists {pg_name}")).await?;
                admin_sql(url, &format!("create database {pg_name}")).await?;
                format!("{}/{pg_name}", url.trim_end_matches('/'))
            }
        };
        let listener = stile::server::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        settings.server.issuer = base.clone();
        let (state, _) = AppState::build(settings, Arc::new(stile::clock::SystemClock), Arc::new(stile::clock::OsRandom), None).await?;
        let hash = state.hasher.hash(&SecretString::new(PASSWORD)).await?;

        let started = Instant::now();
        load(&state.db, size, &hash).await?;
        eprintln!(
            "{}: {} users, {} bodies, {} roles, {} memberships, {} audit events loaded in {:.1} s",
            backend.name(),
            size.users,
            size.bodies,
            size.bodies * size.roles_per_body,
            (size.users - WIDE_USERS) * 2 + WIDE_USERS * WIDE_BODIES,
            size.audit_events,
            started.elapsed().as_secs_f64()
        );

        let (shutdown, rx) = oneshot::channel::<()>();
        let st = state.clone();
        let server = tokio::spawn(async move {
            stile::server::serve(st, listener, async {
                let _ = rx.await;
            })
            .await
        });
        Ok(Instance { size, state, base, shutdown, server, dir, pg_name })
    }

    async fn stop(self, backend: &Backend) -> Result<()> {
        let keep = std::env::var("BENCH_KEEP").as_deref() == Ok("1");
        let _ = self.shutdown.send(());
        let _ = self.server.await;
        self.state.db.pool().close().await;
        let pg_name = &self.pg_name;
        if let Backend::Postgres(url) = backend {
            if keep {
                eprintln!("kept: {}/{pg_name}", url.trim_end_matches('/'));
            } else {
                admin_sql(url, &format!("drop database if exists {pg_name}")).await?;
            }
        } else if keep {
            eprintln!("kept: {}", self.dir.keep().join("bench.db").display());
        }
        Ok(())
    }
}

/// Bulk inserts in one transaction. Users `u0000001`… (`user0000001@example.org`, all with the
/// same cheap password hash) are each a member of two bodies past the first 20
/// ([`Size::first_body`], [`Size::second_body`]), with the body's role `i % 5` in the first;
/// users 1 to 50 are instead members of the first 20 bodies, each membership with a role of
/// three permissions. Audit events: ten per user, spread
/// over the last year; one in ten is by `u0000002` (the busy actor), the rest by user `i % users`.
async fn load(db: &Db, size: Size, hash: &str) -> Result<()> {
    let pg = db.kind() == DbKind::Postgres;
    let dialect = Dialect { pg };
    let series = |n: u64| dialect.series(n);
    let pad = |expr: &str, width: u32| dialect.pad(expr, width);
    let Size { users, bodies, roles_per_body, audit_events } = size;
    let bodies_s = series(bodies);
    let roles_s = series(bodies * roles_per_body);
    let users_s = series(users);
    let wide_s = series(WIDE_USERS * WIDE_BODIES);
    let events_s = series(audit_events);
    let body_of = |expr: &str| format!("'b' || {}", pad(expr, 5));
    let user = |expr: &str| format!("'u' || {}", pad(expr, 7));
    let start = NOW - 2 * 365 * DAY;
    let statements = [
        format!(
            "insert into bodies (id, name, kind, created_at, updated_at)
             select {}, 'Organisation ' || i, 'council', {NOW}, {NOW} from {bodies_s}",
            body_of("i - 1")
        ),
        // Role r of body b is `r{b * 5 + r}`.
        format!(
            "insert into roles (id, body_id, name, created_at, updated_at)
             select 'r' || {}, {}, 'Role ' || ((i - 1) % {roles_per_body}), {NOW}, {NOW} from {roles_s}",
            pad("i - 1", 6),
            body_of(&format!("(i - 1) / {roles_per_body}"))
        ),
        // Three permissions for every role of the first 20 bodies (the wide users' roles).
        format!(
            "insert into role_permissions (role_id, permission_key)
             select r.id, p.key from roles r, (select key from permissions order by key limit 3) p
             where r.body_id < {}",
            body_of(&WIDE_BODIES.to_string())
        ),
        format!(
            "insert into users (id, email, email_verified, name, password_hash, created_at, updated_at, last_login_at)
             select {}, 'user' || {} || '@example.org', 1, 'Person ' || i, '{hash}',
                    {start} + i, {start} + i, case when i % 10 < 3 then null else {NOW} - (i * 7919) % (365 * {DAY}) end
             from {users_s}",
            user("i"),
            pad("i", 7)
        ),
        format!(
            "insert into memberships (id, user_id, body_id, created_at)
             select 'm' || {}, {}, {}, {NOW} from {users_s} where i > {WIDE_USERS}",
            pad("i", 7),
            user("i"),
            body_of(&size.first_body("i"))
        ),
        format!(
            "insert into memberships (id, user_id, body_id, created_at)
             select 'n' || {}, {}, {}, {NOW} from {users_s} where i > {WIDE_USERS}",
            pad("i", 7),
            user("i"),
            body_of(&size.second_body("i"))
        ),
        format!(
            "insert into membership_roles (membership_id, role_id)
             select 'm' || {}, 'r' || {} from {users_s} where i > {WIDE_USERS}",
            pad("i", 7),
            pad(&format!("({}) * {roles_per_body} + i % {roles_per_body}", size.first_body("i")), 6)
        ),
        // The wide users: user (i - 1) / 20 + 1 in body (i - 1) % 20, with that body's first role.
        format!(
            "insert into memberships (id, user_id, body_id, created_at)
             select 'w' || {}, {}, {}, {NOW} from {wide_s}",
            pad("i", 7),
            user(&format!("(i - 1) / {WIDE_BODIES} + 1")),
            body_of(&format!("(i - 1) % {WIDE_BODIES}"))
        ),
        format!(
            "insert into membership_roles (membership_id, role_id)
             select 'w' || {}, 'r' || {} from {wide_s}",
            pad("i", 7),
            pad(&format!("((i - 1) % {WIDE_BODIES}) * {roles_per_body}"), 6)
        ),
        format!(
            "insert into audit_events (at, actor_user_id, action, target_type, target_id, body_id, ip, outcome)
             select {NOW} - {DAY} * 365 + i * {step},
                    case when i % 10 = 0 then 'u0000002' else {} end,
                    case i % 4 when 0 then 'user.sign_in' when 1 then 'token.issued' when 2 then 'user.updated' else 'membership.added' end,
                    'user', {}, {}, '192.0.2.' || (i % 250), case when i % 17 = 0 then 'failure' else 'success' end
             from {events_s}",
            user(&format!("i % {users} + 1")),
            user(&format!("(i * 13) % {users} + 1")),
            body_of(&format!("i % {bodies}")),
            step = (365 * DAY) / i64::try_from(audit_events)?.max(1),
        ),
    ];
    let mut tx = db.pool().begin().await?;
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&mut *tx).await.with_context(|| format!("loading: {sql}"))?;
    }
    tx.commit().await?;
    // PostgreSQL: what autovacuum does soon after a bulk load. Without the visibility map it
    // sets, every index-only scan (a body's members from memberships_body_user_idx) reads the
    // table's rows as well.
    sqlx::query(if pg { "vacuum analyze" } else { "analyze" }).execute(db.pool()).await?;
    // The load's gigabytes written back before anything is timed, so that the first requests
    // do not wait behind them: PostgreSQL's checkpoint, SQLite's write-ahead log copied into the
    // file, and the kernel's dirty pages (`sync`). Left to themselves they made a sign-in of
    // either size wait up to 0.4 s behind the load's write-back on this machine.
    sqlx::query(if pg { "checkpoint" } else { "pragma wal_checkpoint(truncate)" }).execute(db.pool()).await?;
    let synced = std::process::Command::new("sync").status();
    if !synced.as_ref().is_ok_and(|s| s.success()) {
        eprintln!("sync failed: {synced:?}");
    }
    Ok(())
}

/// What each size's requests need: its server, the two clients and the signed-in wide users.
struct Ctx {
    base: String,
    size: Size,
    http: reqwest::Client,
    app_id: String,
    app_secret: String,
    admin: String,
    sessions: Vec<reqwest::Client>,
    /// The PKCE challenge of [`VERIFIER`], worked out once.
    challenge: String,
}

impl Ctx {
    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }

    /// Spread over the whole range, same sequence at both sizes.
    fn pick(&self, k: usize) -> u64 {
        (k as u64 * 7_919) % (self.size.users - WIDE_USERS) + WIDE_USERS + 1
    }
}

async fn prepare(inst: &Instance) -> Result<Ctx> {
    let state = &inst.state;
    let now = state.now();
    let (app, secret) = stile::clients::register(
        &state.db,
        ClientSpec {
            name: "Scale bench app".into(),
            redirect_uris: vec![REDIRECT.into()],
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            auth_method: AuthMethod::ClientSecretBasic,
            first_party: true,
            ..ClientSpec::default()
        },
        &*state.rng,
        now,
    )
    .await?;
    let app_secret = secret.ok_or_else(|| anyhow!("no secret for the app"))?.expose().to_owned();
    let (machine, secret) = stile::clients::register(
        &state.db,
        ClientSpec {
            name: "Scale bench admin".into(),
            grant_types: vec![GrantType::ClientCredentials],
            scopes: vec!["stile:admin".into()],
            auth_method: AuthMethod::ClientSecretBasic,
            ..ClientSpec::default()
        },
        &*state.rng,
        now,
    )
    .await?;
    let machine_secret = secret.ok_or_else(|| anyhow!("no secret for the admin client"))?.expose().to_owned();
    let mut conn = state.db.pool().acquire().await?;
    stile::store::clients::set_client_admin_access(
        &mut conn,
        &machine.id,
        &stile::store::clients::ClientAdminAccess {
            admin_access: Some("superuser".into()),
            admin_body_id: None,
            admin_permissions: "[]".into(),
        },
        now,
    )
    .await?;
    drop(conn);
    stile::store::security_epoch::changed();

    let http = reqwest::Client::builder().redirect(Policy::none()).build()?;
    let url = |p: &str| format!("{}{p}", inst.base);
    // The admin API, as a superuser machine client.
    let token: serde_json::Value = http
        .post(url("/token"))
        .basic_auth(&machine.id, Some(&machine_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "stile:admin")])
        .send()
        .await?
        .json()
        .await?;
    let admin = token["access_token"].as_str().ok_or_else(|| anyhow!("no admin token: {token}"))?.to_owned();

    // The users in 20 bodies, signed in once each (their sessions authorize the code exchanges).
    let mut sessions = Vec::new();
    for u in 1..=WIDE_USERS {
        let browser = browser()?;
        let email = format!("user{u:07}@example.org");
        let csrf = csrf_of(&browser, &url("/login")).await?;
        let page = browser.post(url("/login")).form(&[("csrf", csrf.as_str()), ("email", &email), ("next", "/account")]).send().await?;
        let csrf = csrf_in(&page.text().await?).unwrap_or(csrf);
        let res = browser
            .post(url("/login/password"))
            .form(&[("csrf", csrf.as_str()), ("email", &email), ("password", PASSWORD), ("next", "/account")])
            .send()
            .await?;
        expect_redirect(&res, "/account", "wide user's sign-in")?;
        sessions.push(browser);
    }
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    Ok(Ctx { base: inst.base.clone(), size: inst.size, http, app_id: app.id, app_secret, admin, sessions, challenge })
}

/// Measure 1, a password sign-in (minus the hash) of user `pick(k)`; the two pages before it
/// are not timed.
async fn sign_in(c: &Ctx, k: usize) -> Result<Duration> {
    let browser = browser()?;
    let email = format!("user{:07}@example.org", c.pick(k));
    let csrf = csrf_of(&browser, &c.url("/login")).await?;
    let page = browser.post(c.url("/login")).form(&[("csrf", csrf.as_str()), ("email", &email), ("next", "/account")]).send().await?;
    let csrf = csrf_in(&page.text().await?).unwrap_or(csrf);
    let form = [("csrf", csrf.as_str()), ("email", &email), ("password", PASSWORD), ("next", "/account")];
    let started = Instant::now();
    let res = browser.post(c.url("/login/password")).form(&form).send().await?;
    let took = started.elapsed();
    expect_redirect(&res, "/account", "sign-in")?;
    Ok(took)
}

/// Measure 2, a code exchange for a user in 20 bodies (the authorization request is not timed).
/// Returns the access token too.
async fn code_exchange(c: &Ctx, k: usize) -> Result<(Duration, String)> {
    let browser = &c.sessions[k % c.sessions.len()];
    let authorize = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid%20profile&state=s{k}&nonce=n{k}&code_challenge={}&code_challenge_method=S256",
        c.base,
        c.app_id,
        urlencode(REDIRECT),
        c.challenge
    );
    let res = browser.get(&authorize).send().await?;
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let code = url::Url::parse(&location)
        .ok()
        .and_then(|u| u.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()))
        .ok_or_else(|| anyhow!("authorize gave no code: {} {location}", res.status()))?;
    let form = [("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)];
    let started = Instant::now();
    let res = c.http.post(c.url("/token")).basic_auth(&c.app_id, Some(&c.app_secret)).form(&form).send().await?;
    let status = res.status();
    let body: serde_json::Value = res.json().await?;
    let took = started.elapsed();
    let token = body["access_token"].as_str().ok_or_else(|| anyhow!("token endpoint: {status} {body}"))?;
    Ok((took, token.to_owned()))
}

/// Measure 3, introspection of an access token a code exchange made.
async fn introspect(c: &Ctx, token: &str) -> Result<Duration> {
    let started = Instant::now();
    let res = c.http.post(c.url("/introspect")).basic_auth(&c.app_id, Some(&c.app_secret)).form(&[("token", token)]).send().await?;
    let body: serde_json::Value = res.json().await?;
    let took = started.elapsed();
    if body["active"] != serde_json::Value::Bool(true) {
        bail!("introspection: {body}");
    }
    Ok(took)
}

/// Measure 4, the users list: one of a user's bodies, searching for part of their address. The
/// part before the @, which no other address contains, matches one user of the body's 200 at
/// both sizes.
async fn users_list(c: &Ctx, k: usize) -> Result<Duration> {
    let u = c.pick(k);
    let body = format!("b{:05}", WIDE_BODIES + u % c.size.member_bodies());
    let q = format!("user{u:07}");
    let started = Instant::now();
    let res =
        c.http.get(c.url("/api/v1/users")).bearer_auth(&c.admin).query(&[("body_id", body.as_str()), ("q", q.as_str())]).send().await?;
    let status = res.status();
    let page: serde_json::Value = res.json().await?;
    let took = started.elapsed();
    if !status.is_success() || page["total"] != serde_json::json!(1) {
        bail!("users list: {status} {page}");
    }
    Ok(took)
}

/// Measure 5, the audit log by one actor, or by the busy actor.
async fn audit_log(c: &Ctx, k: usize, busy: bool) -> Result<Duration> {
    let actor = if busy { "u0000002".to_owned() } else { format!("u{:07}", c.pick(k)) };
    let started = Instant::now();
    let res = c.http.get(c.url("/api/v1/audit")).bearer_auth(&c.admin).query(&[("actor", actor.as_str()), ("limit", "50")]).send().await?;
    let status = res.status();
    let body: serde_json::Value = res.json().await?;
    let took = started.elapsed();
    let events = body["events"].as_array().map(Vec::len).unwrap_or(0);
    if !status.is_success() || events == 0 {
        bail!("audit log: {status}, {events} events for {actor}");
    }
    Ok(took)
}

const MEASURES: [&str; 6] = [
    "password sign-in (no hash)",
    "code exchange (20 bodies)",
    "introspection",
    "users list: body + search",
    "audit log: one actor",
    "audit log: busy actor",
];

/// Every measure at both sizes, their requests interleaved: sample k of the small size, then
/// sample k of the large one (the other way round for odd k), so that whatever else the machine
/// is doing at a moment falls on both sizes alike and the ratio compares only their data. The
/// first `warmup` rounds of each measure are not kept: they bring the pages every request of
/// that kind reads (the indexes' upper levels, the statements) into the caches the measure
/// before it pushed them out of, so that a handful of first requests do not make the p99 of a
/// thousand. Their users are not the timed ones (`pick` of other `k`), so each timed request at
/// the large size still reads its own user's rows cold.
async fn measure(small: &Instance, large: &Instance, warmup: usize, samples: usize) -> Result<[Vec<Timing>; 2]> {
    let ctx = [prepare(small).await?, prepare(large).await?];
    let mut out: [Vec<Timing>; 2] =
        std::array::from_fn(|_| MEASURES.iter().map(|&name| Timing { name, samples: Vec::with_capacity(samples) }).collect());
    let order = |k: usize| if k.is_multiple_of(2) { [0, 1] } else { [1, 0] };
    let mut tokens: [Vec<String>; 2] = Default::default();
    for (m, _) in MEASURES.iter().enumerate() {
        for k in 0..warmup + samples {
            for i in order(k) {
                let c = &ctx[i];
                let took = match m {
                    0 => sign_in(c, k).await?,
                    1 => {
                        let (took, token) = code_exchange(c, k).await?;
                        tokens[i].push(token);
                        took
                    }
                    2 => introspect(c, &tokens[i][k]).await?,
                    3 => users_list(c, k).await?,
                    4 => audit_log(c, k, false).await?,
                    _ => audit_log(c, k, true).await?,
                };
                if k >= warmup {
                    out[i][m].samples.push(took);
                }
            }
        }
    }
    Ok(out)
}

fn browser() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build()?)
}

async fn csrf_of(browser: &reqwest::Client, url: &str) -> Result<String> {
    let html = browser.get(url).send().await?.text().await?;
    csrf_in(&html).ok_or_else(|| anyhow!("no csrf field at {url}"))
}

fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\"")?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + 7;
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_owned())
}

fn expect_redirect(res: &reqwest::Response, to: &str, what: &str) -> Result<()> {
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !res.status().is_redirection() || !location.ends_with(to) {
        bail!("{what}: expected a redirect to {to}, got {} to {location:?}", res.status());
    }
    Ok(())
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn render(backend: &Backend, big: u64, warmup: usize, samples: usize, small: &[Timing], large: &[Timing]) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "\n{}: p50 / p99 / slowest in ms over {samples} requests each (after {warmup} untimed), one at a time; 1,000 users vs {big} users\n",
        backend.name()
    ));
    s.push_str(&format!("{:<30} {:>24} {:>24} {:>10} {:>8}\n", "request", "1,000 users", format!("{big} users"), "p99 ratio", "≤ 50 ms"));
    for (a, b) in small.iter().zip(large) {
        let cell = |t: &Timing| format!("{} / {} / {}", ms(t.pct(0.5)), ms(t.pct(0.99)), ms(t.max()));
        let ratio = b.pct(0.99).as_secs_f64() / a.pct(0.99).as_secs_f64().max(1e-9);
        let under = if b.max() <= Duration::from_millis(50) { "yes" } else { "NO" };
        s.push_str(&format!("{:<30} {:>24} {:>24} {:>9.2}× {:>8}\n", a.name, cell(a), cell(b), ratio, under));
    }
    s
}
