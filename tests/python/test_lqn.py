# The LQN import (tiersim.lqn): how each LQN element becomes tiersim's, what is refused and
# how, and the LQN result XML writer. No simulation here: test_lqn_suite.py runs the models.
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tiersim import ModelError
from tiersim.lqn import model_dict, read_lqxo
from tiersim.lqn.demand import slice_distribution
from tiersim.lqn.lqxo import results_by_lqn_name, write


def lqn(body: str) -> str:
    return f'<?xml version="1.0"?>\n<lqn-model name="m">\n{body}\n</lqn-model>\n'


CLIENT = """
<processor name="pc" scheduling="inf">
  <task name="users" scheduling="ref" multiplicity="7" think-time="2.5">
    <entry name="cycle" type="PH1PH2"><entry-phase-activities>
      <activity name="cycle_1" phase="1" host-demand-mean="0.5">
        <synch-call dest="{dest}" calls-mean="{calls}"/>
      </activity>
    </entry-phase-activities></entry>
  </task>
</processor>
"""

SERVER = """
<processor name="ps1" scheduling="ps" multiplicity="4">
  <task name="app" multiplicity="8">
    <entry name="get" type="PH1PH2"><entry-phase-activities>
      <activity name="get_1" phase="1" host-demand-mean="0.3"/>
      <activity name="get_2" phase="2" host-demand-mean="0.2"/>
    </entry-phase-activities></entry>
  </task>
</processor>
"""


def translate(body: str) -> tuple[dict[str, Any], Any]:
    return model_dict(lqn(body))


def steps_by_id(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in steps}


def branch_heads(s: dict[str, dict[str, Any]], fork: dict[str, Any]) -> list[str]:
    """A fork's branches, looking through the coin that shuffles branches racing for a station."""
    return [s[t]["to"][1] if "choose" in s[t] else t for t in fork["fork"]]


def test_reference_task_is_a_closed_class_calling_with_geometric_slices() -> None:
    data, m = translate(CLIENT.format(dest="get", calls=2) + SERVER)
    (cls,) = data["classes"]
    assert cls["type"] == "closed" and cls["population"] == 7
    assert cls["think"] == {"dist": "exponential", "mean": 2.5}
    s = steps_by_id(cls["steps"])
    head = cls["steps"][0]
    # lqsim's slices: demand 0.5 cut in Y+1 = 3 slices; after each, call with p = Y/(Y+1).
    assert head["visit"] == "pc" and head["service"] == {"dist": "exponential", "mean": pytest.approx(0.5 / 3)}
    assert [o["p"] for o in head["next"]] == [pytest.approx(2 / 3), pytest.approx(1 / 3)]
    call = s[head["next"][0]["to"]]
    assert call["call"] == "app.get" and call["next"] == head["id"]
    assert head["next"][1]["to"] == "exit"
    assert data["stations"] == [{"name": "pc", "discipline": "delay"}]
    assert m.classes == {"users": "users"}


def test_task_is_a_service_with_its_own_processor_as_template_and_phase2_after_the_reply() -> None:
    data, m = translate(CLIENT.format(dest="get", calls=1) + SERVER)
    (svc,) = data["services"]
    assert svc["name"] == "app" and svc["threads"] == 8 and "replicas" not in svc
    assert svc["stations"] == [{"name": "ps1", "discipline": "ps", "servers": 4}]
    (op,) = svc["operations"]
    assert op["name"] == "get"
    kinds = [next(k for k in ("visit", "reply", "call", "delay") if k in s) for s in op["steps"]]
    assert kinds == ["visit", "reply", "visit"]
    assert [s.get("service", {}).get("mean") for s in op["steps"] if "visit" in s] == [0.3, 0.2]
    assert m.processors["ps1"] == ("app.ps1", 1)
    assert m.operations["get"] == ("app", "get")


def test_shared_processor_is_a_top_level_station_and_infinite_task_has_no_thread_limit() -> None:
    body = CLIENT.format(dest="a", calls=1) + """
<processor name="shared" multiplicity="2">
  <task name="ta" scheduling="inf"><entry name="a"><entry-phase-activities>
    <activity name="a1" phase="1" host-demand-mean="1"><synch-call dest="b" calls-mean="1"/></activity>
  </entry-phase-activities></entry></task>
  <task name="tb"><entry name="b"><entry-phase-activities>
    <activity name="b1" phase="1" host-demand-mean="1"/>
  </entry-phase-activities></entry></task>
</processor>"""
    data, m = translate(body)
    assert {"name": "shared", "discipline": "fcfs", "servers": 2} in data["stations"]
    ta, tb = data["services"]
    assert "threads" not in ta and "stations" not in ta
    assert tb["threads"] == 1
    assert m.processors["shared"] == ("shared", 1)


