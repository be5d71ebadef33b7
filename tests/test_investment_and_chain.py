"""Hand-worked cases for the product chain (a magnet stage between ore and cars) and for new
capacity (investment projects with lead times and costs; price-driven investors).

World: countries A (0, the ore producer), B (1, the target) and C (2, makes nothing at baseline).
Products: ore (pool, 0), magnet (pool, 1), car (final, 2). In B a magnet maker turns 0.25 ore into
one magnet (critical; 10 days of ore cover), 10 magnets a day, all bought by B's carmaker, which
puts one magnet in each of its 10 cars a day (critical; 5 days of magnet cover). A ships B the
2.5 ore a day the magnet maker uses; A's background buyers take 30 more at home.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.economy import (
    PROJECT_COLUMNS,
    EconomyParams,
    Measure,
    Policy,
    World,
    _invest,
    initial_state,
    order_investment,
    policy_from_measures,
    step,
)

ORE, MAGNET, CAR = 0, 1, 2
A, B, C = 0, 1, 2


def chain_world(**params: float) -> World:
    flow0 = np.zeros((3, 3, 3))
    flow0[A, B, ORE] = 2.5
    flow0[A, A, ORE] = 30.0
    flow0[B, B, MAGNET] = 10.0
    firm_demand = np.zeros((3, 3, 3))
    firm_demand[A, B, ORE] = 2.5
    firm_demand[B, B, MAGNET] = 10.0
    mix0 = np.zeros((2, 3, 3))
    mix0[0, ORE, A] = 1.0  # the magnet maker's ore from A
    mix0[1, MAGNET, B] = 1.0  # the carmaker's magnets from B's pool
    bg_output0 = np.zeros((3, 3))
    bg_output0[A, ORE] = 32.5  # all of A's ore comes from background producers
    return World(
        countries=["A", "B", "C"], products=["ore", "magnet", "car"], tiers=["civilian"] * 3,
        final=np.array([False, False, True]), base_price=np.array([10.0, 100.0, 1000.0]),
        elasticity=np.array([0.5, 0.5, 1.0]), downstream_multiplier=np.ones(3), ramp_up_days=np.array([30, 30, 30]),
        gdp_daily=np.full(3, 1e6), flow0=flow0, bg_demand0=flow0 - firm_demand,
        bg_output0=bg_output0, bg_capacity0=bg_output0.copy(), bg_max_capacity=bg_output0.copy(),
        expansion_response=np.zeros((3, 3)),
        firm_names=["magnet_maker", "carmaker"], firm_home=np.array([B, B]), firm_product=np.array([MAGNET, CAR]),
        firm_final=np.array([False, True]), base_output=np.array([10.0, 10.0]), capacity=np.array([10.5, 12.0]),
        recipe=np.array([[0.25, 0.0, 0.0], [0.0, 1.0, 0.0]]),
        critical=np.array([[True, False, False], [False, True, False]]),
        target_days=np.array([[10.0, 0.0, 0.0], [0.0, 5.0, 0.0]]),
        mix0=mix0, sales0=np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), margin=np.array([0.1, 0.1]),
        fixed_cost_share=np.array([0.5, 0.5]), influence=np.array([0.5, 0.5]), params=EconomyParams(**params),
    )


def ore_ban(world: World) -> Policy:
    targets = np.array([False, True, False])
    products = np.array([True, False, False])
    return policy_from_measures(world, [Measure("export_ban", A, targets, products)], day=0)


def run(world: World, days: int, projects: dict[int, dict] | None = None) -> tuple[np.ndarray, np.ndarray, list]:
    """Outputs (days, F) and GDP losses (days, C) under A's ore ban on B; ``projects`` orders
    investments before the given days' steps."""
    state = initial_state(world)
    policy = ore_ban(world)
    outputs, losses, states = [], [], []
    for day in range(days):
        if projects and day in projects:
            order_investment(world, state, **projects[day])
        result = step(world, state, policy)
        outputs.append(result.output.copy())
        losses.append(result.gdp_loss.copy())
        states.append(state.copy())
    return np.array(outputs), np.array(losses), states


def test_a_magnet_maker_cut_off_from_ore_stops_after_its_cover_and_the_carmaker_after_its_own() -> None:
    """Ore cover: 10 days x 2.5 = 25 ore, enough for 10 magnets a day on days 0-9 (the stock at the
    start of day k is 25 - 2.5k, so it can still make (25 - 2.5k) / 0.25 >= 10 up to k = 9). From day
    10 it makes nothing. The carmaker's 5 days of magnets (50) then carry it through days 10-14; it
    stops on day 15: the chain multiplies the ore cut into lost cars only after both covers."""
    outputs, _, _ = run(chain_world(), 18)
    magnets, cars = outputs[:, 0], outputs[:, 1]
    np.testing.assert_allclose(magnets[:10], 10.0, rtol=1e-12)
    np.testing.assert_allclose(magnets[10:], 0.0, atol=1e-9)
    np.testing.assert_allclose(cars[:15], 10.0, rtol=1e-12)
    np.testing.assert_allclose(cars[15:], 0.0, atol=1e-9)


