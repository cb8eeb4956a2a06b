//! "Download all organisation data" (Street Manager's admin action) as one JSON document for one
//! body: the body, its roles, its members with their memberships, and its audit events.
//!
//! Never in it: password hashes, TOTP secrets, recovery codes, client secrets, SSO connection
//! configuration. Every list has a fixed order, so the same data exports to the same bytes
//! (apart from `exported_at`).

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::admin::ops::audit_log::EventView;
use crate::admin::ops::{Subject, audit_now, guard, load_body};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::clock::Timestamp;
use crate::policy::body::{BodyKind, BodyStatus, MfaPolicy};
use crate::policy::delegation::Action;
use crate::policy::mfa::MfaLevel;
use crate::store::audit::Filter;
use crate::store::{self, Db, StoreError};

pub const FORMAT: &str = "stile.body-export.v1";

#[derive(Debug, Serialize)]
pub struct BodyExport {
    pub format: &'static str,
    pub exported_at: Timestamp,
    pub body: Body,
    pub roles: Vec<Role>,
    /// Workstream prefixes granted to any member, for an overview.
    pub workstreams: Vec<String>,
    /// Areas any member is restricted to, for an overview.
    pub areas: Vec<String>,
    pub members: Vec<Member>,
    /// Events recorded against this body, oldest first.
    pub audit_events: Vec<EventView>,
}

#[derive(Debug, Serialize)]
pub struct Body {
    pub id: String,
    pub name: String,
    pub kind: BodyKind,
    pub status: BodyStatus,
    pub fms_body_id: Option<String>,
    pub swa_code: Option<String>,
    pub mfa_policy: MfaPolicy,
    pub sign_in_methods: Vec<String>,
    pub password_min_length: Option<i64>,
    pub default_role_id: Option<String>,
    pub domains: Vec<String>,
    /// Contractor links: this body as the principal (promoter or highway authority) or as the
    /// contractor.
    pub links: Vec<Link>,
    pub sso_connections: Vec<Connection>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub principal_id: String,
    pub principal_name: String,
    pub contractor_id: String,
    pub contractor_name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Serialize)]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub sso_mode: String,
}

#[derive(Debug, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub template_key: Option<String>,
    pub namespace: String,
    pub description: String,
    pub mfa_required: bool,
    /// Holders must use a passkey (implies `mfa_required`).
    pub phishing_resistant: bool,
    pub permissions: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// `active` or `disabled`.
    pub status: &'static str,
    pub flagged: bool,
    pub email_verified: bool,
    pub last_sign_in_at: Option<Timestamp>,
    pub two_factor: bool,
    pub membership: Membership,
}

