# Every plot helper draws, labels its axes with units, returns its Axes and saves without error,
# from real runs, and from results with (or without) raw samples and time series.
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import tiersim  # noqa: E402
from tiersim import plots  # noqa: E402
from tiersim.results import Results  # noqa: E402
from tiersim.sweep import SweepResults  # noqa: E402

from conftest import TINY_YAML, mm1_model  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def rate_sweep() -> SweepResults:
    return tiersim.load_sweep(mm1_model(until=3000, replications=3), rates=[0.3, 0.6, 0.9, 1.2], progress=False)


@pytest.fixture(scope="module")
def three_tier() -> Results:
    root = Path(__file__).resolve().parents[2]
    return tiersim.load(root / "examples" / "models" / "three_tier.yaml").run(until=300, warmup=30, progress=False)


def saved(ax, tmp_path: Path, name: str) -> Path:
    """Checks the axes are labelled, then saves their figure and returns the file."""
    assert ax.get_xlabel() and ax.get_ylabel(), (ax.get_xlabel(), ax.get_ylabel())
    assert ax.get_title()
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 5000
    return path


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_response_vs_load_is_the_hockey_stick(rate_sweep: SweepResults, tmp_path: Path) -> None:
    ax = plots.response_vs_load(rate_sweep, percentile=95, slo=4.0)
    saved(ax, tmp_path, "response")
    assert ax.get_xlabel() == "arrival rate (requests/s)" and ax.get_ylabel() == "response time (s)"
    # Rate 1.2 > mu = 1 saturates: marked, listed in the legend, and kept off the scale of the others.
    assert legend_texts(ax) == ["jobs mean", "jobs p95", "SLO 4 s", "saturated"]
    slo = [line for line in ax.get_lines() if line.get_label() == "SLO 4 s"]
    assert slo and list(slo[0].get_ydata()) == [4.0, 4.0]
    c = rate_sweep.classes
    steady_top = max(c["response_p95"][:3].max(), c["response_mean_hi"][:3].max(), 4.0)
    assert ax.get_ylim()[1] == pytest.approx(1.15 * steady_top)
    assert c["response_mean"].iloc[3] > ax.get_ylim()[1]
    assert any(t.get_text().endswith(" s") for t in ax.texts)  # how far off the scale
    unclipped = plots.response_vs_load(rate_sweep, clip=False)
    assert unclipped.get_ylim()[1] > c["response_mean"].iloc[3]


def test_response_vs_load_on_a_given_axes_with_category_labels(tmp_path: Path) -> None:
    base = mm1_model(until=1000, replications=2)
    s = tiersim.sweep(base, {"1 cpu": base, "2 cpus": tiersim.variants.with_servers(base, "cpu", 2)},
                      label="variant", progress=False)
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.response_vs_load(s, cls="jobs", ax=left) is left
    assert plots.throughput_vs_load(s, ax=right) is right
    assert [t.get_text() for t in left.get_xticklabels()] == ["1 cpu", "2 cpus"]
    assert left.get_xlabel() == "variant"
    saved(left, tmp_path, "variants")
    with pytest.raises(KeyError, match="no class named 'job'"):
        plots.response_vs_load(s, cls="job")
    with pytest.raises(ValueError, match="percentile"):
        plots.response_vs_load(s, percentile=97)


def test_throughput_and_utilization_vs_load(rate_sweep: SweepResults, tmp_path: Path) -> None:
    ax = plots.throughput_vs_load(rate_sweep)
    saved(ax, tmp_path, "throughput")
    assert ax.get_ylabel() == "throughput (requests/s)"
    texts = legend_texts(ax)
    assert texts[:2] == ["jobs", "offered load"] and texts[2].startswith("capacity ≈ ")
    ax = plots.utilization_vs_load(rate_sweep)
    saved(ax, tmp_path, "utilization_vs_load")
    assert ax.get_ylabel() == "utilization (%)" and legend_texts(ax) == ["cpu"]


