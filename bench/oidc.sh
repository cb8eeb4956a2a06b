#!/usr/bin/env bash
# bench/oidc.sh: throughput, p50/p99 latency and resident memory of Stile's machine-to-machine
# OIDC endpoints (discovery, JWKS, client_credentials with ES256 and RS256, introspection), with
# the server pinned to one CPU and the load generator (wrk) to another, next to the RSA-2048 and
# P-256 signing rate of the server's CPU as the bound.
#
# Usage: bench/oidc.sh            (from anywhere; build first: cargo build --release --bin stile)
#
# Environment:
#   BENCH_SECS        seconds per measured phase (default 10, 1 to 120)
#   BENCH_CONNS       wrk connections (default 32, 1 to 1024)
#   BENCH_SIGN_SECS   seconds per openssl speed test (default 3, 1 to 30)
#   BENCH_SERVER_CPU  CPU the server is pinned to (default 0)
#   BENCH_LOAD_CPU    CPU wrk is pinned to (default 1)
#   BENCH_BIN         the stile binary (default target/release/stile)
#   BENCH_PORT        port on 127.0.0.1 (default: a free one picked at random)
#   BENCH_KEEP=1      keep the temporary directory (wrk outputs, server logs) and print its path
#
# It only talks to 127.0.0.1, uses a fresh SQLite database in a temporary directory, ignores any
# STILE_* variables already in the environment, and removes everything it started on exit. Every
# step has its own time limit, so the whole run takes at most about 6 x BENCH_SECS + 6 x
# BENCH_SIGN_SECS + 1 minute. If wrk or openssl is missing and it runs as root on Debian, it
# installs them with apt-get.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LUA_POST="$ROOT/bench/lua/post_form.lua"

die() {
    echo "bench/oidc.sh: $*" >&2
    exit 1
}

int_in() { # name value min max
    [[ $2 =~ ^[0-9]+$ ]] && (($2 >= $3 && $2 <= $4)) || die "$1 must be a whole number from $3 to $4, not \"$2\""
}

SECS=${BENCH_SECS:-10}
CONNS=${BENCH_CONNS:-32}
SIGN_SECS=${BENCH_SIGN_SECS:-3}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
BIN_SRC=${BENCH_BIN:-$ROOT/target/release/stile}
PORT=${BENCH_PORT:-}
KEEP=${BENCH_KEEP:-0}
int_in BENCH_SECS "$SECS" 1 120
int_in BENCH_CONNS "$CONNS" 1 1024
int_in BENCH_SIGN_SECS "$SIGN_SECS" 1 30
int_in BENCH_SERVER_CPU "$SERVER_CPU" 0 4095
int_in BENCH_LOAD_CPU "$LOAD_CPU" 0 4095
((SERVER_CPU != LOAD_CPU)) || die "BENCH_SERVER_CPU and BENCH_LOAD_CPU must differ"
[[ -z $PORT ]] || int_in BENCH_PORT "$PORT" 1024 65535

# Targets from the product issue.
T_ES256=22000     # client_credentials, ES256 access tokens: req/s (issue 19: about 45 µs of CPU a request)
T_RS256_PCT=90    # client_credentials, RS256: % of the RSA-2048 signing rate of the server's core
T_INTROSPECT=10000
T_DISCOVERY=60000 # discovery and JWKS
T_RSS_IDLE_KB=$((20 * 1024))
T_RSS_LOAD_KB=$((60 * 1024))

# ---------------------------------------------------------------------------------------------
# Tools

