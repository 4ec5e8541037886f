#!/usr/bin/env bash
# Build the node and the solver service, start a local solver on http://127.0.0.1:8420 (digits
# dataset ready, log in ~/.cache/aichain/solver.log) and run a single-validator dev chain (Alice),
# RPC on ws://127.0.0.1:9944. Extra arguments go to the node, e.g. `scripts/run-dev.sh --rpc-port 9955`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
# The whole workspace, as scripts/test.sh builds it, so both share one set of artifacts.
cargo build --release --locked --workspace
mkdir -p "$HOME/.cache/aichain"
AICHAIN_SOLVER_BUILT=1 scripts/run-solver.sh >"$HOME/.cache/aichain/solver.log" 2>&1 &
solver_pid=$!
trap 'kill $solver_pid 2>/dev/null || true' EXIT
echo "local solver: http://127.0.0.1:8420 (log: $HOME/.cache/aichain/solver.log)"
echo "aichain dev chain: connect polkadot.js apps at https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:9944"
"$AICHAIN_NODE" --dev "$@"
