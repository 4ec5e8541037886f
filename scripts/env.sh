# Shared by the scripts: one persistent cargo target directory outside the clone, so that
# every checkout (and CI) reuses the same build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aichain/target}"
export AICHAIN_NODE="$CARGO_TARGET_DIR/release/aichain-node"
# The runtime's Wasm build looks for Cargo.lock above the target directory; with the target
# directory outside the clone it must be told where the workspace is, or it resolves afresh.
WASM_BUILD_WORKSPACE_HINT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export WASM_BUILD_WORKSPACE_HINT
