"""Sweep analysis on folders with known answers, the Dask executor and the EMA adapter."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from agents.base import rule_params
from sim.analysis import path_frequencies, transitions, wilson_interval
from sim.cli import main
from sim.designs import design_table
from sim.outcomes import OUTCOME_CLASSES
from sim.sweep import run_sweep, write_part
from sim.sweep_analysis import (
    load_sweep,
    morris_screening,
    outcome_intervals,
    paired_differences,
    resolution_days,
    scenario_discovery,
    sobol_indices,
    summary_text,
)
from sim.sweep_config import Sweep, load_sweep_file

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"
TOLERANCE = ROOT / "experiments" / "sweeps" / "tiny" / "china_tolerance.toml"


def synthetic_sweep(tmp_path: Path, design: str, samples: int, response) -> Path:  # type: ignore[no-untyped-def]
    """A sweep folder whose runs are a known function of two unit parameters a, b."""
    spec = Sweep.model_validate({
        "name": "synthetic", "base": str(TINY), "design": design, "samples": samples, "replications": 1, "seed": 5,
        "parameters": [{"path": "horizon_days", "name": "a", "range": [0, 1]},
                       {"path": "seed", "name": "b", "range": [0, 1]}],
    })
    out = tmp_path / design
    (out / "parts").mkdir(parents=True)
    table = design_table(spec)
    table.to_parquet(out / "design.parquet", index=False)
    (out / "sweep.json").write_text(json.dumps({"sweep": spec.model_dump(mode="json")}))
    results = []
    for row in table.itertuples():
        y, outcome = response(row.a, row.b)
        results.append({"row": {"run_id": row.point, "point": row.point, "replication": 0, "seed": 5, "a": row.a, "b": row.b,
                                "outcome": outcome, "resolution_day": 100.0, "path": f"CN:x > JP:{outcome}",
                                "n_events": 2, "actors": ["CN", "JP"], "y": y, "error": None},
                        "events": None, "series": None})
    for k in range(0, len(results), 500):
        write_part(out / "parts", k // 500 + 1, results[k:k + 500])
    return out


def test_wilson_intervals_by_hand() -> None:
    low, high = wilson_interval(3, 10)
    assert (low, high) == pytest.approx((0.1078, 0.6032), abs=1e-4)
    assert wilson_interval(0, 6) == pytest.approx((0.0, 1.959964**2 / (6 + 1.959964**2)), abs=1e-6)


def test_outcome_intervals_keep_every_class_and_bin_parameters() -> None:
    runs = pd.DataFrame({
        "x": [0.1, 0.2, 0.6, 0.9],
        "outcome": pd.Categorical(["stalemate", "stalemate", "target_concedes", "stalemate"], categories=list(OUTCOME_CLASSES)),
        "error": [None, None, None, None],
    })
    overall = outcome_intervals(runs)
    assert list(overall["outcome"]) == list(OUTCOME_CLASSES)
    assert overall.set_index("outcome").loc["stalemate", ["count", "n", "share"]].tolist() == [3, 4, 0.75]
    zero = overall.set_index("outcome").loc["no_conflict"]
    assert zero["count"] == 0 and zero["high"] == pytest.approx(1.959964**2 / (4 + 1.959964**2), abs=1e-6)
    binned = outcome_intervals(runs, by="x", bins=[0, 0.5, 1])
    assert len(binned) == 2 * len(OUTCOME_CLASSES)
    low_bin = binned[(binned["outcome"] == "stalemate")].iloc[0]
    assert (low_bin["count"], low_bin["n"]) == (2, 2)


def test_resolution_days_and_paired_differences_by_hand() -> None:
    runs = pd.DataFrame({"outcome": ["target_concedes"] * 3 + ["stalemate"], "resolution_day": [100.0, 200.0, 300.0, np.nan],
                         "error": [None] * 4})
    days = resolution_days(runs).set_index("outcome")
    assert days.loc["target_concedes", ["runs", "resolved", "mean", "median", "min", "max"]].tolist() == [3, 3, 200, 200, 100, 300]
    assert days.loc["stalemate", ["runs", "resolved"]].tolist() == [1, 0]
    a = pd.DataFrame({"replication": range(4), "outcome": ["target_concedes", "stalemate", "stalemate", "target_concedes"],
                      "gdp_loss_pct.JP": [1.0, 2, 3, 4]})
    b = pd.DataFrame({"replication": range(4), "outcome": ["target_concedes", "target_concedes", "stalemate", "target_concedes"],
                      "gdp_loss_pct.JP": [2.0, 3, 4, 5]})
    table = paired_differences(a, b).set_index("quantity")
    share = table.loc["share:target_concedes"]
    assert share["diff"] == 0.25
    assert share["high"] - share["diff"] == pytest.approx(3.182446 * 0.5 / 2, rel=1e-5)
    assert table.loc["gdp_loss_pct.JP", ["diff", "low", "high"]].tolist() == [1.0, 1.0, 1.0]


def test_sobol_indices_of_a_linear_response(tmp_path: Path) -> None:
    # y = 4a + b with a, b uniform: S1 = ST = 16/17 and 1/17.
    out = synthetic_sweep(tmp_path, "saltelli", 512, lambda a, b: (4 * a + b, "stalemate" if a < 0.5 else "target_concedes"))
    table = sobol_indices(out, outputs=["y", "share:target_concedes"]).set_index(["output", "parameter"])
    assert table.loc[("y", "a"), "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert table.loc[("y", "b"), "ST"] == pytest.approx(1 / 17, abs=0.02)
    assert (table.loc["y", "S1_conf"] > 0).all()
    assert table.loc[("share:target_concedes", "b"), "ST"] == pytest.approx(0, abs=0.02)


def test_morris_screening_of_a_linear_response(tmp_path: Path) -> None:
    out = synthetic_sweep(tmp_path, "morris", 20, lambda a, b: (3 * a, "stalemate"))
    table = morris_screening(out, outputs=["y"]).set_index("parameter")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0)
    assert table.loc["b", "mu_star"] == pytest.approx(0.0)
    assert list(table.index) == ["a", "b"]


def test_prim_finds_the_box_of_an_outcome(tmp_path: Path) -> None:
    out = synthetic_sweep(tmp_path, "lhs", 400, lambda a, b: (0.0, "target_concedes" if a > 0.7 else "stalemate"))
    runs = load_sweep(out)
    found = scenario_discovery(runs, ["a", "b"], outcome="target_concedes", threshold=0.9)
    limits = found["limits"].set_index("parameter")
    assert limits.loc["a", "low"] == pytest.approx(0.7, abs=0.03)
    assert found["density"] >= 0.9 and found["coverage"] >= 0.9
    paths = path_frequencies(runs)
    assert paths["count"].sum() == 400 and set(transitions(runs)["from"]) >= {"start", "CN:x"}


def test_dask_local_cluster_gives_the_identical_table(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    loaded = load_sweep_file(TOLERANCE, rule_params=rule_params)
    run_sweep(loaded, tmp_path / "local", workers=1)
    run_sweep(loaded, tmp_path / "dask", workers=2, executor="dask")
    pd.testing.assert_frame_equal(load_sweep(tmp_path / "local"), load_sweep(tmp_path / "dask"))
    assert json.loads((tmp_path / "dask" / "manifest.json").read_text())["executor"] == "dask"


def test_dask_scheduler_address_from_the_cli_gives_the_identical_table(tmp_path: Path) -> None:
    """`sim sweep --executor dask --scheduler ADDR`: a cluster started elsewhere (here a
    LocalCluster of 2 in-process workers, the quickest to start) runs the sweep through its
    scheduler address, and the table equals the local executor's."""
    distributed = pytest.importorskip("distributed")
    run_sweep(load_sweep_file(TOLERANCE, rule_params=rule_params), tmp_path / "local", workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        result = CliRunner().invoke(main, ["sweep", str(TOLERANCE), "--executor", "dask", "--scheduler", address,
                                           "--out", str(tmp_path / "remote"), "--quiet"])
        assert result.exit_code == 0, result.output
        # The runs went through this cluster's scheduler, which the sweep leaves running (not its own).
        assert "run_chunk" in cluster.scheduler.task_prefixes and cluster.status.name == "running"
    pd.testing.assert_frame_equal(load_sweep(tmp_path / "local"), load_sweep(tmp_path / "remote"))
    manifest = json.loads((tmp_path / "remote" / "manifest.json").read_text())
    assert manifest["executor"] == "dask" and manifest["runs_kept"] == 6


def test_ema_workbench_runs_the_simulator() -> None:
    ema = pytest.importorskip("ema_workbench")
    from sim.ema import ema_model

    model = ema_model(TOLERANCE, replications=1)
    experiments, outcomes = ema.perform_experiments(model, scenarios=2)
    assert len(experiments) == 2 and set(outcomes) >= {f"share_{c}" for c in OUTCOME_CLASSES}
    shares = np.column_stack([outcomes[f"share_{c}"] for c in OUTCOME_CLASSES])
    assert np.allclose(shares.sum(axis=1), 1.0)
    direct = model.function(cn_stake=float(experiments["cn_stake"].iloc[0]))
    assert direct["gdp_loss_pct_target"] == pytest.approx(outcomes["gdp_loss_pct_target"][0], rel=1e-12)


def test_summarize_sweep_and_run_folders(tmp_path: Path) -> None:
    out = synthetic_sweep(tmp_path, "lhs", 8, lambda a, b: (a, "stalemate"))
    text = summary_text(out)
    assert "8 of 8 runs, 0 failed" in text and "stalemate                  8/8" in text
    result = CliRunner().invoke(main, ["summarize", str(out)])
    assert result.exit_code == 0 and "by a:" in result.output
    run = CliRunner().invoke(main, ["run", str(TINY), "-n", "2", "-q", "--out", str(tmp_path / "run")])
    assert run.exit_code == 0, run.output
    shown = CliRunner().invoke(main, ["summarize", str(tmp_path / "run")])
    assert shown.exit_code == 0 and "2 replication(s)" in shown.output and "Wilson" in shown.output
    bad = CliRunner().invoke(main, ["summarize", str(tmp_path)])
    assert bad.exit_code == 2 and "not a run or sweep folder" in bad.output
