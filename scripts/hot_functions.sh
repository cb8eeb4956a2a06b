#!/usr/bin/env bash
# scripts/hot_functions.sh: writes link/hot-functions.txt, the functions that `stile serve` runs
# to start and to answer the requests of bench/oidc.sh and a password sign-in, so that the release
# link (build.rs) places them side by side. Why: bench/README.md, "Idle memory".
#
# Usage: cargo build --release --bin stile && scripts/hot_functions.sh [BIN]
#
# Needs valgrind (callgrind), curl and python3. Runs the server twice under callgrind (ES256 and
# RS256 access tokens) on a fresh SQLite database in a temporary directory, on 127.0.0.1 only,
# and lists every function of the executable that ran, by its mangled name, start-up first.
# Run it again when bench/oidc.sh reports that few of the list's names are in the binary (after a
# toolchain or dependency update, or a change to Cargo.toml): names it no longer finds are skipped
# by the linker, so a stale list costs memory, never correctness.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-$ROOT/target/release/stile}
OUT=$ROOT/link/hot-functions.txt
[[ -x $BIN ]] || { echo "no executable at $BIN; build it first: cargo build --release --bin stile" >&2; exit 1; }
for t in valgrind callgrind_control curl python3; do
    command -v "$t" >/dev/null || { echo "scripts/hot_functions.sh needs $t" >&2; exit 1; }
done
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep -E '^STILE_' || true)
unset RUST_LOG

TMP=$(mktemp -d "${TMPDIR:-/tmp}/stile-hot.XXXXXX")
VPID=
cleanup() {
    [[ -n $VPID ]] && kill "$VPID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

profile() { # ALG DIR: start-up, then a few of each request, dumped in two parts
    local alg=$1 dir=$2 port
    port=$(free_port)
    mkdir -p "$dir/data"
    export STILE__DATA_DIR="$dir/data" STILE__SERVER__LISTEN="127.0.0.1:$port" \
        STILE__SERVER__ISSUER="http://127.0.0.1:$port" STILE__LOG__FILTER=warn STILE__DEMO__ENABLED=false \
        STILE__TOKENS__ACCESS_TOKEN_ALG="$alg"
    timeout 120 "$BIN" migrate >/dev/null
    timeout 120 "$BIN" user add u@example.org --name U --password-stdin <<<"correct horse battery staple 1" >/dev/null
    local job api token
    job=$(client "$dir" bench-job)
    api=$(client "$dir" bench-api)
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$dir/cg.%p" "$BIN" serve >"$dir/serve.log" 2>&1 &
    VPID=$!
    local i
    for i in $(seq 600); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
        sleep 0.5
    done
    sleep 1
    callgrind_control -d startup "$VPID" >/dev/null
    for p in /healthz /.well-known/openid-configuration /jwks.json /login; do
        curl -s -o /dev/null --max-time 60 "http://127.0.0.1:$port$p"
    done
    python3 "$ROOT/bench/callgrind_load.py" 127.0.0.1 "$port" 3 cc "$job" "grant_type=client_credentials&scope=api.read" "$dir/token"
    token=$(cat "$dir/token")
    python3 "$ROOT/bench/callgrind_load.py" 127.0.0.1 "$port" 3 in "$api" "token=$token"
    python3 "$ROOT/scripts/hot_functions.py" sign-in "$port"
    sleep 1
    callgrind_control -d requests "$VPID" >/dev/null
    kill "$VPID"
    wait "$VPID" || true
    VPID=
}

client() { # DIR ID -> base64 of ID:secret
    timeout 120 "$BIN" client add "$2" --id "$2" --grant-type client_credentials --scope api.read \
        --auth-method client_secret_basic --json |
        python3 -c 'import sys,json,base64; d=json.load(sys.stdin); print(base64.b64encode((sys.argv[1]+":"+d["client_secret"]).encode()).decode())' "$2"
}

profile ES256 "$TMP/es"
profile RS256 "$TMP/rs"
mkdir -p "$(dirname "$OUT")"
python3 "$ROOT/scripts/hot_functions.py" list "$BIN" "$TMP"/es/cg.*.1 "$TMP"/rs/cg.*.1 "$TMP"/es/cg.*.2 "$TMP"/rs/cg.*.2 >"$OUT"
echo "wrote $(wc -l <"$OUT") names to $OUT" >&2
