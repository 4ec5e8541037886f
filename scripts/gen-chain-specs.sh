#!/usr/bin/env bash
# Regenerate chain-specs/ from the runtime's genesis presets (plain and raw, local and testnet).
# `cargo test` fails when the committed specs no longer match the presets.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --release -p aichain-node
for chain in local testnet; do
	"$AICHAIN_NODE" build-spec --chain "$chain" --disable-default-bootnode > "chain-specs/$chain.json" 2>/dev/null
	"$AICHAIN_NODE" build-spec --chain "$chain" --disable-default-bootnode --raw > "chain-specs/$chain-raw.json" 2>/dev/null
	echo "chain-specs/$chain.json, chain-specs/$chain-raw.json"
done
