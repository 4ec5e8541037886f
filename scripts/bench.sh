#!/usr/bin/env bash
# Benchmark on this machine and regenerate weights. Usage:
#   scripts/bench.sh compute|buyback [steps] [repeat]      (defaults: 20 steps, 10 repeats)
#   scripts/bench.sh runtime [steps] [repeat]
#
# A pallet of ours: the node runs its benchmarks from a runtime built with
# `--features runtime-benchmarks`, passed with `--runtime`, and writes pallets/<name>/src/weights.rs.
#
# `runtime`: the runtime's own weights in runtime/src/weights: ParityDB's reads and writes
# (`benchmark storage`, which needs the node itself built with `runtime-benchmarks`), the overhead
# of a block and of an extrinsic (`benchmark overhead`), frame-system's calls and transaction
# extensions and transaction payment's extension (`benchmark pallet`); BABE's and GRANDPA's
# benchmarks are printed, for pallet_babe.rs and pallet_grandpa.rs to take by hand. The overhead
# is measured last, with the ordinary node built again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

pallet=${1:?usage: scripts/bench.sh compute|buyback|runtime [steps] [repeat]}
[ "$pallet" = runtime ] || [ -d "pallets/$pallet" ] || { echo "bench.sh: no pallet pallets/$pallet" >&2; exit 1; }
steps=${2:-20}
repeat=${3:-10}
scripts/setup.sh

# Run one pallet's benchmarks from the runtime built with benchmarks; extra arguments (the
# output file, a template) are passed on.
bench_pallet() {
	local name=$1
	shift
	"$CARGO_TARGET_DIR/release/aichain-node" benchmark pallet --runtime "$bench_wasm" \
		--genesis-builder runtime --genesis-builder-preset development --pallet "$name" \
		--extrinsic '*' --steps "$steps" --repeat "$repeat" "$@"
}

if [ "$pallet" = runtime ]; then
	out=runtime/src/weights
	node="$CARGO_TARGET_DIR/release/aichain-node"
	# The whole workspace, as test.sh builds it, so that only what the feature changes is rebuilt.
	cargo build --release --locked --workspace --features aichain-node/runtime-benchmarks
	bench_wasm="$CARGO_TARGET_DIR/aichain_runtime.benchmarks.wasm"
	cp "$CARGO_TARGET_DIR/release/wbuild/aichain-runtime/aichain_runtime.compact.compressed.wasm" "$bench_wasm"
	db=$(mktemp -d)
	trap 'rm -rf "$db"' EXIT

	# Every key of the `local` chain's genesis state read, then written back in commits of 40
	# keys (a block commits its writes together; the state has 160 keys), ParityDB, no cache.
	# Run on the committed chain spec: the runtime this node embeds was built with benchmarks and
	# needs host functions a client outside `benchmark pallet` does not offer.
	"$node" benchmark storage --chain chain-specs/local-raw.json --base-path "$db" \
		--database paritydb --state-version 1 --batch-size 40 \
		--weight-path "$out/paritydb_weights.rs"
	for bench in frame_system frame_system_extensions pallet_transaction_payment; do
		bench_pallet "$bench" --output "$out/$bench.rs"
	done
	bench_pallet pallet_babe
	bench_pallet pallet_grandpa
	# The ordinary node again; with its runtime: an empty block, and a block full of signed
	# `system.remark` transactions (signature checked, every transaction extension run), per
	# transaction.
	cargo build --release --locked --workspace
	"$node" benchmark overhead --dev --wasm-execution compiled --weight-path "$out"
	echo "bench.sh: wrote $out; take pallet_babe's and pallet_grandpa's figures above into their"
	echo "files, then build again: the runtime carries the new weights only from the next build"
	exit 0
fi

cargo build --release --locked --workspace
cargo build --release --locked -p aichain-runtime --features runtime-benchmarks
wasm="$CARGO_TARGET_DIR/release/wbuild/aichain-runtime/aichain_runtime.compact.compressed.wasm"
bench_wasm="$CARGO_TARGET_DIR/aichain_runtime.benchmarks.wasm"
# The next ordinary build rebuilds the runtime without benchmarks into the same place.
cp "$wasm" "$bench_wasm"

bench_pallet "pallet_$pallet" --template scripts/frame-weight-template.hbs \
	--output "pallets/$pallet/src/weights.rs"
echo "bench.sh: wrote pallets/$pallet/src/weights.rs"
