"""Agents and rules: Mesa agents, the rule registry, the decision clock, explained events."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import mesa
import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict

from agents import FirmAgent, GovernmentAgent
from agents.base import (
    Action,
    Rule,
    RuleContext,
    Tastes,
    logit_choice,
    rule_params,
    rule_registry,
    taste_margins,
)
from sim.config import MeasureSpec, load_scenario
from sim.model import CoercionModel

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny" / "rare_earth_ban_scripted.toml"


class ThresholdParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    threshold_pct: float = 0.01


class BanWhenHurtRule(Rule):
    """A test rule defined outside agents/rules: registering it needs no edit anywhere else."""

    name: ClassVar[str] = "test_ban_when_hurt"
    Params = ThresholdParams

    def propose(self, view):  # type: ignore[no-untyped-def]
        loss = view.gdp_loss_pct(self.context.actor)
        if loss <= self.params.threshold_pct or view.measures_in_force(self.context.actor):
            return []
        spec = MeasureSpec(measure="export_ban", actor=self.context.actor, target="CN", products=["photoresist"])
        return [
            Action(
                kind="impose",
                label="photoresist_ban",
                rule=self.name,
                reason=f"GDP loss {loss:.4f}% > threshold {self.params.threshold_pct}%",
                target="CN",
                measure=spec,
                measure_key="retaliation",
                utility=1.0,
            )
        ]


def test_registry_knows_the_schedule_rule_and_plugged_in_rules() -> None:
    registry = rule_registry()
    assert "schedule" in registry
    assert registry["test_ban_when_hurt"] is BanWhenHurtRule
    assert rule_params("test_ban_when_hurt") is ThresholdParams
    with pytest.raises(KeyError, match="did you mean 'schedule'"):
        rule_params("schedul")


def test_a_new_rule_plugs_into_a_government_and_its_event_is_explained() -> None:
    scenario = load_scenario(
        TINY,
        overrides=[
            'governments.JP.rules=[{rule="test_ban_when_hurt", params={threshold_pct=0.05}}]',
            "governments.JP.decision_interval_days=7",
        ],
    )
    model = CoercionModel(scenario, 1)
    model.run()
    retaliation = [e for e in model.events if e["rule"] == "test_ban_when_hurt"]
    assert len(retaliation) == 1
    event = retaliation[0]
    assert event["actor"] == "JP" and event["target"] == "CN" and event["action"] == "photoresist_ban"
    assert event["day"] % 7 == 0  # only on the decision clock
    assert event["reason"].startswith("GDP loss") and "> threshold 0.05%" in event["reason"]
    assert event["products"] == "photoresist" and event["enforcement"] == 1.0
    assert '"utility": 1.0' in event["alternatives"]
    # The measure is in force from that day on.
    assert model.rec.measures[event["day"] :, model.country_index["JP"]].min() == 1


def test_agents_are_mesa_agents() -> None:
    model = CoercionModel(load_scenario(TINY), 0)
    assert isinstance(model, mesa.Model)
    assert all(isinstance(g, GovernmentAgent) for g in model.governments)
    assert [g.country for g in model.governments] == ["CN"]  # the only scripted actor
    assert len(model.firms) == 15 and all(isinstance(f, FirmAgent) for f in model.firms)
    assert len(model.agents) == 16


def test_mesa_run_model_runs_to_the_horizon_and_stops() -> None:
    scenario = load_scenario(TINY)
    model = CoercionModel(scenario, 0)
    assert model.running
    model.run_model()  # Mesa's standard loop: step while running
    assert not model.running
    assert model.day == scenario.horizon_days
    # The same tables as our own loop.
    other = CoercionModel(scenario, 0)
    other.run()
    np.testing.assert_array_equal(model.rec.price, other.rec.price)
    assert model.events == other.events
    assert model.steps == other.steps == scenario.horizon_days  # Mesa's step counter, both loops
    with pytest.raises(RuntimeError, match="reached its horizon"):
        model.step()


def test_firm_lobbying_is_influence_times_recent_loss_weighted_by_firm_size() -> None:
    model = CoercionModel(load_scenario(TINY), 0)
    model.run()
    toyota = next(f for f in model.firms if f.name == "toyota")
    share = model.view.firm_loss_share("toyota")
    # Its size is its baseline profit in % of Japan's GDP per year (margin x revenue x 365 / GDP),
    # so pressure is in % of GDP per year (no lobby rule here: no dead zone).
    w = model.world
    f = model.firm_index["toyota"]
    size = 100 * w.base_profit[f] * 365 / (w.gdp_daily[w.firm_home[f]] * 365)
    assert model.view.firm_size_pct("toyota") == pytest.approx(size)
    assert toyota.lobbying(model.view) == pytest.approx(toyota.influence * size * max(share, 0.0))
    # A small chemical maker with the same loss share weighs by its much smaller profit.
    assert model.view.firm_size_pct("jp_photoresist") < model.view.firm_size_pct("toyota") / 50
    japan = sum(f.lobbying(model.view) for f in model.firms if f.country == "JP")
    assert model.view.lobbying_pressure("JP") == pytest.approx(japan)


def test_logit_choice_is_greedy_at_zero_temperature_and_seeded_otherwise() -> None:
    actions = [Action("signal", name, "r", "why", utility=u) for name, u in (("a", 0.0), ("b", 1.0), ("c", 0.5))]
    chosen, considered = logit_choice(actions, 0.0, np.random.default_rng(0))
    assert chosen is not None and chosen.label == "b"
    assert considered == (("a", 0.0), ("b", 1.0), ("c", 0.5))
    picks = [logit_choice(actions, 1.0, np.random.default_rng(s))[0].label for s in range(400)]  # type: ignore[union-attr]
    # Logit shares at temperature 1: e^0, e^1, e^0.5 over their sum = 0.186, 0.506, 0.307.
    assert picks.count("b") / 400 == pytest.approx(0.506, abs=0.06)
    assert picks.count("a") / 400 == pytest.approx(0.186, abs=0.05)
    again = [logit_choice(actions, 1.0, np.random.default_rng(s))[0].label for s in range(400)]  # type: ignore[union-attr]
    assert picks == again


def test_persistent_tastes_choose_by_the_logit_once_not_at_every_decision() -> None:
    actions = [Action("signal", name, "r", "why", utility=u) for name, u in (("a", 0.0), ("b", 1.0), ("c", 0.5))]
    # One decision each, over many deciders' tastes: the logit shares (0.186, 0.506, 0.307), as with fresh draws.
    picks = [logit_choice(actions, 1.0, np.random.default_rng(0), Tastes(np.random.default_rng(s)))[0].label  # type: ignore[union-attr]
             for s in range(1000)]
    assert picks.count("b") / 1000 == pytest.approx(0.506, abs=0.05)
    assert picks.count("a") / 1000 == pytest.approx(0.186, abs=0.04)
    # Temperature 0 ignores tastes: the best, first on ties.
    tied = [*actions, Action("signal", "d", "r", "why", utility=1.0)]
    assert logit_choice(tied, 0.0, np.random.default_rng(0), Tastes(np.random.default_rng(1)))[0].label == "b"  # type: ignore[union-attr]
    # A move 3 temperatures worse than holding, weighed at 20 decisions: with shocks drawn afresh it is
    # chosen at least once by 1 - (1 - p)^20 = 62% of deciders (p = 1 / (1 + e^3) = 4.74%); with
    # persistent tastes by p alone (the binomial sd over 2000 deciders is 0.5 points).
    worse = [Action("signal", "worse", "r", "why", utility=-3.0), Action("hold", "hold", "status_quo", "why")]
    p = 1.0 / (1.0 + np.exp(3.0))
    rng = np.random.default_rng(7)
    fresh = np.mean([any(logit_choice(worse, 1.0, rng)[0].label == "worse" for _ in range(20)) for _ in range(2000)])  # type: ignore[union-attr]
    kept = []
    for s in range(2000):
        tastes = Tastes(np.random.default_rng(s))
        kept.append(any(logit_choice(worse, 1.0, rng, tastes)[0].label == "worse" for _ in range(20)))  # type: ignore[union-attr]
    assert fresh == pytest.approx(1 - (1 - p) ** 20, abs=0.04)
    assert np.mean(kept) == pytest.approx(p, abs=0.015)


def test_tastes_are_per_label_seeded_and_redrawn_for_a_new_government() -> None:
    first, second = Tastes(np.random.default_rng(3)), Tastes(np.random.default_rng(3))
    # A label's taste does not depend on which labels came up before it (common random numbers).
    assert first("concede") == second("concede") and first("hold") == second("hold")
    assert Tastes(np.random.default_rng(3))("hold") == first("hold")  # the same seed, the same tastes
    assert first("concede") != first("hold")
    old = first("concede")
    first.redraw()
    assert first("concede") != old
    # The lead over holding in the utilities' unit: (u - u_hold) + T (taste - taste_hold).
    considered = (("concede", -0.02), ("hold", 0.0))
    lead = taste_margins(considered, 0.01, second)["concede"]
    assert lead == pytest.approx(-0.02 + 0.01 * (second("concede") - second("hold")))
    assert taste_margins(considered, 0.0, second) == {"concede": -0.02}  # no tastes at temperature 0


def test_rules_get_their_own_random_stream() -> None:
    model = CoercionModel(load_scenario(TINY), 0)
    schedule_rule = model.governments[0].rules[0]
    assert isinstance(schedule_rule.context, RuleContext)
    assert schedule_rule.context.actor == "CN"
    assert isinstance(schedule_rule.context.rng, np.random.Generator)
    assert len(schedule_rule.context.schedule) == 5


def test_a_firm_with_a_lobby_rule_is_heard_only_while_its_stance_is_to_lobby() -> None:
    scenario = load_scenario(ROOT / "experiments" / "tiny" / "rare_earth_curb.toml", overrides=["horizon_days=200"])
    model = CoercionModel(scenario, 0)
    view = model.view
    assert view.firm_heard("jp_chipmaker")  # no lobby rule: it lobbies silently, always heard
    toyota = next(f for f in model.firms if f.name == "toyota")
    heard_from = None
    while model.day < scenario.horizon_days:
        model.step()
        if heard_from is None and view.firm_heard("toyota"):
            heard_from = model.day - 1
        if heard_from is None:
            assert toyota.lobbying(view) == 0.0  # silent until it declares its stance
    (stance,) = [e for e in model.events if e["actor"] == "toyota" and e["kind"] == "lobby"]
    assert stance["action"] == "lobby_settle" and heard_from == stance["day"]
    assert toyota.lobbying(view) > 0
    japan = sum(f.lobbying(view) for f in model.firms if f.country == "JP")
    assert view.lobbying_pressure("JP") == pytest.approx(japan)


def test_a_measure_replaced_under_its_key_takes_effect_the_same_day() -> None:
    """The daily policy arrays are cached while the measures in force stay the same; a measure
    replaced under the key it is in force under (a tighter enforcement) is a change."""
    from agents.base import IMPOSE
    from sim.economy import policy_from_measures

    model = CoercionModel(load_scenario(TINY), 0)
    cn, jp, p = model.country_index["CN"], model.country_index["JP"], model.product_index["photoresist"]

    def ban(enforcement: float) -> Action:
        spec = MeasureSpec(measure="export_ban", actor="JP", target="CN", products=["photoresist"], enforcement=enforcement)
        return Action(IMPOSE, "photoresist_ban", "test", "test", target="CN", measure=spec, measure_key="JP:CN:photoresist_ban")

    model._apply("JP", ban(0.5))
    model.step()
    assert model._policy.allow[jp, cn, p] == pytest.approx(0.5)
    model._apply("JP", ban(0.9))
    model.step()
    assert model._policy.allow[jp, cn, p] == pytest.approx(0.1)
    expected = policy_from_measures(model.world, [m.index for m in model.active.values()], model.day - 1)
    np.testing.assert_array_equal(model._policy.allow, expected.allow)
    assert model.rec.measures[:2, jp].tolist() == [1.0, 1.0]


class _CountingRule(Rule):
    """Counts how often it is asked (unregistered: no name)."""

    def __init__(self, every_day: bool) -> None:
        super().__init__(ThresholdParams(), RuleContext("toyota", np.random.default_rng(0)))
        self.every_day = every_day  # type: ignore[misc]
        self.asked: list[int] = []

    def propose(self, view):  # type: ignore[no-untyped-def]
        self.asked.append(view.day)
        return []


def test_a_firm_asks_its_rules_on_its_clock_and_daily_rules_every_day() -> None:
    class View:
        day = 0

    model = CoercionModel(load_scenario(TINY), 0)
    weekly, daily = _CountingRule(every_day=False), _CountingRule(every_day=True)
    plain = FirmAgent(model, "a", "JP", 0, 1.0, rules=[weekly], decision_interval_days=7)
    mixed = FirmAgent(model, "b", "JP", 0, 1.0, rules=[_CountingRule(every_day=False), daily], decision_interval_days=7)
    view = View()
    for day in range(15):
        view.day = day
        assert plain.decide(view) == [] and mixed.decide(view) == []
    assert weekly.asked == [0, 7, 14]
    assert daily.asked == list(range(15)) and mixed.rules[0].asked == [0, 7, 14]


def test_the_views_calendar_answers_follow_the_day() -> None:
    window = "calendar=[{name='summit', start_day=3, end_day=4, parties=['CN']}]"
    model = CoercionModel(load_scenario(TINY, [window]), 0)
    seen = {}
    for day in (2, 3, 3, 4, 5):  # (asked twice on day 3: the day's cached answer)
        model.day = day
        seen[day] = ([w.name for w in model.view.windows_open("CN")], [w.name for w in model.view.windows_open("JP")],
                     [w.name for w in model.view.windows_open()])
    assert seen == {2: ([], [], []), 3: (["summit"], [], ["summit"]), 4: (["summit"], [], ["summit"]), 5: ([], [], [])}


def test_the_views_moves_answers_follow_the_record() -> None:
    from agents.base import Move

    model = CoercionModel(load_scenario(TINY), 0)
    assert model.view.moves(actor="CN") == ()
    model.moves.append(Move(1, "CN", "threaten", "t", "JP", "threat"))
    assert [mv.label for mv in model.view.moves(actor="CN")] == ["t"]
    model.moves = [Move(2, "CN", "impose", "ban", "JP", "schedule")]  # a new record of the same length
    assert [mv.label for mv in model.view.moves(actor="CN")] == ["ban"]
