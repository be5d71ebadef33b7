"""Firms' own moves through the model: ``stockpile`` raises a firm's target cover (the economy's
stock target, copied per run so a shared world is never changed) and ``relocate`` moves part of
its supplier mix; each is an event with its reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.config import load_raw, scenario_from_raw
from sim.model import CoercionModel
from sim.world import build_world

TINY = Path(__file__).resolve().parents[1] / "experiments" / "tiny" / "rare_earth_curb.toml"


def scenario_with(*rules: dict):  # type: ignore[no-untyped-def]
    raw = load_raw(TINY)
    raw["firms"]["toyota"]["rules"] = [*raw["firms"]["toyota"]["rules"], *rules]
    return scenario_from_raw(raw, TINY)


def run(scenario, world=None):  # type: ignore[no-untyped-def]
    model = CoercionModel(scenario, np.random.SeedSequence(7), world=world)
    model.run()
    return model


def test_stockpiling_raises_the_firms_stock_target_in_its_own_run_only() -> None:
    sc = scenario_with({"rule": "stockpile", "params": {"input": "heavy_rare_earths", "supplier": "CN", "target_days": 120}})
    world = build_world(sc)
    before = world.pair_stock_target.copy()
    model = run(sc, world)
    (event,) = [e for e in model.events if e["action"] == "stockpile_heavy_rare_earths"]
    assert event["actor"] == "toyota" and event["kind"] == "stockpile" and "-> 120 days" in event["reason"]
    f, p = model.firm_index["toyota"], model.product_index["heavy_rare_earths"]
    k = model._pair("toyota", "heavy_rare_earths")
    assert model.world.pair_stock_target[k] == 120 * world.base_use[f, p]
    np.testing.assert_array_equal(world.pair_stock_target, before)  # the shared world is untouched
    assert model.view.target_cover_days("toyota", "heavy_rare_earths", baseline=True) == before[k] / world.base_use[f, p]
    # The same seed on the same world without the rule: no stockpile, and the run is unchanged by the other's.
    plain = run(scenario_from_raw(load_raw(TINY), TINY), world)
    assert not [e for e in plain.events if e["kind"] == "stockpile"]


def test_relocating_moves_part_of_the_supplier_mix() -> None:
    rule = {"rule": "relocate", "params": {"input": "heavy_rare_earths", "away_from": "CN", "to": "ROW", "share": 0.5,
                                           "min_days_in_force": 20}}
    model = run(scenario_with(rule))
    plain = run(scenario_from_raw(load_raw(TINY), TINY))
    events = [e for e in model.events if e["kind"] == "relocate"]
    assert len(events) == 1 and events[0]["target"] == "ROW" and "move 50% of its purchases" in events[0]["reason"]
    f, p = model.firm_index["toyota"], model.product_index["heavy_rare_earths"]
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
