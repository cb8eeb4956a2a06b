#!/usr/bin/env python3
"""Import graph of src/: which file uses which, the largest cycle, and the layering rules.

    scripts/module_graph.py            print figures: files in the largest cycle, cycles between
                                       top-level modules, layering violations
    scripts/module_graph.py --check    exit 1 on a cycle between top-level modules or a layering
                                       violation (run by .ci/run)

The layers are LAYERS below (and docs/architecture.md): each top-level module sits in one, and
imports only its own layer and those below.

A file depends on another when it names it through `crate::a::b` (in a `use` or a path); test
modules (`#[cfg(test)]` to the end of the file) are left out. Top-level modules are the entries
of src/lib.rs; a file in src/a/... belongs to `a`.
"""
import re
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

# The layers, bottom first. A module may import its own layer and the layers below it, never a
# layer above; within a layer the graph between top-level modules must still be acyclic.
# docs/architecture.md describes the same table: change both together. A top-level module that
# is in no layer fails --check until it is placed.
LAYERS = [
    ("foundations", {"clock", "secret", "config", "email", "report", "saml", "scim", "connection", "policy", "store", "catalogue", "jose", "i18n"}),
    ("services", {"services", "metrics"}),
    ("state", {"app"}),
    ("domain", {"audit", "abuse", "sso", "mail", "clients", "tokens", "logout", "auth", "demo"}),
    ("edge", {"error", "request", "web", "oidc", "admin"}),
    ("entry", {"server", "cli"}),
]
LAYER_OF = {m: i for i, (_, mods) in enumerate(LAYERS) for m in mods}

# Finer rules inside a layer: what a module must never import although the layers allow it.
FORBIDDEN = {
    "policy": {"store"},  # pure rules: given the facts, never fetching them
}
def module_files():
    """Maps module path (tuple) -> file."""
    out = {}
    for f in SRC.rglob("*.rs"):
        rel = f.relative_to(SRC).with_suffix("")
        parts = list(rel.parts)
        if parts in (["lib"], ["main"]):
            continue
        if parts[-1] == "mod":
            parts = parts[:-1]
        out[tuple(parts)] = f
    return out


def strip_tests(text):
    at = text.find("#[cfg(test)]")
    text = text if at < 0 else text[:at]
    # A comment that names a module (docs pointing up the stack) is not an import.
    return re.sub(r"^\s*//.*$", "", text, flags=re.M)


USE_BLOCK = re.compile(r"\buse\s+crate::(\{[^;]*\}|[^;]*);", re.S)
PATH = re.compile(r"\bcrate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)")


def referenced_paths(text):
    """Module paths named by this file, as tuples (longest prefix resolution happens later)."""
    paths = set()
    for m in USE_BLOCK.finditer(text):
        body = m.group(1)
        expand("", body, paths)
    for m in PATH.finditer(text):
        paths.add(tuple(m.group(1).split("::")))
    return paths


def expand(prefix, body, out):
    body = body.strip()
    if body.startswith("{") and body.endswith("}"):
        for item in split_top(body[1:-1]):
            expand(prefix, item, out)
        return
    if "::{" in body:
        head, rest = body.split("::{", 1)
        expand(prefix + head + "::", "{" + rest, out)
        return
    name = body.split(" as ")[0].strip()
    if name:
        out.add(tuple((prefix + name).split("::")))


def split_top(s):
    depth, cur, items = 0, "", []
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    return [i for i in items if i.strip()]


def resolve(path, modules):
    for n in range(len(path), 0, -1):
        if path[:n] in modules:
            return path[:n]
    return None


MOD_DECL = re.compile(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)
SUPER = re.compile(r"\b((?:super::)+)((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)")


def graph():
    modules = module_files()
    edges = defaultdict(set)
    for mod, f in modules.items():
        text = strip_tests(f.read_text())
        paths = set(referenced_paths(text))
        # A parent uses what it declares (it merges their routers, re-exports their items).
        for m in MOD_DECL.finditer(text):
            paths.add(mod + (m.group(1),))
        # `super::x` names a sibling or the parent.
        is_dir_module = f.name == "mod.rs"
        for m in SUPER.finditer(text):
            ups = m.group(1).count("super::")
            base = mod if is_dir_module else mod[:-1]
            base = base[: len(base) - (ups - 1)] if ups > 1 else base
            paths.add(base + tuple(m.group(2).split("::")))
        for p in paths:
            target = resolve(p, modules)
            if target and target != mod and not (target == mod[: len(target)]):
                edges[mod].add(target)
    return modules, edges


def sccs(nodes, edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main():
    check = "--check" in sys.argv
    modules, edges = graph()
    comps = sccs(list(modules), edges)
    largest = max(comps, key=len)
    top_edges = defaultdict(set)
    for a, targets in edges.items():
        for b in targets:
            if a[0] != b[0]:
                top_edges[a[0]].add(b[0])
    tops = sorted({m[0] for m in modules})
    top_cycles = [c for c in sccs(tops, top_edges) if len(c) > 1]
    violations = []
    for top in tops:
        if top not in LAYER_OF:
            violations.append(f"{top} is in no layer (add it to LAYERS in scripts/module_graph.py and docs/architecture.md)")
    for a, targets in sorted(edges.items()):
        for b in sorted(targets):
            if a[0] == b[0] or a[0] not in LAYER_OF or b[0] not in LAYER_OF:
                continue
            if LAYER_OF[b[0]] > LAYER_OF[a[0]] or b[0] in FORBIDDEN.get(a[0], set()):
                violations.append(f"{'/'.join(a)} imports {'::'.join(b)} ({LAYERS[LAYER_OF[a[0]]][0]} must not import {LAYERS[LAYER_OF[b[0]]][0]})")
    print(f"files: {len(modules)}; largest import cycle: {len(largest)} files")
    print(f"cycles between top-level modules: {len(top_cycles)}" + "".join(f"\n  {' <-> '.join(sorted(c))}" for c in top_cycles))
    print(f"layering violations: {len(violations)}" + "".join(f"\n  {v}" for v in violations[:40]))
    if len(violations) > 40:
        print(f"  ... and {len(violations) - 40} more")
    if check and (top_cycles or violations):
        sys.exit(1)


if __name__ == "__main__":
    main()
