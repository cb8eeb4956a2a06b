//! Delegated administration: who may do which administrative action on which body. Pure: the
//! caller loads the acting principal (superuser flag, memberships with effective permissions)
//! and the target body, and asks [`decide`].
//!
//! The rules, from Street Manager's "Admin actions" rows (seed 003) and FixMyStreet's staff
//! management (seeds 001/002):
//!
//! | action | contractor | promoter | highway authority | council / other |
//! |---|---|---|---|---|
//! | add / remove / edit contractor users | `sm:admin_contractor_users` | — | — | — |
//! | add / remove / edit planner users | — | `sm:admin_planner_users` | `sm:admin_planner_users` | — |
//! | add / remove / edit HA users | — | — | `sm:admin_ha_users` | — |
//! | add / remove / edit staff | — | — | — | `fms:user_manage_permissions` (edit also `fms:user_edit`, except staff managers) |
//! | admin users, `sm:admin_*` grants | superuser ("support ticket") | superuser | superuser | (FixMyStreet: as staff) |
//! | set user permissions, custom roles | promoter's/HA's `sm:admin_user_permissions` | `sm:admin_user_permissions` | `sm:admin_user_permissions` | `fms:user_manage_permissions` |
//! | workstreams | promoter's/HA's `sm:admin_workstreams` | `sm:admin_workstreams` | `sm:admin_workstreams` | — |
//! | geographical areas | — | — | `sm:admin_geographic_areas` | `fms:user_assign_areas` |
//! | contractor organisations (links) | — | `sm:admin_contractor_organisations` | `sm:admin_contractor_organisations` | — |
//! | organisation details | `sm:admin_organisation_details` | same | same | superuser |
//! | download all organisation data | — | `sm:admin_download_organisation_data` | same | `fms:user_manage_permissions` |
//! | view members, body audit log | any admin permission of the body | same | same | same |
//! | bodies, clients, SSO connections, bans, superusers, catalogue | superuser | superuser | superuser | superuser |
//!
//! "promoter's/HA's" means the permission held in a promoter or highway authority that the
//! contractor organisation is linked to (it works for them). Everywhere else an administrator
//! acts only in a body they are a member of, and only while that body is active. Nobody grants a
//! permission they do not hold themselves in the body that authorises the change. Superusers may
//! do everything.

use std::collections::BTreeSet;

pub use super::body::BodyKind;
use super::street_manager::SmRole;

/// One of the actor's memberships, with everything it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub body_id: String,
    pub body_kind: BodyKind,
    /// False when the body is suspended or disabled: its members cannot act for it.
    pub active: bool,
    /// Effective permissions: from roles and granted directly.
    pub permissions: BTreeSet<String>,
}

/// Who is acting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub superuser: bool,
    pub memberships: Vec<Membership>,
}

impl Actor {
    /// The actor's live membership of a body.
    pub fn membership(&self, body_id: &str) -> Option<&Membership> {
        self.memberships.iter().find(|m| m.body_id == body_id && m.active)
    }

    /// True if the actor may administer anything at all (to show or hide the admin area).
    pub fn is_any_admin(&self) -> bool {
        self.superuser || self.memberships.iter().any(|m| m.active && m.permissions.iter().any(|p| is_admin_permission(p)))
    }
}

/// What kind of member a user is (or would be) in a body, for the "add / remove X users" rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// A FixMyStreet body's staff member.
    Staff,
    /// A FixMyStreet body's staff member who manages its staff (`fms:user_manage_permissions`):
    /// only another such member (or a superuser) adds, edits or removes them, not a holder of
    /// `fms:user_edit` alone.
    StaffManager,
    Planner,
    HighwayAuthority,
    Contractor,
    /// Holds a Street Manager admin role or any `sm:admin_*` permission.
    Admin,
}

