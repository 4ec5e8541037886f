#!/usr/bin/env bash
# Regenerate chain-specs/ from the runtime's genesis presets (plain and raw, local and testnet).
# `cargo test` fails when the committed specs no longer match the presets.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# The whole workspace, as test.sh builds it: the same feature set, so no crate is rebuilt.
cargo build --release --locked --workspace
for chain in local testnet; do
	"$AICHAIN_NODE" build-spec --chain "$chain" --disable-default-bootnode > "chain-specs/$chain.json" 2>/dev/null
	"$AICHAIN_NODE" build-spec --chain "$chain" --disable-default-bootnode --raw > "chain-specs/$chain-raw.json" 2>/dev/null
	echo "chain-specs/$chain.json, chain-specs/$chain-raw.json"
done
