//! The administrative rights of machine clients (`stile:admin` scope).

use super::Conn;
use crate::clock::Timestamp;
use crate::store::{Db, Result};

/// A machine client's administrative rights (see `docs/admin-api.md`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientAdminAccess {
    pub admin_access: Option<String>,
    pub admin_body_id: Option<String>,
    pub admin_permissions: String,
}

pub async fn client_admin_access(db: &Db, client_id: &str) -> Result<Option<ClientAdminAccess>> {
    Ok(sqlx::query_as::<_, ClientAdminAccess>("select admin_access, admin_body_id, admin_permissions from clients where id = $1")
        .bind(client_id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn set_client_admin_access(conn: &mut Conn, client_id: &str, a: &ClientAdminAccess, now: Timestamp) -> Result<()> {
    let done =
        sqlx::query("update clients set admin_access = $2, admin_body_id = $3, admin_permissions = $4, updated_at = $5 where id = $1")
            .bind(client_id)
            .bind(&a.admin_access)
            .bind(&a.admin_body_id)
            .bind(&a.admin_permissions)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    crate::store::users::found(done.rows_affected(), "client")
}