impl MemberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::Staff => "staff",
            MemberKind::StaffManager => "staff manager",
            MemberKind::Planner => "planner",
            MemberKind::HighwayAuthority => "highway authority",
            MemberKind::Contractor => "contractor",
            MemberKind::Admin => "admin",
        }
    }

    /// The kind of a member of a `body_kind` body with these Street Manager roles and effective
    /// permissions.
    pub fn classify(body_kind: BodyKind, sm_roles: &[SmRole], permissions: &BTreeSet<String>) -> Self {
        let has = |r: SmRole| sm_roles.contains(&r);
        if has(SmRole::Admin) || has(SmRole::StreetWorksAdmin) || permissions.iter().any(|p| p.starts_with("sm:admin_")) {
            return MemberKind::Admin;
        }
        match body_kind {
            BodyKind::Council | BodyKind::Other if permissions.contains("fms:user_manage_permissions") => MemberKind::StaffManager,
            BodyKind::Council | BodyKind::Other => MemberKind::Staff,
            BodyKind::Contractor => MemberKind::Contractor,
            BodyKind::Promoter if has(SmRole::HighwayAuthority) => MemberKind::HighwayAuthority,
            BodyKind::Promoter if has(SmRole::Contractor) => MemberKind::Contractor,
            BodyKind::Promoter => MemberKind::Planner,
            BodyKind::HighwayAuthority if has(SmRole::HighwayAuthority) => MemberKind::HighwayAuthority,
            BodyKind::HighwayAuthority if has(SmRole::Contractor) => MemberKind::Contractor,
            BodyKind::HighwayAuthority => MemberKind::Planner,
        }
    }
}

/// The body an action is about.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub body_id: &'a str,
    pub body_kind: BodyKind,
    /// For a contractor organisation: the promoters and highway authorities it works for.
    pub principals: &'a [String],
}

/// An administrative action.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    AddUser(MemberKind),
    RemoveUser(MemberKind),
    /// Name, email, flag, disable, log out everywhere, reset 2FA, send a sign-in email, anonymise.
    EditUser(MemberKind),
    /// Change a membership's roles and direct permissions; `granting` is what it newly receives.
    SetPermissions {
        kind: MemberKind,
        granting: &'a BTreeSet<String>,
    },
    /// Create, edit or delete the body's custom roles; `granting` is what the role newly holds.
    ManageRoles {
        granting: &'a BTreeSet<String>,
    },
    ManageWorkstreams,
    ManageAreas,
    /// Link or unlink a contractor organisation to the target (a promoter or HA).
    LinkContractor,
    EditOrganisation,
    ExportOrganisation,
    ViewAudit,
    ViewMembers,
    // Superuser only:
    /// Users outside every body the actor administers (and creating users in no body).
    ManageAllUsers,
    ManageAdmins,
    ManageBodies,
    ManageClients,
    ManageConnections,
    SetSuperuser,
    Ban,
    ManageCatalogue,
}

/// A refusal, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

fn deny<T>(reason: impl Into<String>) -> Result<T, Denied> {
    Err(Denied(reason.into()))
}

/// Permissions that make their holder an administrator of the body.
pub fn is_admin_permission(p: &str) -> bool {
    p.starts_with("sm:admin_") || p == "fms:user_manage_permissions" || p == "fms:user_edit"
}

