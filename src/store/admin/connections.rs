//! SSO connections as administration changes them (the rest is `store::connections`).

use super::Conn;
use crate::store::Result;

/// Removes a connection (its domains, account links and sign-ins in flight go with it by
/// cascade) and clears it as any body's SSO connection.
pub async fn remove(conn: &mut Conn, id: &str) -> Result<()> {
    sqlx::query("update bodies set sso_connection_id = null where sso_connection_id = $1").bind(id).execute(&mut *conn).await?;
    let done = sqlx::query("delete from upstream_connections where id = $1").bind(id).execute(&mut *conn).await?;
    crate::store::users::found(done.rows_affected(), "connection")
}

/// The body a connection is bound to, if the connection exists.
pub async fn body_of(conn: &mut Conn, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("select body_id from upstream_connections where id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten())
}
