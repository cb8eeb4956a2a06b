//! Small shared key/value facts about the installation.

use super::{Db, Exec, Result};

pub async fn get(db: &Db, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, String>("select value from instance_settings where key = $1").bind(key).fetch_optional(db.pool()).await?)
}

/// Sets `key` only if it has no value yet; true if this call set it. Instances racing on first
/// start agree on one winner.
pub async fn set_if_absent(db: impl Exec, key: &str, value: &str) -> Result<bool> {
    let done = sqlx::query("insert into instance_settings (key, value) values ($1, $2) on conflict (key) do nothing")
        .bind(key)
        .bind(value)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}