install_debs() {
    [[ $(id -u) -eq 0 ]] || die "$* not installed; install as root with: apt-get install -y $*"
    command -v apt-get >/dev/null || die "$* not installed and there is no apt-get; install $* yourself"
    echo "installing $* with apt-get ..." >&2
    timeout 300 apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v taskset >/dev/null || missing+=(util-linux)
((${#missing[@]} == 0)) || install_debs "${missing[@]}"
for t in awk base64 timeout getconf; do command -v "$t" >/dev/null || die "needs $t"; done

[[ -x $BIN_SRC ]] || die "no stile binary at $BIN_SRC; build it first: cargo build --release --bin stile"
[[ -r $LUA_POST ]] || die "missing $LUA_POST"
taskset -c "$SERVER_CPU" true 2>/dev/null || die "cannot pin to CPU $SERVER_CPU (allowed: $(taskset -pc $$ | sed 's/.*: //'))"
taskset -c "$LOAD_CPU" true 2>/dev/null || die "cannot pin to CPU $LOAD_CPU (allowed: $(taskset -pc $$ | sed 's/.*: //'))"
HZ=$(getconf CLK_TCK)

# ---------------------------------------------------------------------------------------------
# A clean environment, a temporary directory, and cleanup

# The developer's STILE_* settings (a PostgreSQL URL, a master key, a log filter) must not leak
# into the bench, and RUST_LOG would override the log filter.
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep -E '^STILE_' || true)
unset RUST_LOG

TMP=$(mktemp -d "${TMPDIR:-/tmp}/stile-oidc-bench.XXXXXX")
SERVER_PID=
WRK_PID=
SAMPLER_PID=
cleanup() {
    trap - EXIT INT TERM
    local p
    for p in "$SAMPLER_PID" "$WRK_PID"; do
        [[ -n $p ]] && kill "$p" 2>/dev/null || true
    done
    stop_server
    if [[ $KEEP == 1 ]]; then
        echo "kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for i in $(seq 50); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Helpers: CPU and memory readings

cpu_busy_total() { # CPU number -> "busy total" jiffies since boot
    awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
proc_ticks() { # pid -> "utime stime" of all its threads, in clock ticks
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'
}
status_kb() { # pid field -> value in kB from /proc/PID/status
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
now() { date +%s.%N; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
fmt_int() { # thousands separators
    awk -v n="$1" 'BEGIN { n = sprintf("%.0f", n); s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) } print n s }'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'; }

core_busy_before() { # CPU -> % busy over 1 s, measured now
    local a b
    read -r -a a < <(cpu_busy_total "$1")
    sleep 1
    read -r -a b < <(cpu_busy_total "$1")
    pct $((b[0] - a[0])) $((b[1] - a[1]))
}

# ---------------------------------------------------------------------------------------------
# The server

if [[ -z $PORT ]]; then
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            PORT=$p
            break
        fi
    done
    [[ -n $PORT ]] || die "found no free port on 127.0.0.1"
elif (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "something already listens on 127.0.0.1:$PORT"
fi
BASE="http://127.0.0.1:$PORT"

# A private copy, so that a concurrent cargo build cannot swap the binary mid-run.
BIN="$TMP/stile"
cp "$BIN_SRC" "$BIN"
export STILE__DATA_DIR="$TMP/data" STILE__SERVER__LISTEN="127.0.0.1:$PORT" STILE__SERVER__ISSUER="$BASE" STILE__LOG__FILTER=warn
mkdir -p "$STILE__DATA_DIR"

CURL=(curl -sS --noproxy '*' --max-time 5)

start_server() { # access-token alg
    STILE__TOKENS__ACCESS_TOKEN_ALG=$1 taskset -c "$SERVER_CPU" "$BIN" serve >"$TMP/serve-$1.log" 2>&1 &
    SERVER_PID=$!
    local deadline=$((SECONDS + 30))
    until "${CURL[@]}" -fo /dev/null --max-time 1 "$BASE/healthz" 2>/dev/null; do
        kill -0 "$SERVER_PID" 2>/dev/null || die "stile serve exited: $(tail -n 5 "$TMP/serve-$1.log")"
        ((SECONDS < deadline)) || die "stile serve did not answer /healthz within 30 s"
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------------------------
# One measured phase: wrk on LOAD_CPU against the server on SERVER_CPU

declare -A RPS P50 P99 ERRS CPU_S CPU_L CPU_STILE CPU_SYS LABEL
RSS_LOAD_MAX=0

run_phase() { # key label path [form-body basic-auth]
    local key=$1 label=$2 path=$3 body=${4:-} basic=${5:-}
    local out="$TMP/wrk-$key.txt" rss="$TMP/rss-$key.txt"
    local args=(--latency -t1 -c"$CONNS" -d"${SECS}s" --timeout 5s)
    [[ -z $body ]] || args+=(-s "$LUA_POST")
    LABEL[$key]=$label
    printf '  %-38s ' "$label" >&2

    local s0 l0 t0 p0 s1 l1 t1 p1
    read -r -a s0 < <(cpu_busy_total "$SERVER_CPU")
    read -r -a l0 < <(cpu_busy_total "$LOAD_CPU")
    read -r -a p0 < <(proc_ticks "$SERVER_PID")
    t0=$(now)
    (
        while kill -0 "$SERVER_PID" 2>/dev/null; do
            status_kb "$SERVER_PID" VmRSS || break
            sleep 0.2
        done
    ) >"$rss" 2>/dev/null &
    SAMPLER_PID=$!
    BENCH_FORM_BODY=$body BENCH_BASIC_AUTH=$basic \
        timeout $((SECS + 30)) taskset -c "$LOAD_CPU" wrk "${args[@]}" "$BASE$path" >"$out" 2>&1 &
    WRK_PID=$!
    local rc=0
    wait "$WRK_PID" || rc=$?
    WRK_PID=
    t1=$(now)
    read -r -a p1 < <(proc_ticks "$SERVER_PID")
    read -r -a s1 < <(cpu_busy_total "$SERVER_CPU")
    read -r -a l1 < <(cpu_busy_total "$LOAD_CPU")
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=
    ((rc == 0)) || die "wrk failed (exit $rc) on $path: $(tail -n 5 "$out")"
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during $label"

    local r
    r=$(awk '
        function ms(v,  u) { u = v; sub(/^[0-9.]+/, "", u); v += 0
            if (u == "us") return v / 1000; if (u == "ms") return v; if (u == "s") return v * 1000
            if (u == "m") return v * 60000; if (u == "h") return v * 3600000; return -1 }
        /^Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { err += $NF }
        /Socket errors:/ { for (i = 1; i <= NF; i++) { f = $i; sub(/,$/, "", f); if (f ~ /^[0-9]+$/) err += f } }
        END { if (rps == "") exit 1; printf "%s %.3f %.3f %d\n", rps, p50, p99, err }' "$out") ||
        die "could not read wrk's output for $label: $(tail -n 5 "$out")"
    read -r RPS[$key] P50[$key] P99[$key] ERRS[$key] <<<"$r"
    CPU_S[$key]=$(pct $((s1[0] - s0[0])) $((s1[1] - s0[1])))
    CPU_L[$key]=$(pct $((l1[0] - l0[0])) $((l1[1] - l0[1])))
    local du=$((p1[0] - p0[0])) ds=$((p1[1] - p0[1]))
    CPU_STILE[$key]=$(awk -v d=$((du + ds)) -v hz="$HZ" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", 100 * d / hz / (t1 - t0) }')
    CPU_SYS[$key]=$(pct "$ds" $((du + ds)))
    local peak
    peak=$(sort -n "$rss" | tail -n 1)
    if ((${peak:-0} > RSS_LOAD_MAX)); then RSS_LOAD_MAX=$peak; fi
    printf '%10s req/s  p50 %7.2f ms  p99 %7.2f ms  errors %s  [CPU %s: %s%% busy, stile %s%%; CPU %s: %s%%]\n' \
        "$(fmt_int "${RPS[$key]}")" "${P50[$key]}" "${P99[$key]}" "${ERRS[$key]}" \
        "$SERVER_CPU" "${CPU_S[$key]}" "${CPU_STILE[$key]}" "$LOAD_CPU" "${CPU_L[$key]}" >&2
}

token_for() { # basic-auth -> an access token, from the running server
    local json
    json=$("${CURL[@]}" -f -H "Authorization: Basic $1" -d grant_type=client_credentials -d scope=api.read "$BASE/token") ||
        die "POST /token failed: $json"
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$json"
}
check_post() { # what path form-body basic-auth expected-substring
    local got
    got=$("${CURL[@]}" -H "Authorization: Basic $4" -H 'Content-Type: application/x-www-form-urlencoded' --data-raw "$3" "$BASE$2") ||
        die "$1: POST $2 failed"
    [[ $got == *"$5"* ]] || die "$1: POST $2 answered $got"
}
check_get() { # path
    "${CURL[@]}" -fo /dev/null "$BASE$1" || die "GET $1 failed"
}

# ---------------------------------------------------------------------------------------------
# Run

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
if [[ -n $(git -C "$ROOT" status --porcelain -- src migrations config Cargo.toml Cargo.lock 2>/dev/null) ]]; then
    commit="$commit + uncommitted changes"
fi
echo "stile OIDC bench: server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU (-t1 -c$CONNS), ${SECS} s per phase, SQLite"
echo "binary: $BIN_SRC (built $(date -r "$BIN_SRC" '+%Y-%m-%d %H:%M'); working tree now at $commit)"
if [[ -n $(find "$ROOT/src" "$ROOT/migrations" "$ROOT/config" "$ROOT/Cargo.toml" -newer "$BIN_SRC" -print -quit 2>/dev/null) ]]; then
    echo "note: sources have changed since this binary was built; rebuild to measure them"
fi
# Idle memory depends on the hot code being side by side (build.rs): say how much of the list the
# binary still has. Names drift with the toolchain and the dependencies.
if command -v nm >/dev/null && command -v python3 >/dev/null && [[ -r $ROOT/link/hot-functions.txt ]] &&
    hot=$(python3 "$ROOT/scripts/hot_functions.py" check "$BIN_SRC" "$ROOT/link/hot-functions.txt" 2>/dev/null); then
    read -r hot_found hot_listed <<<"$hot"
    echo "hot-code layout: $hot_found of the $hot_listed functions in link/hot-functions.txt are in this binary$(
        ((hot_found * 10 < hot_listed * 8)) && echo "; idle memory will be higher: run scripts/hot_functions.sh")"
fi
echo "machine: $(nproc) CPU(s) available, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
busy_s=$(core_busy_before "$SERVER_CPU")
busy_l=$(core_busy_before "$LOAD_CPU")
echo "before the run: CPU $SERVER_CPU ${busy_s}% busy, CPU $LOAD_CPU ${busy_l}% busy (load average $(cut -d' ' -f1-3 /proc/loadavg))"
if ((busy_s > 10 || busy_l > 10)); then
    echo "WARNING: something else is using the bench CPUs; the figures may be low (see the CPU block at the end)." >&2
fi

# 1. The signing bound: one core's RSA-2048 (PKCS#1 v1.5, SHA-256) and P-256 ECDSA sign rate.
echo "signing rate of CPU $SERVER_CPU (openssl speed, ${SIGN_SECS} s each) ..." >&2
timeout $((SIGN_SECS * 8 + 60)) taskset -c "$SERVER_CPU" openssl speed -mr -seconds "$SIGN_SECS" rsa2048 ecdsap256 \
    >"$TMP/speed.txt" 2>&1 || die "openssl speed failed: $(tail -n 3 "$TMP/speed.txt")"
RSA_SIGN=$(awk -F: '$1 == "+F2" && $3 == 2048 { print $4 }' "$TMP/speed.txt")
EC_SIGN=$(awk -F: '$1 == "+F4" && $3 == 256 { print $4 }' "$TMP/speed.txt")
RSA_VERIFY=$(awk -F: '$1 == "+F2" && $3 == 2048 { print $5 }' "$TMP/speed.txt")
EC_VERIFY=$(awk -F: '$1 == "+F4" && $3 == 256 { print $5 }' "$TMP/speed.txt")
[[ -n $RSA_SIGN && -n $EC_SIGN ]] || die "could not read openssl speed's output (see $TMP/speed.txt with BENCH_KEEP=1)"
OPENSSL_VERSION=$(openssl version | cut -d' ' -f1-2)

# 2. A fresh database and two confidential clients: one that gets tokens, one that introspects.
timeout 60 "$BIN" migrate >"$TMP/migrate.log" 2>&1 || die "stile migrate failed: $(tail -n 5 "$TMP/migrate.log")"
# The demo app (if this build has one) creates a demo user on first start, and hashing its
# password grows the idle footprint; a production deployment runs without it.
DEMO=""
if STILE__DEMO__ENABLED=false timeout 60 "$BIN" check-config >/dev/null 2>&1; then
    export STILE__DEMO__ENABLED=false
    DEMO=" (demo disabled)"
fi
add_client() { # id -> prints base64(id:secret)
    local out secret
    out=$(timeout 60 "$BIN" client add "$1" --id "$1" --grant-type client_credentials --scope api.read \
        --auth-method client_secret_basic --json 2>"$TMP/client-$1.err") ||
        out=$(timeout 60 "$BIN" client add "$1" --id "$1" --grant-type client_credentials --scope api.read \
            --auth-method client_secret_basic --redirect-uri http://127.0.0.1:9/cb --json 2>>"$TMP/client-$1.err") ||
        die "stile client add $1 failed: $(tail -n 3 "$TMP/client-$1.err")"
    secret=$(sed -n 's/.*"client_secret":"\([^"]*\)".*/\1/p' <<<"$out")
    [[ -n $secret ]] || die "no client_secret in: $out"
    printf '%s:%s' "$1" "$secret" | base64 -w0
}
JOB_AUTH=$(add_client bench-job)
API_AUTH=$(add_client bench-api)
CC_BODY="grant_type=client_credentials&scope=api.read"

# 3. ES256 (the default): idle memory, /healthz (the floor: a handler that does nothing, through
#    the same router and layers), discovery, JWKS, client_credentials, introspection.
echo "phases with access_token_alg = ES256$DEMO:" >&2
start_server ES256
sleep 2
RSS_IDLE=$(status_kb "$SERVER_PID" VmRSS)
HWM_START=$(status_kb "$SERVER_PID" VmHWM)
THREADS=$(status_kb "$SERVER_PID" Threads)
# Reset the peak (Linux >= 4.0), so that VmHWM at the end is the peak under load.
HWM_RESET=0
{ echo 5 >"/proc/$SERVER_PID/clear_refs"; } 2>/dev/null && HWM_RESET=1

check_get /healthz
check_get /.well-known/openid-configuration
check_get /jwks.json
run_phase healthz "GET /healthz (HTTP floor, no target)" /healthz
run_phase discovery "GET /.well-known/openid-configuration" /.well-known/openid-configuration
run_phase jwks "GET /jwks.json" /jwks.json
check_post "client_credentials" /token "$CC_BODY" "$JOB_AUTH" '"access_token"'
run_phase cc_es256 "POST /token client_credentials ES256" /token "$CC_BODY" "$JOB_AUTH"
TOKEN=$(token_for "$JOB_AUTH")
[[ -n $TOKEN ]] || die "no access token"
[[ $(cut -d. -f1 <<<"$TOKEN" | tr '_-' '/+' | base64 -d 2>/dev/null || true) == *ES256* ]] || echo "  (note: the access token is not ES256)" >&2
check_post "introspection" /introspect "token=$TOKEN" "$API_AUTH" '"active":true'
run_phase introspect "POST /introspect (ES256 token)" /introspect "token=$TOKEN" "$API_AUTH"
check_post "introspection after the run" /introspect "token=$TOKEN" "$API_AUTH" '"active":true'
HWM_ES=$(status_kb "$SERVER_PID" VmHWM)
stop_server

# 4. RS256: the same, restarted with RSA-signed access tokens. Its bound is measured again just
#    before and just after the phase: on a shared virtual machine the core's speed can change by
#    a fifth within the minute between step 1 and this phase, and the phase is compared with
#    the bound of its own minute (the mean of the two).
rsa_sign_rate() { # label -> prints RSA-2048 signs a second on the server's CPU now
    timeout $((SIGN_SECS * 4 + 60)) taskset -c "$SERVER_CPU" openssl speed -mr -seconds "$SIGN_SECS" rsa2048 \
        >"$TMP/speed-$1.txt" 2>&1 || die "openssl speed failed: $(tail -n 3 "$TMP/speed-$1.txt")"
    awk -F: '$1 == "+F2" && $3 == 2048 { print $4 }' "$TMP/speed-$1.txt"
}
RSA_SIGN_START=$RSA_SIGN
RSA_SIGN_BEFORE=$(rsa_sign_rate before)
echo "phases with access_token_alg = RS256:" >&2
start_server RS256
sleep 1
RSS_IDLE_RS=$(status_kb "$SERVER_PID" VmRSS)
{ echo 5 >"/proc/$SERVER_PID/clear_refs"; } 2>/dev/null || true
check_post "client_credentials" /token "$CC_BODY" "$JOB_AUTH" '"access_token"'
TOKEN_RS=$(token_for "$JOB_AUTH")
[[ $(cut -d. -f1 <<<"$TOKEN_RS" | tr '_-' '/+' | base64 -d 2>/dev/null || true) == *RS256* ]] ||
    die "the server did not issue an RS256 access token with STILE__TOKENS__ACCESS_TOKEN_ALG=RS256"
run_phase cc_rs256 "POST /token client_credentials RS256" /token "$CC_BODY" "$JOB_AUTH"
HWM_RS=$(status_kb "$SERVER_PID" VmHWM)
stop_server
RSA_SIGN_AFTER=$(rsa_sign_rate after)
[[ -n $RSA_SIGN_BEFORE && -n $RSA_SIGN_AFTER ]] || die "could not read openssl speed's output around the RS256 phase"
RSA_SIGN=$(awk -v a="$RSA_SIGN_BEFORE" -v b="$RSA_SIGN_AFTER" 'BEGIN { printf "%.1f", (a + b) / 2 }')

# ---------------------------------------------------------------------------------------------
# Summary

RSS_LOAD=$RSS_LOAD_MAX
if ((HWM_RESET)); then
    if ((HWM_ES > RSS_LOAD)); then RSS_LOAD=$HWM_ES; fi
    if ((HWM_RS > RSS_LOAD)); then RSS_LOAD=$HWM_RS; fi
fi
RS_TARGET=$(awk -v s="$RSA_SIGN" -v p="$T_RS256_PCT" 'BEGIN { printf "%.0f", s * p / 100 }')

met() { # value target -> yes/NO
    awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 >= t + 0 ? "yes" : "NO") }'
}
row() { # key target-text target-number
    local m
    if (($3 == 0)); then m="-"; else m=$(met "${RPS[$1]}" "$3"); fi
    ((${ERRS[$1]} == 0)) || m="$m (errors: ${ERRS[$1]})"
    if ((${CPU_STILE[$1]} < 90)); then
        m="$m *"
        DISTURBED=1
    fi
    printf '%-38s %9s %9.2f %9.2f  %-18s %s\n' "${LABEL[$1]}" "$(fmt_int "${RPS[$1]}")" "${P50[$1]}" "${P99[$1]}" "$2" "$m"
}

echo
echo "signing bound on CPU $SERVER_CPU ($OPENSSL_VERSION; Stile signs with aws-lc, whose speed is close to OpenSSL's):"
printf '  RSA-2048 (RS256)     %8s sign/s  %8s verify/s  (sign/s: mean of %s just before and %s just after the RS256 phase; %s at the start)\n' \
    "$(fmt_int "$RSA_SIGN")" "$(fmt_int "$RSA_VERIFY")" "$(fmt_int "$RSA_SIGN_BEFORE")" "$(fmt_int "$RSA_SIGN_AFTER")" "$(fmt_int "$RSA_SIGN_START")"
printf '  ECDSA P-256 (ES256)  %8s sign/s  %8s verify/s  (introspecting an ES256 token verifies one)\n' \
    "$(fmt_int "$EC_SIGN")" "$(fmt_int "$EC_VERIFY")"
echo
DISTURBED=0
printf '%-38s %9s %9s %9s  %-18s %s\n' endpoint "req/s" "p50 ms" "p99 ms" target "met?"
row healthz "(reference)" 0
row discovery ">= $(fmt_int $T_DISCOVERY)" "$T_DISCOVERY"
row jwks ">= $(fmt_int $T_DISCOVERY)" "$T_DISCOVERY"
row cc_es256 ">= $(fmt_int $T_ES256)" "$T_ES256"
row cc_rs256 ">= $(fmt_int "$RS_TARGET") (${T_RS256_PCT}%)" "$RS_TARGET"
row introspect ">= $(fmt_int $T_INTROSPECT)" "$T_INTROSPECT"
if ((DISTURBED)); then
    echo "* stile had less than 90% of CPU $SERVER_CPU in this phase (see the CPU block below): the server was"
    echo "  waiting for the load generator or sharing its core, so the figure is low. Re-run on an idle machine."
fi
echo
printf 'RS256 client_credentials: %s%% of the RSA-2048 signing bound (target >= %s%%)\n' \
    "$(pct "${RPS[cc_rs256]}" "$RSA_SIGN")" "$T_RS256_PCT"
printf 'ES256 client_credentials: %s%% of the P-256 signing bound\n' "$(pct "${RPS[cc_es256]}" "$EC_SIGN")"
ceil() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 1 / (1 / a + 1 / b) }'; }
printf 'ceiling on this core, were a request to cost only the /healthz floor plus its crypto:\n'
printf '  client_credentials ES256 %s req/s, RS256 %s req/s; introspection of an ES256 token %s req/s\n' \
    "$(fmt_int "$(ceil "${RPS[healthz]}" "$EC_SIGN")")" "$(fmt_int "$(ceil "${RPS[healthz]}" "$RSA_SIGN")")" \
    "$(fmt_int "$(ceil "${RPS[healthz]}" "$EC_VERIFY")")"
printf 'resident memory idle:       %-9s target <= %s  %s  (%s threads; VmHWM at start-up %s; RS256 server idle %s)\n' \
    "$(mb "$RSS_IDLE")" "$(mb $T_RSS_IDLE_KB)" "$(met $T_RSS_IDLE_KB "$RSS_IDLE")" "$THREADS" "$(mb "$HWM_START")" "$(mb "$RSS_IDLE_RS")"
if ((HWM_RESET)); then how="VmHWM, reset after idle"; else how="VmRSS sampled every 0.2 s"; fi
printf 'resident memory under load: %-9s target <= %s  %s  (peak over all phases, %s)\n' \
    "$(mb "$RSS_LOAD")" "$(mb $T_RSS_LOAD_KB)" "$(met $T_RSS_LOAD_KB "$RSS_LOAD")" "$how"
echo
echo "CPU during each phase: CPU $SERVER_CPU busy / stile's share of it (of which in the kernel) / wrk's CPU $LOAD_CPU busy;"
echo "and the server CPU time per request:"
for k in healthz discovery jwks cc_es256 cc_rs256 introspect; do
    printf '  %-38s %3s%% / %3s%% (%2s%% sys) / %3s%%   %6.1f us/request\n' "${LABEL[$k]}" "${CPU_S[$k]}" "${CPU_STILE[$k]}" \
        "${CPU_SYS[$k]}" "${CPU_L[$k]}" "$(awk -v c="${CPU_STILE[$k]}" -v r="${RPS[$k]}" 'BEGIN { print (r > 0 ? 1e6 * c / 100 / r : 0) }')"
done
