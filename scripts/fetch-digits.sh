#!/usr/bin/env bash
# Fetch the UCI ML hand-written digits dataset (1,797 8×8 images, 10 classes; Alpaydin & Kaynak,
# CC BY 4.0) exactly as scikit-learn ships it, from the scikit-learn wheel on PyPI, check its
# hash and unpack it to $AICHAIN_DATASETS/digits.csv (default ~/.cache/aichain/datasets).
# Idempotent: does nothing when the checked CSV is already there.
set -euo pipefail

dest=${AICHAIN_DATASETS:-$HOME/.cache/aichain/datasets}
csv=$dest/digits.csv
# sha256 of sklearn/datasets/data/digits.csv.gz and of the unpacked CSV.
gz_sha=09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22
csv_sha=6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8

if [ -s "$csv" ] && echo "$csv_sha  $csv" | sha256sum --check --status; then
	exit 0
fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-digits: downloading the scikit-learn 1.5.2 wheel from PyPI for its digits.csv.gz"
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
	--platform manylinux2014_x86_64 scikit-learn==1.5.2 -d "$tmp"
python3 - "$tmp" "$csv" "$gz_sha" "$csv_sha" <<'PY'
import glob, gzip, hashlib, sys, zipfile
tmp, out, gz_sha, csv_sha = sys.argv[1:]
wheel = zipfile.ZipFile(glob.glob(f"{tmp}/*.whl")[0])
gz = wheel.read("sklearn/datasets/data/digits.csv.gz")
if hashlib.sha256(gz).hexdigest() != gz_sha:
    sys.exit("fetch-digits: digits.csv.gz hash mismatch")
data = gzip.decompress(gz)
if hashlib.sha256(data).hexdigest() != csv_sha:
    sys.exit("fetch-digits: digits.csv hash mismatch")
open(out + ".tmp", "wb").write(data)
PY
mv "$csv.tmp" "$csv"
echo "fetch-digits: $csv (1797 samples, 64 features, label last)"
