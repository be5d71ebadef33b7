"""Hand-worked cases for allocation under shortage (contracts first, precautionary buying,
national stockpiles, a downstream firm running out of cover) and for measures as they are
written (licence review backlogs, general licences, approval by grade, suspensions).

The world is test_economy_mechanisms's: a carmaker in B makes 10 cars/day from 2 ore each
(critical), holds 5 days of ore cover (100 units) and buys all its ore (20/day) from A, whose
background buyers take 30/day; A's background producers make 50/day at capacity.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_economy_mechanisms import measure, world

from sim.config import scenario_from_raw
from sim.economy import Policy, initial_state, policy_from_measures, step
from sim.errors import ScenarioError
from sim.model import CoercionModel
from sim.world import build_world


def run_ban(w, days: int, t0: int) -> list[float]:  # type: ignore[no-untyped-def]
    """The carmaker's output per day with A's ore fully banned to B from day ``t0``."""
    state = initial_state(w)
    ban = [measure("export_ban", 0, 1, enforcement=1.0)]
    return [
        float(step(w, state, policy_from_measures(w, ban if day >= t0 else [], day)).output[0]) for day in range(days)
    ]


def test_a_firm_cut_off_works_through_its_cover_then_stops() -> None:
    # Cover D = 100 / 20 = 5 days; cut on day t0 = 3: full output on days 3..7 (stock 100 -> 0),
    # nothing from day t0 + D = 8.
    out = run_ban(world(), 12, t0=3)
    np.testing.assert_allclose(out, [10.0] * 8 + [0.0] * 4, atol=1e-12)


def test_a_national_stockpile_slows_the_run_down() -> None:
    # B holds 30 units of ore, released at most 12/day to cover what its buyers cannot get.
    # Day 3: orders 20, nothing arrives, 12 released; stock 100 + 12 - 20 = 92.
    # Day 4: orders 20 + (100 - 92) / 20 = 20.4, 12 released; stock 84.
    # Day 5: the last 6 released; stock 70. Days 6, 7, 8 use 20 each: 50, 30, 10.
    # Day 9: 10 units make 5 cars; from day 10 nothing. (130 units = 6.5 days of use.)
    w = world()
    w.stockpile0[1, 0], w.stockpile_release[1, 0] = 30.0, 12.0
    w.has_stockpiles = True
    state = initial_state(w)
    ban = [measure("export_ban", 0, 1, enforcement=1.0)]
    out, released = [], []
    for day in range(12):
        r = step(w, state, policy_from_measures(w, ban if day >= 3 else [], day))
        out.append(float(r.output[0]))
        released.append(float(r.stockpile_release[1, 0]))
    np.testing.assert_allclose(out, [10.0] * 9 + [5.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(released, [0, 0, 0, 12, 12, 6, 0, 0, 0, 0, 0, 0], atol=1e-12)
    assert state.stockpile[1, 0] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("capacity", "carmaker_gets", "background_gets"),
    [
        (40.0, 16.0, 24.0),  # contracts (20 + 30) exceed 40: 80% each; the hoarding order gets nothing
        (50.0, 20.0, 30.0),  # contracts exactly: nothing left for the hoarding order
        (55.0, 25.0, 30.0),  # 5 left over: half the carmaker's 10 beyond its contract
    ],
)
def test_precautionary_orders_are_served_after_contracts(capacity: float, carmaker_gets: float, background_gets: float) -> None:
    # The carmaker fears a cut and targets 3x its cover: gap 300 - 100 = 200, ordered at
    # 200 / 20 = 10 a day on top of its use of 20; its contract is its baseline use (20).
    w = world()
    state = initial_state(w)
    state.bg_capacity[0, 0] = capacity
    policy = Policy.free_trade(w)
    policy.target_cover = np.array([3.0])
    r = step(w, state, policy)
    assert r.demand[0, 1, 0] == pytest.approx(30.0)
    assert r.shipments[0, 1, 0] == pytest.approx(carmaker_gets)
    assert r.shipments[0, 0, 0] == pytest.approx(background_gets)


def test_a_licence_backlog_is_decided_at_a_steady_pace() -> None:
    w = world()
    lic = measure("export_licensing", 0, 1, start_day=10, review_delay_days=5, backlog_days=4, approval_rate=0.8)
    allow = [policy_from_measures(w, [lic], day).allow[0, 1, 0] for day in range(10, 21)]
    # Days 10-14 under review: nothing; then a quarter of the backlog a day, 80% approved.
    np.testing.assert_allclose(allow, [0, 0, 0, 0, 0, 0.2, 0.4, 0.6, 0.8, 0.8, 0.8], atol=1e-12)


def test_general_licences_grades_and_suspensions() -> None:
    w = world()
    general = measure("export_licensing", 0, 1, review_delay_days=5, approval_rate=0.5, general_licence_share=0.25)
    assert policy_from_measures(w, [general], 2).allow[0, 1, 0] == pytest.approx(0.25)  # only the exempt share
    assert policy_from_measures(w, [general], 5).allow[0, 1, 0] == pytest.approx(0.25 + 0.75 * 0.5)
    by_grade = measure("export_licensing", 0, 1, approval_rate=np.array([0.3, 0.9]), enforcement=0.5)
    assert policy_from_measures(w, [by_grade], 0).allow[0, 1, 0] == pytest.approx(0.5 + 0.5 * 0.3)
    suspended = measure("export_ban", 0, 1, suspended=True)
    assert policy_from_measures(w, [suspended], 0).allow[0, 1, 0] == 1.0  # announced, not applied


def scenario_raw(**schedule: object) -> dict:
    return {
        "name": "licensing", "horizon_days": 16,
        "countries": {"A": {"gdp": 100.0}, "B": {"gdp": 100.0, "stockpiles": {"ore": {"days": 1.0, "release_share": 0.5}}}},
        "products": {
            "ore": {"tier": "dual_use", "unit": "t", "baseline_price": 10.0, "elasticity": 0.5},
            "car": {"tier": "civilian", "unit": "vehicle", "baseline_price": 1000.0, "elasticity": 1.0, "final": True},
        },
        "trade": [
            {"exporter": "A", "importer": "A", "product": "ore", "volume": 30 * 365.0},
            {"exporter": "A", "importer": "B", "product": "ore", "volume": 20 * 365.0},
        ],
        "firms": {
            "carmaker": {
                "country": "B", "product": "car", "baseline_output": 10 * 365.0, "sales": {"B": 1.0},
                "precautionary_cover": 2.0,
                "inputs": {"ore": {"per_unit": 2.0, "critical": True, "days_of_cover": 5.0, "suppliers": {"A": 1.0}}},
            },
        },
        "schedule": [
            {"day": 2, "actor": "A", "measure": "export_licensing", "target": "B", "products": ["ore"],
             "review_delay_days": 5, "backlog_days": 4, "approval_rate": 0.8, **schedule},
        ],
    }


def test_a_suspension_keeps_the_review_clock_and_the_threat() -> None:
    model = CoercionModel(scenario_from_raw(scenario_raw(suspended_from_day=10, suspended_until_day=12), "s.toml"), 1)
    allow, cover = [], []
    for _ in range(14):
        model.step()
        allow.append(float(model._policy.allow[0, 1, 0]))
        cover.append(None if model._policy.target_cover is None else float(model._policy.target_cover[0]))
    # Review days 2-6, backlog decided over days 7-10; suspended (not applied) on days 10-11; on
    # day 12 the review is not restarted: the approved 80% flows at once.
    np.testing.assert_allclose(allow, [1, 1, 0, 0, 0, 0, 0, 0.2, 0.4, 0.6, 1, 1, 0.8, 0.8], atol=1e-12)
    # The carmaker targets twice its cover from day 2, suspended or not (a threat all the same).
    assert cover == [None, None] + [2.0] * 12
    kinds = [(e["day"], e["kind"], e["actor"]) for e in model.events]
    assert (2, "stockpile", "carmaker") in kinds
    assert (10, "impose", "A") in kinds and (12, "impose", "A") in kinds  # suspend_..., resume_...
    assert any(k == "release_stockpile" and a == "B" for _, k, a in kinds)  # B's stockpile covers the gap


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        ({"measure": "export_ban"}, "schedule[0]", "only for measure = 'export_licensing'"),
        ({"suspended_until_day": 9}, "schedule[0]", "suspended_until_day needs suspended_from_day"),
        ({"suspended_from_day": 1}, "schedule[0]", "must be after day"),
    ],
)
def test_bad_licensing_and_suspension_terms_are_clear_errors(change: dict, key: str, expected: str) -> None:
    raw = scenario_raw()
    raw["schedule"][0].update(change)
    with pytest.raises(ScenarioError) as error:
        build_world(scenario_from_raw(raw, "s.toml"), "s.toml")
    assert key in str(error.value) and expected in str(error.value)


def test_a_stockpile_of_an_unknown_or_final_product_is_a_clear_error() -> None:
    for product, expected in (("oar", "unknown product"), ("car", "a final good cannot be stockpiled")):
        raw = scenario_raw()
        raw["countries"]["B"]["stockpiles"] = {product: {"days": 60.0}}
        with pytest.raises(ScenarioError) as error:
            build_world(scenario_from_raw(raw, "s.toml"), "s.toml")
        assert f"countries.B.stockpiles.{product}" in str(error.value) and expected in str(error.value)


def test_a_firm_move_raises_its_target_cover() -> None:
    # The hook for firms' rules (e.g. a stockpile move): logged, and in the next day's policy.
    raw = scenario_raw()
    raw["schedule"] = []
    raw["firms"]["carmaker"]["precautionary_cover"] = 1.0
    model = CoercionModel(scenario_from_raw(raw, "s.toml"), 1)
    model.step()
    assert model._policy.target_cover is None
    model.set_target_cover("carmaker", 3.0, "fears a cut")
    model.step()
    assert model._policy.target_cover[0] == 3.0
    (event,) = [e for e in model.events if e["actor"] == "carmaker"]
    assert (event["actor"], event["kind"], event["action"], event["reason"]) == ("carmaker", "stockpile", "target_cover_x3", "fears a cut")
