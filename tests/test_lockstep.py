"""Replications stepped in lockstep (sim.stacking, sim.lockstep) give the serial runs' results.

The economy of R stacked copies of a world must give each copy exactly what a serial step gives
its replication, to rounding (rel 1e-9; a firm's sums over its inputs may group the same terms
differently when the row holds the other copies' zeros): on random worlds with random measures
per copy, and for every experiment's replications through the models (events identical)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_economy_reference import with_price_response_and_leakage

import sim.sweep as sweep_module
from agents.base import rule_params
from sim.config import load_scenario
from sim.economy import (
    PROJECT_COLUMNS,
    DayResult,
    initial_state,
    order_investment,
    policy_from_measures,
    step,
)
from sim.lockstep import LOCKSTEP_REPLICATIONS, replication_batch, replication_batches
from sim.runner import replication_seeds, run_batch, run_replication
from sim.stacking import (
    CopyState,
    copy_result,
    max_copies,
    stack_policies,
    stack_world,
    stack_worlds,
)
from sim.sweep_config import load_sweep_file
from sim.synthetic import random_scenario
from sim.world import build_world, measure_index

ROOT = Path(__file__).resolve().parents[1]
TINY = sorted((ROOT / "experiments" / "tiny").glob("*.toml"))
RESULT_FIELDS = ("shipments", "demand", "fill", "output", "revenue", "input_cost", "profit", "received", "gdp_loss",
                 "pool_sold", "spot", "stockpile_release", "stockpile_refill", "leaked")
STATE_FIELDS = ("inventory", "mix", "trust", "price", "bg_capacity", "pipeline", "last_output", "bg_mix", "stockpile",
                "intensity", "leak_ramp", "qualifying", "built", "price_signal", "price_invested", "bg_input_stock")


def assert_close(serial: np.ndarray | None, stacked: np.ndarray | None, name: str, scale: float = 0.0) -> None:
    """Equal to rounding: rel 1e-9, and near 0 within 1e-9 of ``scale`` (the size of the terms a
    value is the difference of: a GDP loss of 0 is a difference of value added of order GDP)."""
    if serial is None and stacked is None:
        return
    # Nothing on one side (no refill, no leak that day) is zeros: the other side has them to rounding.
    serial = np.zeros(np.shape(stacked)) if serial is None else serial
    stacked = np.zeros(np.shape(serial)) if stacked is None else stacked
    serial, stacked = np.asarray(serial, float), np.asarray(stacked, float)
    assert serial.shape == stacked.shape, name
    atol = 1e-9 * max(scale, float(np.abs(serial).max(initial=0.0)), 1e-300)
    np.testing.assert_allclose(stacked, serial, rtol=1e-9, atol=atol, err_msg=name)


# Derandomized: the same 25 worlds on every run. Lockstep equals serial to rounding, so a world
# with a decision threshold within rounding of a value would flip; such worlds are searched for
# off the suite (scripts/search_lockstep.py: 900 random ones pass; the two found, a stockpile
# release of 2e-16 and a blocked share of -2e-16, are fixed in the economy), and a CI run must
# not depend on drawing one.
# The worlds' sizes (inclusive ranges), shared with scripts/search_lockstep.py.
SPEC_RANGES = {"n_countries": (2, 5), "n_products": (1, 5), "n_firms": (1, 10), "n_measures": (0, 5), "copies": (2, 4)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(
    st.fixed_dictionaries({
        "seed": st.integers(0, 2**32 - 1),
        "responsive": st.booleans(),
        **{name: st.integers(low, high) for name, (low, high) in SPEC_RANGES.items()},
    })
)
def test_stacked_copies_step_as_their_serial_worlds(spec: dict[str, int]) -> None:
    seed, responsive, copies = spec.pop("seed"), spec.pop("responsive"), spec.pop("copies")
    rng = np.random.default_rng(seed)
    days = 40
    scenario = random_scenario(rng, horizon_days=days, **spec)
    # With price response and leakage, each copy draws its own (thrifting, backstops, substitutes,
    # leakage shares; the economy's parameters alike): the copies' worlds differ, as a sweep's points do.
    scenarios = [
        with_price_response_and_leakage(scenario, np.random.default_rng([seed, b])) if responsive else scenario
        for b in range(copies)
    ]
    worlds = [build_world(s) for s in scenarios]
    world = worlds[0]
    stacked = stack_worlds(worlds)
    # Each copy keeps its own subset of the scenario's measures (one copy none at all), its own
    # precautionary cover, and its own investment project, so their policies and states differ.
    keep = [rng.random(len(scenario.schedule)) < 0.6 for _ in range(copies)]
    keep[0][:] = False
    covers = [None if rng.random() < 0.5 else rng.uniform(1.0, 3.0, world.n_firms) for _ in range(copies)]
    project_day = [int(rng.integers(0, days)) for _ in range(copies)]
    pools = np.flatnonzero(~world.final)
    serial_states = [initial_state(w) for w in worlds]
    state = initial_state(stacked)
    views = [CopyState(stacked, state, b) for b in range(copies)]
    # What a value near 0 is a difference of: USD of value added (GDP), units of flow, prices.
    money, units = float(sum(w.gdp_daily.sum() for w in worlds)), float(max(w.flow0.max() for w in worlds) + 1.0)
    prices = float(max(w.base_price.max() for w in worlds))
    scale_of = {"revenue": money, "input_cost": money, "profit": money, "gdp_loss": money, "price": prices,
                "price_signal": 1.0, "price_invested": 1.0, "intensity": 1.0, "leak_ramp": 1.0, "mix": 1.0, "bg_mix": 1.0,
                "trust": 1.0, "fill": 1.0, "qualifying": 1.0, "bg_input_stock": 1.0}
    for day in range(days):
        policies = []
        for b in range(copies):
            if day == project_day[b] and pools.size:
                draw = np.random.default_rng([seed, b])
                terms = dict(
                    country=int(draw.integers(world.n_countries)), product=int(draw.choice(pools)),
                    capacity=float(draw.uniform(0, 10)), lead_days=int(draw.integers(1, days)),
                    cost=float(draw.uniform(0, 1e6)), payer=int(draw.integers(world.n_countries)),
                    payer_firm=int(draw.integers(-1, world.n_firms)), offtake=int(draw.integers(-1, world.n_countries)),
                    offtake_share=float(draw.uniform(0, 1)),
                )
                order_investment(worlds[b], serial_states[b], **terms)
                order_investment(worlds[b], views[b], **terms)  # type: ignore[arg-type]
            measures = [
                measure_index(worlds[b], item, item.day)
                for item, kept in zip(scenarios[b].schedule, keep[b], strict=True)
                if kept and item.day <= day and (item.until_day is None or day < item.until_day)
            ]
            policy = policy_from_measures(worlds[b], measures, day)
            policy.target_cover = covers[b]
            policies.append(policy)
        result = step(stacked, state, stack_policies(stacked, policies))
        for b in range(copies):
            own = step(worlds[b], serial_states[b], policies[b])
            mine = copy_result(stacked, result, b)
            for name in RESULT_FIELDS:
                assert_close(getattr(own, name), getattr(mine, name), f"day {day}, copy {b}: {name}",
                             scale_of.get(name, units))
            for name in STATE_FIELDS:
                assert_close(getattr(serial_states[b], name), getattr(views[b], name), f"day {day}, copy {b}: state.{name}",
                             scale_of.get(name, units))
            np.testing.assert_array_equal(views[b].projects, serial_states[b].projects)


def test_a_copys_view_writes_through_and_keeps_its_projects_apart() -> None:
    world = build_world(load_scenario(TINY[0], rule_params=rule_params))
    stacked = stack_world(world, 3)
    state = initial_state(stacked)
    one, two = CopyState(stacked, state, 1), CopyState(stacked, state, 2)
    n_f, n_p = world.n_firms, world.n_products
    # A firm moving its supplier mix (an in-place write through the view) changes its copy only.
    f, p = np.argwhere(world.recipe > 0)[0]
    one.mix[f, p] = 0.0
    assert not state.mix[n_f + f, n_p + p].any() and state.mix[2 * n_f + f, 2 * n_p + p].sum() == pytest.approx(1.0)
    # A project ordered through a copy's view lands in the stacked state in the copy's indices...
    pool = int(np.flatnonzero(~world.final)[0])
    order_investment(world, two, 1, pool, 5.0, 30, 1e6, payer_firm=2)  # type: ignore[arg-type]
    col = {name: k for k, name in enumerate(PROJECT_COLUMNS)}
    assert state.projects.shape[0] == 1
    assert state.projects[0, col["product"]] == 2 * n_p + pool and state.projects[0, col["payer_firm"]] == 2 * n_f + 2
    # ... and reads back in the copy's own; the other copies see none.
    assert two.projects[0, col["product"]] == pool and two.projects[0, col["payer_firm"]] == 2
    assert one.projects.shape[0] == 0
    with pytest.raises(AttributeError, match="view"):
        one.price = np.zeros(1)


def test_a_world_of_one_copy_is_the_world_itself() -> None:
    world = build_world(load_scenario(TINY[0], rule_params=rule_params))
    assert stack_world(world, 1) is world
    result = step(world, initial_state(world), policy_from_measures(world, [], 0))
    assert isinstance(copy_result(world, result, 0), DayResult)
    np.testing.assert_array_equal(copy_result(world, result, 0).gdp_loss, result.gdp_loss)


def test_a_sweeps_default_batch_is_the_runs() -> None:
    from sim.sweep_config import Sweep

    assert Sweep.model_fields["lockstep"].default == LOCKSTEP_REPLICATIONS


def test_batches_are_fixed_by_replication_numbers() -> None:
    n = 2 * LOCKSTEP_REPLICATIONS + 3
    batches = replication_batches(n)
    assert [list(b) for b in batches] == [
        list(range(0, LOCKSTEP_REPLICATIONS)),
        list(range(LOCKSTEP_REPLICATIONS, 2 * LOCKSTEP_REPLICATIONS)),
        list(range(2 * LOCKSTEP_REPLICATIONS, n)),
    ]
    assert replication_batch(LOCKSTEP_REPLICATIONS + 5, n) == batches[1]
    assert replication_batch(n - 1, n) == batches[2]


@pytest.mark.parametrize("path", TINY, ids=[p.stem for p in TINY])
def test_every_experiments_batch_gives_its_serial_runs(path: Path) -> None:
    scenario = load_scenario(path, rule_params=rule_params)
    seeds = replication_seeds(scenario.seed, 3)
    world = build_world(scenario)
    batch = run_batch(scenario, seeds, range(3), world)
    for k, together in enumerate(batch):
        alone = run_replication(scenario, seeds[k], k, world)
        assert together.replication == k
        assert list(together.events["reason"]) == list(alone.events["reason"])
        assert list(together.events["action"]) == list(alone.events["action"])
        for key, value in alone.outcome.items():
            other = together.outcome[key]
            if isinstance(value, float):
                assert other == pytest.approx(value, rel=1e-9, abs=1e-9, nan_ok=True), key
            else:
                assert other == value, key
        a, b = alone.timeseries, together.timeseries
        assert list(a.columns) == list(b.columns) and len(a) == len(b)
        assert (a["variable"].astype(str) == b["variable"].astype(str)).all()
        # (absolute 1e-9 for values near 0: percentages of GDP, shares, multiples)
        np.testing.assert_allclose(b["value"], a["value"], rtol=1e-9, atol=1e-9)


def test_a_sweep_runs_a_batch_whole_whatever_it_is_asked_for(tmp_path: Path) -> None:
    """A resumed sweep may need only some runs of a batch: it runs the batch whole and keeps those,
    so each run's row is the one the uninterrupted sweep wrote."""
    loaded = load_sweep_file(ROOT / "experiments" / "sweeps" / "tiny" / "china_tolerance.toml", rule_params=rule_params)
    from sim.designs import design_table

    design = design_table(loaded.sweep)
    columns = [p.column for p in loaded.sweep.parameters]
    ctx = sweep_module.SweepContext(
        loaded.base_raw, loaded.base_file, loaded.sweep, [{c: row[c] for c in columns} for row in design.to_dict("records")]
    )
    both = sweep_module.run_chunk(ctx, [2, 3])
    second = sweep_module.run_chunk(ctx, [3])
    assert [r["row"]["run_id"] for r in both] == [2, 3] and [r["row"]["run_id"] for r in second] == [3]
    # (bit for bit: NaN, e.g. no resolution day, compared as the same NaN)
    assert pd.Series(second[0]["row"]).equals(pd.Series(both[1]["row"]))
    assert second[0]["events"] == both[1]["events"]