def test_deterministic_calls_are_exact_with_a_slice_before_each_and_after_the_last() -> None:
    body = """
<processor name="pc"><task name="c" scheduling="ref"><entry name="ce"><entry-phase-activities>
  <activity name="c1" phase="1" host-demand-mean="0.6" call-order="DETERMINISTIC">
    <synch-call dest="s" calls-mean="2"/><asynch-call dest="s" calls-mean="1"/>
  </activity></entry-phase-activities></entry></task></processor>
<processor name="ps"><task name="st"><entry name="s"><entry-phase-activities>
  <activity name="s1" phase="1" host-demand-mean="0.1"/></entry-phase-activities></entry></task></processor>"""
    data, _ = translate(body)
    steps = data["classes"][0]["steps"]
    kinds = [next(k for k in ("visit", "call", "send") if k in s) for s in steps]
    assert kinds == ["visit", "call", "visit", "call", "visit", "send", "visit"]
    assert all(s["service"]["mean"] == pytest.approx(0.15) for s in steps if "visit" in s)
    # each step goes on to the next one written
    for a, b in zip(steps, steps[1:]):
        assert a["next"] == b["id"]
    assert steps[-1]["next"] == "exit"


def test_deterministic_call_order_needs_whole_calls() -> None:
    body = CLIENT.format(dest="get", calls=1.5).replace('phase="1"', 'phase="1" call-order="DETERMINISTIC"')
    with pytest.raises(ModelError, match="cycle_1.*whole number"):
        translate(body + SERVER)


@pytest.mark.parametrize(("cvsq", "expected"), [
    (1.0, {"dist": "exponential", "mean": 2.0}),
    (0.0, 2.0),
    (0.25, {"dist": "erlang", "k": 4, "mean": 2.0}),
    (9.0, {"dist": "hyperexponential", "mean": 2.0, "scv": 9.0}),
])
def test_coefficient_of_variation_chooses_the_slice_distribution(cvsq: float, expected: Any) -> None:
    assert slice_distribution(2.0, cvsq) == expected


def test_gamma_without_a_whole_erlang_order_is_a_lognormal_and_burst_is_pareto() -> None:
    d = slice_distribution(3.0, 0.2222)
    assert d["dist"] == "lognormal" and d["cv"] == pytest.approx(0.2222 ** 0.5)
    p = slice_distribution(3.0, 9.0, bursty=True)
    assert p["dist"] == "pareto" and p["mean"] == 3.0 and p["alpha"] == pytest.approx((1 / 9 + 1) ** 0.5 + 1)
    assert slice_distribution(0.0, 1.0) is None


def test_open_arrivals_are_an_open_class_calling_the_entry() -> None:
    data, m = translate(SERVER.replace('<entry name="get"', '<entry name="get" open-arrival-rate="0.5"'))
    (cls,) = data["classes"]
    assert cls["type"] == "open" and cls["interarrival"] == {"dist": "exponential", "rate": 0.5}
    assert cls["steps"] == [{"call": "app.get"}]
    assert m.open_classes == {"get": cls["name"]}


def test_replication_gives_replicas_and_fan_out_multiplies_the_calls() -> None:
    body = CLIENT.format(dest="get", calls=2.5).replace(
        '<entry name="cycle"', '<fan-out dest="app" value="4"/><entry name="cycle"') + SERVER.replace(
        'name="ps1"', 'name="ps1" replication="4"').replace('name="app"', 'name="app" replication="4"')
    data, m = translate(body)
    assert data["services"][0]["replicas"] == 4
    head = data["classes"][0]["steps"][0]
    # 2.5 calls to each of 4 replicas: 10 calls, each to a random replica (lqsim's flattened model).
    assert head["next"][0]["p"] == pytest.approx(10 / 11)
    assert m.processors["ps1"] == ("app.ps1", 4)


