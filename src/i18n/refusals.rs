//! The admin service layer's refusals and bad-input messages, said in the page's language.
//!
//! `admin::ops` words its refusals in English (the admin API's JSON and the CLI show them as
//! they are). A page recognises one by the English text of its catalogue message (a key with
//! one of [`PREFIXES`]), whose `{ $name }` placeables stand for the variable parts, and says that
//! message in the page's language with the same parts. A message the catalogue does not know is shown as it is.
//! Some parts are themselves said: `$reason` (a refusal quoted in another), and the phrases of
//! [`PHRASES`] (`$what`, what the actor may not do; `$taken`, what a conflict says exists;
//! `$memberkind`, a kind of user; `$uritype` and `$allowed`, which URI of a relying app and
//! what it may be). `$orgkind` (a kind of organisation, in English) is handed to
//! the message for its selectors, since Welsh mutates the kind's name differently in each
//! sentence. A part the catalogue does not know leaves the whole message in English rather than
//! half translated.

use std::sync::LazyLock;

use crate::i18n::{self, Lang, Tr};

/// Keys of messages that are the English text of a refusal written elsewhere: the organisation
/// pages' (`admin.ftl`), the people and connections pages' (`refusal-`, `admin-people.ftl`), the
/// sign-in and sign-out error pages' (`refused-`, `refusals.ftl`) and an unusable address's
/// (`problem-email-`, `EmailError`'s words, which the admin forms show too).
const PREFIXES: [&str; 6] = ["admin-refusal-", "admin-invalid-", "admin-conflict-", "refusal-", "refused-", "problem-email-"];

/// Variables whose value is a phrase of the catalogue (matched on its English), and the prefix
/// of those phrases' keys.
const PHRASES: [(&str, &str); 5] = [
    ("what", "admin-what-"),
    ("taken", "admin-taken-"),
    ("memberkind", "admin-kind-users-"),
    ("uritype", "admin-uri-type-"),
    ("allowed", "admin-uri-allowed"),
];

/// The English names of the kinds of organisation, as the delegation rules write them; a
/// message's selectors get them with `-` for spaces (`highway-authority`).
const ORG_KINDS: [&str; 5] = ["council", "highway authority", "promoter", "contractor", "other"];

