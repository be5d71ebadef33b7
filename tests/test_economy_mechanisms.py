"""Hand-worked cases for the economy's mechanisms on a two-country world.

World: countries A (0) and B (1); products ore (pool, 0) and car (final, 1). One carmaker in B
needs 2 ore per car (critical), makes 10 cars/day, keeps 5 days of ore cover and buys all its ore
from A. Baseline flows: A->B ore 20/day (all the carmaker's), A->A ore 30/day (background).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.economy import (
    EconomyParams,
    Measure,
    Policy,
    World,
    _pool_allocation,
    initial_state,
    policy_from_measures,
    step,
)


def world(**params: float) -> World:
    flow0 = np.zeros((2, 2, 2))
    flow0[0, 1, 0] = 20.0
    flow0[0, 0, 0] = 30.0
    firm_demand = np.zeros((2, 2, 2))
    firm_demand[0, 1, 0] = 20.0
    recipe = np.array([[2.0, 0.0]])
    mix0 = np.zeros((1, 2, 2))
    mix0[0, 0, 0] = 1.0
    return World(
        countries=["A", "B"], products=["ore", "car"], tiers=["civilian", "civilian"],
        final=np.array([False, True]), base_price=np.array([10.0, 1000.0]), elasticity=np.array([0.5, 1.0]),
        downstream_multiplier=np.array([1.0, 1.0]), ramp_up_days=np.array([3, 3]),
        gdp_daily=np.array([1e6, 1e6]), flow0=flow0, bg_demand0=flow0 - firm_demand,
        bg_output0=np.array([[50.0, 0.0], [0.0, 0.0]]), bg_capacity0=np.array([[50.0, 0.0], [0.0, 0.0]]),
        bg_max_capacity=np.array([[50.0, 0.0], [0.0, 0.0]]), expansion_response=np.zeros((2, 2)),
        firm_names=["carmaker"], firm_home=np.array([1]), firm_product=np.array([1]),
        firm_final=np.array([True]), base_output=np.array([10.0]), capacity=np.array([12.0]),
        recipe=recipe, critical=np.array([[True, False]]), target_days=np.array([[5.0, 0.0]]),
        mix0=mix0, sales0=np.array([[0.0, 1.0]]), margin=np.array([0.1]), fixed_cost_share=np.array([0.5]),
        influence=np.array([0.5]), params=EconomyParams(**params),
    )


def measure(kind: str, actor: int, target: int, **kw: float) -> Measure:
    targets = np.zeros(2, dtype=bool)
    targets[target] = True
    return Measure(kind=kind, actor=actor, targets=targets, products=np.array([True, False]), **kw)


def test_export_ban_and_licensing_scale_what_may_ship() -> None:
    w = world()
    ban = policy_from_measures(w, [measure("export_ban", 0, 1, enforcement=0.7)], day=0)
    assert ban.allow[0, 1, 0] == pytest.approx(0.3)  # 1 - 0.7
    assert ban.allow[0, 0, 0] == 1.0 and ban.allow[0, 1, 1] == 1.0  # other routes and products untouched
    lic = measure("export_licensing", 0, 1, enforcement=0.9, start_day=10, review_delay_days=5, approval_rate=0.5)
    assert policy_from_measures(w, [lic], day=14).allow[0, 1, 0] == pytest.approx(0.1)  # under review: 1 - 0.9
    assert policy_from_measures(w, [lic], day=15).allow[0, 1, 0] == pytest.approx(0.55)  # 1 - 0.9 * 0.5
    both = policy_from_measures(w, [measure("export_ban", 0, 1, enforcement=0.5), lic], day=20)
    assert both.allow[0, 1, 0] == pytest.approx(0.5 * 0.55)  # overlapping restrictions multiply


def test_tariff_import_ban_and_quota() -> None:
    w = world()
    p = policy_from_measures(
        w, [measure("tariff", 1, 0, rate=0.25, enforcement=0.8), measure("tariff", 1, 0, rate=0.1)], day=0
    )
    assert p.duty[0, 1, 0] == pytest.approx(0.25 * 0.8 + 0.1)  # duties add
    p = policy_from_measures(w, [measure("import_ban", 1, 0, enforcement=0.6)], day=0)
    assert p.allow[0, 1, 0] == pytest.approx(0.4)
    p = policy_from_measures(w, [measure("export_quota", 0, 1, quota_share=0.25, enforcement=1.0)], day=0)
    assert p.quotas[0].cap[0] == pytest.approx(0.25 * 20.0)  # a quarter of the baseline flow A->B


def test_pool_allocation_by_baseline_then_room() -> None:
    # One pool, three producers with baseline 10, 20, 30 and offers 12, 5, 40; the pool sold 48.
    # First round: 48 x (10, 20, 30)/60 = 8, 16, 24, capped by offers -> 8, 5, 24 (sum 37).
    # Leftover 11 goes by room left (4, 0, 16): 11 x 4/20 = 2.2 and 11 x 16/20 = 8.8.
    sold = _pool_allocation(np.zeros(3, dtype=int), np.array([10.0, 20, 30]), np.array([12.0, 5, 40]), np.array([48.0]))
    np.testing.assert_allclose(sold, [10.2, 5.0, 32.8])


def test_full_ban_stock_lasts_its_days_of_cover_then_output_stops() -> None:
    w = world()
    state = initial_state(w)
    assert state.inventory[0, 0] == pytest.approx(100.0)  # 5 days x 20 ore/day
    policy = policy_from_measures(w, [measure("export_ban", 0, 1, enforcement=1.0)], day=0)
    outputs = [step(w, state, policy).output[0] for _ in range(7)]
    # 100 ore at 20 ore/day: five full days of 10 cars, then nothing (Leontief on ore).
    np.testing.assert_allclose(outputs, [10, 10, 10, 10, 10, 0, 0])
    assert state.inventory[0, 0] == 0.0


def test_half_ban_rations_and_output_follows_the_binding_input() -> None:
    w = world()
    state = initial_state(w)
    state.inventory[:] = 0.0  # no stock: output = what arrives today / recipe
    policy = policy_from_measures(w, [measure("export_ban", 0, 1, enforcement=0.5)], day=0)
    result = step(w, state, policy)
    # Orders: 2 x 10 (plan) + gap 100 / replenish 20 = 25 ore; half may ship -> 12.5 received.
    assert result.demand[0, 1, 0] == pytest.approx(25.0)
    assert result.shipments[0, 1, 0] == pytest.approx(12.5)
    assert result.output[0] == pytest.approx(12.5 / 2)


def test_profit_equals_baseline_at_baseline() -> None:
    w = world()
    # Revenue 10 x 1000 = 10,000; inputs 20 x 10 = 200; profit 10% = 1,000; other costs
    # 10,000 - 1,000 - 200 = 8,800, half fixed (4,400/day) and half variable (440 per car).
    assert w.fixed_cost[0] == pytest.approx(4400.0)
    assert w.other_cost_per_unit[0] == pytest.approx(440.0)
    result = step(w, initial_state(w), policy_from_measures(w, [], day=0))
    assert result.revenue[0] == pytest.approx(10_000.0)
    assert result.input_cost[0] == pytest.approx(200.0)
    assert result.profit[0] == pytest.approx(1000.0)
    np.testing.assert_allclose(result.gdp_loss, 0.0, atol=1e-9)


def test_price_step_is_the_log_balance_over_elasticity() -> None:
    w = world(price_adjustment=0.1)
    state = initial_state(w)
    state.inventory[:] = 100.0  # stock full: orders are 20 ore (no gap)
    policy = policy_from_measures(w, [measure("export_ban", 0, 1, enforcement=0.5)], day=0)
    step(w, state, policy)
    # B's ore market clears on the orders that can be served: 10 of its 20 may ship, 10 arrive,
    # so balance 1 and no move (the blocked half is lost input, not a bid; see test_economy_prices).
    assert state.price[1, 0] == pytest.approx(10.0, rel=1e-12)
    # A: 10 ore held back, beyond A's idle capacity (0) -> balance (30 + 10)/30.
    assert state.price[0, 0] == pytest.approx(10.0 * math.exp(-0.1 * math.log(40 / 30) / 0.5))
    assert state.price[1, 1] == pytest.approx(1000.0, rel=1e-12)  # final goods keep their price


def test_trust_falls_fast_and_the_mix_moves_slowly() -> None:
    w = world(trust_loss=0.2, switching_days=100.0, incumbent_pull=0.0)
    state = initial_state(w)
    state.mix[0, 0] = [0.5, 0.5]  # half from A, half from B (which has no ore producers)
    policy = policy_from_measures(w, [measure("export_ban", 0, 1, enforcement=1.0)], day=0)
    step(w, state, policy)
    assert state.trust[0, 1, 0] == pytest.approx(0.8)  # 1 + 0.2 x (0 - 1)
    # B has no supply, so its fill is 0 too and trust in it also falls to 0.8: attraction is
    # 0.5 x 0.8 on both sides, the target mix is 50/50 and the mix does not move.
    assert state.trust[1, 1, 0] == pytest.approx(0.8)
    np.testing.assert_allclose(state.mix[0, 0], [0.5, 0.5])
    # Recovery is slow: one day of full deliveries moves trust 0.5% of the way back.
    step(w, state, policy_from_measures(w, [], day=1))
    assert state.trust[0, 1, 0] == pytest.approx(0.8 + 0.005 * 0.2)


def spot_world() -> World:
    """A (0) and B (1) make ore; C (2) buys 10/day from A only; B sells 10/day at home and has 5/day
    spare (spare_capacity 0.5)."""
    from sim.config import scenario_from_raw
    from sim.world import build_world

    raw = {
        "name": "spot", "horizon_days": 10,
        "countries": {c: {"gdp": 100.0} for c in "ABC"},
        "products": {"ore": {"tier": "civilian", "unit": "t", "baseline_price": 10.0, "elasticity": 0.5, "spare_capacity": 0.5}},
        "trade": [
            {"exporter": "A", "importer": "C", "product": "ore", "volume": 3650.0},
            {"exporter": "B", "importer": "B", "product": "ore", "volume": 3650.0},
        ],
    }
    return build_world(scenario_from_raw(raw))


def test_spot_market_serves_rationed_orders_from_spare_supply_by_hand() -> None:
    world = spot_world()
    state = initial_state(world)
    state.bg_capacity[0, 0] = 4.0  # A can supply only 4 of C's 10
    r = step(world, state, Policy.free_trade(world))
    # First round: A fills 40% of C's orders; 6 are rationed. B has 15 - 10 = 5 spare on an open
    # route, so it takes all 6 spot orders and fills 5/6 of them.
    assert r.fill[0, 2, 0] == pytest.approx(0.4)
    assert r.spot[1, 2, 0] == pytest.approx(5.0) and r.spot.sum() == pytest.approx(5.0)
    assert r.shipments[:, 2, 0].sum() == pytest.approx(9.0)
    assert r.pool_sold[1, 0] == pytest.approx(15.0) and r.pool_sold[0, 0] == pytest.approx(4.0)
    # Trust follows the contracted supplier's fill rate, not the spot purchases.
    assert state.trust[0, 2, 0] < 1.0 and state.trust[1, 2, 0] == 1.0


@pytest.mark.parametrize("measure_kind", ["export_ban", "export_quota"])
def test_no_spot_purchases_through_restricted_or_quota_routes(measure_kind: str) -> None:
    world = spot_world()
    state = initial_state(world)
    state.bg_capacity[0, 0] = 4.0
    targets = np.array([False, False, True])
    blocked = Measure(kind=measure_kind, actor=1, targets=targets, products=np.array([True]), enforcement=0.5, quota_share=0.5)
    r = step(world, state, policy_from_measures(world, [blocked], 0))
    assert r.spot.sum() == 0.0 and r.shipments[:, 2, 0].sum() == pytest.approx(4.0)


def exporter_world() -> World:
    """A (0) mines ore: a modelled miner (20/day) and background producers (30/day); it sells 30/day
    at home and 20/day to B (1). Ore costs 10 at baseline."""
    from sim.config import scenario_from_raw
    from sim.world import build_world

    raw = {
        "name": "exporter", "horizon_days": 10,
        "countries": {c: {"gdp": 100.0} for c in "AB"},
        "products": {"ore": {"tier": "civilian", "unit": "t", "baseline_price": 10.0, "elasticity": 0.5, "spare_capacity": 0.0}},
        "trade": [
            {"exporter": "A", "importer": "A", "product": "ore", "volume": 30 * 365.0},
            {"exporter": "A", "importer": "B", "product": "ore", "volume": 20 * 365.0},
        ],
        "firms": {"miner": {"country": "A", "product": "ore", "baseline_output": 20 * 365.0, "margin": 0.2}},
    }
    return build_world(scenario_from_raw(raw))


def test_exporters_are_paid_the_destination_price_and_earn_the_rent_of_a_shortage_abroad() -> None:
    world = exporter_world()
    state = initial_state(world)
    state.price[1, 0] = 30.0  # ore is scarce in B: three times its baseline price
    r = step(world, state, Policy.free_trade(world))
    # B's buyers order less at the higher price: 20 x 3^-0.5; A's buyers 30 at the old price.
    to_b = 20.0 * 3.0**-0.5
    assert r.shipments[0, 1, 0] == pytest.approx(to_b)
    sold = 30.0 + to_b
    assert r.pool_sold[0, 0] == pytest.approx(sold)
    # Each unit earns its destination's price: the pool's unit value is (30 x 10 + to_b x 30) / sold.
    unit_value = (30.0 * 10.0 + to_b * 30.0) / sold
    miner_sells = 20.0 / 50.0 * sold  # its baseline share of the pool's sales
    assert r.output[0] == pytest.approx(miner_sells)
    assert r.revenue[0] == pytest.approx(miner_sells * unit_value)
    assert unit_value > 10.0  # more than the home price: the export rent
    # A's GDP-loss proxy: its producers' sales fall from 50 x 10 to sold x unit_value (a gain);
    # B's buyers lose what they no longer get and pay more for what they do (downstream multiplier 1).
    np.testing.assert_allclose(r.gdp_loss[0], 500.0 - sold * unit_value, rtol=1e-12)
    np.testing.assert_allclose(r.gdp_loss[1], (20.0 - to_b) * 10.0 + to_b * (30.0 - 10.0), rtol=1e-12)


def test_gdp_loss_counts_value_added_where_the_plants_are() -> None:
    import dataclasses

    # Cars: value added 25% of output (the rest bought in); 40% of the carmaker's output is made
    # in A, 60% in B. Per car: 1000 revenue, 20 ore, 1000 x 0.75 - 20 = 730 bought in, so value
    # added is 10 cars x 250 = 2,500/day.
    w = dataclasses.replace(
        world(), value_added_ratio=np.array([np.nan, 0.25]), plant_share=np.array([[0.4, 0.6]])
    )
    assert w.bought_in_per_unit[0] == pytest.approx(730.0)
    assert w.base_value_added[0] == pytest.approx(2500.0)
    state = initial_state(w)
    policy = policy_from_measures(w, [measure("export_ban", 0, 1, enforcement=1.0)], day=0)
    for _ in range(5):  # five days on the 100-ore stock (see the full-ban test above)
        step(w, state, policy)
    price_a = state.price[0, 0]
    r = step(w, state, policy)
    assert r.output[0] == 0.0
    # No cars, no purchases: all 2,500 of value added is lost, 60% of it in B ...
    assert r.gdp_loss[1] == pytest.approx(0.6 * 2500.0)
    # ... and 40% in A, on top of A's ore producers' lost sales (ore has no ratio: sales count)
    # and its ore buyers' gain from the glut (they get more than their 30/day, at a lower price).
    got = r.shipments[0, 0, 0]
    producers = 500.0 - r.pool_sold[0, 0] * price_a
    buyers = (30.0 - got) * 10.0 + got * (price_a - 10.0)
    assert r.gdp_loss[0] == pytest.approx(0.4 * 2500.0 + producers + buyers)


def test_gdp_loss_counts_the_home_value_added_in_bought_in_inputs_where_the_plants_are() -> None:
    import dataclasses

    # As above (cars: value added 25%, 730 bought in per car, plants 40% in A, 60% in B), and ore
    # with value added 50% (its background producers in A buy in 5 per t). Of what is bought in,
    # value added at home: cars 20% in A, 50% in B; ore 40% in A.
    share = np.array([[0.4, 0.2], [0.0, 0.5]])  # (country, product)
    own = dataclasses.replace(world(), value_added_ratio=np.array([0.5, 0.25]), plant_share=np.array([[0.4, 0.6]]))
    upstream = dataclasses.replace(own, bought_in_domestic_share=share)
    np.testing.assert_allclose(upstream.upstream_per_unit, [[0.4 * 730.0 * 0.2, 0.6 * 730.0 * 0.5]])
    # (background car makers would buy in 750 per car; this world has none)
    np.testing.assert_allclose(upstream.bg_upstream_per_unit, [[5.0 * 0.4, 750.0 * 0.2], [0.0, 750.0 * 0.5]])
    ban = policy_from_measures(own, [measure("export_ban", 0, 1, enforcement=1.0)], day=0)
    states = initial_state(own), initial_state(upstream)
    for day in range(7):
        policy = Policy.free_trade(own) if day == 0 else ban
        r_own, r_up = step(own, states[0], policy), step(upstream, states[1], policy)
        np.testing.assert_array_equal(r_up.output, r_own.output)  # accounting only: the same day
        if day == 0:  # baseline output: nothing more lost
            np.testing.assert_allclose(r_up.gdp_loss, r_own.gdp_loss, atol=1e-9)
    assert r_own.output[0] == 0.0  # the sixth day of the ban: no ore left, no cars
    # B loses its plants' share of the carmaker's home-made inputs of 10 cars: 0.6 x 730 x 0.5 x 10;
    # A the same at 40% and 20%, and its ore makers' suppliers' share of the unsold ore: 2 per t.
    extra = r_up.gdp_loss - r_own.gdp_loss
    assert extra[1] == pytest.approx(0.6 * 730.0 * 0.5 * 10.0)
    assert r_own.pool_sold[0, 0] < 50.0
    assert extra[0] == pytest.approx(0.4 * 730.0 * 0.2 * 10.0 + 2.0 * (50.0 - r_own.pool_sold[0, 0]))


def adapt_mixes(world: World, state, price_a: float, price_b: float) -> None:  # type: ignore[no-untyped-def]
    """Run stage 8a alone with every supplier delivering in full (trust stays 1) at these prices."""
    from sim.economy import _adapt_suppliers, _Day, _policy_terms

    state.price[0, 0], state.price[1, 0] = price_a, price_b
    day = _Day(terms=_policy_terms(world, Policy.free_trade(world)))
    day.pair_mix = np.zeros((0, world.n_countries))
    day.mix_rows = state.mix.reshape(-1, world.n_countries)
    day.fill = np.ones_like(world.flow0)
    day.demand = world.flow0.copy()
    with np.errstate(divide="ignore", invalid="ignore"):  # as step() runs its stages
        _adapt_suppliers(world, state, day)


@pytest.mark.parametrize(
    ("price_a", "drifts"),
    [
        (10.0, False),  # as cheap as the new supplier: no reason to switch back
        (8.5, False),  # cheaper, but by less than the 10% switching cost: 8.5 >= 0.9 x (8.5 + 10) / 2
        (8.0, True),  # cheaper by more: 8 < 0.9 x (8 + 10) / 2 = 8.1
    ],
)
def test_diversification_lasts_unless_the_incumbent_is_cheaper_by_more_than_the_switching_cost(
    price_a: float, drifts: bool
) -> None:
    world = spot_world()  # C's buyers bought all their ore from A at baseline
    assert world.params.switching_cost == pytest.approx(0.1) and world.params.incumbent_pull == pytest.approx(0.002)
    state = initial_state(world)
    state.bg_mix[2, 0] = [0.5, 0.5, 0.0]  # they have qualified B for half of it
    adapt_mixes(world, state, price_a, 10.0)
    # All suppliers delivered and no duty: the trusted target is the current mix, so only the pull
    # back to the incumbent can move it: 0.002 x (1 - 0.5) towards A.
    expected = [0.501, 0.499, 0.0] if drifts else [0.5, 0.5, 0.0]
    np.testing.assert_allclose(state.bg_mix[2, 0], expected, rtol=1e-12)


def test_no_drift_back_to_an_incumbent_still_restricted() -> None:
    world = spot_world()
    state = initial_state(world)
    state.bg_mix[2, 0] = [0.5, 0.5, 0.0]
    state.price[0, 0] = 5.0  # A is far cheaper ...
    licensing = Measure(kind="export_licensing", actor=0, targets=np.array([False, False, True]),
                        products=np.array([True]), enforcement=0.5, approval_rate=0.5)
    from sim.economy import _adapt_suppliers, _Day, _policy_terms

    day = _Day(terms=_policy_terms(world, policy_from_measures(world, [licensing], 0)))
    day.pair_mix, day.mix_rows = np.zeros((0, 3)), state.mix.reshape(-1, 3)
    day.fill, day.demand = np.ones_like(world.flow0), world.flow0.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        _adapt_suppliers(world, state, day)
    # ... but its route to C is under licensing: the mix does not drift back (the duty-free,
    # fully trusted target is the current mix).
    np.testing.assert_allclose(state.bg_mix[2, 0], [0.5, 0.5, 0.0], rtol=1e-12)


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        ({"plants": {"A": 0.5, "Z": 0.5}}, "firms.miner.plants.Z", "a country of the scenario"),
        ({"value_added_ratio": 0.1}, "products.ore.value_added_ratio", "at least firm miner's margin (0.2)"),
        (
            {"value_added_ratio": 0.5, "bought_in_domestic_share": {"Z": 0.5}},
            "products.ore.bought_in_domestic_share.Z",
            "a country of the scenario",
        ),
        ({"bought_in_domestic_share": {"A": 0.5}}, "products.ore.bought_in_domestic_share", "value_added_ratio too"),
    ],
)
def test_plants_and_value_added_ratios_are_checked(change: dict, key: str, expected: str) -> None:
    from sim.config import scenario_from_raw
    from sim.errors import ScenarioError
    from sim.world import build_world

    raw = {
        "name": "exporter", "horizon_days": 10,
        "countries": {c: {"gdp": 100.0} for c in "AB"},
        "products": {"ore": {"tier": "civilian", "unit": "t", "baseline_price": 10.0, "elasticity": 0.5}},
        "trade": [{"exporter": "A", "importer": "A", "product": "ore", "volume": 50 * 365.0}],
        "firms": {"miner": {"country": "A", "product": "ore", "baseline_output": 20 * 365.0, "margin": 0.2}},
    }
    if "plants" in change:
        raw["firms"]["miner"]["plants"] = change["plants"]
    else:
        raw["products"]["ore"].update(change)
    with pytest.raises(ScenarioError) as error:
        build_world(scenario_from_raw(raw, "w.toml"), "w.toml")
    assert key in str(error.value) and expected in str(error.value)


@pytest.mark.parametrize(
    ("supply", "carmaker_gets", "background_gets"),
    [
        # Contracts (carmaker 20, A's background buyers 30) exceed 40: both get 80% of their
        # contracts; the carmaker's restocking order (5) gets nothing.
        (40.0, 16.0, 24.0),
        # 52: contracts in full, the 2 left over go to the restocking order (5): 2/5 of it.
        (52.0, 22.0, 30.0),
    ],
)
def test_a_short_pool_serves_contracted_volumes_before_restocking_orders(
    supply: float, carmaker_gets: float, background_gets: float
) -> None:
    w = world()
    state = initial_state(w)
    state.inventory[:] = 0.0  # no stock: the carmaker orders 2 x 10 + 100 / 20 = 25, 5 beyond its contract
    state.bg_capacity[0, 0] = supply
    r = step(w, state, Policy.free_trade(w))
    assert r.demand[0, 1, 0] == pytest.approx(25.0)
    assert r.shipments[0, 1, 0] == pytest.approx(carmaker_gets)
    assert r.shipments[0, 0, 0] == pytest.approx(background_gets)
    assert r.output[0] == pytest.approx(min(carmaker_gets / 2.0, 10.0))  # Leontief on ore
    assert r.fill[0, 1, 0] == pytest.approx(carmaker_gets / 25.0)


def test_rounding_leftovers_of_served_orders_release_nothing() -> None:
    """A national stockpile covers contracted orders left unserved; what rounding leaves of orders
    that were served (a fill of 1 - 2^-52) is no shortage: no release, and the refill goes on. (A
    speck released by rounding would also hold the day's refill up: a discrete flip on noise.)"""
    from sim.config import load_scenario
    from sim.economy import Policy, _Day, _policy_terms, _release_stockpiles, initial_state
    from sim.world import build_world

    world = build_world(load_scenario("experiments/tiny/rare_earth_ban_scripted.toml"))
    c, p = np.argwhere(world.stockpile0 > 0)[0]  # Japan's rare-earth stockpile, released on shortage

    def released(fill: float) -> np.ndarray:
        state = initial_state(world)
        state.stockpile = world.stockpile0 * 0.5  # half drawn: a refill is wanted
        policy = Policy.free_trade(world)
        day = _Day(terms=_policy_terms(world, policy))
        day.demand_contracted = world.flow0.copy()
        day.fill_contracted = np.full(world.flow0.shape, fill)
        day.any_rationed = False
        day.supply = world.flow0.sum(axis=1) * 2.0
        day.shipments = world.flow0 * fill
        with np.errstate(divide="ignore", invalid="ignore"):
            _release_stockpiles(world, state, policy, day)
        return day.released, day.refill

    speck, refill = released(1.0 - 2.0**-52)
    assert not speck.any() and refill is not None and refill.sum(axis=0)[c, p] > 0
    # Half the contracted orders unserved: the stockpile releases up to its daily rate.
    half, refill = released(0.5)
    ordered = world.flow0[:, c, p].sum()
    assert half[c, p] == pytest.approx(min(0.5 * ordered, world.stockpile_release[c, p]))
    assert refill is None or refill.sum(axis=0)[c, p] == 0


def test_a_servable_share_a_rounding_error_above_one_leaks_nothing() -> None:
    """Leakage re-routes the blocked share of orders (1 - servable). Under licences by buyer the
    servable share is a ratio of sums and can pass 1 by an ulp: that is nothing blocked, not a
    blocked share of -2e-16 (whose leak orders, a speck below 0, would be filled spare / ordered
    times over: a huge negative fill times a negative rate, so leaks of order 1)."""
    from sim.config import load_scenario
    from sim.economy import Policy, _Day, _leakage, _policy_terms, initial_state
    from sim.world import build_world

    world = build_world(load_scenario("experiments/tiny/rare_earth_ban_scripted.toml"))
    state = initial_state(world)
    state.leak_ramp = np.ones(world.flow0.shape)  # every detour organised
    state.price = state.price * np.where(np.arange(world.n_countries) == 1, 3.0, 1.0)[:, None]  # worth leaking to 1
    policy = Policy.free_trade(world)
    policy.leak = np.full(world.flow0.shape, 0.5)
    day = _Day(terms=_policy_terms(world, policy))
    day.demand = day.demand_contracted = day.contract = world.flow0.copy()
    day.demand_extra = np.zeros(world.flow0.shape)
    day.fill_contracted, day.fill_extra = np.ones(world.flow0.shape), np.ones(world.flow0.shape)
    day.supply = world.flow0.sum(axis=1) * 2.0
    day.servable = np.full(world.flow0.shape, 1.0 + 2.0**-52)
    with np.errstate(divide="ignore", invalid="ignore"):
        _leakage(world, state, policy, day)
    assert not day.leaked.any()
    assert (day.fill_contracted <= 1.0).all() and np.array_equal(day.contract, world.flow0)
