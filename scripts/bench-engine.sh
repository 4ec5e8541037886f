#!/usr/bin/env bash
# The training engine against numpy float32 (OpenBLAS) on this machine, in one run: samples per
# second on the digits MLPs 64-64-10 and 64-256-10 (batch 32, 30,000 steps; AICHAIN_BENCH_STEPS
# overrides), the engine on 1 and 2 threads, numpy on one OpenBLAS thread, the ratios and the
# test accuracy of each. numpy is installed in a virtual environment under the cache directory.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/fetch-digits.sh
venv=${AICHAIN_BENCH_VENV:-$HOME/.cache/aichain/bench-venv}
if ! "$venv/bin/python" -c 'import numpy' 2>/dev/null; then
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet 'numpy==2.*'
fi
"$venv/bin/python" -c 'import numpy; print("numpy", numpy.__version__)'
AICHAIN_PYTHON="$venv/bin/python" cargo bench --locked -p aichain-engine-tests --bench vs_numpy
