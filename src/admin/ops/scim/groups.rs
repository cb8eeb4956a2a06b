//! SCIM Groups: a body's directory groups, whose members' roles follow the group → role
//! mappings of the body's SSO connections.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::super::{LoadedBody, Subject, audit_ok, commit_err, guard, holding_of};
use super::{ScimActor, base_url, check_if_match, load_member, parse_filter, scoped_body};
use crate::app::AppState;
use crate::policy::delegation::Action;
use crate::scim::group::GroupInput;
use crate::scim::{self, Paging, ScimError, filter, patch};
use crate::store::{self, Tx};

async fn render_group(state: &AppState, g: &store::scim::GroupRow) -> Result<Value, ScimError> {
    let members = store::scim::group_members(&state.db, &g.id).await?;
    Ok(scim::group::render(
        &scim::group::GroupData {
            id: &g.id,
            display_name: &g.display_name,
            external_id: g.external_id.as_deref(),
            members: &members,
            created: g.created_at,
            updated: g.updated_at,
            version: g.version,
        },
        &base_url(state),
    ))
}

pub async fn list_groups(
    state: &AppState,
    sa: &ScimActor,
    filter_text: Option<&str>,
    paging: Paging,
    without_members: bool,
) -> Result<Value, ScimError> {
    let f = parse_filter(filter_text)?;
    scoped_body(state, sa).await?;
    let mut matching = Vec::new();
    for g in store::scim::groups(&state.db, &sa.body_id).await? {
        let mut v = render_group(state, &g).await?;
        if f.as_ref().is_none_or(|f| filter::matches(f, &v)) {
            if without_members && let Some(o) = v.as_object_mut() {
                o.remove("members");
            }
            matching.push(v);
        }
    }
    Ok(scim::list_response(matching.len(), paging, paging.slice(&matching)))
}

async fn load_group(state: &AppState, sa: &ScimActor, id: &str) -> Result<store::scim::GroupRow, ScimError> {
    store::scim::group(&state.db, &sa.body_id, id).await?.ok_or_else(|| ScimError::not_found("group"))
}

pub async fn get_group(state: &AppState, sa: &ScimActor, id: &str) -> Result<Value, ScimError> {
    scoped_body(state, sa).await?;
    let g = load_group(state, sa, id).await?;
    render_group(state, &g).await
}

