#!/usr/bin/env bash
# Build the node and run a single-validator dev chain (Alice), RPC on ws://127.0.0.1:9944.
# Extra arguments go to the node, e.g. `scripts/run-dev.sh --rpc-port 9955`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
cargo build --release -p aichain-node
echo "aichain dev chain: connect polkadot.js apps at https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:9944"
exec "$AICHAIN_NODE" --dev "$@"
