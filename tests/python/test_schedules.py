# Rate schedules everywhere: the variants and sweeps scale a schedule as a whole, analyze
# takes a schedule at its peak or at a named time, and the arrival search delivers a schedule's
# mass whatever its cycle.
from __future__ import annotations

import json

import pytest

import tiersim
from tiersim.variants import arrival_rate, scale_load, with_arrival_rate

DAY_YAML = """\
name: day
run: {until: 172800, window: 3600, replications: 4, seed: 3}
stations:
  - {name: cpu, servers: 4}
classes:
  - name: shop
    schedule:
      - {from: 0, rate: 5}
      - {from: 28800, rate: 20}
      - {from: 46800, rate: 60}
      - {from: 61200, rate: 20}
      - {from: 72000, rate: 5}
    cycle: 86400
    steps:
      - {visit: cpu, service: {dist: exponential, mean: 0.04}}
"""
# Mass per day: 5*28800 + 20*18000 + 60*14400 + 20*10800 + 5*14400 = 1,656,000 -> 19.1667/s.
DAY_MEAN = 1_656_000 / 86400


def day_model() -> tiersim.Model:
    return tiersim.loads(DAY_YAML)


def rates(m: tiersim.Model) -> list[float]:
    return [p["rate"] for p in m.to_dict()["classes"][0]["schedule"]]


def test_arrival_rate_of_a_schedule_is_its_mean_over_the_cycle() -> None:
    assert arrival_rate(day_model()) == pytest.approx(DAY_MEAN, rel=1e-12)


def test_scale_load_multiplies_every_period_and_leaves_the_original() -> None:
    m = day_model()
    bigger = scale_load(m, 1.5)
    assert rates(bigger) == pytest.approx([7.5, 30, 90, 30, 7.5], rel=1e-12)
    assert rates(m) == [5, 20, 60, 20, 5]
    assert bigger.to_dict()["classes"][0]["cycle"] == 86400
    assert [p["from"] for p in bigger.to_dict()["classes"][0]["schedule"]] == [0, 28800, 46800, 61200, 72000]


def test_with_arrival_rate_sets_the_mean_rate_and_keeps_the_shape() -> None:
    m = with_arrival_rate(day_model(), 2 * DAY_MEAN)
    assert rates(m) == pytest.approx([10, 40, 120, 40, 10], rel=1e-12)
    assert arrival_rate(m) == pytest.approx(2 * DAY_MEAN, rel=1e-12)


def test_with_arrival_rate_shares_the_total_between_a_schedule_and_a_renewal_class() -> None:
    d = tiersim.loads(DAY_YAML).to_dict()
    d["classes"].append({"name": "batch", "interarrival": {"dist": "exponential", "mean": 1 / DAY_MEAN},
                         "steps": [{"visit": "cpu", "service": 0.01}]})
    m = with_arrival_rate(tiersim.Model.from_dict(d), 4 * DAY_MEAN)  # each class doubles
    assert rates(m) == pytest.approx([10, 40, 120, 40, 10], rel=1e-12)
    assert arrival_rate(m, "batch") == pytest.approx(2 * DAY_MEAN, rel=1e-12)


def test_sweep_on_a_scheduled_model_runs_each_mean_rate(run_cli, write_model) -> None:
    path = write_model(DAY_YAML.replace("until: 172800", "until: 86400").replace("replications: 4",
                                                                                 "replications: 2"))
    proc = run_cli("sweep", path, "--rates", "10,30", "--json", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    got = [p["classes"][0] for p in doc["points"]]
    for target, c in zip([10, 30], got):
        # Poisson arrivals over a day: ~864,000 and ~2.6 M, so 1% is many standard deviations.
        assert c["throughput"] == pytest.approx(target, rel=0.01)


@pytest.mark.parametrize("cycle,pieces", [
    (0.7, [(0, 1000), (0.5, 4000)]),           # 1300 per cycle
    (0.3, [(0, 500), (0.1, 0), (0.2, 2000)]),  # 250 per cycle, with an idle piece
])
def test_short_cycles_deliver_their_scheduled_mass(cycle: float, pieces: list[tuple[float, float]]) -> None:
    until = 100 * cycle
    m = tiersim.Model.from_dict({
        "run": {"until": until, "warmup": 0, "replications": 4, "seed": 11},
        "stations": [{"name": "s", "discipline": "delay"}],
        "classes": [{"name": "c", "cycle": cycle, "schedule": [{"from": f, "rate": r} for f, r in pieces],
                     "steps": [{"visit": "s", "service": 0.001}]}],
    })
    per_cycle = sum(r * ((pieces[i + 1][0] if i + 1 < len(pieces) else cycle) - f) for i, (f, r) in enumerate(pieces))
    expected = 100 * per_cycle
    arrivals = m.run(progress=False).to_dict()["classes"][0]["arrivals"]
    # A Poisson count averaged over 4 replications: within 4 standard deviations.
    assert abs(arrivals - expected) <= 4 * (expected / 4) ** 0.5, (arrivals, expected)


def test_at_time_takes_the_rate_of_that_moment_and_the_peak_by_default() -> None:
    from tiersim.variants import at_time, peak_time

    m = day_model()
    assert peak_time(m) == 46800
    assert arrival_rate(at_time(m, "peak")) == 60
    assert arrival_rate(at_time(m, "09:30")) == 20
    assert arrival_rate(at_time(m, 86400 + 3600)) == 5  # modulo the cycle
    with pytest.raises(ValueError, match="HH:MM"):
        at_time(m, "noon")


def test_analyze_works_at_the_peak_and_theory_matches_it(run_cli, write_model) -> None:
    # At the peak, 60/s on 4 servers of 0.04 s: the cpu is 60% busy (M/M/4); the day's mean would say 19%.
    path = write_model(DAY_YAML.replace("until: 172800", "until: 4000").replace("window: 3600", "window: 1000"))
    proc = run_cli("analyze", path, "--migrate", "0", "--json", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["at"].startswith("Analysed at the peak: t = 46800 s (13:00), 60 requests/s")
    cpu = next(s for s in doc["results"]["stations"] if s["name"] == "cpu")
    lo, hi = cpu["ci95"]["utilization"]
    assert lo <= 0.6 <= hi and hi - lo < 0.05
    proc = run_cli("analyze", path, "--migrate", "0", "--at", "03:00", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Analysed at 03:00: t = 10800 s (03:00), 5 requests/s")
