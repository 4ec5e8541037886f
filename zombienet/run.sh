#!/usr/bin/env bash
# Start the 3-validator local network and run its smoke test (blocks produced and finalized,
# a transfer finalized). `zombienet/run.sh spawn` keeps the network running instead.
set -euo pipefail
cd "$(dirname "$0")"
source ../scripts/env.sh
../scripts/setup.sh
cargo build --release -p aichain-node --manifest-path ../Cargo.toml
npm ci --no-audit --no-fund --silent
export PATH="$(dirname "$AICHAIN_NODE"):$PATH"
if [ "${1:-test}" = "spawn" ]; then
	exec npx zombienet -p native spawn local.toml
fi
exec npx zombienet -p native test local-smoke.zndsl
