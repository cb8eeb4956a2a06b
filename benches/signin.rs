//! Sign-in capacity benchmark (`cargo bench --bench signin`; see bench/README.md).
//!
//! Prints:
//! 1. the time of one argon2id verification with the default parameters from
//!    config/default.toml, and the bound it puts on password sign-ins: cores ÷ that time;
//! 2. password sign-ins per second through the real application over HTTP, as a fraction of
//!    that bound, with sign-in latency;
//! 3. the latency of /healthz with no load, and while the sign-ins run;
//! 4. the server's resident memory (RSS): idle, after one sign-in, the peak during the flood,
//!    right after it and after BENCH_IDLE_SECS (default 60) idle, checked against issue 12's
//!    bound: peak ≤ idle + hashing slots × 20 MB + 20 MB, and after the idle time within 10% of
//!    idle.
//!
//! The server runs in a child process (this executable started again with
//! `STILE_BENCH_SERVER_DIR` set), so its memory is measured apart from the load generator's:
//! in one process, the clients' connections, buffers and code counted as the server's.
//! Everything talks to 127.0.0.1 and a throwaway SQLite database. The server has its own Tokio
//! runtime (as `stile serve` would), the load generator another, and the /healthz probe a
//! thread of its own, so that a slow client cannot pass for a slow server.
//!
//! Environment: BENCH_SECS (length of the sign-in flood, default 10), BENCH_CONCURRENCY
//! (simultaneous sign-in loops, default 2 × cores) and BENCH_IDLE_SECS (how long to wait idle
//! before the last memory reading, default 60, at most 600).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use stile::app::AppState;
use stile::config::{PasswordSettings, Settings};
use stile::email::Email;
use stile::secret::SecretString;
use stile::store::{self, users::NewUser};
use tokio::sync::oneshot;

/// argon2 verifications timed one after another on one core.
const HASH_SAMPLES: usize = 20;
/// argon2 verifications per thread when every core verifies at once.
const PARALLEL_SAMPLES_PER_CORE: usize = 20;
/// How often the /healthz probe asks.
const PROBE_INTERVAL: Duration = Duration::from_millis(5);
/// How long the unloaded /healthz baseline runs.
const BASELINE: Duration = Duration::from_secs(2);
/// Any one request may take this long before the bench gives up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Hard limits on the environment overrides, so the bench always ends.
const MAX_SECS: f64 = 120.0;
const MAX_CONCURRENCY: usize = 256;
/// Safety cap on sign-ins per loop, whatever the duration.
const MAX_SIGNINS_PER_LOOP: usize = 100_000;
/// Set in the child process that runs the server: the directory for its database.
const SERVER_ENV: &str = "STILE_BENCH_SERVER_DIR";
/// How many bench users the child creates.
const USERS_ENV: &str = "STILE_BENCH_USERS";
/// How long the server may take to start (migrations, keys, one hash per user) or to stop.
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(120);
const MB: f64 = 1_000_000.0;

