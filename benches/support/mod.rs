//! What the database benches (`users_list`, `scale`) share: the backends they run on, a
//! throwaway PostgreSQL database, bulk-loading SQL in either dialect, and whole-number settings
//! from the environment.

#![allow(dead_code)]

use anyhow::{Context, Result};

pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

/// Runs `sql` on the server's `postgres` database (to create or drop a bench database).
pub async fn admin_sql(url: &str, sql: &str) -> Result<()> {
    sqlx::any::install_default_drivers();
    let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{}/postgres", url.trim_end_matches('/'))).await?;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut c).await?;
    Ok(())
}

/// Bulk-loading SQL in the dialect of the database being loaded.
#[derive(Clone, Copy)]
pub struct Dialect {
    pub pg: bool,
}

impl Dialect {
    /// The rows `i` = 1..=n, as a derived table named `s`.
    pub fn series(self, n: u64) -> String {
        if self.pg {
            format!("(select g as i from generate_series(1::bigint, {n}) g) s")
        } else {
            format!("(with recursive c(i) as (select 1 union all select i + 1 from c where i < {n}) select i from c) s")
        }
    }

    /// `expr` as text, zero-padded to `width` digits.
    pub fn pad(self, expr: &str, width: u32) -> String {
        if self.pg { format!("lpad(({expr})::text, {width}, '0')") } else { format!("printf('%0{width}d', {expr})") }
    }
}

pub fn env_number(name: &str) -> Result<Option<u64>> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v.trim().parse().with_context(|| format!("{name} must be a whole number"))?)),
        Err(_) => Ok(None),
    }
}