GRAPH = """
<processor name="pc" scheduling="inf"><task name="c" scheduling="ref"><entry name="ce">
  <entry-phase-activities><activity name="c1" phase="1" host-demand-mean="1">
  <synch-call dest="e" calls-mean="1"/></activity></entry-phase-activities></entry></task></processor>
<processor name="p"><task name="t"><entry name="e"/>
  <task-activities>
    <activity name="a" bound-to-entry="e" host-demand-mean="0.1"/>
    <activity name="b1" host-demand-mean="0.2"/>
    <activity name="b2" host-demand-mean="0.3"/>
    <activity name="j" host-demand-mean="0.1"/>
    <activity name="o1" host-demand-mean="0.1"/>
    <activity name="o2" host-demand-mean="0.1"/>
    <activity name="l" host-demand-mean="0.05"/>
    <activity name="z" host-demand-mean="0"/>
    <precedence><pre><activity name="a"/></pre>
      <post-AND><activity name="b1"/><activity name="b2"/></post-AND></precedence>
    <precedence><pre-AND><activity name="b1"/><activity name="b2"/></pre-AND>
      <post><activity name="j"/></post></precedence>
    <precedence><pre><activity name="j"/></pre>
      <post-OR><activity name="o1" prob="0.25"/><activity name="o2" prob="0.75"/></post-OR></precedence>
    <precedence><pre-OR><activity name="o1"/><activity name="o2"/></pre-OR>
      <post-LOOP end="z"><activity name="l" count="3"/></post-LOOP></precedence>
    <reply-entry name="e"><reply-activity name="j"/></reply-entry>
  </task-activities></task></processor>
"""


def test_activity_graph_becomes_fork_join_branch_loop_and_reply() -> None:
    data, _ = translate(GRAPH)
    steps = data["services"][0]["operations"][0]["steps"]
    s = steps_by_id(steps)
    assert steps[0]["id"] == "a"
    fork = s[s["a"]["next"]]
    assert branch_heads(s, fork) == ["b1", "b2"]
    join = next(x for x in steps if x.get("join") == fork["id"])
    assert s["b1"]["next"] == s["b2"]["next"] == join["id"]
    assert join["next"] == "j"
    assert s["j"]["next"] == "j /reply" and s["j /reply"]["reply"] is True
    branch = s[s["j /reply"]["next"]]
    assert [(o["to"], o["p"]) for o in branch["next"]] == [("o1", 0.25), ("o2", 0.75)]
    loop = s[s["o1"]["next"]]
    assert s["o2"]["next"] == loop["id"]
    # mean 3 passes: go round with probability 3/4; the body comes back to the decision
    assert [(o["to"], o["p"]) for o in loop["next"]] == [("l", 0.75), ("z", 0.25)]
    assert s["l"]["next"] == loop["id"]
    assert s["z"] == {"id": "z", "delay": 0, "next": "exit"}


def without_join(graph: str, reply: str) -> str:
    body = graph.replace("""<precedence><pre-AND><activity name="b1"/><activity name="b2"/></pre-AND>
      <post><activity name="j"/></post></precedence>""", "").replace(
        '<reply-activity name="j"/>', f'<reply-activity name="{reply}"/>')
    return body[:body.index('<precedence><pre><activity name="j"/>')] + body[body.index("<reply-entry"):]


def test_fork_branches_that_never_join_join_at_the_end_of_the_operation() -> None:
    data, _ = translate(without_join(GRAPH, reply="a"))
    s = steps_by_id(data["services"][0]["operations"][0]["steps"])
    assert s["a"]["next"] == "a /reply" and branch_heads(s, s[s["a /reply"]["next"]]) == ["b1", "b2"]
    assert s["b1"]["next"] == s["b2"]["next"]
    assert s[s["b2"]["next"]]["next"] == "exit"


def test_a_reply_from_a_parallel_branch_replies_inside_the_branch() -> None:
    data, _ = translate(without_join(GRAPH, reply="b1"))
    s = steps_by_id(data["services"][0]["operations"][0]["steps"])
    fork = s[s["a"]["next"]]
    assert s["b1"]["next"] == "b1 /reply" and s["b1 /reply"]["reply"] is True
    assert s["b1 /reply"]["next"] == s["b2"]["next"] == f"join {fork['id'].split()[-1]}"


