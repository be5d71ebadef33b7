"""Hand-worked cases for price formation from the scarcity that exists, buyers' response to
price (thrifting growing over time, a backstop substitute) and leakage through third countries.

The worlds are those of tests/test_economy_mechanisms.py: A (0) mines ore, a carmaker in B (1)
needs 2 ore per car (critical), makes 10 cars/day, buys all its ore (20/day) from A; A's own
background buyers take 30/day; ore costs 10, elasticity 0.5.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from test_economy_mechanisms import measure, spot_world, world

from sim.config import load_scenario
from sim.economy import (
    Measure,
    Policy,
    _respond_to_price,
    _use_target,
    initial_state,
    policy_from_measures,
    step,
)
from sim.world import build_world


def responsive(**fields: object):  # type: ignore[no-untyped-def]
    """The ore/car world with buyers' price response or leakage set on ore (index 0)."""
    params = {k: fields.pop(k) for k in list(fields) if k in ("thrift_days", "backstop_steepness", "leakage_days", "leakage_premium", "price_adjustment")}
    base = world(**params)
    arrays = {k: np.array([v, 0.0 if k != "backstop_multiple" else np.inf]) for k, v in fields.items()}
    return dataclasses.replace(base, **arrays)


def test_a_market_clears_on_servable_orders_not_on_orders_to_a_blocked_supplier() -> None:
    # spot_world: C buys 10/day from A only; B has 5/day spare. A can supply only 4.
    w = spot_world()
    state = initial_state(w)
    state.bg_capacity[0, 0] = 4.0
    step(w, state, Policy.free_trade(w))
    # C's orders are all servable (open route): 4 from A + 5 on the spot market from B = 9 of 10.
    # Step: -0.15 x ln(0.9) / 0.5.
    assert state.price[2, 0] == pytest.approx(10.0 * math.exp(-0.15 * math.log(0.9) / 0.5))
    # The same shortage behind a full ban on A -> C: C's orders to A cannot be served, so they do
    # not bid; nothing arrives from A and no order is servable: C's price does not move.
    state = initial_state(w)
    state.bg_capacity[0, 0] = 4.0
    ban = Measure(kind="export_ban", actor=0, targets=np.array([False, False, True]), products=np.array([True]))
    step(w, state, policy_from_measures(w, [ban], 0))
    assert state.price[2, 0] == pytest.approx(10.0, rel=1e-12)


def test_intensity_of_use_moves_to_its_long_run_target_over_thrift_days() -> None:
    w = responsive(long_run_elasticity=0.5, max_thrift=0.4, thrift_days=10.0)
    state = initial_state(w)
    state.price[1, 0] = 40.0  # ore in B at 4x baseline
    # Target: 4^-0.5 = 0.5, but thrifting sheds at most 40%: 0.6. A 10th of the gap a day.
    assert _use_target(w, state.price / w.base_price)[1, 0] == pytest.approx(0.6)
    _respond_to_price(w, state)
    assert state.intensity[1, 0] == pytest.approx(1.0 - 0.4 / 10)
    for _ in range(9):
        _respond_to_price(w, state)
    assert state.intensity[1, 0] == pytest.approx(0.6 + 0.4 * 0.9**10)  # the response grows with time
    assert state.intensity[0, 0] == 1.0 and state.intensity[1, 1] == 1.0  # A at baseline; cars not priced


def test_each_product_thrifts_at_its_own_pace() -> None:
    # The economy's pace is 10 days, but ore's buyers take 20 (products.ore.thrift_days): a 20th of
    # the gap to the target 0.6 on the first day, 1 - 0.4 / 20 = 0.98, not 0.96.
    w = dataclasses.replace(
        responsive(long_run_elasticity=0.5, max_thrift=0.4, thrift_days=10.0), thrift_days=np.array([20.0, 10.0])
    )
    state = initial_state(w)
    state.price[1, 0] = 40.0
    _respond_to_price(w, state)
    assert state.intensity[1, 0] == pytest.approx(0.98)


