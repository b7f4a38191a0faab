#!/usr/bin/env bash
# Installs everything tiersim needs on a fresh Debian machine (system
# libraries from apt, Python packages from PyPI) and installs tiersim itself.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang + libclang-rt-14-dev: libFuzzer and its sanitizer runtimes for scripts/fuzz.sh
# (Debian bookworm's default clang is 14).
apt_packages=(g++ cmake ninja-build libboost-dev libboost-graph-dev libboost-math-dev
              libeigen3-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
              clang libclang-rt-14-dev)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
echo "setup: installing Python dependencies"
$PY -m pip install -q --disable-pip-version-check scikit-build-core pybind11 \
  numpy pandas matplotlib pyyaml tqdm pytest hypothesis nbclient nbformat ipykernel \
  "dask[distributed]"
echo "setup: building and installing tiersim (C++ core + Python package)"
$PY -m pip install -q --disable-pip-version-check --no-build-isolation .
echo "setup: done. Try: tiersim run examples/models/three_tier.yaml"
