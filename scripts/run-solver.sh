#!/usr/bin/env bash
# Build the solver service, prepare the digits dataset and run the solver: its public side on
# http://127.0.0.1:8420, its control side (for the node's --solver-url) on http://127.0.0.1:9420;
# jobs persist in ~/.cache/aichain/solver-data. A dev setup: dataset URLs may point at this
# machine (--allow-private-datasets). Extra arguments go to `aichain-solver serve`, e.g.
# `scripts/run-solver.sh --listen 127.0.0.1:8421 --control-listen 127.0.0.1:9421`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
scripts/fetch-digits.sh
[ -n "${AICHAIN_SOLVER_BUILT:-}" ] || cargo build --release --locked -p aichain-solver
solver="$CARGO_TARGET_DIR/release/aichain-solver"
datasets="$HOME/.cache/aichain/datasets"
"$solver" dataset import --csv "$datasets/digits.csv" --divide-by 16 --test-percent 20 \
	--out-dir "$datasets" --name digits --batch-size 32
exec "$solver" serve --data-dir "$HOME/.cache/aichain/solver-data" --dataset-dir "$datasets" \
	--allow-private-datasets "$@"
