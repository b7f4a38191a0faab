# The architecture diagram: what it draws from a model or an infra system, how it folds
# replicas, how a run colours it, and the command `tiersim draw`.
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import tiersim
import tiersim.infra as infra
from tiersim.diagram import Diagram, diagram, utilization_color

ROOT = Path(__file__).resolve().parents[2]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _nodes(source: str) -> dict[str, str]:
    """Node id -> its attribute text, from the DOT source."""
    return {m.group(1): m.group(2) for m in re.finditer(r'^\s*"([^"]+)" \[(label=.*)\];$', source, re.M)}


def _edges(source: str) -> dict[tuple[str, str], str]:
    return {(m.group(1), m.group(2)): m.group(3)
            for m in re.finditer(r'^\s*"([^"]+)" -> "([^"]+)" \[(.*)\];$', source, re.M)}


def test_every_station_pool_and_class_of_the_three_tier_model_is_drawn() -> None:
    m = tiersim.load(ROOT / "examples/models/three_tier.yaml")
    nodes = _nodes(diagram(m).source)
    for st in m.station_names:
        assert f"station:{st}" in nodes
    for p in m.pool_names:
        assert f"pool:{p}" in nodes
    assert "class:users" in nodes and "closed, 100 users" in nodes["class:users"]
    # Tiers from the names: web_cpu and web_threads share a cluster.
    assert 'subgraph "cluster_tier web"' in diagram(m).source


def test_edges_carry_the_rates_the_routing_implies() -> None:
    # The central-server model of docs/model-format.md: visit ratios cpu 5, disk1 2.5, disk2 1.5.
    m = tiersim.loads("""
name: central
stations: [{name: cpu}, {name: disk1}, {name: disk2}]
classes:
  - name: jobs
    interarrival: {dist: exponential, rate: 2.0}
    steps:
      - {visit: cpu, service: 0.01, next: [{to: disk1, p: 0.5}, {to: disk2, p: 0.3}, {to: exit, p: 0.2}]}
      - {visit: disk1, service: 0.025, next: cpu}
      - {visit: disk2, service: 0.03, next: cpu}
""")
    edges = _edges(diagram(m).source)
    assert 'label="2/s"' in edges[("class:jobs", "station:cpu")]
    # Only edges that cross tiers are labelled; these stations share no tier, so all are.
    assert 'label="5/s"' in edges[("station:cpu", "station:disk1")]  # 2/s x 5 visits x 0.5
    assert 'label="3/s"' in edges[("station:cpu", "station:disk2")]  # 2/s x 5 x 0.3
    assert 'label="5/s"' in edges[("station:disk1", "station:cpu")]


def _replicated(n: int) -> tiersim.Model:
    m = tiersim.Model(f"web{n}")
    for i in range(1, n + 1):
        m.station(f"web{i}", servers=2, discipline="ps")
    m.station("db")
    c = m.open_class("q", tiersim.Exponential(rate=4.0 * n))
    ids = [f"on{i}" for i in range(1, n + 1)]
    c._add({"id": "lb", "choose": "round_robin", "to": ids}, None, None)
    for i in range(1, n + 1):
        c.visit(f"web{i}", tiersim.Exponential(mean=0.1), id=f"on{i}", next="db")
    c.visit("db", tiersim.Exponential(mean=0.001 / n), id="db")
    return m


def test_replicas_fold_into_one_node_with_their_count() -> None:
    small, big = _nodes(diagram(_replicated(2)).source), _nodes(diagram(_replicated(64)).source)
    assert "station:web#" in big and "×64" in big["station:web#"]
    assert not any(k.startswith("station:web1") for k in big)
    # Two copies are not folded (they may well differ); 64 read as one node.
    assert "station:web1" in small and "station:web2" in small
    assert len(big) == 3  # the class, the folded web servers, db


def test_a_run_colours_each_resource_and_outlines_the_bottleneck() -> None:
    m = tiersim.load(ROOT / "examples/models/three_tier.yaml")
    r = m.run(until=300, warmup=30, replications=2, progress=False)
    assert r.bottleneck["station"] == "db_disk"
    nodes = _nodes(r.diagram().source)
    disk = nodes["station:db_disk"]
    assert "BOTTLENECK" in disk and 'penwidth="3"' in disk and "ceiling ≈ 62" in disk
    u = float(r.stations.set_index("name").loc["web_cpu", "utilization"])
    assert f'fillcolor="{utilization_color(u)}"' in nodes["station:web_cpu"]
    assert "BOTTLENECK" not in nodes["station:web_cpu"]
    assert "U 3%" in nodes["station:web_cpu"] or "U 4%" in nodes["station:web_cpu"]


