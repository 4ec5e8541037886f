#!/usr/bin/env bash
# Type-check the runtime and node with the optional features CI does not build:
# `runtime-benchmarks` (benchmark pallet) and `try-runtime` (try_state of every pallet).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
SKIP_WASM_BUILD=1 cargo check --release -p aichain-runtime --features runtime-benchmarks,try-runtime
SKIP_WASM_BUILD=1 cargo check --release -p aichain-node --features runtime-benchmarks,try-runtime
