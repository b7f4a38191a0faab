"""The bottleneck finder against theory: bounds and MVA by hand, simulated
curves inside the bounds, knees near N* and 1/D_max, and the bottleneck chain."""
from __future__ import annotations

import doctest
import math
from pathlib import Path

import pytest

import tiersim as ts
from tiersim import analysis, analytic
from tiersim.analysis import breakdown, compare, find_knee, migrate, operational, what_if
from tiersim.sweep import load_sweep
from tiersim.variants import with_servers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "models"


def closed_two_station(users: int = 10) -> ts.Model:
    # D_cpu = 0.2 s, D_disk = 1.5 visits x 0.1 s = 0.15 s, Z = 5 s.
    m = ts.Model("interactive").station("cpu").station("disk")
    c = m.closed_class("users", users, think=ts.Exponential(mean=5.0))
    c.visit("cpu", ts.Exponential(mean=0.2))
    c.visit("disk", ts.Exponential(mean=0.1), next=[("disk", 1 / 3), ("exit", 2 / 3)])
    return m


def hand_mva(demands: list[float], think: float, n: int) -> tuple[float, float]:
    q = [0.0] * len(demands)
    x = r = 0.0
    for k in range(1, n + 1):
        rk = [d * (1 + qi) for d, qi in zip(demands, q)]
        r = sum(rk)
        x = k / (think + r)
        q = [x * ri for ri in rk]
    return x, r


def test_bounds_and_mva_agree_with_a_hand_computed_case() -> None:
    a = operational(closed_two_station(10))
    c = a.classes.iloc[0]
    assert c["total_demand"] == pytest.approx(0.35)
    assert c["max_demand"] == pytest.approx(0.2)
    assert c["bottleneck"] == "cpu"
    assert c["throughput_upper"] == pytest.approx(min(10 / 5.35, 1 / 0.2))
    assert c["response_lower"] == pytest.approx(max(0.35, 10 * 0.2 - 5.0))
    assert c["n_star"] == pytest.approx(5.35 / 0.2)
    x, r = hand_mva([0.2, 0.15], 5.0, 10)
    assert c["mva_throughput"] == pytest.approx(x, rel=1e-12)
    assert c["mva_response"] == pytest.approx(r, rel=1e-12)
    assert a.caveats == []  # exponential FCFS, no pools: product form


def test_three_tier_example_names_the_disk_and_its_bounds() -> None:
    a = operational(ts.load(EXAMPLES / "three_tier.yaml"))
    c = a.classes.iloc[0]
    assert a.bottleneck == "db_disk"
    assert c["throughput_upper"] == pytest.approx(62.5)
    assert c["n_star"] == pytest.approx(1.038 / 0.016)
    assert any("pools" in note for note in a.caveats)


def test_simulated_curve_lies_inside_the_bounds_and_matches_mva() -> None:
    m = closed_two_station()
    users = [1, 5, 15, 30, 45]
    s = load_sweep(m, users=users, until=6000, warmup=200, replications=6, seed=11, progress=False)
    for n in users:
        row = s.classes[s.classes["users"] == n].iloc[0]
        x_mva, _ = hand_mva([0.2, 0.15], 5.0, n)
        upper = min(n / 5.35, 5.0)
        assert row["throughput_lo"] <= upper * (1 + 1e-9), n
        half = (row["throughput_hi"] - row["throughput_lo"]) / 2
        assert abs(row["throughput"] - x_mva) <= 2 * half + 1e-9, (n, row["throughput"], x_mva)


def test_closed_knee_is_within_ten_percent_of_n_star() -> None:
    m = closed_two_station()
    s = load_sweep(m, users=[1, 5, 10, 20, 30, 40, 60, 80], until=4000, warmup=200, replications=4,
                   seed=12, progress=False)
    knee = find_knee(s)
    assert knee.resource == "cpu"
    assert knee.load == pytest.approx(5.35 / 0.2, rel=0.10)
    assert knee.throughput == pytest.approx(5.0, rel=0.05)


def test_open_knee_is_within_ten_percent_of_one_over_d_max() -> None:
    m = ts.Model("web").station("cpu", servers=2, discipline="ps").station("disk")
    q = m.open_class("q", ts.Exponential(rate=1.0))
    q.visit("cpu", ts.Exponential(mean=0.08)).visit("disk", ts.Exponential(mean=0.05))
    # D_max = max(0.08/2, 0.05) = 0.05 -> saturation at 20/s.
    s = load_sweep(m, rates=[4, 8, 12, 16, 19, 22], until=3000, warmup=100, replications=3, seed=13,
                   progress=False, overrides={"max_in_system": 5000})
    knee = find_knee(s)
    assert knee.resource == "disk"
    assert knee.load == pytest.approx(20.0, rel=0.10)


