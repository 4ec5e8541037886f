#!/usr/bin/env bash
# Benchmark one of our pallets on this machine and regenerate its weights.rs.
#
# The node runs the benchmarks from a runtime built with `--features runtime-benchmarks`, passed
# with `--runtime`, so the node itself needs no extra features. Usage:
#   scripts/bench.sh compute|buyback [steps] [repeat]      (defaults: 20 steps, 10 repeats)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

pallet=${1:?usage: scripts/bench.sh compute|buyback [steps] [repeat]}
[ -d "pallets/$pallet" ] || { echo "bench.sh: no pallet pallets/$pallet" >&2; exit 1; }
steps=${2:-20}
repeat=${3:-10}
scripts/setup.sh

cargo build --release --locked --workspace
cargo build --release --locked -p aichain-runtime --features runtime-benchmarks
wasm="$CARGO_TARGET_DIR/release/wbuild/aichain-runtime/aichain_runtime.compact.compressed.wasm"
bench_wasm="$CARGO_TARGET_DIR/aichain_runtime.benchmarks.wasm"
# The next ordinary build rebuilds the runtime without benchmarks into the same place.
cp "$wasm" "$bench_wasm"

"$CARGO_TARGET_DIR/release/aichain-node" benchmark pallet \
	--runtime "$bench_wasm" \
	--genesis-builder runtime \
	--genesis-builder-preset development \
	--pallet "pallet_$pallet" \
	--extrinsic '*' \
	--steps "$steps" \
	--repeat "$repeat" \
	--template scripts/frame-weight-template.hbs \
	--output "pallets/$pallet/src/weights.rs"
echo "bench.sh: wrote pallets/$pallet/src/weights.rs"
