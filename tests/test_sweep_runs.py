"""Running sweeps: identical tables whatever the workers, executor or interruptions; failed runs
as rows; outcomes-only runs give the full runs' outcome rows; common random numbers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim.sweep as sweep_module
from agents.base import rule_params
from sim.cli import main
from sim.config import load_scenario
from sim.lockstep import LOCKSTEP_REPLICATIONS
from sim.model import CoercionModel
from sim.outcomes import OUTCOME_CLASSES
from sim.runner import replication_seeds, run_replication, run_replications
from sim.sweep import SweepInterrupted, committed_runs, run_sweep
from sim.sweep_analysis import load_sweep, load_sweep_events, load_sweep_series
from sim.sweep_config import load_sweep_file

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"
SWEEPS = ROOT / "experiments" / "sweeps" / "tiny"
TOLERANCE = SWEEPS / "china_tolerance.toml"  # 3 points x 2 replications


def load(path: Path, **kw):  # type: ignore[no-untyped-def]
    return load_sweep_file(path, rule_params=rule_params, **kw)


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("serial") / "sweep"
    run_sweep(load(TOLERANCE), out, workers=1)
    return load_sweep(out)


def test_table_shape_types_and_no_timing(serial: pd.DataFrame) -> None:
    assert list(serial["run_id"]) == list(range(6))
    assert list(serial["point"]) == [0, 0, 1, 1, 2, 2] and list(serial["replication"]) == [0, 1] * 3
    assert serial["cn_stake"].dtype == np.float64
    assert list(serial["cn_stake"]) == [0.25, 0.25, 1.0, 1.0, 4.0, 4.0]
    assert list(serial["outcome"].cat.categories) == list(OUTCOME_CLASSES)
    assert serial["error"].isna().all()
    assert isinstance(serial["actors"].iloc[0], list | np.ndarray) and "CN" in list(serial["actors"].iloc[0])
    assert not [c for c in serial.columns if "second" in c or "time" in c]
    assert serial["seed"].eq(8001).all()


def test_runs_are_the_replications_of_sim_run(serial: pd.DataFrame) -> None:
    # Run (point 2, replication 1) is replication 1 of the base with that value and the sweep's seed.
    scenario = load_scenario(TINY, ["governments.CN.rules[0].params.stake_pct=4.0"], rule_params=rule_params)
    outcome = run_replications(scenario, seed=8001, replications=2).outcomes.iloc[1]
    row = serial.iloc[5]
    assert row["path"] == outcome["path"] and row["outcome"] == outcome["outcome"]
    assert row["gdp_loss_pct.JP"] == pytest.approx(outcome["gdp_loss_pct.JP"], rel=1e-12)


def test_the_sweeps_events_are_the_runs_events(tmp_path: Path) -> None:
    # Workers send event rows and each part builds one table: the same rows, lists as lists.
    out = tmp_path / "s"
    run_sweep(load(TOLERANCE), out)
    events = load_sweep_events(out)
    scenario = load_scenario(TINY, ["governments.CN.rules[0].params.stake_pct=4.0"], rule_params=rule_params)
    own = run_replication(scenario, replication_seeds(8001, 2)[1], 1, series=False).events
    run = events[events["run_id"] == 5].reset_index(drop=True)
    assert len(run) == len(own) > 0 and (run["point"] == 2).all() and (run["replication"] == 1).all()
    for column in ("day", "actor", "action", "kind", "target", "rule", "reason", "rung"):
        assert list(run[column]) == list(own[column]), column
    assert [list(x) for x in run["products"]] == [[p for p in x.split(",") if p] for x in own["products"]]
    assert [len(x) for x in run["alternatives"]] == [x.count('"action"') for x in own["alternatives"]]
    assert events["day"].dtype == np.int64 and events["run_id"].dtype == np.int64


def test_two_workers_and_chunks_give_the_identical_table(tmp_path: Path, serial: pd.DataFrame) -> None:
    run_sweep(load(TOLERANCE), tmp_path / "two", workers=2, chunk_size=1, flush_runs=1)
    pd.testing.assert_frame_equal(serial, load_sweep(tmp_path / "two"))
    assert len(list((tmp_path / "two" / "parts").glob("outcomes-*.parquet"))) >= 3


def test_interrupt_keeps_finished_runs_and_resume_completes(tmp_path: Path, serial: pd.DataFrame) -> None:
    seen = []

    def progress(k: int) -> None:  # called per finished chunk (a lockstep batch)
        seen.append(k)
        if sum(seen) == 4:
            raise KeyboardInterrupt

    out = tmp_path / "s"
    with pytest.raises(SweepInterrupted) as info:
        run_sweep(load(TOLERANCE), out, progress=progress, flush_runs=100)
    assert info.value.done == 4
    assert list(load_sweep(out)["run_id"]) == [0, 1, 2, 3]
    # A write cut short leaves an uncommitted events part and a temporary file: both go on resume.
    (out / "parts" / "events-000099.parquet").write_bytes(b"partial")
    (out / "parts" / ".outcomes-000099.parquet.tmp").write_bytes(b"partial")
    result = run_sweep(load(TOLERANCE), out, resume=True)
    assert (result.done_before, result.ran) == (4, 2)
    assert not (out / "parts" / "events-000099.parquet").exists()
    pd.testing.assert_frame_equal(serial, load_sweep(out))
    assert load_sweep_events(out).groupby("run_id").size().index.tolist() == list(range(6))


def test_resume_refuses_another_sweep_and_new_sweeps_refuse_existing_folders(tmp_path: Path) -> None:
    out = tmp_path / "s"
    run_sweep(load(TOLERANCE), out)
    bad = CliRunner().invoke(main, ["sweep", str(TOLERANCE), "--out", str(out), "-q"])
    assert bad.exit_code == 2 and "already exists" in bad.output
    other = CliRunner().invoke(main, ["sweep", str(TOLERANCE), "--out", str(out), "--resume", "-n", "3", "-q"])
    assert other.exit_code == 2 and "different sweep" in other.output
    again = CliRunner().invoke(main, ["sweep", str(TOLERANCE), "--out", str(out), "--resume", "-q"])
    assert again.exit_code == 0, again.output


def test_kill_9_then_resume_gives_the_uninterrupted_table(tmp_path: Path, serial: pd.DataFrame) -> None:
    """A real ``kill -9`` of a sweep writing a part per run, at a moment after the first commit."""
    out = tmp_path / "killed"
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "import sim.sweep as s\n"
        "from agents.base import rule_params\n"
        "from sim.sweep_config import load_sweep_file\n"
        "real = s.run_chunk\n"
        "def slow(ctx, ids):\n"
        "    time.sleep(0.3)\n"
        "    return real(ctx, ids)\n"
        "s.run_chunk = slow\n"
        f"s.run_sweep(load_sweep_file({str(TOLERANCE)!r}, rule_params=rule_params), Path({str(out)!r}), flush_runs=1)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not (out.exists() and list((out / "parts").glob("outcomes-*.parquet"))):
            time.sleep(0.02)
        time.sleep(np.random.default_rng().uniform(0.0, 0.5))  # somewhere within the next runs
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    kept, _ = committed_runs(out / "parts")
    assert 1 <= len(kept) < 6
    run_sweep(load(TOLERANCE), out, resume=True)
    pd.testing.assert_frame_equal(serial, load_sweep(out))


def test_a_failed_run_is_a_row_with_its_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = sweep_module.run_replication

    def flaky(scenario, seed, replication, world, series):  # type: ignore[no-untyped-def]
        if replication == 1 and scenario.governments["CN"].rules[0].params["stake_pct"] == 1.0:
            raise FloatingPointError("boom")
        return real(scenario, seed, replication, world, series=series)

    def flaky_together(runs, series):  # type: ignore[no-untyped-def]
        # The lockstep batch holding the failing run fails; its runs are then run one by one.
        if any(k == 1 and s.governments["CN"].rules[0].params["stake_pct"] == 1.0 for s, _, _, k in runs):
            raise FloatingPointError("boom")
        return real_together(runs, series=series)

    real_together = sweep_module.run_together
    monkeypatch.setattr(sweep_module, "run_replication", flaky)
    monkeypatch.setattr(sweep_module, "run_together", flaky_together)
    result = run_sweep(load(TOLERANCE), tmp_path / "s")
    assert (result.ran, result.failed) == (6, 1)
    runs = load_sweep(tmp_path / "s")
    assert runs.loc[3, "error"] == "FloatingPointError: boom"
    assert pd.isna(runs.loc[3, "outcome"]) and runs["error"].notna().sum() == 1
    assert runs.loc[3, "cn_stake"] == 1.0


def test_a_workers_scenario_cache_never_serves_another_sweeps_point() -> None:
    """Points are cached per worker by what decides them, not by the context object's id (which a
    later sweep's context may take over once the first is gone: here one object is given each
    sweep's contents in turn, the same id throughout)."""
    ctx = None
    seen = []
    for stake in (0.25, 4.0, 1.0):
        loaded = load(TOLERANCE, overrides=[f"governments.CN.rules[0].params.stake_pct={stake}"])
        sweep = loaded.sweep.model_copy(update={"parameters": []})  # the point sets nothing: the base decides
        if ctx is None:
            ctx = sweep_module.SweepContext(loaded.base_raw, loaded.base_file, sweep, [{}])
        else:
            ctx.base_raw, ctx.sweep = loaded.base_raw, sweep
            ctx.__post_init__()
        scenario, _ = sweep_module._point_scenario(ctx, 0)
        seen.append(scenario.governments["CN"].rules[0].params["stake_pct"])
    assert seen == [0.25, 4.0, 1.0]


