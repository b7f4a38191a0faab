"""Running from Python: progress callbacks, their errors, and Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

import tiersim as ts


def _mm1(until: float = 2000.0) -> ts.Model:
    m = ts.Model("mm1").station("cpu")
    m.open_class("q", ts.Exponential(rate=0.8)).visit("cpu", ts.Exponential(mean=1.0))
    m.set_run(until=until, seed=1)
    return m


def test_progress_reports_every_replication_in_order() -> None:
    seen: list[tuple[int, int]] = []
    _mm1().run(replications=4, threads=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (4, 4)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_an_error_in_the_progress_callback_reaches_the_caller() -> None:
    def boom(done: int, total: int) -> None:
        raise ValueError("stop here")

    with pytest.raises(ValueError, match="stop here"):
        _mm1().run(replications=3, threads=1, progress=boom)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_returns_the_partial_results_flagged_as_interrupted() -> None:
    # A run far too long to finish: SIGINT after a moment must end it with results.
    script = textwrap.dedent("""
        import os, signal, threading, warnings, json
        import tiersim as ts
        m = ts.Model("long").station("cpu")
        m.open_class("q", ts.Exponential(rate=0.8)).visit("cpu", ts.Exponential(mean=1.0))
        threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = m.run(until=1e12, replications=2, seed=1, progress=False)
        print(json.dumps({"interrupted": r.run_info["interrupted"],
                          "completions": float(r.classes["completions"].iloc[0]),
                          "warned": any("interrupted" in str(x.message) for x in w)}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    import json
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["interrupted"] is True
    assert got["completions"] > 0
    assert got["warned"] is True


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_the_cli_prints_the_partial_report_and_exits_130() -> None:
    from pathlib import Path
    import time

    model = Path(__file__).resolve().parents[2] / "examples" / "models" / "mm1.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "tiersim", "run", str(model), "--until", "1e12",
                             "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "INTERRUPTED" in out and "Stations" in out
    assert "interrupted" in err and "Traceback" not in err
