# Every notebook in examples/notebooks runs top to bottom without an error, in a python3 kernel on
# this interpreter, from a temporary copy of examples/ (so the notebooks' relative paths to the
# models work and nothing is written into the repository), with matplotlib's Agg backend.
# The committed notebooks carry no outputs.
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "examples" / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
EXPECTED = {"capacity_planning_3tier", "scale_up_vs_scale_out", "teaching_queueing", "five_bottleneck_kinds"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/ (models and notebooks) to run the notebooks in."""
    root = tmp_path_factory.mktemp("notebooks")
    shutil.copytree(ROOT / "examples" / "models", root / "examples" / "models")
    shutil.copytree(NOTEBOOKS, root / "examples" / "notebooks")
    return root / "examples" / "notebooks"


@pytest.fixture(scope="module")
def python3_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``python3`` kernelspec that runs ipykernel on *this* interpreter (the one with tiersim installed).

    jupyter_client searches JUPYTER_PATH before the user's and the system's kernel directories, so a
    ``python3`` kernel installed elsewhere (another virtualenv, another Python) cannot be picked up.
    """
    data = tmp_path_factory.mktemp("jupyter")
    spec = data / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tiersim tests)",
        "language": "python",
    }), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(data))
    mp.setenv("MPLBACKEND", "Agg")
    mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets a debugger warning on some kernels
    yield "python3"
    mp.undo()


def test_the_four_notebooks_exist() -> None:
    assert EXPECTED <= {p.stem for p in PATHS}, f"missing: {EXPECTED - {p.stem for p in PATHS}}"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_committed_valid_and_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{path.name}: cell {i} has outputs; commit notebooks with outputs cleared")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), "starts with a title"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path: Path, workdir: Path, python3_kernel: str) -> None:
    copy = workdir / path.name
    nb = nbformat.read(copy, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name=python3_kernel,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the failing cell and its traceback
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert figures > 0, f"{path.name} drew no figure"
    # Progress bars render as widgets (ipywidgets is a notebook dependency), never as a warning.
    streams = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.output_type == "stream")
    assert "IProgress not found" not in streams and "TqdmWarning" not in streams
    keep = os.environ.get("TIERSIM_NOTEBOOK_FIGURES")  # a directory: save the figures to look at them
    if keep:
        import base64

        images = [o["data"]["image/png"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if "image/png" in o.get("data", {})]
        Path(keep).mkdir(parents=True, exist_ok=True)
        for k, data in enumerate(images, start=1):
            (Path(keep) / f"{path.stem}_{k}.png").write_bytes(base64.b64decode(data))
    print(f"{path.name}: {elapsed:.1f} s, {figures} figures")
