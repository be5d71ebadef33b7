"""The notebooks are what scripts/make_notebooks.py writes, are stored without outputs, and run top
to bottom on a tiny run folder, each displaying figures inline with no error and no warning."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {
    "tour.ipynb": ROOT / "experiments" / "tiny" / "rare_earth_curb.toml",
    "backtest_senkaku_2010.ipynb": ROOT / "experiments" / "tiny" / "senkaku_2010.toml",
    "sweep_paths.ipynb": ROOT / "experiments" / "sweeps" / "tiny" / "us_support.toml",  # two parameters
}


def test_notebooks_are_generated_and_stored_without_outputs() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_notebooks
    finally:
        sys.path.pop(0)
    assert set(make_notebooks.NOTEBOOKS) == set(NOTEBOOKS)
    for name, cells in make_notebooks.NOTEBOOKS.items():
        stored = (ROOT / "notebooks" / name).read_text()
        assert stored == nbformat.writes(make_notebooks.build(cells)) + "\n", f"{name}: run python scripts/make_notebooks.py"
        nb = nbformat.reads(stored, as_version=4)
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
        assert nb.cells[1].source.startswith("%matplotlib inline")


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_runs_and_shows_figures(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPLBACKEND", raising=False)
    made = ROOT / "notebooks" / "runs" / f"tiny_{NOTEBOOKS[name].stem}"
    if name == "sweep_paths.ipynb":
        folder = tmp_path / "sweep"
        result = CliRunner().invoke(main, ["sweep", str(NOTEBOOKS[name]), "--out", str(folder), "-q"])
        assert result.exit_code == 0, result.output
        monkeypatch.setenv("COERCION_SIM_SWEEP", str(folder))
        request_cleanup = None
    elif name == "tour.ipynb" and not made.exists():
        # The notebook's own way: `sim run` of the scenario into notebooks/runs/ (removed afterwards).
        monkeypatch.setenv("COERCION_SIM_SCENARIO", str(NOTEBOOKS[name].relative_to(ROOT)))
        monkeypatch.delenv("COERCION_SIM_RUN", raising=False)
        request_cleanup = made
    else:
        folder = tmp_path / "run"
        result = CliRunner().invoke(main, ["run", str(NOTEBOOKS[name]), "--out", str(folder), "-q"])
        assert result.exit_code == 0, result.output
        monkeypatch.setenv("COERCION_SIM_RUN", str(folder))
        request_cleanup = None
    try:
        execute_and_check(name)
        if request_cleanup is not None:
            assert (request_cleanup / "manifest.json").is_file()
    finally:
        if request_cleanup is not None and request_cleanup.exists():
            shutil.rmtree(request_cleanup)
            if not any(request_cleanup.parent.iterdir()):
                request_cleanup.parent.rmdir()


def execute_and_check(name: str) -> None:
    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    warnings = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not warnings, warnings
    images = [o for o in outputs if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})]
    figure_cells = [c for c in nb.cells if c.cell_type == "code" and any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert len(images) >= 3 and len(figure_cells) >= 3
    assert not [o for o in outputs if "text/plain" in o.get("data", {}) and o["data"]["text/plain"].startswith("<Figure size")
                and "image/png" not in o["data"]], "a figure printed as text instead of shown"
