//! The administrators' users list at scale (`cargo bench --bench users_list`; see
//! bench/README.md): loads 1,000 and then 1,000,000 users (with memberships across 1,000
//! organisations, roles, second factors, disabled and flagged accounts, sign-in times) into a
//! fresh database with bulk SQL in one transaction — not through the application — and times
//! the list's queries (`store::user_list::page`, exactly what the page and the CSV export run):
//! the first page, a keyset page far down the list, each filter, a body administrator's view
//! and the CSV export's first 1,000 rows and all of its rows.
//!
//! Environment: BENCH_USERS (the large size, default 1000000, at least 1000),
//! BENCH_PG_URL (a PostgreSQL server URL such as postgres://postgres@127.0.0.1:5432; when set,
//! the same runs on a throwaway database there too), BENCH_RUNS (timed runs per query, the
//! median is shown; default 5).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use anyhow::{Context, Result, bail};
use stile::app::AppState;
use stile::config::Settings;
use stile::store::user_list::{Cursor, Filter, LastSignIn, Status, TwoFactor, page};
use stile::store::{Db, DbKind};
use support::{Backend, Dialect, admin_sql, env_number};

/// Organisations the users are spread over.
const BODIES: u64 = 1_000;
const PER_PAGE: i64 = 51;
/// "Now" for the data: sign-in times are spread over the year before it.
const NOW: i64 = 1_790_000_000;
const DAY: i64 = 86_400;

fn main() -> Result<()> {
    let big = env_number("BENCH_USERS")?.unwrap_or(1_000_000);
    if big < 1_000 {
        bail!("BENCH_USERS must be at least 1000");
    }
    let runs = env_number("BENCH_RUNS")?.unwrap_or(5).clamp(1, 50) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async {
        let mut backends = vec![Backend::Sqlite];
        if let Ok(url) = std::env::var("BENCH_PG_URL") {
            backends.push(Backend::Postgres(url));
        }
        for backend in backends {
            let small = measure(&backend, 1_000, runs).await?;
            let large = measure(&backend, big, runs).await?;
            print_table(&backend, big, &small, &large);
        }
        Ok(())
    })
}

struct Timing {
    name: &'static str,
    median: Duration,
    rows: usize,
}

/// A fresh database with the application's schema (its migrations), `users` users loaded, and
/// each query timed.
async fn measure(backend: &Backend, users: u64, runs: usize) -> Result<Vec<Timing>> {
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let mut settings = Settings::load_without_env(None).context("loading the default settings")?;
    settings.data_dir = dir.path().to_path_buf();
    let pg_name = format!("stile_bench_users_{}_{users}", std::process::id());
    settings.database.url = match backend {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()),
        Backend::Postgres(url) => {
            admin_sql(url, &format!("drop database if exists {pg_name}")).await?;
            admin_sql(url, &format!("create database {pg_name}")).await?;
            format!("{}/{pg_name}", url.trim_end_matches('/'))
        }
    };
    let (state, _) = AppState::build(settings, Arc::new(stile::clock::SystemClock), Arc::new(stile::clock::OsRandom), None).await?;
    let started = Instant::now();
    load(&state.db, users).await?;
    eprintln!("{}: {users} users loaded in {:.1} s", backend.name(), started.elapsed().as_secs_f64());
    let timings = time_queries(&state.db, users, runs).await?;
    state.db.pool().close().await;
    if let Backend::Postgres(url) = backend {
        admin_sql(url, &format!("drop database if exists {pg_name}")).await?;
    }
    Ok(timings)
}

