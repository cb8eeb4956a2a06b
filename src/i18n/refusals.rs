//! The admin service layer's refusals and bad-input messages, said in the page's language.
//!
//! `admin::ops` words its refusals in English (the admin API's JSON and the CLI show them as
//! they are). A page recognises one by the English text of its catalogue message
//! (`admin-refusal-*`, `admin-invalid-*`, `admin-conflict-*` in locales/en-GB/admin.ftl), whose
//! `{ $name }` placeables stand for the variable parts, and says that message in the page's
//! language with the same parts. A message the catalogue does not know is shown as it is.
//! Two parts are themselves said: `$reason` (a refusal quoted in another) and `$what` (what the
//! actor may not do, one of the `admin-what-*` phrases); a `$what` the catalogue does not know
//! leaves the whole message in English rather than half translated.

use std::sync::LazyLock;

use crate::i18n::{self, Lang, Tr};

/// Keys of messages that are the English text of a refusal written elsewhere: the organisation
/// pages' (`admin.ftl`), the people and connections pages' (`refusal-`, `admin-people.ftl`) and
/// the sign-in and sign-out error pages' (`refused-`, `refusals.ftl`).
const PREFIXES: [&str; 5] = ["admin-refusal-", "admin-invalid-", "admin-conflict-", "refusal-", "refused-"];

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
fn english(prefixes: &[&str]) -> Vec<(&'static str, &'static str)> {
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

/// What an actor may not do ("manage relying apps"): English text → key.
static WHAT: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| english(&["admin-what-"]));

/// The variable parts of `message` if it is `pattern`'s text.
fn captures(pattern: &Pattern, message: &str) -> Option<Vec<(&'static str, String)>> {
    let mut rest = message;
    let mut got = Vec::new();
    for (i, part) in pattern.parts.iter().enumerate() {
        match part {
            Part::Text(text) => rest = rest.strip_prefix(text)?,
            Part::Var(name) => {
                let end = match pattern.parts.get(i + 1) {
                    Some(Part::Text(next)) => rest.find(next)?,
                    Some(Part::Var(_)) => return None,
                    None => rest.len(),
                };
                let value = rest.get(..end).filter(|v| !v.is_empty())?;
                got.push((*name, value.to_owned()));
                rest = rest.get(end..)?;
            }
        }
    }
    rest.is_empty().then_some(got)
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
    let mut readings: Vec<(&Pattern, Vec<(&'static str, String)>)> =
        PATTERNS.iter().filter_map(|pattern| Some((pattern, captures(pattern, message)?))).collect();
    readings.sort_by_key(|(_, parts)| parts.iter().map(|(_, v)| v.len()).sum::<usize>());
    readings.into_iter().find_map(|(pattern, parts)| said(lang, pattern, parts))
}

fn said(lang: Lang, pattern: &Pattern, parts: Vec<(&'static str, String)>) -> Option<String> {
    let t = Tr::plain(lang);
    let mut msg = t.msg(pattern.key);
    for (name, value) in parts {
        let value = match name {
            // A refusal quoted inside another ("…, and there: REASON").
            // Only if the quoted part is itself a known refusal: otherwise this reading is wrong
            // (a value someone typed that happens to hold this pattern's words), and the next
            // pattern is tried.
            "reason" => known(lang, &value)?,
            "what" => WHAT.iter().find(|(_, text)| *text == value).map(|(key, _)| t.get(key).0)?,
            _ => value,
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

    /// Where the refusals with fixed text (`refusal-`, `refused-`) are written.
    const SOURCES: [&str; 23] = [
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
                assert_ne!(say_in(Lang::CyGb, english), english, "{key} in Welsh");
            } else {
                let english = Tr::plain(Lang::EnGb).get(key).0;
                assert_eq!(say_in(Lang::CyGb, &english), Tr::plain(Lang::CyGb).get(key).0, "{key} in Welsh");
            }
        }
        assert_eq!(say_in(Lang::CyGb, "parameter scope is repeated"), "parameter scope is repeated");
    }

    #[test]
    fn every_refusal_pattern_reads_back_as_itself_in_english() {
        assert!(PATTERNS.len() > 30);
        for p in PATTERNS.iter() {
            let mut en = Tr::plain(Lang::EnGb).msg(p.key);
            for part in &p.parts {
                if let Part::Var(name) = part {
                    let value = match *name {
                        "what" => "manage relying apps".to_owned(),
                        "reason" => "Only a superuser can do this.".to_owned(),
                        _ => format!("<{name}>"),
                    };
                    en = en.arg(name, value);
                }
            }
            let text = en.to_string();
            assert!(captures(p, &text).is_some(), "{} does not match its own English text {text:?}", p.key);
            assert_ne!(say_in(Lang::CyGb, &text), text, "{} is not said in Welsh", p.key);
        }
        assert!(WHAT.len() > 20);
        for (key, _) in WHAT.iter() {
            assert!(i18n::has(Lang::CyGb, key), "{key}");
        }
    }
}
