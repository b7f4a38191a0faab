# The tiersim command line, run as `python -m tiersim`: output, exit codes, one-line errors.
from __future__ import annotations

import json
import re

import pandas as pd

import tiersim
from tiersim.results import STATION_COLUMNS, STEP_COLUMNS


def assert_one_line_error(proc, *fragments: str) -> str:
    """Exit code 2, empty stdout, and exactly one stderr line `tiersim: error: ...` containing fragments."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("tiersim: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


# -- run --------------------------------------------------------------------------------------

def test_run_prints_the_report(run_cli, write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml)
    proc = run_cli("run", path, "--until", 300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "'tiny'" in out
    for section in ("Stations", "Pools", "Classes"):
        assert section in out
    assert re.search(r"Bottleneck: station '\w+' at [\d.]+% utilization", out)
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal


def test_json_output_equals_the_api_results(run_cli, write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml)
    proc = run_cli("run", path, "--json", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    from_cli = json.loads(proc.stdout)
    from_api = json.loads(tiersim.load(path).run(progress=False).to_json())
    for doc in (from_cli, from_api):
        doc["run"].pop("wall_seconds")
    assert from_cli == from_api
    assert from_cli["model"] == "tiny"
    assert proc.stdout == json.dumps(json.loads(proc.stdout), indent=2) + "\n"


def test_options_override_the_run_section(run_cli, write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml)
    proc = run_cli("run", path, "--json", "--until", 500, "--warmup", 50, "--replications", 3, "--seed", 99,
                   "--threads", 2)
    assert proc.returncode == 0, proc.stderr
    run = json.loads(proc.stdout)["run"]
    assert (run["until"], run["warmup"], run["replications"], run["seed"]) == (500, 50, 3, 99)


def test_max_completions_stops_a_run_without_until(run_cli, write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml.replace("  until: 2000\n", ""))
    proc = run_cli("run", path, "--json", "--max-completions", 200, "--warmup", 0, "--replications", 1)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["classes"][0]["completions"] > 0


def test_csv_writes_four_tables(run_cli, write_model, tiny_yaml: str, tmp_path) -> None:
    path = write_model(tiny_yaml)
    proc = run_cli("run", path, "--until", 300, "--csv", "out")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["classes.csv", "pools.csv", "stations.csv", "steps.csv"]
    assert list(pd.read_csv(out / "stations.csv").columns) == STATION_COLUMNS
    assert list(pd.read_csv(out / "steps.csv").columns) == STEP_COLUMNS
    assert "Stations" in proc.stdout  # the report is still printed


def test_model_from_stdin(run_cli, tiny_yaml: str) -> None:
    proc = run_cli("run", "-", "--until", 200, "--json", input=tiny_yaml)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["model"] == "tiny"


def test_saturation_warns_on_stderr_with_json(run_cli, write_model) -> None:
    path = write_model("run: {max_in_system: 500}\nstations: [{name: cpu}]\nclasses:\n- name: q\n"
                       "  interarrival: {dist: exponential, rate: 2}\n"
                       "  steps: [{visit: cpu, service: {dist: exponential, mean: 1}}]\n")
    proc = run_cli("run", path, "--json", "--until", 100000, "--replications", 1, "--seed", 1)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["saturation"]["saturated"] is True
    assert proc.stderr.startswith("tiersim: warning: the model saturated at station 'cpu'")


# -- check --------------------------------------------------------------------------------------

def test_check_accepts_a_good_model(run_cli, write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml)
    proc = run_cli("check", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{path}: ok (model 'tiny': 3 stations, 1 pool, 1 class)\n"


def test_check_rejects_a_bad_model(run_cli, write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml.replace("visit: db", "visit: dbb"))
    assert_one_line_error(run_cli("check", path), "classes[0].steps[2]", "dbb")


# -- errors: exit 2, one line, no traceback ----------------------------------------------------------

def test_missing_file(run_cli) -> None:
    for command in ("run", "check"):
        assert_one_line_error(run_cli(command, "no_such_model.yaml"), "no_such_model.yaml", "not found")


def test_yaml_syntax_error(run_cli, write_model) -> None:
    path = write_model("name: x\nstations:\n  - name: cpu\n   servers: 2\n", "broken.yaml")
    line = assert_one_line_error(run_cli("run", path))
    assert re.search(r"broken\.yaml:4:\d+: YAML syntax error", line), line


def test_unknown_station_in_a_route_names_the_field(run_cli, write_model, mm1_yaml: str) -> None:
    path = write_model(mm1_yaml.replace("visit: cpu", "visit: dsik"))
    line = assert_one_line_error(run_cli("run", path), "dsik")
    assert line.startswith("tiersim: error: classes[0].steps[0].visit"), line


def test_unknown_step_in_next_names_the_field(run_cli, write_model, mm1_yaml: str) -> None:
    path = write_model(mm1_yaml.replace("service: {dist: exponential, mean: 1.0}",
                                        "service: {dist: exponential, mean: 1.0}\n        next: [{to: disk, p: 1}]"))
    line = assert_one_line_error(run_cli("run", path), "disk")
    assert line.startswith("tiersim: error: classes[0].steps[0].next"), line


def test_negative_rate_names_the_field(run_cli, write_model, mm1_yaml: str) -> None:
    path = write_model(mm1_yaml.replace("rate: 0.5", "rate: -2"))
    line = assert_one_line_error(run_cli("run", path), "rate", "-2")
    assert line.startswith("tiersim: error: classes[0].interarrival"), line


def test_top_level_not_a_mapping(run_cli, write_model) -> None:
    path = write_model("- just\n- a list\n")
    assert_one_line_error(run_cli("check", path), "must be a mapping")


def test_bad_option_values_are_usage_errors(run_cli, write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml)
    proc = run_cli("run", path, "--replications", "many")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--replications" in proc.stderr
    proc = run_cli("run", path, "--warmup", "soon")
    assert proc.returncode == 2 and "mser5" in proc.stderr


def test_a_bad_override_is_a_model_error(run_cli, write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml)
    assert_one_line_error(run_cli("run", path, "--replications", 0), "replications")


# -- help and version ------------------------------------------------------------------------------

def test_help_reads_well(run_cli) -> None:
    top = run_cli("--help")
    assert top.returncode == 0
    assert "run" in top.stdout and "check" in top.stdout and "examples:" in top.stdout
    run_help = run_cli("run", "--help")
    assert run_help.returncode == 0
    for option in ("--json", "--csv", "--until", "--warmup", "--replications", "--seed", "--threads",
                   "--max-completions", "--no-progress", "examples:"):
        assert option in run_help.stdout, option


def test_no_command_prints_help_and_exits_2(run_cli) -> None:
    proc = run_cli()
    assert proc.returncode == 2
    assert "usage: tiersim" in proc.stderr


def test_version(run_cli) -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"tiersim {tiersim.__version__}"
