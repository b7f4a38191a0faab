# Results through the Python API: M/M/1 against theory, DataFrame shapes and dtypes, reports.
from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from pandas.api.types import is_float_dtype, is_string_dtype

import tiersim
from tiersim.report import bottleneck_sentence, format_number, format_report
from tiersim.results import CLASS_COLUMNS, POOL_COLUMNS, STATION_COLUMNS, STEP_COLUMNS

LAMBDA, MU = 0.5, 1.0
RHO = LAMBDA / MU


def covers(value: float, lo: float, hi: float, theory: float, widths: float = 3.0) -> bool:
    """True when ``theory`` lies within ``widths`` half-widths of ``value``."""
    half = (hi - lo) / 2
    return lo <= theory <= hi or abs(value - theory) <= widths * half


# -- M/M/1 against theory -----------------------------------------------------

def test_mm1_response_time_matches_theory(mm1_results: tiersim.Results) -> None:
    c = mm1_results.classes.iloc[0]
    theory = 1 / (MU - LAMBDA)  # 2
    assert c["response_mean_lo"] < c["response_mean"] < c["response_mean_hi"]
    assert covers(c["response_mean"], c["response_mean_lo"], c["response_mean_hi"], theory), c
    s = mm1_results.stations.iloc[0]
    assert covers(s["mean_response"], s["mean_response_lo"], s["mean_response_hi"], theory), s


def test_mm1_utilization_throughput_and_queue_match_theory(mm1_results: tiersim.Results) -> None:
    s = mm1_results.stations.iloc[0]
    assert s["utilization"] == pytest.approx(RHO, abs=0.02)
    assert covers(s["utilization"], s["utilization_lo"], s["utilization_hi"], RHO)
    assert s["throughput"] == pytest.approx(LAMBDA, rel=0.03)
    assert s["mean_in_system"] == pytest.approx(RHO / (1 - RHO), rel=0.1)  # L = 1
    assert s["mean_queue_length"] == pytest.approx(RHO**2 / (1 - RHO), rel=0.15)  # Lq = 0.5
    assert s["mean_wait"] == pytest.approx(RHO / (MU - LAMBDA), rel=0.15)  # W = 1
    assert s["mean_service"] == pytest.approx(1 / MU, rel=0.03)
    # Little's law holds on the estimates themselves.
    assert s["mean_in_system"] == pytest.approx(s["throughput"] * s["mean_response"], rel=0.03)


def test_mm1_response_percentiles_match_the_exponential_law(mm1_results: tiersim.Results) -> None:
    # M/M/1 FCFS response is exponential with rate mu - lambda: p_q = -ln(1 - q) / (mu - lambda).
    c = mm1_results.classes.iloc[0]
    for col, q, tol in [("response_p50", 0.5, 0.08), ("response_p90", 0.9, 0.08), ("response_p99", 0.99, 0.15)]:
        assert c[col] == pytest.approx(-math.log(1 - q) / (MU - LAMBDA), rel=tol), col
    ordered = [c[f"response_{p}"] for p in ("p50", "p90", "p95", "p99", "p999", "max")]
    assert ordered == sorted(ordered)


def test_mm1_class_counts_bottleneck_and_run_info(mm1_results: tiersim.Results) -> None:
    c = mm1_results.classes.iloc[0]
    assert c["name"] == "jobs" and c["type"] == "open"
    assert c["throughput"] == pytest.approx(LAMBDA, rel=0.03)
    assert c["loss_probability"] == 0 and c["losses"] == 0
    measured = mm1_results.run_info["simulated_time"]  # per replication, after warm-up
    assert measured == pytest.approx(19000, rel=0.01)
    assert c["completions"] == pytest.approx(LAMBDA * measured, rel=0.05)
    b = mm1_results.bottleneck
    assert b["station"] == "cpu"
    assert b["utilization"] == pytest.approx(RHO, abs=0.02)
    assert b["saturation_throughput"] == pytest.approx(MU, rel=0.05)
    assert mm1_results.saturation["saturated"] is False and not mm1_results.saturated
    run = mm1_results.run_info
    assert run["replications"] == 8 and run["seed"] == 1
    assert run["until"] == 20000 and run["warmup"] == 1000
    assert run["interrupted"] is False
    assert run["events"] > 0 and run["wall_seconds"] >= 0


# -- DataFrames -----------------------------------------------------------------

def check_dtypes(df: pd.DataFrame, text: list[str], ints: list[str]) -> None:
    for col in df.columns:
        if col in text:
            assert is_string_dtype(df[col]), (col, df[col].dtype)
        elif col in ints:
            assert df[col].dtype == "Int64", (col, df[col].dtype)
        else:
            assert is_float_dtype(df[col]) and df[col].dtype == "float64", (col, df[col].dtype)


def test_station_frame_columns_and_dtypes(tiny_results: tiersim.Results) -> None:
    df = tiny_results.stations
    assert list(df.columns) == STATION_COLUMNS
    assert list(df["name"]) == ["web", "db", "net"]
    check_dtypes(df, text=["name", "discipline"], ints=["servers"])
    assert df["servers"].tolist()[:2] == [2, 1]
    assert df.loc[2, "discipline"] == "delay" and df["servers"].isna().tolist() == [False, False, True]
    for m in ("utilization", "throughput", "mean_in_system", "mean_queue_length", "mean_wait", "mean_response"):
        assert (df[f"{m}_lo"] <= df[m] + 1e-12).all() and (df[m] <= df[f"{m}_hi"] + 1e-12).all(), m


