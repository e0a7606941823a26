#!/usr/bin/env bash
# The unit and CLI test suite under AddressSanitizer + UBSan, then every
# libFuzzer target for a bounded time, from ONE clang build (build-san/): the
# fuzzer instrumentation (-fsanitize=fuzzer-no-link) rides along with ASan, so
# CI pays for a single extra compile of core/ instead of two.
#   scripts/sanitize.sh [FUZZ_SECONDS]     (default 10 per target; 0 skips fuzzing)
# Env: JOBS (default nproc), SAN_BUILD (default build-san).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${SAN_BUILD:-$ROOT/build-san}
JOBS=${JOBS:-$(nproc)}
SECS=${1:-10}

if [ ! -f "$B/CMakeCache.txt" ]; then
  # -O1 without debug info: the quickest compile that still lets ASan report
  # useful stacks (function names come from the symbol table).
  cmake -S "$ROOT" -B "$B" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG="-O1" -DQS_FUZZ=ON \
        -DQS_BUILD_GUI=OFF -DQS_BUILD_TESTS=ON -DQS_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$B" -j "$JOBS" --target quantscope_tests quantscope-cli fuzz_all

echo "== unit and CLI tests under ASan + UBSan"
(cd "$B" && QS_TEST_TIMEOUT_SCALE=4 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j "$JOBS")

if [ "$SECS" != 0 ]; then
  echo "== fuzz targets, $SECS s each"
  FUZZ_BUILD="$B" JOBS="$JOBS" "$ROOT/scripts/fuzz-smoke.sh" "$SECS"
fi