def test_a_product_without_its_own_pace_takes_the_economys() -> None:
    scenario = load_scenario(
        Path(__file__).resolve().parents[1] / "experiments" / "tiny" / "rare_earth_ban_scripted.toml",
        overrides=["economy.thrift_days=200", "products.heavy_rare_earths.thrift_days=50"],
    )
    w = build_world(scenario)
    paces = dict(zip(w.products, w.thrift_days, strict=True))
    assert paces["heavy_rare_earths"] == 50.0
    assert paces["photoresist"] == 200.0  # no pace of its own
    assert paces["rare_earths"] == scenario.products["rare_earths"].thrift_days  # the world's cited pace


def test_firms_order_and_make_with_the_intensity_reached_and_pay_for_what_they_saved() -> None:
    w = responsive(long_run_elasticity=0.5, max_thrift=0.4, thrift_days=10.0)
    state = initial_state(w)
    state.intensity[1, 0] = 0.8  # B's buyers use 20% less ore per car
    r = step(w, state, policy_from_measures(w, [], 0))
    # Use: 2 x 0.8 x 10 = 16 ore; stock target 5 days x 20 x 0.8 = 80 of 100 held: no gap.
    assert r.demand[0, 1, 0] == pytest.approx(16.0)
    assert r.output[0] == pytest.approx(10.0)
    # Inputs: 16 bought at 10 + 4 saved, valued at today's price 10 (below the backstop): 200.
    assert r.input_cost[0] == pytest.approx(200.0)


def test_restocking_spends_no_more_than_at_the_baseline_price() -> None:
    w = world()
    state = initial_state(w)
    state.inventory[0, 0] = 0.0
    state.price[1, 0] = 40.0  # 4x
    r = step(w, state, policy_from_measures(w, [], 0))
    # Use 20 + gap 100 / 20 days x (10 / 40) = 21.25.
    assert r.demand[0, 1, 0] == pytest.approx(21.25)


def test_backstop_destroys_background_demand_and_slows_the_price_above_it() -> None:
    w = responsive(backstop_multiple=2.0, backstop_steepness=2.0, price_adjustment=0.1)
    state = initial_state(w)
    state.price[0, 0] = 40.0  # A's ore at 4x: above the backstop (2x)
    r = step(w, state, policy_from_measures(w, [], 0))
    # A's background buyers: 30 x 4^-0.5 (short-run elasticity) x (2 / 4)^2 (backstop) = 3.75.
    assert r.demand[0, 0, 0] == pytest.approx(30.0 * 4**-0.5 * 0.25)
    # Above the backstop demand is as elastic as 0.5 + 2. A's market: its buyers' 3.75 arrive, and
    # A's unsold 50 - 3.75 - 20 = 26.25 (beyond its idle capacity, 0) weighs on its price.
    balance = (3.75 + 26.25) / 3.75
    assert state.price[0, 0] == pytest.approx(40.0 * math.exp(-0.1 * math.log(balance) / 2.5))
    # And intensity heads for (2 / 4)^2 = 0.25 over thrift_days (365).
    assert state.intensity[0, 0] == pytest.approx(1.0 + (0.25 - 1.0) / 365.0)


def test_the_substitute_is_qualified_first_then_replaces_use_over_its_lead_time() -> None:
    # Ore in B at 4x, backstop 2x, steepness 2: the substitute would take use to (2/4)^2 = 0.25
    # at once (see above). With a lead time of 10 days it is qualified after 10 days above the
    # backstop and may then replace a 10th of use more each day; intensity follows at 1/thrift_days.
    w = responsive(backstop_multiple=2.0, backstop_steepness=2.0, substitution_days=10.0, thrift_days=5.0)
    state = initial_state(w)
    state.price[1, 0] = 40.0
    for _ in range(10):  # qualifying: days 1..10, none of it switchable yet (10/10 - 1 = 0)
        _respond_to_price(w, state)
    assert state.qualifying[1, 0] == 10.0 and state.qualifying[0, 0] == 0.0  # A's ore at baseline
    assert state.intensity[1, 0] == 1.0
    _respond_to_price(w, state)  # day 11: a 10th switchable, the factor max(0.25, 0.9) = 0.9
    assert state.intensity[1, 0] == pytest.approx(1.0 + (0.9 - 1.0) / 5.0)
    _respond_to_price(w, state)  # day 12: max(0.25, 0.8)
    assert state.intensity[1, 0] == pytest.approx(0.98 + (0.8 - 0.98) / 5.0)
    for _ in range(30):  # days 13..42: all of it switchable from day 20; the target is the backstop's 0.25
        _respond_to_price(w, state)
    assert _use_target(w, state.price / w.base_price, state.qualifying)[1, 0] == pytest.approx(0.25)
    # A price back below the backstop stops the clock but keeps the qualification (the redesign is made).
    state.price[1, 0] = 15.0
    _respond_to_price(w, state)
    assert state.qualifying[1, 0] == 42.0


