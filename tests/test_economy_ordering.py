"""Hand-worked case for orders under an input shortage (input-limited Leontief production).

A carmaker in B (1) makes 10 cars/day from 2 ore (0) and 1 chip (1) per car, both critical, with
5 days of cover of each (100 ore, 50 chips); A (0) supplies both. Half of A's ore exports to B
are banned and the carmaker starts with no ore, so it makes what arrives: it orders ore for its
whole plan, 2 x 10 + gap 100 / replenish 20 = 25, of which half ships (12.5 ore, 6.25 cars).
It no longer buys chips for ten cars a day: only for the cars it expects to make.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.economy import EconomyParams, Measure, World, initial_state, policy_from_measures, step


def two_input_world() -> World:
    c, p = 2, 3  # countries A, B; products ore, chip, car
    flow0 = np.zeros((c, c, p))
    flow0[0, 1, 0], flow0[0, 1, 1] = 20.0, 10.0  # the carmaker's ore and chips
    flow0[0, 0, 0] = 30.0  # A's own background buyers of ore
    firm_demand = np.zeros((c, c, p))
    firm_demand[0, 1, 0], firm_demand[0, 1, 1] = 20.0, 10.0
    mix0 = np.zeros((1, p, c))
    mix0[0, 0, 0] = mix0[0, 1, 0] = 1.0
    bg = np.array([[50.0, 20.0, 0.0], [0.0, 0.0, 0.0]])
    return World(
        countries=["A", "B"], products=["ore", "chip", "car"], tiers=["civilian"] * 3,
        final=np.array([False, False, True]), base_price=np.array([10.0, 5.0, 1000.0]),
        elasticity=np.array([0.5, 0.5, 1.0]), downstream_multiplier=np.ones(p), ramp_up_days=np.array([3, 3, 3]),
        gdp_daily=np.array([1e6, 1e6]), flow0=flow0, bg_demand0=flow0 - firm_demand,
        bg_output0=bg, bg_capacity0=bg.copy(), bg_max_capacity=bg.copy(), expansion_response=np.zeros((c, p)),
        firm_names=["carmaker"], firm_home=np.array([1]), firm_product=np.array([2]),
        firm_final=np.array([True]), base_output=np.array([10.0]), capacity=np.array([12.0]),
        recipe=np.array([[2.0, 1.0, 0.0]]), critical=np.array([[True, True, False]]),
        target_days=np.array([[5.0, 5.0, 0.0]]), mix0=mix0, sales0=np.array([[0.0, 1.0]]),
        margin=np.array([0.1]), fixed_cost_share=np.array([0.5]), influence=np.array([0.5]), params=EconomyParams(),
    )


def test_a_firm_short_of_one_critical_input_orders_the_other_only_for_what_it_can_make() -> None:
    w = two_input_world()
    state = initial_state(w)
    assert state.inventory[0, 1] == pytest.approx(50.0)  # 5 days x 10 chips
    state.inventory[0, 0] = 0.0  # no ore on hand
    ban = Measure(kind="export_ban", actor=0, targets=np.array([False, True]), products=np.array([True, False, False]),
                  enforcement=0.5)
    policy = policy_from_measures(w, [ban], day=0)
    days = [step(w, state, policy) for _ in range(4)]
    # Ore, the binding input, is ordered for the whole plan every day: 20 + 100 / 20 = 25.
    for r in days:
        assert r.demand[0, 1, 0] == pytest.approx(25.0)
        assert r.output[0] == pytest.approx(6.25)  # 12.5 ore / 2
    # Day 0: the ore on hand allows nothing, but yesterday (the baseline) it made 10 cars, so it
    # still orders 10 chips; it uses 6.25 and keeps 53.75.
    assert days[0].demand[0, 1, 1] == pytest.approx(10.0)
    # From day 1 on it expects to make what its ore deliveries let it make yesterday, 6.25 cars:
    # 6.25 chips (no stock gap: 53.75 > 50). Ordering for the plan would be 10 a day, and the
    # chips would pile up by 3.75 a day.
    for r in days[1:]:
        assert r.demand[0, 1, 1] == pytest.approx(6.25)
    assert state.inventory[0, 1] == pytest.approx(53.75)
    assert state.inventory[0, 0] == pytest.approx(0.0)


def test_orders_are_unchanged_while_stocks_cover_the_plan() -> None:
    # A full ore ban with 5 days of ore on hand: the plan is made for 5 days, and chips are
    # ordered for it (10 a day) until the ore runs out at the start of day 5; on day 5 the firm
    # still orders for yesterday's 10 cars, makes none, and from day 6 orders no chips at all
    # (its 60 chips are above its 50-chip target).
    w = two_input_world()
    state = initial_state(w)
    ban = Measure(kind="export_ban", actor=0, targets=np.array([False, True]), products=np.array([True, False, False]))
    policy = policy_from_measures(w, [ban], day=0)
    days = [step(w, state, policy) for _ in range(8)]
    np.testing.assert_allclose([r.output[0] for r in days], [10, 10, 10, 10, 10, 0, 0, 0])
    np.testing.assert_allclose([r.demand[0, 1, 1] for r in days], [10, 10, 10, 10, 10, 10, 0, 0])
    assert state.inventory[0, 1] == pytest.approx(60.0)