/// Decides whether `actor` may do `action` on `target` (None for actions on no body, which are
/// superuser-only).
pub fn decide(actor: &Actor, action: Action<'_>, target: Option<&Target<'_>>) -> Result<(), Denied> {
    if actor.superuser {
        return Ok(());
    }
    use Action::*;
    let superuser_only = |what: &str| deny(format!("Only a superuser can {what}."));
    match action {
        ManageAllUsers => return superuser_only("manage users who are not in an organisation you administer"),
        ManageAdmins => return superuser_only("add or remove admin users (in Street Manager this needs a support ticket)"),
        ManageBodies => return superuser_only("create organisations or change their kind, status, domains, SSO or external ids"),
        ManageClients => return superuser_only("manage relying apps"),
        ManageConnections => return superuser_only("manage SSO connections"),
        SetSuperuser => return superuser_only("make or unmake superusers"),
        Ban => return superuser_only("ban email addresses or domains"),
        ManageCatalogue => return superuser_only("edit the permission catalogue"),
        _ => {}
    }
    let Some(t) = target else { return deny("This action needs an organisation.") };
    let own = actor.membership(t.body_id);
    if own.is_none() && actor.memberships.iter().any(|m| m.body_id == t.body_id) {
        return deny("This organisation is suspended or disabled, so its administrators cannot act for it.");
    }
    let in_own = |perm: &str| own.is_some_and(|m| m.permissions.contains(perm));
    // A linked principal's membership, for the rows where a promoter or HA admin acts on its
    // contractors.
    let via_principal = |perm: &str| -> Option<&Membership> {
        if t.body_kind != BodyKind::Contractor {
            return None;
        }
        t.principals.iter().filter_map(|p| actor.membership(p)).find(|m| m.permissions.contains(perm))
    };
    let outside = || deny("You can only administer organisations you are an administrator of.");
    let need = |perm: &str, what: &str| -> Result<(), Denied> {
        if in_own(perm) {
            Ok(())
        } else if own.is_none() {
            outside()
        } else {
            deny(format!("You need the permission {perm} in this organisation to {what}."))
        }
    };
    let kind_name = t.body_kind.as_str().replace('_', " ");
    match action {
        AddUser(kind) | RemoveUser(kind) | EditUser(kind) => {
            let verb = match action {
                AddUser(_) => "add",
                RemoveUser(_) => "remove",
                _ => "edit",
            };
            if own.is_none() && t.body_kind == BodyKind::Contractor && t.principals.iter().any(|p| actor.membership(p).is_some()) {
                return deny(format!(
                    "Only the contractor's own admins can {verb} contractor users; a promoter or highway authority it works for sets their permissions and workstreams."
                ));
            }
            users_rule(t.body_kind, kind, verb, matches!(action, EditUser(_)), &kind_name, &need)
        }
        SetPermissions { kind, granting } => {
            if kind == MemberKind::Admin {
                return superuser_only("change the roles or permissions of admin users");
            }
            grant_rule(t, granting, own, &via_principal, "set this user's roles and permissions")
        }
        ManageRoles { granting } => grant_rule(t, granting, own, &via_principal, "manage this organisation's roles"),
        ManageWorkstreams => match t.body_kind {
            BodyKind::Promoter | BodyKind::HighwayAuthority => need("sm:admin_workstreams", "add or update workstreams"),
            BodyKind::Contractor => match via_principal("sm:admin_workstreams") {
                Some(_) => Ok(()),
                None => deny("Workstreams of a contractor are set by an admin of a promoter or highway authority it works for."),
            },
            _ => deny(format!("A {kind_name} has no workstreams.")),
        },
        ManageAreas => match t.body_kind {
            BodyKind::HighwayAuthority => need("sm:admin_geographic_areas", "add or change geographical areas"),
            BodyKind::Council | BodyKind::Other => need("fms:user_assign_areas", "assign users to areas"),
            _ => deny(format!("Only a highway authority admin can change geographical areas; this is a {kind_name}.")),
        },
        LinkContractor => match t.body_kind {
            BodyKind::Promoter | BodyKind::HighwayAuthority => {
                need("sm:admin_contractor_organisations", "add or remove contractor organisations")
            }
            _ => deny(format!("Contractor organisations are linked to promoters and highway authorities, not to a {kind_name}.")),
        },
        EditOrganisation => {
            if t.body_kind.is_street_manager() {
                need("sm:admin_organisation_details", "change organisation details")
            } else {
                superuser_only(&format!("change a {kind_name}'s details"))
            }
        }
        ExportOrganisation => match t.body_kind {
            BodyKind::Promoter | BodyKind::HighwayAuthority => {
                need("sm:admin_download_organisation_data", "download all organisation data")
            }
            BodyKind::Contractor => deny("Only promoter and highway authority admins can download all organisation data."),
            BodyKind::Council | BodyKind::Other => need("fms:user_manage_permissions", "download all organisation data"),
        },
        ViewAudit | ViewMembers => match own {
            Some(m) if m.permissions.iter().any(|p| is_admin_permission(p)) => Ok(()),
            Some(_) => deny("Only this organisation's administrators can see its members and audit log."),
            None => outside(),
        },
        ManageAllUsers | ManageAdmins | ManageBodies | ManageClients | ManageConnections | SetSuperuser | Ban | ManageCatalogue => {
            deny("Only a superuser can do this.")
        }
    }
}

