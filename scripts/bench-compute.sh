#!/usr/bin/env bash
# Benchmark pallet-compute on this machine and regenerate pallets/compute/src/weights.rs.
#
# The node runs the benchmarks from a runtime built with `--features runtime-benchmarks`, passed
# with `--runtime`, so the node itself needs no extra features. Usage:
#   scripts/bench-compute.sh [steps] [repeat]      (defaults: 20 steps, 10 repeats)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh

steps=${1:-20}
repeat=${2:-10}
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
	--pallet pallet_compute \
	--extrinsic '*' \
	--steps "$steps" \
	--repeat "$repeat" \
	--template scripts/frame-weight-template.hbs \
	--output pallets/compute/src/weights.rs
echo "bench-compute.sh: wrote pallets/compute/src/weights.rs"
