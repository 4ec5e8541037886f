#!/usr/bin/env bash
# Start the 3-validator local network, each validator with its own solver service, and run its
# tests: blocks produced and finalized, a transfer finalized, and a training job trained by one
# validator's solver, verified by the two others and paid. `zombienet/run.sh spawn` keeps the
# network running instead.
set -euo pipefail
cd "$(dirname "$0")"
source ../scripts/env.sh
../scripts/setup.sh
../scripts/fetch-digits.sh
# The whole workspace, as scripts/test.sh builds it (node and solver share its artifacts).
cargo build --release --locked --workspace --manifest-path ../Cargo.toml
npm ci --no-audit --no-fund --silent
export PATH="$(dirname "$AICHAIN_NODE"):$PATH"

# One solver service per validator: its public listener on the port the `local` preset registers
# as its endpoint (8421-8423), its control listener, for its own node, 1000 above (9421-9423).
work=$(mktemp -d)
solver="$CARGO_TARGET_DIR/release/aichain-solver"
"$solver" dataset import --csv "$HOME/.cache/aichain/datasets/digits.csv" --divide-by 16 \
	--test-percent 20 --out-dir "$work/datasets" --name digits --batch-size 32 >/dev/null
pids=()
for port in 8421 8422 8423; do
	"$solver" serve --listen "127.0.0.1:$port" --control-listen "127.0.0.1:$((port + 1000))" \
		--data-dir "$work/solver-$port" \
		--dataset-dir "$work/datasets" --threads 1 >"$work/solver-$port.log" 2>&1 &
	pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
commitment=$("$solver" dataset root "$work/datasets/digits-train.aids" --batch-size 32)
export DIGITS_ROOT=$(grep -o '0x[0-9a-f]*' <<<"$commitment")
export DIGITS_BATCHES=$(grep -o '[0-9]* minibatches' <<<"$commitment" | cut -d' ' -f1)
echo "solver services on 8421-8423, control 9421-9423 (logs in $work), digits root $DIGITS_ROOT"
if [ "${1:-test}" = "spawn" ]; then
	npx zombienet -p native spawn local.toml
	exit
fi
npx zombienet -p native test local-smoke.zndsl