/// The permissions a new member is given when added (`AddUser` allows choosing their roles):
/// never an `sm:admin_*` permission (superusers only), and only what the actor holds in the
/// body themselves.
pub fn check_grant(actor: &Actor, target: &Target<'_>, granting: &BTreeSet<String>) -> Result<(), Denied> {
    if actor.superuser {
        return Ok(());
    }
    if let Some(p) = granting.iter().find(|p| p.starts_with("sm:admin_")) {
        return deny(format!("Only a superuser can grant {p}: it makes the user an administrator."));
    }
    let Some(own) = actor.membership(target.body_id) else {
        return deny("You can only administer organisations you are an administrator of.");
    };
    if let Some(p) = granting.iter().find(|p| !own.permissions.contains(*p)) {
        return deny(format!("You cannot grant {p} because you do not hold it yourself."));
    }
    Ok(())
}

fn users_rule(
    body: BodyKind,
    kind: MemberKind,
    verb: &str,
    edit: bool,
    kind_name: &str,
    need: &dyn Fn(&str, &str) -> Result<(), Denied>,
) -> Result<(), Denied> {
    let what = format!("{verb} {} users", kind.as_str());
    if kind == MemberKind::Admin {
        return deny(format!("Only a superuser can {what} (in Street Manager this needs a support ticket)."));
    }
    match (body, kind) {
        (BodyKind::Contractor, _) => need("sm:admin_contractor_users", &format!("{verb} contractor users")),
        (BodyKind::Promoter | BodyKind::HighwayAuthority, MemberKind::Planner) => need("sm:admin_planner_users", &what),
        (BodyKind::HighwayAuthority, MemberKind::HighwayAuthority) => need("sm:admin_ha_users", &what),
        (BodyKind::Council | BodyKind::Other, _) => {
            if edit && kind != MemberKind::StaffManager && need("fms:user_edit", &what).is_ok() {
                return Ok(());
            }
            need("fms:user_manage_permissions", &format!("{verb} staff"))
        }
        (_, k) => deny(format!("A {kind_name} cannot have {} users.", k.as_str())),
    }
}

