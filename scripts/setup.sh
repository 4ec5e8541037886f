#!/usr/bin/env bash
# Install what building and testing aichain needs. Idempotent: safe to run again and again.
set -euo pipefail

need_apt=()
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# scripts/fetch-digits.sh takes the public digits dataset from the scikit-learn wheel on PyPI.
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "setup: installing ${need_apt[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v rustup >/dev/null 2>&1; then
	echo "setup: rustup is required (https://rustup.rs)" >&2
	exit 1
fi
installed_targets=$(rustup target list --installed)
for target in wasm32-unknown-unknown wasm32v1-none; do
	grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
