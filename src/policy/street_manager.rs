//! Street Manager's role-combination rules, as a pure check over the Street Manager roles a
//! membership would hold after a change.
//!
//! Stile's roles are per-body sets of permissions; Street Manager itself knows a fixed list of
//! user roles. A Stile role is mapped onto one of those by [`SmRole::of_role`]: an explicit tag on
//! the role (`roles.sm_role`, for custom roles such as `DataExport`, `UI` or `API`), otherwise its
//! template key (`config/catalogue.toml`), where the planner templates mean `Planner` in a promoter
//! or highway authority and `Contractor` in a contractor organisation.

use std::collections::BTreeSet;

use super::body::BodyKind;

/// Street Manager's own user roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SmRole {
    Planner,
    HighwayAuthority,
    Contractor,
    DataExport,
    Ui,
    Api,
    Admin,
    StreetWorksAdmin,
}

impl SmRole {
    pub const ALL: [SmRole; 8] = [
        SmRole::Planner,
        SmRole::HighwayAuthority,
        SmRole::Contractor,
        SmRole::DataExport,
        SmRole::Ui,
        SmRole::Api,
        SmRole::Admin,
        SmRole::StreetWorksAdmin,
    ];

    /// The name Street Manager uses, also the value stored in `roles.sm_role`.
    pub fn as_str(self) -> &'static str {
        match self {
            SmRole::Planner => "Planner",
            SmRole::HighwayAuthority => "HighwayAuthority",
            SmRole::Contractor => "Contractor",
            SmRole::DataExport => "DataExport",
            SmRole::Ui => "UI",
            SmRole::Api => "API",
            SmRole::Admin => "Admin",
            SmRole::StreetWorksAdmin => "StreetWorksAdmin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The Street Manager role a Stile role stands for, if any.
    pub fn of_role(explicit: Option<&str>, template_key: Option<&str>, body_kind: BodyKind) -> Option<Self> {
        if let Some(r) = explicit.and_then(Self::parse) {
            return Some(r);
        }
        match template_key? {
            "sm_planner_view_only" | "sm_planner_full_access" if body_kind == BodyKind::Contractor => Some(SmRole::Contractor),
            "sm_planner_view_only" | "sm_planner_full_access" => Some(SmRole::Planner),
            "sm_highway_authority" => Some(SmRole::HighwayAuthority),
            "sm_contractor_admin" | "sm_promoter_admin" | "sm_ha_admin" => Some(SmRole::Admin),
            _ => None,
        }
    }
}

/// A combination Street Manager does not allow; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleRuleViolation {
    #[error("A user can have only one of Planner, HighwayAuthority, Contractor and DataExport; this change would give {0} and {1}.")]
    MoreThanOneKind(&'static str, &'static str),
    #[error("A user cannot be both a UI user and an API user.")]
    UiWithApi,
    #[error("An Admin user cannot also be an API user.")]
    AdminWithApi,
    #[error("A Contractor cannot also be a StreetWorksAdmin.")]
    ContractorWithStreetWorksAdmin,
    #[error("StreetWorksAdmin is only allowed together with Admin, Planner or HighwayAuthority.")]
    StreetWorksAdminAlone,
}

/// Checks the Street Manager roles one membership would hold.
pub fn check(roles: &[SmRole]) -> Result<(), RoleRuleViolation> {
    let set: BTreeSet<SmRole> = roles.iter().copied().collect();
    let has = |r: SmRole| set.contains(&r);
    let kinds: Vec<SmRole> =
        [SmRole::Planner, SmRole::HighwayAuthority, SmRole::Contractor, SmRole::DataExport].into_iter().filter(|r| has(*r)).collect();
    if let [a, b, ..] = kinds.as_slice() {
        return Err(RoleRuleViolation::MoreThanOneKind(a.as_str(), b.as_str()));
    }
    if has(SmRole::Ui) && has(SmRole::Api) {
        return Err(RoleRuleViolation::UiWithApi);
    }
    if has(SmRole::Admin) && has(SmRole::Api) {
        return Err(RoleRuleViolation::AdminWithApi);
    }
    if has(SmRole::Contractor) && has(SmRole::StreetWorksAdmin) {
        return Err(RoleRuleViolation::ContractorWithStreetWorksAdmin);
    }
    if has(SmRole::StreetWorksAdmin) && !(has(SmRole::Admin) || has(SmRole::Planner) || has(SmRole::HighwayAuthority)) {
        return Err(RoleRuleViolation::StreetWorksAdminAlone);
    }
    Ok(())
}

/// Planner actions in seed 003's table: held only by the "Planner - Full access" column.
const PLANNER_ACTIONS: [&str; 11] = [
    "sm:apply_for_works",
    "sm:raise_forward_plan",
    "sm:cancel_applications",
    "sm:change_applications",
    "sm:log_works_start_stop",
    "sm:revert_works_start_stop",
    "sm:change_inspection_units",
    "sm:register_sites_reinstatements",
    "sm:mark_final_site_registered",
    "sm:respond_to_fpn",
    "sm:respond_to_section_81",
];

/// HA actions in seed 003's table: held only by the "Highway Authority" column.
const HA_ACTIONS: [&str; 14] = [
    "sm:manage_own_activities",
    "sm:assess_permits",
    "sm:assess_change_requests",
    "sm:revoke_permit",
    "sm:impose_permit_change",
    "sm:add_inspection",
    "sm:schedule_inspection",
    "sm:cancel_scheduled_inspection",
    "sm:issue_fpn",
    "sm:mark_fpn_paid",
    "sm:withdraw_fpn",
    "sm:manage_lane_rental",
    "sm:manage_section_81",
    "sm:filter_geographic_areas",
];

