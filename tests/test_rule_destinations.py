"""Measure templates in rules take target lists (issue 9 point 8): a template's ``destinations``
aims a rule's measure at its target and other countries, or at all, as a schedule's ``target``
can; the rule weighs its own exporters' loss to every country the measure reaches."""

from __future__ import annotations

import copy

import pytest
from test_measures_written import three_country_raw

from agents.base import rule_params
from sim.config import MeasureTemplate, scenario_from_raw
from sim.errors import ScenarioError
from sim.model import CoercionModel


def ladder_raw(destinations: object) -> dict:
    """Three countries (A sells ore to B and C); A's government climbs a one-rung ladder against
    B on day 0 (a stake far above the rung's cost), the rung's ban aimed at ``destinations``."""
    raw = copy.deepcopy(three_country_raw("B"))
    raw["schedule"] = []
    raw["governments"] = {
        "A": {"temperature": 0.0, "rules": [{"rule": "escalation_ladder", "params": {
            "target": "B", "stake_pct": 100.0, "min_days_between_rungs": 0,
            "rungs": [{"label": "ore_ban", "measure": {"measure": "export_ban", "products": ["ore"],
                                                       "destinations": destinations}}],
        }}]},
    }
    return raw


def run_days(raw: dict, days: int) -> CoercionModel:
    model = CoercionModel(scenario_from_raw(raw, "s.toml"), 1)
    for _ in range(days):
        model.step()
    return model


@pytest.mark.parametrize(
    ("destinations", "allow", "note"),
    [
        ("target", [1.0, 0.0, 1.0], ""),  # the rule's target alone
        (["C"], [1.0, 0.0, 0.0], " (aimed at B, C)"),  # the target and C: both blocked, A's home market open
        ("all", [1.0, 0.0, 0.0], " (aimed at all)"),
    ],
)
def test_a_rule_created_measure_against_two_targets_blocks_both(destinations: object, allow: list, note: str) -> None:
    model = run_days(ladder_raw(destinations), 2)
    (event,) = [e for e in model.events if e["kind"] == "impose"]
    # The event belongs to the dispute with B (the rule's target); its reason says where it reaches.
    assert (event["actor"], event["action"], event["target"]) == ("A", "ore_ban", "B")
    assert event["reason"].endswith(note) and ("aimed at" in event["reason"]) == bool(note)
    assert model._policy.allow[0, :, 0].tolist() == allow
    reached = {c for c in ("B", "C") if model.view.measures_in_force(target=c)}
    assert reached == ({"B"} if destinations == "target" else {"B", "C"})


def test_the_template_widens_the_target_it_is_given() -> None:
    tpl = MeasureTemplate(measure="export_ban", products=["ore"], destinations=["C", "B", "A"])
    assert tpl.spec("A", "B").target == ["B", "C"]  # the rule's target first; the actor itself never
    assert tpl.spec("A", ["B", "D"]).target == ["B", "D", "C"]
    assert tpl.spec("A", "all").target == "all"
    assert MeasureTemplate(measure="export_ban", products=["ore"]).spec("A", "B").target == "B"
    assert tpl.reach("A", "B", ["A", "B", "C", "D"]) == ["B", "C"]
    everywhere = MeasureTemplate(measure="export_ban", products=["ore"], destinations="all")
    assert everywhere.reach("A", "B", ["A", "B", "C", "D"]) == ["B", "C", "D"]


@pytest.mark.parametrize(
    ("destinations", "key", "expected"),
    [
        (["D"], "rungs[0].measure.destinations[0]", "unknown country 'D'"),
        (["A"], "rungs[0].measure.destinations[0]", "expected another country than the rule's own"),
        (["C", "all"], "governments.A.rules[0].params", "'all' stands alone"),
        (["C", "C"], "governments.A.rules[0].params", "listed twice"),
        ("some", "governments.A.rules[0].params", "destinations"),
    ],
)
def test_bad_template_destinations_are_clear_errors(destinations: object, key: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as error:
        scenario_from_raw(ladder_raw(destinations), "s.toml", rule_params=rule_params)
    assert key in str(error.value) and expected in str(error.value)


def test_a_scheduled_measure_names_its_countries_in_target_not_destinations() -> None:
    raw = three_country_raw("B")
    raw["schedule"][0]["destinations"] = "all"
    with pytest.raises(ScenarioError) as error:
        scenario_from_raw(raw, "s.toml")
    assert "schedule[0]" in str(error.value) and "only for measure templates in rules" in str(error.value)


def test_a_template_naming_an_unknown_buyer_is_a_clear_error() -> None:
    raw = ladder_raw("target")
    rung = raw["governments"]["A"]["rules"][0]["params"]["rungs"][0]
    rung["measure"] = {"measure": "export_licensing", "products": ["ore"], "approval_by_buyer": {"sony": 1.0}}
    with pytest.raises(ScenarioError) as error:
        scenario_from_raw(raw, "s.toml", rule_params=rule_params)
    assert "rungs[0].measure.approval_by_buyer.sony" in str(error.value) and "unknown firm 'sony'" in str(error.value)
    rung["measure"]["approval_by_buyer"] = {"carmaker": 1.0}  # a firm of the scenario: fine
    scenario_from_raw(raw, "s.toml", rule_params=rule_params)
