//! Languages (issue 18): English (en-GB) and Welsh (cy-GB). Every person-facing string of the
//! pages and emails comes from the Project Fluent catalogues in `locales/` (compiled in), through
//! a [`Tr`] each template holds as its field `t`: `t.get("key")`, `t.msg("key").arg("name", v)`,
//! `t.n("key", count)` (CLDR plural rules: Welsh has zero/one/two/few/many/other).
//!
//! Which language a request is answered in is decided per request (see [`Choice`]): the OIDC
//! `ui_locales` of the authorization request being signed in to, the person's saved preference,
//! the language link's cookie, `Accept-Language`, then `[ui] default_language`. The web edge
//! puts what it knows into a task-local [`scope`] around each request; the extractor that finds
//! the signed-in user adds the saved preference ([`note_saved`]); templates and emails built
//! during the request read the result with [`current`]. No HTTP types here.

pub mod refusals;

use std::cell::Cell;
use std::fmt;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language Stile speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    EnGb,
    CyGb,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::EnGb, Lang::CyGb];

    /// The BCP 47 tag Stile names it by (`ui_locales_supported`, the `locale` claim, storage).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::EnGb => "en-GB",
            Lang::CyGb => "cy-GB",
        }
    }

    /// The page's `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::EnGb => "en-GB",
            Lang::CyGb => "cy",
        }
    }

    /// The short code used in the language link (`/language?lang=cy`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::EnGb => "en",
            Lang::CyGb => "cy",
        }
    }

    /// The other language (the one the language link offers).
    pub fn other(self) -> Lang {
        match self {
            Lang::EnGb => Lang::CyGb,
            Lang::CyGb => Lang::EnGb,
        }
    }

    /// The language's own name, as the link offering it says.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::EnGb => "English",
            Lang::CyGb => "Cymraeg",
        }
    }

    /// A language tag or code Stile can answer in: any English or Welsh tag (`en`, `en-US`,
    /// `cy`, `CY-gb`), matched on its primary subtag. Anything else is `None`.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim();
        if tag.len() > 35 {
            return None;
        }
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::EnGb)
        } else if primary.eq_ignore_ascii_case("cy") {
            Some(Lang::CyGb)
        } else {
            None
        }
    }

    /// The first supported language of an OIDC `ui_locales` value (space-separated tags in order
    /// of preference).
    pub fn from_ui_locales(value: &str) -> Option<Lang> {
        value.split_ascii_whitespace().take(20).find_map(Lang::parse)
    }

    /// The supported language an `Accept-Language` header prefers most (ties: the first listed);
    /// `q=0` refuses a language.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, u32)> = None;
        for item in header.split(',').take(30) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else { continue };
            let mut q = 1000u32;
            for p in parts {
                if let Some(v) = p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")) {
                    q = v.trim().parse::<f32>().ok().filter(|f| (0.0..=1.0).contains(f)).map(|f| (f * 1000.0) as u32).unwrap_or(0);
                }
            }
            if q > 0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }
}

/// What is known about a request's language, in order of precedence.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choice {
    /// `ui_locales` of the authorization request being signed in to.
    pub ui_locales: Option<Lang>,
    /// The signed-in person's saved preference.
    pub saved: Option<Lang>,
    /// The language link's cookie.
    pub cookie: Option<Lang>,
    /// The browser's `Accept-Language`.
    pub accept: Option<Lang>,
    /// The deployment's `[ui] default_language`.
    pub default: Lang,
}

impl Choice {
    pub fn resolve(&self) -> Lang {
        self.ui_locales.or(self.saved).or(self.cookie).or(self.accept).unwrap_or(self.default)
    }
}

struct RequestLang {
    choice: Cell<Choice>,
    /// Where the language link returns to: this page (a path and query on this site).
    here: Here,
}

/// Works out where the language link returns to, when a page asks.
pub type HereFn = Box<dyn Fn() -> String + Send + Sync>;

enum Here {
    Known(String),
    /// Worked out only if a page asks for it: most answers (a token, the discovery document, an
    /// API call) show no language link, and working it out parses URLs. Boxed, which for the
    /// usual closure (nothing captured) allocates nothing: this is on every request's path.
    Later(HereFn),
}