/// The members a group may hold: the directory's own users (members of the body in its
/// domains), each of a kind the actor may edit.
async fn check_members(
    state: &AppState,
    sa: &ScimActor,
    body: &LoadedBody,
    domains: &[String],
    ids: &BTreeSet<String>,
    action: &str,
) -> Result<BTreeMap<String, String>, ScimError> {
    let mut memberships = BTreeMap::new();
    for id in ids {
        let Ok(m) = load_member(state, sa, domains, id).await else {
            return Err(ScimError::bad_request("invalidValue", format!("There is no user {id:?} in this organisation.")));
        };
        let membership = store::memberships::by_id(&state.db, &m.membership_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
        let kind = holding_of(state, &membership).await?.kind(body.kind);
        let subject = Subject { target_type: "user", target_id: id, body_id: Some(&sa.body_id) };
        guard(state, &sa.admin, action, &subject, sa.admin.check(Action::EditUser(kind), Some(&body.target()))).await?;
        memberships.insert(id.clone(), m.membership_id);
    }
    Ok(memberships)
}

/// The body's SSO connections, whose group → role mappings apply to its SCIM groups.
async fn mappings(state: &AppState, body_id: &str) -> Result<Vec<crate::connection::Connection>, ScimError> {
    let mut out = Vec::new();
    for id in store::scim::connection_ids_of_body(&state.db, body_id).await? {
        if let Some(c) = store::connections::get(&state.db, &id).await? {
            out.push(c);
        }
    }
    Ok(out)
}

/// Makes each member's mapped roles those their groups (by display name or external id) map
/// to; roles no mapping manages, granted by an administrator, are left alone.
async fn sync_roles(
    tx: &mut Tx,
    sa: &ScimActor,
    connections: &[crate::connection::Connection],
    memberships: &BTreeMap<String, String>,
) -> Result<Vec<Value>, ScimError> {
    let mut changes = Vec::new();
    if connections.is_empty() {
        return Ok(changes);
    }
    for (user_id, membership_id) in memberships {
        let mut names = Vec::new();
        for (_, name, external) in store::scim::groups_of_user(&mut *tx, &sa.body_id, user_id).await? {
            names.push(name);
            names.extend(external);
        }
        let mut wanted = BTreeSet::new();
        let mut managed = BTreeSet::new();
        for c in connections {
            let (w, m) = c.mapped_roles(&names);
            wanted.extend(w);
            managed.extend(m);
        }
        let held: BTreeSet<String> = store::scim::membership_roles(&mut *tx, membership_id).await?.into_iter().collect();
        for role in &managed {
            if wanted.contains(role) && !held.contains(role) {
                store::memberships::add_role(&mut *tx, membership_id, role).await?;
                changes.push(json!({ "user_id": user_id, "added": role }));
            } else if !wanted.contains(role) && held.contains(role) {
                store::scim::remove_role(&mut *tx, membership_id, role).await?;
                changes.push(json!({ "user_id": user_id, "removed": role }));
            }
        }
    }
    Ok(changes)
}

pub async fn create_group(state: &AppState, sa: &ScimActor, body_json: &Value) -> Result<Value, ScimError> {
    let input = GroupInput::parse(body_json)?;
    let (body, domains) = scoped_body(state, sa).await?;
    let ids: BTreeSet<String> = input.members.iter().cloned().collect();
    let memberships = check_members(state, sa, &body, &domains, &ids, "scim.group.create").await?;
    let connections = mappings(state, &sa.body_id).await?;
    let now = state.now();
    let id = store::new_id(now, &*state.rng);
    let mut tx = state.db.begin().await?;
    store::scim::insert_group(&mut tx, &id, &sa.body_id, &input.display_name, input.external_id.as_deref(), now).await?;
    store::scim::replace_group_members(&mut tx, &id, &input.members).await?;
    let roles = sync_roles(&mut tx, sa, &connections, &memberships).await?;
    let subject = Subject { target_type: "scim_group", target_id: &id, body_id: Some(&sa.body_id) };
    let details = json!({ "display_name": input.display_name, "members": input.members.len(), "roles": roles });
    audit_ok(&mut tx, state, &sa.admin, "scim.group.create", &subject, Some(details)).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    get_group(state, sa, &id).await
}

pub async fn replace_group(
    state: &AppState,
    sa: &ScimActor,
    id: &str,
    body_json: &Value,
    if_match: Option<&str>,
) -> Result<Value, ScimError> {
    let input = GroupInput::parse(body_json)?;
    write_group(state, sa, id, input, if_match).await
}

pub async fn patch_group(
    state: &AppState,
    sa: &ScimActor,
    id: &str,
    body_json: &Value,
    if_match: Option<&str>,
) -> Result<Value, ScimError> {
    let ops = patch::parse_request(body_json)?;
    scoped_body(state, sa).await?;
    let g = load_group(state, sa, id).await?;
    let mut resource = render_group(state, &g).await?;
    patch::apply(&mut resource, &ops)?;
    let input = GroupInput::parse(&resource)?;
    write_group(state, sa, id, input, if_match).await
}

async fn write_group(state: &AppState, sa: &ScimActor, id: &str, input: GroupInput, if_match: Option<&str>) -> Result<Value, ScimError> {
    let (body, domains) = scoped_body(state, sa).await?;
    let g = load_group(state, sa, id).await?;
    check_if_match(if_match, &scim::etag(&g.version.to_string()))?;
    let before: BTreeSet<String> = store::scim::group_members(&state.db, id).await?.into_iter().map(|(u, _)| u).collect();
    let after: BTreeSet<String> = input.members.iter().cloned().collect();
    // Members leaving may have left the body meanwhile: only those still in it are synced.
    let mut affected: BTreeSet<String> = after.clone();
    for u in before.symmetric_difference(&after) {
        if load_member(state, sa, &domains, u).await.is_ok() {
            affected.insert(u.clone());
        }
    }
    let memberships = check_members(state, sa, &body, &domains, &affected, "scim.group.update").await?;
    let connections = mappings(state, &sa.body_id).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::scim::update_group(&mut tx, id, &input.display_name, input.external_id.as_deref(), now).await?;
    store::scim::replace_group_members(&mut tx, id, &input.members).await?;
    let roles = sync_roles(&mut tx, sa, &connections, &memberships).await?;
    let subject = Subject { target_type: "scim_group", target_id: id, body_id: Some(&sa.body_id) };
    let details = json!({
        "display_name": input.display_name,
        "added": after.difference(&before).count(),
        "removed": before.difference(&after).count(),
        "roles": roles,
    });
    audit_ok(&mut tx, state, &sa.admin, "scim.group.update", &subject, Some(details)).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    get_group(state, sa, id).await
}

pub async fn delete_group(state: &AppState, sa: &ScimActor, id: &str) -> Result<(), ScimError> {
    let (body, domains) = scoped_body(state, sa).await?;
    let g = load_group(state, sa, id).await?;
    let mut affected = BTreeSet::new();
    for (u, _) in store::scim::group_members(&state.db, id).await? {
        if load_member(state, sa, &domains, &u).await.is_ok() {
            affected.insert(u);
        }
    }
    let memberships = check_members(state, sa, &body, &domains, &affected, "scim.group.delete").await?;
    let connections = mappings(state, &sa.body_id).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::scim::delete_group(&mut tx, &g.id).await?;
    let roles = sync_roles(&mut tx, sa, &connections, &memberships).await?;
    let subject = Subject { target_type: "scim_group", target_id: id, body_id: Some(&sa.body_id) };
    audit_ok(&mut tx, state, &sa.admin, "scim.group.delete", &subject, Some(json!({ "display_name": g.display_name, "roles": roles })))
        .await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(())
}
