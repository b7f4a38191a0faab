#!/usr/bin/env bash
# Runs every test: builds the C++ library and its GoogleTest suite, runs it
# with ctest, then installs the Python package (scripts/setup.sh: a wheel, into
# the virtual environment .venv) and runs pytest from that environment (which also
# executes the notebooks and the examples, the property tests and the memory
# checks); then the reliability checks: the C++ tests again under ASan+UBSan,
# and a bounded libFuzzer run of the model loader (docs/reliability.md).
# TIERSIM_FUZZ_SECONDS sets the fuzzing time (default 60; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Everything below runs from the environment setup.sh made: its python3, pytest, tiersim.
# shellcheck disable=SC1091
source "${TIERSIM_VENV:-$PWD/.venv}/bin/activate"

jobs=$(nproc 2>/dev/null || echo 2)
echo "== C++: configure, build, ctest"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Release -DTIERSIM_WERROR=ON \
  -DTIERSIM_BUILD_TESTS=ON -DTIERSIM_BUILD_BENCH=ON >/dev/null
cmake --build build/test -j"$jobs"
ctest --test-dir build/test -j"$jobs" --output-on-failure

echo "== Python: pytest"
python3 -m pytest -q tests/python

echo "== Reliability: sanitizers"
bash scripts/check_sanitizers.sh

fuzz_seconds=${TIERSIM_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== Reliability: fuzzing the model loader"
  bash scripts/fuzz.sh "$fuzz_seconds"
fi
