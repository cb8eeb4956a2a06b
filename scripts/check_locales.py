#!/usr/bin/env python3
"""Check Stile's message catalogues (locales/en-GB/*.ftl and locales/cy/*.ftl, issue 18).

Standard library only. Fails (exit 1, one line per problem on stderr) when:

* a key is used in a template or in Rust (`t.get("k")`, `t.msg("k")`, `t.n("k", ..)`,
  `text("k")`, and the key literals of src/web/say.rs and src/web/sso.rs) but is missing from
  either language;
* a key exists in one language only, or a file exists in one language only;
* a Welsh message uses a variable the English one does not have (it would print an error);
* a template that has been converted contains a literal person-facing string: text between tags
  or in an aria-label, title, alt or placeholder attribute that is not a `{{ ... }}` expression.
  Templates not converted yet are listed in NOT_CONVERTED below, so the gap stays visible;
* in the converted admin handlers (ADMIN_KEY_FILES), a key named there (a filter's label, a
  bulk action's question) is missing, or a web handler holds a literal English sentence;
* a refusal written in English in the admin service layer or the policy (src/admin/ops,
  src/policy: `AdminError::Forbidden/Conflict/invalid`, `deny`, `Denied`, `Err(format!(..))`,
  thiserror `#[error]` texts) has no catalogue message whose English is its text, so an admin
  page in Welsh would show it in English (see src/i18n/refusals.rs).

Usage:  python3 scripts/check_locales.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGS = ("en-GB", "cy")
TEMPLATES = ROOT / "templates"
SRC = ROOT / "src"

# Templates whose text is still literal English, with why. Remove an entry once it is converted.
NOT_CONVERTED = {
    "demo_start.html": "the developer demo app, not a page staff use",
    "demo_callback.html": "the developer demo app, not a page staff use",
}

# Admin handlers whose person-facing messages come from the catalogue: every "admin-…" key
# literal in them must exist, and none may hand a page an English sentence of its own.
CONVERTED_ADMIN_RS = {
    f"src/web/admin/{name}.rs"
    for name in ("mod", "home", "bodies", "roles", "memberships", "bans", "audit", "labels", "refusals")
}
ENGLISH_MESSAGE_RE = re.compile(
    r"(?:Problem::new\([^;]*?|AppError::(?:Forbidden|BadRequest|Conflict)\(\s*|=> )\"([A-Z][a-z]*(?: [^\"]*)+)\""
)

# Literal text a converted template may keep: language names written in their own language
# (the language choice on the account page), and the email signature's separator.
ALLOWED_LITERALS = {"English", "Cymraeg", "--"}

KEY_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*=", re.M)
# A template names its translator with `{% let NAME = crate::i18n::Tr::… %}` (t, and bt, et, ft
# in included parts): a key used through any such name is checked.
TR_NAME_RE = re.compile(r"\{%\s*let\s+([a-z_]+)\s*=\s*crate::i18n::Tr::")
TEMPLATE_USE_RE = re.compile(r"\b(?:t|bt|et)\.(?:get|msg|n)\(\s*\"([a-z0-9-]+)\"")
RUST_USE_RE = re.compile(r"(?:\btext|\.get|\.msg|\.n)\(\s*\"([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\"")
KEY_LITERAL_RE = re.compile(r"\"([a-z]+(?:-[a-z0-9]+)+)\"")

# Admin handlers whose person-facing messages come from the catalogue: a string literal there
# with one of these prefixes names a key (a filter's label, a bulk action's question, a test
# line), so it must exist. Notice codes (`?done=user-saved`) look the same; they are the ones
# src/web/admin/mod.rs matches on, and are skipped unless they are keys too.
ADMIN_KEY_FILES = {
    "src/web/admin/users.rs",
    "src/web/admin/user_list.rs",
    "src/web/admin/import_form.rs",
    "src/web/admin/clients.rs",
    "src/web/admin/connections.rs",
    "src/web/admin/data.rs",
    "src/web/admin/fields.rs",
    "src/admin/ops/invitations.rs",
}
ADMIN_KEY_PREFIXES = ("people", "users", "user", "bulk", "import", "apps", "app", "conns", "conn", "refusal", "refused")
NOTICE_CODE_RE = re.compile(r"\"([a-z]+(?:-[a-z0-9]+)+)\"\s*=>")
# Literal English sentences in those handlers: a capitalised word, a space, then more words.
ENGLISH_LITERAL_RE = re.compile(r"\"([A-Z][a-z']+ [a-z][^\"]*)\"")
VAR_RE = re.compile(r"\{\s*\$([a-z_][a-z0-9_]*)")


DUPLICATES: list[str] = []


def messages(path: Path) -> dict[str, str]:
    """Message id -> its whole text (value, variants and continuation lines)."""
    out: dict[str, str] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = KEY_RE.match(line)
        if m:
            current = m.group(1)
            if current in out:
                # Fluent keeps the first and the bundle reports an error at start: refuse it here.
                DUPLICATES.append(f"{path.relative_to(ROOT)}: {current} is defined twice")
            out[current] = line[m.end():]
        elif line.startswith((" ", "\t", "}")) and current is not None:
            out[current] += "\n" + line
        else:
            current = None
    return out


def literal_text(template: str) -> list[str]:
    """Person-facing literal text left in a template."""
    s = re.sub(r"\{#.*?#\}", " ", template, flags=re.S)
    s = re.sub(r"<script\b.*?</script>", " ", s, flags=re.S)
    s = re.sub(r"<style\b.*?</style>", " ", s, flags=re.S)
    found = []
    s = re.sub(r"\{\{.*?\}\}", " ", s, flags=re.S)
    s = re.sub(r"\{%.*?%\}", " ", s, flags=re.S)
    for attr in re.finditer(r"\b(?:aria-label|title|alt|placeholder|data-label)=\"([^\"]*)\"", s):
        if re.search(r"[A-Za-z]{2,}", attr.group(1)):
            found.append(attr.group(1))
    # A button's or an option's value and a meta tag's content are words when they are more than
    # a lower-case code (`value="send-email"`, `content="width=device-width"`).
    for attr in re.finditer(r"\b(?:value|content)=\"([^\"]*)\"", s):
        if re.search(r"[A-Z][a-z]+", attr.group(1)) and "=" not in attr.group(1):
            found.append(attr.group(1))
    s = re.sub(r"<[^>]*>", " ", s, flags=re.S)
    s = re.sub(r"&[a-z]+;|&#[0-9]+;", " ", s)
    for chunk in re.split(r"\s{2,}|\n", s):
        chunk = chunk.strip()
        if chunk and chunk not in ALLOWED_LITERALS and re.search(r"[A-Za-z]{2,}", chunk):
            found.append(chunk)
    return found


def code_only(rust: str) -> str:
    """Rust source without comments, its unit tests and its log lines (which stay English)."""
    rust = rust.split("#[cfg(test)]")[0]
    rust = re.sub(r"//[^\n]*", "", rust)
    return re.sub(r"tracing::[a-z]+!\(.*?\);", "", rust, flags=re.S)


# Where refusals shown on admin pages are written in English.
REFUSAL_DIRS = ("src/admin/ops", "src/policy")
# Not looked up by their text: SCIM's errors go to the provisioning client only; the developer
# demo is English; password problems have their own messages (web::say).
REFUSAL_SKIP = ("src/admin/ops/scim/", "src/admin/ops/demo.rs", "src/policy/password.rs")
# The key prefixes src/i18n/refusals.rs looks a refusal up by.
REFUSAL_PREFIXES = ("admin-refusal-", "admin-invalid-", "admin-conflict-", "refusal-", "refused-")
# A refusal's constructor, then its text: a string literal, possibly inside format!(...).
REFUSAL_RE = re.compile(
    r"(?:AdminError::(?:Forbidden|Conflict)\(|AdminError::invalid\(\s*\"[a-z_]*\"\s*,|\bdeny\(|\bDenied\(|\bErr\(|#\[error\()"
    r"\s*(?:format!\(\s*)?\"((?:[^\"\\]|\\.)*)\"",
    re.S,
)
# The same constructors naming a string constant of the file (`AdminError::invalid("t", GONE)`).
REFUSAL_CONST_USE_RE = re.compile(
    r"(?:AdminError::(?:Forbidden|Conflict)\(|AdminError::invalid\(\s*\"[a-z_]*\"\s*,|\bdeny\(|\bDenied\()\s*([A-Z][A-Z0-9_]+)\b"
)
CONST_RE = re.compile(r"\bconst\s+([A-Z][A-Z0-9_]+)\s*:\s*&str\s*=\s*\"((?:[^\"\\]|\\.)*)\"", re.S)
# What an actor may not do, said inside "Only a superuser can …" / "You need the permission … to …":
# each must be an admin-what-* phrase.
WHAT_RE = re.compile(r"(?:\bsuperuser_only\(\s*(?:&format!\(\s*)?|\bneed\(\s*\"[a-z_:]+\"\s*,\s*)\"((?:[^\"\\]|\\.)*)\"")


def rust_string(literal: str) -> str:
    """A Rust string literal's text: line continuations joined, quotes unescaped."""
    return re.sub(r"\\\n\s*", "", literal).replace('\\"', '"').replace("\\'", "'")