def test_bottleneck_chain_of_a_four_resource_model_is_named_in_order() -> None:
    m = ts.Model("four").station("a").station("b").station("c").station("d")
    q = m.open_class("q", ts.Exponential(rate=10))
    for name, mean in (("a", 0.040), ("b", 0.032), ("c", 0.026), ("d", 0.010)):
        q.visit(name, ts.Exponential(mean=mean))
    chain = migrate(m, steps=3, simulate=True, until=3000, replications=2, seed=14)
    assert chain["bottleneck"].tolist() == ["a", "b", "c", "a"]
    assert chain["ceiling_throughput"].tolist() == pytest.approx([25.0, 31.25, 1 / 0.026, 50.0])
    # The simulation agrees: the named station is the busiest at each step.
    for _, row in chain.iterrows():
        assert row["simulated_utilization"] == pytest.approx(10 * row["demand_per_server"], rel=0.05)


def test_breakdown_accounts_for_the_response_including_pool_waits() -> None:
    r = ts.load(EXAMPLES / "three_tier.yaml").run(until=800, warmup=100, replications=2, seed=15,
                                                   progress=False)
    b = breakdown(r)
    assert set(b["kind"]) >= {"station", "pool"}
    assert b["share"].sum() == pytest.approx(1.0, rel=0.02)
    disk = b[b["resource"] == "db_disk"].iloc[0]
    assert disk["visits"] == pytest.approx(2.0, rel=0.01)
    # With the disk saturated, requests queue for the thread pools above it.
    pools = b[b["kind"] == "pool"]
    assert pools["wait"].sum() > 0.2


def test_compare_puts_mva_inside_the_simulated_interval_for_a_product_form_model() -> None:
    m = closed_two_station(10)
    r = m.run(until=20000, warmup=200, replications=10, seed=16, progress=False)
    table = compare(m, r)
    mva = table[table["source"].str.startswith("MVA")]
    assert len(mva) == 4  # two utilizations, throughput, response
    assert mva["inside"].all(), table


def test_what_if_names_the_cheapest_variant_that_meets_the_slo() -> None:
    m = ts.Model("shop").station("app", servers=2).station("db")
    q = m.open_class("q", ts.Exponential(rate=5))
    q.visit("app", ts.Exponential(mean=0.2)).visit("db", ts.Exponential(mean=0.1))
    w = what_if(m, {"scale out app": lambda m: with_servers(m, "app", 4),
                    "faster db": lambda m: with_servers(m, "db", 2),
                    "both": lambda m: with_servers(with_servers(m, "app", 4), "db", 2)},
                rates=[4, 8], slo=1.0, costs={"baseline": 0, "scale out app": 2, "faster db": 1, "both": 3},
                until=3000, replications=3, seed=17, progress=False)
    assert set(w.table["variant"]) == {"baseline", "scale out app", "faster db", "both"}
    # At 4/s the baseline keeps p95 under 1 s; at 8/s the app (D/c = 0.1 on 2
    # servers) and the db both run at 80%, and only relieving both is enough.
    assert w.cheapest(8) == "both"
    assert w.cheapest(4) == "baseline"


def test_the_analysis_docstrings_run() -> None:
    failed, tried = doctest.testmod(analysis, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failed == 0


def test_cli_analyze_prints_theory_simulation_breakdown_chain_and_knee(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    model = str(EXAMPLES / "three_tier.yaml")
    out = subprocess.run([sys.executable, "-m", "tiersim", "analyze", model, "--until", "300",
                          "--replications", "2", "--users", "20,60,100", "--plot", str(tmp_path),
                          "--json", "--no-progress"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["analytic"]["bottleneck"] == "db_disk"
    assert doc["results"]["bottleneck"]["station"] == "db_disk"
    assert {row["resource"] for row in doc["breakdown"]} >= {"db_disk", "web_threads"}
    assert doc["chain"][0]["bottleneck"] == "db_disk"
    assert doc["knee"]["resource"] == "db_disk"
    assert {p.name for p in tmp_path.iterdir()} == {"utilization.png", "breakdown.png", "knee.png"}
    text = subprocess.run([sys.executable, "-m", "tiersim", "analyze", model, "--until", "300",
                           "--migrate", "1", "--no-progress"], capture_output=True, text=True, timeout=300)
    assert text.returncode == 0, text.stderr
    assert "Where the response time goes" in text.stdout and "Bottleneck chain" in text.stdout
