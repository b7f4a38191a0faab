# The HTML report: one self-contained file with the diagram, the verdict, the tables, the
# load curve and the model; rendered by headless Chromium (Debian's chromium, installed by
# scripts/setup.sh) to check that it shows what it claims, with no console errors.
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import tiersim

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium to render the report")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


@pytest.fixture(scope="module")
def three_tier_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tiersim.Results]:
    m = tiersim.load(ROOT / "examples/models/three_tier.yaml")
    r = m.run(until=300, warmup=30, replications=2, progress=False)
    s = tiersim.load_sweep(m, users=[20, 100], until=200, warmup=20, replications=2, progress=False)
    path = tmp_path_factory.mktemp("report") / "report.html"
    text = r.to_html(path, sweep=s)
    assert path.read_text(encoding="utf-8") == text
    return path, r


def _chromium(*args: str, url: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    # No network at all: any fetch the page tried would fail and be logged.
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0",
                           "--host-resolver-rules=MAP * ~NOTFOUND", *args, url],
                          capture_output=True, text=True, timeout=120, cwd=tmp,
                          env={**os.environ, "HOME": str(tmp)})


def _console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "net::ERR" in line]


@needs_dot
def test_the_report_holds_diagram_verdict_tables_curve_and_model(three_tier_report) -> None:
    path, r = three_tier_report
    text = path.read_text(encoding="utf-8")
    assert 'id="verdict">Bottleneck: station &#x27;db_disk&#x27;' in text
    diagram = re.search(r'<div class="figure" id="diagram">(<svg.*?</svg>)</div>', text, re.S)
    assert diagram and diagram.group(1).count('class="node"') >= 8
    for table, rows in (("stations", 4), ("pools", 3), ("classes", 1)):
        body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', text, re.S)
        assert body and body.group(1).count("<tr") == rows
    assert '<tr class="bottleneck"><td>db_disk</td>' in text
    assert 'id="load-curve"><svg' in text
    assert '<pre id="model">name: three_tier' in text


def test_the_report_fetches_nothing(three_tier_report) -> None:
    text = three_tier_report[0].read_text(encoding="utf-8")
    # Only XML namespace names may mention http; nothing is loaded from anywhere.
    fetched = re.findall(r'(?:src|href)\s*=\s*["\'](?!#|data:)([^"\']+)', text)
    assert fetched == [] or all(u.startswith("#") for u in fetched), fetched
    assert "<script" not in text and "<link" not in text and "@import" not in text


@needs_chromium
def test_console_detector_sees_errors(tmp_path: Path) -> None:
    # The check below would be blind if Chromium's console did not reach its log: prove it does.
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>console.error('boom'); missing();</script></body></html>")
    out = _chromium("--dump-dom", url=bad.as_uri(), tmp=tmp_path)
    assert any("boom" in m for m in _console_messages(out.stderr)), out.stderr[-2000:]


@needs_chromium
@needs_dot
def test_chromium_renders_the_report_with_no_console_errors(three_tier_report, tmp_path: Path) -> None:
    path = three_tier_report[0]
    dom = _chromium("--dump-dom", url=path.as_uri(), tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _console_messages(dom.stderr) == []
    html = dom.stdout
    # What the browser built from the file: the diagram's nodes, the table rows.
    assert html.count('class="node"') >= 8 and "<tbody>" in html
    assert len(re.findall(r"<tr[ >]", html)) >= 4 + 3 + 1 + 3
    shot = tmp_path / "report.png"
    out = _chromium("--screenshot=" + str(shot), "--window-size=1280,1600", url=path.as_uri(), tmp=tmp_path)
    assert out.returncode == 0 and shot.exists(), out.stderr[-2000:]
    assert _console_messages(out.stderr) == []
    import matplotlib.image as mpimg
    import numpy as np

    img = mpimg.imread(shot)
    assert img.shape[0] == 1600 and img.shape[1] == 1280
    # The diagram sits in the top part of the page: colourful (the utilization fills), not blank.
    top = img[:800, :, :3]
    saturation = top.max(axis=2) - top.min(axis=2)
    assert float(np.mean(saturation > 0.25)) > 0.005
    # The bottleneck's red fill is there.
    red = (top[:, :, 0] > 0.8) & (top[:, :, 1] < 0.35) & (top[:, :, 2] < 0.35)
    assert int(red.sum()) > 200


@needs_dot
def test_cli_report_writes_one_file_for_a_model_and_for_a_system(run_cli, tmp_path: Path) -> None:
    out = run_cli("report", ROOT / "examples/models/three_tier.yaml", "-o", "tt.html", "--until", "200",
                  "--replications", "2", "--no-progress")
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "tt.html").read_text(encoding="utf-8")
    assert "db_disk" in out.stdout and 'id="diagram"><svg' in text and 'id="load-curve"' not in text
    out = run_cli("report", ROOT / "examples/models/infra/app_threads_before.yaml", "-o", "sys.html",
                  "--until", "100", "--replications", "2", "--rates", "60,140", "--no-progress")
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "sys.html").read_text(encoding="utf-8")
    assert "app tier, 1 server" in text and 'id="load-curve"><svg' in text and "system:" in text
