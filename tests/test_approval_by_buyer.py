"""Licensing that approves by buyer (issue 9 point 8: licences granted to named firms and not to
others): hand-worked on a tiny world, the reference implementation on random ones, and the
scenario checks.

World: A (0) makes ore (pool, 0), 80/day at capacity; B (1) makes cars (final, 1). Two carmakers
in B, ``approved`` and ``denied``, each make 10 cars/day from 2 ore (critical), hold 5 days of
cover (100 ore) and buy all their ore from A. B's background buyers take 10 ore/day from A, A's
own 30/day: baseline A->B 50/day, A->A 30/day.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_economy_reference import compare

from sim.config import scenario_from_raw
from sim.economy import EconomyParams, Measure, World, initial_state, policy_from_measures, step
from sim.errors import ScenarioError
from sim.synthetic import random_scenario_dict
from sim.world import build_world


def world() -> World:
    flow0 = np.zeros((2, 2, 2))
    flow0[0, 1, 0], flow0[0, 0, 0] = 50.0, 30.0
    firm_demand = np.zeros((2, 2, 2))
    firm_demand[0, 1, 0] = 40.0
    mix0 = np.zeros((2, 2, 2))
    mix0[:, 0, 0] = 1.0
    two = np.ones(2)
    return World(
        countries=["A", "B"], products=["ore", "car"], tiers=["civilian", "civilian"],
        final=np.array([False, True]), base_price=np.array([10.0, 1000.0]), elasticity=np.array([0.5, 1.0]),
        downstream_multiplier=np.array([1.0, 1.0]), ramp_up_days=np.array([3, 3]),
        gdp_daily=np.array([1e6, 1e6]), flow0=flow0, bg_demand0=flow0 - firm_demand,
        bg_output0=np.array([[80.0, 0.0], [0.0, 0.0]]), bg_capacity0=np.array([[80.0, 0.0], [0.0, 0.0]]),
        bg_max_capacity=np.array([[80.0, 0.0], [0.0, 0.0]]), expansion_response=np.zeros((2, 2)),
        firm_names=["approved", "denied"], firm_home=np.array([1, 1]), firm_product=np.array([1, 1]),
        firm_final=np.array([True, True]), base_output=10 * two, capacity=12 * two,
        recipe=np.array([[2.0, 0.0], [2.0, 0.0]]), critical=np.array([[True, False], [True, False]]),
        target_days=np.array([[5.0, 0.0], [5.0, 0.0]]), mix0=mix0, sales0=np.array([[0.0, 1.0], [0.0, 1.0]]),
        margin=0.1 * two, fixed_cost_share=0.5 * two, influence=0.5 * two, params=EconomyParams(),
    )


def licensing(**kw: object) -> Measure:
    """A's licensing of ore to B: buyers named in ``buyer_approval`` (approved, denied)."""
    return Measure(kind="export_licensing", actor=0, targets=np.array([False, True]),
                   products=np.array([True, False]), **kw)  # type: ignore[arg-type]


def test_each_named_buyer_passes_its_own_share() -> None:
    # Enforcement 0.9, general licences 20%, approval 50% for buyers not named; `approved` 100%,
    # `denied` 0%. Route (B's background buyers): 0.1 + 0.9 x (0.2 + 0.8 x 0.5) = 0.64;
    # approved: 0.1 + 0.9 x (0.2 + 0.8 x 1) = 1; denied: 0.1 + 0.9 x 0.2 = 0.28.
    w = world()
    m = licensing(enforcement=0.9, general_licence_share=0.2, approval_rate=0.5, buyer_approval=np.array([1.0, 0.0]))
    policy = policy_from_measures(w, [m], 0)
    assert policy.allow[0, 1, 0] == pytest.approx(0.64)
    a = 0  # the pairs' source column A
    np.testing.assert_allclose(policy.pair_allow[:, a], [1.0, 0.28], atol=1e-12)
    np.testing.assert_allclose(policy.pair_allow[:, 1], [1.0, 1.0])  # B is no source under the measure
    # A review of 4 days then a backlog decided over 4: on the review's first day of decisions
    # (day 4) a quarter is decided: approved 0.1 + 0.9 x (0.2 + 0.8 x 0.25) = 0.46, the route
    # 0.1 + 0.9 x (0.2 + 0.8 x 0.125) = 0.37, denied still 0.28.
    slow = licensing(enforcement=0.9, general_licence_share=0.2, approval_rate=0.5, review_delay_days=4,
                     backlog_days=4, buyer_approval=np.array([1.0, 0.0]))
    early = policy_from_measures(w, [slow], 4)
    assert early.allow[0, 1, 0] == pytest.approx(0.37)
    np.testing.assert_allclose(early.pair_allow[:, a], [0.46, 0.28], atol=1e-12)
    # Before any decision every buyer passes alike (the general licences): nothing to track.
    assert policy_from_measures(w, [slow], 3).pair_allow is None