def test_a_folded_node_names_its_busiest_replica() -> None:
    m = _replicated(8)
    r = m.run(until=400, warmup=20, replications=1, seed=3, progress=False)
    node = _nodes(r.diagram().source)["station:web#"]
    busiest = max(range(1, 9), key=lambda i: float(r.stations.set_index("name").loc[f"web{i}", "utilization"]))
    assert re.search(rf"max \d+% \(web{busiest}\)", node), node


def test_results_without_their_model_say_how_to_draw_them() -> None:
    r = tiersim.Results({"model": "m", "stations": []})
    with pytest.raises(ValueError, match="pass it"):
        r.diagram()


def test_utilization_colour_scale_runs_green_to_red() -> None:
    green, red = utilization_color(0.1), utilization_color(0.99)
    assert int(green[3:5], 16) > int(green[1:3], 16)  # more green than red
    assert int(red[1:3], 16) > int(red[3:5], 16)
    assert utilization_color(float("nan")) != utilization_color(0.0)


def _shop(servers: int) -> infra.System:
    s = infra.load(ROOT / "examples/models/infra/shop.yaml")
    for t in s.tiers:
        t.servers = servers
    return s


def test_a_system_is_drawn_by_tiers_with_their_server_counts() -> None:
    src = diagram(_shop(2)).source
    for tier in ("web", "app", "db"):
        assert f'"cluster_tier {tier}"' in src
    assert "web tier ×2 servers (round_robin)" in src
    nodes = _nodes(src)
    assert "lock table stock" in nodes["db:lock stock"] and "50,000 rows" in nodes["db:lock stock"]
    assert nodes["net:firewall"].count("hexagon") == 1 and "cds" in nodes["net:internet"]
    assert "external:payment" in nodes
    edges = _edges(src)
    # 300 requests/s enter through the internet link and the firewall; app makes 3 db calls per browse.
    assert 'label="300/s"' in edges[("client:clients", "net:internet")]
    assert "900/s via lan" in edges[("app:conn_db", "db:threads")]
    assert "33.3/s via lan" in edges[("app:cpu", "external:payment")]


def test_sixty_four_servers_per_tier_draw_like_two() -> None:
    # The shop with 64 servers per tier is too large to compile (the route copies per server
    # combination), but it can be drawn: the picture has the same nodes as with 2 servers.
    two, many = _nodes(diagram(_shop(2)).source), _nodes(diagram(_shop(64)).source)
    assert set(two) == set(many)
    assert "×64" in many["web:cpu"] and "web tier ×64 servers" in diagram(_shop(64)).source


