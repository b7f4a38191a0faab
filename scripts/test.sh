#!/usr/bin/env bash
# Runs every test: builds the C++ library and its GoogleTest suite, runs it
# with ctest, then installs the Python package and runs pytest (which also
# executes the notebooks and the examples).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
echo "== C++: configure, build, ctest"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Release -DTIERSIM_WERROR=ON \
  -DTIERSIM_BUILD_TESTS=ON -DTIERSIM_BUILD_BENCH=ON >/dev/null
cmake --build build/test -j"$jobs"
ctest --test-dir build/test -j"$jobs" --output-on-failure

echo "== Python: pytest"
python3 -m pytest -q tests/python
