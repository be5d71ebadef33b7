"""Invariants of the economy on random worlds (hypothesis): no negative or non-finite quantities,
flows conserved, production within capacity, shares summing to 1, a steady baseline."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_economy_reference import with_price_response_and_leakage

from sim.economy import PROJECT_COLUMNS, initial_state, order_investment, policy_from_measures, step
from sim.model import CoercionModel
from sim.synthetic import random_scenario
from sim.world import build_world, measure_index

worlds = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "n_countries": st.integers(2, 5),
        "n_products": st.integers(1, 5),
        "n_firms": st.integers(1, 12),
        "n_measures": st.integers(0, 5),
        "responsive": st.booleans(),  # buyers' price response (thrifting, backstop) and leakage on
    }
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAYS = 60


@SETTINGS
@given(worlds)
def test_invariants_hold_every_day(spec: dict[str, int]) -> None:
    seed, responsive = spec.pop("seed"), spec.pop("responsive")
    rng = np.random.default_rng(seed)
    scenario = random_scenario(rng, horizon_days=DAYS, **spec)
    if responsive:
        scenario = with_price_response_and_leakage(scenario, rng)
    world = build_world(scenario)
    state = initial_state(world)
    prm = world.params
    pool_products = ~world.final
    has_input = world.recipe > 0
    released = np.zeros((world.n_countries, world.n_products))
    # An explicit investment project (a government's or firm's move) with a random offtake contract.
    rng = np.random.default_rng(seed + 1)
    project_day = int(rng.integers(0, DAYS // 2))
    pool_index = np.flatnonzero(pool_products)
    for day in range(DAYS):
        if day == project_day and pool_index.size:
            order_investment(
                world, state, int(rng.integers(world.n_countries)), int(rng.choice(pool_index)),
                float(rng.uniform(0, 10)), int(rng.integers(1, DAYS)), float(rng.uniform(0, 1e6)),
                payer=int(rng.integers(world.n_countries)), payer_firm=int(rng.integers(-1, world.n_firms)),
                offtake=int(rng.integers(-1, world.n_countries)), offtake_share=float(rng.uniform(0, 1)),
            )
        measures = [
            measure_index(world, item, item.day)
            for item in scenario.schedule
            if item.day <= day and (item.until_day is None or day < item.until_day)
        ]
        r = step(world, state, policy_from_measures(world, measures, day))

        # Intensity of use is a share of baseline use; leakage routes are organised 0..1.
        assert ((state.intensity > 0) & (state.intensity <= 1 + 1e-12)).all()
        assert ((state.leak_ramp >= 0) & (state.leak_ramp <= 1)).all()
        assert (state.qualifying >= 0).all() and (state.qualifying <= state.day).all()  # a day at most per day
        for name in ("inventory", "mix", "trust", "price", "bg_capacity", "pipeline", "bg_mix", "stockpile", "intensity"):
            value = getattr(state, name)
            assert np.isfinite(value).all(), name
            assert (value >= 0).all(), name
        for name in ("shipments", "demand", "fill", "output", "received", "pool_sold"):
            value = getattr(r, name)
            assert np.isfinite(value).all(), name
            assert (value >= -1e-12).all(), name
        for name in ("revenue", "input_cost", "profit", "gdp_loss"):
            assert np.isfinite(getattr(r, name)).all(), name

        # Fill rates are shares; nothing ships beyond what was ordered: contracts within their
        # orders, and each importer's spot purchases within what its short pools left unfilled.
        assert (r.fill <= 1 + 1e-12).all()
        # (States' stockpile refills are shipments beyond any order: bought from supply to spare.)
        refill = r.stockpile_refill if r.stockpile_refill is not None else np.zeros_like(r.shipments)
        assert (refill >= 0).all()
        contract = r.shipments - r.spot - refill
        assert (r.spot >= -1e-12).all() and (contract >= -1e-9).all()
        assert (contract <= r.demand * (1 + 1e-12) + 1e-12).all()
        unfilled = (r.demand - contract).sum(axis=0)
        assert (r.spot.sum(axis=0) <= unfilled * (1 + 1e-9) + 1e-9).all()
        assert ((r.shipments - refill).sum(axis=0) <= r.demand.sum(axis=0) * (1 + 1e-9) + 1e-9).all()
        # A country's pool never ships more than it offered (supply is never created).
        assert (r.spot.sum(axis=1) <= np.maximum(r.pool_sold, 0) + 1e-9).all()
        # Shipped = sold by the exporter's pool = received by importers (firms + background).
        np.testing.assert_allclose(r.shipments.sum(axis=1), r.pool_sold, rtol=1e-12, atol=1e-9)
        # National stockpiles: what is released leaves the stockpile, within the release rate;
        # refills come back into it, within the refill rate, never beyond the starting level, and
        # never on a day of release.
        released += r.stockpile_release - refill.sum(axis=0)
        assert (r.stockpile_release <= world.stockpile_release * (1 + 1e-12)).all()
        assert (refill.sum(axis=0) <= world.stockpile_refill * (1 + 1e-12) + 1e-12).all()
        assert (state.stockpile <= world.stockpile0 * (1 + 1e-12) + 1e-9).all()
        assert not ((refill.sum(axis=0) > 0) & (r.stockpile_release > 0)).any()
        np.testing.assert_allclose(state.stockpile + released, world.stockpile0, rtol=1e-12, atol=1e-9)
        firms_received = np.zeros((world.n_countries, world.n_products))
        np.add.at(firms_received, world.firm_home, r.received)
        arrived = r.shipments.sum(axis=0) + r.stockpile_release
        assert (firms_received <= arrived * (1 + 1e-9) + 1e-9).all()
        # Modelled pool firms sell no more than their pool sold; no firm beyond capacity.
        pool = ~world.firm_final
        sold_by_firms = np.zeros((world.n_countries, world.n_products))
        np.add.at(sold_by_firms, (world.firm_home[pool], world.firm_product[pool]), r.output[pool])
        assert (sold_by_firms <= r.pool_sold * (1 + 1e-9) + 1e-9).all()
        assert (r.output <= world.capacity * (1 + 1e-12)).all()
        # Supplier mixes stay shares summing to 1 where the firm buys the input.
        sums = state.mix.sum(axis=2)
        np.testing.assert_allclose(sums[has_input], 1.0, atol=1e-9)
        assert (state.mix <= 1 + 1e-12).all()
        bg_sums = state.bg_mix.sum(axis=2)
        np.testing.assert_allclose(bg_sums[world.bg_total0 > 0], 1.0, atol=1e-9)
        # Prices stay within their bounds; final goods keep their baseline price.
        multiple = state.price / world.base_price[None, :]
        assert (multiple >= prm.min_price_multiple * (1 - 1e-12)).all()
        assert (multiple <= prm.max_price_multiple * (1 + 1e-12)).all()
        np.testing.assert_allclose(multiple[:, ~pool_products], 1.0)
        # Capacity never exceeds its cap, but for what projects built (which may be where there
        # was none); a project adds its capacity once, on arrival, and price-driven investors
        # order at most once per pool.
        assert (state.built >= 0).all()
        assert (state.bg_capacity <= world.bg_max_capacity * (1 + 1e-9) + state.built + 1e-9).all()
        col = {name: k for k, name in enumerate(PROJECT_COLUMNS)}
        arrived = state.projects[state.projects[:, col["arrival"]] <= state.day]
        built = np.zeros_like(state.built)
        np.add.at(built, (arrived[:, col["country"]].astype(int), arrived[:, col["product"]].astype(int)), arrived[:, col["capacity"]])
        np.testing.assert_allclose(state.built, built, rtol=1e-12, atol=1e-12)
        assert set(np.unique(state.price_invested)) <= {0.0, 1.0}
        assert (state.projects[:, col["arrival"]] > state.projects[:, col["start"]]).all()


@settings(max_examples=15, deadline=None)
@given(worlds)
def test_without_measures_the_baseline_is_a_steady_state(spec: dict[str, int]) -> None:
    seed, responsive = spec.pop("seed"), spec.pop("responsive")
    spec["n_measures"] = 0
    rng = np.random.default_rng(seed)
    scenario = random_scenario(rng, horizon_days=30, **spec)
    if responsive:
        scenario = with_price_response_and_leakage(scenario, rng)
    world = build_world(scenario)
    state, start = initial_state(world), initial_state(world)
    for day in range(30):
        result = step(world, state, policy_from_measures(world, [], day))
    np.testing.assert_allclose(state.price, start.price, rtol=1e-9)
    np.testing.assert_allclose(state.inventory, start.inventory, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(state.mix, start.mix, atol=1e-12)
    np.testing.assert_allclose(result.output, world.base_output, rtol=1e-9)
    np.testing.assert_allclose(result.profit, world.base_profit, rtol=1e-9, atol=1e-6 * world.base_revenue.max())
    np.testing.assert_allclose(result.shipments, world.flow0, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(result.gdp_loss, 0.0, atol=1e-9 * world.gdp_daily.max())


@settings(max_examples=5, deadline=None)
@given(worlds)
def test_the_mesa_model_runs_random_worlds(spec: dict[str, int]) -> None:
    seed = spec.pop("seed")
    spec.pop("responsive")
    scenario = random_scenario(np.random.default_rng(seed), horizon_days=20, **spec)
    model = CoercionModel(scenario, seed)
    model.run()
    assert model.day == 20
    assert np.isfinite(model.rec.price).all() and np.isfinite(model.cum_gdp_loss).all()
    # Events come from the schedule or from the economy's rules (precautionary buying, stockpile
    # releases), each with its reason.
    assert all(e["rule"] in ("schedule", "precautionary_cover", "stockpile_release") and e["reason"] for e in model.events)
