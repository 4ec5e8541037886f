#!/usr/bin/env bash
# Run every test: pallet, runtime and training-engine unit tests, the engine's reproducibility
# (threads, SIMD, wasm32) and digits accuracy tests, the solver service's tests against the real
# process, the node's command-line and chain-spec tests, and the end-to-end test that drives a
# real dev node with @polkadot/api.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
scripts/fetch-digits.sh

start=$(date +%s)
cargo build --release --workspace --locked
echo "test.sh: build took $(( $(date +%s) - start )) s"

cargo test --release --workspace --locked
# Our pallets' benchmarks, each run once against its mock runtime.
cargo test --release --locked -p pallet-compute -p pallet-buyback -p pallet-disputes \
	--features pallet-compute/runtime-benchmarks,pallet-buyback/runtime-benchmarks,pallet-disputes/runtime-benchmarks benchmarking

echo "test.sh: end-to-end test against a real node"
(cd e2e && npm ci --no-audit --no-fund --silent)
node --test --test-reporter=spec e2e/
echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
