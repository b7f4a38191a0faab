# ModelError: one public exception, a ValueError with the offending field's path, from every entry point.
from __future__ import annotations

import pickle

import pytest

import tiersim
from tiersim import ModelError, _core


def model_with_visit(station: str) -> tiersim.Model:
    m = tiersim.Model("m").station("cpu").station("disk")
    (m.open_class("q", tiersim.Exponential(rate=0.5))
      .visit("cpu", tiersim.Exponential(mean=0.5))
      .visit(station, 0.01))
    return m


def test_model_error_is_a_value_error_with_a_path() -> None:
    e = ModelError("expected a number > 0", path="stations[0].speed")
    assert isinstance(e, ValueError)
    assert e.path == "stations[0].speed"
    assert e.message == "expected a number > 0"
    assert str(e) == "stations[0].speed: expected a number > 0"
    assert str(ModelError("no path")) == "no path" and ModelError("no path").path == ""


def test_model_error_survives_pickling() -> None:
    e = pickle.loads(pickle.dumps(ModelError("bad", path="classes[1].population")))
    assert isinstance(e, ModelError) and e.path == "classes[1].population" and str(e) == "classes[1].population: bad"


def test_the_core_error_is_a_value_error_with_a_path() -> None:
    assert issubclass(_core.ModelError, ValueError)
    with pytest.raises(_core.ModelError) as info:
        _core.check_json('{"stations": [{"name": "cpu", "speed": -1}], "classes": []}')
    assert info.value.path.startswith("stations[0].speed")
    assert str(info.value).startswith(info.value.path + ": ")


def test_check_raises_the_public_error_naming_the_field() -> None:
    with pytest.raises(ModelError) as info:
        model_with_visit("dsik").check()
    e = info.value
    assert type(e) is ModelError  # the public class, not _core's
    assert e.path.startswith("classes[0].steps[1]")
    assert "dsik" in e.message
    assert str(e) == f"{e.path}: {e.message}"
    assert e.__cause__ is None and e.__suppress_context__  # no chained core traceback


def test_run_raises_the_same_error_as_check() -> None:
    m = model_with_visit("dsik")
    with pytest.raises(ModelError) as checked:
        m.check()
    with pytest.raises(ModelError) as ran:
        m.run(until=10, progress=False)
    assert (ran.value.path, str(ran.value)) == (checked.value.path, str(checked.value))


@pytest.mark.parametrize("edit, path_start, words", [
    (lambda d: d["classes"][0]["steps"][0]["service"].update(mean=-1.0),
     "classes[0].steps[0].service", ["mean", "-1"]),
    (lambda d: d["classes"][0]["interarrival"].update(rate=-2),
     "classes[0].interarrival", ["rate", "-2"]),
    (lambda d: d["classes"][0]["steps"][0].update(next=[{"to": "exit", "p": 0.5}, {"to": "cpu", "p": 0.2}]),
     "classes[0].steps[0].next", []),
    (lambda d: d["stations"][0].update(discipline="lifo"), "stations[0].discipline", ["lifo"]),
    (lambda d: d["stations"][0].update(colour="red"), "stations[0]", ["colour"]),
    (lambda d: d["stations"].append({"name": "cpu"}), "stations[1]", ["cpu"]),
    (lambda d: d["classes"].__setitem__(0, {"name": "u", "type": "closed", "population": -3, "think": 1.0,
                                            "steps": d["classes"][0]["steps"]}),
     "classes[0]", ["population"]),
    (lambda d: d["classes"][0]["steps"][0].update(service={"dist": "gamma", "mean": 1}),
     "classes[0].steps[0].service", ["gamma"]),
])
def test_invalid_models_name_the_field(edit, path_start: str, words: list[str]) -> None:
    m = tiersim.Model("m").station("cpu")
    m.open_class("q", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
    data = m.to_dict()
    edit(data)
    with pytest.raises(ModelError) as info:
        tiersim.Model.from_dict(data).check()
    assert info.value.path.startswith(path_start), str(info.value)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_a_run_needs_an_end() -> None:
    m = model_with_visit("disk")
    with pytest.raises(ModelError) as info:
        m.run(progress=False)  # neither until nor max_completions
    assert "until" in str(info.value)


@pytest.mark.parametrize("overrides, word", [
    ({"replications": 0}, "replications"),
    ({"until": -5.0}, "until"),
    ({"warmup": "later"}, "warmup"),
])
def test_bad_run_arguments_are_model_errors(overrides: dict, word: str) -> None:
    with pytest.raises(ModelError) as info:
        model_with_visit("disk").run(progress=False, **{"until": 10, **overrides})
    assert word in info.value.path or word in str(info.value)


def test_errors_from_files_are_model_errors_too(tmp_path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ModelError) as info:
        tiersim.load(path)
    assert isinstance(info.value, ValueError) and info.value.path == ""
