"""A report to hand on: one self-contained HTML file with the architecture diagram
coloured by the run, the verdict in a sentence, the tables, the load curve when a
sweep was run, and the model itself.

Everything is inline (SVG drawings, CSS; no script, no font or image fetched), so
the file opens the same offline, attached to a ticket or mailed. Made by
``tiersim report MODEL -o report.html`` and :meth:`tiersim.Results.to_html`.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from . import report

if TYPE_CHECKING:
    from .results import Results
    from .sweep import SweepResults

__all__ = ["html_report"]

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 70em; color: #1d2430; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccd; }
.meta { color: #667; font-size: 0.9em; }
.verdict { font-size: 1.1em; padding: 0.6em 0.9em; border-left: 5px solid #c00000; background: #fbf3f3; }
.warning { color: #a00; font-weight: bold; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #dde; }
th { background: #eef3fb; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bottleneck td { font-weight: bold; color: #a00; }
.figure { overflow-x: auto; margin: 0.5em 0; } .figure svg { max-width: 100%; height: auto; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
"""


def _num(value: Any, digits: int = 4) -> str:
    return report.format_number(value, digits)


def _pct(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "-"
    return f"{100 * v:.1f}%" if math.isfinite(v) else "-"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], highlight: Sequence[bool] = (),
           table_id: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = ' class="bottleneck"' if i < len(highlight) and highlight[i] else ""
        cells = "".join(f'<td{"" if k == 0 else " class=num"}>{html.escape(str(c))}</td>' for k, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    ident = f' id="{html.escape(table_id)}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _estimate(value: Any, ci: Any) -> str:
    return report.format_estimate(value, ci)


def _tables(data: Mapping[str, Any]) -> list[str]:
    bottleneck = (data.get("bottleneck") or {})
    bname = bottleneck.get("resource") or bottleneck.get("station")
    out: list[str] = []
    stations = data.get("stations") or []
    if stations:
        rows, marks = [], []
        for s in stations:
            rows.append([s.get("name", ""), str(s.get("servers", "")), s.get("discipline", ""),
                         _pct(s.get("utilization")) if s.get("discipline") != "delay" else _num(s.get("utilization")),
                         _num(s.get("throughput")), _num(s.get("mean_queue_length")), _num(s.get("mean_wait")),
                         _num(s.get("mean_response"))])
            marks.append(s.get("name") == bname)
        out += ["<h2>Stations</h2>",
                _table(["station", "servers", "discipline", "utilization", "throughput (/s)", "mean queue",
                        "mean wait (s)", "mean response (s)"], rows, marks, "stations")]
    pools = data.get("pools") or []
    if pools:
        rows = [[p.get("name", ""), str(p.get("capacity", "")), _pct(p.get("utilization")), _num(p.get("mean_wait")),
                 _num(p.get("mean_queue_length"))] for p in pools]
        out += ["<h2>Pools</h2>", _table(["pool", "capacity", "utilization", "mean wait (s)", "mean queue"], rows,
                                        [p.get("name") == bname for p in pools], "pools")]
    classes = data.get("classes") or []
    if classes:
        rows = []
        for c in classes:
            r = c.get("response") or {}
            rows.append([c.get("name", ""), c.get("type", ""), _estimate(c.get("throughput"), c.get("throughput_ci95")),
                         _estimate(r.get("mean"), r.get("ci95")), _num(r.get("p50")), _num(r.get("p95")),
                         _num(r.get("p99")), _pct(c.get("loss_probability"))])
        out += ["<h2>Classes (end to end)</h2>",
                _table(["class", "type", "throughput (/s)", "mean response (s)", "p50 (s)", "p95 (s)", "p99 (s)",
                        "lost"], rows, table_id="classes")]
    return out


def _figure_svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _sweep_section(sweep: SweepResults) -> list[str]:
    from matplotlib.figure import Figure

    from . import plots

    fig = Figure(figsize=(12, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    plots.response_vs_load(sweep, percentile=95, ax=left)
    plots.throughput_vs_load(sweep, ax=right)
    out = ["<h2>Load curve</h2>", f'<div class="figure" id="load-curve">{_figure_svg(fig)}</div>',
           f"<pre>{html.escape(sweep.summary())}</pre>"]
    return out


def _model_text(model: Any) -> str:
    for attr in ("to_yaml",):
        f = getattr(model, attr, None)
        if callable(f):
            try:
                return str(f())
            except Exception:  # the model text is a courtesy; never lose the report for it
                pass
    if isinstance(model, Mapping):
        import yaml

        return yaml.safe_dump(dict(model), sort_keys=False)
    return ""


def html_report(results: Results, model: Any = None, sweep: SweepResults | None = None,
                title: str | None = None) -> str:
    """The HTML text of the report on ``results`` (of ``model``: a Model, an infra System or plain data).

    ``sweep`` adds the load curve (response and throughput vs load) and its table.
    Without Graphviz's ``dot`` the diagram is replaced by a note and the DOT text.

    >>> import tiersim
    >>> m = tiersim.Model("mm1").station("cpu")
    >>> _ = m.open_class("jobs", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
    >>> text = html_report(m.run(until=2000, replications=2, seed=1, progress=False), model=m)
    >>> text.startswith("<!DOCTYPE html>"), 'id="diagram"' in text, '<pre id="model">name: mm1' in text
    (True, True, True)
    """
    data = results.to_dict()
    name = str(data.get("model") or getattr(model, "name", "") or "model")
    run = data.get("run") or {}
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title or f'tiersim report — {name}')}</title>",
             f"<style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title or f'tiersim report — {name}')}</h1>",
             f'<p class="meta">{html.escape(_run_line(run))} · made {when}</p>']
    sentence = report.bottleneck_sentence(data)
    verdict = sentence or "No bottleneck was named for this run."
    parts.append(f'<p class="verdict" id="verdict">{html.escape(verdict)}</p>')
    for lines in (report.saturation_warning(data), report.deadlock_warning(data)):
        text = " ".join(line.strip("! ").strip() for line in lines if line.strip("! ").strip())
        if text:
            parts.append(f'<p class="warning">{html.escape(text)}</p>')
    if model is not None:
        from .diagram import diagram

        parts.append("<h2>Architecture</h2>")
        d = diagram(model, results)
        try:
            parts.append(f'<div class="figure" id="diagram">{d.svg()}</div>')
        except RuntimeError as e:
            parts.append(f"<p>{html.escape(str(e))}</p><pre>{html.escape(d.source)}</pre>")
    parts += _tables(data)
    if sweep is not None:
        parts += _sweep_section(sweep)
    text = _model_text(model) if model is not None else ""
    if text:
        parts += ["<h2>The model</h2>", f'<pre id="model">{html.escape(text)}</pre>']
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _run_line(run: Mapping[str, Any]) -> str:
    bits = []
    if run.get("replications"):
        n = int(run["replications"])
        bits.append(f"{n} replication{'s' if n != 1 else ''}")
    if run.get("until"):
        bits.append(f"{_num(run['until'])} s simulated each")
    if run.get("warmup") not in (None, 0):
        bits.append(f"warm-up {_num(run['warmup'])} s")
    if run.get("seed") is not None:
        bits.append(f"seed {run['seed']}")
    return ", ".join(bits) or "simulation"