def test_a_plant_ordered_on_day_t_with_lead_time_l_produces_from_day_t_plus_l() -> None:
    """B's government finances an ore plant in C (which made no ore) on day 2: 5 ore a day, lead
    time 20 days, 2 million USD, with an offtake contract moving all of B's ore buying to C. The
    capacity is in place for day 22 (not before); B pays 2e6 / 20 = 1e5 a day on days 2-21 (its
    GDP-loss proxy is exactly that much above the run without the plant on those days); from day 22
    C ships B ore, so the magnet maker, idle since day 10, works again."""
    project = {"country": C, "product": ORE, "capacity": 5.0, "lead_days": 20, "cost": 2e6, "payer": B,
               "offtake": B, "offtake_share": 1.0}
    outputs, losses, states = run(chain_world(), 26, {2: project})
    _, base_losses, _ = run(chain_world(), 26)
    capacity_c = np.array([s.bg_capacity[C, ORE] for s in states])  # after each day's step
    assert (capacity_c[:21] == 0.0).all()  # not in place before the end of day 21
    assert capacity_c[21] == pytest.approx(5.0) and states[21].built[C, ORE] == pytest.approx(5.0)
    extra = losses - base_losses
    np.testing.assert_allclose(extra[2:22, B], 1e5, rtol=1e-9)
    np.testing.assert_allclose(extra[:2], 0.0, atol=1e-6)
    np.testing.assert_allclose(extra[2:22, [A, C]], 0.0, atol=1e-6)
    assert extra[2:22, B].sum() == pytest.approx(2e6)
    assert states[21].mix[0, ORE, C] == pytest.approx(1.0)  # the offtake contract: B's buyers qualified C
    assert (outputs[10:22, 0] < 1e-9).all()  # no ore: no magnets
    assert outputs[23, 0] > 0.0  # C's ore arrived on day 22; magnets are made from the next day's stock


def test_a_firm_pays_for_its_project_out_of_its_profit() -> None:
    world = chain_world()
    state, base = initial_state(world), initial_state(world)
    order_investment(world, state, C, ORE, 1.0, lead_days=4, cost=400.0, payer=B, payer_firm=1)
    policy = Policy.free_trade(world)
    for day in range(6):
        got, want = step(world, state, policy), step(world, base, policy)
        paid = 100.0 if day < 4 else 0.0
        assert got.profit[1] == pytest.approx(want.profit[1] - paid, abs=1e-6)
        assert got.gdp_loss[B] == pytest.approx(want.gdp_loss[B] + paid, abs=1e-6)


def test_price_driven_investors_order_once_when_the_smoothed_price_reaches_the_trigger() -> None:
    """Price held at 3x baseline, signal days D = 10, trigger 2: the signal after n days is
    3 - 2 (0.9)^n, which first reaches 2 at n = 7 (0.9^6 = 0.531, 0.9^7 = 0.478). The investors then
    order their whole new capacity once, arriving after the product's ramp-up (30 days), paid by
    their country at capex x capacity / 30 a day."""
    world = chain_world(investment_signal_days=10.0)
    world.new_capacity[C, ORE] = 4.0
    world.invest_trigger[C, ORE] = 2.0
    world.capex[C, ORE] = 300.0
    state = initial_state(world)
    state.price[:, ORE] = 30.0
    for n in range(1, 12):
        day = SimpleNamespace(gdp_loss=np.zeros(3), profit=np.zeros(2))
        _invest(world, state, day)
        assert len(state.projects) == (1 if n >= 7 else 0), n
        state.day += 1
    row = dict(zip(PROJECT_COLUMNS, state.projects[0], strict=True))
    assert (row["start"], row["arrival"], row["country"], row["product"]) == (6, 36, C, ORE)
    assert row["capacity"] == 4.0 and row["daily_cost"] == pytest.approx(4.0 * 300.0 / 30)
    assert row["payer"] == C and row["payer_firm"] == -1


def test_order_investment_rejects_nonsense() -> None:
    world = chain_world()
    state = initial_state(world)
    with pytest.raises(ValueError, match="non-negative"):
        order_investment(world, state, C, ORE, -1.0, 10)
    with pytest.raises(ValueError, match="offtake share"):
        order_investment(world, state, C, ORE, 1.0, 10, offtake=B, offtake_share=1.5)


