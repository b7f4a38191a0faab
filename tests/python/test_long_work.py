# Long work: a sweep's progress moves with every replication, and Ctrl-C keeps the points
# that finished (flagged), from Python and from `tiersim sweep` (exit 130, never a crash).
from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tiersim
import importlib

sweep_module = importlib.import_module("tiersim.sweep")  # (tiersim.sweep is also the function)

ROOT = Path(__file__).resolve().parents[2]
MM1 = ROOT / "examples" / "models" / "mm1.yaml"


def test_the_bar_counts_replications_of_points_running_here(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks: list[tuple[int, int]] = []
    seen: dict[str, int] = {}

    def fake_progress(progress, total, desc, replications=0):
        seen["total"], seen["replications"] = total, replications
        return (lambda done, reps: ticks.append((done, reps))), (lambda: None)

    monkeypatch.setattr(sweep_module, "_progress", fake_progress)
    m = tiersim.load(MM1)
    s = tiersim.load_sweep(m, rates=[10, 20, 30], until=200, replications=3, progress=True)
    assert len(s) == 3 and not s.interrupted
    assert seen == {"total": 3, "replications": 9}
    assert ticks[-1] == (3, 9)  # every replication of every point was counted
    assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)


def test_sweep_results_carry_the_interrupted_flag_through_json() -> None:
    r = tiersim.Results({"model": "m", "classes": []})
    s = tiersim.SweepResults([r], [1], label="rate")
    assert "interrupted" not in s.to_dict()
    s.interrupted = True
    back = tiersim.SweepResults.from_json(s.to_json())
    assert back.interrupted is True and "INTERRUPTED" in back.summary()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_a_python_sweep_returns_the_finished_points() -> None:
    script = textwrap.dedent(f"""
        import json, os, signal, threading, warnings
        import tiersim
        from tiersim.variants import with_arrival_rate
        m = tiersim.load({str(MM1)!r})
        # Two points done in a moment, two that would run for hours.
        models = {{1: with_arrival_rate(m, 1).set_run(until=200, warmup=10), 2: with_arrival_rate(m, 2).set_run(until=200, warmup=10),
                   3: with_arrival_rate(m, 3).set_run(until=1e10, warmup=10), 4: with_arrival_rate(m, 4).set_run(until=1e10, warmup=10)}}
        threading.Timer(6.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s = tiersim.sweep(models, replications=1, progress=False, label="rate")
        print(json.dumps({{"values": s.values, "interrupted": s.interrupted,
                          "warned": any("interrupted" in str(x.message) for x in w)}}), flush=True)
        os._exit(0)  # the two long points are still inside the core: do not wait for them
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"values": [1, 2], "interrupted": True, "warned": True}


def _sweep_cli(*extra: str) -> subprocess.Popen[str]:
    # At 0.001/s for 1e8 s a point is 1e5 requests (a moment); at 50/s it is 5e9 (far too long).
    # One worker: the quick point runs first, alone.
    return subprocess.Popen([sys.executable, "-m", "tiersim", "sweep", str(MM1), "--rates", "0.001,50",
                             "--until", "1e8", "--replications", "1", "--no-progress", "--workers", "1", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_in_tiersim_sweep_keeps_the_finished_points_and_exits_130(signals: int) -> None:
    proc = _sweep_cli("--json")
    time.sleep(6.0)
    for _ in range(signals):  # a second Ctrl-C must not turn into a crash either
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "terminate" not in err and "Traceback" not in err and "Aborted" not in err
    assert "interrupted: 1 of 2 points had finished" in err
    doc = json.loads(out)
    assert doc["interrupted"] is True and doc["values"] == [0.001]
