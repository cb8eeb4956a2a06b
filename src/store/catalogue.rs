//! Permission catalogue and roles (templates and per-body roles).

use sqlx::FromRow;

use super::{Db, Exec, Result, Taken, flag, json_list};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct PermissionRow {
    pub key: String,
    pub namespace: String,
    pub label: String,
    pub description: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct RoleRow {
    pub id: String,
    pub body_id: Option<String>,
    pub template_key: Option<String>,
    pub name: String,
    pub namespace: String,
    pub description: String,
    pub body_kinds: String,
    pub mfa_required: i64,
}

impl RoleRow {
    /// What the role asks of its holders' sign-in (`mfa_required` holds a level).
    pub fn mfa_level(&self) -> crate::policy::mfa::MfaLevel {
        crate::policy::mfa::MfaLevel::from_stored(self.mfa_required)
    }
}

const ROLE_COLUMNS: &str = "id, body_id, template_key, name, namespace, description, body_kinds, mfa_required";

pub async fn upsert_permission(db: &Db, p: &PermissionRow) -> Result<()> {
    sqlx::query(
        "insert into permissions (key, namespace, label, description) values ($1, $2, $3, $4)
         on conflict (key) do update set namespace = excluded.namespace, label = excluded.label, description = excluded.description",
    )
    .bind(&p.key)
    .bind(&p.namespace)
    .bind(&p.label)
    .bind(&p.description)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn permissions(db: &Db) -> Result<Vec<PermissionRow>> {
    Ok(sqlx::query_as::<_, PermissionRow>("select key, namespace, label, description from permissions order by key")
        .fetch_all(db.pool())
        .await?)
}

pub struct TemplateSpec<'a> {
    pub id: &'a str,
    pub key: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub description: &'a str,
    pub body_kinds: &'a [String],
    pub mfa_required: bool,
    pub permissions: &'a [String],
}

/// Creates a role template, or brings an existing one (matched by key) up to date. Templates
/// shipped with Stile are authoritative; roles already copied into bodies are left alone.
pub async fn upsert_template(db: &Db, t: &TemplateSpec<'_>, now: Timestamp) -> Result<String> {
    let mut tx = db.begin().await?;
    let existing: Option<String> =
        sqlx::query_scalar("select id from roles where body_id is null and template_key = $1").bind(t.key).fetch_optional(&mut *tx).await?;
    let id = match existing {
        Some(id) => {
            sqlx::query(
                "update roles set name = $2, namespace = $3, description = $4, body_kinds = $5, mfa_required = $6, updated_at = $7 where id = $1",
            )
            .bind(&id)
            .bind(t.name)
            .bind(t.namespace)
            .bind(t.description)
            .bind(json_list(t.body_kinds))
            .bind(flag(t.mfa_required))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("delete from role_permissions where role_id = $1").bind(&id).execute(&mut *tx).await?;
            id
        }
        None => {
            let row = super::roles::NewRow {
                id: t.id,
                body_id: None,
                template_key: Some(t.key),
                name: t.name,
                namespace: t.namespace,
                description: t.description,
                body_kinds: &json_list(t.body_kinds),
                mfa_required: flag(t.mfa_required),
                sm_role: None,
            };
            super::roles::insert_row(&mut tx, &row, now, Taken::RoleTemplate).await?;
            t.id.to_owned()
        }
    };
    for p in t.permissions {
        sqlx::query("insert into role_permissions (role_id, permission_key) values ($1, $2)").bind(&id).bind(p).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn templates(db: &Db) -> Result<Vec<RoleRow>> {
    Ok(sqlx::query_as::<_, RoleRow>(sql!("select {ROLE_COLUMNS} from roles where body_id is null order by namespace, name"))
        .fetch_all(db.pool())
        .await?)
}

pub async fn roles_of_body(db: &Db, body_id: &str) -> Result<Vec<RoleRow>> {
    Ok(sqlx::query_as::<_, RoleRow>(sql!("select {ROLE_COLUMNS} from roles where body_id = $1 order by name"))
        .bind(body_id)
        .fetch_all(db.pool())
        .await?)
}

/// Copies the templates offered to `kind` into a new body, in one transaction (a savepoint
/// inside the caller's). Returns the new roles' ids by template key.
pub async fn copy_templates_into_body(
    db: impl Exec,
    body_id: &str,
    kind: &str,
    ids: &mut (dyn FnMut() -> String + Send),
    now: Timestamp,
) -> Result<Vec<(String, String)>> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = super::begin_on(&mut c, immediate).await?;
    let templates = sqlx::query_as::<_, RoleRow>(sql!("select {ROLE_COLUMNS} from roles where body_id is null order by namespace, name"))
        .fetch_all(&mut *tx)
        .await?;
    let mut created = Vec::new();
    for t in templates {
        let kinds: Vec<String> = super::parse_json_list(&t.body_kinds)?;
        if !kinds.iter().any(|k| k == kind) {
            continue;
        }
        let id = ids();
        let row = super::roles::NewRow {
            id: &id,
            body_id: Some(body_id),
            template_key: t.template_key.as_deref(),
            name: &t.name,
            namespace: &t.namespace,
            description: &t.description,
            body_kinds: "[]",
            mfa_required: t.mfa_required,
            sm_role: None,
        };
        super::roles::insert_row(&mut *tx, &row, now, Taken::Role).await?;
        sqlx::query(
            "insert into role_permissions (role_id, permission_key) select $1, permission_key from role_permissions where role_id = $2",
        )
        .bind(&id)
        .bind(&t.id)
        .execute(&mut *tx)
        .await?;
        created.push((t.template_key.unwrap_or_default(), id));
    }
    tx.commit().await?;
    Ok(created)
}
