//! How the admin pages name the domain's values (kinds and statuses of organisations, kinds of
//! members and bans, audit outcomes, targets and detail fields): the catalogue key of each, so
//! the page says it in its own language. The domain keeps its English names for the API, the
//! CLI and logs.

use crate::i18n::{self, Tr};
use crate::policy::body::{BodyKind, BodyStatus, MfaPolicy};

pub fn kind_key(k: &BodyKind) -> &'static str {
    match k {
        BodyKind::Council => "admin-kind-council",
        BodyKind::HighwayAuthority => "admin-kind-highway-authority",
        BodyKind::Promoter => "admin-kind-promoter",
        BodyKind::Contractor => "admin-kind-contractor",
        BodyKind::Other => "admin-kind-other",
    }
}

pub fn status_key(s: &BodyStatus) -> &'static str {
    match s {
        BodyStatus::Active => "admin-status-active",
        BodyStatus::Suspended => "admin-status-suspended",
        BodyStatus::Disabled => "admin-status-disabled",
    }
}

pub fn mfa_key(p: &MfaPolicy) -> &'static str {
    match p {
        MfaPolicy::Optional => "admin-mfa-optional",
        MfaPolicy::Required => "admin-mfa-required",
        MfaPolicy::PhishingResistant => "admin-mfa-phishing-resistant",
    }
}

/// A `MemberKind::as_str` name.
pub fn member_kind_key(kind: &str) -> &'static str {
    match kind {
        "staff" => "admin-member-kind-staff",
        "staff manager" => "admin-member-kind-staff-manager",
        "planner" => "admin-member-kind-planner",
        "highway authority" => "admin-member-kind-highway-authority",
        "contractor" => "admin-member-kind-contractor",
        _ => "admin-member-kind-admin",
    }
}

/// A ban's kind as stored: a whole address or a domain.
pub fn ban_kind_key(kind: &str) -> &'static str {
    if kind == "email" { "admin-ban-kind-email" } else { "admin-ban-kind-domain" }
}

pub fn outcome_key(outcome: &str) -> &'static str {
    if outcome == "success" { "admin-outcome-success" } else { "admin-outcome-failure" }
}

/// What an audit event's target is. An unknown type (none is written today) is named as
/// a target.
pub fn target_type_key(target_type: &str) -> &'static str {
    match target_type {
        "user" => "admin-target-user",
        "body" => "admin-target-body",
        "role" => "admin-target-role",
        "client" => "admin-target-client",
        "connection" => "admin-target-connection",
        "membership" => "admin-target-membership",
        "ban" => "admin-target-ban",
        "invitation" => "admin-target-invitation",
        "scim_token" => "admin-target-scim-token",
        _ => "admin-audit-target",
    }
}

/// An audit event's detail field (`reset_by`) as a label: from the catalogue when it has one
/// (`admin-detail-reset-by`), otherwise the field's name made readable ("Reset by").
pub fn detail_label(field: &str) -> String {
    let key = format!("admin-detail-{}", field.replace('_', "-"));
    let t = Tr::plain(i18n::current());
    if i18n::has(t.lang, &key) {
        return t.get(&key).0;
    }
    let spaced = field.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Names joined for a sentence ("Camden, Islington").
pub fn names_list(items: &[super::bodies::Linked]) -> String {
    items.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_label_is_in_both_catalogues() {
        let mut keys: Vec<&str> = Vec::new();
        keys.extend(BodyKind::ALL.iter().map(kind_key));
        keys.extend(BodyStatus::ALL.iter().map(status_key));
        keys.extend(MfaPolicy::ALL.iter().map(mfa_key));
        keys.extend(["staff", "staff manager", "planner", "highway authority", "contractor", "admin"].map(member_kind_key));
        keys.extend(["email", "domain"].map(ban_kind_key));
        keys.extend(["success", "failure"].map(outcome_key));
        keys.extend(
            ["user", "body", "role", "client", "connection", "membership", "ban", "invitation", "scim_token", "x"].map(target_type_key),
        );
        for key in keys {
            for lang in Lang::ALL {
                assert!(i18n::has(lang, key), "{key} missing in {}", lang.tag());
            }
        }
    }

    #[test]
    fn detail_labels_fall_back_to_the_field_name() {
        assert_eq!(detail_label("reason"), "Reason");
        assert_eq!(detail_label("reset_by"), "Reset by");
    }
}