def test_outcomes_only_replication_gives_the_full_outcome_row_and_events() -> None:
    scenario = load_scenario(TINY, rule_params=rule_params)
    for seed in replication_seeds(scenario.seed, 2):
        full = run_replication(scenario, seed)
        light = run_replication(scenario, seed, series=False)
        assert light.timeseries.empty and not full.timeseries.empty
        assert light.outcome.keys() == full.outcome.keys()
        for key, value in full.outcome.items():
            assert light.outcome[key] == value or (value != value and light.outcome[key] != light.outcome[key]), key
        pd.testing.assert_frame_equal(light.events, full.events)


def test_kept_series_are_decimated_and_filtered(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        f'name = "series"\nbase = "{TINY.as_posix()}"\nreplications = 1\n'
        '[[parameters]]\npath = "governments.JP.rules[0].params.concession_cost_pct"\nvalues = [1.5]\n'
        '[keep]\nseries = true\nvariables = ["price_multiple", "gdp_loss_pct_cum"]\nevery_days = 7\n'
    )
    run_sweep(load(path), tmp_path / "out")
    series = load_sweep_series(tmp_path / "out")
    assert set(series["variable"].astype(str)) == {"price_multiple", "gdp_loss_pct_cum"}
    assert set(series["day"]) == set(range(0, 150, 7)) | {149}
    assert set(load_sweep_series(tmp_path / "out", "gdp_loss_pct_cum")["variable"].astype(str)) == {"gdp_loss_pct_cum"}


