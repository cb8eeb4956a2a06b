#!/usr/bin/env python3
"""Validate Stile's permission catalogue (config/catalogue.toml).

Standard library only (Python 3.11+, tomllib). Checks that:

* the file parses and uses only the known tables and fields (the Rust loader
  uses serde deny_unknown_fields, so an extra field would stop Stile starting);
* every permission key is unique and well formed: "<namespace>:<name>" with a
  known namespace and a name of [a-z0-9_]; labels and descriptions are
  non-empty single-line strings;
* every role template key is unique and of [a-z0-9_]; its namespace is known;
  its body_kinds are non-empty, unique and from the allowed list; mfa_required
  is a boolean; its permissions are non-empty, unique, exist in the catalogue
  and belong to the template's namespace.

Usage:  python3 scripts/check_catalogue.py [path/to/catalogue.toml]
Exit status 0 when valid; 1 with one line per problem on stderr otherwise;
2 when the file cannot be read or parsed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

NAMESPACES = ("fms", "sm")
BODY_KINDS = ("council", "highway_authority", "promoter", "contractor", "other")

TOP_LEVEL = {"permission", "role_template"}
PERMISSION_FIELDS = {"key", "label", "description"}
TEMPLATE_FIELDS = {
    "key",
    "name",
    "namespace",
    "body_kinds",
    "mfa_required",
    "permissions",
    "description",
}

PERMISSION_KEY_RE = re.compile(r"^([a-z]+):([a-z0-9_]+)$")
TEMPLATE_KEY_RE = re.compile(r"^[a-z0-9_]+$")

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "catalogue.toml"


def _text_ok(value: object) -> bool:
    return isinstance(value, str) and value.strip() != "" and "\n" not in value and value == value.strip()


def check(data: dict) -> tuple[list[str], dict[str, int], dict[str, int]]:
    errors: list[str] = []

    for name in sorted(set(data) - TOP_LEVEL):
        errors.append(f"unknown top-level entry {name!r} (allowed: [[permission]], [[role_template]])")

    permissions = data.get("permission", [])
    templates = data.get("role_template", [])
    if not isinstance(permissions, list) or not permissions:
        errors.append("no [[permission]] entries")
        permissions = []
    if not isinstance(templates, list) or not templates:
        errors.append("no [[role_template]] entries")
        templates = []

    perm_counts = {ns: 0 for ns in NAMESPACES}
    tmpl_counts = {ns: 0 for ns in NAMESPACES}

    # Permissions.
    known: dict[str, str] = {}  # key -> namespace
    for i, perm in enumerate(permissions, 1):
        where = f"permission #{i}"
        if not isinstance(perm, dict):
            errors.append(f"{where}: not a table")
            continue
        key = perm.get("key")
        if isinstance(key, str):
            where = f"permission {key!r}"
        for field in sorted(set(perm) - PERMISSION_FIELDS):
            errors.append(f"{where}: unknown field {field!r}")
        for field in sorted(PERMISSION_FIELDS - set(perm)):
            errors.append(f"{where}: missing field {field!r}")
        if not isinstance(key, str):
            if "key" in perm:
                errors.append(f"{where}: key must be a string")
            continue
        m = PERMISSION_KEY_RE.match(key)
        if not m:
            errors.append(f"{where}: key must look like namespace:name with name of [a-z0-9_]")
        elif m.group(1) not in NAMESPACES:
            errors.append(f"{where}: unknown namespace {m.group(1)!r} (allowed: {', '.join(NAMESPACES)})")
        else:
            if key in known:
                errors.append(f"{where}: duplicate permission key")
            else:
                known[key] = m.group(1)
                perm_counts[m.group(1)] += 1
        for field in ("label", "description"):
            if field in perm and not _text_ok(perm[field]):
                errors.append(f"{where}: {field} must be a non-empty single-line string without surrounding spaces")

    # Role templates.
    seen_templates: set[str] = set()
    seen_names: set[tuple[str, str]] = set()
    for i, tmpl in enumerate(templates, 1):
        where = f"role_template #{i}"
        if not isinstance(tmpl, dict):
            errors.append(f"{where}: not a table")
            continue
        key = tmpl.get("key")
        if isinstance(key, str):
            where = f"role_template {key!r}"
        for field in sorted(set(tmpl) - TEMPLATE_FIELDS):
            errors.append(f"{where}: unknown field {field!r}")
        for field in sorted(TEMPLATE_FIELDS - set(tmpl)):
            errors.append(f"{where}: missing field {field!r}")

        if isinstance(key, str):
            if not TEMPLATE_KEY_RE.match(key):
                errors.append(f"{where}: key must be [a-z0-9_]")
            if key in seen_templates:
                errors.append(f"{where}: duplicate role template key")
            seen_templates.add(key)
        elif "key" in tmpl:
            errors.append(f"{where}: key must be a string")

        for field in ("name", "description"):
            if field in tmpl and not _text_ok(tmpl[field]):
                errors.append(f"{where}: {field} must be a non-empty single-line string without surrounding spaces")

        namespace = tmpl.get("namespace")
        ns_ok = isinstance(namespace, str) and namespace in NAMESPACES
        if "namespace" in tmpl and not ns_ok:
            errors.append(f"{where}: namespace must be one of {', '.join(NAMESPACES)}")
        if ns_ok:
            tmpl_counts[namespace] += 1
            name = tmpl.get("name")
            if isinstance(name, str):
                if (namespace, name) in seen_names:
                    errors.append(f"{where}: duplicate name {name!r} in namespace {namespace!r}")
                seen_names.add((namespace, name))

        kinds = tmpl.get("body_kinds")
        if "body_kinds" in tmpl:
            if not isinstance(kinds, list) or not kinds:
                errors.append(f"{where}: body_kinds must be a non-empty list")
            else:
                for kind in kinds:
                    if kind not in BODY_KINDS:
                        errors.append(f"{where}: unknown body kind {kind!r} (allowed: {', '.join(BODY_KINDS)})")
                if len(set(map(str, kinds))) != len(kinds):
                    errors.append(f"{where}: body_kinds has duplicates")

        if "mfa_required" in tmpl and not isinstance(tmpl["mfa_required"], bool):
            errors.append(f"{where}: mfa_required must be true or false")

        perms = tmpl.get("permissions")
        if "permissions" in tmpl:
            if not isinstance(perms, list) or not perms:
                errors.append(f"{where}: permissions must be a non-empty list")
            else:
                seen: set[str] = set()
                for perm in perms:
                    if not isinstance(perm, str):
                        errors.append(f"{where}: permission {perm!r} is not a string")
                        continue
                    if perm in seen:
                        errors.append(f"{where}: permission {perm!r} listed twice")
                    seen.add(perm)
                    if perm not in known:
                        errors.append(f"{where}: permission {perm!r} is not in the catalogue")
                    elif ns_ok and known[perm] != namespace:
                        errors.append(
                            f"{where}: permission {perm!r} is in namespace {known[perm]!r}, "
                            f"not the template's namespace {namespace!r}"
                        )

    return errors, perm_counts, tmpl_counts


def main(argv: list[str]) -> int:
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = Path(argv[1]) if len(argv) == 2 else DEFAULT_PATH
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        print(f"{path}: cannot read: {exc}", file=sys.stderr)
        return 2
    except tomllib.TOMLDecodeError as exc:
        print(f"{path}: invalid TOML: {exc}", file=sys.stderr)
        return 2

    errors, perm_counts, tmpl_counts = check(data)
    if errors:
        for err in errors:
            print(f"{path}: {err}", file=sys.stderr)
        print(f"{path}: {len(errors)} problem(s) found", file=sys.stderr)
        return 1

    summary = ", ".join(
        f"{ns}: {perm_counts[ns]} permissions, {tmpl_counts[ns]} role templates" for ns in NAMESPACES
    )
    print(f"{path}: OK ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
