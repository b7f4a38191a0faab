# Issue 18: inputs that crashed, hung, ate memory or were reported wrongly,
# from the Python API and the command line. Each group covers a category
# (document size and shape, values JSON cannot carry, numbers, route
# structure, messages, exit codes), with the example that was found first.
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tiersim
from tiersim import ModelError

MM1 = """\
name: mm1
stations: [{name: cpu}]
classes:
  - name: q
    interarrival: {dist: exponential, mean: 1.0}
    steps: [{visit: cpu, service: {dist: exponential, mean: 0.5}}]
"""


def mm1() -> tiersim.Model:
    m = tiersim.Model("mm1").station("cpu")
    m.open_class("q", tiersim.Exponential(mean=1.0)).visit("cpu", tiersim.Exponential(mean=0.5))
    return m


def in_subprocess(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Runs code in a fresh interpreter: a crash there fails the test instead of killing pytest."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


# -- the document: size, aliases, nesting -----------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    prev = "a"
    for name in "bcdefghijk"[: levels - 1]:
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    return text


def test_a_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    # Before: past 30 s and 800 MB, growing. Now refused from the node graph.
    start = time.perf_counter()
    with pytest.raises(ModelError, match=r"expands to more than 2,000,000 values"):
        tiersim.loads(billion_laughs())
    assert time.perf_counter() - start < 5  # generous: it takes milliseconds


def test_aliases_that_stay_small_are_still_fine() -> None:
    text = MM1.replace("steps: [{visit: cpu, service: {dist: exponential, mean: 0.5}}]",
                       "steps: [{visit: cpu, service: &s {dist: exponential, mean: 0.5}}, {visit: cpu, service: *s}]")
    assert tiersim.loads(text).to_dict()["classes"][0]["steps"][1]["service"]["mean"] == 0.5


@pytest.mark.parametrize("text, fmt", [("[" * 5000 + "]" * 5000, "yaml"), ("[" * 100_000 + "]" * 100_000, "json"),
                                       ("a: " + "[" * 80 + "]" * 80, "yaml")])
def test_deep_nesting_is_a_model_error(text: str, fmt: str) -> None:
    # Before: "internal error: RecursionError".
    with pytest.raises(ModelError, match="nested"):
        tiersim.loads(text, format=fmt)  # type: ignore[arg-type]


def test_a_document_over_the_size_limit_is_refused_up_front() -> None:
    # Before: a 50 MB YAML model ended in MemoryError after 152 s.
    big = "name: x\nsamples: [" + "0.25, " * (tiersim.io.MAX_TEXT_BYTES // 6 + 1) + "0.25]\n"
    start = time.perf_counter()
    with pytest.raises(ModelError, match=r"a model file may be at most 16 MB"):
        tiersim.loads(big)
    assert time.perf_counter() - start < 5


# -- values JSON cannot carry, with their field path -------------------------------------------


@pytest.mark.parametrize("snippet, path, words", [
    ("stations: [{name: 2024-01-01}]", "stations[0].name", "a date"),
    ("stations: [{name: !!binary aGVsbG8=}]", "stations[0].name", "binary data"),
    ("stations: !!set {a, b}", "stations", "a set"),
    ("stations: [{name: cpu, 1: 2}]", "stations[0]", "key int 1 is not a string"),
    ("stations: [{name: cpu, speed: .nan}]", "stations[0].speed", "nan is not a finite number"),
])
def test_yaml_values_json_cannot_carry_name_their_field(snippet: str, path: str, words: str) -> None:
    # Before: "the model holds a value JSON cannot carry", no path.
    with pytest.raises(ModelError) as err:
        tiersim.loads(f"name: x\n{snippet}\nclasses: []\n")
    assert err.value.path == path
    assert words in err.value.message


def test_loads_takes_text_only() -> None:
    # Before: AttributeError.
    with pytest.raises(TypeError, match=r"loads\(\) takes the model's text \(str\), not int"):
        tiersim.loads(5)  # type: ignore[arg-type]
    assert tiersim.loads(MM1.encode()).name == "mm1"  # bytes: decoded as UTF-8


def test_a_mapping_without_any_model_key_is_not_quoted_back(tmp_path: Path) -> None:
    secret = tmp_path / "settings.yaml"
    secret.write_text("API_TOKEN: sk-very-secret\n")
    with pytest.raises(ModelError) as err:
        tiersim.load(secret)
    assert "not a model file" in str(err.value)
    assert "API_TOKEN" not in str(err.value) and "sk-very" not in str(err.value)


# -- numbers from Python: numpy scalars, NaN overrides, exact integers -------------------------


def test_numpy_numbers_are_plain_numbers() -> None:
    # Before: rejected with an empty path or a raw TypeError.
    m = tiersim.Model("np").station("cpu", servers=np.int64(2), speed=np.float32(1.0))
    m.open_class("q", tiersim.Exponential(mean=1.0)).visit("cpu", np.float64(0.5))
    a = m.run(until=200, seed=np.int64(3), replications=np.int32(2), progress=False)
    b = m.run(until=200, seed=3, replications=2, progress=False)
    assert a.to_dict()["classes"] == b.to_dict()["classes"]
    assert tiersim.Erlang(k=np.int64(2), mean=1.0).to_dict()["k"] == 2


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_override_names_the_setting(value: float) -> None:
    # Before: "overrides: not valid JSON: [json.exception.parse_error.101] ...".
    with pytest.raises(ModelError) as err:
        mm1().run(until=value, progress=False)
    assert err.value.path == "run.until"
    assert "not a finite number" in err.value.message


def test_a_seed_beyond_2_53_is_kept_exactly() -> None:
    # Before: 2^53 + 1 silently became 2^53 (a different run).
    seed = 2**53 + 1
    r = mm1().run(until=50, seed=seed, progress=False)
    assert r.run_info["seed"] == seed
    other = mm1().run(until=50, seed=2**53, progress=False)
    assert r.to_dict()["classes"] != other.to_dict()["classes"]


def test_lognormal_with_an_absurd_cv_is_refused_at_the_field() -> None:
    m = tiersim.Model("ln").station("cpu")
    m.open_class("q", 1.0).visit("cpu", {"dist": "lognormal", "mean": 0.5, "cv": 1e200})
    with pytest.raises(ModelError) as err:
        m.check()
    assert err.value.path == "classes[0].steps[0].service.cv"


# -- results: what cannot be known is null ----------------------------------------------------


def test_percentiles_of_a_class_with_no_completions_are_null() -> None:
    # Before: p50/p99/max were 0.0, as if requests took no time.
    m = tiersim.Model("none").station("cpu")
    m.open_class("q", tiersim.Deterministic(1.0)).visit("cpu", 10.0)
    doc = m.run(until=0.5, progress=False).to_dict()
    resp = doc["classes"][0]["response"]
    assert doc["classes"][0]["completions"] == 0
    for key in ("p50", "p90", "p95", "p99", "p999", "max"):
        assert resp[key] is None, (key, resp)


def test_percentiles_beyond_the_histogram_are_null_not_wrong() -> None:
    # Before: p50 came out 7.99e9 for a response of 5.01e9.
    m = tiersim.Model("slow").station("cpu", discipline="delay")
    m.open_class("q", tiersim.Deterministic(1e9)).visit("cpu", 5.01e9)
    resp = m.run(until=2e10, progress=False).to_dict()["classes"][0]["response"]
    assert resp["p50"] is None
    assert resp["max"] == pytest.approx(5.01e9)
    assert resp["mean"] == pytest.approx(5.01e9)


# -- route structure: refused by check, never a crash -----------------------------------------


FORKS = {
    "join without its fork": [
        {"id": "a", "visit": "cpu", "service": 0.1, "next": [{"to": "f", "p": 0.5}, {"to": "j", "p": 0.5}]},
        {"id": "f", "fork": ["b"]}, {"id": "b", "visit": "cpu", "service": 0.1, "next": "j"},
        {"id": "j", "join": "f"}],
    "branch back into its fork": [
        {"id": "f", "fork": ["b"]},
        {"id": "b", "visit": "cpu", "service": 0.1, "next": [{"to": "f", "p": 0.5}, {"to": "j", "p": 0.5}]},
        {"id": "j", "join": "f"}],
    "fork listing itself": [
        {"id": "f", "fork": ["f", "b"]}, {"id": "b", "visit": "cpu", "service": 0.1, "next": "j"},
        {"id": "j", "join": "f"}],
}


@pytest.mark.parametrize("case", sorted(FORKS))
def test_bad_fork_structures_fail_check_without_crashing(case: str) -> None:
    # Before: `check` passed and `run` segfaulted, or forked until bad_alloc,
    # or ran with responses below the route's minimum. In a subprocess, so a
    # regression fails this test instead of killing pytest.
    doc = {"name": "f", "run": {"until": 100}, "stations": [{"name": "cpu"}],
           "classes": [{"name": "q", "interarrival": 1.0, "steps": FORKS[case]}]}
    code = (f"import json, tiersim\nm = tiersim.Model.from_dict(json.loads({json.dumps(json.dumps(doc))}))\n"
            "try:\n    m.check()\nexcept tiersim.ModelError as e:\n    print('MODELERROR', e.path)\n")
    proc = in_subprocess(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("MODELERROR classes[0].steps["), proc.stdout


def test_choose_weights_summing_to_infinity_do_not_crash() -> None:
    # Before: SIGSEGV from Model.check(), killing the interpreter.
    doc = {"name": "w", "run": {"until": 10}, "stations": [{"name": "a"}, {"name": "b"}],
           "classes": [{"name": "q", "interarrival": 1.0, "steps": [
               {"choose": "random", "to": ["x", "y"], "weights": [1e308, 1e308]},
               {"id": "x", "visit": "a", "service": 0.1, "next": "exit"}, {"id": "y", "visit": "b", "service": 0.1}]}]}
    code = (f"import json, tiersim\nm = tiersim.Model.from_dict(json.loads({json.dumps(json.dumps(doc))}))\n"
            "m.check()\nm.run(progress=False)\nprint('ran')\n")
    proc = in_subprocess(code)
    assert proc.returncode == 0, proc.stderr


# -- the command line: exit codes 0/1/2/130, one escaped line ---------------------------------


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("tiersim")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_until_must_be_a_finite_time(run_cli, write_model, value: str) -> None:
    # Before: "overrides: not valid JSON: [json.exception.parse_error.101] ...".
    proc = run_cli("run", write_model(MM1), "--until", value)
    assert proc.returncode == 2
    assert "argument --until: expected a finite time >= 0" in one_error_line(proc)


def test_an_unknown_plot_format_is_refused_before_the_sweep(run_cli, write_model) -> None:
    # Before: "internal error: ValueError" after the whole sweep ran.
    proc = run_cli("sweep", write_model(MM1), "--rates", "0.5,1.5", "--until", "1e7", "--plot", "x.xyz",
                   "--no-progress")
    assert proc.returncode == 2 and proc.stdout == ""
    line = one_error_line(proc)
    assert "--plot x.xyz: .xyz is not a figure format" in line and ".png" in line


@pytest.mark.parametrize("name", ["cpu\nFORGED LINE", "cpu\x1b[2J\x1b[H", "cpu\u009b31m"])
def test_names_with_control_characters_are_refused_and_escaped(run_cli, write_model, name: str) -> None:
    # Before: a newline forged a second line; ANSI escapes cleared the terminal.
    doc = {"name": "m", "stations": [{"name": name}],
           "classes": [{"name": "q", "interarrival": 1.0, "steps": [{"visit": name, "service": 0.5}]}]}
    proc = run_cli("check", write_model(json.dumps(doc), "m.json"))
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert "stations[0].name" in line and "control character" in line
    assert "\x1b" not in proc.stderr and "\u009b" not in proc.stderr
    if "FORGED" in name:
        assert "FORGED" in line  # on the one error line, not a line of its own


def test_unknown_keys_with_control_characters_are_escaped(run_cli, write_model) -> None:
    doc = {"name": "m", "stations": [{"name": "cpu", "sp\x1b[2Jeed": 1}], "classes": []}
    proc = run_cli("check", write_model(json.dumps(doc), "m.json"))
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr
    assert "\\x1b[2J" in one_error_line(proc)


def test_a_bad_subcommand_with_escapes_is_escaped(run_cli) -> None:
    proc = run_cli("r\x1b[2Jun", "m.yaml")
    assert proc.returncode == 2 and "\x1b" not in proc.stderr


def long_model(tmp_path: Path) -> Path:
    path = tmp_path / "long.yaml"
    path.write_text(MM1 + "run: {until: 1.0e9, replications: 1}\n")
    return path


def interrupt_after(args: list[str], delay: float, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TIERSIM_DEBUG"}
    proc = subprocess.Popen([sys.executable, "-m", "tiersim", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def wait_for_import(cwd: Path) -> float:
    """How long `python -m tiersim --version` takes here: Ctrl-C is sent after that much."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tiersim", "--version"], cwd=cwd, capture_output=True, timeout=120)
    return time.perf_counter() - start


@pytest.mark.parametrize("command", [["run", "--no-progress"], ["analyze", "--no-progress", "--migrate", "0"]])
def test_ctrl_c_while_simulating_exits_130(tmp_path: Path, command: list[str]) -> None:
    # Before: analyze exited 0 after Ctrl-C (the run returned partial results).
    model = long_model(tmp_path)
    proc = interrupt_after([command[0], str(model), *command[1:]], wait_for_import(tmp_path) + 1.0, tmp_path)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert "interrupted" in proc.stderr