/// Bulk inserts in one transaction: users `u0000001`… created one a second, every user in the
/// organisation `i % 1000` and one in ten in a second one, a role for one membership in three, a
/// confirmed second factor for one user in twenty, one in fifty disabled, one in a thousand
/// flagged, three in ten never signed in and the rest over the last year.
async fn load(db: &Db, users: u64) -> Result<()> {
    let pg = db.kind() == DbKind::Postgres;
    let dialect = Dialect { pg };
    let series = |n: u64| dialect.series(n);
    let pad = |expr: &str, width: u32| dialect.pad(expr, width);
    let bodies = series(BODIES);
    let users_s = series(users);
    let mut tx = db.pool().begin().await?;
    let statements = [
        format!(
            "insert into bodies (id, name, kind, created_at, updated_at)
             select 'b' || {}, 'Organisation ' || i, 'council', {NOW}, {NOW} from {bodies}",
            pad("i - 1", 4)
        ),
        format!(
            "insert into roles (id, body_id, name, created_at, updated_at)
             select 'r' || {}, 'b' || {}, 'Inspectors', {NOW}, {NOW} from {bodies}",
            pad("i - 1", 4),
            pad("i - 1", 4)
        ),
        format!(
            "insert into users (id, email, email_verified, name, disabled, flagged, created_at, updated_at, last_login_at)
             select 'u' || {id}, 'user' || {id} || '@example.org', 1, 'Person ' || i,
                    case when i % 50 = 0 then 1 else 0 end, case when i % 1000 = 7 then 1 else 0 end,
                    {start} + i, {start} + i,
                    case when i % 10 < 3 then null else {NOW} - (i * 7919) % (365 * {DAY}) end
             from {users_s}",
            id = pad("i", 7),
            start = NOW - 2 * 365 * DAY,
        ),
        format!(
            "insert into memberships (id, user_id, body_id, created_at)
             select 'm' || {id}, 'u' || {id}, 'b' || {b}, {NOW} from {users_s}",
            id = pad("i", 7),
            b = pad("i % 1000", 4)
        ),
        format!(
            "insert into memberships (id, user_id, body_id, created_at)
             select 'n' || {id}, 'u' || {id}, 'b' || {b}, {NOW} from {users_s} where i % 10 = 3",
            id = pad("i", 7),
            b = pad("(i * 7) % 1000", 4)
        ),
        format!(
            "insert into membership_roles (membership_id, role_id)
             select 'm' || {id}, 'r' || {b} from {users_s} where i % 3 = 1",
            id = pad("i", 7),
            b = pad("i % 1000", 4)
        ),
        format!(
            "insert into user_totp (user_id, secret_encrypted, confirmed_at, created_at)
             select 'u' || {id}, 'x', {NOW}, {NOW} from {users_s} where i % 20 = 9",
            id = pad("i", 7)
        ),
    ];
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    sqlx::query("analyze").execute(db.pool()).await?;
    Ok(())
}

