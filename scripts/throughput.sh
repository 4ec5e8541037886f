#!/usr/bin/env bash
# Throughput benchmark: how many transactions a block carries (BENCHMARKS.md has the figures).
#
# Without --node or --url it builds aichain and starts its dev node; --node BIN starts another
# Substrate node's `--dev` chain the same way (the polkadot-sdk solochain template, built by hand
# outside this repository); --url ws://… measures a running node. Usage:
#   scripts/throughput.sh [--node BIN | --url ws://HOST:PORT] [--call transfer|submitTask]
#                         [--count N] [--senders S] [--label NAME] [--json FILE]
# Not part of CI: it measures the machine, it tests nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh

if [[ " $* " != *" --node "* && " $* " != *" --url "* ]]; then
	cargo build --release --locked --workspace
fi
(cd e2e && npm ci --no-audit --no-fund --silent)
exec node e2e/throughput.js "$@"
