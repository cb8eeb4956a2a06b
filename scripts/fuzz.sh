#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 60), one after another at the
# lowest CPU priority, and prints each run's figures (execs, cov, ft, crashes).
#
#   scripts/fuzz.sh SECONDS [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The toolchain is stable, so RUSTC_BOOTSTRAP=1
# lets cargo-fuzz use the nightly-only flags it needs. Builds go to their own target directory
# (FUZZ_TARGET_DIR, default /root/.cache/stile-fuzz/target) so they never disturb normal builds.
# New corpus entries go to fuzz/corpus/TARGET (not committed), crashes to fuzz/artifacts/TARGET,
# logs to fuzz/logs/TARGET.log; fuzz/seeds/TARGET holds the committed starting inputs.
set -euo pipefail

secs="${1:-60}"
shift || true
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-/root/.cache/stile-fuzz/target}"
# No sanitizer: Stile has no unsafe code but one call to glibc's malloc_trim, and its parsers none,
# so ASan adds cost and finds nothing
# the panics, arithmetic overflow checks (-a), timeouts and memory limit do not.
flags=(--sanitizer none --debug-assertions)

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
nice -n 19 cargo fuzz build "${flags[@]}"
mkdir -p logs
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t"
    echo "== $t: ${secs}s"
    if nice -n 19 cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"logs/$t.log" 2>&1; then
        result=ok
    else
        result="FAILED (see fuzz/logs/$t.log and fuzz/artifacts/$t)"
        status=1
    fi
    last=$(grep -E '^#[0-9]+' "logs/$t.log" | tail -n 1 || true)
    execs=$(grep -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}' || true)
    echo "   $result; execs ${execs:-?}; last: ${last:-none}"
done
exit "$status"
