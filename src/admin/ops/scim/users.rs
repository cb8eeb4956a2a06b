//! SCIM Users: a body's members in its own email domains, as its directory sees, creates,
//! replaces, patches, deactivates and deletes them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::super::memberships::MembershipInput;
use super::super::{LoadedBody, Subject, audit_ok, commit_err, guard, holding_of};
use super::{ScimActor, base_url, check_if_match, domain_of, load_member, parse_filter, scoped_body};
use crate::admin::AdminError;
use crate::app::AppState;
use crate::email::Email;
use crate::logout::{self, Which};
use crate::policy::delegation::Action;
use crate::scim::user::UserInput;
use crate::scim::{self, Paging, ScimError, filter, patch};
use crate::store::{self, Tx, scim::MemberRow, users::FlagColumn};

fn attributes_of(m: &MemberRow) -> Map<String, Value> {
    m.attributes.as_deref().and_then(|a| serde_json::from_str::<Map<String, Value>>(a).ok()).unwrap_or_default()
}

/// The version of a member as SCIM sees it: any change to the account, the membership's state or
/// what the directory stored moves it.
fn version_of(m: &MemberRow) -> String {
    format!("{}.{}.{}", m.version.unwrap_or(0), m.updated_at, m.membership_disabled_at.unwrap_or(0))
}

fn is_active(m: &MemberRow) -> bool {
    m.membership_disabled_at.is_none() && m.disabled == 0
}

fn render_member(m: &MemberRow, groups: &[(String, String)], base: &str) -> Value {
    let attributes = attributes_of(m);
    scim::user::render(
        &scim::user::UserData {
            id: &m.user_id,
            email: &m.email,
            display_name: &m.name,
            external_id: m.external_id.as_deref(),
            active: is_active(m),
            attributes: &attributes,
            created: m.created_at,
            updated: m.updated_at.max(m.scim_updated_at.unwrap_or(0)),
            version: version_of(m),
            groups,
        },
        base,
    )
}

async fn render_one(state: &AppState, sa: &ScimActor, m: &MemberRow) -> Result<Value, ScimError> {
    let groups: Vec<(String, String)> =
        store::scim::groups_of_user(&state.db, &sa.body_id, &m.user_id).await?.into_iter().map(|(id, name, _)| (id, name)).collect();
    Ok(render_member(m, &groups, &base_url(state)))
}

/// A page of the body's members matching `filter`.
pub async fn list_users(state: &AppState, sa: &ScimActor, filter_text: Option<&str>, paging: Paging) -> Result<Value, ScimError> {
    let f = parse_filter(filter_text)?.map(|f| stored_addresses(f, false));
    let (_, domains) = scoped_body(state, sa).await?;
    // What Entra ID and Okta send before every create: answered from an index, not a scan.
    let rows = match f.as_ref().and_then(filter::simple_eq) {
        Some((attr, v)) if attr == "username" => match Email::parse(v) {
            Ok(e) => store::scim::member_by_email(&state.db, &sa.body_id, e.as_str()).await?.into_iter().collect(),
            Err(_) => Vec::new(),
        },
        Some((attr, v)) if attr == "externalid" => store::scim::members_by_external_id(&state.db, &sa.body_id, v).await?,
        _ => store::scim::members(&state.db, &sa.body_id).await?,
    };
    let mut groups: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for g in store::scim::groups(&state.db, &sa.body_id).await? {
        for (user_id, _) in store::scim::group_members(&state.db, &g.id).await? {
            groups.entry(user_id).or_default().push((g.id.clone(), g.display_name.clone()));
        }
    }
    let base = base_url(state);
    let matching: Vec<Value> = rows
        .iter()
        .filter(|m| domains.iter().any(|d| d == domain_of(&m.email)))
        .map(|m| render_member(m, groups.get(&m.user_id).map_or(&[][..], Vec::as_slice), &base))
        .filter(|v| f.as_ref().is_none_or(|f| filter::matches(f, &addresses_as_stored(v))))
        .collect();
    Ok(scim::list_response(matching.len(), paging, paging.slice(&matching)))
}