fn main() -> Result<()> {
    if let Some(dir) = std::env::var_os(SERVER_ENV) {
        return serve_child(Path::new(&dir));
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let secs = env_number::<f64>("BENCH_SECS")?.unwrap_or(10.0);
    if !(secs.is_finite() && secs > 0.0 && secs <= MAX_SECS) {
        bail!("BENCH_SECS must be more than 0 and at most {MAX_SECS}");
    }
    let flood_for = Duration::from_secs_f64(secs);
    let concurrency = env_number::<usize>("BENCH_CONCURRENCY")?.unwrap_or(2 * cores);
    let idle_secs = env_number::<u64>("BENCH_IDLE_SECS")?.unwrap_or(60);
    if idle_secs > 600 {
        bail!("BENCH_IDLE_SECS must be at most 600");
    }
    if concurrency == 0 || concurrency > MAX_CONCURRENCY {
        bail!("BENCH_CONCURRENCY must be between 1 and {MAX_CONCURRENCY}");
    }

    let settings = Settings::load_without_env(None).context("loading the default settings")?;
    let pw = settings.password.clone();
    let params_label = format!("{} KiB, t={}, p={}", pw.argon2_memory_kib, pw.argon2_iterations, pw.argon2_parallelism);
    println!("stile sign-in bench: {cores} core(s), {concurrency} concurrent sign-in loop(s), {secs} s flood");
    println!();

    // 2. The real application in a child process, with default password settings.
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let server = Server::start(dir.path(), concurrency)?;
    let users: Vec<BenchUser> = (0..concurrency).map(bench_user).collect();
    println!(
        "server: http://{} (pid {}, SQLite in {}), {} hashing slot(s), {} user(s)",
        server.addr,
        server.pid(),
        dir.path().display(),
        server.hashing_slots,
        users.len()
    );

    let client_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().thread_name("load").build()?;
    // The first reading as soon as the child has spawned the server task: start-up's self-check
    // and settling (`server::serve`) may still be running, so it is printed but not used.
    let started = Memory::of(server.pid())?;
    let base = format!("http://{}", server.addr);
    // Idle: ready (it answers /healthz, which it does only once start-up is done), then a second
    // at rest, as bench/oidc.sh reads it.
    client_rt.block_on(wait_ready(&base))?;
    std::thread::sleep(Duration::from_secs(1));
    let idle = Memory::of(server.pid())?;

    // Make sure a sign-in works before timing anything.
    client_rt.block_on(async {
        let client = browser()?;
        let user = users.first().context("no bench users")?;
        match sign_in(&client, &base, user).await? {
            Attempt::Ok { .. } => Ok(()),
            Attempt::Refused(status) => Err(anyhow!("a test sign-in was refused with {status}")),
        }
    })?;

    // 3a. /healthz with nothing else running.
    let baseline = probe_healthz(&base, BASELINE)?;
    // The code and the state a first sign-in brings in, apart from what the flood adds.
    let warm = Memory::of(server.pid())?;

    // 2 + 3b. The flood, with the probe alongside.
    let probe = {
        let base = base.clone();
        std::thread::Builder::new().name("probe".into()).spawn(move || probe_healthz(&base, flood_for))?
    };
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        let pid = server.pid();
        std::thread::Builder::new().name("rss".into()).spawn(move || -> Result<u64> {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(Memory::of(pid)?.rss);
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(peak)
        })?
    };
    let flood = client_rt.block_on(flood(&base, &users, flood_for));
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let rss_peak = sampler.join().map_err(|_| anyhow!("the RSS sampler panicked"))??;
    let during = probe.join().map_err(|_| anyhow!("the /healthz probe panicked"))??;
    let flood = flood?;
    // The load generator's clients (and their kept-alive connections) go before the idle wait.
    drop(client_rt);
    let after = Memory::of(server.pid())?;
    std::thread::sleep(Duration::from_secs(idle_secs));
    let rested = Memory::of(server.pid())?;
    let slots = server.hashing_slots as u64;
    server.stop()?;
    drop(dir);

    // 1. The argon2 bound.
    let timing = measure_argon2(&pw, cores)?;
    // The median, not the mean: one verification delayed by another process should not move
    // the bound.
    let bound = cores as f64 / timing.median.as_secs_f64();
    println!(
        "argon2id single-hash ({params_label}): {}  → bound on {cores} core{}: {bound:.1} sign-ins/s",
        fmt_dur(timing.median),
        if cores == 1 { "" } else { "s" }
    );
    println!(
        "  (median of {HASH_SAMPLES} verifications one at a time on one core: min {}, mean {}, max {})",
        fmt_dur(timing.min),
        fmt_dur(timing.mean),
        fmt_dur(timing.max)
    );
    println!(
        "argon2id on all {cores} core(s) at once, outside the server: {:.1} verifications/s ({:.0}% of bound)",
        timing.parallel_per_sec,
        100.0 * timing.parallel_per_sec / bound
    );

    println!();
    let rate = flood.ok as f64 / flood.elapsed.as_secs_f64();
    let post = Percentiles::of(flood.post_latency);
    let whole = Percentiles::of(flood.whole_latency);
    println!(
        "password sign-ins: {rate:.1}/s ({:.0}% of bound), p50 {} p99 {}  [{} in {:.1} s; {:.0}% of the all-cores argon2 rate]",
        100.0 * rate / bound,
        fmt_dur(post.p50),
        fmt_dur(post.p99),
        flood.ok,
        flood.elapsed.as_secs_f64(),
        100.0 * rate / timing.parallel_per_sec
    );
    println!(
        "  (latency of POST /login/password; with GET /login first: p50 {} p99 {}; max {})",
        fmt_dur(whole.p50),
        fmt_dur(whole.p99),
        fmt_dur(whole.max)
    );
    if !flood.refused.is_empty() {
        let list: Vec<String> = flood.refused.iter().map(|(s, n)| format!("{n} × {s}")).collect();
        println!("  refused sign-ins: {}", list.join(", "));
    }
    print_probe("/healthz at rest:     ", &baseline);
    print_probe("/healthz during flood:", &during);

    // 4. Memory.
    let rss_bound = idle.rss + slots * 20_000_000 + 20_000_000;
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    let over = 100.0 * (rested.rss as f64 - idle.rss as f64) / idle.rss as f64;
    println!();
    println!("server memory (RSS of the server process: anonymous + file-backed pages):");
    println!("  at start (not yet ready) {}", started.describe());
    println!("  idle (ready, 1 s after)  {}", idle.describe());
    println!("  after one sign-in       {}", warm.describe());
    println!(
        "  flood peak              {:6.1} MB   bound idle + {slots} slot(s) × 20 MB + 20 MB = {:.1} MB   {}",
        rss_peak as f64 / MB,
        rss_bound as f64 / MB,
        verdict(rss_peak <= rss_bound)
    );
    println!("  right after the flood   {}", after.describe());
    println!("  after {idle_secs:>3} s idle        {}", rested.describe());
    println!("  after idle vs idle      {over:+.1}% (target: at most +10%)   {}", verdict(over <= 10.0));
    println!(
        "  after idle vs after one sign-in {:+.1}% (what the flood itself left)",
        100.0 * (rested.rss as f64 - warm.rss as f64) / warm.rss as f64
    );
    println!(
        "  SQLite connections open: {} at idle, {} after one sign-in, {} right after the flood, {} after {idle_secs} s idle; threads {} / {} / {} / {}",
        idle.connections,
        warm.connections,
        after.connections,
        rested.connections,
        idle.threads,
        warm.threads,
        after.threads,
        rested.threads
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The server's memory

/// One reading of the server process, from /proc (Linux).
struct Memory {
    rss: u64,
    anon: u64,
    file: u64,
    threads: usize,
    /// sqlx runs each SQLite connection on a worker thread of its own, so counting those
    /// threads counts the open connections.
    connections: usize,
}

impl Memory {
    fn of(pid: u32) -> Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading the server's /proc status")?;
        let kib = |key: &str| -> Result<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|k| k * 1024)
                .with_context(|| format!("no {key} in /proc/{pid}/status"))
        };
        let mut threads = 0;
        let mut connections = 0;
        for task in std::fs::read_dir(format!("/proc/{pid}/task")).context("listing the server's threads")? {
            threads += 1;
            let comm = std::fs::read_to_string(task?.path().join("comm")).unwrap_or_default();
            if comm.starts_with("sqlx-sqlite-wor") {
                connections += 1;
            }
        }
        Ok(Memory { rss: kib("VmRSS:")?, anon: kib("RssAnon:")?, file: kib("RssFile:")?, threads, connections })
    }

    fn describe(&self) -> String {
        format!(
            "{:6.1} MB   (anonymous {:.1} MB, file-backed {:.1} MB)",
            self.rss as f64 / MB,
            self.anon as f64 / MB,
            self.file as f64 / MB
        )
    }
}