def test_a_batch_spanning_points_with_other_worlds_gives_each_run_alone(tmp_path: Path) -> None:
    """One replication per point, so a batch spans points: their worlds differ in arrays (days of
    cover: stacked together) and in an economy parameter (stepped apart, a group per value)."""
    from sim.sweep import run_sweep
    from sim.sweep_analysis import load_sweep

    base = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"
    path = tmp_path / "mixed.toml"
    path.write_text(
        f'name = "mixed"\nbase = "{base.as_posix()}"\nreplications = 1\nseed = 5\n'
        '[[parameters]]\npath = "firms.jp_magnet_makers.inputs.rare_earths.days_of_cover"\nname = "cover"\n'
        'values = [30, 240]\n'
        '[[parameters]]\npath = "economy.replenish_days"\nname = "replenish"\nvalues = [10.0, 20.0]\n'
    )
    loaded = load_sweep_file(path, rule_params=rule_params)
    run_sweep(loaded, tmp_path / "out")
    runs = load_sweep(tmp_path / "out")
    assert len(runs) == 4 and runs["error"].isna().all()
    seed = replication_seeds(5, 1)[0]
    for _, row in runs.iterrows():
        scenario = load_scenario(base, [f"firms.jp_magnet_makers.inputs.rare_earths.days_of_cover={row['cover']}",
                                        f"economy.replenish_days={row['replenish']}"], rule_params=rule_params)
        alone = run_replication(scenario, seed, 0, series=False).outcome
        assert row["path"] == alone["path"] and row["outcome"] == alone["outcome"]
        for key in ("gdp_loss_pct.JP", "gdp_loss_pct.CN"):
            assert row[key] == pytest.approx(alone[key], rel=1e-9, abs=1e-12), key