def test_japan_funds_a_supplier_outside_china_through_the_investment_hook() -> None:
    """The fund_supplier rule in experiments/rare_earth_curb.toml: once China's rare-earth curbs
    have been in force for a while, Japan's government finances 200 t/yr of heavy rare-earth
    separation in ROW for about 250 USD m (sojitz_jogmec_lynas_financing_2011), producing after
    360 days, with 30% of Japan's buyers contracted; the cost is paid by Japan while it is built."""
    from pathlib import Path

    from sim.config import load_scenario
    from sim.model import CoercionModel

    root = Path(__file__).resolve().parents[1]
    deterministic = [f"governments.{c}.{k}=0" for c in ("CN", "JP", "US") for k in ("temperature", "perception_noise")]
    # China's rare-earth rungs without their cost abroad, so that it climbs to the ban and Japan's
    # losses make the financing worth it (with it, China stops at licensing, which bites less).
    no_cost_abroad = [f"governments.CN.rules[0].params.rungs[{i}].backlash_pct=0" for i in (2, 3)]
    scenario = load_scenario(root / "experiments" / "tiny" / "rare_earth_curb.toml", overrides=deterministic + no_cost_abroad)
    model = CoercionModel(scenario, np.random.SeedSequence(1))
    model.run()
    (event,) = [e for e in model.events if e["actor"] == "JP" and e["kind"] == "invest"]
    assert "250 USD m" in event["reason"] and event["target"] == "ROW"
    w = model.world
    jp, row, heavy = model.country_index["JP"], model.country_index["ROW"], model.product_index["heavy_rare_earths"]
    projects = [dict(zip(PROJECT_COLUMNS, r, strict=True)) for r in model.state.projects]
    (project,) = [p for p in projects if p["offtake"] >= 0]  # the others: price-driven magnet investors
    assert (project["country"], project["product"], project["payer"], project["offtake"]) == (row, heavy, jp, jp)
    assert project["start"] == event["day"] and project["arrival"] == event["day"] + 360
    assert project["capacity"] == pytest.approx(200 / 365) and project["offtake_share"] == pytest.approx(0.3)
    assert project["daily_cost"] * 360 == pytest.approx(250e6)
    assert model.state.built[row, heavy] == 0.0  # not yet: the tiny run ends before it produces
    assert w.ramp_up_days[heavy] == 360


def chain_world_with_background_magnets() -> World:
    """The chain world, plus background magnet makers in B: 4 magnets a day for B's background
    buyers, from 1 ore a day that B's background ore buyers import from A (0.25 ore a magnet)."""
    world = chain_world()
    flow0, bg_demand0, bg_output0 = world.flow0.copy(), world.bg_demand0.copy(), world.bg_output0.copy()
    flow0[A, B, ORE] += 1.0
    bg_demand0[A, B, ORE] += 1.0
    flow0[B, B, MAGNET] += 4.0
    bg_demand0[B, B, MAGNET] += 4.0
    bg_output0[A, ORE] += 1.0
    bg_output0[B, MAGNET] = 4.0
    fields = {name: getattr(world, name) for name in World.__dataclass_fields__ if World.__dataclass_fields__[name].init}
    fields.update(flow0=flow0, bg_demand0=bg_demand0, bg_output0=bg_output0, bg_capacity0=bg_output0.copy(),
                  bg_max_capacity=bg_output0.copy(), bg_input_days=None)
    return World(**fields)


def test_background_magnet_makers_need_ore_like_the_modelled_one() -> None:
    """Background producers of a product use the modelled makers' critical inputs and cover: here
    ore, 10 days (the magnet maker's). Under A's ore ban B's background ore buyers get nothing,
    so B's background magnet makers run on their 10 days of ore: the stock at the start of day k
    is 10 - k days, a full day's worth up to k = 9. B's magnet pool ships 10 + 4 = 14 a day on days
    0-9 and nothing from day 10 (the modelled maker stops then too). Before, they made magnets
    without ore and kept shipping 4 a day."""
    world = chain_world_with_background_magnets()
    assert world.bg_input_days[MAGNET, ORE] == pytest.approx(10.0)
    assert np.isnan(world.bg_input_days[ORE]).all() and np.isnan(world.bg_input_days[MAGNET, [MAGNET, CAR]]).all()
    state = initial_state(world)
    policy = ore_ban(world)
    shipped, stocks = [], []
    for _ in range(14):
        shipped.append(step(world, state, policy).pool_sold[B, MAGNET])
        stocks.append(float(state.bg_input_stock[B, 0]))
    np.testing.assert_allclose(shipped[:10], 14.0, rtol=1e-12)
    np.testing.assert_allclose(shipped[10:], 0.0, atol=1e-9)
    np.testing.assert_allclose(stocks[:10], 10.0 - np.arange(1, 11), atol=1e-12)
    # Without the ban B's background buyers get all their ore and the stock stays at its cover.
    state = initial_state(world)
    for _ in range(5):
        assert step(world, state, Policy.free_trade(world)).pool_sold[B, MAGNET] == pytest.approx(14.0, rel=1e-12)
    np.testing.assert_allclose(state.bg_input_stock, 10.0, rtol=1e-12)
