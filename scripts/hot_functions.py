#!/usr/bin/env python3
"""Helpers of scripts/hot_functions.sh.

  hot_functions.py sign-in PORT            one password sign-in (GET /login, POST /login/password)
  hot_functions.py list BIN CALLGRIND...   the mangled names of BIN's functions that ran, first seen first
  hot_functions.py check BIN [LIST]        how many of the list's names BIN has (bench/oidc.sh prints it)
"""
import http.cookiejar
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

HEADER = "# Made by scripts/hot_functions.sh; read by build.rs. Why: bench/README.md, \"Idle memory\"."


def sign_in(port):
    base = f"http://127.0.0.1:{port}"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    html = op.open(base + "/login", timeout=120).read().decode()
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    if not m:
        sys.exit("hot_functions.py: no csrf field on /login")
    form = {"csrf": m.group(1), "email": "u@example.org", "password": "correct horse battery staple 1", "next": "/account"}
    try:
        status = op.open(base + "/login/password", urllib.parse.urlencode(form).encode(), timeout=300).status
    except urllib.error.HTTPError as e:
        status = e.code
    if status != 303:
        sys.exit(f"hot_functions.py: the sign-in answered {status}, not 303")


def defined(binary):
    nm = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    return {p[-1] for p in (l.split() for l in nm.splitlines()) if len(p) == 3}


def ran(binary, files):
    """Functions of binary with a cost in the callgrind files, first seen first. Kept by name, not
    by callgrind's object: valgrind 3.19 files the functions of a binary already laid out this way
    under "???"."""
    have = defined(binary)
    seen, out = set(), []
    for path in files:
        fns = {}
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"^(fn|cfn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
                if not m:
                    continue
                kind, ident, name = m.groups()
                if name is not None:
                    fns[ident] = name
                if kind == "fn":
                    fn = re.sub(r"'\d+$", "", fns.get(ident, ""))  # callgrind's recursion marker
                    if fn in have and fn not in seen:
                        seen.add(fn)
                        out.append(fn)
    return out


def check(binary, listed):
    names = [l.strip() for l in open(listed) if l.strip() and not l.startswith("#")]
    have = defined(binary)
    print(sum(1 for n in names if n in have), len(names))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "sign-in":
        sign_in(int(sys.argv[2]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "list":
        print(HEADER)
        for n in ran(sys.argv[2], sys.argv[3:]):
            print(n)
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "link/hot-functions.txt")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