fn env_number<T: std::str::FromStr>(name: &str) -> Result<Option<T>> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse::<T>().map(Some).map_err(|_| anyhow!("{name}={v:?} is not a number")),
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// argon2

struct HashTiming {
    mean: Duration,
    min: Duration,
    median: Duration,
    max: Duration,
    parallel_per_sec: f64,
}

/// Times verifying a stored hash (what a sign-in costs) as `PasswordHasher::verify` does it:
/// one at a time on one core, then on every core at once.
fn measure_argon2(pw: &PasswordSettings, cores: usize) -> Result<HashTiming> {
    let params = Params::new(pw.argon2_memory_kib, pw.argon2_iterations, pw.argon2_parallelism, None)
        .map_err(|e| anyhow!("argon2 parameters: {e}"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let password = b"correct horse battery staple";
    let stored = argon.hash_password(password).map_err(|e| anyhow!("argon2 hash: {e}"))?.to_string();
    let parsed = PasswordHash::new(&stored).map_err(|e| anyhow!("argon2 hash parse: {e}"))?;
    let verify = |argon: &Argon2<'_>| argon.verify_password(password, &parsed).map_err(|e| anyhow!("argon2 verify: {e}"));

    verify(&argon)?; // warm-up: page in the memory, settle the clock
    let mut samples = Vec::with_capacity(HASH_SAMPLES);
    for _ in 0..HASH_SAMPLES {
        let t0 = Instant::now();
        verify(&argon)?;
        samples.push(t0.elapsed());
    }
    let total: Duration = samples.iter().sum();
    let mean = total / u32::try_from(samples.len())?;
    samples.sort_unstable();

    let t0 = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = (0..cores)
            .map(|_| {
                s.spawn(|| -> Result<()> {
                    for _ in 0..PARALLEL_SAMPLES_PER_CORE {
                        verify(&argon)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| anyhow!("an argon2 thread panicked"))??;
        }
        Ok(())
    })?;
    let parallel_per_sec = (cores * PARALLEL_SAMPLES_PER_CORE) as f64 / t0.elapsed().as_secs_f64();

    Ok(HashTiming { mean, min: samples[0], median: samples[samples.len() / 2], max: samples[samples.len() - 1], parallel_per_sec })
}

// ---------------------------------------------------------------------------------------------
// The server

struct BenchUser {
    email: String,
    password: String,
}

/// The `i`th bench account, known to the server (which creates it) and to the load generator.
fn bench_user(i: usize) -> BenchUser {
    BenchUser { email: format!("bench{i}@example.org"), password: format!("bench password {i} for stile") }
}

/// The server, running in a child process. It prints `ADDR SLOTS` on its standard output when
/// it is ready, and stops when its standard input closes (so it also stops if the bench dies).
struct Server {
    child: Child,
    addr: std::net::SocketAddr,
    hashing_slots: usize,
}

impl Server {
    fn start(dir: &Path, users: usize) -> Result<Server> {
        let mut child = Command::new(std::env::current_exe()?)
            .env(SERVER_ENV, dir)
            .env(USERS_ENV, users.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the server process")?;
        let stdout = child.stdout.take().context("no stdout from the server process")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(SERVER_START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                bail!("the server did not start within {SERVER_START_TIMEOUT:?}");
            }
        };
        let mut words = line.split_whitespace();
        let (Some(addr), Some(slots)) = (words.next(), words.next()) else {
            let _ = child.kill();
            bail!("the server process did not start (it said {line:?})");
        };
        Ok(Server { addr: addr.parse()?, hashing_slots: slots.parse()?, child })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes the server's standard input, which stops it, and waits for it to exit.
    fn stop(mut self) -> Result<()> {
        drop(self.child.stdin.take());
        let until = Instant::now() + SERVER_START_TIMEOUT;
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait()? {
                return if status.success() { Ok(()) } else { Err(anyhow!("the server process exited with {status}")) };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        bail!("the server process did not stop")
    }
}

/// The child process: the real application with default password settings, throttling out of
/// the way, until standard input closes.
fn serve_child(dir: &Path) -> Result<()> {
    let users = env_number::<usize>(USERS_ENV)?.context("no user count for the server")?;
    let mut settings = Settings::load_without_env(None).context("loading the default settings")?;
    settings.data_dir = PathBuf::from(dir);
    settings.database.url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
    // Every sign-in comes from 127.0.0.1: no failure count may ever lock the bench out.
    settings.throttle.account_max_failures = 1_000_000_000;
    settings.throttle.ip_max_failures = 1_000_000_000;

    // Like #[tokio::main] in src/main.rs: one worker per core, argon2 on the blocking pool.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("server").build()?;
    let (state, addr, shutdown, task) = rt.block_on(start_server(settings, users))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{addr} {}", state.hasher.concurrency())?;
    out.flush()?;
    drop(out);

    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    let _ = shutdown.send(());
    rt.block_on(async {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        state.db.close().await;
    });
    rt.shutdown_timeout(Duration::from_secs(5));
    Ok(())
}

async fn start_server(
    settings: Settings,
    users: usize,
) -> Result<(AppState, std::net::SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>)> {
    let (state, _report) = AppState::build(settings, Arc::new(stile::clock::SystemClock), Arc::new(stile::clock::OsRandom), None).await?;

    // One account per sign-in loop, hashed by the application's own hasher (default parameters).
    let mut hashing = tokio::task::JoinSet::new();
    for i in 0..users {
        let state = state.clone();
        hashing.spawn(async move {
            let user = bench_user(i);
            let hash = state.hasher.hash(&SecretString::new(user.password.clone())).await?;
            let email = Email::parse(&user.email)?;
            let now = state.now();
            let id = store::new_id(now, &*state.rng);
            let new =
                NewUser { id: &id, email: &email, name: "Bench User", email_verified: true, password_hash: Some(&hash), superuser: false };
            store::users::insert(&state.db, &new, now).await?;
            anyhow::Ok(())
        });
    }
    while let Some(done) = hashing.join_next().await {
        done??;
    }

    let listener = stile::server::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let st = state.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = stile::server::serve(st, listener, async {
            let _ = rx.await;
        })
        .await
        {
            eprintln!("server stopped: {}", stile::error::error_chain(&e));
        }
    });
    Ok((state, addr, tx, task))
}

// ---------------------------------------------------------------------------------------------
// Clients

/// A browser: its own cookies, no redirect following.
fn browser() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).timeout(REQUEST_TIMEOUT).no_proxy().build()?)
}

