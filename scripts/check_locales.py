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
  bulk action's question) is missing, or a web handler holds a literal English sentence.

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


def messages(path: Path) -> dict[str, str]:
    """Message id -> its whole text (value, variants and continuation lines)."""
    out: dict[str, str] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = KEY_RE.match(line)
        if m:
            current = m.group(1)
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
    for attr in re.finditer(r"\b(?:aria-label|title|alt|placeholder)=\"([^\"]*)\"", s):
        if re.search(r"[A-Za-z]{2,}", attr.group(1)):
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
        for key in TEMPLATE_USE_RE.findall(text):
            used.setdefault(key, f"templates/{rel}")
        if any(rel.startswith(p) if p.endswith("/") else rel == p for p in NOT_CONVERTED):
            continue
        for literal in literal_text(text):
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
