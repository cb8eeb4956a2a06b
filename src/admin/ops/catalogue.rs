//! The permission catalogue and role templates, read by administrators to build roles and
//! memberships. Read-only; anyone who administers some body (or a superuser) may read it.

use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::store::{
    self,
    catalogue::{PermissionRow, RoleRow},
};

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub permissions: Vec<PermissionRow>,
    pub templates: Vec<RoleRow>,
}

impl Catalogue {
    /// The templates meant for a body of `kind` (a template naming no kinds suits every body).
    pub fn templates_for(&self, kind: &str) -> Vec<&RoleRow> {
        self.templates
            .iter()
            .filter(|t| {
                let kinds = store::parse_json_list(&t.body_kinds).unwrap_or_default();
                kinds.is_empty() || kinds.iter().any(|k| k == kind)
            })
            .collect()
    }
}

pub async fn read(state: &AppState, actor: &AdminActor) -> Result<Catalogue, AdminError> {
    if actor.administered_bodies().is_some_and(|b| b.is_empty()) {
        return Err(AdminError::Forbidden("You are not an administrator of any organisation.".into()));
    }
    Ok(Catalogue { permissions: store::catalogue::permissions(&state.db).await?, templates: store::catalogue::templates(&state.db).await? })
}