enum Attempt {
    Ok { whole: Duration, post: Duration },
    Refused(StatusCode),
}

/// GET /login for the CSRF cookie and field, then POST /login/password. Success is a 303 that
/// sets the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str, user: &BenchUser) -> Result<Attempt> {
    let t0 = Instant::now();
    let page = client.get(format!("{base}/login")).send().await?;
    if page.status() != StatusCode::OK {
        return Ok(Attempt::Refused(page.status()));
    }
    let html = page.text().await?;
    let csrf = csrf_in(&html).context("no csrf field on /login")?;
    let t1 = Instant::now();
    let res = client
        .post(format!("{base}/login/password"))
        .form(&[("csrf", csrf.as_str()), ("email", user.email.as_str()), ("password", user.password.as_str()), ("next", "/account")])
        .send()
        .await?;
    let status = res.status();
    let session_set = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|c| c.starts_with("stile_session=") && !c.starts_with("stile_session=;")));
    let _ = res.bytes().await?; // read to the end so the connection is reused
    let t2 = Instant::now();
    if status == StatusCode::SEE_OTHER && session_set {
        Ok(Attempt::Ok { whole: t2 - t0, post: t2 - t1 })
    } else {
        Ok(Attempt::Refused(status))
    }
}

fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html.get(start..)?.find('"')?;
    html.get(start..start + end).map(str::to_owned)
}

