//! The permission catalogue and role templates shipped in `config/catalogue.toml`, loaded into
//! the database on every start (idempotently) so upgrades bring new keys and fixes.

use serde::Deserialize;

use crate::clock::{Random, Timestamp};
use crate::store::{
    self, Db, StoreError,
    catalogue::{PermissionRow, TemplateSpec},
};

pub const CATALOGUE: &str = include_str!("../config/catalogue.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(rename = "permission", default)]
    pub permissions: Vec<PermissionSpec>,
    #[serde(rename = "role_template", default)]
    pub role_templates: Vec<RoleTemplateSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSpec {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleTemplateSpec {
    pub key: String,
    pub name: String,
    pub namespace: String,
    pub body_kinds: Vec<String>,
    #[serde(default)]
    pub mfa_required: bool,
    pub permissions: Vec<String>,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("config/catalogue.toml is not valid: {0}")]
    Parse(String),
    #[error("config/catalogue.toml: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Catalogue {
    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let c: Catalogue = toml::from_str(text).map_err(|e| CatalogueError::Parse(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    pub fn builtin() -> Result<Self, CatalogueError> {
        Self::parse(CATALOGUE)
    }

    fn validate(&self) -> Result<(), CatalogueError> {
        let bad = |m: String| Err(CatalogueError::Invalid(m));
        let mut keys = std::collections::HashSet::new();
        for p in &self.permissions {
            let Some((ns, name)) = p.key.split_once(':') else {
                return bad(format!("permission {:?} has no namespace", p.key));
            };
            let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok(ns) || !ok(name) {
                return bad(format!("permission key {:?} must be namespace:name in [a-z0-9_]", p.key));
            }
            if !keys.insert(p.key.as_str()) {
                return bad(format!("permission {:?} is listed twice", p.key));
            }
        }
        let mut templates = std::collections::HashSet::new();
        for t in &self.role_templates {
            if !templates.insert(t.key.as_str()) {
                return bad(format!("role template {:?} is listed twice", t.key));
            }
            for p in &t.permissions {
                if !keys.contains(p.as_str()) {
                    return bad(format!("role template {:?} grants unknown permission {p:?}", t.key));
                }
                if !p.starts_with(&format!("{}:", t.namespace)) {
                    return bad(format!("role template {:?} grants {p:?} outside its namespace", t.key));
                }
            }
            for k in &t.body_kinds {
                if crate::policy::body::BodyKind::parse(k).is_none() {
                    return bad(format!("role template {:?} names unknown body kind {k:?}", t.key));
                }
            }
        }
        Ok(())
    }

    /// Writes the catalogue into the database. Safe to run on every start and from several
    /// instances at once.
    pub async fn install(&self, db: &Db, rng: &dyn Random, now: Timestamp) -> Result<(), CatalogueError> {
        for p in &self.permissions {
            let namespace = p.key.split_once(':').map(|(ns, _)| ns).unwrap_or_default().to_owned();
            store::catalogue::upsert_permission(
                db,
                &PermissionRow { key: p.key.clone(), namespace, label: p.label.clone(), description: p.description.clone() },
            )
            .await?;
        }
        for t in &self.role_templates {
            let id = store::new_id(now, rng);
            store::catalogue::upsert_template(
                db,
                &TemplateSpec {
                    id: &id,
                    key: &t.key,
                    name: &t.name,
                    namespace: &t.namespace,
                    description: &t.description,
                    body_kinds: &t.body_kinds,
                    mfa_required: t.mfa_required,
                    permissions: &t.permissions,
                },
                now,
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_is_valid() {
        let c = Catalogue::builtin().unwrap();
        let fms = c.permissions.iter().filter(|p| p.key.starts_with("fms:")).count();
        assert_eq!(fms, 25);
        assert!(c.permissions.iter().any(|p| p.key == "fms:user_manage_permissions"));
        let names: Vec<&str> = c.role_templates.iter().map(|t| t.name.as_str()).collect();
        for want in ["Customer Services", "Inspectors", "Internal maintenance teams", "Administrators"] {
            assert!(names.contains(&want), "missing template {want}");
        }
        assert_eq!(c.role_templates.iter().filter(|t| t.namespace == "sm").count(), 7);
    }

    #[test]
    fn refuses_unknown_permission_in_template() {
        let text = r#"
[[permission]]
key = "fms:a"
label = "A"
[[role_template]]
key = "t"
name = "T"
namespace = "fms"
body_kinds = ["council"]
permissions = ["fms:b"]
"#;
        assert!(Catalogue::parse(text).is_err());
    }
}
