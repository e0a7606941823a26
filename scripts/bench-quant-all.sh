#!/usr/bin/env bash
# Whole-model streaming bench (issue 8's scale check, not a CI test): writes a
# Llama-7B-shaped bf16 model with real bytes (13.5 GB, 3 shards) once, then
# times `quantscope-cli quant DIR --all` and reports throughput and peak
# resident memory, which must stay flat (about the largest tensor as float32)
# however large the model is. Figures go to docs/performance.md.
#   scripts/bench-quant-all.sh [DIR] [LAYERS]     (BUILD=build by default)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DIR=${1:-${TMPDIR:-/tmp}/qs-bench-7b}
LAYERS=${2:-32}
cmake --build "$BUILD" -j "$(nproc)" --target qs-make-model quantscope-cli >/dev/null
if [ ! -f "$DIR/model.safetensors.index.json" ]; then
    /usr/bin/time -f 'generated in %e s' "$BUILD/bench/qs-make-model" "$DIR" --layers "$LAYERS"
fi
du -sh "$DIR"
for spec in int4:group=128 fp8_e4m3 int8; do
    echo "== quant --all --spec $spec"
    /usr/bin/time -f '   wall %e s, peak RSS %M KiB (time -v)' \
        "$BUILD/cli/quantscope-cli" quant "$DIR" --all --spec "$spec" | tail -n 3
done