tokio::task_local! {
    static REQUEST: RequestLang;
}

/// Runs `f` (a request) with `choice` as what is known of its language; `here` is the page
/// the language link returns to. Returns its output and what was known of the language at its
/// end (a pushed authorization request's `ui_locales` is only known once it has been read).
pub async fn scope<F: std::future::Future>(choice: Choice, here: String, f: F) -> (F::Output, Choice) {
    scope_with(choice, Here::Known(here), f).await
}

/// As [`scope`], with the language link's page worked out by `here` only if a page asks.
pub async fn scope_lazy<F: std::future::Future>(choice: Choice, here: HereFn, f: F) -> (F::Output, Choice) {
    scope_with(choice, Here::Later(here), f).await
}

async fn scope_with<F: std::future::Future>(choice: Choice, here: Here, f: F) -> (F::Output, Choice) {
    REQUEST
        .scope(RequestLang { choice: Cell::new(choice), here }, async {
            let out = f.await;
            (out, REQUEST.with(|r| r.choice.get()))
        })
        .await
}

/// `f` as part of the request being answered when it runs on a task of its own (a task-local
/// does not cross a spawn): with the request's language and language link, and with what `f`
/// learnt of the language handed back at its end, for the request to take up with
/// [`take_up`] (`None` outside a request).
pub fn carried<F: std::future::Future>(f: F) -> impl std::future::Future<Output = (F::Output, Option<Choice>)> {
    // The link's page is worked out here, if it was left for later: the closure cannot be
    // shared without an allocation on every request's path, and these tasks are a few checks
    // that hash a password or read a code anyway.
    let known = REQUEST.try_with(|r| (r.choice.get(), here_of(r))).ok();
    async move {
        match known {
            Some((choice, here)) => {
                let (out, end) = scope(choice, here, f).await;
                (out, Some(end))
            }
            None => (f.await, None),
        }
    }
}

/// What a [`carried`] task learnt of the request's language, taken up by the request.
pub fn take_up(end: Option<Choice>) {
    if let Some(choice) = end {
        let _ = REQUEST.try_with(|r| r.choice.set(choice));
    }
}

/// The language of the request being answered; outside a request, English.
pub fn current() -> Lang {
    REQUEST.try_with(|r| r.choice.get().resolve()).unwrap_or_default()
}

/// The signed-in person's saved preference, once the request has found them.
pub fn note_saved(lang: Option<Lang>) {
    let _ = REQUEST.try_with(|r| {
        let mut v = r.choice.get();
        v.saved = lang;
        r.choice.set(v);
    });
}

/// The `ui_locales` of the authorization request being answered, when it comes from elsewhere
/// than the request's query (a pushed request's, read from storage).
pub fn note_ui_locales(lang: Option<Lang>) {
    let _ = REQUEST.try_with(|r| {
        let mut v = r.choice.get();
        v.ui_locales = lang;
        r.choice.set(v);
    });
}

/// The page the language link returns to.
pub fn here() -> String {
    REQUEST.try_with(here_of).unwrap_or_else(|_| "/".to_owned())
}

fn here_of(r: &RequestLang) -> String {
    match &r.here {
        Here::Known(h) => h.clone(),
        Here::Later(f) => f(),
    }
}

/// The language for a message to someone: their saved preference, else the language of the
/// page they are using (a request they made themselves).
pub fn for_person(saved: Option<&str>) -> Lang {
    saved.and_then(Lang::parse).unwrap_or_else(current)
}

/// The language for a message someone did not ask for themselves (an invitation, a welcome, a
/// notice or sign-in email an administrator caused, mail sent from the command line): their
/// saved preference, else `default` (the deployment's `[ui] default_language`), never the
/// language of whoever caused it.
pub fn for_recipient(saved: Option<&str>, default: Lang) -> Lang {
    saved.and_then(Lang::parse).unwrap_or(default)
}

struct Catalogues {
    en: FluentBundle<FluentResource>,
    cy: FluentBundle<FluentResource>,
}