/// A filter's whole addresses in the stored form, so that `userName eq "eve@xn--mnchen-3ya.de"`
/// finds `eve@münchen.de` (`in_emails`: inside `emails[…]`, where the address is `value`). The
/// resource is compared with its addresses in that form too ([`addresses_as_stored`]). Partial
/// comparisons (`sw`, `co`, …) are left as they are.
fn stored_addresses(f: filter::Filter, in_emails: bool) -> filter::Filter {
    use filter::{CompareOp, Filter};
    let walk = |f: Box<Filter>| Box::new(stored_addresses(*f, in_emails));
    match f {
        Filter::And(a, b) => Filter::And(walk(a), walk(b)),
        Filter::Or(a, b) => Filter::Or(walk(a), walk(b)),
        Filter::Not(a) => Filter::Not(walk(a)),
        Filter::ValuePath(p, inner) => {
            let emails = p.dotted_lower() == "emails";
            Filter::ValuePath(p, Box::new(stored_addresses(*inner, emails)))
        }
        Filter::Compare(p, op @ (CompareOp::Eq | CompareOp::Ne), Value::String(v))
            if matches!(p.dotted_lower().as_str(), "username" | "emails.value") || (in_emails && p.dotted_lower() == "value") =>
        {
            let v = Email::parse(&v).map(|e| e.as_str().to_owned()).unwrap_or(v);
            Filter::Compare(p, op, Value::String(v))
        }
        other => other,
    }
}

/// A rendered user as filters compare it: `emails` is kept as the directory sent it, so each
/// address there is put in the stored form (what is returned is unchanged).
fn addresses_as_stored(user: &Value) -> Value {
    let mut user = user.clone();
    if let Some(Value::Array(emails)) =
        user.as_object_mut().and_then(|o| o.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("emails"))).map(|(_, v)| v)
    {
        for item in emails {
            if let Some(Value::String(v)) = item.as_object_mut().and_then(|o| o.get_mut("value"))
                && let Ok(e) = Email::parse(v)
            {
                *v = e.as_str().to_owned();
            }
        }
    }
    user
}

pub async fn get_user(state: &AppState, sa: &ScimActor, id: &str) -> Result<Value, ScimError> {
    let (_, domains) = scoped_body(state, sa).await?;
    let m = load_member(state, sa, &domains, id).await?;
    render_one(state, sa, &m).await
}

fn clean_name(name: &str) -> Result<String, ScimError> {
    let name = name.trim();
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ScimError::bad_request("invalidValue", "displayName must be at most 200 characters, without control characters."));
    }
    Ok(name.to_owned())
}

fn attributes_json(input: &UserInput) -> String {
    serde_json::to_string(&input.attributes).unwrap_or_else(|_| "{}".into())
}

/// An address the directory may use: valid, not banned, in one of the body's own domains and
/// in no domain another body's SSO connection serves.
async fn check_address(state: &AppState, sa: &ScimActor, body: &LoadedBody, user_name: &str) -> Result<Email, ScimError> {
    let email = Email::parse(user_name).map_err(|e| ScimError::bad_request("invalidValue", format!("userName: {e}")))?;
    if crate::auth::abuse::is_banned(state, &email).await.map_err(AdminError::from)? {
        return Err(ScimError::bad_request("invalidValue", "userName: this address or its domain is banned."));
    }
    let owners = super::super::accounts::Owners::of(&state.db, email.domain()).await?;
    let subject = Subject { target_type: "user", target_id: "", body_id: Some(&body.body.id) };
    let check = crate::policy::accounts::check_new_account(false, Some(&sa.body_id), email.domain(), &owners.of_domain(email.domain()))
        .map_err(AdminError::from);
    guard(state, &sa.admin, "scim.user.create", &subject, check).await?;
    Ok(email)
}