def test_the_approved_firm_keeps_producing_while_the_denied_one_runs_out() -> None:
    # Fully enforced licensing from day 0, no general licences, approval 50% for B's background
    # buyers; `approved` 100%, `denied` 0%. A's pool (80/day) covers what may ship: approved 20,
    # background 10 x 0.5 = 5. So `approved` gets its 20 every day and makes 10 cars; `denied`
    # gets nothing and works through its 100 units of cover: 10 cars on days 0..4 (stock 80, 60,
    # 40, 20, 0), none from day 5. A->B shipments 25/day: the route's fill 25 / 50 = 0.5 on day 0.
    w = world()
    state = initial_state(w)
    m = licensing(approval_rate=0.5, buyer_approval=np.array([1.0, 0.0]))
    out, got, shipped = [], [], []
    for day in range(8):
        r = step(w, state, policy_from_measures(w, [m], day))
        out.append(r.output.tolist())
        got.append(r.received[:, 0].tolist())
        shipped.append(float(r.shipments[0, 1, 0]))
        if day == 0:
            assert r.fill[0, 1, 0] == pytest.approx(0.5)
    np.testing.assert_allclose(out, [[10.0, 10.0]] * 5 + [[10.0, 0.0]] * 3, atol=1e-9)
    np.testing.assert_allclose([g[0] for g in got], [20.0] * 8, atol=1e-9)
    np.testing.assert_allclose([g[1] for g in got], [0.0] * 8, atol=1e-12)
    # B's background buyers get half their 10 (B's price holds: every order that may ship is served).
    np.testing.assert_allclose(shipped, [25.0] * 8, atol=1e-9)
    # Without naming buyers both firms pass 50%: each gets 10 a day, and both slow down alike.
    both = initial_state(w)
    r = step(w, both, policy_from_measures(w, [licensing(approval_rate=0.5)], 0))
    np.testing.assert_allclose(r.received[:, 0], [10.0, 10.0], atol=1e-9)


def test_a_short_pool_rations_the_passing_orders_pro_rata() -> None:
    # A's pool down to 15/day. Contracted orders that may ship: A's own buyers 30, approved 20,
    # B's background buyers 5 (half their 10), denied none: 55 > 15, so each gets 15/55 of what
    # may ship (approved 20 x 15/55 = 5.45...); the spot market has nothing to offer (B makes no ore).
    w = world()
    state = initial_state(w)
    state.bg_capacity[0, 0] = 15.0
    r = step(w, state, policy_from_measures(w, [licensing(approval_rate=0.5, buyer_approval=np.array([1.0, 0.0]))], 0))
    np.testing.assert_allclose(r.received[:, 0], [20 * 15 / 55, 0.0], atol=1e-9)
    assert r.shipments[0, 1, 0] == pytest.approx(25 * 15 / 55)
    assert r.shipments[0, 0, 0] == pytest.approx(30 * 15 / 55)


def buyer_scenario(seed: int) -> dict:
    """A random world with licensing that names half its firms (random rates), leakage on, a
    quota and a ban alongside."""
    rng = np.random.default_rng(seed)
    raw = random_scenario_dict(rng, n_countries=4, n_products=3, n_firms=8, n_measures=0)
    firms = list(raw["firms"])
    named = {f: float(rng.choice([0.0, 0.3, 1.0])) for f in firms[::2]}
    for product in raw["products"].values():
        product["leakage_share"] = 0.3
    raw["schedule"] = [
        {"day": 1, "actor": "C0", "measure": "export_licensing", "target": "all", "products": ["p0", "p1"],
         "review_delay_days": 2, "backlog_days": 5, "approval_rate": 0.4, "general_licence_share": 0.1,
         "enforcement": 0.9, "approval_by_buyer": named},
        {"day": 3, "actor": "C1", "measure": "export_licensing", "target": ["C0", "C2"], "products": ["p1"],
         "approval_rate": 0.0, "approval_by_buyer": {firms[1]: 1.0}},
        {"day": 4, "actor": "C2", "measure": "export_quota", "target": "all", "products": ["p2"], "quota_share": 0.3},
        {"day": 6, "actor": "C3", "measure": "import_ban", "target": "C0", "products": ["p0"], "enforcement": 0.5},
    ]
    return raw


@pytest.mark.parametrize("seed", [3, 8])
def test_licences_by_buyer_agree_with_the_reference(seed: int) -> None:
    compare(scenario_from_raw(buyer_scenario(seed), "<test>"), 30, cover_seed=seed)


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        ({"approval_by_buyer": {"sony": 1.0}}, "schedule[0].approval_by_buyer.sony", "unknown firm 'sony'"),
        ({"approval_by_buyer": {"carmaker": 1.5}}, "schedule[0].approval_by_buyer.carmaker", "less than or equal to 1"),
        ({"measure": "export_ban", "approval_by_buyer": {"carmaker": 1.0}}, "schedule[0]", "only for measure = 'export_licensing'"),
    ],
)
def test_bad_buyer_approvals_are_clear_errors(change: dict, key: str, expected: str) -> None:
    from test_allocation_and_licensing import scenario_raw

    raw = copy.deepcopy(scenario_raw())
    raw["schedule"][0].update(change)
    with pytest.raises(ScenarioError) as error:
        build_world(scenario_from_raw(raw, "s.toml"), "s.toml")
    assert key in str(error.value) and expected in str(error.value)