def leak_case(extraterritorial: float, enforcement: float = 1.0):  # type: ignore[no-untyped-def]
    w = responsive(leakage_share=0.5, leakage_days=4.0, leakage_premium=0.25)
    state = initial_state(w)
    state.price[1, 0] = 50.0  # ore in B at 5x: worth the detour
    ban = measure("export_ban", 0, 1, enforcement=enforcement, extraterritorial=extraterritorial)
    return w, state, policy_from_measures(w, [ban], 0)


def test_leakage_grows_over_leakage_days_and_extraterritorial_rules_cut_it() -> None:
    w, state, policy = leak_case(0.0)
    assert policy.leak[0, 1, 0] == pytest.approx(0.5) and policy.leak[0, 0, 0] == 0.0
    r = step(w, state, policy)
    # Day 1: route a quarter organised; B's 50 is 4x the landed 12.5, so in full: 20 ordered x
    # blocked 1 x 0.5 x 0.25 = 2.5 reach B through third countries (A has 20 to spare).
    assert r.shipments[0, 1, 0] == pytest.approx(2.5)
    assert r.fill[0, 1, 0] == pytest.approx(0.125)
    for _ in range(5):
        r = step(w, state, policy)
    assert state.leak_ramp[0, 1, 0] == 1.0  # organised after 4 days
    # Extraterritorial rules reaching 60% of re-exports leave 0.5 x 0.4 = 0.2 of the blocked orders.
    w, state, policy = leak_case(0.6)
    assert policy.leak[0, 1, 0] == pytest.approx(0.2)
    assert step(w, state, policy).shipments[0, 1, 0] == pytest.approx(20.0 * 0.2 * 0.25)
    # Weaker border enforcement lets 30% through directly; leakage works on the blocked 70%.
    w, state, policy = leak_case(0.0, enforcement=0.7)
    assert step(w, state, policy).shipments[0, 1, 0] == pytest.approx(20.0 * (0.3 + 0.7 * 0.5 * 0.25))


def test_no_leakage_while_the_price_gap_does_not_pay_for_the_detour() -> None:
    w, state, policy = leak_case(0.0)
    state.price[1, 0] = 12.0  # below A's 10 x 1.25
    assert step(w, state, policy).shipments[0, 1, 0] == 0.0
    w, state, policy = leak_case(0.0)
    state.price[1, 0] = 18.75  # 1.5 x landed: half the leakage
    assert step(w, state, policy).shipments[0, 1, 0] == pytest.approx(2.5 * 0.5)


def test_buyers_with_an_alternative_give_way_at_a_short_pool() -> None:
    """spot_world with B short: C (banned from A) and B's own buyers share B's 15; B's buyers can
    buy from A, so B's supply goes to C first."""
    w = spot_world()
    state = initial_state(w)
    state.mix[:] = 0.0
    state.bg_mix[2, 0] = [0.0, 1.0, 0.0]  # C now orders its 10 from B
    state.bg_mix[1, 0] = [0.0, 1.0, 0.0]
    state.bg_capacity[1, 0] = 12.0  # B: 12 for B's 10 + C's 10
    state.bg_capacity[0, 0] = 20.0  # A has plenty
    ban = Measure(kind="export_ban", actor=0, targets=np.array([False, False, True]), products=np.array([True]))
    r = step(w, state, policy_from_measures(w, [ban], 0))
    assert r.shipments[1, 2, 0] == pytest.approx(10.0)  # C, with no alternative, gets its 10
    assert r.shipments[1, 1, 0] == pytest.approx(2.0)  # B's buyers keep the rest of B's supply
    assert r.shipments[0, 1, 0] == pytest.approx(8.0)  # and buy the other 8 from A on the spot market
