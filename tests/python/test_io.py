# Reading model files: YAML and JSON give the same model; broken files give one clear ModelError.
from __future__ import annotations

import json
from pathlib import Path

import pytest

import tiersim
from tiersim import ModelError


def test_yaml_yml_and_json_files_give_the_same_model(write_model, mm1_yaml: str, make_mm1) -> None:
    from_yaml = tiersim.load(write_model(mm1_yaml, "mm1.yaml"))
    from_yml = tiersim.load(write_model(mm1_yaml, "mm1.yml"))
    from_json = tiersim.load(write_model(json.dumps(from_yaml.to_dict()), "mm1.json"))
    assert from_yaml == from_yml == from_json
    assert from_yaml.name == "mm1"
    assert from_yaml.run_settings == {"until": 20000, "warmup": 1000, "replications": 8, "seed": 1}
    # The file and the Python builder describe the same model.
    assert from_yaml == make_mm1()


def test_the_three_tier_json_twin_is_the_yaml_example() -> None:
    # The C++ tests and benchmarks read tests/data/three_tier.json (C++ reads no
    # YAML); it must stay the example users run.
    root = Path(__file__).resolve().parents[2]
    twin = tiersim.load(root / "tests" / "data" / "three_tier.json")
    assert twin == tiersim.load(root / "examples" / "models" / "three_tier.yaml")
    assert twin.name == "three_tier"


def test_load_accepts_str_paths(write_model, tiny_yaml: str) -> None:
    path = write_model(tiny_yaml)
    assert tiersim.load(str(path)).station_names == ["web", "db", "net"]


def test_a_loaded_model_checks_and_runs(write_model, tiny_yaml: str) -> None:
    m = tiersim.load(write_model(tiny_yaml))
    m.check()
    r = m.run(until=200, replications=1, progress=False)
    assert r.model == "tiny"


def test_yaml_reads_exponent_floats_as_numbers() -> None:
    m = tiersim.loads("stations: [{name: cpu}]\nclasses:\n- name: q\n  interarrival: 2e-3\n"
                      "  steps: [{visit: cpu, service: 1E-4}]\n")
    cls = m.to_dict()["classes"][0]
    assert cls["interarrival"] == 0.002
    assert cls["steps"][0]["service"] == 0.0001


def test_loads_json_and_yaml_text(mm1_yaml: str) -> None:
    m = tiersim.loads(mm1_yaml)
    assert tiersim.loads(m.to_json(), format="json") == m
    with pytest.raises(ValueError, match="format"):
        tiersim.loads(mm1_yaml, format="toml")  # type: ignore[arg-type]


def test_yaml_syntax_error_names_line_and_column(write_model) -> None:
    path = write_model("name: x\nstations:\n  - name: cpu\n   servers: 2\n", "broken.yaml")
    with pytest.raises(ModelError) as info:
        tiersim.load(path)
    e = info.value
    assert e.path == ""
    assert str(e).startswith(f"{path}:4:")
    assert "YAML syntax error" in str(e)


def test_json_syntax_error_names_line_and_column(write_model) -> None:
    path = write_model('{"name": "x",\n "stations": [,]}', "broken.json")
    with pytest.raises(ModelError) as info:
        tiersim.load(path)
    assert info.value.path == ""
    assert str(info.value).startswith(f"{path}:2:")
    assert "JSON syntax error" in str(info.value)


@pytest.mark.parametrize("text, words", [
    ("- name: cpu\n", "must be a mapping"),
    ("just a string\n", "must be a mapping"),
    ("", "empty"),
    ("# only a comment\n", "empty"),
])
def test_a_document_that_is_not_a_mapping_is_rejected(write_model, text: str, words: str) -> None:
    with pytest.raises(ModelError, match=words) as info:
        tiersim.load(write_model(text))
    assert info.value.path == ""


def test_a_repeated_key_is_an_error_not_silently_dropped(write_model) -> None:
    path = write_model("name: a\nstations: [{name: cpu}]\nname: b\nclasses: []\n")
    with pytest.raises(ModelError, match=r"key 'name' appears twice .*line 1") as info:
        tiersim.load(path)
    assert str(info.value).startswith(f"{path}:3:")
    with pytest.raises(ModelError, match="appears twice"):
        tiersim.loads('{"name": "a", "name": "b"}', format="json")


def test_a_missing_file_raises_file_not_found(tmp_path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        tiersim.load(tmp_path / "nope.yaml")
    assert info.value.filename == str(tmp_path / "nope.yaml")


def test_content_errors_come_from_the_core_with_the_field_path(write_model) -> None:
    # load() only parses; the core names the bad field when the model is checked.
    m = tiersim.load(write_model("stations: [{name: cpu, servers: -1}]\nclasses: []\n"))
    with pytest.raises(ModelError) as info:
        m.check()
    assert info.value.path.startswith("stations[0].servers")