/// The catalogue files, compiled in. `scripts/check_locales.py` checks both languages have the
/// same keys and that every key used exists.
pub const EN_GB_FILES: [(&str, &str); 9] = [
    ("pages.ftl", include_str!("../locales/en-GB/pages.ftl")),
    ("account.ftl", include_str!("../locales/en-GB/account.ftl")),
    ("emails.ftl", include_str!("../locales/en-GB/emails.ftl")),
    ("admin.ftl", include_str!("../locales/en-GB/admin.ftl")),
    ("admin-people.ftl", include_str!("../locales/en-GB/admin-people.ftl")),
    ("refusals.ftl", include_str!("../locales/en-GB/refusals.ftl")),
    ("catalogue.ftl", include_str!("../locales/en-GB/catalogue.ftl")),
    ("refusals-rules.ftl", include_str!("../locales/en-GB/refusals-rules.ftl")),
    ("pages-more.ftl", include_str!("../locales/en-GB/pages-more.ftl")),
];
pub const CY_FILES: [(&str, &str); 9] = [
    ("pages.ftl", include_str!("../locales/cy/pages.ftl")),
    ("account.ftl", include_str!("../locales/cy/account.ftl")),
    ("emails.ftl", include_str!("../locales/cy/emails.ftl")),
    ("admin.ftl", include_str!("../locales/cy/admin.ftl")),
    ("admin-people.ftl", include_str!("../locales/cy/admin-people.ftl")),
    ("refusals.ftl", include_str!("../locales/cy/refusals.ftl")),
    ("catalogue.ftl", include_str!("../locales/cy/catalogue.ftl")),
    ("refusals-rules.ftl", include_str!("../locales/cy/refusals-rules.ftl")),
    ("pages-more.ftl", include_str!("../locales/cy/pages-more.ftl")),
];

fn bundle(lang: &str, files: &[(&str, &str)]) -> FluentBundle<FluentResource> {
    let id = lang.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around placeables: the pages are all left-to-right, and the
    // marks would end up in addresses and links people copy.
    bundle.set_use_isolating(false);
    for (name, text) in files {
        let res = match FluentResource::try_new((*text).to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(catalogue = %lang, file = %name, errors = errors.len(), "catalogue has syntax errors");
                r
            }
        };
        if let Err(errors) = bundle.add_resource(res) {
            tracing::error!(catalogue = %lang, file = %name, errors = errors.len(), "catalogue has duplicate keys");
        }
    }
    bundle
}

static CATALOGUES: LazyLock<Catalogues> =
    LazyLock::new(|| Catalogues { en: bundle("en-GB", &EN_GB_FILES), cy: bundle("cy-GB", &CY_FILES) });

/// Parses the catalogues now rather than at the first page (`server::serve` calls it at start).
pub fn load() {
    LazyLock::force(&CATALOGUES);
}

fn format(lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
    let cat = &*CATALOGUES;
    let bundle = match lang {
        Lang::EnGb => &cat.en,
        Lang::CyGb => &cat.cy,
    };
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(key, lang = lang.tag(), "message missing from the catalogue");
        return key.to_owned();
    };
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, args, &mut errors).into_owned();
    if !errors.is_empty() {
        tracing::warn!(key, lang = lang.tag(), errors = errors.len(), "message formatted with errors");
    }
    out
}

/// A permission's label or a role template's name as Stile ships it (`config/catalogue.toml`,
/// said in `locales/*/catalogue.ftl`), in `lang`. `stored` is what the database holds: when it
/// is no longer the shipped English (a superuser changed it), it is theirs and shown as it is.
pub fn shipped_label(lang: Lang, kind: ShippedLabel, key: &str, stored: &str) -> String {
    let prefix = match kind {
        ShippedLabel::Permission => "perm-",
        ShippedLabel::RoleTemplate => "role-template-",
    };
    let id = format!("{prefix}{}", key.replace([':', '_'], "-"));
    if lang == Lang::EnGb || !has(Lang::EnGb, &id) || format(Lang::EnGb, &id, None) != stored {
        return stored.to_owned();
    }
    format(lang, &id, None)
}

/// Which of the catalogue's shipped labels [`shipped_label`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShippedLabel {
    Permission,
    RoleTemplate,
}