def test_utilization_bars_highlight_the_bottleneck(three_tier: Results, tmp_path: Path) -> None:
    ax = plots.utilization_bars(three_tier)
    saved(ax, tmp_path, "utilization")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["web_cpu", "app_cpu", "db_cpu", "db_disk", "web_threads (pool)", "app_threads (pool)",
                      "db_threads (pool)"]
    bars = ax.patches[: len(labels)]
    colors = [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
    red = matplotlib.colors.to_hex("tab:red")
    assert [c == red for c in colors[:4]] == [False, False, False, True]  # the disk saturates
    heights = [b.get_height() for b in bars]
    assert heights[3] == pytest.approx(100 * three_tier.stations.loc[3, "utilization"])
    assert any(line.get_ydata()[0] == 100 for line in ax.get_lines())  # the 100% line
    ax = plots.utilization_bars(three_tier, pools=False)
    assert len(ax.get_xticklabels()) == 4


def test_utilization_bars_leave_out_delay_stations(tmp_path: Path) -> None:
    r = tiersim.loads(TINY_YAML).run(until=300, progress=False)
    ax = plots.utilization_bars(r)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["web", "db", "conn (pool)"]
    saved(ax, tmp_path, "tiny")


def test_response_breakdown_by_step_and_resource(three_tier: Results, tmp_path: Path) -> None:
    ax = plots.response_breakdown(three_tier)
    saved(ax, tmp_path, "breakdown")
    assert ax.get_xlabel() == "time per request (s)" and ax.get_ylabel() == "step"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "acquire web_threads" and "db_disk_2" in labels
    assert not any(label.startswith("release") for label in labels)  # zero-time steps are left out
    # Service and waiting bars together add up to the class's mean response.
    total = sum(p.get_width() for p in ax.patches)
    assert total == pytest.approx(three_tier.classes.loc[0, "response_mean"], rel=0.02)
    ax = plots.response_breakdown(three_tier, cls="users", by="resource")
    assert ax.get_ylabel() == "resource"
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == sorted(
        ["web_threads", "app_threads", "db_threads", "web_cpu", "app_cpu", "db_cpu", "db_disk"])
    with pytest.raises(ValueError, match="by"):
        plots.response_breakdown(three_tier, by="tier")  # type: ignore[arg-type]


def test_response_breakdown_prefixes_classes_when_several(tmp_path: Path) -> None:
    m = tiersim.Model("two").station("cpu")
    m.open_class("a", tiersim.Exponential(rate=0.2)).visit("cpu", tiersim.Exponential(mean=1.0))
    m.open_class("b", tiersim.Exponential(rate=0.2)).visit("cpu", tiersim.Exponential(mean=1.0))
    r = m.run(until=2000, replications=2, seed=1, progress=False)
    ax = plots.response_breakdown(r)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a: cpu", "b: cpu"]
    saved(ax, tmp_path, "two")


@pytest.mark.parametrize("kind", ["cdf", "hist"])
def test_response_distribution_from_percentiles(three_tier: Results, tmp_path: Path, kind: str) -> None:
    assert getattr(three_tier, "samples", None) is None
    ax = plots.response_distribution(three_tier, kind=kind)  # type: ignore[arg-type]
    saved(ax, tmp_path, f"dist_{kind}")
    assert ax.get_xlabel() == "response time (s)"
    assert ax.get_ylabel() == ("P(response ≤ t)" if kind == "cdf" else "density (1/s)")
    texts = legend_texts(ax)
    assert texts[0] == ("users (percentiles)" if kind == "cdf" else "users (from percentiles)")
    assert texts[1].startswith("users mean")
    marks = {t.get_text().strip() for t in ax.texts}
    assert {"p50", "p95", "p99"} <= marks


class WithSamples(Results):
    """Results carrying raw response times, as ``run(samples=N)`` gives them."""

    @property
    def samples(self):  # type: ignore[override]
        rng = np.random.default_rng(1)
        return {"jobs": rng.exponential(2.0, size=2000)}


@pytest.mark.parametrize("kind", ["cdf", "hist"])
def test_response_distribution_from_raw_samples(mm1_results: Results, tmp_path: Path, kind: str) -> None:
    r = WithSamples(mm1_results.to_dict())
    ax = plots.response_distribution(r, kind=kind)  # type: ignore[arg-type]
    saved(ax, tmp_path, f"samples_{kind}")
    assert legend_texts(ax)[0] == "jobs (2,000 samples)"
    if kind == "cdf":
        line = ax.get_lines()[0]
        assert line.get_ydata()[-1] == 1.0 and len(line.get_xdata()) == 2000
    with pytest.raises(ValueError, match="kind"):
        plots.response_distribution(r, kind="pdf")  # type: ignore[arg-type]


def test_response_distribution_with_real_samples_when_the_core_has_them(tmp_path: Path) -> None:
    import inspect

    if "samples" not in inspect.signature(tiersim.Model.run).parameters:
        pytest.skip("Model.run(samples=N) is not available in this build")
    try:
        r = mm1_model(until=2000, replications=2).run(samples=500, progress=False)
    except (TypeError, tiersim.ModelError) as e:
        pytest.skip(f"the compiled core does not record samples yet: {e}")
    if getattr(r, "samples", None) is None:
        pytest.skip("the compiled core does not record samples yet")
    ax = plots.response_distribution(r, kind="hist")
    assert "samples" in legend_texts(ax)[0]
    saved(ax, tmp_path, "real_samples")


WINDOWS = pd.DataFrame({
    "window_start": [0.0, 10.0, 20.0] * 3,
    "window_end": [10.0, 20.0, 30.0] * 3,
    "kind": ["station"] * 6 + ["class"] * 3,
    "name": ["cpu"] * 3 + ["disk"] * 3 + ["jobs"] * 3,
    "metric": ["utilization"] * 6 + ["response_mean"] * 3,
    "value": [0.2, 0.5, 0.9, 0.1, 0.2, 0.3, 1.0, 2.0, 8.0],
})


class Windowed(Results):
    """Results carrying per-window time series, as ``run(window=W)`` gives them."""

    @property
    def windows(self):  # type: ignore[override]
        return WINDOWS


def test_time_series_draws_each_station(tmp_path: Path) -> None:
    r = Windowed({"model": "m"})
    ax = plots.time_series(r)
    saved(ax, tmp_path, "series")
    assert ax.get_xlabel() == "simulated time (s)" and ax.get_ylabel() == "utilization (fraction busy)"
    assert legend_texts(ax) == ["cpu", "disk"]
    ax = plots.time_series(r, metric="response_mean", kind="class")
    assert ax.get_ylabel() == "response_mean (s)" and legend_texts(ax) == ["jobs"]
    ax = plots.time_series(r, names="disk")
    assert legend_texts(ax) == ["disk"]
    with pytest.raises(ValueError, match="available metrics: response_mean, utilization"):
        plots.time_series(r, metric="throughput")


def test_time_series_without_windows_says_how_to_get_them(mm1_results: Results) -> None:
    with pytest.raises(ValueError, match=r"run with window=\.\.\. to get time series"):
        plots.time_series(mm1_results)


def test_time_series_with_real_windows_when_the_core_has_them(tmp_path: Path) -> None:
    import inspect

    if "window" not in inspect.signature(tiersim.Model.run).parameters:
        pytest.skip("Model.run(window=W) is not available in this build")
    try:
        r = mm1_model(until=2000, replications=2).run(window=100, progress=False)
    except (TypeError, tiersim.ModelError) as e:
        pytest.skip(f"the compiled core does not record windows yet: {e}")
    windows = getattr(r, "windows", None)
    if windows is None or len(windows) == 0:
        pytest.skip("the compiled core does not record windows yet")
    metric = "utilization" if "utilization" in set(windows["metric"]) else str(windows["metric"].iloc[0])
    ax = plots.time_series(r, metric=metric)
    saved(ax, tmp_path, "real_series")
