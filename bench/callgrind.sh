#!/bin/bash
# usage: bench/callgrind.sh BIN OUTDIR: instructions per request (valgrind --tool=callgrind) of
# client_credentials and of introspecting its token, on a fresh SQLite database; N requests each
# (default 200) after 30 of warm-up, counters zeroed and dumped around them (callgrind_control).
# Counts every thread of the server (the SQLite worker threads too), unaffected by other load.
set -euo pipefail
BIN=$1; OUT=$2; N=${N:-200}
rm -rf "$OUT"; mkdir -p "$OUT/data"
export STILE__DATA_DIR="$OUT/data" STILE__SERVER__LISTEN=127.0.0.1:18555 STILE__SERVER__ISSUER=http://127.0.0.1:18555 STILE__LOG__FILTER=warn STILE__DEMO__ENABLED=false
"$BIN" migrate >/dev/null
add() { "$BIN" client add "$1" --id "$1" --grant-type client_credentials --scope api.read --auth-method client_secret_basic --json | python3 -c 'import sys,json,base64; d=json.load(sys.stdin); print(base64.b64encode((sys.argv[1]+":"+d["client_secret"]).encode()).decode())' "$1"; }
JOB=$(add bench-job); API=$(add bench-api)
valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.%p" "$BIN" serve >"$OUT/serve.log" 2>&1 &
VPID=$!
trap 'kill $VPID 2>/dev/null || true' EXIT
for i in $(seq 1 300); do curl -sf -o /dev/null http://127.0.0.1:18555/healthz && break; sleep 0.5; done
python3 "$(dirname "$0")/callgrind_load.py" 127.0.0.1 18555 30 cc "$JOB" "grant_type=client_credentials&scope=api.read" "$OUT/token"
TOKEN=$(cat "$OUT/token")
python3 "$(dirname "$0")/callgrind_load.py" 127.0.0.1 18555 30 in "$API" "token=$TOKEN"
callgrind_control -z $VPID >/dev/null
python3 "$(dirname "$0")/callgrind_load.py" 127.0.0.1 18555 $N cc "$JOB"
callgrind_control -d cc $VPID >/dev/null
callgrind_control -z $VPID >/dev/null
python3 "$(dirname "$0")/callgrind_load.py" 127.0.0.1 18555 $N in "$API" "token=$TOKEN"
callgrind_control -d in $VPID >/dev/null
kill $VPID; wait $VPID || true
for f in "$OUT"/cg.*.[0-9]*; do
  tot=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
  echo "$(basename $f): $tot Ir total, $((tot / N)) Ir per request (N=$N)"
done
