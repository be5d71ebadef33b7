"""Measures as they are written (issue 9 point 8) and their leakage and stockpile terms (points 4
and 7): several destinations in one measure, stockpile release rules and refills, leakage under
export quotas. Hand-worked on tiny worlds."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_allocation_and_licensing import scenario_raw

from sim.config import scenario_from_raw
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
