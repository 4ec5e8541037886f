#!/usr/bin/env bash
# Build the node and the solver service, start a local solver (public side on
# http://127.0.0.1:8420, control side for the node on http://127.0.0.1:9420; digits dataset
# ready, log in ~/.cache/aichain/solver.log) and run a single-validator dev chain (Alice),
# RPC on ws://127.0.0.1:9944, whose offchain workers use that solver: Ferdie (the dev chain's
# genesis solver) gets its key into the node's keystore, so a task submitted from polkadot.js apps
# is trained, reported, verified by Alice and paid with nothing else to start.
# Extra arguments go to the node, e.g. `scripts/run-dev.sh --log runtime::compute=debug`.
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
echo "local solver: http://127.0.0.1:8420, control http://127.0.0.1:9420 (log: $HOME/.cache/aichain/solver.log)"
echo "aichain dev chain: connect polkadot.js apps at https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:9944"
# Once the RPC answers, put Ferdie's key (type `aicm`) into the keystore: its offchain worker then
# works as the solver. (`author_insertKey` is open to local connections on a dev node.)
node -e '
const body = JSON.stringify({ id: 1, jsonrpc: "2.0", method: "author_insertKey",
  params: ["aicm", "//Ferdie", "0x1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c"] });
(async () => {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch("http://127.0.0.1:9944", { method: "POST", body,
        headers: { "Content-Type": "application/json" } });
      if (r.ok) { console.log("solver key of Ferdie inserted: its offchain worker runs the dev solver"); return; }
    } catch {}
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.error("could not insert the solver key: is the RPC on 9944?");
})();' &
"$AICHAIN_NODE" --dev --solver-url http://127.0.0.1:9420 "$@"
