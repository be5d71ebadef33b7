"""Plots return figures with the expected content; the tour notebook runs without errors."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import nbformat
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient

from sim import plots
from sim.analysis import Run, load_run
from sim.config import load_scenario
from sim.runner import run_replications, write_run

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny" / "rare_earth_ban_scripted.toml"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    scenario = load_scenario(TINY)
    out = tmp_path_factory.mktemp("runs") / "tiny"
    return load_run(write_run(out, scenario, run_replications(scenario), scenario.seed, scenario.replications))


def test_price_paths(run: Run) -> None:
    fig = plots.price_paths(run, "rare_earths", ["CN", "JP"])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CN", "JP"]
    japan = ax.get_lines()[1].get_ydata()
    assert len(japan) == 150 and japan.max() > 5  # median of 2 replications
    assert len(ax.collections) == 2  # 10-90% bands
    assert "ree_ban" in [t.get_text() for t in ax.texts]


def test_firm_output_and_cover(run: Run) -> None:
    fig = plots.firm_output(run, ["toyota", "honda"], input_product="heavy_rare_earths")
    assert len(fig.axes) == 2
    assert len(fig.axes[0].get_lines()) == 2
    cover = fig.axes[1].get_lines()[0].get_ydata()
    assert cover[0] == pytest.approx(60.0) and cover[-1] < cover[0]


def test_import_dependence_gdp_loss_outcomes(run: Run) -> None:
    fig = plots.import_dependence(run, "JP", "rare_earths")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["CN", "ROW", "US"]
    fig = plots.gdp_loss(run)
    assert len(fig.axes[0].get_legend().get_texts()) == 5
    fig = plots.outcome_counts(run)
    assert sum(p.get_height() for p in fig.axes[0].patches) == 2


def test_tour_notebook_is_stored_without_outputs_and_runs() -> None:
    path = ROOT / "notebooks" / "tour.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    os.environ["COERCION_SIM_TOUR_HORIZON"] = "150"
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        del os.environ["COERCION_SIM_TOUR_HORIZON"]
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert "150 days" in "".join(o.get("text", "") for o in nb.cells[1].outputs)
