"""The shared decision calculus (agents/strategy.py), with numbers worked out by hand, and the
model's beliefs: Bayes updates from moves, persistent perception errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.strategy import (
    DEFAULT_PRIOR,
    bayes,
    credibility,
    discounted_days,
    expected_holding_cost,
    give_in_probability,
    holding_cost_pct,
    learn_from_persistence,
    move_likelihood,
    offramps,
    persistence_likelihood,
    remaining_days,
)


def test_bayes_update_by_hand() -> None:
    # Prior 30/40/30; an escalation by a mover in no pain has likelihoods 0.3/0.5/0.7:
    # 0.09, 0.20, 0.21 (sum 0.50) -> 18% / 40% / 42%.
    post = bayes((0.3, 0.4, 0.3), move_likelihood("impose", mover_in_pain=False))
    assert post == pytest.approx((0.18, 0.40, 0.42))
    # Escalating under pain is a costlier signal (0.1/0.4/0.8): 0.03, 0.16, 0.24 (sum 0.43).
    assert bayes((0.3, 0.4, 0.3), move_likelihood("threaten", True)) == pytest.approx((0.03 / 0.43, 0.16 / 0.43, 0.24 / 0.43))
    # Backing down (0.6/0.3/0.1): 0.18, 0.12, 0.03 (sum 0.33): weakness.
    assert bayes((0.3, 0.4, 0.3), move_likelihood("back_down", False)) == pytest.approx((0.18 / 0.33, 0.12 / 0.33, 0.03 / 0.33))
    assert move_likelihood("protest", True) is None  # says nothing about resolve


def test_expected_cost_of_holding_out_by_hand() -> None:
    # A firm type holds out 180 days at no cost, half that at its tolerance rate (0.5 %/yr), a third at 1 %/yr.
    assert remaining_days(1, 0.0) == pytest.approx(180.0)
    assert remaining_days(1, 0.5) == pytest.approx(90.0)
    assert remaining_days(1, 1.0) == pytest.approx(60.0)
    assert remaining_days(0, 0.0) == pytest.approx(60.0) and remaining_days(2, 0.0) == pytest.approx(720.0)
    # Undiscounted: bearing 3.65 %/yr (0.01 %/day) while it keeps going (exponential, mean 180 days),
    # within a 365-day horizon: 0.01 x 180 x (1 - exp(-365/180)) = 1.563%.
    assert holding_cost_pct(3.65, 180.0, 0.0, 365) == pytest.approx(0.01 * 180 * (1 - math.exp(-365 / 180)))
    # Discounting at 5%/yr adds 0.05/365 per day to the hazard.
    k = 1 / 180 + 0.05 / 365
    assert discounted_days(180.0, 0.05, 365) == pytest.approx((1 - math.exp(-k * 365)) / k)
    # Over a belief: opponent bears 0.5 %/yr -> soft 60/(1 + 5) = 10, firm 180/2 = 90 days.
    hold = expected_holding_cost((0.5, 0.5, 0.0), 3.65, 0.5, 0.0, 365)
    assert hold.days == pytest.approx(0.5 * 10 + 0.5 * 90)
    expected = 0.5 * 0.01 * 10 * (1 - math.exp(-365 / 10)) + 0.5 * 0.01 * 90 * (1 - math.exp(-365 / 90))
    assert hold.cost_pct == pytest.approx(expected)
    assert "3.650%/yr x ~50 days" in hold.text("C") and "soft 50% / firm 50% / resolute 0%" in hold.text("C")


def test_give_in_probability_and_credibility_by_hand() -> None:
    # A target bearing 1 %/yr: soft 60/11 days, firm 60, resolute 480: chances within a year
    # 1 - exp(-365 x 11/60), 1 - exp(-365/60), 1 - exp(-365/480).
    p = give_in_probability((0.2, 0.3, 0.5), 1.0, 365)
    assert p == pytest.approx(0.2 * (1 - math.exp(-365 * 11 / 60)) + 0.3 * (1 - math.exp(-365 / 60)) + 0.5 * (1 - math.exp(-365 / 480)))
    # Bearing nothing, it still gives in sometimes: resolute only within 720 days on average.
    assert give_in_probability((0.0, 0.0, 1.0), 0.0, 365) == pytest.approx(1 - math.exp(-365 / 720))
    assert credibility((0.2, 0.3, 0.5)) == pytest.approx(0.2 * 0.3 + 0.3 * 0.6 + 0.5 * 0.9)


def test_learning_from_persistence_by_hand() -> None:
    # Holding out 90 days at a cumulative felt cost of 0.1% of a year's GDP: the integrated hazard
    # (90 + 365 x 0.1 / tolerance) / hold days is (90 + 365) / 60 for soft, (90 + 73) / 180 for firm
    # and (90 + 18.25) / 720 for resolute.
    lik = persistence_likelihood(90, 0.1)
    assert lik == pytest.approx((math.exp(-455 / 60), math.exp(-163 / 180), math.exp(-108.25 / 720)))
    post = learn_from_persistence((0.3, 0.4, 0.3), 90, 0.1)
    expected = [p * q for p, q in zip((0.3, 0.4, 0.3), lik)]
    assert post == pytest.approx(tuple(x / sum(expected) for x in expected))
    assert post[2] > 0.3 > post[0]  # standing firm makes a resolute type likelier, a soft one less
    # Nothing seen yet: no change. Years at a high cost: far below what floats hold, still a belief.
    assert learn_from_persistence((0.3, 0.4, 0.3), 0, 0.0) == pytest.approx((0.3, 0.4, 0.3))
    assert learn_from_persistence((0.3, 0.4, 0.3), 5000, 50.0) == pytest.approx((0.0, 0.0, 1.0))
    assert persistence_likelihood(-5, -1.0) == (1.0, 1.0, 1.0)  # (no negative time or cost)


def test_an_off_ramp_offer_stands_until_the_other_side_answers_it() -> None:
    from agents.base import Move

    class Record:
        def __init__(self, moves: list[Move]) -> None:
            self.record = moves

        def moves(self, actor=None, kind=None, target=None, label=None):  # type: ignore[no-untyped-def]
            return tuple(m for m in self.record if (actor is None or m.actor == actor) and (kind is None or m.kind == kind)
                         and (target is None or m.target == target))

    offer = Move(10, "C", "offramp", "summit_offramp", "T", "summit")
    renewed = Move(20, "C", "offramp", "summit_offramp", "T", "summit")
    answer = Move(25, "T", "offramp", "summit_offramp", "C", "summit")
    assert offramps(Record([]), "C", "T") == (None, ())
    assert offramps(Record([offer]), "C", "T") == (offer, ())  # an offer alone settles nothing
    assert offramps(Record([offer, renewed]), "T", "C") == (renewed, ())
    assert offramps(Record([offer, renewed, answer]), "C", "T") == (None, (answer,))  # the answer settles
    later = Move(400, "T", "offramp", "summit_offramp", "C", "summit")
    assert offramps(Record([offer, answer, later]), "C", "T") == (later, (answer,))  # a new offer stands


def test_model_beliefs_learn_from_moves_and_perception_errors_persist() -> None:
    from sim.config import load_scenario
    from sim.model import CoercionModel

    # (A resolute China: its first rung is worth 6 temperatures more than holding, so it opens on day 0.)
    sc = load_scenario("experiments/tiny/rare_earth_curb.toml", ["horizon_days=3", "governments.CN.resolve_type='resolute'"])
    model = CoercionModel(sc, np.random.SeedSequence(5))
    view = model.view
    assert view.belief("JP", "CN") == pytest.approx(DEFAULT_PRIOR)  # the (calibrated) prior
    # The same estimate every time it is asked (drawn once per replication, not per call) ...
    model.cum_gdp_loss[:] = 1e9
    first = view.perceived_pain("JP", "CN")
    assert all(view.perceived_pain("JP", "CN") == first for _ in range(5))
    assert first != pytest.approx(view.gdp_loss_pct("CN"))  # noise 0.3: off by some factor
    assert view.perceived_pain("CN", "CN") == view.gdp_loss_pct("CN")  # it knows its own
    model.run()
    moves = [(mv.actor, mv.kind) for mv in model.moves if mv.actor == "CN"]
    assert ("CN", "impose") in moves  # China's first rung on day 0
    # Every escalation by China moved Japan's belief towards "resolute", by Bayes' rule.
    belief = DEFAULT_PRIOR
    for _actor, kind in moves:
        lik = move_likelihood(kind, False)
        if lik is not None:
            belief = bayes(belief, lik)
    assert view.belief("JP", "CN") == pytest.approx(belief)
    assert view.belief("JP", "CN")[2] > DEFAULT_PRIOR[2]


def test_governments_decide_on_news_and_otherwise_on_their_slow_clock() -> None:
    from agents.base import Move
    from sim.config import load_scenario
    from sim.model import CoercionModel

    sc = load_scenario("experiments/tiny/rare_earth_curb.toml", ["horizon_days=3"])
    model = CoercionModel(sc, np.random.SeedSequence(0))
    view = model.view
    us = next(g for g in model.governments if g.country == "US")
    assert us.interests() == {"US", "JP", "CN"}  # the countries its rules name
    model.day = 5  # not on its 28-day clock
    assert not us.is_decision_day(5)
    assert not us.has_news(view, (), 0.0)
    assert us.has_news(view, (Move(5, "CN", "impose", "x", "JP", "r"),), 0.0)  # a move concerning its ally
    assert not us.has_news(view, (Move(5, "US", "support", "x", "JP", "r"),), 0.0)  # its own move is not news
    assert not us.has_news(view, (Move(5, "KR", "stay_out", "x", "ROW", "r"),), 0.0)  # nor one elsewhere
    us.last_rate = 0.1
    assert us.has_news(view, (), 0.25)  # its own cost rate more than doubled: a threshold crossed
    model.day = 355
    assert us.has_news(view, (), 0.0)  # the APEC window opens today
    cn = next(g for g in model.governments if g.country == "CN")
    threat = next(r for r in cn.rules if r.name == "threat")
    model.moves.append(Move(10, "CN", "threaten", "threaten_ree_licensing", "JP", "threat"))
    model.day = 52
    assert threat.due(view) and cn.has_news(view, (), 0.0)  # a deadline falls due (10 + 42)


def test_a_concession_while_a_threat_is_pending_is_a_threat_that_succeeded() -> None:
    from sim.outcomes import classify

    def ev(day: int, actor: str, kind: str, action: str, target: str) -> dict[str, object]:
        return {"day": day, "actor": actor, "kind": kind, "action": action, "target": target}

    threat = ev(0, "C", "threaten", "threaten_ban", "T")
    warning = ev(1, "C", "impose", "warning_shot", "T")
    concede = ev(20, "T", "concede", "concede", "C")
    # Conceded before any measure, or while the ban was still only threatened: the threat worked.
    assert classify([threat, concede], [], "C", "T") == ("threat_succeeded", 20.0)
    assert classify([threat, warning, concede], [("C", "T")], "C", "T") == ("threat_succeeded", 20.0)
    # Once the threatened ban is imposed (or the threat dropped), a concession is to the measures.
    imposed = ev(10, "C", "impose", "ban", "T")
    assert classify([threat, warning, imposed, concede], [], "C", "T") == ("target_concedes", 20.0)
    dropped = ev(10, "C", "drop_threat", "drop_ban", "T")
    assert classify([threat, warning, dropped, concede], [], "C", "T") == ("target_concedes", 20.0)


def test_a_change_of_government_redraws_resolve_and_resets_beliefs() -> None:
    from sim.config import load_scenario
    from sim.model import CoercionModel

    tiny = "experiments/tiny/rare_earth_curb.toml"
    sc = load_scenario(tiny, ["horizon_days=40", "governments.JP.leadership_changes=[30]"])
    model = CoercionModel(sc, np.random.SeedSequence(3))
    while model.day < 30:
        model.step()
    model.beliefs[("CN", "JP")] = (0.1, 0.1, 0.8)  # whatever China has learnt about Japan so far
    model._leadership(30)
    (change,) = [e for e in model.events if e["kind"] == "leadership_change"]
    assert change["day"] == 30 and change["actor"] == "JP" and change["action"] == "new_government"
    assert "scheduled change of government: resolve" in change["reason"]
    assert model.view.belief("CN", "JP") == pytest.approx(DEFAULT_PRIOR)  # back to China's prior
    assert model.resolve_type["JP"] in (0, 1, 2)
    # Unscheduled changes at 365 a year (one a day on average) come within days, from the
    # country's own stream: the same seed gives the same days.
    sc = load_scenario(tiny, ["horizon_days=10", "governments.US.leadership_change_per_year=365"])
    runs = []
    for _ in range(2):
        model = CoercionModel(sc, np.random.SeedSequence(3))
        model.run()
        runs.append([e["day"] for e in model.events if e["kind"] == "leadership_change"])
    assert runs[0] == runs[1] and len(runs[0]) >= 3


def test_a_non_trade_lever_is_felt_by_both_sides_while_in_force() -> None:
    from agents.base import LEVER, LIFT, Action
    from sim.config import load_scenario
    from sim.model import CoercionModel

    sc = load_scenario("experiments/tiny/rare_earth_curb.toml", ["horizon_days=20", "governments.CN.rules=[]",
                                                                   "governments.JP.rules=[]", "governments.US.rules=[]"])
    model = CoercionModel(sc, np.random.SeedSequence(0))
    view = model.view
    model._apply("CN", Action(LEVER, "tourism_boycott", "test", "why", target="JP", measure_key="CN>JP:tourism_boycott",
                              amount=0.365, own_cost_pct=0.0365))
    assert view.levers_in_force(actor="CN", target="JP") == ("CN>JP:tourism_boycott",)
    assert view.cost_rate_pct("JP") == pytest.approx(view.loss_rate_pct("JP") + view.lobbying_pressure("JP") + 0.365)
    felt = view.felt_cost_pct("JP")
    model.step()
    # 0.365 %/yr is 0.001% a day on top of whatever else Japan felt that day.
    assert view.felt_cost_pct("JP") - felt >= 0.001 - 1e-12
    model._apply("CN", Action(LIFT, "end_tourism_boycott", "test", "why", target="JP", measure_keys=("CN>JP:tourism_boycott",)))
    assert view.levers_in_force() == () and model.lever_rate.sum() == 0.0
    assert [e["kind"] for e in model.events] == ["lever", "lift"]


class _Clock:
    """The least of a view a government's decision needs: the day and no calendar windows."""

    def __init__(self) -> None:
        self.day = 0

    def windows_open(self, party: str | None = None) -> tuple:
        return ()


