"""Firms' own moves through the model: ``stockpile`` raises a firm's target cover (the economy's
target-cover hook, run state: a shared world is never changed) and ``relocate`` moves part of its
supplier mix; each is an event with its reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.config import load_raw, scenario_from_raw
from sim.model import CoercionModel
from sim.world import build_world

TINY = Path(__file__).resolve().parents[1] / "experiments" / "tiny" / "rare_earth_curb.toml"


def scenario_with(*rules: dict, overrides: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    raw = load_raw(TINY, list(overrides))
    raw["firms"]["toyota"]["rules"] = [*raw["firms"]["toyota"]["rules"], *rules]
    return scenario_from_raw(raw, TINY)


def run(scenario, world=None):  # type: ignore[no-untyped-def]
    model = CoercionModel(scenario, np.random.SeedSequence(7), world=world)
    model.run()
    return model


def test_stockpiling_raises_the_firms_target_cover_in_its_own_run_only() -> None:
    sc = scenario_with({"rule": "stockpile", "params": {"input": "ndfeb_magnets", "supplier": "CN", "target_days": 120}})
    world = build_world(sc)
    before = world.pair_stock_target.copy()
    model = run(sc, world)
    raised = [e for e in model.events if e["action"] == "stockpile_ndfeb_magnets"]
    assert raised and raised[0]["actor"] == "toyota" and raised[0]["kind"] == "stockpile"
    assert "-> 120 days" in raised[0]["reason"]
    f, p = model.firm_index["toyota"], model.product_index["ndfeb_magnets"]
    usual = float(world.target_days[f, p])
    assert model.view.target_cover_days("toyota", "ndfeb_magnets", baseline=True) == usual
    np.testing.assert_array_equal(world.pair_stock_target, before)  # the shared world is untouched
    # Its orders beyond use: the day after the move, the economy's policy carries 120 / usual.
    day = raised[0]["day"]
    probe = CoercionModel(sc, np.random.SeedSequence(7), world=world)
    for _ in range(day + 1):
        probe.step()
    assert probe._policy.target_cover is not None
    assert probe._policy.target_cover[f] == 120 / usual
    assert probe.view.target_cover_days("toyota", "ndfeb_magnets") == 120
    # The same seed on the same world without the rule: no stockpile move.
    plain = run(scenario_from_raw(load_raw(TINY), TINY), world)
    assert not [e for e in plain.events if e["kind"] == "stockpile"]


def test_relocating_moves_part_of_the_supplier_mix() -> None:
    rule = {"rule": "relocate", "params": {"input": "ndfeb_magnets", "away_from": "CN", "to": "ROW", "share": 0.5,
                                           "min_days_in_force": 20}}
    # (A resolute China keeps its licensing in force the 20 days the move waits for; a softer one may suspend it sooner.)
    resolute = ("governments.CN.resolve_type='resolute'",)
    model = run(scenario_with(rule, overrides=resolute))
    plain = run(scenario_with(overrides=resolute))
    events = [e for e in model.events if e["kind"] == "relocate"]
    assert len(events) == 1 and events[0]["target"] == "ROW" and "move 50% of its purchases" in events[0]["reason"]
    f, p = model.firm_index["toyota"], model.product_index["ndfeb_magnets"]
    cn, row = model.country_index["CN"], model.country_index["ROW"]
    assert model.state.mix[f, p, cn] < plain.state.mix[f, p, cn]
    assert model.state.mix[f, p, row] > plain.state.mix[f, p, row]
    np.testing.assert_allclose(model.state.mix[f, p].sum(), 1.0)


def test_beyond_trade_pulls_the_travel_advisory_and_changes_japans_government() -> None:
    path = TINY.parent / "beyond_trade.toml"
    raw = load_raw(path, ["governments.JP.leadership_changes=[30]"])  # a scheduled change as well as the random ones
    model = CoercionModel(scenario_from_raw(raw, path), np.random.SeedSequence(3))
    model.run()
    levers = [e for e in model.events if e["kind"] == "lever"]
    assert [(e["actor"], e["action"], e["target"]) for e in levers] == [("CN", "travel_advisory", "JP")]
    assert "costs JP 0.050%/yr of its GDP" in levers[0]["reason"]
    changes = [e for e in model.events if e["kind"] == "leadership_change" and e["day"] == 30]
    assert changes and changes[0]["actor"] == "JP" and "scheduled change of government" in changes[0]["reason"]