#[derive(Default)]
struct FloodResult {
    ok: usize,
    refused: Vec<(StatusCode, usize)>,
    post_latency: Vec<Duration>,
    whole_latency: Vec<Duration>,
    elapsed: Duration,
}

/// One sign-in loop per user, each with its own client, until `duration` has passed. The rate
/// is taken over the time until the last loop has finished its last sign-in.
async fn flood(base: &str, users: &[BenchUser], duration: Duration) -> Result<FloodResult> {
    let start = Instant::now();
    let deadline = start + duration;
    let mut loops = tokio::task::JoinSet::new();
    for user in users {
        let client = browser()?;
        let base = base.to_owned();
        let user = BenchUser { email: user.email.clone(), password: user.password.clone() };
        loops.spawn(async move {
            let mut out = FloodResult::default();
            for _ in 0..MAX_SIGNINS_PER_LOOP {
                if Instant::now() >= deadline {
                    break;
                }
                match sign_in(&client, &base, &user).await? {
                    Attempt::Ok { whole, post } => {
                        out.ok += 1;
                        out.post_latency.push(post);
                        out.whole_latency.push(whole);
                    }
                    Attempt::Refused(status) => count_refusal(&mut out.refused, status, 1),
                }
            }
            anyhow::Ok(out)
        });
    }
    let mut total = FloodResult::default();
    let limit = duration + REQUEST_TIMEOUT * 2;
    tokio::time::timeout(limit, async {
        while let Some(done) = loops.join_next().await {
            let r = done??;
            total.ok += r.ok;
            total.post_latency.extend(r.post_latency);
            total.whole_latency.extend(r.whole_latency);
            for (status, n) in r.refused {
                count_refusal(&mut total.refused, status, n);
            }
        }
        anyhow::Ok(())
    })
    .await
    .map_err(|_| anyhow!("the sign-in loops did not finish in time"))??;
    total.elapsed = start.elapsed();
    if total.ok == 0 {
        bail!("no sign-in succeeded during the flood");
    }
    Ok(total)
}

