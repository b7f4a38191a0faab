# The figures a planner puts in a report: each test here pins one defect found by looking at
# the figures (issue 17) so it cannot come back: overlays clipped by the first sweep's y limit,
# the last sweep's title, crowded legends, labels outside the axes, two series of one name,
# a linear what-if squashing the viable designs, pools missing, intervals as thin bars, and
# response curves without the theory (knee, N*, asymptotic bounds).
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import tiersim  # noqa: E402
from tiersim import plots  # noqa: E402
from tiersim.results import Results  # noqa: E402
from tiersim.sweep import SweepResults  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _sweep(model: str, throughputs: dict[str, list[float]], capacity: float, rates: list[float],
           response: float = 0.1) -> SweepResults:
    points = []
    for i, _ in enumerate(rates):
        classes = [{"name": c, "type": "open", "throughput": xs[i], "throughput_ci95": [xs[i] * 0.95, xs[i] * 1.05],
                    "response": {"mean": response * (i + 1), "ci95": [response * (i + 0.9), response * (i + 1.1)],
                                 "p50": response, "p95": 2 * response, "p99": 3 * response}}
                   for c, xs in throughputs.items()]
        points.append(Results({"model": model, "classes": classes,
                               "bottleneck": {"station": "disk", "utilization": 0.5 + 0.1 * i,
                                              "saturation_throughput": capacity}}))
    return SweepResults(points, rates, label="rate", model=model)


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_second_sweep_on_the_same_axes_is_not_clipped_by_the_first() -> None:
    one = _sweep("one_disk", {"q": [20, 40, 62]}, 62.5, [20, 40, 80])
    two = _sweep("two_disks", {"q": [20, 40, 80]}, 125.0, [20, 40, 80])
    ax = plots.throughput_vs_load(one, name="1 disk")
    plots.throughput_vs_load(two, name="2 disks", ax=ax)
    assert ax.get_ylim()[1] > 125.0  # the second design's capacity line is in view
    ax = plots.response_vs_load(_sweep("a", {"q": [1, 2, 3]}, 9, [1, 2, 3], response=0.1), name="a")
    plots.response_vs_load(_sweep("b", {"q": [1, 2, 3]}, 9, [1, 2, 3], response=1.0), name="b", ax=ax)
    assert ax.get_ylim()[1] >= 3.3  # the second sweep's top (mean 3 s, CI to 3.1 s)


def test_overlaid_sweeps_are_all_named_in_the_title() -> None:
    ax = plots.throughput_vs_load(_sweep("shop", {"q": [1, 2]}, 5, [1, 2]), name="1 disk")
    plots.throughput_vs_load(_sweep("shop", {"q": [1, 2]}, 9, [1, 2]), name="2 disks", ax=ax)
    assert ax.get_title() == "Throughput vs load — 1 disk vs 2 disks"
    ax = plots.response_vs_load(_sweep("a", {"q": [1, 2]}, 5, [1, 2]))
    plots.response_vs_load(_sweep("b", {"q": [1, 2]}, 5, [1, 2]), ax=ax)
    assert ax.get_title() == "Response time vs load — a vs b"


def test_overlaid_multi_class_sweeps_compare_totals_in_a_short_legend() -> None:
    mix = {"browse": [10, 20, 30], "order": [1, 2, 3], "search": [5, 10, 15]}
    ax = plots.throughput_vs_load(_sweep("shop", mix, 40, [16, 32, 48]), name="before")
    assert len(_legend(ax)) == 3 + 1 + 1 + 1  # one sweep alone: its classes, total, offered load, capacity
    plots.throughput_vs_load(_sweep("shop", mix, 80, [16, 32, 48]), name="after", ax=ax)
    texts = _legend(ax)
    assert texts == ["before: total", "before: capacity ≈ 40/s (disk)", "after: total",
                     "after: capacity ≈ 80/s (disk)", "offered load"]
    visible = [line for line in ax.get_lines() if line.get_visible() and not line.get_label().startswith("_")]
    assert {line.get_label() for line in visible} >= {"before: total", "after: total"}
    assert not any(line.get_label().startswith("before: browse") for line in visible)


def test_intervals_are_shaded_bands_not_error_bars() -> None:
    s = _sweep("m", {"q": [1, 2, 3]}, 5, [1, 2, 3])
    for draw in (plots.response_vs_load, plots.throughput_vs_load):
        ax = draw(s)
        assert not ax.containers  # no errorbar containers
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 1 and bands[0].get_alpha() < 0.5


def _mixed_model() -> tiersim.Model:
    m = tiersim.Model("shop").station("cpu", servers=2, discipline="ps").station("disk").pool("conn", 3)
    (m.closed_class("users", 5, think=tiersim.Exponential(mean=0.5))
       .acquire("conn").visit("cpu", tiersim.Exponential(mean=0.02)).visit("disk", tiersim.Exponential(mean=0.04))
       .release("conn"))
    return m


@pytest.fixture(scope="module")
def users_sweep() -> SweepResults:
    return tiersim.load_sweep(_mixed_model(), users=[1, 5, 10, 20, 30, 40], until=600, warmup=30, replications=2,
                              seed=2, progress=False)


