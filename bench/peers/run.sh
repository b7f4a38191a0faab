#!/usr/bin/env bash
# Peer comparison: makes bench/peers/.venv (seeing the installed tiersim,
# numpy and pandas), installs SimPy and Ciw into it, then runs compare.py.
#   bench/peers/run.sh [--quick] [--json out.json] [--models mm1,closed] ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv --system-site-packages "$venv"
fi
"$venv/bin/python" -m pip install -q -r "$here/requirements.txt"
"$venv/bin/python" -c "import tiersim" 2>/dev/null || {
    echo "run.sh: tiersim is not importable; install it first: cd $root && pip install ." >&2
    exit 1
}
cd "$root"
exec "$venv/bin/python" bench/peers/compare.py "$@"