/// Whether `key` is in the catalogue of `lang` (tests and checks).
pub fn has(lang: Lang, key: &str) -> bool {
    let cat = &*CATALOGUES;
    match lang {
        Lang::EnGb => cat.en.has_message(key),
        Lang::CyGb => cat.cy.has_message(key),
    }
}

/// A count for plural selection and display.
pub trait Count {
    fn count(&self) -> i64;
}

macro_rules! count_small {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::from(*self)
            }
        }
    )*};
}
count_small!(u32, i32, u16, u8);

impl Count for i64 {
    fn count(&self) -> i64 {
        *self
    }
}

macro_rules! count_large {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_large!(u64, usize);

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// The translator templates use (`t`): `t.get("key")`, `t.msg("key").arg("name", v)`,
/// `t.n("key", count)`. In HTML (the default) the catalogue's own text may hold markup and is
/// not escaped; arguments are. [`Tr::plain`] is for text: email text parts and strings built in
/// Rust that a template escapes itself.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
    html: bool,
}

impl Default for Tr {
    fn default() -> Self {
        Tr { lang: Lang::default(), html: true }
    }
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang, html: true }
    }

    /// For plain text: arguments are not escaped.
    pub fn plain(lang: Lang) -> Tr {
        Tr { lang, html: false }
    }

    /// In the language of the request being answered.
    pub fn current() -> Tr {
        Tr::new(current())
    }

    /// The message `key`, which takes no arguments.
    pub fn get(&self, key: &str) -> Text {
        Text(format(self.lang, key, None))
    }

    /// The message `key` with arguments added by [`Msg::arg`] and [`Msg::num`].
    pub fn msg(&self, key: &'static str) -> Msg {
        Msg { lang: self.lang, html: self.html, key, args: Vec::new() }
    }

    /// The message `key` with `$count` (plural forms).
    pub fn n(&self, key: &'static str, count: impl Count) -> Msg {
        self.msg(key).num("count", count)
    }

    /// `<html lang>` of the page.
    pub fn html_lang(&self) -> &'static str {
        self.lang.html_lang()
    }

    /// The language the language link offers.
    pub fn other(&self) -> Lang {
        self.lang.other()
    }

    /// The page the language link returns to.
    pub fn here(&self) -> String {
        here()
    }
}

/// A catalogue message's text (ours, so safe to put in a page as it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Text {}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

/// A message with arguments. In HTML its arguments are escaped and its own text is not.
pub struct Msg {
    lang: Lang,
    html: bool,
    key: &'static str,
    args: Vec<(&'static str, FluentValue<'static>)>,
}

impl Msg {
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Msg {
        let value = if self.html { escape_html(&value.to_string()) } else { value.to_string() };
        self.args.push((name, FluentValue::from(value)));
        self
    }

    pub fn num(mut self, name: &'static str, value: impl Count) -> Msg {
        self.args.push((name, FluentValue::from(value.count())));
        self
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut args = FluentArgs::new();
        for (n, v) in &self.args {
            args.set(*n, v.clone());
        }
        f.write_str(&format(self.lang, self.key, Some(&args)))
    }
}

impl askama::filters::HtmlSafe for Msg {}