@pytest.mark.parametrize(("change", "names"), [
    (('<entry name="get"', '<entry name="get" semaphore="wait"'), ["entry 'get'", "semaphore"]),
    (('<entry name="get"', '<entry name="get" rwlock="r-lock"'), ["entry 'get'", "reader/writer"]),
    (('<entry-phase-activities>\n      <activity name="get_1"',
      '<forwarding dest="cycle" prob="0.5"/><entry-phase-activities>\n      <activity name="get_1"'),
     ["entry 'get'", "forwarding"]),
    (('scheduling="ps" multiplicity="4"', 'scheduling="hol"'), ["processor 'ps1'", "head-of-line"]),
    (('<task name="app" multiplicity="8">', '<task name="app" scheduling="semaphore">'), ["task 'app'", "semaphore"]),
    (('<task name="app" multiplicity="8">', '<task name="app" queue-length="3">'), ["task 'app'", "queue-length"]),
    (('host-demand-mean="0.3"', 'host-demand-mean="$s"'), ["get_1", "LQX"]),
    (('<task name="app" multiplicity="8">', '<task name="app"><mystery/>'), ["task 'app'", "<mystery>"]),
    (('dest="get"', 'dest="nowhere"'), ["cycle_1", "no entry"]),
])
def test_unsupported_elements_are_refused_by_name(change: tuple[str, str], names: list[str]) -> None:
    body = (CLIENT.format(dest="get", calls=1) + SERVER).replace(*change)
    with pytest.raises(ModelError) as e:
        translate(body)
    for n in names:
        assert n in str(e.value)


def test_fair_share_groups_and_quorum_joins_are_refused_by_name() -> None:
    cfs = SERVER.replace('scheduling="ps" multiplicity="4">', 'scheduling="cfs" quantum="0.1">'
                         '<group name="g1" share="0.5" cap="false">').replace("</task>\n</processor>",
                                                                              "</task></group>\n</processor>")
    with pytest.raises(ModelError, match=r"processor 'ps1' <group 'g1'>.*not supported"):
        translate(CLIENT.format(dest="get", calls=1) + cfs)
    quorum = GRAPH.replace('<pre-AND><activity name="b1"/>', '<pre-AND quorum="1"><activity name="b1"/>')
    with pytest.raises(ModelError, match=r"quorum"):
        translate(quorum)


def test_joins_across_entries_and_non_nested_forks_are_refused() -> None:
    across = """
<processor name="pc" scheduling="inf">
  <task name="c1" scheduling="ref"><entry name="x1"><entry-phase-activities><activity name="x1a" phase="1"
   host-demand-mean="1"><synch-call dest="e1" calls-mean="1"/></activity></entry-phase-activities></entry></task>
  <task name="c2" scheduling="ref"><entry name="x2"><entry-phase-activities><activity name="x2a" phase="1"
   host-demand-mean="1"><synch-call dest="e2" calls-mean="1"/></activity></entry-phase-activities></entry></task>
</processor>
<processor name="p"><task name="t"><entry name="e1"/><entry name="e2"/><task-activities>
  <activity name="a1" bound-to-entry="e1" host-demand-mean="0.1"/>
  <activity name="a2" bound-to-entry="e2" host-demand-mean="0.1"/>
  <activity name="a3" host-demand-mean="0.1"/>
  <precedence><pre-AND><activity name="a1"/><activity name="a2"/></pre-AND><post><activity name="a3"/></post></precedence>
  <reply-entry name="e1"><reply-activity name="a1"/></reply-entry>
  <reply-entry name="e2"><reply-activity name="a3"/></reply-entry>
</task-activities></task></processor>"""
    with pytest.raises(ModelError, match=r"task .t. <pre-AND> of .*joins across entries"):
        translate(across)


def test_syntax_errors_and_empty_models_are_model_errors() -> None:
    with pytest.raises(ModelError, match="XML syntax error"):
        model_dict("<lqn-model><processor></lqn-model>")
    with pytest.raises(ModelError, match="no <processor>"):
        model_dict("<lqn-model name='x'/>")
    with pytest.raises(ModelError, match="no workload"):
        translate(SERVER)


