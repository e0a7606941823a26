#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang in build-fuzz/ and runs each one
# for a bounded time on a seed corpus made from tests/fixtures, one process each.
#   scripts/fuzz-smoke.sh SECONDS [TARGET...]     e.g. scripts/fuzz-smoke.sh 20
# Targets are fuzz_<name> without the prefix (safetensors, gguf, ...); default all.
# The working corpus persists in build-fuzz/corpus/<target>, so runs add up;
# crashes, leaks, timeouts and over-limit allocations land in
# build-fuzz/artifacts/<target>/ and make the script exit 1. Env: JOBS (build),
# FUZZ_BUILD (build dir), FUZZ_RSS_MB, FUZZ_MALLOC_MB, FUZZ_TIMEOUT (per input, s).
set -euo pipefail

SECS=${1:?usage: scripts/fuzz-smoke.sh SECONDS [TARGET...]}
shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${FUZZ_BUILD:-$ROOT/build-fuzz}
JOBS=${JOBS:-2}
RSS_MB=${FUZZ_RSS_MB:-1024}
MALLOC_MB=${FUZZ_MALLOC_MB:-256}
TIMEOUT=${FUZZ_TIMEOUT:-10}

if [ ! -f "$B/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$B" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DQS_FUZZ=ON \
        -DQS_BUILD_GUI=OFF -DQS_BUILD_TESTS=OFF -DQS_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$B" -j "$JOBS" --target fuzz_all 2>&1 | grep -E "error|warning: |Error" || true
[ -x "$B/fuzz/fuzz_gguf" ] || { echo "fuzz-smoke: build failed" >&2; exit 2; }

# Seeds for one target: fixture files by pattern (skipping big ones, which would
# only slow every mutation down), plus the hand-written ones in fuzz/seeds/.
seed() {
  local t=$1; shift
  local d="$B/seeds/$t"
  rm -rf "$d"; mkdir -p "$d"
  for pat in "$@"; do
    for f in $ROOT/$pat; do
      [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 200000 ] && cp "$f" "$d/"
    done
  done
  [ -d "$ROOT/fuzz/seeds/$t" ] && cp "$ROOT/fuzz/seeds/$t"/* "$d/"
  return 0
}
seed safetensors 'tests/fixtures/safetensors/*.safetensors' 'tests/fixtures/safetensors/sharded/*.safetensors' 'assets/demo/*.safetensors'
seed safetensors_index 'tests/fixtures/safetensors/sharded/*.json'
seed gguf 'tests/fixtures/gguf/*.gguf'
seed imatrix 'tests/fixtures/gguf/imatrix*.gguf' 'tests/fixtures/gguf/*.dat'
seed npy 'tests/fixtures/npy/*.npy'
seed npz 'tests/fixtures/npy/*.npz'
seed pytorch 'tests/fixtures/pytorch/*.pt'
seed onnx 'tests/fixtures/onnx/*.onnx'
seed spec_text
seed spec_json

if [ $# -eq 0 ]; then
  set -- $(cd "$B/fuzz" && ls fuzz_* | grep -v '\.' | sed 's/^fuzz_//')
fi

fail=0
summary="$B/fuzz-summary.txt"
printf "%-18s %10s %8s %8s %8s %s\n" target execs exec/s cov ft result | tee "$summary"
for t in "$@"; do
  mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
  log="$B/artifacts/$t/last.log"
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$B/fuzz/fuzz_$t" -max_total_time="$SECS" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
      -malloc_limit_mb="$MALLOC_MB" -print_final_stats=1 -artifact_prefix="$B/artifacts/$t/" \
      "$B/corpus/$t" "$B/seeds/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  speed=$(grep -m1 -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo 0)
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo 0)
  if [ $rc -eq 0 ]; then result=ok; else result="FAIL (see $log)"; fail=1; fi
  printf '%-18s %10s %8s %8s %8s %s\n' "$t" "${execs:-0}" "${speed:-0}" "${cov:-0}" "${ft:-0}" "$result" | tee -a "$summary"
done
[ $fail -eq 0 ] || { echo "fuzz-smoke: a target failed; inputs in $B/artifacts/" >&2; exit 1; }