def test_large_worlds_are_stacked_in_groups_that_fit_the_memory_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.lockstep as lockstep_module

    world = build_world(load_scenario(TINY[0], rule_params=rule_params))
    cells = world.n_firms * world.n_products * (world.n_countries + 8) * 8
    assert max_copies(world, budget_bytes=cells * 16) == 4 and max_copies(world, budget_bytes=1) == 1
    assert max_copies(world) >= LOCKSTEP_REPLICATIONS  # the shipped worlds batch whole
    # A batch of 3 under a budget of 2 copies runs as groups of 2 and 1, each run still its own.
    monkeypatch.setattr(lockstep_module, "max_copies", lambda w: 2)
    stacked_sizes = []
    real = lockstep_module.stack_worlds
    monkeypatch.setattr(lockstep_module, "stack_worlds", lambda ws: stacked_sizes.append(len(ws)) or real(ws))
    scenario = load_scenario(TINY[0], rule_params=rule_params)
    seeds = replication_seeds(scenario.seed, 3)
    batch = run_batch(scenario, seeds, range(3), world, series=False)
    assert stacked_sizes == [2, 1]
    for k, together in enumerate(batch):
        alone = run_replication(scenario, seeds[k], k, world, series=False)
        assert together.outcome["path"] == alone.outcome["path"]
        assert together.outcome["gdp_loss_pct.JP"] == pytest.approx(alone.outcome["gdp_loss_pct.JP"], rel=1e-9, abs=1e-12)