def fake_results() -> dict[str, Any]:
    return {
        "run": {"replications": 4, "wall_seconds": 1.5},
        "stations": [{"name": "pc", "servers": None, "utilization": 3.0, "ci95": {"utilization": [2.9, 3.1]}},
                     {"name": "app.ps1", "servers": 4, "utilization": 0.5, "replicas": 1,
                      "ci95": {"utilization": [0.45, 0.55]}}],
        "services": [{"name": "app", "replicas": 1, "threads": 8, "busy_threads": 1.5,
                      "operations": [{"name": "get", "throughput": 3.0, "throughput_ci95": [2.8, 3.2],
                                      "response": {"mean": 0.35, "ci95": [0.3, 0.4]},
                                      "thread_wait": {"mean": 0.05, "ci95": [0.04, 0.06]},
                                      "phase1": {"mean": 0.3, "ci95": [0.29, 0.31]},
                                      "phase2": {"mean": 0.2, "ci95": [0.19, 0.21]}}]}],
        "classes": [{"name": "users", "throughput": 3.0, "throughput_ci95": [2.8, 3.2],
                     "response": {"mean": 0.85, "ci95": [0.8, 0.9]}}],
    }


def test_lqxo_writer_puts_lqsim_shaped_results_that_read_back(tmp_path: Path) -> None:
    model = tmp_path / "m.lqnx"
    model.write_text(lqn(CLIENT.format(dest="get", calls=1) + SERVER))
    out = tmp_path / "m.lqxo"
    write(fake_results(), model, out)
    root = ET.parse(out).getroot()
    assert root.find("solver-params/result-general").get("solver-info") == "tiersim"
    assert root.find("solver-params/result-general").get("elapsed-time") == "00:00:01.500"  # xsd:time
    back = read_lqxo(out)
    # utilization of a 4-server processor is busy servers: 0.5 x 4
    assert back["processors"]["ps1"]["utilization"] == (pytest.approx(2.0), pytest.approx(0.2))
    assert back["processors"]["pc"]["utilization"] == (pytest.approx(3.0), pytest.approx(0.1))
    assert back["tasks"]["app"]["utilization"] == (pytest.approx(1.5), None)
    get = back["entries"]["get"]
    assert get["throughput"] == (pytest.approx(3.0), pytest.approx(0.2))
    assert get["phase1-service-time"] == (pytest.approx(0.3), pytest.approx(0.01))
    assert get["phase2-service-time"] == (pytest.approx(0.2), pytest.approx(0.01))
    assert get["utilization"][0] == pytest.approx(1.5)  # X (phase1 + phase2)
    cycle = back["entries"]["cycle"]
    assert cycle["phase1-service-time"][0] == pytest.approx(0.85)
    assert back["tasks"]["users"]["utilization"][0] == pytest.approx(3.0 * 0.85)
    call = root.find(".//synch-call/result-call")
    assert float(call.get("waiting")) == pytest.approx(0.05)
    # the result elements come first, as lqsim writes them
    assert root.find(".//processor[@name='ps1']")[0].tag == "result-processor"


def test_results_of_replicated_tasks_are_per_replica(tmp_path: Path) -> None:
    model = tmp_path / "r.lqnx"
    body = CLIENT.format(dest="get", calls=1).replace(
        '<entry name="cycle"', '<fan-out dest="app" value="2"/><entry name="cycle"') + SERVER.replace(
        'name="ps1"', 'name="ps1" replication="2"').replace('name="app"', 'name="app" replication="2"')
    model.write_text(lqn(body))
    res = fake_results()
    res["services"][0]["replicas"] = 2
    found = results_by_lqn_name(res, model)
    assert found["entries"]["get"]["throughput"] == (pytest.approx(1.5), pytest.approx(0.1))
    assert found["tasks"]["app"]["utilization"] == (pytest.approx(0.75), None)


def test_an_entry_without_phase_1_replies_at_once() -> None:
    data, _ = translate(CLIENT.format(dest="get", calls=1) + SERVER.replace(
        '<activity name="get_1" phase="1" host-demand-mean="0.3"/>', ""))
    steps = data["services"][0]["operations"][0]["steps"]
    assert steps[0] == {"id": "get /reply", "reply": True, "next": "get_2"}
    assert steps[1]["id"] == "get_2" and steps[1]["next"] == "exit"


