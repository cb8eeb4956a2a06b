//! Signing-key rotation (`stile keys rotate`): the rotation and its audit row are one
//! transaction, so a failure part-way leaves the keys as they were and no row claims otherwise.

use serde_json::json;

use super::{Subject, audit_ok, commit_err, guard};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::services::keys::{self, KeyError};
use crate::store;

/// Rotates every algorithm's keys (next → current → retired, and a fresh next) for a superuser
/// (the command line), then reloads this process's key set. Running servers pick the change up
/// on their next reload. Returns the promoted key ids.
pub async fn rotate(state: &AppState, actor: &AdminActor) -> Result<Vec<String>, AdminError> {
    let anything = Subject { target_type: "signing_key", target_id: "", body_id: None };
    let may =
        if actor.is_superuser() { Ok(()) } else { Err(AdminError::Forbidden("Only a superuser can rotate the signing keys.".into())) };
    guard(state, actor, "keys.rotate", &anything, may).await?;
    let mut tx = state.db.begin().await?;
    let promoted = keys::rotate(&mut tx, &state.master_key, &*state.rng, state.now()).await.map_err(key_err)?;
    store::fault_point(&state.db, &mut tx, "keys_rotate:rotated").await?;
    let ids = promoted.join(",");
    let s = Subject { target_type: "signing_key", target_id: &ids, body_id: None };
    audit_ok(&mut tx, state, actor, "keys.rotate", &s, Some(json!({ "promoted": promoted }))).await?;
    tx.commit().await.map_err(commit_err)?;
    // Committed: a failed reload here only delays this process's switch to its next reload.
    if let Err(e) = state.keys.reload(&state.db, &state.master_key).await {
        tracing::warn!(error = %crate::report::error_chain(&e), "reloading the keys after rotation failed");
    }
    Ok(promoted)
}

fn key_err(e: KeyError) -> AdminError {
    match e {
        KeyError::Store(s) => AdminError::Store(s),
        other => AdminError::Internal(other.to_string()),
    }
}
