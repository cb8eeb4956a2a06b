#!/usr/bin/env python3
"""Every route Stile serves, as a Markdown table: method, path, the file whose handler answers.

    scripts/routes.py    print the table that docs/architecture.md carries

Read from the routers themselves: each `.route(PATH, get(h).post(h2))` in src/ (a path given as a
constant is looked up in the same file, `oidc::paths` or `upstream_oidc::CALLBACK_PATH`), and
every `r!(METHOD verb "/path" => module::handler)` row of the admin API's `routes()`.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

CONSTS = {}
for f in [SRC / "tokens" / "discovery.rs", SRC / "auth" / "upstream_oidc.rs"]:
    for name, value in re.findall(r'pub const ([A-Z_]+): &str = "([^"]*)";', f.read_text()):
        CONSTS[name] = value

VERB = re.compile(r'\b(get|post|put|patch|delete|any)\(')
API_ROW = re.compile(r'r!\((GET|POST|PUT|PATCH|DELETE) [a-z]+ "([^"]+)" => ([a-z_]+)::')


def route_calls(text):
    """The two arguments of every `.route(path, method_router)` call, split at the top level."""
    for m in re.finditer(r"\.route\(", text):
        depth, args, cur = 1, [], ""
        for ch in text[m.end():]:
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    break
            if ch == "," and depth == 1:
                args.append(cur)
                cur = ""
            else:
                cur += ch
        args.append(cur)
        if len(args) == 2:
            yield args[0], args[1]


def path_of(expr):
    expr = expr.strip()
    if expr.startswith('"'):
        return expr.strip('"')
    m = re.fullmatch(r'&format!\("\{\}/\{\{id\}\}", (?:[a-z_]+::)*([A-Z_]+)\)', expr)
    if m:
        return CONSTS[m.group(1)] + "/{id}"
    name = expr.split("::")[-1]
    return CONSTS.get(name, expr)


def main():
    rows = []
    for f in sorted(SRC.rglob("*.rs")):
        text = f.read_text()
        at = text.find("#[cfg(test)]")
        text = text if at < 0 else text[:at]
        rel = f.relative_to(ROOT).as_posix()
        for path_expr, handler in route_calls(text):
            if path_expr.strip() == "path":  # the admin API's table, read below
                continue
            path = path_of(path_expr)
            for verb in VERB.findall(handler):
                rows.append((path, "ANY" if verb == "any" else verb.upper(), rel))
        if f == SRC / "admin" / "api" / "mod.rs":
            for method, path, module in API_ROW.findall(text):
                rows.append(("/api/v1" + path, method, f"src/admin/api/{module}.rs"))
    rows.sort(key=lambda r: (r[0], r[1]))
    print("| method | path | handler file |")
    print("|---|---|---|")
    for path, method, rel in rows:
        print(f"| {method} | `{path}` | {rel} |")


if __name__ == "__main__":
    main()