def test_the_command_line_names_the_refused_element_and_lqxo_needs_an_lqn_model(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tiersim.cli import main

    bad = tmp_path / "sem.lqnx"
    bad.write_text(lqn((CLIENT.format(dest="get", calls=1) + SERVER).replace(
        '<entry name="get"', '<entry name="get" semaphore="wait"')))
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "sem.lqnx" in err and "entry 'get' semaphore='wait'" in err and "Traceback" not in err
    yaml_model = tmp_path / "m.yaml"
    yaml_model.write_text("stations: [{name: a}]\nclasses: [{name: c, interarrival: 1, steps: [{visit: a, service: 0.1}]}]\n")
    assert main(["run", str(yaml_model), "--lqxo", str(tmp_path / "out.lqxo")]) == 2
    assert "--lqxo" in capsys.readouterr().err


def test_lqxo_phase_activities_carry_their_service_times_as_lqsim_writes_them(tmp_path: Path) -> None:
    model = tmp_path / "m.lqnx"
    model.write_text(lqn(CLIENT.format(dest="get", calls=1) + SERVER))
    text = write(fake_results(), model)
    root = ET.fromstring(text)
    ph2 = root.find(".//activity[@name='get_2']/result-activity")
    assert float(ph2.get("service-time")) == pytest.approx(0.2)
    assert float(ph2.find("result-conf-95").get("service-time")) == pytest.approx(0.01)
    assert float(root.find(".//activity[@name='cycle_1']/result-activity").get("service-time")) == pytest.approx(0.85)


def test_lqxo_writer_replaces_results_already_in_the_model(tmp_path: Path) -> None:
    model = tmp_path / "m.lqnx"
    old = SERVER.replace('<task name="app" multiplicity="8">',
                         '<task name="app" multiplicity="8"><result-task throughput="99" utilization="99"/>')
    model.write_text(lqn(CLIENT.format(dest="get", calls=1) + old).replace(
        '<lqn-model name="m">', '<lqn-model name="m"><solver-params><result-general solver-info="lqns"/>'
                                '</solver-params>'))
    root = ET.fromstring(write(fake_results(), model))
    assert [r.get("solver-info") for r in root.iter("result-general")] == ["tiersim"]
    (task,) = root.find(".//task[@name='app']").findall("result-task")
    assert float(task.get("utilization")) == pytest.approx(1.5)


SHARED = """
<processor name="p" scheduling="fcfs">
  <task name="client" scheduling="ref"><entry name="c"><entry-phase-activities>
    <activity name="c1" phase="1" host-demand-mean="{demand}"><synch-call dest="s" calls-mean="1"/></activity>
  </entry-phase-activities></entry></task>
  <task name="server"><entry name="s"><entry-phase-activities>
    <activity name="s1" phase="1" host-demand-mean="0.1"/>
    <activity name="s2" phase="2" host-demand-mean="2"/>
  </entry-phase-activities></entry></task>
</processor>"""


def test_a_caller_sharing_the_processor_races_the_second_phase_with_a_fair_coin() -> None:
    data, _ = translate(SHARED.format(demand=1.5))
    s = steps_by_id(data["services"][0]["operations"][0]["steps"])
    # lqsim serves the two simultaneous requests in either order: half the time the
    # second phase goes through a zero-time step, letting the caller's slice in first.
    assert s["s /reply"]["next"] == [{"to": "s /reply /caller first", "p": 0.5}, {"to": "s2", "p": 0.5}]
    assert s["s /reply /caller first"] == {"id": "s /reply /caller first", "delay": 0, "next": "s2"}


def test_no_race_when_the_caller_has_no_slice_to_run_or_runs_elsewhere() -> None:
    data, _ = translate(SHARED.format(demand=0))
    s = steps_by_id(data["services"][0]["operations"][0]["steps"])
    assert s["s /reply"]["next"] == "s2"
    data, _ = translate(CLIENT.format(dest="get", calls=1) + SERVER)
    s = steps_by_id(data["services"][0]["operations"][0]["steps"])
    assert s["get /reply"]["next"] == "get_2"


def test_fork_branches_racing_for_one_station_start_in_random_order() -> None:
    data, _ = translate(GRAPH)
    s = steps_by_id(data["services"][0]["operations"][0]["steps"])
    fork = s[s["a"]["next"]]
    # b1 and b2 both start on processor p: half the time b1 starts behind a zero-time step
    coin = s[fork["fork"][0]]
    assert coin["choose"] == "random" and coin["weights"] == [0.5, 0.5]
    assert s[coin["to"][0]] == {"id": coin["to"][0], "delay": 0, "next": "b1"} and coin["to"][1] == "b1"
    assert fork["fork"][1] == "b2"
