"""Measures as they are written (issue 9 point 8) and their leakage and stockpile terms (points 4
and 7): several destinations in one measure, stockpile release rules and refills, leakage under
export quotas. Hand-worked on tiny worlds."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_allocation_and_licensing import scenario_raw
from test_economy_mechanisms import measure, world

from sim.config import scenario_from_raw
from sim.economy import initial_state, policy_from_measures, step
from sim.errors import ScenarioError
from sim.explain import describe
from sim.model import CoercionModel
from sim.world import build_world, measure_index


def three_country_raw(target: object) -> dict:
    """scenario_raw with a third country C buying ore from A, and the measure aimed at ``target``."""
    raw = copy.deepcopy(scenario_raw())
    raw["countries"]["C"] = {"gdp": 50.0}
    raw["trade"].append({"exporter": "A", "importer": "C", "product": "ore", "volume": 5 * 365.0})
    raw["schedule"][0].update(target=target, measure="export_ban")
    for key in ("review_delay_days", "backlog_days", "approval_rate"):
        raw["schedule"][0].pop(key)
    return raw


def test_a_measure_against_several_destinations_reaches_each_and_only_them() -> None:
    sc = scenario_from_raw(three_country_raw(["B", "C"]), "s.toml")
    world = build_world(sc, "s.toml")
    m = measure_index(world, sc.schedule[0], 2)
    assert m.targets.tolist() == [False, True, True]  # A (the actor) untouched
    one = measure_index(world, scenario_from_raw(three_country_raw("C"), "s.toml").schedule[0], 2)
    assert one.targets.tolist() == [False, False, True]
    model = CoercionModel(sc, 1)
    for _ in range(4):
        model.step()
    allow = model._policy.allow[0, :, 0]
    assert allow.tolist() == [1.0, 0.0, 0.0]  # the ban blocks A's ore to B and to C
    (event,) = [e for e in model.events if e["kind"] == "impose"]
    assert event["target"] == "B,C"
    assert describe(event).endswith("export_ban on ore -> B, C, enforcement 100%")
    view = model.view
    assert set(view.measures_in_force(target="C")) == set(view.measures_in_force(target="B")) == {"schedule[0]"}
    assert not view.measures_in_force(target="A")
    assert [mv.label for mv in view.moves(target="C")] == [event["action"]]


@pytest.mark.parametrize(
    ("target", "key", "expected"),
    [
        (["B", "D"], "schedule[0].target[1]", "unknown country 'D'"),
        (["B", "A"], "schedule[0].target[1]", "a measure cannot target its own actor"),
        (["B", "all"], "schedule[0].target", "'all' stands alone"),
        (["B", "B"], "schedule[0].target", "listed twice"),
        ([], "schedule[0].target", "expected at least one country"),
        ("D", "schedule[0].target", "unknown country 'D'"),
    ],
)
def test_bad_destination_lists_are_clear_errors(target: object, key: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as error:
        build_world(scenario_from_raw(three_country_raw(target), "s.toml"), "s.toml")
    assert key in str(error.value) and expected in str(error.value)


# ---- national stockpiles: contracted orders only, release triggered by a measure, refills ----
# The world of test_economy_mechanisms: a carmaker in B uses 20 ore/day (its contract) from A,
# whose background buyers take 30/day from background producers with capacity 50 (price 10).


def test_a_stockpile_covers_contracts_not_hoarding_orders() -> None:
    # The carmaker targets 3x its cover: gap 300 - 100 = 200, ordered at 200 / 20 = 10 a day on
    # top of its use of 20; A bans ore to B. B holds 1000 units, released at most 100 a day: it
    # covers the 20 within the contract, not the 10 of hoarding (formerly all 30).
    w = world()
    w.stockpile0[1, 0], w.stockpile_release[1, 0] = 1000.0, 100.0
    w.has_stockpiles = True
    state = initial_state(w)
    policy = policy_from_measures(w, [measure("export_ban", 0, 1, enforcement=1.0)], 0)
    policy.target_cover = np.array([3.0])
    r = step(w, state, policy)
    assert r.demand[0, 1, 0] == pytest.approx(30.0)
    assert r.stockpile_release[1, 0] == pytest.approx(20.0)
    assert r.received[0, 0] == pytest.approx(20.0)
    assert state.stockpile[1, 0] == pytest.approx(980.0)


@pytest.mark.parametrize(("on_measure", "quota", "released"), [(False, False, 4.0), (True, False, 0.0), (True, True, 4.0)])
def test_a_stockpile_released_on_a_measure_waits_for_one(on_measure: bool, quota: bool, released: float) -> None:
    # A's producers can make only 40 against contracts of 50: every buyer gets 80%, the carmaker
    # 16 of its 20, so 4 are short. Released on shortage: 4. Released on a measure: nothing
    # until A puts one on B's ore (here a quota at the baseline flow, which does not bind: the
    # shortfall is the same 4, now released).
    w = world()
    w.stockpile0[1, 0], w.stockpile_release[1, 0] = 100.0, 100.0
    w.release_on_measure[1, 0] = on_measure
    w.has_stockpiles = True
    state = initial_state(w)
    state.bg_capacity[0, 0] = 40.0
    measures = [measure("export_quota", 0, 1, quota_share=1.0)] if quota else []
    r = step(w, state, policy_from_measures(w, measures, 0))
    assert r.shipments[0, 1, 0] == pytest.approx(16.0)
    assert r.stockpile_release[1, 0] == pytest.approx(released)
    assert r.received[0, 0] == pytest.approx(16.0 + released)


@pytest.mark.parametrize(("capacity", "bought"), [(60.0, 5.0), (52.0, 2.0)])
def test_a_stockpile_is_bought_back_after_the_episode_from_spare_supply(capacity: float, bought: float) -> None:
    # B's stockpile was drawn down to 10 of 30; it buys back at most 5 a day. A's producers can
    # make `capacity` against orders of 50: the state buys min(5, spare) and pays 10 a unit in
    # B's GDP-loss proxy; the carmaker's 20 are untouched.
    def run(refill: float) -> tuple:  # type: ignore[type-arg]
        w = world()
        w.stockpile0[1, 0], w.stockpile_release[1, 0], w.stockpile_refill[1, 0] = 30.0, 12.0, refill
        w.has_stockpiles, w.has_refill = True, refill > 0
        state = initial_state(w)
        state.stockpile[1, 0] = 10.0
        state.bg_capacity[0, 0] = capacity
        return w, state, step(w, state, policy_from_measures(w, [], 0))

    _, state, r = run(5.0)
    _, _, without = run(0.0)
    assert r.stockpile_refill[0, 1, 0] == pytest.approx(bought)
    assert r.shipments[0, 1, 0] == pytest.approx(20.0 + bought)
    assert r.received[0, 0] == pytest.approx(20.0)
    assert state.stockpile[1, 0] == pytest.approx(10.0 + bought)
    assert r.gdp_loss[1] - without.gdp_loss[1] == pytest.approx(10.0 * bought)
    assert r.pool_sold[0, 0] == pytest.approx(50.0 + bought)


def test_no_refill_while_a_measure_restricts_the_product() -> None:
    w = world()
    w.stockpile0[1, 0], w.stockpile_release[1, 0], w.stockpile_refill[1, 0] = 30.0, 12.0, 5.0
    w.has_stockpiles = w.has_refill = True
    state = initial_state(w)
    state.stockpile[1, 0] = 10.0
    state.bg_capacity[0, 0] = 60.0
    r = step(w, state, policy_from_measures(w, [measure("export_quota", 0, 1, quota_share=1.0)], 0))
    assert r.stockpile_refill is None and state.stockpile[1, 0] == 10.0


def test_stockpile_release_trigger_and_refill_from_config() -> None:
    raw = scenario_raw()
    raw["countries"]["B"]["stockpiles"]["ore"].update(release_when="measure", refill_share=0.25)
    w = build_world(scenario_from_raw(raw, "s.toml"), "s.toml")
    assert w.release_on_measure.tolist() == [[False, False], [True, False]]
    assert w.stockpile_refill[1, 0] == pytest.approx(0.25 * 20.0)  # of B's baseline purchases
    for bad, expected in (({"release_when": "threat"}, "release_when"), ({"refill_share": -1.0}, "refill_share")):
        raw = scenario_raw()
        raw["countries"]["B"]["stockpiles"]["ore"].update(bad)
        with pytest.raises(ScenarioError) as error:
            scenario_from_raw(raw, "s.toml")
        assert f"countries.B.stockpiles.ore.{expected}" in str(error.value)


# ---- leakage under export quotas ----


def test_orders_beyond_a_quota_leak_through_third_countries() -> None:
    # A caps its ore to B at half the baseline flow (10 of the carmaker's 20). The quota turns
    # away 1 - 10/20 = 0.5 of the orders; leakage share 0.4, the route organised in a day
    # (leakage_days 1), and B's price 22 is twice the landed cost (1 + 0.1) x 10: the full 0.4
    # leaks, 0.5 x 0.4 x 20 = 4 units, out of A's spare 50 - (30 + 10) = 10. The carmaker gets 14.
    w = world(leakage_days=1.0, leakage_premium=0.1)
    w.leakage_share = np.array([0.4, 0.0])
    state = initial_state(w)
    state.price[1, 0] = 22.0
    r = step(w, state, policy_from_measures(w, [measure("export_quota", 0, 1, quota_share=0.5)], 0))
    assert r.shipments[0, 1, 0] == pytest.approx(14.0)
    assert r.received[0, 0] == pytest.approx(14.0)
    # Extraterritorial rules reaching half the re-exports halve the leak: 10 + 2.
    state = initial_state(w)
    state.price[1, 0] = 22.0
    m = measure("export_quota", 0, 1, quota_share=0.5, extraterritorial=0.5)
    assert step(w, state, policy_from_measures(w, [m], 0)).shipments[0, 1, 0] == pytest.approx(12.0)
    # A quota that does not bind turns nothing away: nothing leaks.
    state = initial_state(w)
    state.price[1, 0] = 22.0
    assert step(w, state, policy_from_measures(w, [measure("export_quota", 0, 1, quota_share=1.0)], 0)).shipments[
        0, 1, 0
    ] == pytest.approx(20.0)


def test_a_model_run_releases_on_the_measure_and_buys_back_after_it() -> None:
    # scenario_raw: B holds 1 day of its 20/day ore (20 units), released at up to 10 a day, only
    # under a measure. A's ban on B runs days 2-4: B releases 10 on day 2 and 10 on day 3 (the
    # carmaker's contract is 20), then is empty. From day 5 (the ban lifted) B buys back at most
    # 0.25 x 20 = 5 a day, from A's spare supply (spare_capacity: A's producers can make 1.5x
    # their baseline 50), until it holds 20 again on day 8.
    raw = scenario_raw()
    raw["countries"]["B"]["stockpiles"]["ore"] = {"days": 1.0, "release_share": 0.5, "release_when": "measure", "refill_share": 0.25}
    raw["firms"]["carmaker"]["precautionary_cover"] = 1.0
    raw["products"]["ore"]["spare_capacity"] = 0.5
    raw["schedule"] = [{"day": 2, "until_day": 5, "actor": "A", "measure": "export_ban", "target": ["B"], "products": ["ore"]}]
    model = CoercionModel(scenario_from_raw(raw, "s.toml"), 1)
    held = []
    for _ in range(12):
        model.step()
        held.append(float(model.state.stockpile[1, 0]))
    assert held[:4] == pytest.approx([20.0, 20.0, 10.0, 0.0])
    assert held[4] == 0.0  # day 4: still banned, nothing left to release, no refill under a measure
    assert held[5:9] == pytest.approx([5.0, 10.0, 15.0, 20.0])  # bought back at 5 a day
    assert held[9:] == pytest.approx([20.0] * 3)
    kinds = [(e["day"], e["kind"]) for e in model.events if e["actor"] == "B"]
    assert (2, "release_stockpile") in kinds and (5, "refill_stockpile") in kinds and (9, "end_refill") in kinds
    (refill,) = [e for e in model.events if e["kind"] == "refill_stockpile"]
    assert describe(refill) == "buys back its national stockpile of ore"


def test_random_worlds_exercise_refills_measure_triggers_and_destination_lists() -> None:
    """The synthetic worlds the reference and invariant tests draw do reach the new terms."""
    from sim.synthetic import random_scenario
    from sim.world import build_world as build

    refilled = released_on_measure = 0.0
    listed = 0
    for seed in range(12):
        scenario = random_scenario(np.random.default_rng(seed), n_countries=3 + seed % 3, n_products=2 + seed % 4,
                                   n_firms=4 + seed, n_measures=3)
        listed += sum(isinstance(item.target, list) for item in scenario.schedule)
        w = build(scenario)
        state = initial_state(w)
        for day in range(45):
            measures = [measure_index(w, item, item.day) for item in scenario.schedule
                        if item.day <= day and (item.until_day is None or day < item.until_day)]
            r = step(w, state, policy_from_measures(w, measures, day))
            refilled += 0.0 if r.stockpile_refill is None else float(r.stockpile_refill.sum())
            released_on_measure += float((r.stockpile_release * w.release_on_measure).sum())
    assert refilled > 0 and released_on_measure > 0 and listed > 0
