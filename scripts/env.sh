# Shared by the scripts: one persistent cargo target directory outside the clone, so that
# every checkout (and CI) reuses the same build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aichain/target}"
export AICHAIN_NODE="$CARGO_TARGET_DIR/release/aichain-node"