@needs_dot
def test_the_drawing_renders_and_saves_in_every_format(tmp_path: Path) -> None:
    d = diagram(_shop(64))
    svg = d.svg()
    assert svg.startswith("<svg") and svg.count('class="node"') == len(_nodes(d.source))
    assert d._repr_svg_() == svg
    png = d.save(tmp_path / "shop.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (d.save(tmp_path / "shop.dot")).read_text() == d.source


def test_without_graphviz_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        Diagram("digraph {}").svg()


@needs_dot
def test_cli_draw_writes_the_picture_and_colours_it_after_a_run(run_cli, tmp_path: Path) -> None:
    out = run_cli("draw", ROOT / "examples/models/infra/shop.yaml", "-o", "shop.svg")
    assert out.returncode == 0, out.stderr
    svg = (tmp_path / "shop.svg").read_text()
    assert "<svg" in svg and "web tier ×2 servers" in svg
    out = run_cli("draw", ROOT / "examples/models/three_tier.yaml", "-o", "tt.svg", "--run", "--until", "200",
                  "--replications", "2", "--no-progress")
    assert out.returncode == 0, out.stderr
    svg = (tmp_path / "tt.svg").read_text()
    assert "BOTTLENECK" in svg and "coloured by utilization" in out.stdout


def test_cli_draw_needs_an_output(run_cli) -> None:
    out = run_cli("draw", ROOT / "examples/models/mm1.yaml")
    assert out.returncode == 2 and "-o/--output" in out.stderr


def test_a_layered_service_is_a_cluster_with_its_replicas_and_calls_carry_their_rates() -> None:
    # The services format (docs/model-format.md): drawn from the plain data, no run needed.
    spec = {
        "name": "layered",
        "stations": [{"name": "web_cpu", "servers": 4, "discipline": "ps"}],
        "services": [{
            "name": "db", "replicas": 64, "balancer": "round_robin", "threads": 8,
            "stations": [{"name": "cpu", "servers": 4, "discipline": "ps"}, {"name": "disk"}],
            "operations": [{"name": "query", "steps": [
                {"visit": "cpu", "service": {"dist": "exponential", "mean": 0.001}},
                {"reply": True},
                {"visit": "disk", "service": {"dist": "exponential", "mean": 0.004}}]}]}],
        "classes": [{"name": "web", "type": "open", "interarrival": {"dist": "exponential", "rate": 100},
                     "steps": [{"visit": "web_cpu", "service": 0.002},
                               {"call": "db.query", "count": 3}]}],
    }
    src = diagram(spec).source
    assert 'subgraph "cluster_service db"' in src and "service db ×64 replicas (round_robin)" in src
    nodes = _nodes(src)
    assert {"db.threads", "db.cpu", "db.disk"} <= set(nodes) and "8 per replica" in nodes["db.threads"]
    edges = _edges(src)
    assert 'label="300/s"' in edges[("station:web_cpu", "db.threads")]  # 100/s x 3 calls
    assert ("db.threads", "db.cpu") in edges and ("db.cpu", "db.disk") in edges
    # After a run, a service's station reads its mean over replicas and names the busiest.
    results = {"stations": [{"name": "db.cpu", "utilization": 0.4, "utilization_max": 0.7,
                             "busiest_replica": "db#17", "replicas": 64}],
               "bottleneck": {"station": "db.cpu", "utilization": 0.7, "saturation_throughput": 900.0}}
    node = _nodes(diagram(spec, results).source)["db.cpu"]
    assert "U 40% mean, max 70% (db#17)" in node and "BOTTLENECK" in node and "ceiling ≈ 900/s" in node


LAYERED = """
name: layered
run: {until: 200, warmup: 20, replications: 2, seed: 1}
services:
  - name: web
    replicas: 8
    threads: 50
    stations: [{name: cpu, servers: 4, discipline: ps}]
    operations:
      - name: page
        steps: [{visit: cpu, service: {dist: exponential, mean: 0.004}}, {call: app.order}]
  - name: app
    replicas: 4
    threads: 40
    stations: [{name: cpu, servers: 8, discipline: ps}]
    operations:
      - name: order
        steps:
          - {visit: cpu, service: {dist: exponential, mean: 0.010}}
          - {call: db.query, mean: 2}
          - {send: log.write}
  - name: db
    threads: 32
    stations: [{name: disk, servers: 4}]
    operations:
      - name: query
        steps: [{visit: disk, service: {dist: exponential, mean: 0.003}}]
  - name: log
    stations: [{name: disk}]
    operations:
      - name: write
        steps: [{visit: disk, service: {dist: exponential, mean: 0.001}}]
classes:
  - name: shoppers
    interarrival: {dist: exponential, rate: 300}
    steps: [{call: web.page}]
"""


def test_calls_between_services_carry_their_rates_from_the_caller() -> None:
    m = tiersim.loads(LAYERED)
    edges = _edges(diagram(m).source)
    assert 'label="300/s"' in edges[("class:shoppers", "web.threads")]
    assert 'label="300/s"' in edges[("web.cpu", "app.threads")]
    assert 'label="600/s"' in edges[("app.cpu", "db.threads")]  # a mean of 2 queries per order
    # The log write is sent by app after its query returns: drawn from app, not from db.
    assert 'label="300/s"' in edges[("app.threads", "log.threads")]
    assert not any(a.startswith("db.") and b.startswith("log.") for a, b in edges)


def test_a_run_of_services_names_the_busiest_replica() -> None:
    m = tiersim.loads(LAYERED)
    try:
        r = m.run(progress=False)
    except tiersim.ModelError as e:  # a core built before services (issue 14)
        pytest.skip(f"the compiled core does not read services: {e}")
    nodes = _nodes(r.diagram().source)
    assert re.search(r"U \d+% mean, max \d+% \(replica \d+\)", nodes["web.cpu"]), nodes["web.cpu"]
    assert "BOTTLENECK" in nodes[f"{r.bottleneck['station']}"]
