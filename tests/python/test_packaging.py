# The install behaves like a Python package's: no build/ written into the source tree, the
# supported Python versions stated, an import that loads the heavy parts on first use, and a
# README whose first command installs into (and runs from) a virtual environment.
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import pytest

        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_pip_install_path_never_builds_inside_path() -> None:
    build_dir = _pyproject()["tool"]["scikit-build"].get("build-dir")
    # Unset: a temporary directory. A relative one is created inside the source tree.
    assert build_dir is None or Path(build_dir).is_absolute(), build_dir


def test_the_supported_python_versions_are_stated() -> None:
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.10"
    versions = [c for c in project["classifiers"] if c.startswith("Programming Language :: Python :: 3.")]
    assert versions and f"Programming Language :: Python :: {sys.version_info.major}.{sys.version_info.minor}" \
        in versions


def test_import_tiersim_leaves_pandas_matplotlib_and_the_analysis_for_later() -> None:
    probe = ("import sys, tiersim; print(sorted(m for m in ('pandas', 'matplotlib', 'tiersim.analysis', "
             "'tiersim.results', 'tiersim.plots') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    # ... and they come when used.
    probe = "import sys, tiersim; tiersim.Results; tiersim.plots; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_the_readme_installs_into_a_virtual_environment_and_says_how_to_activate_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/setup.sh && .venv/bin/tiersim run examples/models/three_tier.yaml" in readme
    assert "source .venv/bin/activate" in readme
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "-m venv" in setup and "pip\" wheel" not in setup and " wheel --no-build-isolation" in setup
    assert "--no-build-isolation ." not in setup  # never a global `pip install .` again
    test = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "bin/activate" in test