async fn time_queries(db: &Db, users: u64, runs: usize) -> Result<Vec<Timing>> {
    let one_body = vec!["b0042".to_owned()];
    let some_bodies: Vec<String> = (0..5).map(|i| format!("b{:04}", i * 100 + 3)).collect();
    // The cursor of the row in the middle of the list (users are created one a second).
    let mid = users / 2;
    let middle = Cursor { created_at: NOW - 2 * 365 * DAY + i64::try_from(mid)?, id: format!("u{mid:07}") };
    let all = Filter::default();
    let cases: Vec<(&'static str, Filter<'_>, Option<&Cursor>)> = vec![
        ("first page (superuser, no filter)", all.clone(), None),
        ("a page halfway down (keyset)", all.clone(), Some(&middle)),
        ("organisation filter", Filter { body_id: Some("b0042"), ..all.clone() }, None),
        ("organisation filter, next page", Filter { body_id: Some("b0042"), ..all.clone() }, Some(&middle)),
        ("organisation + role", Filter { body_id: Some("b0042"), role_id: Some("r0042"), ..all.clone() }, None),
        ("body administrator (1 organisation)", Filter { visible_bodies: Some(&one_body), ..all.clone() }, None),
        ("body administrator (5 organisations)", Filter { visible_bodies: Some(&some_bodies), ..all.clone() }, None),
        ("status: active", Filter { status: Status::Active, ..all.clone() }, None),
        ("status: disabled", Filter { status: Status::Disabled, ..all.clone() }, None),
        ("status: flagged", Filter { status: Status::Flagged, ..all.clone() }, None),
        ("two-factor on", Filter { two_factor: TwoFactor::On, ..all.clone() }, None),
        ("two-factor off", Filter { two_factor: TwoFactor::Off, ..all.clone() }, None),
        ("signed in within 7 days", Filter { last_sign_in: LastSignIn::Since(NOW - 7 * DAY), ..all.clone() }, None),
        ("not signed in for 90 days", Filter { last_sign_in: LastSignIn::NotSince(NOW - 90 * DAY), ..all.clone() }, None),
        ("never signed in", Filter { last_sign_in: LastSignIn::Never, ..all.clone() }, None),
        ("search: one address", Filter { query: "user0500001@", ..all.clone() }, None),
        ("search: no match", Filter { query: "nobody-at-all", ..all.clone() }, None),
        // Organisation 42 has no disabled members (its users are i = 42 mod 1000, never 0 mod 50):
        // a filter that matches nothing is the worst case for a scan.
        ("organisation + disabled (none there)", Filter { body_id: Some("b0042"), status: Status::Disabled, ..all.clone() }, None),
        (
            "body administrator: disabled (none there)",
            Filter { visible_bodies: Some(&one_body), status: Status::Disabled, ..all.clone() },
            None,
        ),
    ];
    let mut out = Vec::new();
    for (name, f, after) in &cases {
        let after = *after;
        let (median, rows) = timed(runs, || async move { Ok(page(db, f, after, PER_PAGE).await?.len()) }).await?;
        out.push(Timing { name, median, rows });
    }
    // The CSV export reads the filtered list 1,000 rows at a time: its first bytes could go out
    // after the first read; today the whole file is built before the response starts.
    let all = &all;
    let one_ref: &[String] = &one_body;
    let (median, rows) = timed(runs, || async move { Ok(page(db, all, None, 1000).await?.len()) }).await?;
    out.push(Timing { name: "CSV export: first 1,000 rows", median, rows });
    let (median, rows) = timed(1, || async move {
        let mut after: Option<Cursor> = None;
        let mut rows = 0;
        loop {
            let p = page(db, all, after.as_ref(), 1000).await?;
            let Some(last) = p.last() else { break };
            after = Some(last.cursor());
            rows += p.len();
        }
        Ok(rows)
    })
    .await?;
    out.push(Timing { name: "CSV export: every row (superuser)", median, rows });
    let (median, rows) = timed(runs, || async move {
        let f = Filter { visible_bodies: Some(one_ref), ..Filter::default() };
        let mut after: Option<Cursor> = None;
        let mut rows = 0;
        loop {
            let p = page(db, &f, after.as_ref(), 1000).await?;
            let Some(last) = p.last() else { break };
            after = Some(last.cursor());
            rows += p.len();
        }
        Ok(rows)
    })
    .await?;
    out.push(Timing { name: "CSV export: a body administrator's", median, rows });
    Ok(out)
}

/// The median time of `runs` runs of `f`, and the rows it returned.
async fn timed<F, Fut>(runs: usize, f: F) -> Result<(Duration, usize)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<usize>>,
{
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = f().await?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], rows))
}

fn print_table(backend: &Backend, big: u64, small: &[Timing], large: &[Timing]) {
    println!();
    println!("Users list on {} (median of the runs; rows returned in brackets)", backend.name());
    println!("{:<40} {:>16} {:>18}", "query", "1,000 users", format!("{big} users"));
    for (s, l) in small.iter().zip(large) {
        let cell = |t: &Timing| format!("{:.2} ms ({})", t.median.as_secs_f64() * 1000.0, t.rows);
        println!("{:<40} {:>16} {:>18}", s.name, cell(s), cell(l));
    }
}