fn grant_rule<'m>(
    t: &Target<'_>,
    granting: &BTreeSet<String>,
    own: Option<&'m Membership>,
    via_principal: &dyn Fn(&str) -> Option<&'m Membership>,
    what: &str,
) -> Result<(), Denied> {
    if let Some(p) = granting.iter().find(|p| p.starts_with("sm:admin_")) {
        return deny(format!("Only a superuser can grant {p}: it makes the user an administrator."));
    }
    let perm = if t.body_kind.is_street_manager() { "sm:admin_user_permissions" } else { "fms:user_manage_permissions" };
    let authority = match own.filter(|m| m.permissions.contains(perm)) {
        Some(m) => m,
        None => match via_principal(perm) {
            Some(m) => m,
            None if own.is_none() && t.body_kind != BodyKind::Contractor => {
                return deny("You can only administer organisations you are an administrator of.");
            }
            None if t.body_kind == BodyKind::Contractor => {
                return deny(format!(
                    "You need the permission {perm} in this organisation or in a promoter or highway authority it works for to {what}."
                ));
            }
            None => return deny(format!("You need the permission {perm} in this organisation to {what}.")),
        },
    };
    if let Some(p) = granting.iter().find(|p| !authority.permissions.contains(*p)) {
        return deny(format!("You cannot grant {p} because you do not hold it yourself."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    const C: &str = "contractor-1";
    const P: &str = "promoter-1";
    const H: &str = "ha-1";
    const F: &str = "council-1";
    const OTHER_P: &str = "promoter-2";

    fn template_perms(keys: &[&str]) -> BTreeSet<String> {
        let cat = Catalogue::builtin().unwrap();
        let mut out = BTreeSet::new();
        for k in keys {
            let t = cat.role_templates.iter().find(|t| t.key == *k).unwrap_or_else(|| panic!("no template {k}"));
            out.extend(t.permissions.iter().cloned());
        }
        out
    }

    fn kind_of(id: &str) -> BodyKind {
        match id {
            C => BodyKind::Contractor,
            P | OTHER_P => BodyKind::Promoter,
            H => BodyKind::HighwayAuthority,
            _ => BodyKind::Council,
        }
    }

    fn member(body: &str, templates: &[&str]) -> Actor {
        Actor {
            superuser: false,
            memberships: vec![Membership {
                body_id: body.into(),
                body_kind: kind_of(body),
                active: true,
                permissions: template_perms(templates),
            }],
        }
    }

    fn contractor_admin() -> Actor {
        member(C, &["sm_contractor_admin", "sm_planner_full_access"])
    }
    fn promoter_admin() -> Actor {
        member(P, &["sm_promoter_admin", "sm_planner_full_access"])
    }
    fn ha_admin() -> Actor {
        member(H, &["sm_ha_admin", "sm_highway_authority"])
    }
    fn planner() -> Actor {
        member(P, &["sm_planner_full_access"])
    }
    fn fms_admin() -> Actor {
        member(F, &["fms_administrators"])
    }
    fn fms_user_editor() -> Actor {
        let mut a = member(F, &["fms_inspectors"]);
        for m in &mut a.memberships {
            m.permissions.insert("fms:user_edit".into());
        }
        a
    }
    fn fms_inspector() -> Actor {
        member(F, &["fms_inspectors"])
    }

    fn target(body: &'static str) -> Target<'static> {
        static PRINCIPALS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let principals = PRINCIPALS.get_or_init(|| vec![P.to_owned(), H.to_owned()]);
        Target { body_id: body, body_kind: kind_of(body), principals: if body == C { principals } else { &[] } }
    }

    /// Allowed (`true`) or refused (`false`) for each row of Street Manager's "Admin actions" and
    /// FixMyStreet's staff management, per actor.
    #[test]
    fn admin_actions_table() {
        use Action::*;
        use MemberKind::*;
        let empty = BTreeSet::new();
        let planner_perms = template_perms(&["sm_planner_full_access"]);
        let ha_perms = template_perms(&["sm_highway_authority"]);
        let inspector_perms = template_perms(&["fms_inspectors"]);
        let rows: Vec<(&str, Actor, Action<'_>, &'static str, bool)> = vec![
            // Add / remove contractor users: contractor admin only.
            ("contractor admin adds contractor user", contractor_admin(), AddUser(Contractor), C, true),
            ("contractor admin removes contractor user", contractor_admin(), RemoveUser(Contractor), C, true),
            ("promoter admin adds contractor user", promoter_admin(), AddUser(Contractor), C, false),
            ("ha admin removes contractor user", ha_admin(), RemoveUser(Contractor), C, false),
            ("planner adds contractor user", planner(), AddUser(Contractor), C, false),
            // Add / remove planner users: promoter admin and HA admin.
            ("promoter admin adds planner", promoter_admin(), AddUser(Planner), P, true),
            ("promoter admin removes planner", promoter_admin(), RemoveUser(Planner), P, true),
            ("ha admin adds planner", ha_admin(), AddUser(Planner), H, true),
            ("contractor admin adds planner in promoter", contractor_admin(), AddUser(Planner), P, false),
            ("planner adds planner", planner(), AddUser(Planner), P, false),
            ("promoter admin adds planner in other promoter", promoter_admin(), AddUser(Planner), OTHER_P, false),
            // Add / remove HA users: HA admin only.
            ("ha admin adds HA user", ha_admin(), AddUser(HighwayAuthority), H, true),
            ("ha admin removes HA user", ha_admin(), RemoveUser(HighwayAuthority), H, true),
            ("promoter admin adds HA user", promoter_admin(), AddUser(HighwayAuthority), P, false),
            ("promoter admin adds HA user in HA", promoter_admin(), AddUser(HighwayAuthority), H, false),
            // Add / remove admin users: support ticket, so superusers only.
            ("contractor admin adds admin", contractor_admin(), AddUser(Admin), C, false),
            ("promoter admin adds admin", promoter_admin(), AddUser(Admin), P, false),
            ("ha admin removes admin", ha_admin(), RemoveUser(Admin), H, false),
            ("ha admin manages admins", ha_admin(), ManageAdmins, H, false),
            // Add / update workstreams: promoter admin and HA admin.
            ("promoter admin workstreams", promoter_admin(), ManageWorkstreams, P, true),
            ("ha admin workstreams", ha_admin(), ManageWorkstreams, H, true),
            ("promoter admin workstreams of its contractor", promoter_admin(), ManageWorkstreams, C, true),
            ("contractor admin workstreams", contractor_admin(), ManageWorkstreams, C, false),
            ("planner workstreams", planner(), ManageWorkstreams, P, false),
            // Add / remove contractor organisations: promoter admin and HA admin.
            ("promoter admin links contractor", promoter_admin(), LinkContractor, P, true),
            ("ha admin links contractor", ha_admin(), LinkContractor, H, true),
            ("contractor admin links contractor", contractor_admin(), LinkContractor, C, false),
            ("planner links contractor", planner(), LinkContractor, P, false),
            // Set promoter & contractor user permissions: promoter admin and HA admin.
            (
                "promoter admin sets planner permissions",
                promoter_admin(),
                SetPermissions { kind: Planner, granting: &planner_perms },
                P,
                true,
            ),
            (
                "promoter admin sets contractor permissions",
                promoter_admin(),
                SetPermissions { kind: Contractor, granting: &planner_perms },
                C,
                true,
            ),
            ("ha admin sets contractor permissions", ha_admin(), SetPermissions { kind: Contractor, granting: &empty }, C, true),
            ("ha admin sets HA permissions", ha_admin(), SetPermissions { kind: HighwayAuthority, granting: &ha_perms }, H, true),
            (
                "contractor admin sets contractor permissions",
                contractor_admin(),
                SetPermissions { kind: Contractor, granting: &planner_perms },
                C,
                false,
            ),
            ("planner sets permissions", planner(), SetPermissions { kind: Planner, granting: &empty }, P, false),
            ("promoter admin grants what it lacks", promoter_admin(), SetPermissions { kind: Planner, granting: &ha_perms }, P, false),
            ("promoter admin sets admin's permissions", promoter_admin(), SetPermissions { kind: Admin, granting: &empty }, P, false),
            // Add / change geographical areas: HA admin only.
            ("ha admin areas", ha_admin(), ManageAreas, H, true),
            ("promoter admin areas", promoter_admin(), ManageAreas, P, false),
            ("contractor admin areas", contractor_admin(), ManageAreas, C, false),
            // Change organisation details: all three admins.
            ("contractor admin org details", contractor_admin(), EditOrganisation, C, true),
            ("promoter admin org details", promoter_admin(), EditOrganisation, P, true),
            ("ha admin org details", ha_admin(), EditOrganisation, H, true),
            ("planner org details", planner(), EditOrganisation, P, false),
            ("promoter admin other org's details", promoter_admin(), EditOrganisation, OTHER_P, false),
            // Download all organisation data: promoter admin and HA admin.
            ("promoter admin export", promoter_admin(), ExportOrganisation, P, true),
            ("ha admin export", ha_admin(), ExportOrganisation, H, true),
            ("contractor admin export", contractor_admin(), ExportOrganisation, C, false),
            ("planner export", planner(), ExportOrganisation, P, false),
            // FixMyStreet: fms:user_manage_permissions manages the body's staff.
            ("fms admin adds staff", fms_admin(), AddUser(Staff), F, true),
            ("fms admin removes staff", fms_admin(), RemoveUser(Staff), F, true),
            ("fms admin sets staff permissions", fms_admin(), SetPermissions { kind: Staff, granting: &inspector_perms }, F, true),
            ("fms admin creates role", fms_admin(), ManageRoles { granting: &inspector_perms }, F, true),
            ("fms admin grants sm permission", fms_admin(), SetPermissions { kind: Staff, granting: &planner_perms }, F, false),
            ("fms inspector adds staff", fms_inspector(), AddUser(Staff), F, false),
            ("fms admin adds staff in promoter", fms_admin(), AddUser(Planner), P, false),
            // fms:user_edit edits staff, but not the staff managers who granted it.
            ("fms user editor edits staff", fms_user_editor(), EditUser(Staff), F, true),
            ("fms user editor edits staff manager", fms_user_editor(), EditUser(StaffManager), F, false),
            ("fms user editor removes staff", fms_user_editor(), RemoveUser(Staff), F, false),
            ("fms admin edits staff manager", fms_admin(), EditUser(StaffManager), F, true),
            ("fms admin removes staff manager", fms_admin(), RemoveUser(StaffManager), F, true),
            ("fms admin views audit", fms_admin(), ViewAudit, F, true),
            ("fms inspector views audit", fms_inspector(), ViewAudit, F, false),
            // Superuser-only actions.
            ("ha admin manages bodies", ha_admin(), ManageBodies, H, false),
            ("fms admin manages clients", fms_admin(), ManageClients, F, false),
            ("promoter admin bans", promoter_admin(), Ban, P, false),
            ("fms admin sets superuser", fms_admin(), SetSuperuser, F, false),
        ];
        for (name, actor, action, body, allowed) in rows {
            let t = target(body);
            let got = decide(&actor, action, Some(&t));
            assert_eq!(got.is_ok(), allowed, "{name}: {got:?}");
            if let Err(Denied(reason)) = got {
                assert!(reason.len() > 20 && reason.ends_with('.'), "{name}: reason {reason:?}");
            }
            let su = Actor { superuser: true, ..actor };
            assert_eq!(decide(&su, action, Some(&t)), Ok(()), "superuser: {name}");
        }
    }

    /// Every "Admin actions" row of seed 003 against every column of the table, each column an
    /// actor holding exactly that column's template from the catalogue (no extra roles): the Y
    /// cells are allowed, every other cell refused. "Support ticket" counts as refused.
    #[test]
    fn admin_actions_rows_by_seed_column() {
        use Action::*;
        use MemberKind::*;
        let empty = BTreeSet::new();
        // (column, actor, the body the actor belongs to)
        let columns: Vec<(&str, Actor, &'static str)> = vec![
            ("account user", member(P, &["sm_account_user"]), P),
            ("promoter planner view only", member(P, &["sm_planner_view_only"]), P),
            ("promoter planner full access", member(P, &["sm_planner_full_access"]), P),
            ("contractor planner view only", member(C, &["sm_planner_view_only"]), C),
            ("contractor planner full access", member(C, &["sm_planner_full_access"]), C),
            ("highway authority", member(H, &["sm_highway_authority"]), H),
            ("contractor admin", member(C, &["sm_contractor_admin"]), C),
            ("promoter admin", member(P, &["sm_promoter_admin"]), P),
            ("ha admin", member(H, &["sm_ha_admin"]), H),
        ];
        // Where each row's action lands: the actor's own body, or a fixed one.
        enum At {
            Own,
            Body(&'static str),
            /// The actor's own body if it is a promoter or HA, else the promoter.
            OwnPlannerBody,
        }
        let rows: Vec<(&str, Action<'_>, At, &[&str])> = vec![
            ("add contractor users", AddUser(Contractor), At::Body(C), &["contractor admin"]),
            ("remove contractor users", RemoveUser(Contractor), At::Body(C), &["contractor admin"]),
            ("add planner users", AddUser(Planner), At::OwnPlannerBody, &["promoter admin", "ha admin"]),
            ("remove planner users", RemoveUser(Planner), At::OwnPlannerBody, &["promoter admin", "ha admin"]),
            ("add HA users", AddUser(HighwayAuthority), At::Body(H), &["ha admin"]),
            ("remove HA users", RemoveUser(HighwayAuthority), At::Body(H), &["ha admin"]),
            ("add admin users", AddUser(Admin), At::Own, &[]),
            ("remove admin users", RemoveUser(Admin), At::Own, &[]),
            ("manage admin users", ManageAdmins, At::Own, &[]),
            ("add / update workstreams", ManageWorkstreams, At::OwnPlannerBody, &["promoter admin", "ha admin"]),
            ("contractor's workstreams", ManageWorkstreams, At::Body(C), &["promoter admin", "ha admin"]),
            ("add / remove contractor organisations", LinkContractor, At::OwnPlannerBody, &["promoter admin", "ha admin"]),
            (
                "set promoter user permissions",
                SetPermissions { kind: Planner, granting: &empty },
                At::OwnPlannerBody,
                &["promoter admin", "ha admin"],
            ),
            (
                "set contractor user permissions",
                SetPermissions { kind: Contractor, granting: &empty },
                At::Body(C),
                &["promoter admin", "ha admin"],
            ),
            ("add / change geographical areas", ManageAreas, At::Body(H), &["ha admin"]),
            ("change organisation details", EditOrganisation, At::Own, &["contractor admin", "promoter admin", "ha admin"]),
            ("download all organisation data", ExportOrganisation, At::Own, &["promoter admin", "ha admin"]),
        ];
        for (row, action, at, yes) in &rows {
            for (column, actor, own) in &columns {
                let body = match at {
                    At::Own => *own,
                    At::Body(b) => *b,
                    At::OwnPlannerBody if *own == C => P,
                    At::OwnPlannerBody => *own,
                };
                let got = decide(actor, *action, Some(&target(body)));
                assert_eq!(got.is_ok(), yes.contains(column), "{row} / {column} in {body}: {got:?}");
            }
        }
    }

    #[test]
    fn new_members_get_only_what_the_admin_holds() {
        let planner_perms = template_perms(&["sm_planner_full_access"]);
        let ha_perms = template_perms(&["sm_highway_authority"]);
        assert_eq!(check_grant(&contractor_admin(), &target(C), &planner_perms), Ok(()));
        assert!(check_grant(&contractor_admin(), &target(C), &ha_perms).unwrap_err().0.contains("do not hold"));
        assert!(check_grant(&promoter_admin(), &target(C), &planner_perms).is_err());
        let admin: BTreeSet<String> = ["sm:admin_contractor_users".to_owned()].into();
        assert!(check_grant(&contractor_admin(), &target(C), &admin).unwrap_err().0.contains("superuser"));
    }

    #[test]
    fn suspended_body_admins_cannot_act() {
        let mut a = promoter_admin();
        for m in &mut a.memberships {
            m.active = false;
        }
        let err = decide(&a, Action::AddUser(MemberKind::Planner), Some(&target(P))).unwrap_err();
        assert!(err.0.contains("suspended"), "{err}");
    }

    #[test]
    fn admin_permissions_are_granted_by_superusers_only() {
        let granting: BTreeSet<String> = ["sm:admin_planner_users".to_owned()].into();
        let err = decide(&promoter_admin(), Action::SetPermissions { kind: MemberKind::Planner, granting: &granting }, Some(&target(P)))
            .unwrap_err();
        assert!(err.0.contains("superuser"), "{err}");
        let err = decide(&promoter_admin(), Action::ManageRoles { granting: &granting }, Some(&target(P))).unwrap_err();
        assert!(err.0.contains("superuser"), "{err}");
    }

    #[test]
    fn classify_members() {
        let none = BTreeSet::new();
        assert_eq!(MemberKind::classify(BodyKind::Contractor, &[SmRole::Contractor], &none), MemberKind::Contractor);
        assert_eq!(MemberKind::classify(BodyKind::Promoter, &[SmRole::Planner], &none), MemberKind::Planner);
        assert_eq!(MemberKind::classify(BodyKind::HighwayAuthority, &[SmRole::HighwayAuthority], &none), MemberKind::HighwayAuthority);
        assert_eq!(MemberKind::classify(BodyKind::HighwayAuthority, &[], &none), MemberKind::Planner);
        assert_eq!(MemberKind::classify(BodyKind::Promoter, &[SmRole::Admin], &none), MemberKind::Admin);
        let admin: BTreeSet<String> = ["sm:admin_workstreams".to_owned()].into();
        assert_eq!(MemberKind::classify(BodyKind::Promoter, &[], &admin), MemberKind::Admin);
        assert_eq!(MemberKind::classify(BodyKind::Council, &[], &none), MemberKind::Staff);
        let manager: BTreeSet<String> = ["fms:user_manage_permissions".to_owned()].into();
        assert_eq!(MemberKind::classify(BodyKind::Council, &[], &manager), MemberKind::StaffManager);
        assert!(!fms_inspector().is_any_admin());
        assert!(fms_admin().is_any_admin());
    }
}
