"""Run folders, determinism (serial vs parallel), atomic writes and loading for analysis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import load_run
from sim.config import Scenario, load_scenario
from sim.model import stream
from sim.runner import (
    OutputError,
    OutputExistsError,
    RunResult,
    default_out_dir,
    run_replications,
    write_run,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny" / "rare_earth_ban_scripted.toml"
EVENT_COLUMNS = {"replication", "day", "actor", "action", "target", "products", "enforcement", "rule", "reason"}


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def serial(tiny: Scenario) -> RunResult:
    return run_replications(tiny, replications=3)


def assert_same_tables(a: RunResult, b: RunResult) -> None:
    for name in ("timeseries", "events", "outcomes"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_same_seed_same_tables(tiny: Scenario, serial: RunResult) -> None:
    assert_same_tables(serial, run_replications(tiny, replications=3))


def test_serial_and_parallel_runs_are_identical(tiny: Scenario, serial: RunResult) -> None:
    assert_same_tables(serial, run_replications(tiny, replications=3, workers=2))


def test_strategic_runs_with_noise_are_identical_serial_and_parallel() -> None:
    # Logit choices and perception noise draw from named streams of each replication's seed.
    scenario = load_scenario(ROOT / "experiments" / "tiny" / "rare_earth_curb.toml")
    one = run_replications(scenario, replications=4)
    assert_same_tables(one, run_replications(scenario, replications=4, workers=2))
    assert one.outcomes["path"].nunique() > 1 or one.events["alternatives"].nunique() > 1


def test_named_streams_are_reproducible_and_independent() -> None:
    seed = np.random.SeedSequence(7).spawn(2)
    a1 = stream(seed[0], "choice:CN").random(5)
    assert np.array_equal(a1, stream(seed[0], "choice:CN").random(5))
    assert not np.array_equal(a1, stream(seed[0], "choice:JP").random(5))
    assert not np.array_equal(a1, stream(seed[1], "choice:CN").random(5))


def test_tables_have_the_documented_columns(serial: RunResult) -> None:
    ts, events, outcomes = serial.timeseries, serial.events, serial.outcomes
    assert {"replication", "day", "variable", "country", "partner", "product", "firm", "value"} <= set(ts.columns)
    assert set(events.columns) >= EVENT_COLUMNS
    assert {"replication", "outcome", "path"} <= set(outcomes.columns)
    assert list(outcomes["replication"]) == [0, 1, 2]
    assert sorted(ts["replication"].unique()) == [0, 1, 2]
    assert ts.groupby("replication", observed=True)["day"].max().tolist() == [149, 149, 149]
    for prefix in ("peak_price_multiple.", "gdp_loss_pct.", "profit_loss_pct.", "import_share."):
        assert any(c.startswith(prefix) for c in outcomes.columns), prefix
    assert np.isfinite(ts["value"]).all()


def test_write_run_then_load_run(tmp_path: Path, tiny: Scenario, serial: RunResult) -> None:
    out = write_run(tmp_path / "run", tiny, serial, seed=tiny.seed, replications=3, source_file=str(TINY))
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", "scenario.json", "timeseries.parquet", "events.parquet", "outcomes.parquet"]
    )
    run = load_run(out)
    pd.testing.assert_frame_equal(run.outcomes, serial.outcomes)
    pd.testing.assert_frame_equal(run.events, serial.events)
    assert len(run.timeseries) == len(serial.timeseries)
    manifest = run.manifest
    assert manifest["seed"] == tiny.seed
    assert manifest["replications"] == 3
    assert manifest["scenario_sha256"] == tiny.digest()
    assert len(manifest["replication_seeds"]) == 3
    assert manifest["lockstep_batches"] == [[0, 2]]  # the three replications stepped together
    assert {"python", "mesa", "numpy", "pandas", "pydantic"} <= set(manifest["packages"])
    # The resolved scenario is stored and validates back into the same scenario.
    stored = Scenario.model_validate(json.loads((out / "scenario.json").read_text()))
    assert stored.digest() == tiny.digest()
    prices = run.series("price_multiple", country="JP", product="rare_earths")
    assert prices.shape == (150, 3)
    # The table holds the stored values themselves (nothing summed).
    ts = run.timeseries
    row = ts[(ts.variable == "price_multiple") & (ts.country == "JP") & (ts["product"] == "rare_earths")
             & (ts.replication == 2) & (ts.day == 100)]
    assert prices.loc[100, 2] == row["value"].item()


def test_series_refuses_ambiguous_or_unknown_selections(tmp_path: Path, tiny: Scenario, serial: RunResult) -> None:
    from sim.analysis import SelectionError

    out = write_run(tmp_path / "run", tiny, serial, seed=tiny.seed, replications=3, source_file=str(TINY))
    run = load_run(out)
    # Five countries' prices are five series, not one to be summed.
    with pytest.raises(SelectionError, match=r"add a filter: country= one of CN, JP, KR, ROW, US"):
        run.series("price_multiple", product="rare_earths")
    with pytest.raises(SelectionError, match="product= one of"):
        run.series("price_multiple", country="JP")
    with pytest.raises(SelectionError, match="unknown variable 'price'"):
        run.series("price", country="JP", product="rare_earths")
    with pytest.raises(SelectionError, match="product='rare_earth' does not occur in price_multiple"):
        run.series("price_multiple", country="JP", product="rare_earth")
    with pytest.raises(SelectionError, match="gdp_loss_pct_cum has no firm dimension"):
        run.series("gdp_loss_pct_cum", country="JP", firm="toyota")
    with pytest.raises(SelectionError, match="unknown filter colour"):
        run.series("gdp_loss_pct_cum", country="JP", colour="red")
    # One series per day and replication is answered.
    assert run.series("gdp_loss_pct_cum", country="JP").shape == (150, 3)
    assert run.series("output_index", firm="toyota").shape == (150, 3)


def test_existing_folder_is_kept_unless_forced(tmp_path: Path, tiny: Scenario, serial: RunResult) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError):
        write_run(out, tiny, serial, seed=1, replications=3)
    assert (out / "notes.txt").read_text() == "mine"
    # --force replaces only a run folder (one holding manifest.json), never any other folder.
    with pytest.raises(OutputError, match="not a run folder"):
        write_run(out, tiny, serial, seed=1, replications=3, force=True)
    assert (out / "notes.txt").read_text() == "mine"
    run = tmp_path / "run2"
    write_run(run, tiny, serial, seed=1, replications=3)
    (run / "extra.txt").write_text("old run")
    write_run(run, tiny, serial, seed=2, replications=3, force=True)
    assert not (run / "extra.txt").exists()
    assert json.loads((run / "manifest.json").read_text())["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run2"]  # no temporary or backup folders left


def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, tiny: Scenario, serial: RunResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OutputError, match="disk full"):
        write_run(tmp_path / "run", tiny, serial, seed=1, replications=3)
    assert list(tmp_path.iterdir()) == []
    # Forcing over an existing folder that then fails keeps the old folder intact.
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    with pytest.raises(OutputError):
        write_run(old, tiny, serial, seed=1, replications=3, force=True)
    assert (old / "manifest.json").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["old"]


def test_default_output_folder(tiny: Scenario) -> None:
    out = default_out_dir(tiny, root="runs")
    assert out.parts[:2] == ("runs", "rare_earth_ban_scripted_tiny")
    assert len(out.parts[2]) == len("20260101T000000-a1b2c3")
    # Two runs started in the same second get different folders.
    assert len({default_out_dir(tiny, root="runs") for _ in range(50)}) == 50


def test_outcome_shares_paths_and_transitions_by_hand() -> None:
    import pandas as pd

    from sim.analysis import outcome_shares, path_frequencies, transitions
    from sim.outcomes import OUTCOME_CLASSES

    outcomes = pd.DataFrame({
        "outcome": ["target_concedes", "target_concedes", "stalemate", "target_concedes"],
        "path": ["C:a > T:b", "C:a > T:b", "C:a", "C:a > T:b"],
        "resolution_day": [10.0, 20.0, float("nan"), 30.0],
    })
    shares = outcome_shares(outcomes)
    # Observed classes first, most frequent first; then every class no replication reached.
    assert list(shares.index[:2]) == ["target_concedes", "stalemate"]
    assert set(shares.index) == set(OUTCOME_CLASSES)
    assert shares["count"].sum() == 4
    z = 1.959963984540054  # the normal quantile of a 95% interval
    # 0 of 4: the Wilson upper bound is z^2 / (n + z^2), not a missing row.
    assert shares.loc["threat_succeeded", "count"] == 0
    assert shares.loc["threat_succeeded", "low"] == 0.0
    assert shares.loc["threat_succeeded", "high"] == pytest.approx(z**2 / (4 + z**2), rel=1e-9)
    assert shares.loc["target_concedes", "share"] == 0.75
    # Wilson interval for 3 of 4 at 95%: centre (p + z^2/2n) / (1 + z^2/n), half-width by hand.
    centre = (0.75 + z * z / 8) / (1 + z * z / 4)
    half = z * (0.75 * 0.25 / 4 + z * z / 64) ** 0.5 / (1 + z * z / 4)
    assert shares.loc["target_concedes", "low"] == pytest.approx(centre - half, rel=1e-9)
    assert shares.loc["target_concedes", "high"] == pytest.approx(centre + half, rel=1e-9)
    paths = path_frequencies(outcomes)
    assert paths.loc["C:a > T:b", "count"] == 3 and paths.loc["C:a > T:b", "median_resolution_day"] == 20.0
    assert paths.loc["C:a", "outcome"] == "stalemate" and paths.loc["C:a", "share"] == 0.25
    moves = transitions(outcomes)
    assert moves.iloc[0].tolist() == ["start", "C:a", 4]
    counts = {(r["from"], r["to"]): r["count"] for _, r in moves.iterrows()}
    assert counts[("C:a", "T:b")] == 3 and counts[("C:a", "end")] == 1 and counts[("T:b", "end")] == 3