def sentence_matches(source: str, english: str, formatted: bool) -> bool:
    """Whether a refusal written in Rust (in a format!, its `{..}` arguments standing for
    anything) is a catalogue message's English (its `{ $name }` placeables standing for a value,
    its `{ "{" }` string literals for themselves)."""
    if formatted:
        parts = re.split(r"\{[^{}]*\}", source.replace("{{", "\x01").replace("}}", "\x02"))
        pattern = ".+".join(re.escape(p.replace("\x01", "{").replace("\x02", "}")) for p in parts)
    else:
        pattern = re.escape(source)
    english = re.sub(r'\{ "([^"]*)" \}', r"\1", re.sub(r"\{ \$[a-z_]+ \}", "\x00", english))
    return re.fullmatch(pattern, english, re.S) is not None


def refusal_problems(en: dict[str, str]) -> list[str]:
    """Refusals written in English in the service layer that no catalogue message reads."""
    known = [v for k, v in en.items() if k.startswith(REFUSAL_PREFIXES) and "\n" not in v]
    whats = [v.strip() for k, v in en.items() if k.startswith("admin-what-")]
    problems = []
    for d in REFUSAL_DIRS:
        for path in sorted((ROOT / d).rglob("*.rs")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(REFUSAL_SKIP):
                continue
            # Whole-line comments only: a refusal may hold "https://".
            code = re.sub(r"(?m)^\s*//[^\n]*", "", path.read_text(encoding="utf-8").split("#[cfg(test)]")[0])
            code = re.sub(r"tracing::[a-z]+!\(.*?\);", "", code, flags=re.S)
            for m in REFUSAL_RE.finditer(code):
                text = rust_string(m.group(1))
                # The service layer's own errors (#[error] in admin::ops) are not shown on a page as they are.
                if m.group(0).startswith("#[error") and not rel.startswith("src/policy/"):
                    continue
                if not re.search(r"[A-Za-z]+ [a-z]+", text):
                    continue
                formatted = "format!" in m.group(0) or m.group(0).startswith("#[error")
                if not any(sentence_matches(text, e.strip(), formatted) for e in known):
                    problems.append(f"{rel}: refusal without a catalogue message (a Welsh page shows it in English): {text[:80]!r}")
            consts = {name: rust_string(text) for name, text in CONST_RE.findall(code)}
            for name in REFUSAL_CONST_USE_RE.findall(code):
                text = consts.get(name)
                if text is not None and not any(sentence_matches(text, e.strip(), False) for e in known):
                    problems.append(f"{rel}: refusal without a catalogue message (a Welsh page shows it in English): {text[:80]!r}")
            for m in WHAT_RE.finditer(code):
                text = rust_string(m.group(1))
                if not any(sentence_matches(text, w, "format!" in m.group(0)) for w in whats):
                    problems.append(f"{rel}: {text[:80]!r} is not an admin-what-* phrase")
    return problems


def main() -> int:
    problems: list[str] = []
    catalogues: dict[str, dict[str, str]] = {}
    files = {lang: sorted(p.name for p in (LOCALES / lang).glob("*.ftl")) for lang in LANGS}
    for name in sorted(set(files["en-GB"]) ^ set(files["cy"])):
        problems.append(f"locales: {name} exists in one language only")
    for lang in LANGS:
        catalogues[lang] = {}
        for name in files[lang]:
            for key, text in messages(LOCALES / lang / name).items():
                if key in catalogues[lang]:
                    problems.append(f"locales/{lang}/{name}: {key} is defined twice")
                catalogues[lang][key] = text
    problems.extend(DUPLICATES)
    en, cy = catalogues["en-GB"], catalogues["cy"]
    for key in sorted(set(en) - set(cy)):
        problems.append(f"locales/cy: {key} is missing (it is in en-GB)")
    for key in sorted(set(cy) - set(en)):
        problems.append(f"locales/en-GB: {key} is missing (it is in cy)")
    for key in sorted(set(en) & set(cy)):
        extra = set(VAR_RE.findall(cy[key])) - set(VAR_RE.findall(en[key]))
        if extra:
            problems.append(f"locales/cy: {key} uses {', '.join(sorted(extra))}, which en-GB does not have")

    mod_rs = SRC / "web" / "admin" / "mod.rs"
    notice_codes = set(NOTICE_CODE_RE.findall(mod_rs.read_text(encoding="utf-8"))) if mod_rs.exists() else set()
    used: dict[str, str] = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        rel = path.relative_to(TEMPLATES).as_posix()
        text = path.read_text(encoding="utf-8")
        names = {"t", "bt", "et"} | set(TR_NAME_RE.findall(text))
        use_re = re.compile(r"\b(?:" + "|".join(sorted(names)) + r")\.(?:get|msg|n)\(\s*\"([a-z0-9-]+)\"")
        for key in use_re.findall(text):
            used.setdefault(key, f"templates/{rel}")
        if any(rel.startswith(p) if p.endswith("/") else rel == p for p in NOT_CONVERTED):
            continue
        for literal in literal_text(text):
            problems.append(f"templates/{rel}: literal text outside the catalogue: {literal[:70]!r}")
    # Scripts: a string literal that reads as words must come from the page (data- attributes
    # the template fills from the catalogue).
    for path in sorted(TEMPLATES.rglob("*.js")):
        rel = path.relative_to(TEMPLATES).as_posix()
        code = re.sub(r"/\*.*?\*/", " ", path.read_text(encoding="utf-8"), flags=re.S)
        code = re.sub(r"(?m)^\s*//[^\n]*", "", code)
        for m in re.finditer(r"'([^'\n]*)'|\"([^\"\n]*)\"|`([^`]*)`", code):
            literal = next(g for g in m.groups() if g is not None)
            if re.search(r"^[A-Z][a-z]+|[A-Za-z]+ [a-z]+", literal):
                problems.append(f"templates/{rel}: literal text outside the catalogue: {literal[:70]!r}")
    for path in sorted(SRC.rglob("*.rs")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        keys = set(RUST_USE_RE.findall(text))
        if rel in ("src/web/say.rs", "src/web/sso.rs"):
            keys |= {k for k in KEY_LITERAL_RE.findall(text) if k.split("-")[0] in ("problem", "reason", "sso", "passkey")}
        if rel in CONVERTED_ADMIN_RS:
            code = text.split("#[cfg(test)]")[0]
            # labels.rs builds detail keys from a field name (optional by design); "admin-access" is a
            # path segment, not a key.
            keys |= {k for k in KEY_LITERAL_RE.findall(code) if k.startswith("admin-") and k not in ("admin-detail-", "admin-access")}
            for literal in ENGLISH_MESSAGE_RE.findall(code):
                problems.append(f"{rel}: English message outside the catalogue: {literal[:70]!r}")
        if rel in ADMIN_KEY_FILES:
            code = code_only(text)
            keys |= {
                k
                for k in KEY_LITERAL_RE.findall(code)
                if k.split("-")[0] in ADMIN_KEY_PREFIXES and (k in en or k not in notice_codes)
            }
            # The service layer's own messages (AdminError) are not converted yet; only the web edge is checked.
            # These two hold English written elsewhere as the key to its translation.
            checked = rel.startswith("src/web/") and not rel.endswith("/refusals.rs")
            for literal in ENGLISH_LITERAL_RE.findall(code) if checked else []:
                problems.append(f"{rel}: literal text outside the catalogue: {literal[:70]!r}")
        for key in keys:
            used.setdefault(key, rel)
    # sso.rs names each failure's heading as KEY-title.
    for key in [k for k, where in used.items() if where == "src/web/sso.rs"]:
        if key + "-title" in en:
            used.setdefault(key + "-title", "src/web/sso.rs")
    problems += refusal_problems(en)
    for key, where in sorted(used.items()):
        for lang in LANGS:
            if key not in catalogues[lang]:
                problems.append(f"{where}: key {key} is missing from locales/{lang}")

    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"locales: {len(en)} messages in en-GB and cy, {len(used)} used; not converted yet: {', '.join(NOT_CONVERTED)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