def test_a_threshold_crossed_between_clock_ticks_is_news() -> None:
    import mesa

    from agents.base import Action, Rule, RuleContext
    from agents.government import GovernmentAgent

    class Tiring(Rule):
        """Conceding gains 0.01 (% of GDP) a day on holding: -0.295 on day 0, level on day 29.5."""

        def propose(self, view):  # type: ignore[no-untyped-def]
            return [Action("concede", "concede", "tiring", "why", utility=-0.295 + 0.01 * view.day)]

    rng = np.random.default_rng(0)
    gov = GovernmentAgent(mesa.Model(), "T", [Tiring(None, RuleContext("T", rng))], 28, 0.0, rng)  # type: ignore[arg-type]
    clock = _Clock()
    decided = {}
    for day in range(60):
        clock.day = day
        for action in gov.decide(clock):  # type: ignore[arg-type]
            decided.setdefault(action.label, (day, action.reason))
        if "concede" in decided:
            break
    # Day 0 (clock): lead -0.295, no trend yet. Day 28 (clock): lead -0.015, gaining 0.28 / 28 = 0.01 a
    # day, level in 1.5 days (within 2 x 28): watched. Day 29: -0.005. Day 30: +0.005, ahead — decided
    # that day, not on day 56 (the next tick).
    day, reason = decided["concede"]
    assert day == 30
    assert "threshold crossed: concede now leads holding by 0.0050" in reason and "trailed by 0.0150 on day 28" in reason
    assert "[decided on 28-day clock]" in decided["hold"][1]
    # Losing ground, or too slowly to draw level within two periods, is not watched.
    slow = GovernmentAgent(mesa.Model(), "T", [Tiring(None, RuleContext("T", rng))], 28, 0.0, rng)  # type: ignore[arg-type]
    slow._watch(0, (("concede", -0.30), ("hold", 0.0)))
    slow._watch(28, (("concede", -0.29), ("hold", 0.0)))  # 0.29 / (0.01 / 28) days away: far beyond 56
    assert not slow.watched
    slow._watch(40, (("concede", -0.05), ("hold", 0.0)))  # 0.05 / 0.02 = 2.5 days away
    assert slow.watched == {"concede": (40, -0.05)}
    slow._watch(50, (("concede", -0.10), ("hold", 0.0)))  # falling back
    assert not slow.watched