/// The Street Manager roles that holding these permissions amounts to, whichever roles (tagged
/// or not) or direct grants they come from: without this, a Planner could be given the HA
/// actions one by one and be both. View permissions are shared by every role and imply none.
pub fn implied_by_permissions(permissions: &BTreeSet<String>, body_kind: BodyKind) -> Vec<SmRole> {
    let any = |list: &[&str]| list.iter().any(|p| permissions.contains(*p));
    let mut out = Vec::new();
    if any(&PLANNER_ACTIONS) {
        out.push(if body_kind == BodyKind::Contractor { SmRole::Contractor } else { SmRole::Planner });
    }
    if any(&HA_ACTIONS) {
        out.push(SmRole::HighwayAuthority);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::SmRole::*;
    use super::*;

    #[test]
    fn allowed_combinations() {
        for ok in [
            vec![],
            vec![Planner],
            vec![Planner, Ui],
            vec![HighwayAuthority, Admin, Ui],
            vec![Contractor, Api],
            vec![DataExport, Api],
            vec![Admin, StreetWorksAdmin],
            vec![Planner, StreetWorksAdmin],
            vec![HighwayAuthority, StreetWorksAdmin],
        ] {
            assert_eq!(check(&ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn at_most_one_of_planner_ha_contractor_dataexport() {
        let kinds = [Planner, HighwayAuthority, Contractor, DataExport];
        for a in kinds {
            for b in kinds {
                if a != b {
                    assert!(matches!(check(&[a, b]), Err(RoleRuleViolation::MoreThanOneKind(..))), "{a:?}+{b:?}");
                }
            }
        }
    }

    #[test]
    fn not_ui_with_api() {
        assert_eq!(check(&[Ui, Api]), Err(RoleRuleViolation::UiWithApi));
        assert_eq!(check(&[Planner, Ui, Api]), Err(RoleRuleViolation::UiWithApi));
    }

    #[test]
    fn not_admin_with_api() {
        assert_eq!(check(&[Admin, Api]), Err(RoleRuleViolation::AdminWithApi));
    }

    #[test]
    fn not_contractor_with_street_works_admin() {
        assert_eq!(check(&[Contractor, StreetWorksAdmin]), Err(RoleRuleViolation::ContractorWithStreetWorksAdmin));
    }

    #[test]
    fn street_works_admin_needs_admin_planner_or_ha() {
        assert_eq!(check(&[StreetWorksAdmin]), Err(RoleRuleViolation::StreetWorksAdminAlone));
        assert_eq!(check(&[StreetWorksAdmin, Ui]), Err(RoleRuleViolation::StreetWorksAdminAlone));
        assert_eq!(check(&[StreetWorksAdmin, DataExport]), Err(RoleRuleViolation::StreetWorksAdminAlone));
    }

    /// The action lists are exactly what one column of seed 003 has and the other lacks.
    #[test]
    fn action_lists_match_the_catalogue() {
        let cat = crate::catalogue::Catalogue::builtin().unwrap();
        let perms =
            |k: &str| -> BTreeSet<String> { cat.role_templates.iter().find(|t| t.key == k).unwrap().permissions.iter().cloned().collect() };
        let (planner, ha) = (perms("sm_planner_full_access"), perms("sm_highway_authority"));
        let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| a.difference(b).cloned().collect::<BTreeSet<String>>();
        let list = |l: &[&str]| l.iter().map(|p| (*p).to_owned()).collect::<BTreeSet<String>>();
        assert_eq!(only(&planner, &ha), list(&PLANNER_ACTIONS));
        assert_eq!(only(&ha, &planner), list(&HA_ACTIONS));
    }

    #[test]
    fn roles_implied_by_permissions() {
        let perms = |ps: &[&str]| ps.iter().map(|p| (*p).to_owned()).collect::<BTreeSet<String>>();
        assert_eq!(implied_by_permissions(&perms(&["sm:view_map", "sm:view_works_records"]), BodyKind::Promoter), vec![]);
        assert_eq!(implied_by_permissions(&perms(&["sm:apply_for_works"]), BodyKind::Promoter), vec![Planner]);
        assert_eq!(implied_by_permissions(&perms(&["sm:apply_for_works"]), BodyKind::Contractor), vec![Contractor]);
        assert_eq!(implied_by_permissions(&perms(&["sm:assess_permits"]), BodyKind::Promoter), vec![HighwayAuthority]);
        let both = implied_by_permissions(&perms(&["sm:respond_to_fpn", "sm:issue_fpn"]), BodyKind::HighwayAuthority);
        assert!(matches!(check(&both), Err(RoleRuleViolation::MoreThanOneKind(..))), "{both:?}");
    }

    #[test]
    fn roles_from_templates() {
        assert_eq!(SmRole::of_role(None, Some("sm_planner_full_access"), BodyKind::Promoter), Some(Planner));
        assert_eq!(SmRole::of_role(None, Some("sm_planner_view_only"), BodyKind::Contractor), Some(Contractor));
        assert_eq!(SmRole::of_role(None, Some("sm_highway_authority"), BodyKind::HighwayAuthority), Some(HighwayAuthority));
        assert_eq!(SmRole::of_role(None, Some("sm_ha_admin"), BodyKind::HighwayAuthority), Some(Admin));
        assert_eq!(SmRole::of_role(None, Some("sm_account_user"), BodyKind::Promoter), None);
        assert_eq!(SmRole::of_role(Some("API"), Some("sm_planner_full_access"), BodyKind::Promoter), Some(Api));
        assert_eq!(SmRole::of_role(None, Some("fms_inspectors"), BodyKind::Council), None);
    }
}