def test_run_reports_progress_as_the_days_go_by() -> None:
    # Replications step in lockstep batches, so progress comes in replication-days, day by day
    # in process and as the workers' shared count grows with -j: never one jump at the end.
    scenario = load_scenario(TINY, rule_params=rule_params)
    calls: list[int] = []
    result = run_replications(scenario, replications=3, progress=calls.append, series=False)
    assert sum(calls) == 3 * scenario.horizon_days and calls[:2] == [3, 3]
    assert list(result.outcomes["replication"]) == [0, 1, 2]
    calls.clear()
    many = 2 * LOCKSTEP_REPLICATIONS + 1  # three batches on two workers
    short = scenario.model_copy(update={"horizon_days": 40})
    result = run_replications(short, replications=many, workers=2, progress=calls.append, series=False)
    assert sum(calls) == many * 40 and len(calls) >= 2
    assert list(result.outcomes["replication"]) == list(range(many))
    # The batches are the replications' own, so one process gives the identical table.
    pd.testing.assert_frame_equal(result.outcomes, run_replications(short, replications=many, series=False).outcomes)


def test_common_random_numbers_across_variants() -> None:
    """Each random process draws from its own named stream of the replication seed: a variant that
    changes one government's parameters leaves every stream's draws unchanged."""
    base = load_scenario(TINY, rule_params=rule_params)
    variant = load_scenario(TINY, ["governments.US.rules[0].params.alliance_value_pct=0.03",
                                   "governments.JP.temperature=0.9"], rule_params=rule_params)
    seed = replication_seeds(base.seed, 1)[0]
    a, b = CoercionModel(base, seed), CoercionModel(variant, seed)
    for country in ("CN", "JP", "US"):
        assert np.array_equal(a.perception[country][1].random(8), b.perception[country][1].random(8))
    for ga, gb in zip(a.governments, b.governments, strict=True):
        assert np.array_equal(ga.choice_rng.random(8), gb.choice_rng.random(8))
        for ra, rb in zip(ga.rules, gb.rules, strict=True):
            assert np.array_equal(ra.context.rng.random(8), rb.context.rng.random(8))


def test_compare_pairs_replications_on_the_same_seeds(tmp_path: Path) -> None:
    same = CliRunner().invoke(main, ["compare", str(TINY), str(TINY), "-n", "2", "--all"])
    assert same.exit_code == 0, same.output
    rows = [line.split() for line in same.output.splitlines() if line.strip().startswith(("share:", "gdp_loss"))]
    assert rows and all(r[3] == "+0.000" and r[4] == "[+0.000," and r[5] == "+0.000]" for r in rows)
    variant = tmp_path / "v.toml"
    variant.write_text(f'extends = "{TINY.as_posix()}"\nhorizon_days = 120\n')
    diff = CliRunner().invoke(main, ["compare", str(TINY), str(variant), "-n", "2"])
    assert diff.exit_code == 0 and "B - A" in diff.output and "gdp_loss_pct" in diff.output