def test_utilization_vs_load_shows_the_pools(users_sweep: SweepResults) -> None:
    ax = plots.utilization_vs_load(users_sweep)
    texts = _legend(ax)
    assert "conn (pool)" in texts and "cpu" in texts and "disk" in texts
    pool = next(line for line in ax.get_lines() if line.get_label() == "conn (pool)")
    assert pool.get_linestyle() == "--"
    assert max(pool.get_ydata()) > 90  # three connections held through cpu and disk fill up


def test_response_curve_marks_the_bounds_n_star_and_the_knee(users_sweep: SweepResults) -> None:
    ax = plots.response_vs_load(users_sweep, bounds=True)
    texts = _legend(ax)
    # D = 0.02 + 0.04 = 0.06 s, D_max = 0.04 s (disk), Z = 0.5 s: N* = 0.56 / 0.04 = 14 users.
    assert any(t.startswith("bound max(D, N·D_max − Z): D = 0.06 s") for t in texts), texts
    assert "N* = (D + Z)/D_max ≈ 14 users" in texts
    knee = [t for t in texts if t.startswith("knee ≈ ")]
    assert knee and "(" in knee[0]
    bound = next(line for line in ax.get_lines() if line.get_label().startswith("bound"))
    n, r = np.asarray(bound.get_xdata()), np.asarray(bound.get_ydata())
    assert np.allclose(r, np.maximum(0.06, n * 0.04 - 0.5))
    # The simulated mean never beats the bound (within its interval).
    means = users_sweep.classes["response_mean_hi"].to_numpy(float)
    users = users_sweep.classes["users"].to_numpy(float)
    assert np.all(means >= np.maximum(0.06, users * 0.04 - 0.5) * 0.97)


def test_bounds_need_the_model() -> None:
    with pytest.raises(ValueError, match="needs the swept model"):
        plots.response_vs_load(_sweep("m", {"q": [1, 2]}, 5, [1, 2]), bounds=True)


def _inside(ax, artist) -> bool:
    fig = ax.figure
    fig.canvas.draw()
    box, frame = artist.get_window_extent(fig.canvas.get_renderer()), ax.get_window_extent()
    return (box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1 and box.y0 >= frame.y0 - 1
            and box.y1 <= frame.y1 + 1)


@pytest.mark.parametrize("kind", ["cdf", "hist"])
def test_percentile_labels_sit_inside_the_axes(kind: str) -> None:
    # p99 far out on the right: the label used to hang past the frame.
    r = Results({"model": "m", "classes": [{"name": "jobs", "response": {
        "mean": 1.0, "p50": 0.7, "p90": 2.3, "p95": 3.0, "p99": 4.6, "p999": 6.9, "max": 4.7}}]})
    ax = plots.response_distribution(r, kind=kind)
    labels = [t for t in ax.texts if t.get_text().strip() in ("p50", "p95", "p99")]
    assert len(labels) == 3
    for t in labels:
        assert _inside(ax, t), t.get_text()
    # Zoomed on the body of the distribution, the far labels are clipped, never drawn past the frame.
    ax.set_xlim(0, 2.0)
    for t in labels:
        assert _inside(ax, t) or (t.get_clip_on() and t.get_clip_box() is not None), t.get_text()


def test_two_runs_on_one_axes_get_distinct_series_names() -> None:
    def run(model: str, scale: float) -> Results:
        return Results({"model": model, "classes": [{"name": "jobs", "response": {
            "mean": scale, "p50": 0.7 * scale, "p90": 2.3 * scale, "p95": 3 * scale, "p99": 4.6 * scale,
            "p999": 6.9 * scale, "max": 9 * scale}}]})

    ax = plots.response_distribution(run("one_disk", 1.0))
    plots.response_distribution(run("two_disks", 0.5), ax=ax)
    series = [t for t in _legend(ax) if "percentiles" in t]
    assert series == ["jobs (percentiles)", "two_disks: jobs (percentiles)"]
    ax = plots.response_distribution(run("m", 1.0), name="before")
    plots.response_distribution(run("m", 0.5), name="after", ax=ax)
    assert [t for t in _legend(ax) if "percentiles" in t] == ["before: jobs (percentiles)",
                                                               "after: jobs (percentiles)"]


def test_what_if_plot_is_log_scale_with_an_slo_unlike_any_design() -> None:
    from tiersim.analysis import what_if
    from tiersim.variants import with_servers

    m = tiersim.Model("shop").station("db")
    m.open_class("q", tiersim.Exponential(rate=5)).visit("db", tiersim.Exponential(mean=0.15))
    w = what_if(m, {f"{k} disks": (lambda k: lambda m: with_servers(m, "db", k))(k) for k in (2, 3, 4, 5)},
                rates=[4, 6], slo=1.0, until=2000, replications=2, seed=1, progress=False)
    fig = w.plot()
    ax = fig.axes[1]
    assert ax.get_yscale() == "log"
    slo = next(line for line in ax.get_lines() if line.get_label().startswith("SLO"))
    designs = [line for line in ax.get_lines() if not line.get_label().startswith(("SLO", "_"))]
    assert len(designs) == 5
    assert all(to_rgba(d.get_color()) != to_rgba(slo.get_color()) for d in designs)
    assert slo.get_linewidth() > max(d.get_linewidth() for d in designs)
