# Windows as first-class results: per-window intervals across replications, the peak window
# beside the whole run with its bottleneck, windows.csv, and day plots with bands in hours.
from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import tiersim
from tiersim import plots

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "models" / "infra" / "afternoon_peak.yaml"
# 15 requests/s of 0.2 s on 4 cores at the peak (14:00-17:00): 75% busy; over the day 5.125/s: 25.6%.
PEAK_UTIL, DAY_UTIL = 15 * 0.2 / 4, 5.125 * 0.2 / 4


@pytest.fixture(scope="module")
def day() -> tiersim.Results:
    return tiersim.load(EXAMPLE).run(replications=4, seed=5, progress=False)


def test_every_window_carries_an_interval_across_replications(day: tiersim.Results) -> None:
    w = day.windows
    assert {"lo", "hi"} <= set(w.columns)
    cpu = w[(w["kind"] == "station") & (w["metric"] == "utilization")]
    assert len(cpu) == 24
    assert ((cpu["lo"] < cpu["value"]) & (cpu["value"] < cpu["hi"])).all()


def test_the_peak_window_is_in_the_afternoon_and_its_bottleneck_is_the_cpu(day: tiersim.Results) -> None:
    peak = day.peak
    assert peak is not None and 14 * 3600 <= peak["start"] < 17 * 3600
    cpu = day.windows[(day.windows["name"] == peak["station"]) & (day.windows["metric"] == "utilization")]
    row = cpu.iloc[peak["index"]]
    half = (row["hi"] - row["lo"]) / 2
    assert abs(row["value"] - PEAK_UTIL) <= 2 * half and half < 0.05, row
    assert peak["station"].endswith("cpu")


def test_the_report_shows_the_peak_next_to_the_whole_run(day: tiersim.Results) -> None:
    text = day.summary()
    assert re.search(r"Peak window 1[567] of 24: \d+-\d+ s \(1[456]:00-1[567]:00\)", text), text
    m = re.search(r"Bottleneck of the peak: station '([\w.]+)' at ([\d.]+)% utilization \(whole run: ([\d.]+)%\)", text)
    assert m and m.group(1).endswith("cpu"), text
    assert float(m.group(2)) == pytest.approx(100 * PEAK_UTIL, abs=3)
    assert float(m.group(3)) == pytest.approx(100 * DAY_UTIL, abs=1)
    # The whole-run table's percentiles now carry intervals (replications give them).
    assert re.search(r"report\s+open.*±.*±.*±", text), text


def test_csv_writes_the_windows(day: tiersim.Results, tmp_path: Path, run_cli) -> None:
    written = [p.name for p in day.to_csv(tmp_path / "api")]
    assert "windows.csv" in written
    w = pd.read_csv(tmp_path / "api" / "windows.csv")
    assert list(w.columns) == ["window_start", "window_end", "kind", "name", "metric", "value", "lo", "hi"]
    proc = run_cli("run", str(EXAMPLE), "--until", "7200", "--csv", str(tmp_path / "cli"), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "cli" / "windows.csv").exists()


def test_a_day_is_drawn_in_hours_with_bands(day: tiersim.Results) -> None:
    ax = plots.time_series(day, "utilization", kind="station")
    assert "hours" in ax.get_xlabel()
    assert ax.get_xlim()[1] <= 26  # hours, not seconds
    filled = [p for p in ax.patches if getattr(p, "get_fill", lambda: False)()]
    assert filled, "no interval band"
