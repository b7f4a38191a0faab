"""LQN result XML (``.lqxo``): write tiersim's results in it, and read lqsim's.

The writer copies the model (``.lqnx``) and adds, as lqsim does, a
``<result-processor>``, ``<result-task>`` and ``<result-entry>`` element
first in each processor, task and entry (and ``<result-call>`` in each call),
each with a ``<result-conf-95>`` child holding the 95 % half-widths where
tiersim has an interval. Quantities, as in LQN's user manual (results.tex):

- processor ``utilization``: busy servers (summed over a multiserver; per
  replica of a replicated processor; mean number in service for ``inf``);
- task ``throughput`` and ``utilization`` (mean busy threads), per replica;
  a reference task's utilization is its users' busy time, X × R (think
  time excluded);
- entry ``throughput``, ``utilization``, ``phase1-service-time`` (thread
  granted to reply), ``phase2-service-time`` (reply to end); a reference
  entry's phase-1 service time is its class's response (think excluded); an
  entry with open arrivals also gets ``open-wait-time`` (arrival to reply);
- call ``waiting``: the mean wait for a thread of the called task.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .parse import parse_file
from .translate import translate

Value = tuple[float, float | None]  # mean, 95 % half-width (None: no interval)


def _value(x: Any) -> Value | None:
    """A tiersim result (a number, or a mapping with mean and ci95) as (mean, half-width)."""
    if x is None:
        return None
    if isinstance(x, dict):
        mean = x.get("mean")
        if mean is None:
            return None
        ci = x.get("ci95")
        hw = (float(ci[1]) - float(ci[0])) / 2 if ci and None not in ci else None
        return float(mean), hw
    return float(x), None


def _scaled(v: Value | None, k: float) -> Value | None:
    if v is None:
        return None
    return v[0] * k, None if v[1] is None else v[1] * k


def _put(parent: ET.Element, tag: str, values: dict[str, Value | None]) -> ET.Element:
    el = ET.Element(tag)
    conf = ET.SubElement(el, "result-conf-95")
    for key, v in values.items():
        if v is None:
            continue
        el.set(key, f"{v[0]:.6g}")
        if v[1] is not None:
            conf.set(key, f"{v[1]:.6g}")
    if not conf.attrib:
        el.remove(conf)
    # lqsim puts results first among the element's children
    for old in [c for c in parent if c.tag == tag]:
        parent.remove(old)
    parent.insert(0, el)
    return el


def results_by_lqn_name(results: dict[str, Any], model: str | Path) -> dict[str, dict[str, dict[str, Value | None]]]:
    """tiersim results (a results dict) gathered by LQN element: processors, tasks, entries, calls."""
    doc = parse_file(model)
    _, m = translate(doc, str(model))
    stations = {s["name"]: s for s in results.get("stations", [])}
    services = {s["name"]: s for s in results.get("services") or []}
    classes = {c["name"]: c for c in results.get("classes", [])}
    out: dict[str, dict[str, dict[str, Value | None]]] = {"processors": {}, "tasks": {}, "entries": {}, "calls": {},
                                                          "activities": {}}
    for p in doc.processors:
        name, _replicas = m.processors[p.name]
        st = stations.get(name)
        if st is None:
            continue
        servers = st.get("servers") or 1
        ci = (st.get("ci95") or {}).get("utilization")
        u = _value({"mean": st.get("utilization"), "ci95": ci})
        out["processors"][p.name] = {"utilization": _scaled(u, servers)}
    ops: dict[str, dict[str, Any]] = {}
    for svc in services.values():
        for op in svc.get("operations", []):
            ops[f"{svc['name']}.{op['name']}"] = op
    for task in doc.tasks:
        if task.is_reference:
            c = classes.get(m.classes[task.name])
            if c is None:
                continue
            x = _value({"mean": c.get("throughput"), "ci95": c.get("throughput_ci95")})
            r = _value(c.get("response"))
            util = None if x is None or r is None else (x[0] * r[0], None)
            out["tasks"][task.name] = {"throughput": x, "utilization": util}
            out["entries"][task.entries[0].name] = {"throughput": x, "utilization": util,
                                                    "phase1-service-time": r}
            if len(task.entries[0].phases) == 1:
                (act,) = task.entries[0].phases.values()
                out["activities"][act.name] = {"service-time": r, "throughput": x}
            continue
        svc = services.get(m.services[task.name])
        if svc is None:
            continue
        k = 1.0 / (svc.get("replicas") or 1)
        parts: list[Value] = []
        for e in task.entries:
            service, operation = m.operations[e.name]
            op = ops.get(f"{service}.{operation}")
            if op is None:
                continue
            x = _scaled(_value({"mean": op.get("throughput"), "ci95": op.get("throughput_ci95")}), k)
            ph1, ph2 = _value(op.get("phase1")), _value(op.get("phase2"))
            busy = (ph1[0] if ph1 else 0.0) + (ph2[0] if ph2 else 0.0)
            vals: dict[str, Value | None] = {"throughput": x, "utilization": None if x is None else (x[0] * busy, None),
                                             "phase1-service-time": ph1}
            if ph2 is not None and ph2[0] > 0:
                vals["phase2-service-time"] = ph2
            if e.name in m.open_classes:
                c = classes.get(m.open_classes[e.name])
                if c is not None:
                    vals["open-wait-time"] = _value(c.get("response"))
            out["entries"][e.name] = vals
            # lqsim gives each phase's service time on its phase activity too
            if 1 in e.phases:
                out["activities"][e.phases[1].name] = {"service-time": ph1, "throughput": x}
            if 2 in e.phases and 3 not in e.phases:
                out["activities"][e.phases[2].name] = {"service-time": ph2, "throughput": x}
            out["calls"][e.name] = {"waiting": _value(op.get("thread_wait"))}
            if x is not None:
                parts.append(x)
        # The entries' half-widths combined as if independent.
        hws = [h for _, h in parts]
        hw = None if None in hws else sum(h * h for h in hws) ** 0.5  # type: ignore[operator]
        busy_threads = _value(svc.get("busy_threads"))
        out["tasks"][task.name] = {"throughput": (sum(v for v, _ in parts), hw),
                                   "utilization": _scaled(busy_threads, k)}
    return out


def write(results: Any, model: str | Path, out: str | Path | None = None) -> str:
    """LQN result XML for ``results`` (a Results or its dict) of the LQN model file ``model``.

    Written to ``out`` when given; returned as text either way.
    """
    data = results.to_dict() if hasattr(results, "to_dict") else dict(results)
    found = results_by_lqn_name(data, model)
    tree = ET.parse(str(model))
    root = tree.getroot()
    # Results already in the file (another solver's) give way to ours.
    for parent in list(root.iter()):
        for child in [c for c in parent if c.tag.startswith("result-")]:
            parent.remove(child)
    run = data.get("run") or {}
    params = root.find("solver-params")
    if params is None:
        params = ET.Element("solver-params")
        root.insert(0, params)
    general = ET.SubElement(params, "result-general")
    general.set("solver-info", "tiersim")
    general.set("valid", "NO" if (data.get("saturation") or {}).get("saturated") else "YES")
    general.set("conv-val", "0")
    general.set("iterations", str(run.get("replications", 1)))
    seconds = float(run.get("wall_seconds") or 0.0)  # the schema's xsd:time, as lqsim writes it
    general.set("elapsed-time", f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}")
    root.set("description", f"tiersim solution for model from: {Path(model).name}.")
    for p in root.iter("processor"):
        vals = found["processors"].get(p.get("name", ""))
        if vals:
            _put(p, "result-processor", vals)
        for t in p.iter("task"):
            tv = found["tasks"].get(t.get("name", ""))
            if tv:
                _put(t, "result-task", tv)
            for e in t.iter("entry"):
                ev = found["entries"].get(e.get("name", ""))
                if ev:
                    _put(e, "result-entry", ev)
            for act in t.iter("activity"):
                av = found["activities"].get(act.get("name", ""))
                if av and act.get("phase") is not None:
                    _put(act, "result-activity", av)
            for call in list(t.iter("synch-call")):
                cv = found["calls"].get(call.get("dest", ""))
                if cv and cv.get("waiting") is not None:
                    _put(call, "result-call", cv)
    ET.indent(tree, space="   ")
    text = '<?xml version="1.0"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    return text


def _attributes(res: ET.Element) -> dict[str, Value]:
    conf = res.find("result-conf-95")
    vals: dict[str, Value] = {}
    for key, text in res.attrib.items():
        try:
            mean = float(text)
        except ValueError:
            continue
        hw = None
        if conf is not None and conf.get(key) is not None:
            hw = float(conf.get(key))  # type: ignore[arg-type]
        vals[key] = (mean, hw)
    return vals


def read(path: str | Path) -> dict[str, dict[str, dict[str, Value]]]:
    """An LQN result file's results: ``{processors|tasks|entries|calls: {name: {attribute: (mean, hw)}}}``.

    ``hw`` is the 95 % half-width from the element's ``<result-conf-95>``,
    or None where the file gives none (lqsim ran a single block). An entry
    given by phases also gets ``phaseN-service-time`` from its phase
    activities' ``<result-activity service-time>`` (where lqsim puts them).
    ``calls`` holds ``waiting`` by destination entry, for entries one call arc reaches.
    """
    root = ET.parse(str(path)).getroot()
    out: dict[str, dict[str, dict[str, Value]]] = {"processors": {}, "tasks": {}, "entries": {}}
    for kind, tag, rtag in (("processors", "processor", "result-processor"), ("tasks", "task", "result-task"),
                            ("entries", "entry", "result-entry")):
        for el in root.iter(tag):
            res = el.find(rtag)
            vals = _attributes(res) if res is not None else {}
            if tag == "entry":
                for act in el.iterfind("entry-phase-activities/activity"):
                    ra = act.find("result-activity")
                    phase = act.get("phase")
                    if ra is None or phase is None:
                        continue
                    key = f"phase{phase}-service-time"
                    got = _attributes(ra).get("service-time")
                    if got is not None and key not in vals:
                        vals[key] = got
            if vals:
                out[kind][el.get("name", "")] = vals
    # A call's waiting (for a thread of the called task), by destination entry when one
    # arc of the model calls it (what tiersim measures per operation, over all callers).
    arcs: dict[str, list[dict[str, Value]]] = {}
    for call in root.iter("synch-call"):
        res = call.find("result-call")
        arcs.setdefault(call.get("dest", ""), []).append(_attributes(res) if res is not None else {})
    out["calls"] = {dest: found[0] for dest, found in arcs.items() if len(found) == 1 and found[0]}
    return out