/// Creates a member: a new account, or an existing account with an address in the body's own
/// domain that is not yet a member (its directory is that address's authority).
pub async fn create_user(state: &AppState, sa: &ScimActor, body_json: &Value) -> Result<Value, ScimError> {
    let input = UserInput::parse(body_json)?;
    let (body, _) = scoped_body(state, sa).await?;
    let email = check_address(state, sa, &body, &input.user_name).await?;
    let name = clean_name(&input.display_name)?;
    let now = state.now();
    let existing = store::users::by_email(&state.db, &email).await?;
    if let Some(u) = &existing {
        if store::scim::member(&state.db, &sa.body_id, &u.id).await?.is_some() {
            return Err(ScimError::conflict("A user with this userName already exists."));
        }
        if u.is_superuser() {
            return Err(ScimError::forbidden("This address belongs to a superuser; only a superuser can add them to an organisation."));
        }
    }
    let user_id = existing.as_ref().map_or_else(|| store::new_id(now, &*state.rng), |u| u.id.clone());
    let prepared = super::super::memberships::prepare_add(state, &sa.admin, &body, &user_id, &MembershipInput::default()).await?;
    let ending = match (&existing, input.active) {
        (Some(u), false) => Some(logout::Ending::read(state, &u.id, Which::All).await?),
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    match &existing {
        None => {
            let new = store::users::NewUser {
                id: &user_id,
                email: &email,
                name: &name,
                email_verified: false,
                password_hash: None,
                superuser: false,
            };
            store::users::insert(&mut tx, &new, now).await?;
            store::users::set_created_for(&mut tx, &user_id, &sa.body_id).await?;
        }
        Some(u) => {
            if u.name != name && !name.is_empty() {
                store::users::set_name_email(&mut tx, &u.id, &name, &u.email, now).await?;
            }
        }
    }
    let membership_id = super::super::memberships::write_add(&mut tx, state, &sa.admin, &user_id, &prepared).await?;
    store::scim::save_user(&mut tx, &sa.body_id, &user_id, input.external_id.as_deref(), &attributes_json(&input), now).await?;
    let mut ended = None;
    if input.active {
        // A directory that deleted this account here before and now provisions it again.
        if store::scim::disabled_account(&mut tx, &sa.body_id, &user_id).await? {
            store::users::set_flag(&mut tx, &user_id, FlagColumn::Disabled, false, now).await?;
            store::scim::set_disabled_account(&mut tx, &sa.body_id, &user_id, false).await?;
        }
    } else {
        ended = deactivate(&mut tx, state, sa, &user_id, &membership_id, false, ending).await?;
    }
    let subject = Subject { target_type: "user", target_id: &user_id, body_id: Some(&sa.body_id) };
    let details = json!({ "email_domain": email.domain(), "adopted": existing.is_some(), "active": input.active });
    audit_ok(&mut tx, state, &sa.admin, "scim.user.create", &subject, Some(details)).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    if let Some(e) = ended {
        e.notify(state);
    }
    let m = store::scim::member(&state.db, &sa.body_id, &user_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
    render_one(state, sa, &m).await
}

/// Disables a membership (and the account, when it has no other live membership), inside `tx`;
/// `ending` (read before the transaction) ends the sessions and revokes the refresh tokens.
async fn deactivate(
    tx: &mut Tx,
    state: &AppState,
    sa: &ScimActor,
    user_id: &str,
    membership_id: &str,
    superuser: bool,
    ending: Option<logout::Ending>,
) -> Result<Option<logout::Ended>, ScimError> {
    let now = state.now();
    store::scim::set_membership_disabled(&mut *tx, membership_id, Some(now)).await?;
    disable_account_if_alone(tx, state, sa, user_id, superuser).await?;
    Ok(match ending {
        Some(e) => Some(e.write_on(state, tx).await?),
        None => None,
    })
}

/// An account whose only live membership was this body's is disabled with it (and marked, so
/// re-activation enables it again); one that belongs to other bodies keeps them.
async fn disable_account_if_alone(tx: &mut Tx, state: &AppState, sa: &ScimActor, user_id: &str, superuser: bool) -> Result<(), ScimError> {
    if superuser || store::scim::other_live_memberships(&mut *tx, user_id, &sa.body_id).await? > 0 {
        return Ok(());
    }
    let already: i64 = store::users::live_by_id(&mut *tx, user_id).await?.map_or(1, |u| u.disabled);
    if already == 0 {
        store::users::set_flag(&mut *tx, user_id, FlagColumn::Disabled, true, state.now()).await?;
        store::scim::set_disabled_account(&mut *tx, &sa.body_id, user_id, true).await?;
    }
    Ok(())
}

/// PUT: the resource becomes `body_json`.
pub async fn replace_user(
    state: &AppState,
    sa: &ScimActor,
    id: &str,
    body_json: &Value,
    if_match: Option<&str>,
) -> Result<Value, ScimError> {
    let (body, domains) = scoped_body(state, sa).await?;
    let m = load_member(state, sa, &domains, id).await?;
    check_if_match(if_match, &scim::etag(&version_of(&m)))?;
    let input = UserInput::parse(body_json)?;
    apply_user(state, sa, &body, &domains, m, input, "scim.user.replace").await
}

/// PATCH: the operations are applied to the resource as it is rendered, and the result stored
/// as by PUT.
pub async fn patch_user(state: &AppState, sa: &ScimActor, id: &str, body_json: &Value, if_match: Option<&str>) -> Result<Value, ScimError> {
    let ops = patch::parse_request(body_json)?;
    let (body, domains) = scoped_body(state, sa).await?;
    let m = load_member(state, sa, &domains, id).await?;
    check_if_match(if_match, &scim::etag(&version_of(&m)))?;
    let mut resource = render_one(state, sa, &m).await?;
    patch::apply(&mut resource, &ops)?;
    let input = UserInput::parse(&resource)?;
    apply_user(state, sa, &body, &domains, m, input, "scim.user.update").await
}

async fn apply_user(
    state: &AppState,
    sa: &ScimActor,
    body: &LoadedBody,
    domains: &[String],
    m: MemberRow,
    input: UserInput,
    action: &str,
) -> Result<Value, ScimError> {
    let subject = Subject { target_type: "user", target_id: &m.user_id, body_id: Some(&sa.body_id) };
    let membership = store::memberships::by_id(&state.db, &m.membership_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
    let kind = holding_of(state, &membership).await?.kind(body.kind);
    let mut check = sa.admin.check(Action::EditUser(kind), Some(&body.target()));
    if check.is_ok() && m.superuser != 0 {
        check = Err(AdminError::Forbidden("Only a superuser can change a superuser's account.".into()));
    }
    guard(state, &sa.admin, action, &subject, check).await?;
    let name = clean_name(&input.display_name)?;
    let email = Email::parse(&input.user_name).map_err(|e| ScimError::bad_request("invalidValue", format!("userName: {e}")))?;
    let email_changes = email.as_str() != m.email;
    if email_changes {
        if !domains.iter().any(|d| d == email.domain()) {
            let e = AdminError::Forbidden(format!("userName must be an address in one of {}'s email domains.", body.body.name));
            guard(state, &sa.admin, action, &subject, Err(e)).await?;
        }
        check_address(state, sa, body, email.as_str()).await?;
        // Bans match addresses: moving an account off a banned address would lift the ban.
        if crate::auth::abuse::is_banned(state, &crate::email::Email::from_stored(m.email.clone())).await? {
            let e = AdminError::Forbidden("This account's address is banned; only a superuser can change it.".into());
            guard(state, &sa.admin, action, &subject, Err(e)).await?;
        }
        if store::memberships::of_user(&state.db, &m.user_id).await?.len() > 1 {
            let e = AdminError::Forbidden(
                "This account also belongs to another organisation, so its address cannot be changed from here; a superuser can change it."
                    .into(),
            );
            guard(state, &sa.admin, action, &subject, Err(e)).await?;
        }
    }
    let was_active = m.membership_disabled_at.is_none();
    let deactivating = was_active && !input.active;
    let reactivating = !was_active && input.active;
    let ending = if deactivating { Some(logout::Ending::read(state, &m.user_id, Which::All).await?) } else { None };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if email_changes || name != m.name {
        store::users::set_name_email(&mut tx, &m.user_id, &name, email.as_str(), now).await?;
    }
    store::scim::save_user(&mut tx, &sa.body_id, &m.user_id, input.external_id.as_deref(), &attributes_json(&input), now).await?;
    let mut ended = None;
    if deactivating {
        ended = deactivate(&mut tx, state, sa, &m.user_id, &m.membership_id, m.superuser != 0, ending).await?;
    } else if reactivating {
        store::scim::set_membership_disabled(&mut tx, &m.membership_id, None).await?;
    }
    if input.active && store::scim::disabled_account(&mut tx, &sa.body_id, &m.user_id).await? {
        store::users::set_flag(&mut tx, &m.user_id, FlagColumn::Disabled, false, now).await?;
        store::scim::set_disabled_account(&mut tx, &sa.body_id, &m.user_id, false).await?;
    }
    store::fault_point(&state.db, &mut tx, "scim_user:written").await?;
    let details = json!({
        "name_changed": name != m.name,
        "email_changed": email_changes,
        "active": input.active,
        "deactivated": deactivating,
        "reactivated": reactivating,
    });
    let action = if deactivating {
        "scim.user.deactivate"
    } else if reactivating {
        "scim.user.reactivate"
    } else {
        action
    };
    audit_ok(&mut tx, state, &sa.admin, action, &subject, Some(details)).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    if let Some(e) = ended {
        e.notify(state);
    }
    let m = store::scim::member(&state.db, &sa.body_id, &m.user_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
    render_one(state, sa, &m).await
}

/// DELETE: the account leaves the body (its roles and groups there go), its sessions end and
/// its refresh tokens are revoked; an account in no other body is disabled. The directory can
/// provision it again later (POST), which enables it.
pub async fn delete_user(state: &AppState, sa: &ScimActor, id: &str) -> Result<(), ScimError> {
    let (body, domains) = scoped_body(state, sa).await?;
    let m = load_member(state, sa, &domains, id).await?;
    let subject = Subject { target_type: "user", target_id: &m.user_id, body_id: Some(&sa.body_id) };
    let membership = store::memberships::by_id(&state.db, &m.membership_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
    let kind = holding_of(state, &membership).await?.kind(body.kind);
    let mut check = sa.admin.check(Action::RemoveUser(kind), Some(&body.target()));
    if check.is_ok() && m.superuser != 0 {
        check = Err(AdminError::Forbidden("Only a superuser can change a superuser's account.".into()));
    }
    guard(state, &sa.admin, "scim.user.delete", &subject, check).await?;
    let ending = logout::Ending::read(state, &m.user_id, Which::All).await?;
    let now = state.now();
    let attributes = m.attributes.clone().unwrap_or_else(|| "{}".into());
    let mut tx = state.db.begin().await?;
    store::scim::save_user(&mut tx, &sa.body_id, &m.user_id, m.external_id.as_deref(), &attributes, now).await?;
    store::scim::leave_groups(&mut tx, &sa.body_id, &m.user_id).await?;
    store::memberships::delete(&mut tx, &m.membership_id).await?;
    disable_account_if_alone(&mut tx, state, sa, &m.user_id, m.superuser != 0).await?;
    let ended = ending.write_on(state, &mut tx).await?;
    store::fault_point(&state.db, &mut tx, "scim_user:written").await?;
    audit_ok(&mut tx, state, &sa.admin, "scim.user.delete", &subject, Some(json!({ "membership_id": m.membership_id }))).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    ended.notify(state);
    Ok(())
}