def test_pool_class_and_step_frames(tiny_results: tiersim.Results) -> None:
    pools = tiny_results.pools
    assert list(pools.columns) == POOL_COLUMNS
    check_dtypes(pools, text=["name"], ints=["capacity"])
    assert pools.loc[0, "name"] == "conn" and pools.loc[0, "capacity"] == 4
    assert 0 < pools.loc[0, "utilization"] < 1

    classes = tiny_results.classes
    assert list(classes.columns) == CLASS_COLUMNS
    check_dtypes(classes, text=["name", "type"], ints=[])

    steps = tiny_results.steps
    assert list(steps.columns) == STEP_COLUMNS
    check_dtypes(steps, text=["class", "id", "kind", "target"], ints=[])
    assert steps["class"].tolist() == ["req"] * 5
    assert steps["kind"].tolist() == ["visit", "acquire", "visit", "release", "visit"]
    assert steps["id"].tolist() == ["web", "acquire conn", "db", "release conn", "net"]
    db = steps.set_index("id").loc["db"]
    assert db["visits"] == pytest.approx(1 / 0.8, rel=0.1)  # geometric re-visits, p = 0.2
    assert (steps["residence"] == steps["wait"] + steps["service"]).all()


def test_frames_of_an_empty_section_keep_columns_and_dtypes(mm1_results: tiersim.Results) -> None:
    pools = mm1_results.pools
    assert len(pools) == 0
    assert list(pools.columns) == POOL_COLUMNS
    assert pools["utilization"].dtype == "float64" and pools["capacity"].dtype == "Int64"


def test_to_csv_writes_the_four_tables(tiny_results: tiersim.Results, tmp_path) -> None:
    written = tiny_results.to_csv(tmp_path / "out")
    assert [p.name for p in written] == ["stations.csv", "pools.csv", "classes.csv", "steps.csv"]
    back = pd.read_csv(tmp_path / "out" / "stations.csv")
    assert list(back.columns) == STATION_COLUMNS
    assert back["utilization"].tolist() == pytest.approx(tiny_results.stations["utilization"].tolist())


# -- the document and the reports ---------------------------------------------------

def test_document_round_trips_through_json(mm1_results: tiersim.Results) -> None:
    text = mm1_results.to_json()
    again = tiersim.Results.from_json(text)
    assert again.to_dict() == mm1_results.to_dict()
    assert json.loads(mm1_results.to_json(indent=2)) == mm1_results.to_dict()
    d = mm1_results.to_dict()
    d["stations"].clear()
    assert len(mm1_results.to_dict()["stations"]) == 1


def test_document_has_the_results_contract(tiny_results: tiersim.Results) -> None:
    d = tiny_results.to_dict()
    assert {"model", "run", "stations", "pools", "classes", "bottleneck", "saturation"} <= set(d)
    assert {"name", "servers", "utilization", "throughput", "mean_queue_length", "mean_wait",
            "mean_response"} <= set(d["stations"][0])
    assert {"name", "capacity", "utilization", "mean_wait"} <= set(d["pools"][0])
    assert {"name", "throughput", "loss_probability", "response"} <= set(d["classes"][0])
    assert {"mean", "p50", "p95", "p99", "ci95"} <= set(d["classes"][0]["response"])
    assert set(d["bottleneck"]) >= {"station", "utilization", "saturation_throughput"}
    assert d["stations"][2]["servers"] is None  # the delay station


def test_summary_is_the_text_report(mm1_results: tiersim.Results) -> None:
    text = mm1_results.summary()
    assert text == repr(mm1_results) == format_report(mm1_results.to_dict())
    assert "'mm1'" in text and "8 replications" in text
    assert "Stations" in text and "Classes" in text and "Pools" not in text
    u = mm1_results.bottleneck["utilization"]
    assert f"Bottleneck: station 'cpu' at {100 * u:.1f}% utilization; throughput saturates near" in text
    assert "SATURATED" not in text


def test_html_repr_has_tables_and_the_bottleneck(tiny_results: tiersim.Results) -> None:
    html = tiny_results._repr_html_()
    assert html.count("<table") == 3
    assert "Bottleneck: station" in html


def test_a_saturated_open_system_is_reported_not_run_out_of_memory() -> None:
    m = tiersim.Model("overload").station("cpu")
    m.open_class("q", tiersim.Exponential(rate=2.0)).visit("cpu", tiersim.Exponential(mean=1.0))
    r = m.run(until=1e5, max_in_system=500, replications=1, seed=3, progress=False)
    assert r.saturated
    assert r.saturation["station"] == "cpu"
    assert r.saturation["reason"]
    text = r.summary()
    assert "SATURATED at 'cpu'" in text
    assert text.index("SATURATED") < text.index("Stations")


def test_report_formatting_helpers() -> None:
    assert format_number(0.123456) == "0.1235"
    assert format_number(20000.0) == "20000"
    assert format_number(float("nan")) == "-"
    assert bottleneck_sentence({"bottleneck": {"station": "disk", "utilization": 0.934,
                                               "saturation_throughput": 10.7}}) == (
        "Bottleneck: station 'disk' at 93.4% utilization; throughput saturates near 10.7/s")
    assert bottleneck_sentence({}) == ""