enum Part {
    Text(&'static str),
    Var(&'static str),
}

struct Pattern {
    key: &'static str,
    parts: Vec<Part>,
}

/// `Only a superuser can grant { $perm }: it …` → text, variable, text. A string literal
/// placeable (`{ "{" }`, how Fluent writes a brace) is text.
fn parts(mut value: &'static str) -> Vec<Part> {
    let mut out = Vec::new();
    while let Some(start) = value.find("{ ") {
        let Some(len) = value.get(start..).and_then(|rest| rest.find(" }")) else { break };
        if let Some(text) = value.get(..start).filter(|t| !t.is_empty()) {
            out.push(Part::Text(text));
        }
        match value.get(start + 2..start + len) {
            Some(inner) if inner.starts_with('$') => out.extend(inner.get(1..).map(Part::Var)),
            Some(inner) => out.extend(inner.strip_prefix('"').and_then(|t| t.strip_suffix('"')).map(Part::Text)),
            None => {}
        }
        value = value.get(start + len + 2..).unwrap_or_default();
    }
    if !value.is_empty() {
        out.push(Part::Text(value));
    }
    out
}

/// The catalogue's single-line English messages whose key starts with one of `prefixes`.
fn english(prefixes: &[&str]) -> Texts {
    i18n::EN_GB_FILES
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter_map(|line| line.split_once(" = "))
        .filter(|(key, _)| prefixes.iter().any(|p| key.starts_with(p)))
        .map(|(key, value)| (key.trim(), value))
        .collect()
}

static PATTERNS: LazyLock<Vec<Pattern>> =
    LazyLock::new(|| english(&PREFIXES).into_iter().map(|(key, value)| Pattern { key, parts: parts(value) }).collect());

/// Messages by key: (key, English text).
type Texts = Vec<(&'static str, &'static str)>;

/// Each of [`PHRASES`]: the variable, and its phrases' keys and English text.
static PHRASE_TEXTS: LazyLock<Vec<(&'static str, Texts)>> =
    LazyLock::new(|| PHRASES.iter().map(|(name, prefix)| (*name, english(&[prefix]))).collect());

/// The key of the phrase `value` is, if `name` is one of [`PHRASES`].
fn phrase(name: &str, value: &str) -> Option<Option<&'static str>> {
    let (_, texts) = PHRASE_TEXTS.iter().find(|(n, _)| *n == name)?;
    Some(texts.iter().find(|(_, text)| *text == value).map(|(key, _)| *key))
}

/// Most readings of one message by one pattern looked at (a value may hold the words that
/// follow it, so one pattern can split a message in more than one way).
const MAX_READINGS: usize = 16;

/// Most ways of splitting one message one pattern tries. Values someone typed may repeat the
/// words that follow a variable, and each repeat multiplies the splits; past this the pattern is
/// taken not to read the message (the page then shows the English).
const MAX_STEPS: usize = 4_096;

/// Refusals are sentences; a longer message (a value someone pasted) is shown as it is.
const MAX_MESSAGE_BYTES: usize = 4_096;

type Parts = Vec<(&'static str, String)>;

/// Each way `message` is `pattern`'s text: the variable parts, earliest splits first.
fn captures(pattern: &Pattern, message: &str) -> Vec<Parts> {
    let mut out = Vec::new();
    let mut steps = 0;
    walk(&pattern.parts, message, &mut Vec::new(), &mut out, &mut steps);
    if steps > MAX_STEPS { Vec::new() } else { out }
}

fn walk(parts: &[Part], rest: &str, got: &mut Parts, out: &mut Vec<Parts>, steps: &mut usize) {
    *steps += 1;
    if out.len() >= MAX_READINGS || *steps > MAX_STEPS {
        return;
    }
    match parts.split_first() {
        None => {
            if rest.is_empty() {
                out.push(got.clone());
            }
        }
        Some((Part::Text(text), tail)) => {
            if let Some(after) = rest.strip_prefix(text) {
                walk(tail, after, got, out, steps);
            }
        }
        Some((Part::Var(name), tail)) => match tail.first() {
            None if !rest.is_empty() => {
                got.push((name, rest.to_owned()));
                walk(tail, "", got, out, steps);
                got.pop();
            }
            Some(Part::Text(next)) => {
                for (end, _) in rest.match_indices(next).filter(|(end, _)| *end > 0) {
                    let (Some(value), Some(after)) = (rest.get(..end), rest.get(end..)) else { continue };
                    got.push((name, value.to_owned()));
                    walk(tail, after, got, out, steps);
                    got.pop();
                }
            }
            // Two variables side by side cannot be told apart; an empty value is no value.
            _ => {}
        },
    }
}

/// `message` (a service-layer refusal in English) in `lang`.
pub fn say_in(lang: Lang, message: &str) -> String {
    if lang == Lang::EnGb {
        return message.to_owned();
    }
    known(lang, message).unwrap_or_else(|| message.to_owned())
}

/// `message` in `lang` if it is one of the catalogue's refusals.
/// When several refusals read the message, the one that leaves the least to its variable parts
/// is taken: a value someone typed that holds another refusal's words stays a value.
fn known(lang: Lang, message: &str) -> Option<String> {
    if message.len() > MAX_MESSAGE_BYTES {
        return None;
    }
    let mut readings: Vec<(&Pattern, Parts)> =
        PATTERNS.iter().flat_map(|pattern| captures(pattern, message).into_iter().map(move |parts| (pattern, parts))).collect();
    readings.sort_by_key(|(_, parts)| parts.iter().map(|(_, v)| v.len()).sum::<usize>());
    readings.into_iter().find_map(|(pattern, parts)| said(lang, pattern, parts))
}

fn said(lang: Lang, pattern: &Pattern, parts: Parts) -> Option<String> {
    let t = Tr::plain(lang);
    let mut msg = t.msg(pattern.key);
    for (name, value) in parts {
        // A count, for the plural forms.
        if matches!(name, "count" | "minutes")
            && let Ok(n) = value.parse::<i64>()
        {
            msg = msg.num(name, n);
            continue;
        }
        let value = match name {
            // A refusal quoted inside another ("…, and there: REASON").
            // Only if the quoted part is itself a known refusal: otherwise this reading is wrong
            // (a value someone typed that happens to hold this pattern's words), and the next
            // pattern is tried.
            "reason" => known(lang, &value)?,
            "orgkind" if ORG_KINDS.contains(&value.as_str()) => value.replace(' ', "-"),
            "orgkind" => return None,
            _ => match phrase(name, &value) {
                Some(key) => t.get(key?).0,
                None => value,
            },
        };
        msg = msg.arg(name, value);
    }
    Some(msg.to_string())
}

/// `message` in the language of the page being answered.
pub fn say(message: &str) -> String {
    say_in(i18n::current(), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_said_in_welsh_with_their_parts() {
        let cy = |m: &str| say_in(Lang::CyGb, m);
        assert_eq!(cy("Only a superuser can do this."), "Dim ond uwch-ddefnyddiwr all wneud hyn.");
        assert_eq!(cy("\"fms:nope\" is not a permission in the catalogue."), "Nid yw \"fms:nope\" yn ganiatâd yn y catalog.");
        assert_eq!(
            cy("a@example.org is also a member of Camden, and there: Only a superuser can do this."),
            "Mae a@example.org hefyd yn aelod o Camden, ac yno: Dim ond uwch-ddefnyddiwr all wneud hyn."
        );
        assert_eq!(cy("Something nobody wrote down."), "Something nobody wrote down.");
        assert_eq!(cy("Only a superuser can manage relying apps."), "Dim ond uwch-ddefnyddiwr all reoli rhaglenni dibynnol.");
        assert_eq!(
            cy("You need the permission fms:user_assign_areas in this organisation to assign users to areas."),
            "Mae angen y caniatâd fms:user_assign_areas yn y sefydliad hwn arnoch i neilltuo defnyddwyr i ardaloedd."
        );
        // A typed value holding another refusal's words is a value, not a nested refusal.
        assert_eq!(
            cy("\"a is also a member of b, and there: z\" is not a permission in the catalogue."),
            "Nid yw \"a is also a member of b, and there: z\" yn ganiatâd yn y catalog."
        );
        // An import's row problems, with their parts.
        assert_eq!(
            cy("a@b.example is also on row 2; each address may appear once"),
            "Mae a@b.example hefyd ar res 2; dim ond unwaith y caiff pob cyfeiriad ymddangos"
        );
        assert_eq!(cy("Camden has no role \"Boss\""), "Nid oes gan Camden rôl \"Boss\"");
        // Not half translated: a `what` the catalogue does not know leaves it in English.
        assert_eq!(cy("Only a superuser can juggle."), "Only a superuser can juggle.");
        assert_eq!(say_in(Lang::EnGb, "Only a superuser can do this."), "Only a superuser can do this.");
    }

    /// A value for a message's variable that the catalogue can say: a phrase's English for the
    /// variables said themselves, a placeholder for the others.
    fn sample(name: &str) -> String {
        match name {
            "what" => "manage relying apps",
            "taken" => "A body with that name",
            "orgkind" => "highway authority",
            "memberkind" => "staff manager",
            "verb" => "add",
            "reason" => "Only a superuser can do this.",
            "uritype" => "redirect URI",
            "allowed" => "use https, or http only on 127.0.0.1, [::1] or localhost",
            _ => return format!("<{name}>"),
        }
        .to_owned()
    }

    /// Where the refusals with fixed text (`refusal-`, `refused-`) are written.
    const SOURCES: [&str; 25] = [
        include_str!("../admin/ops/clients.rs"),
        include_str!("../admin/ops/users.rs"),
        include_str!("../admin/ops/invitations.rs"),
        include_str!("../admin/ops/memberships.rs"),
        include_str!("../admin/ops/bodies.rs"),
        include_str!("../admin/ops/keys.rs"),
        include_str!("../policy/accounts.rs"),
        include_str!("../policy/delegation.rs"),
        include_str!("../policy/street_manager.rs"),
        include_str!("../sso/saml.rs"),
        include_str!("../admin/ops/user_activity.rs"),
        include_str!("../admin/ops/mod.rs"),
        include_str!("../admin/ops/connections/mod.rs"),
        include_str!("../admin/ops/connections/oidc.rs"),
        include_str!("../admin/ops/connections/saml.rs"),
        include_str!("../admin/ops/connections/check.rs"),
        include_str!("../admin/ops/user_list.rs"),
        include_str!("../admin/ops/import.rs"),
        include_str!("../admin/error.rs"),
        include_str!("../clients.rs"),
        include_str!("../oidc/authorize.rs"),
        include_str!("../oidc/end_session.rs"),
        include_str!("../web/account.rs"),
        include_str!("../jose.rs"),
        include_str!("../services/hasher.rs"),
    ];

    /// A change of wording where a refusal is written must be made in the catalogue too, or the
    /// page would silently fall back to English.
    #[test]
    fn fixed_refusals_are_still_written_where_they_arise() {
        let fixed = english(&["refusal-", "refused-"]);
        assert!(fixed.len() > 50);
        for (key, english) in fixed {
            // Each fixed part between the variable ones; long texts are split over lines in the
            // source, so their first words.
            for part in parts(english) {
                let Part::Text(text) = part else { continue };
                let text = text.trim_start_matches([';', ' ']);
                if text.len() < 3 {
                    continue;
                }
                let start: String = text.chars().take(40).collect();
                let start =
                    if start.len() < text.len() { start.rsplit_once(' ').map(|(s, _)| s.to_owned()).unwrap_or(start) } else { start };
                assert!(SOURCES.iter().any(|s| s.contains(&start)), "{start:?} of {key} is no longer written where it arises");
            }
            if english.contains("{ $") {
                let pattern = PATTERNS.iter().find(|p| p.key == key).unwrap();
                let mut en = Tr::plain(Lang::EnGb).msg(pattern.key);
                for part in &pattern.parts {
                    if let Part::Var(name) = part {
                        en = en.arg(name, sample(name));
                    }
                }
                let english = en.to_string();
                assert_ne!(say_in(Lang::CyGb, &english), english, "{key} in Welsh");
            } else {
                let english = Tr::plain(Lang::EnGb).get(key).0;
                assert_eq!(say_in(Lang::CyGb, &english), Tr::plain(Lang::CyGb).get(key).0, "{key} in Welsh");
            }
        }
        assert_eq!(say_in(Lang::CyGb, "parameter scope is repeated"), "parameter scope is repeated");
    }

    /// The reading `message` is said by: the key of its pattern.
    fn reading(message: &str) -> Option<&'static str> {
        let mut readings: Vec<(&Pattern, Parts)> =
            PATTERNS.iter().flat_map(|pattern| captures(pattern, message).into_iter().map(move |parts| (pattern, parts))).collect();
        readings.sort_by_key(|(_, parts)| parts.iter().map(|(_, v)| v.len()).sum::<usize>());
        readings.into_iter().find(|(pattern, parts)| said(Lang::CyGb, pattern, parts.clone()).is_some()).map(|(p, _)| p.key)
    }

    /// Every conflict the store can report reads in Welsh, and the catalogue's English for it is
    /// the store's own words (else a page would fall back to English).
    #[test]
    fn every_store_conflict_is_said_in_welsh() {
        use crate::store::{StoreError, Taken};
        let en = Tr::plain(Lang::EnGb);
        for taken in Taken::ALL {
            assert_eq!(en.get(taken.key()).0, taken.english(), "{}", taken.key());
            let message = crate::admin::AdminError::Store(StoreError::Conflict(taken)).public_message();
            let cy = say_in(Lang::CyGb, &message);
            let phrase = Tr::plain(Lang::CyGb).get(taken.key()).0;
            assert_eq!(cy, format!("Mae {phrase} yn bodoli eisoes."), "{message}");
        }
        assert_eq!(english(&["admin-taken-"]).len(), Taken::ALL.len(), "a phrase no conflict says");
        assert_eq!(say_in(Lang::CyGb, "A body with that name already exists."), "Mae sefydliad â’r enw hwnnw yn bodoli eisoes.");
        // Not a conflict the store reports: left as it is.
        assert_eq!(say_in(Lang::CyGb, "A unicorn already exists."), "A unicorn already exists.");
    }

    /// Each kind of unusable JWK set has its own message, said in Welsh inside the client form's
    /// refusal; the catalogue's English is the words `jose` says.
    #[test]
    fn jwk_problems_are_said_in_welsh() {
        let en = Tr::plain(Lang::EnGb);
        let mut problems: Vec<crate::jose::JoseError> =
            crate::jose::JwkProblem::samples().into_iter().map(crate::jose::JoseError::Jwk).collect();
        problems.push(crate::jose::JoseError::Alg("HS256".into()));
        for e in problems {
            let words = e.to_string();
            assert_eq!(reading(&words), Some(key_of(&e)), "{words}");
            let message = format!("The public keys cannot be used: {words}.");
            assert_eq!(reading(&message), Some("admin-refusal-jwks-unusable"), "{message}");
            let cy = say_in(Lang::CyGb, &message);
            assert!(cy.starts_with("Nid oes modd defnyddio’r allweddi cyhoeddus: ") && !cy.contains(&words), "{cy}");
            assert!(i18n::has(Lang::EnGb, key_of(&e)));
        }
        // The English of each key, with the parts filled in, is jose's own.
        let p = crate::jose::JwkProblem::Missing("crv");
        assert_eq!(en.msg(p.key()).arg("member", "crv").to_string(), p.to_string());
        assert_eq!(
            say_in(Lang::CyGb, "The public keys cannot be used: key type \"o.k\" is not accepted: use RSA or EC (P-256)."),
            "Nid oes modd defnyddio’r allweddi cyhoeddus: ni dderbynnir y math o allwedd \"o.k\": defnyddiwch RSA neu EC (P-256)."
        );
    }

    /// An IdP's metadata refused for what it holds: the sentence the connection form shows is the
    /// SAML module's own English, so every reason it can give must have its Welsh reading.
    #[test]
    fn metadata_problems_are_said_in_welsh() {
        use crate::saml::certs::CertError;
        use crate::saml::metadata::MetadataError;
        use crate::sso::saml::SamlAdminError;
        let fixed = [
            MetadataError::NoIdp,
            MetadataError::NoEntityId,
            MetadataError::NoRedirectSso,
            MetadataError::NoSigningCertificate,
            MetadataError::Certificate(CertError::Encoding),
            MetadataError::Certificate(CertError::Parse),
            MetadataError::Certificate(CertError::KeyType),
            MetadataError::Certificate(CertError::KeySize),
        ];
        for e in fixed {
            let english = SamlAdminError::Metadata(e).to_string();
            let cy = say_in(Lang::CyGb, &english);
            assert!(cy.starts_with("Nid oes modd defnyddio metadata’r IdP: ") && !cy.contains("the "), "{english} -> {cy}");
        }
        let xml = crate::saml::metadata::parse_idp("<unclosed").unwrap_err();
        let english = SamlAdminError::Metadata(xml).to_string();
        assert!(
            say_in(Lang::CyGb, &english).starts_with("Nid oes modd defnyddio metadata’r IdP: nid yw’r metadata yn XML darllenadwy: "),
            "{english}"
        );
    }

    /// A value typed into a refusal that repeats the words after each of its variables would
    /// make the splits multiply: the lookup gives up (the English is shown) instead of trying
    /// them all, and a message longer than any refusal is not looked up at all.
    #[test]
    fn values_repeating_a_refusals_words_are_bounded() {
        let value = " has no role x; it has: y".repeat(80);
        let message = format!("Org{value} has no role r; it has: z{value}");
        assert!(message.len() < MAX_MESSAGE_BYTES);
        for pattern in PATTERNS.iter() {
            let mut steps = 0;
            walk(&pattern.parts, &message, &mut Vec::new(), &mut Vec::new(), &mut steps);
            assert!(steps <= MAX_STEPS + 1, "{}: {steps} steps", pattern.key);
        }
        let _ = say_in(Lang::CyGb, &message);
        let long = format!("{} has no role r; it has: z", "x".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(say_in(Lang::CyGb, &long), long);
        // An ordinary one is still read.
        let plain = "Islington has no role Planner; it has: Admin";
        assert_ne!(say_in(Lang::CyGb, plain), plain);
    }

    fn key_of(e: &crate::jose::JoseError) -> &'static str {
        match e {
            crate::jose::JoseError::Jwk(p) => p.key(),
            _ => "refusal-jwk-alg",
        }
    }

    /// An address the admin forms refuse (ban, membership, user, invitation) is refused in the
    /// page's language: `EmailError`'s words are the catalogue's `problem-email-*`.
    #[test]
    fn email_problems_are_said_in_welsh() {
        use crate::email::EmailError;
        for e in [EmailError::Empty, EmailError::Malformed, EmailError::TooLong, EmailError::Invisible, EmailError::MixedScript] {
            let words = e.to_string();
            let key = reading(&words).unwrap_or_else(|| panic!("{words}"));
            assert!(key.starts_with("problem-email-"), "{key}");
            assert_eq!(say_in(Lang::CyGb, &words), Tr::plain(Lang::CyGb).get(key).0);
            assert_ne!(say_in(Lang::CyGb, &words), words);
        }
    }

    /// Every refusal the delegation rules give (every action, kind of member and of
    /// organisation, for actors holding each role template's and each single permission, in the
    /// organisation, in a suspended one, in the one it works for, or elsewhere) is said in Welsh.
    #[test]
    fn every_delegation_refusal_is_said_in_welsh() {
        use std::collections::BTreeSet;

        use crate::policy::delegation::{Action, Actor, BodyKind, MemberKind, Membership, Target, check_grant, decide};
        let cat = crate::catalogue::Catalogue::builtin().unwrap();
        let mut sets: Vec<BTreeSet<String>> = vec![BTreeSet::new()];
        sets.extend(cat.role_templates.iter().map(|t| t.permissions.iter().cloned().collect()));
        sets.extend(cat.permissions.iter().map(|p| BTreeSet::from([p.key.clone()])));
        let granting: Vec<BTreeSet<String>> =
            vec![BTreeSet::new(), BTreeSet::from(["sm:admin_user_permissions".to_owned()]), BTreeSet::from(["fms:report_edit".to_owned()])];
        let members = [
            MemberKind::Staff,
            MemberKind::StaffManager,
            MemberKind::Planner,
            MemberKind::HighwayAuthority,
            MemberKind::Contractor,
            MemberKind::Admin,
        ];
        let principals = vec!["p".to_owned()];
        let mut refusals = BTreeSet::new();
        for kind in BodyKind::ALL.iter().copied() {
            let target = Target { body_id: "t", body_kind: kind, principals: &principals };
            let mut actors = vec![Actor::default()];
            for perms in &sets {
                for (body_id, body_kind, active) in
                    [("t", kind, true), ("t", kind, false), ("p", BodyKind::Promoter, true), ("x", kind, true)]
                {
                    let m = Membership { body_id: body_id.into(), body_kind, active, permissions: perms.clone() };
                    actors.push(Actor { superuser: false, memberships: vec![m] });
                }
            }
            for actor in &actors {
                let mut actions = vec![
                    Action::ManageWorkstreams,
                    Action::ManageAreas,
                    Action::LinkContractor,
                    Action::EditOrganisation,
                    Action::ExportOrganisation,
                    Action::ViewAudit,
                    Action::ViewMembers,
                    Action::ManageAllUsers,
                    Action::ManageAdmins,
                    Action::ManageBodies,
                    Action::ManageClients,
                    Action::ManageConnections,
                    Action::SetSuperuser,
                    Action::Ban,
                    Action::ManageCatalogue,
                ];
                for m in members {
                    actions.extend([Action::AddUser(m), Action::RemoveUser(m), Action::EditUser(m)]);
                    actions.extend(granting.iter().map(|g| Action::SetPermissions { kind: m, granting: g }));
                }
                actions.extend(granting.iter().map(|g| Action::ManageRoles { granting: g }));
                for action in actions {
                    if let Err(d) = decide(actor, action, Some(&target)) {
                        refusals.insert(d.0);
                    }
                }
                if let Err(d) = decide(actor, Action::ManageWorkstreams, None) {
                    refusals.insert(d.0);
                }
                for g in &granting {
                    if let Err(d) = check_grant(actor, &target, g) {
                        refusals.insert(d.0);
                    }
                }
            }
        }
        assert!(refusals.len() > 40, "{}", refusals.len());
        let english: Vec<&String> = refusals.iter().filter(|r| say_in(Lang::CyGb, r) == **r).collect();
        assert!(english.is_empty(), "still in English on a Welsh page: {english:#?}");
    }

    /// The account rules (who may create which address), Street Manager's role rules and an
    /// import's password hash limits refuse in Welsh on the user, membership and import pages.
    #[test]
    fn account_role_and_hash_refusals_are_said_in_welsh() {
        use crate::policy::accounts::{ConnectionOwner, DomainOwners, check_new_account, check_password};
        use crate::policy::street_manager::RoleRuleViolation as V;
        let d = "x.example";
        let sso = |body_id, required| Some(ConnectionOwner { body_id, required });
        let mut refusals = vec![
            check_password(d, &DomainOwners { body_id: None, connection: sso("b", true) }),
            check_new_account(false, None, d, &DomainOwners::default()),
            check_new_account(false, Some("a"), d, &DomainOwners { body_id: None, connection: sso("b", false) }),
            check_new_account(false, Some("a"), d, &DomainOwners { body_id: Some("b"), connection: None }),
            check_new_account(false, Some("a"), d, &DomainOwners::default()),
        ]
        .into_iter()
        .map(|r| r.err().map(|d| d.0).unwrap_or_default())
        .collect::<Vec<_>>();
        refusals.extend(
            [
                V::MoreThanOneKind("Planner", "Contractor"),
                V::UiWithApi,
                V::AdminWithApi,
                V::ContractorWithStreetWorksAdmin,
                V::StreetWorksAdminAlone,
            ]
            .iter()
            .map(ToString::to_string),
        );
        for r in &refusals {
            assert!(!r.is_empty());
            assert_ne!(&say_in(Lang::CyGb, r), r, "still in English on a Welsh page");
        }
        assert_eq!(
            say_in(Lang::CyGb, &refusals[4]),
            "Dim ond cyfrifon â chyfeiriad yn un o barthau e-bost eich sefydliad y gallwch eu creu, ac nid yw x.example yn un ohonynt; \
             gwahoddwch yr unigolyn fel aelod drwy e-bost yn lle hynny."
        );
        // An import row's hash, with the limit's own reason inside.
        assert_eq!(
            say_in(
                Lang::CyGb,
                "the bcrypt hash has cost 14; the most accepted is 12 ([password] max_bcrypt_cost); such a hash would stall sign-in for everyone"
            ),
            "cost y stwnsh bcrypt yw 14; yr uchafswm a dderbynnir yw 12 ([password] max_bcrypt_cost); byddai stwnsh o’r fath yn arafu mewngofnodi i bawb"
        );
        assert_eq!(
            say_in(Lang::CyGb, "\"nope\" is not a usable email address: Enter an email address in the form name@example.org."),
            "nid oes modd defnyddio \"nope\" fel cyfeiriad e-bost: Rhowch gyfeiriad e-bost yn y ffurf enw@enghraifft.org."
        );
    }

    #[test]
    fn every_refusal_pattern_reads_back_as_itself_in_english() {
        assert!(PATTERNS.len() > 30);
        for p in PATTERNS.iter() {
            let mut en = Tr::plain(Lang::EnGb).msg(p.key);
            for part in &p.parts {
                if let Part::Var(name) = part {
                    en = en.arg(name, sample(name));
                }
            }
            let text = en.to_string();
            assert!(!captures(p, &text).is_empty(), "{} does not match its own English text {text:?}", p.key);
            assert_ne!(say_in(Lang::CyGb, &text), text, "{} is not said in Welsh", p.key);
        }
        for (name, texts) in PHRASE_TEXTS.iter() {
            assert!(texts.len() >= 2, "{name}");
            for (key, _) in texts {
                assert!(i18n::has(Lang::CyGb, key), "{key}");
            }
        }
    }
}