fn count_refusal(list: &mut Vec<(StatusCode, usize)>, status: StatusCode, n: usize) {
    match list.iter_mut().find(|(s, _)| *s == status) {
        Some((_, count)) => *count += n,
        None => list.push((status, n)),
    }
}

struct ProbeResult {
    latencies: Vec<Duration>,
    failures: usize,
}

/// GETs /healthz every PROBE_INTERVAL for `duration` on a thread and runtime of its own, over one
/// kept-alive connection, and records how long each answer took.
/// Waits until the server answers `/healthz` (at most [`SERVER_START_TIMEOUT`]).
async fn wait_ready(base: &str) -> Result<()> {
    let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).no_proxy().build()?;
    let until = Instant::now() + SERVER_START_TIMEOUT;
    while Instant::now() < until {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == StatusCode::OK) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("the server did not answer /healthz within {SERVER_START_TIMEOUT:?}")
}

fn probe_healthz(base: &str, duration: Duration) -> Result<ProbeResult> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).no_proxy().build()?;
        let url = format!("{base}/healthz");
        let mut out = ProbeResult { latencies: Vec::new(), failures: 0 };
        let mut tick = tokio::time::interval(PROBE_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let end = Instant::now() + duration;
        while Instant::now() < end {
            tick.tick().await;
            let t0 = Instant::now();
            let ok = match client.get(&url).send().await {
                Ok(res) => res.status() == StatusCode::OK && res.bytes().await.is_ok(),
                Err(_) => false,
            };
            if ok {
                out.latencies.push(t0.elapsed());
            } else {
                out.failures += 1;
            }
        }
        Ok(out)
    })
}

fn print_probe(label: &str, r: &ProbeResult) {
    let n = r.latencies.len();
    let p = Percentiles::of(r.latencies.clone());
    let failures = if r.failures == 0 { String::new() } else { format!(", {} failed", r.failures) };
    println!("{label} p50 {} p99 {} max {}  [{n} requests{failures}]", fmt_dur(p.p50), fmt_dur(p.p99), fmt_dur(p.max));
}

// ---------------------------------------------------------------------------------------------
// Figures

struct Percentiles {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Percentiles {
    /// Nearest-rank percentiles.
    fn of(mut v: Vec<Duration>) -> Self {
        v.sort_unstable();
        let rank = |p: f64| -> Duration {
            if v.is_empty() {
                return Duration::ZERO;
            }
            let i = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
            v[i]
        };
        Percentiles { p50: rank(0.50), p99: rank(0.99), max: v.last().copied().unwrap_or_default() }
    }
}

fn fmt_dur(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 { format!("{:.0} µs", ms * 1000.0) } else { format!("{ms:.1} ms") }
}