def test_copies_of_worlds_with_different_input_structures_stay_apart() -> None:
    """Copies of one scenario's world that differ in which inputs their background producers need
    (so in how many of them each copy holds): each copy's view and step are still its world's."""
    import dataclasses

    scenario = load_scenario(ROOT / "experiments" / "tiny" / "rare_earth_ban_scripted.toml", rule_params=rule_params)
    world = build_world(scenario)
    fewer = world.bg_input_days.copy()
    fewer[tuple(np.argwhere(~np.isnan(fewer))[0])] = np.nan  # one background input less
    other = dataclasses.replace(world, bg_input_days=fewer)
    assert other.bg_in_product.size == world.bg_in_product.size - 1
    worlds = [other, world, other]
    stacked = stack_worlds(worlds)
    state = initial_state(stacked)
    views = [CopyState(stacked, state, b) for b in range(3)]
    serial = [initial_state(w) for w in worlds]
    money = float(world.gdp_daily.sum())
    for day in range(60):
        policies = []
        for b, w in enumerate(worlds):
            measures = [measure_index(w, item, item.day) for item in scenario.schedule
                        if b != 1 and item.day <= day and (item.until_day is None or day < item.until_day)]
            policies.append(policy_from_measures(w, measures, day))
        result = step(stacked, state, stack_policies(stacked, policies))
        for b, w in enumerate(worlds):
            own = step(w, serial[b], policies[b])
            assert_close(own.gdp_loss, copy_result(stacked, result, b).gdp_loss, f"day {day} copy {b} gdp_loss", money)
            assert_close(own.output, copy_result(stacked, result, b).output, f"day {day} copy {b} output", 1.0)
            for name in ("bg_input_stock", "price", "inventory"):
                assert_close(getattr(serial[b], name), getattr(views[b], name), f"day {day} copy {b} {name}", 1.0)


def test_the_search_script_runs_the_same_check() -> None:
    import runpy

    search = runpy.run_path(str(ROOT / "scripts" / "search_lockstep.py"), run_name="search")
    assert search["main"](["-n", "2", "--seed", "3"]) == 0
