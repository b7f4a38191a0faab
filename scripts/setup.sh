#!/usr/bin/env bash
# Installs everything tiersim needs on a fresh Debian machine and installs tiersim
# itself into a virtual environment, never into the system's Python (Debian's
# refuses that, PEP 668):
#   1. system packages from apt (compilers, C++ libraries, python3-venv, Graphviz
#      for the architecture diagrams, Chromium for the HTML report's test);
#   2. a virtual environment, .venv in the repository ($TIERSIM_VENV to put it
#      elsewhere), with the Python dependencies from PyPI;
#   3. a wheel of tiersim built with `pip wheel`, in a cache directory outside the
#      source tree (nothing is written under the repository but .venv), then
#      installed into the environment.
# Afterwards `source .venv/bin/activate` puts `tiersim` and its Python on PATH
# (or call .venv/bin/tiersim directly). Safe to run again: it skips what is
# there and rebuilds the wheel incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

# clang + libclang-rt-14-dev: libFuzzer and its sanitizer runtimes for scripts/fuzz.sh
# (Debian bookworm's default clang is 14). graphviz: `dot` draws the architecture
# (tiersim draw, Results.diagram). chromium: the HTML report's test renders it headless.
apt_packages=(g++ cmake ninja-build libboost-dev libboost-graph-dev libboost-math-dev
              libeigen3-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
              clang libclang-rt-14-dev python3-venv graphviz chromium)
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
venv=${TIERSIM_VENV:-$repo/.venv}
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating the virtual environment $venv"
  "$PY" -m venv "$venv"
fi
vpy="$venv/bin/python"
pip=("$vpy" -m pip -q --disable-pip-version-check)

echo "setup: installing Python dependencies into $venv"
# The build requirements (the wheel is built without isolation, against these), then
# everything pyproject.toml lists for running, testing and notebooks.
"${pip[@]}" install "scikit-build-core>=0.10" "pybind11>=2.12"
"${pip[@]}" install numpy pandas matplotlib pyyaml tqdm pytest hypothesis nbclient nbformat \
  ipykernel ipywidgets "dask[distributed]"

# Build directory and wheel outside the source tree, one per checkout (keyed by its path).
key=$(printf '%s' "$repo" | sha1sum | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tiersim/$key
mkdir -p "$cache/wheels"
rm -f "$cache"/wheels/tiersim-*.whl
echo "setup: building the tiersim wheel (C++ core + Python package) in $cache"
"${pip[@]}" wheel --no-build-isolation --no-deps -w "$cache/wheels" -Cbuild-dir="$cache/build" "$repo"
wheel=$(ls "$cache"/wheels/tiersim-*.whl)
echo "setup: installing $(basename "$wheel")"
"${pip[@]}" install --force-reinstall --no-deps "$wheel"
echo "setup: done. Try: $venv/bin/tiersim run examples/models/three_tier.yaml"
echo "       (or first: source $venv/bin/activate, then: tiersim run examples/models/three_tier.yaml)"