#[derive(Debug, Serialize)]
pub struct Membership {
    pub id: String,
    pub since: Timestamp,
    pub roles: Vec<String>,
    /// Granted directly, not through a role.
    pub permissions: Vec<String>,
    pub workstreams: Vec<Workstream>,
    pub areas: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Workstream {
    pub prefix: String,
    pub access: String,
}

/// "Download all organisation data" on behalf of `actor`: promoter and highway authority admins
/// (`sm:admin_download_organisation_data`), a FixMyStreet body's `fms:user_manage_permissions`
/// holders, and superusers. Refusals and exports are both audited.
pub async fn for_actor(state: &AppState, actor: &AdminActor, body_id: &str) -> Result<BodyExport, AdminError> {
    let body = load_body(state, body_id).await?;
    let s = Subject { target_type: "body", target_id: &body.body.id, body_id: Some(&body.body.id) };
    guard(state, actor, "body.export", &s, actor.check(Action::ExportOrganisation, Some(&body.target()))).await?;
    let data = build(&state.db, &body.body.id, state.now()).await?.ok_or(AdminError::NotFound("body"))?;
    let details = serde_json::json!({ "members": data.members.len(), "audit_events": data.audit_events.len() });
    audit_now(state, actor, "body.export", &s, Some(details)).await?;
    Ok(data)
}

/// Builds the export of one body, or `None` if there is no such body.
pub async fn build(db: &Db, body_id: &str, now: Timestamp) -> Result<Option<BodyExport>, StoreError> {
    let Some(b) = store::bodies::by_id(db, body_id).await? else { return Ok(None) };
    let sign_in_methods = b.sign_in_methods()?;
    let body = Body {
        domains: store::bodies::domains(db, &b.id).await?,
        links: store::export::links(db, &b.id)
            .await?
            .into_iter()
            .map(|l| Link {
                principal_id: l.principal_id,
                principal_name: l.principal_name,
                contractor_id: l.contractor_id,
                contractor_name: l.contractor_name,
                created_at: l.created_at,
            })
            .collect(),
        sso_connections: store::export::connections(db, &b.id)
            .await?
            .into_iter()
            .map(|(id, name, kind, sso_mode)| Connection { id, name, kind, sso_mode })
            .collect(),
        id: b.id,
        name: b.name,
        kind: b.kind,
        status: b.status,
        fms_body_id: b.fms_body_id,
        swa_code: b.swa_code,
        mfa_policy: b.mfa_policy,
        sign_in_methods,
        password_min_length: b.password_min_length,
        default_role_id: b.default_role_id,
        created_at: b.created_at,
        updated_at: b.updated_at,
    };

    let mut role_perms = group(store::export::role_permissions(db, &body.id).await?);
    let roles = store::catalogue::roles_of_body(db, &body.id)
        .await?
        .into_iter()
        .map(|r| Role {
            permissions: role_perms.remove(&r.id).unwrap_or_default(),
            id: r.id,
            name: r.name,
            template_key: r.template_key,
            namespace: r.namespace,
            description: r.description,
            mfa_required: MfaLevel::from_stored(r.mfa_required).requires_mfa(),
            phishing_resistant: MfaLevel::from_stored(r.mfa_required).requires_phr(),
        })
        .collect();

    let mut member_roles = group(store::export::member_roles(db, &body.id).await?);
    let mut member_perms = group(store::export::member_permissions(db, &body.id).await?);
    let mut member_areas = group(store::export::member_areas(db, &body.id).await?);
    let mut member_ws: HashMap<String, Vec<Workstream>> = HashMap::new();
    for (m, prefix, access) in store::export::member_workstreams(db, &body.id).await? {
        member_ws.entry(m).or_default().push(Workstream { prefix, access });
    }
    let mut workstreams = BTreeSet::new();
    let mut areas = BTreeSet::new();
    let mut members = Vec::new();
    for m in store::export::members(db, &body.id).await? {
        let ws = member_ws.remove(&m.membership_id).unwrap_or_default();
        let ar = member_areas.remove(&m.membership_id).unwrap_or_default();
        workstreams.extend(ws.iter().map(|w| w.prefix.clone()));
        areas.extend(ar.iter().cloned());
        members.push(Member {
            user_id: m.user_id,
            email: m.email,
            name: m.name,
            status: if m.disabled != 0 { "disabled" } else { "active" },
            flagged: m.flagged != 0,
            email_verified: m.email_verified != 0,
            last_sign_in_at: m.last_login_at,
            two_factor: m.mfa_enabled != 0,
            membership: Membership {
                roles: member_roles.remove(&m.membership_id).unwrap_or_default(),
                permissions: member_perms.remove(&m.membership_id).unwrap_or_default(),
                workstreams: ws,
                areas: ar,
                id: m.membership_id,
                since: m.member_since,
            },
        });
    }

    Ok(Some(BodyExport {
        format: FORMAT,
        exported_at: now,
        roles,
        workstreams: workstreams.into_iter().collect(),
        areas: areas.into_iter().collect(),
        members,
        audit_events: body_events(db, &body.id).await?,
        body,
    }))
}

/// Every event of the body, oldest first, read a page at a time.
async fn body_events(db: &Db, body_id: &str) -> Result<Vec<EventView>, StoreError> {
    let mut filter = Filter { body_id: body_id.to_owned(), ..Default::default() };
    let mut out = Vec::new();
    loop {
        let rows = store::audit::query(db, &filter, 1000).await?;
        let Some(last) = rows.last().map(|r| r.id) else { break };
        out.extend(rows.into_iter().map(EventView::from));
        filter.before_id = Some(last);
    }
    out.reverse();
    Ok(out)
}

/// Groups ordered (key, value) pairs by key, keeping the order of values.
fn group(pairs: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        out.entry(k).or_default().push(v);
    }
    out
}
