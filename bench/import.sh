#!/usr/bin/env bash
# Import benchmark: generates a CSV of ROWS users (FixMyStreet's format) spread over 10 councils,
# then times `stile import users` on a fresh SQLite database, the dry run and the real import,
# with /usr/bin/time -v (wall time and peak RSS). See bench/README.md ("Import").
#
#   bench/import.sh [STILE_BINARY]          # default: $CARGO_TARGET_DIR/release/stile, else target/release/stile
#   ROWS=100000 bench/import.sh target/debug/stile
#
# Everything happens in a temporary directory (BENCH_DIR to choose it), removed at the end
# unless KEEP=1.
set -euo pipefail

ROWS="${ROWS:-1000000}"
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/stile}"
[ -x "$BIN" ] || { echo "no stile binary at $BIN (build it: cargo build --release)" >&2; exit 2; }
DIR="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$DIR"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$DIR"' EXIT

export STILE__DATA_DIR="$DIR/var" STILE__DEMO__ENABLED=false STILE__LOG__FILTER=warn

CSV="$DIR/users.csv"
python3 - "$CSV" "$ROWS" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
# A real bcrypt hash (cost 10) as FixMyStreet stores them; half the users bring one.
h = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
with open(path, "w", buffering=1 << 20) as f:
    f.write("name,email,from_body,passwordhash,roles,permissions\n")
    for i in range(rows):
        body = 9000 + i % 10
        role = "Inspectors" if i % 3 == 0 else ""
        perms = "moderate:user_edit" if i % 7 == 0 else ""
        f.write(f"Staff Member {i},staff{i}@council{body}.example.org,{body},{h if i % 2 else ''},{role},{perms}\n")
PY
echo "generated $ROWS rows: $(du -h "$CSV" | cut -f1) in $CSV"

"$BIN" migrate >/dev/null
for b in $(seq 9000 9009); do
    "$BIN" body add "Council $b" --kind council --fms-body-id "$b" >/dev/null
done

measure() {
    local label="$1"; shift
    local log="$DIR/time-$label.txt"
    local status=0
    /usr/bin/time -v "$@" >"$DIR/out-$label.txt" 2>"$log" || status=$?
    local wall rss
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
    printf '%-8s exit %s  wall %s  peak RSS %s MB  %s\n' "$label" "$status" "$wall" "$((rss / 1024))" "$(tail -1 "$DIR/out-$label.txt" | cut -c1-120)"
}

echo "binary: $BIN"
measure dry-run "$BIN" import users "$CSV" --dry-run
measure import "$BIN" import users "$CSV"