/// As askama escapes (the same entities, so a page reads the same whichever way a value reached it).
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_without_errors() {
        for (lang, files) in [("en-GB", &EN_GB_FILES), ("cy", &CY_FILES)] {
            let mut bundle = FluentBundle::new_concurrent(vec![lang.parse().unwrap()]);
            for (name, text) in files.iter() {
                let res = FluentResource::try_new((*text).to_owned());
                assert!(res.is_ok(), "{lang}/{name} has syntax errors");
                // A key defined twice (in one file or across files) is kept once and logged as an
                // error at every start.
                if let Ok(res) = res {
                    assert!(bundle.add_resource(res).is_ok(), "{lang}/{name} defines a key another file (or itself) defines");
                }
            }
        }
    }

    #[test]
    fn welsh_recovery_code_plurals() {
        let t = Tr::new(Lang::CyGb);
        let got: Vec<String> = [0, 1, 2, 3, 6, 10].iter().map(|n| t.n("security-recovery-left", *n).to_string()).collect();
        assert_eq!(
            got,
            [
                "Mae gennych 0 cod adfer heb eu defnyddio.",
                "Mae gennych 1 cod adfer heb ei ddefnyddio.",
                "Mae gennych 2 god adfer heb eu defnyddio.",
                "Mae gennych 3 chod adfer heb eu defnyddio.",
                "Mae gennych 6 chod adfer heb eu defnyddio.",
                "Mae gennych 10 cod adfer heb eu defnyddio.",
            ]
        );
        let en = Tr::new(Lang::EnGb);
        assert_eq!(en.n("security-recovery-left", 1).to_string(), "You have 1 unused recovery code.");
        assert_eq!(en.n("security-recovery-left", 0).to_string(), "You have 0 unused recovery codes.");
        assert_eq!(en.n("security-recovery-left", 10).to_string(), "You have 10 unused recovery codes.");
    }

    #[test]
    fn language_negotiation() {
        assert_eq!(Lang::from_ui_locales("fr cy-GB en"), Some(Lang::CyGb));
        assert_eq!(Lang::from_ui_locales("fr de"), None);
        assert_eq!(Lang::from_accept_language("cy"), Some(Lang::CyGb));
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9,cy;q=0.8"), Some(Lang::EnGb));
        assert_eq!(Lang::from_accept_language("fr, cy;q=0.5, en;q=0.4"), Some(Lang::CyGb));
        assert_eq!(Lang::from_accept_language("cy;q=0, en;q=0.1"), Some(Lang::EnGb));
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(Lang::parse("CY_gb"), Some(Lang::CyGb));
        assert_eq!(Lang::parse("cym"), None);
        let c = Choice { saved: Some(Lang::CyGb), accept: Some(Lang::EnGb), ..Choice::default() };
        assert_eq!(c.resolve(), Lang::CyGb);
        let c = Choice { ui_locales: Some(Lang::EnGb), saved: Some(Lang::CyGb), ..Choice::default() };
        assert_eq!(c.resolve(), Lang::EnGb);
        assert_eq!(Choice { default: Lang::CyGb, ..Choice::default() }.resolve(), Lang::CyGb);
    }

    #[test]
    fn html_arguments_are_escaped() {
        let t = Tr::new(Lang::EnGb);
        let html = t.msg("check-email-intro").arg("email", "<b>x</b>@example.org").arg("site", "S").num("minutes", 15).to_string();
        assert!(html.contains("<strong>&#60;b&#62;x&#60;/b&#62;@example.org</strong>"), "{html}");
        let text =
            Tr::plain(Lang::EnGb).msg("check-email-intro").arg("email", "a&b@example.org").arg("site", "S").num("minutes", 1).to_string();
        assert!(text.contains("a&b@example.org"), "{text}");
    }

    /// Every permission and role template Stile ships is said in both languages, the English
    /// being the catalogue's own words; a label a superuser changed is shown as they wrote it.
    #[test]
    fn shipped_labels_are_said_in_welsh() {
        let cat = crate::catalogue::Catalogue::builtin().unwrap();
        let mut ids = std::collections::HashSet::new();
        let all = cat.permissions.iter().map(|p| (ShippedLabel::Permission, &p.key, &p.label, "perm-"));
        let all = all.chain(cat.role_templates.iter().map(|t| (ShippedLabel::RoleTemplate, &t.key, &t.name, "role-template-")));
        for (kind, key, english, prefix) in all {
            assert!(ids.insert(format!("{prefix}{}", key.replace([':', '_'], "-"))), "{key} shares its message");
            assert_eq!(shipped_label(Lang::EnGb, kind, key, english), *english);
            let welsh = shipped_label(Lang::CyGb, kind, key, english);
            assert_ne!(&welsh, english, "{key} in Welsh");
            assert_eq!(shipped_label(Lang::CyGb, kind, key, "Our own name"), "Our own name");
        }
        assert_eq!(ids.len(), cat.permissions.len() + cat.role_templates.len());
        assert_eq!(shipped_label(Lang::CyGb, ShippedLabel::Permission, "fms:report_edit", "Edit reports"), "Golygu adroddiadau");
        assert_eq!(shipped_label(Lang::CyGb, ShippedLabel::Permission, "xx:added_later", "Added later"), "Added later");
    }
}
