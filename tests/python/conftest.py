# Shared fixtures for the Python suite: small models, one M/M/1 run, and a CLI runner.
# The suite runs against the installed package with its compiled tiersim._core.
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

try:
    import tiersim._core  # noqa: F401
except ImportError as e:  # pragma: no cover - an environment problem, not a test failure
    raise ImportError(
        "tiersim._core is not built: run `pip install .` in the repository root, "
        f"then run the suite again ({e})"
    ) from e

import tiersim

# M/M/1 with arrival rate 0.5 and service rate 1: rho = 0.5, R = 1/(mu - lambda) = 2.
LAMBDA = 0.5
MU = 1.0

MM1_YAML = """\
name: mm1
run:
  until: 20000
  warmup: 1000
  replications: 8
  seed: 1
stations:
  - name: cpu
classes:
  - name: jobs
    type: open
    interarrival: {dist: exponential, rate: 0.5}
    steps:
      - visit: cpu
        service: {dist: exponential, mean: 1.0}
"""

# Small and quick: for CLI and format tests that do not check theory.
TINY_YAML = """\
name: tiny
run:
  until: 2000
  warmup: 100
  replications: 2
  seed: 7
stations:
  - name: web
    servers: 2
  - name: db
  - name: net
    discipline: delay
pools:
  - name: conn
    capacity: 4
classes:
  - name: req
    type: open
    interarrival: {dist: exponential, mean: 1.0}
    steps:
      - visit: web
        service: {dist: exponential, mean: 0.5}
      - acquire: conn
      - visit: db
        service: 0.3
        next: [{to: db, p: 0.2}, {to: release conn, p: 0.8}]
      - release: conn
      - visit: net
        service: {dist: uniform, low: 0.01, high: 0.03}
"""


def mm1_model(until: float = 20000, warmup: float | None = None, replications: int = 8,
              seed: int = 1) -> tiersim.Model:
    """The M/M/1 model built in Python, with its run section (warm-up: 5% of until unless given)."""
    m = tiersim.Model("mm1").station("cpu")
    m.open_class("jobs", tiersim.Exponential(rate=LAMBDA)).visit("cpu", tiersim.Exponential(mean=1 / MU))
    return m.set_run(until=until, warmup=until / 20 if warmup is None else warmup, replications=replications,
                     seed=seed)


@pytest.fixture(scope="session")
def make_mm1() -> Callable[..., tiersim.Model]:
    """make_mm1(until=20000, warmup=1000, replications=8, seed=1) -> the M/M/1 model built in Python."""
    return mm1_model


@pytest.fixture(scope="session")
def mm1_results() -> tiersim.Results:
    """One M/M/1 run (lambda 0.5, mu 1, until 20000, warm-up 1000, 8 replications, seed 1)."""
    return mm1_model().run(progress=False)


@pytest.fixture(scope="session")
def mm1_yaml() -> str:
    """MM1_YAML: the same M/M/1 as a model file."""
    return MM1_YAML


@pytest.fixture(scope="session")
def tiny_yaml() -> str:
    """TINY_YAML: a small model with every kind of step, for quick runs."""
    return TINY_YAML


@pytest.fixture(scope="session")
def tiny_results() -> tiersim.Results:
    """A short run of TINY_YAML: two-server, single-server and delay stations, a pool, a loop."""
    return tiersim.loads(TINY_YAML).run(progress=False)


@pytest.fixture
def write_model(tmp_path: Path) -> Callable[[str, str], Path]:
    """write_model(text, name="model.yaml") -> path of a model file in a temporary directory."""

    def write(text: str, name: str = "model.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """run_cli(*args, input=None) runs `python -m tiersim args...` in a temporary directory."""
    env = {k: v for k, v in os.environ.items() if k != "TIERSIM_DEBUG"}

    def run(*args: Any, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tiersim", *map(str, args)],
            capture_output=True, text=True, cwd=tmp_path, env=env, input=input, timeout=120,
        )

    return run
