"""Each policy rule in a hand-built small world where the expected decision is obvious.

The world is a :class:`FakeView` whose numbers are set by hand (pain, lobbying, trade, the public
record of moves), so each expected utility can be worked out on paper; a few tests then run the
rules in the real model on a small scenario (differentiated controls, diversification).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from agents.base import Action, Move, RuleContext, Window, build_rule, decide, measure_key
from agents.firm import lobbying_pressure
from agents.strategy import expected_holding_cost, give_in_probability, learn_from_persistence
from sim.config import MeasureSpec

# Three countries: C coerces T; A is T's ally. Products: ore (civilian), resist (advanced),
# wafer (mature), car (civilian final good).
TIERS = {"ore": "civilian", "resist": "advanced", "wafer": "mature", "car": "civilian"}


@dataclass
class FakeView:
    day: int = 0
    countries: tuple[str, ...] = ("C", "T", "A")
    products: tuple[str, ...] = tuple(TIERS)
    firms: tuple[str, ...] = ("maker",)
    pain: dict[str, float] = field(default_factory=dict)
    pressure: dict[str, float] = field(default_factory=dict)
    measures: dict[str, MeasureSpec] = field(default_factory=dict)
    record: list[Move] = field(default_factory=list)
    windows: tuple[Window, ...] = ()
    trade: dict[tuple[str, str, str], float] = field(default_factory=dict)  # USD per year
    share: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (importer, exporter, product)
    multiplier: dict[str, float] = field(default_factory=dict)
    gdps: dict[str, float] = field(default_factory=lambda: {"C": 1e12, "T": 1e12, "A": 1e12})
    exports_change: dict[str, float] = field(default_factory=dict)
    loss_share: dict[str, float] = field(default_factory=dict)
    cover: dict[tuple[str, str], float] = field(default_factory=dict)
    rate: dict[str, float] = field(default_factory=dict)  # GDP-loss rate, % of GDP per year
    beliefs: dict[tuple[str, str], tuple[float, ...]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)  # own resolve type's weight
    levers: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (actor, target)
    target_cover: dict[tuple[str, str], float] = field(default_factory=dict)  # days; the scenario's is 30
    mix: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (firm, product, supplier) share

    def target_cover_days(self, firm: str, product: str, baseline: bool = False) -> float:
        return 30.0 if baseline else self.target_cover.get((firm, product), 30.0)

    def firm_supplier_share(self, firm: str, product: str, country: str) -> float:
        return self.mix.get((firm, product, country), 0.0)

    def levers_in_force(self, actor: str | None = None, target: str | None = None) -> tuple[str, ...]:
        return tuple(k for k, (a, t) in self.levers.items() if (actor is None or a == actor) and (target is None or t == target))

    def loss_rate_pct(self, country: str) -> float:
        return self.rate.get(country, 0.0)

    def cost_rate_pct(self, country: str) -> float:
        return self.loss_rate_pct(country) + self.lobbying_pressure(country)

    def felt_cost_pct(self, country: str) -> float:
        return self.pain.get(country, 0.0)

    def perceived_cost_rate(self, observer: str, country: str) -> float:
        return self.cost_rate_pct(country)

    def perceived_felt_cost(self, observer: str, country: str) -> float:
        return self.felt_cost_pct(country)

    def belief(self, observer: str, country: str) -> tuple[float, ...]:
        return self.beliefs.get((observer, country), (0.3, 0.4, 0.3))

    def firm_size_pct(self, firm: str) -> float:
        return 0.5

    def firm_heard(self, firm: str) -> bool:
        return True

    def resolve_weight(self, country: str) -> float:
        return self.weights.get(country, 1.0)

    def gdp_loss_pct(self, country: str) -> float:
        return self.pain.get(country, 0.0)

    def perceived_pain(self, observer: str, country: str) -> float:
        return self.pain.get(country, 0.0)

    def lobbying_pressure(self, country: str) -> float:
        return self.pressure.get(country, 0.0)

    def price_multiple(self, country: str, product: str) -> float:
        return 1.0

    def measures_in_force(self, actor: str | None = None, target: str | None = None) -> dict[str, Any]:
        return {
            k: s for k, s in self.measures.items()
            if (actor is None or s.actor == actor) and (target is None or s.target in (target, "all"))
        }

    def moves(self, actor=None, kind=None, target=None, label=None):  # type: ignore[no-untyped-def]
        return tuple(
            m for m in self.record
            if (actor is None or m.actor == actor) and (kind is None or m.kind == kind)
            and (target is None or m.target == target) and (label is None or m.label == label)
        )

    def windows_open(self, party: str | None = None) -> tuple[Window, ...]:
        return tuple(w for w in self.windows if w.start_day <= self.day <= w.end_day and (party is None or party in w.parties))

    def tier(self, product: str) -> str:
        return TIERS[product]

    def supply_share(self, importer: str, exporter: str, product: str) -> float:
        return self.share.get((importer, exporter, product), 0.0)

    def trade_value(self, exporter: str, importer: str, product: str) -> float:
        return self.trade.get((exporter, importer, product), 0.0)

    def downstream_multiplier(self, product: str) -> float:
        return self.multiplier.get(product, 1.0)

    def gdp(self, country: str) -> float:
        return self.gdps[country]

    def export_change_pct(self, country: str) -> float:
        return self.exports_change.get(country, 0.0)

    def firm_loss_share(self, firm: str) -> float:
        return self.loss_share.get(firm, 0.0)

    def firm_country(self, firm: str) -> str:
        return "T"

    def firm_product(self, firm: str) -> str:
        return "car"

    def days_of_cover(self, firm: str, product: str) -> float:
        return self.cover.get((firm, product), 60.0)

    def ramp_up_days(self, product: str) -> int:
        return 90

    def base_price(self, product: str) -> float:
        return 1000.0

    def baseline_use(self, firm: str, product: str) -> float:
        return 2.0

    # helpers for tests
    def impose(self, actor: str, target: str, label: str, measure: str = "export_ban", products=("ore",), day: int = 0) -> str:  # type: ignore[no-untyped-def]
        key = measure_key(actor, target, label)
        rate = 0.1 if measure == "tariff" else 0.0
        self.measures[key] = MeasureSpec(measure=measure, actor=actor, target=target, products=list(products), rate=rate, label=label)
        self.record.append(Move(day, actor, "impose", label, target, "test"))
        return key

    def say(self, actor: str, kind: str, label: str, target: str, day: int = 0) -> None:
        self.record.append(Move(day, actor, kind, label, target, "test"))


def rule(name: str, actor: str, **params: Any):  # type: ignore[no-untyped-def]
    return build_rule(name, params, RuleContext(actor=actor, rng=np.random.default_rng(0)))


def best(actions: list[Action]) -> Action:
    return max(actions, key=lambda a: a.utility)


LADDER = dict(
    target="T", min_days_between_rungs=14, stake_pct=0.5, audience_cost_pct=0.1, reputation_pct=0.1,
    discount_per_year=0.0,
    rungs=[
        {"label": "protest", "kind": "protest"},
        {"label": "ore_licensing", "measure": {"measure": "export_licensing", "products": ["ore"], "enforcement": 0.5, "approval_rate": 0.0}},
        {"label": "ore_ban", "measure": {"measure": "export_ban", "products": ["ore"]}, "replaces": ["ore_licensing"]},
    ],
)
ORE = dict(trade={("C", "T", "ore"): 1e10}, share={("T", "C", "ore"): 0.5})


# ----------------------------------------------------------------------------- escalation_ladder


def test_ladder_climbs_one_rung_at_a_time_no_faster_than_its_gap() -> None:
    ladder = rule("escalation_ladder", "C", **LADDER)
    view = FakeView(day=0, **ORE)
    protest, skip = ladder.propose(view)
    # A declaratory rung has no leverage and no cost: utility 0 (as good as holding); the ladder
    # may pass over one rung, so the next (licensing) is an alternative.
    assert (protest.kind, protest.label, protest.rung, protest.utility) == ("protest", "protest", 1, 0.0)
    assert skip.label == "ore_licensing"
    view.say("C", "protest", "protest", "T", day=0)
    view.day = 7
    assert ladder.propose(view) == []  # 7 days < 14 between rungs
    view.day = 14
    climb, ban = ladder.propose(view)
    assert ban.label == "ore_ban"
    # Leverage 1e10 x 0.5 (T's dependence) x 1 x 0.5 (enforcement) / 1e12 = 0.25 %/yr of T's GDP;
    # exposure 1e10 x 0.5 / 1e12 = 0.5 %/yr of C's. Gain = stake 0.5 x rise in T's chance to give in.
    # T has held out 14 days (since the protest) at no cost: the prior 30/40/30 times the chance of
    # that under each type, exp(-14/60), exp(-14/180), exp(-14/720): 0.2376, 0.3701, 0.2942 -> 26/41/33%.
    belief = (0.3 * math.exp(-14 / 60), 0.4 * math.exp(-14 / 180), 0.3 * math.exp(-14 / 720))
    belief = tuple(b / sum(belief) for b in belief)
    assert learn_from_persistence((0.3, 0.4, 0.3), 14, 0.0) == pytest.approx(belief)
    rise = give_in_probability(belief, 0.25, 365) - give_in_probability(belief, 0.0, 365)
    cost = expected_holding_cost(belief, 0.5, 0.25, 0.0, 365).cost_pct
    assert climb.label == "ore_licensing" and climb.kind == "impose" and climb.rung == 2
    assert climb.utility == pytest.approx(0.5 * rise - cost)
    assert "leverage 0.250%/yr of T's GDP" in climb.reason and "soft 26% / firm 41% / resolute 33%" in climb.reason
    assert climb.measure.enforcement == 0.5 and climb.measure_key == "C>T:ore_licensing"
    view.impose("C", "T", "ore_licensing", "export_licensing", day=14)
    view.day = 28
    back, ban = ladder.propose(view)
    assert ban.label == "ore_ban" and ban.measure_keys == ("C>T:ore_licensing",)  # the ban replaces licensing
    del view.measures["C>T:ore_licensing"]  # replaced by the ban
    view.impose("C", "T", "ore_ban", day=28)
    view.day = 60
    assert [a.kind for a in ladder.propose(view)] == ["back_down"]  # top of the ladder
    assert back.kind == "back_down"


def test_a_ladder_may_impose_a_global_regime_counting_its_exposure_everywhere() -> None:
    ladder = rule("escalation_ladder", "C", **{**LADDER, "destinations": "all"})
    view = FakeView(day=0, trade={("C", "T", "ore"): 1e10, ("C", "A", "ore"): 5e9}, share={("T", "C", "ore"): 0.5})
    _, climb = ladder.propose(view)
    # Leverage over T as before (0.25 %/yr); exposure over every destination: (1e10 + 5e9) x 0.5 / 1e12 = 0.75 %/yr.
    belief = (0.3, 0.4, 0.3)
    rise = give_in_probability(belief, 0.25, 365) - give_in_probability(belief, 0.0, 365)
    assert climb.measure.target == "all" and climb.measure_key == "C>T:ore_licensing"
    assert climb.utility == pytest.approx(0.5 * rise - expected_holding_cost(belief, 0.75, 0.25, 0.0, 365).cost_pct)
    view.measures[climb.measure_key] = climb.measure
    view.say("C", "impose", "ore_licensing", "T", day=0)
    view.day = 30
    (back,) = [a for a in ladder.propose(view) if a.kind == "back_down"]
    assert back.measure_keys == ("C>T:ore_licensing",)  # a global regime is lifted with the rest


def test_ladder_accepts_a_concession_and_lifts_everything() -> None:
    ladder = rule("escalation_ladder", "C", **LADDER)
    view = FakeView(day=30)
    key = view.impose("C", "T", "ore_licensing", "export_licensing")
    view.say("T", "concede", "concede", "C", day=21)
    (accept,) = ladder.propose(view)
    assert accept.kind == "accept" and accept.measure_keys == (key,) and accept.utility == 0.5  # the stake
    view.say("C", "accept", "accept_concession", "T", day=30)
    view.day = 60
    assert ladder.propose(view) == []  # over


def test_ladder_backs_down_when_holding_out_costs_more_than_the_stake_is_worth() -> None:
    ladder = rule("escalation_ladder", "C", **{**LADDER, "condemnation_pct": 0.5})
    # C bears 2 %/yr of its GDP (1 of GDP loss + 1 of its firms' lobbying); T bears 0.5 %/yr.
    view = FakeView(day=30, rate={"C": 1.0, "T": 0.5}, pressure={"C": 1.0}, beliefs={("C", "T"): (0.0, 0.0, 1.0)})
    key = view.impose("C", "T", "ore_licensing", "export_licensing")
    (back,) = [a for a in ladder.propose(view) if a.kind == "back_down"]
    # T is believed resolute: 720 / (1 + 0.5/2) = 576 days; C's cost 2 %/yr over them within a year,
    # undiscounted: 2/365 x 576 x (1 - exp(-365/576)); stake 0.5 x chance 1 - exp(-365/576).
    p = 1 - math.exp(-365 / 576)
    hold = 2 / 365 * 576 * p
    assert back.measure_keys == (key,) and back.utility == pytest.approx(hold - 0.5 * p - 0.2)
    assert back.utility > 0  # worth more than holding the rungs
    # Allies' support and legal moves condemn it: 0.5 %/yr more for each.
    view.say("A", "support", "support_ally", "T")
    view.say("T", "legal_action", "wto_complaint", "C")
    (back2,) = [a for a in ladder.propose(view) if a.kind == "back_down"]
    assert back2.utility == pytest.approx(3 / 365 * 576 * p - 0.5 * p - 0.2)
    assert "2 support/legal move(s) condemn it" in back2.reason


def test_partial_truce_suspends_the_top_rung_by_hand() -> None:
    rungs = [
        {"label": "ore_curb", "measure": {"measure": "export_ban", "products": ["ore"], "enforcement": 0.5}, "target_cost_pct": 0.2},
        {"label": "wafer_ban", "measure": {"measure": "export_ban", "products": ["wafer"]}, "target_cost_pct": 0.3,
         "backlash_pct": 0.1},
    ]
    ladder = rule("escalation_ladder", "C", **{**LADDER, "rungs": rungs})
    view = FakeView(day=60, rate={"T": 0.5}, trade={("C", "T", "ore"): 1e10, ("C", "T", "wafer"): 2e9})
    view.impose("C", "T", "ore_curb", day=0)
    top = view.impose("C", "T", "wafer_ban", day=20)
    (suspend,) = [a for a in ladder.propose(view) if a.label == "suspend_wafer_ban"]
    # The wafer ban costs T 0.3 of the 0.5 %/yr it bears and C 2e9/1e12 = 0.2 %/yr of exports plus
    # 0.1 %/yr abroad. T has held out 60 days at no felt cost: C's belief is the prior updated by it.
    belief = learn_from_persistence((0.3, 0.4, 0.3), 60, 0.0)
    saved = expected_holding_cost(belief, 0.3, 0.5, 0.0, 365).cost_pct
    lost = 0.5 * (give_in_probability(belief, 0.5, 365) - give_in_probability(belief, 0.2, 365))
    assert suspend.kind == "lift" and suspend.measure_keys == (top,)
    assert suspend.utility == pytest.approx(saved - lost - 0.05)  # half of reputation 0.1


def test_the_truce_may_break_a_new_round_after_a_back_down() -> None:
    ladder = rule("escalation_ladder", "C", **{**LADDER, "max_rounds": 2, "truce_days": 30})
    view = FakeView(day=5, **ORE)
    view.say("C", "protest", "protest", "T", day=0)
    view.say("C", "back_down", "back_down", "T", day=10)
    view.day = 20
    assert ladder.propose(view) == []  # the truce holds for 30 days
    view.day = 40
    assert [a.label for a in ladder.propose(view)] == ["protest", "ore_licensing"]  # from the first rung again
    view.say("C", "protest", "protest", "T", day=40)
    view.say("C", "offramp", "summit_offramp", "T", day=45)
    view.day = 200
    assert ladder.propose(view) != []  # an unanswered off-ramp offer ends nothing
    view.say("T", "offramp", "summit_offramp", "C", day=50)  # T answers: a settlement ends the round
    assert ladder.propose(view) == []  # two rounds at most
    once = rule("escalation_ladder", "C", **{**LADDER, "max_rounds": 3, "truce_days": 0})
    accepted = FakeView(day=100)
    accepted.say("T", "concede", "concede", "C", day=30)
    accepted.say("C", "accept", "accept_concession", "T", day=31)
    assert once.propose(accepted) == []  # after a concession the stake is won: no new round


def test_ladder_waits_for_a_rung_that_is_under_threat() -> None:
    ladder = rule("escalation_ladder", "C", **LADDER)
    view = FakeView(day=20)
    view.say("C", "protest", "protest", "T", day=0)
    view.say("C", "threaten", "threaten_ore_licensing", "T", day=5)
    assert ladder.propose(view) == []  # nor does it climb past the threatened rung


# ---------------------------------------------------------------------------------------- threat

THREAT = dict(target="T", after="protest", deadline_days=30, max_extensions=1, stake_pct=0.5, reputation_pct=0.2,
              discount_per_year=0.0, measure={"measure": "export_ban", "products": ["ore"], "label": "ore_ban"}, rung=2)


def test_threat_is_issued_then_carried_out_extended_or_dropped_at_the_deadline() -> None:
    threat = rule("threat", "C", **THREAT)
    view = FakeView(day=3, trade={("C", "T", "ore"): 1e9}, share={("T", "C", "ore"): 0.5}, multiplier={"ore": 4})
    assert threat.propose(view) == []  # only after the protest
    view.say("C", "protest", "protest", "T", day=0)
    (issue,) = threat.propose(view)
    # At stake: 1e9 x 0.5 x 4 x 1.0 / 1e12 = 0.2 %/yr of T's GDP; issuing is worth stake x the rise
    # in T's chance of giving in that it brings (words cost nothing now).
    belief = (0.3, 0.4, 0.3)
    rise = give_in_probability(belief, 0.2, 365) - give_in_probability(belief, 0.0, 365)
    assert issue.kind == "threaten" and issue.label == "threaten_ore_ban" and "0.200%/yr of T's GDP" in issue.reason
    assert issue.utility == pytest.approx(0.5 * rise)
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    view.day = 32
    assert threat.propose(view) == [] and not threat.due(view)  # deadline day 33 not reached
    view.day = 33
    assert threat.due(view)  # the deadline is news: the coercer decides that day
    carry, drop, extend = threat.propose(view)
    # T called the threat: it held out 30 days (at no felt cost), news of its resolve.
    called = learn_from_persistence(belief, 30, 0.0)
    rise = give_in_probability(called, 0.2, 365) - give_in_probability(called, 0.0, 365)
    exposure = expected_holding_cost(called, 0.1, 0.2, 0.0, 365).cost_pct  # 1e9 / 1e12 = 0.1 %/yr of own GDP
    # Past the deadline the status quo is the lapse: carrying out is worth its gain - its cost +
    # the reputation a lapse would lose (0.2); extending saves half of it; lapsing is 0.
    assert (carry.kind, carry.rung) == ("impose", 2) and carry.utility == pytest.approx(0.5 * rise - exposure + 0.2)
    assert (drop.kind, drop.utility) == ("drop_threat", pytest.approx(0.0))
    assert (extend.kind, extend.utility) == ("extend_threat", pytest.approx(0.1))
    assert "T held out 30 days" in carry.reason and "let it lapse" in drop.reason
    view.say("C", "extend_threat", "extend_ore_ban", "T", day=33)
    view.day = 63
    labels = [a.label for a in threat.propose(view)]
    assert labels == ["ore_ban", "drop_ore_ban"]  # no second extension


def test_a_called_threat_lapses_when_carrying_it_out_costs_more_than_the_credibility_lost() -> None:
    # As above, but carrying the ban out costs C 1 %/yr abroad on top of its 0.1 %/yr of exports.
    threat = rule("threat", "C", **{**THREAT, "after": None, "backlash_pct": 1.0, "max_extensions": 0})
    view = FakeView(day=33, trade={("C", "T", "ore"): 1e9}, share={("T", "C", "ore"): 0.5}, multiplier={"ore": 4})
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    called = learn_from_persistence((0.3, 0.4, 0.3), 30, 0.0)
    gain = 0.5 * (give_in_probability(called, 0.2, 365) - give_in_probability(called, 0.0, 365))
    cost = expected_holding_cost(called, 1.1, 0.2, 0.0, 365).cost_pct
    assert gain - cost < -0.2  # carrying out loses more than the lapse's lost reputation
    (lapse,) = threat.propose(view)
    assert (lapse.kind, lapse.label, lapse.mandatory, lapse.utility) == ("drop_threat", "drop_ore_ban", True, 0.0)
    assert f"{gain:.2f}% - own cost {cost:.2f}%" in lapse.reason and "1.000%/yr abroad" in lapse.reason
    assert dict(lapse.alternatives)["ore_ban"] == pytest.approx(gain - cost + 0.2)
    # Credibility dearer than the cost of carrying it out: the same threat is carried out.
    keen = rule("threat", "C", **{**THREAT, "after": None, "backlash_pct": 1.0, "max_extensions": 0,
                                  "reputation_pct": cost - gain + 0.05})
    carry, drop = keen.propose(view)
    assert carry.kind == "impose" and carry.utility == pytest.approx(0.05) and not drop.mandatory


def test_threat_succeeds_when_the_target_concedes_before_the_deadline() -> None:
    threat = rule("threat", "C", **{**THREAT, "after": None})
    view = FakeView(day=40)
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    view.say("T", "concede", "concede", "C", day=10)
    assert threat.propose(view) == []


def test_target_concedes_at_the_threat_stage_when_the_threat_costs_more_than_giving_in() -> None:
    # T expects the threatened measure to cost it 3.65 %/yr (0.01 %/day); C bears nothing, so a
    # soft C keeps it up 60 days on average, a resolute one 720: undiscounted, within a year,
    # 0.01 x D x (1 - exp(-365/D)), times the threat's credibility (0.3 soft, 0.9 resolute).
    concede = rule("concede", "T", coercer="C", audience_cost_pct=1.0, reputation_pct=0.5,
                   threatened_cost_pct=3.65, discount_per_year=0.0)
    view = FakeView(day=5, beliefs={("T", "C"): (1.0, 0.0, 0.0)})
    assert concede.propose(view) == []  # nothing threatened yet
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    (soft,) = concede.propose(view)
    at_stake = 0.01 * 60 * (1 - math.exp(-365 / 60))
    # Believed soft: 0.3 x 0.599% = 0.18% < 1.5% to give in: holding out is better.
    assert soft.utility == pytest.approx(0.3 * at_stake - 1.5) and soft.utility < 0
    assert "credibility 30%" in soft.reason
    view.beliefs = {("T", "C"): (0.0, 0.0, 1.0)}
    (resolute,) = concede.propose(view)
    # Believed resolute: 0.9 x 2.863% = 2.58% > 1.5%: it gives in before any measure.
    at_stake = 0.01 * 720 * (1 - math.exp(-365 / 720))
    assert resolute.utility == pytest.approx(0.9 * at_stake - 1.5) and resolute.utility > 0
    chosen = decide([concede], view, True, 0.0, np.random.default_rng(0))
    assert [a.kind for a in chosen] == ["concede"]


# -------------------------------------------------------------------------- wait_out and concede


def japan_rules(**wait: Any) -> list[Any]:
    return [
        rule("wait_out", "T", coercer="C", concession_cost_pct=1.5, discount_per_year=0.0, **wait),
        rule("retaliate", "T", against="C", tools=[{"measure": "export_ban", "products": ["resist"]}], discount_per_year=0.0),
        rule("concede", "T", coercer="C", audience_cost_pct=1.0, reputation_pct=0.5, discount_per_year=0.0),
    ]


def test_holding_out_by_hand_decides_between_waiting_and_conceding() -> None:
    # T bears 0.73 %/yr (0.002 %/day); C bears 0.5 %/yr and is believed firm: 180 / 2 = 90 days.
    # Holding out: 0.002 x 90 x (1 - exp(-365/90)) = 0.177% < 1.5% to give in: wait.
    view = FakeView(day=7, rate={"T": 0.73, "C": 0.5}, beliefs={("T", "C"): (0.0, 1.0, 0.0)})
    view.impose("C", "T", "ore_ban")
    view.say("T", "protest", "protest", "C")
    chosen = decide(japan_rules(), view, True, 0.0, np.random.default_rng(0))
    assert [a.kind for a in chosen] == ["wait_out"]
    cost = 0.002 * 90 * (1 - math.exp(-365 / 90))
    assert f"= {cost:.3f}%" in chosen[0].reason and "< giving in 1.50%" in chosen[0].reason
    concede_utility = dict(chosen[0].alternatives)["concede"]
    assert concede_utility == pytest.approx(cost - 1.5)
    # Its firms' lobbying adds 7.3 %/yr: 0.022 x 90 x (1 - exp(-365/90)) = 1.95% > 1.5%: concede.
    view.pressure = {"T": 7.3}
    own = view.impose("T", "C", "export_ban_resist", products=("resist",))
    (chosen,) = decide(japan_rules(), view, True, 0.0, np.random.default_rng(0))
    assert chosen.kind == "concede" and chosen.measure_keys == (own,)
    assert chosen.utility == pytest.approx(0.022 * 90 * (1 - math.exp(-365 / 90)) - 1.5)


def test_wait_out_protests_and_asks_for_support_once() -> None:
    wait = rule("wait_out", "T", coercer="C", seek_support_from="A")
    view = FakeView(day=0)
    assert wait.propose(view) == []  # no pressure, nothing to wait out
    view.impose("C", "T", "ore_ban")
    assert best(wait.propose(view)).kind == "protest"
    view.say("T", "protest", "protest", "C")
    assert best(wait.propose(view)).kind == "seek_support"
    view.say("T", "seek_support", "seek_support", "A")
    assert [a.kind for a in wait.propose(view)] == ["wait_out"]


# ------------------------------------------------------------------------------------- retaliate


def test_retaliate_picks_the_tool_that_shortens_the_coercers_resolve_most_net_of_exposure() -> None:
    tools = [
        {"measure": "export_ban", "products": ["wafer"], "label": "wafer_ban"},
        {"measure": "export_ban", "products": ["resist"], "label": "resist_ban"},
    ]
    retaliate = rule("retaliate", "T", against="C", tools=tools, max_exposure_pct=1.0, discount_per_year=0.0)
    # Wafers: a bigger flow C hardly depends on; resist: small, but C's only source and 20x downstream.
    view = FakeView(
        day=7, rate={"T": 1.0, "C": 0.1},
        trade={("T", "C", "wafer"): 8e9, ("T", "C", "resist"): 0.6e9},
        share={("C", "T", "wafer"): 0.1, ("C", "T", "resist"): 0.9},
        multiplier={"wafer": 1.0, "resist": 20.0},
    )
    view.impose("C", "T", "ore_ban")
    wafer, resist = retaliate.propose(view)
    # Leverage: wafers 8e9 x 0.1 x 1 / 1e12 = 0.08 %/yr; resist 0.6e9 x 0.9 x 20 / 1e12 = 1.08 %/yr.
    # Exposure: 0.8 and 0.06 %/yr of T's GDP. Utility = holding cost saved - exposure borne.
    belief = (0.3, 0.4, 0.3)
    now = expected_holding_cost(belief, 1.0, 0.1, 0.0, 365).cost_pct
    for action, lev, exp in ((wafer, 0.08, 0.8), (resist, 1.08, 0.06)):
        after = expected_holding_cost(belief, 1.0, 0.1 + lev, 0.0, 365).cost_pct
        assert action.utility == pytest.approx(now - after - expected_holding_cost(belief, exp, 0.1 + lev, 0.0, 365).cost_pct)
    assert resist.utility > 0 > wafer.utility
    chosen = decide([retaliate], view, True, 0.0, np.random.default_rng(0))[0]
    assert chosen.label == "resist_ban" and chosen.measure.products == ["resist"] and chosen.rung == 1
    assert "leverage 1.080%/yr of C's GDP" in chosen.reason


def test_retaliation_is_gated_by_ally_support_and_exposure_and_lifted_when_the_coercer_lifts() -> None:
    tool = {"measure": "export_ban", "products": ["resist"], "label": "resist_ban"}
    view = FakeView(day=7, trade={("T", "C", "resist"): 2e9}, share={("C", "T", "resist"): 0.9})
    coercion = view.impose("C", "T", "ore_ban")
    gated = rule("retaliate", "T", against="C", tools=[tool], require_support_from="A")
    assert gated.propose(view) == []
    view.say("A", "support", "support_ally", "T")
    assert gated.propose(view)[0].label == "resist_ban"
    exposed = rule("retaliate", "T", against="C", tools=[tool], max_exposure_pct=0.1)  # 2e9/1e12 = 0.2% > 0.1%
    assert exposed.propose(view) == []
    mine = view.impose("T", "C", "resist_ban", products=("resist",))
    assert gated.propose(view) == []  # tit for tat: one answer per measure
    del view.measures[coercion]
    (lift,) = gated.propose(view)
    assert lift.kind == "lift" and lift.measure_keys == (mine,)


def test_proportional_retaliation_scales_enforcement_to_own_pain() -> None:
    tool = {"measure": "export_ban", "products": ["resist"], "label": "resist_ban"}
    retaliate = rule("retaliate", "T", against="C", tools=[tool], mode="proportional")
    view = FakeView(day=7, pain={"T": 0.27}, trade={("T", "C", "resist"): 1e9},
                    share={("C", "T", "resist"): 0.9}, multiplier={"resist": 1.0})
    view.impose("C", "T", "ore_ban")
    (action,) = retaliate.propose(view)
    # Full leverage 1e9 x 0.9 / 1e12 = 0.09%; own pain 0.27% -> enforcement min(1, 3) = 1.
    assert action.measure.enforcement == 1.0
    view.pain = {"T": 0.045}
    assert retaliate.propose(view)[0].measure.enforcement == pytest.approx(0.5)


# ------------------------------------------------------------------------ differentiated_controls


def test_differentiated_controls_block_advanced_keep_mature_after_an_ally_asks() -> None:
    controls = rule("differentiated_controls", "T", target="C", align_with="A", discount_per_year=0.0)
    view = FakeView(day=7, trade={("T", "C", "resist"): 1e9, ("T", "C", "wafer"): 8e9})
    assert controls.propose(view) == []
    view.say("A", "request_alignment", "request_alignment", "T")
    impose, decline = controls.propose(view)
    assert impose.measure.tiers == ["advanced"] and impose.measure.products == []
    assert "block advanced (resist: 1.0 USD bn/yr), keep mature open (wafer: 8.0 USD bn/yr)" in impose.reason
    # 0.01 + 0.01 (request) - exposure 0.1 %/yr for the year (0.1/365 x 36500 x (1 - exp(-0.01))).
    exposure = 0.1 / 365 * 36500 * (1 - math.exp(-0.01))
    assert impose.utility == pytest.approx(0.02 - exposure) and decline.utility == 0.001


# ---------------------------------------------------------------------------------------- summit


def test_summit_offramp_only_in_the_window_and_reciprocated() -> None:
    summit = rule("summit", "C", counterpart="T", window="APEC", offramp_cost_pct=0.1, discount_per_year=0.0)
    view = FakeView(day=100, rate={"C": 0.2}, pressure={"C": 0.165}, beliefs={("C", "T"): (0.0, 0.0, 1.0)},
                    windows=(Window("APEC", 110, 120, ("C", "T")),))
    key = view.impose("C", "T", "ore_ban")
    assert summit.propose(view) == []  # not yet
    view.day = 112
    (alone,) = summit.propose(view)
    # C bears 0.365 %/yr (0.001 %/day); T bears nothing and, resolute, holds out 720 days:
    # holding out costs 0.001 x 720 x (1 - exp(-365/720)) = 0.2863%; alone, half of it - 0.1.
    hold = 0.001 * 720 * (1 - math.exp(-365 / 720))
    # An offer lifts nothing: it stands until T answers.
    assert alone.utility == pytest.approx(0.5 * hold - 0.1) and alone.measure_keys == ()
    assert "offers an off-ramp" in alone.reason
    view.say("C", "offramp", "summit_offramp", "T", day=112)
    assert summit.propose(view) == []  # its offer stands
    answer = rule("summit", "T", counterpart="C", window="APEC", offramp_cost_pct=0.1, discount_per_year=0.0)
    counter = view.impose("T", "C", "resist_ban", products=("resist",))
    view.rate["T"] = 0.73  # T bears 0.002 %/day; C, believed resolute and bearing 0.365 %/yr, keeps
    view.beliefs[("T", "C")] = (0.0, 0.0, 1.0)  # going 720 / (1 + 0.365/2) days
    days = 720 / (1 + 0.365 / 2)
    (settle,) = answer.propose(view)
    assert settle.utility == pytest.approx(0.002 * days * (1 - math.exp(-365 / days)) - 0.1) and "accepts C's off-ramp offer of day 112" in settle.reason
    assert set(settle.measure_keys) == {key, counter}  # both step back: its own measure and C's
    chosen = decide([answer], view, True, 0.0, np.random.default_rng(0))[0]
    assert chosen.kind == "offramp"
    view.day = 130
    assert summit.propose(view) == []  # window closed


def test_a_coercers_settlement_forgoes_the_stake_for_a_gesture_by_hand() -> None:
    # C coerces T with a ban costing it 0.5 %/yr abroad; it would win a stake of 1% if T gave in.
    summit = rule("summit", "C", counterpart="T", window="APEC", offramp_cost_pct=0.1, discount_per_year=0.0,
                  stake_pct=1.0, gesture_share=0.25, reciprocity_chance=1.0, backlash_pct={"ore_ban": 0.5})
    view = FakeView(day=112, rate={"T": 0.5}, beliefs={("C", "T"): (0.0, 0.0, 1.0)},
                    windows=(Window("APEC", 110, 120, ("C", "T")),))
    view.impose("C", "T", "ore_ban", day=12)
    (offer,) = summit.propose(view)
    # T, resolute, bearing 0.5 %/yr: 720 / (1 + 0.5/2) = 576 days. Holding costs C 0.5 %/yr over them
    # (within a year), its stake 1% x the chance T gives in, 1 - exp(-365/576); the gesture is worth 0.25.
    p = 1 - math.exp(-365 / 576)
    hold = 0.5 / 365 * 576 * p
    assert offer.utility == pytest.approx(hold - 1.0 * p + 0.25 - 0.1)
    assert "stake forgone 1.00% x chance T gives in 47%" in offer.reason and "0.500%/yr abroad" in offer.reason
    # Without the cost abroad, the same settlement is not worth it.
    keen = rule("summit", "C", counterpart="T", window="APEC", offramp_cost_pct=0.1, discount_per_year=0.0,
                stake_pct=1.0, gesture_share=0.25, reciprocity_chance=1.0)
    assert keen.propose(view)[0].utility == pytest.approx(-1.0 * p + 0.25 - 0.1)
    assert -1.0 * p + 0.25 - 0.1 < 0


# ------------------------------------------------------------------------------- ally and tariff


def test_patron_weighs_alliance_against_its_truce_and_dependence() -> None:
    signal = rule("ally_signal", "A", ally="T", coercer="C", alliance_value_pct=0.02, truce_stake_pct=0.05,
                  truce_risk=0.5, dependence_products=["ore"], discount_per_year=0.0)
    view = FakeView(day=7, trade={("C", "A", "ore"): 3.65e9}, share={("A", "C", "ore"): 0.8})
    assert signal.propose(view) == []  # no coercion yet
    view.impose("C", "T", "ore_ban")
    (support,) = signal.propose(view)
    # Curbs on its ore: 3.65e9 x 0.8 / 1e12 = 0.292 %/yr (0.0008 %/day), borne while C (bearing
    # nothing: 60, 180 or 720 days, believed 30/40/30) keeps them, within a year.
    curbs = sum(b * 0.0008 * d * (1 - math.exp(-365 / d)) for b, d in ((0.3, 60), (0.4, 180), (0.3, 720)))
    assert support.utility == pytest.approx(0.02 - 0.5 * (0.05 + curbs))
    assert [a.kind for a in decide([signal], view, True, 0.0, np.random.default_rng(0))] == ["hold"]
    view.say("T", "seek_support", "seek_support", "A")
    (asked,) = signal.propose(view)
    assert asked.utility == pytest.approx(0.02 * 1.5 - 0.5 * (0.05 + curbs))


def test_tariff_steps_up_while_the_ally_is_coerced_then_lifts() -> None:
    tariff = rule("tariff", "A", target="C", products=["car"], rates=[0.1, 0.6], interval_days=30,
                  trigger="ally_coerced", protect="T")
    view = FakeView(day=0)
    assert tariff.propose(view) == []
    coercion = view.impose("C", "T", "ore_ban")
    (first,) = tariff.propose(view)
    assert first.label == "tariff_10" and first.measure.rate == 0.1 and first.measure_key == "A>C:tariff"
    view.measures[first.measure_key] = first.measure
    view.say("A", "impose", "tariff_10", "C", day=0)
    view.day = 20
    assert tariff.propose(view) == []
    view.day = 30
    (second,) = tariff.propose(view)
    assert second.label == "tariff_60" and second.rung == 2 and second.measure_key == first.measure_key
    del view.measures[coercion]
    (lift,) = tariff.propose(view)
    assert lift.kind == "lift" and lift.measure_key == "A>C:tariff"


# ------------------------------------------------------------------------------ hedge and reward


def test_hedger_stays_out_and_the_coercer_rewards_it() -> None:
    hedge = rule("hedge", "T", patron="A", rival="C", retaliation_risk=0.5, discount_per_year=0.0)
    reward = rule("reward_hedgers", "C", hedgers=["T"])
    view = FakeView(day=7, trade={("T", "C", "wafer"): 3e9, ("C", "T", "ore"): 1e9, ("T", "A", "wafer"): 2e9},
                    exports_change={"T": 2.0})
    assert hedge.propose(view) == []
    exemption = view.impose("C", "T", "ore_licensing", "export_licensing")
    stay, align = hedge.propose(view)
    # Trade with C: (3 + 1) / 1000 = 0.4% of GDP a year, half of it at risk if T aligns; exports
    # 0.5% of GDP, up 2%: 0.01% a year diverted. Over a year, undiscounted (a measure kept "for
    # ever", 36500 days: 36500 x (1 - exp(-0.01)) / 365 years): stay out = (0.2 + 0.01) x that.
    years = 36500 * (1 - math.exp(-0.01)) / 365
    assert stay.utility == pytest.approx((0.5 * 0.4 + 0.01) * years) and align.utility == pytest.approx(0.1)
    view.say("T", "stay_out", "stay_out", "C")
    (rewarded,) = reward.propose(view)
    assert rewarded.kind == "reward" and rewarded.measure_keys == (exemption,) and rewarded.utility == 0.01
    view.say("C", "reward", "reward_T", "T")
    assert reward.propose(view) == []
    view.say("A", "request_alignment", "request_alignment", "T")
    stay, align = hedge.propose(view)
    assert stay.utility == pytest.approx((0.5 * 0.4 + 0.01) * years + 0.05) and align.utility == pytest.approx(0.2)


# --------------------------------------------------------------------------------- firms' rules


def test_lobbying_pressure_by_hand() -> None:
    influence = np.array([0.9, 0.5, 0.4])
    loss = np.array([0.30, 0.01, -0.20])
    # 0.9 x (0.30 - 0.02); 0.5 x 0 (inside the dead zone); 0.4 x (0 - 0.5 x 0.20).
    assert lobbying_pressure(influence, loss, 0.02, 0.5) == pytest.approx([0.252, 0.0, -0.04])
    lobby = rule("lobby", "maker", dead_zone=0.02, gain_weight=0.5)
    assert lobby.lobbying_terms() == (0.02, 0.5)
    view = FakeView(day=7, loss_share={"maker": 0.3})
    assert lobby.propose(view) == []  # no dispute involves its home country
    view.impose("C", "T", "ore_ban")
    (action,) = lobby.propose(view)
    assert action.label == "lobby_settle" and "30.0% of baseline > 2.0%" in action.reason
    view.loss_share = {"maker": -0.1}
    assert lobby.propose(view)[0].label == "lobby_hard_line"


def test_diversify_invests_when_a_restricted_input_runs_low() -> None:
    diversify = rule("diversify", "maker", input="ore", away_from="C", at="A", trigger_days_of_cover=30, capacity_share=0.5)
    view = FakeView(day=7, cover={("maker", "ore"): 20.0})
    assert diversify.propose(view) == []  # not restricted
    view.impose("C", "T", "ore_ban")
    view.cover = {("maker", "ore"): 40.0}
    assert diversify.propose(view) == []  # enough cover
    view.cover = {("maker", "ore"): 20.0}
    (invest,) = diversify.propose(view)
    assert (invest.kind, invest.target, invest.product, invest.amount) == ("invest", "A", "ore", 1.0)  # 0.5 x 2/day
    view.say("maker", "invest", invest.label, "A", day=7)
    assert diversify.propose(view) == []  # max one investment
    twice = rule("diversify", "maker", input="ore", away_from="C", at="A", trigger_days_of_cover=30,
                 capacity_share=0.5, max_investments=2, min_days_between=90)
    assert twice.propose(view) == []  # a second tranche only 90 days after the first
    view.day = 97
    assert twice.propose(view)[0].kind == "invest"
    view.say("maker", "invest", invest.label, "A", day=97)
    view.day = 300
    assert twice.propose(view) == []  # two tranches at most


def test_legal_action_after_measures_have_lasted_and_boycott_tit_for_tat() -> None:
    legal = rule("legal_action", "T", against="C", min_days_in_force=30)
    boycott = rule("boycott", "T", against="C", products=["car"], enforcement=0.3)
    view = FakeView(day=20)
    coercion = view.impose("C", "T", "ore_ban", day=0)
    assert legal.propose(view) == []
    view.day = 30
    (complaint,) = legal.propose(view)
    assert complaint.kind == "legal_action" and complaint.utility == 0.01  # % of GDP
    (shun,) = boycott.propose(view)
    assert shun.measure.measure == "boycott" and shun.measure.enforcement == 0.3 and shun.measure.target == "C"
    assert shun.utility == 0.01
    view.measures[shun.measure_key] = shun.measure
    view.say("T", "impose", "consumer_boycott", "C", day=30)
    assert boycott.propose(view) == []
    del view.measures[coercion]
    assert boycott.propose(view)[0].kind == "lift"


def test_differentiated_controls_limited_to_named_products_block_only_those() -> None:
    # Measures cover products or tiers (a union), so the limit must name the products alone.
    controls = rule("differentiated_controls", "T", target="C", start_day=0, products=["resist", "wafer"])
    view = FakeView(day=7, trade={("T", "C", "resist"): 1e9, ("T", "C", "wafer"): 8e9})
    impose, _ = controls.propose(view)
    assert impose.measure.products == ["resist"] and impose.measure.tiers == []  # wafer is mature: kept open
    none_blocked = rule("differentiated_controls", "T", target="C", start_day=0, products=["wafer"])
    assert none_blocked.propose(view) == []


# ------------------------------------------------------------------------------- beyond trade


def test_non_trade_lever_weighs_the_pressure_it_adds_against_its_own_cost_and_ends_with_the_dispute() -> None:
    lever = rule("non_trade_lever", "C", against="T", label="tourism_boycott", target_cost_pct=0.5,
                 own_cost_pct=0.1, stake_pct=0.5, discount_per_year=0.0)
    view = FakeView(day=10)
    assert lever.propose(view) == []  # no dispute of its own with T
    ban = view.impose("C", "T", "ore_ban")
    (move,) = lever.propose(view)
    belief = (0.3, 0.4, 0.3)
    rise = give_in_probability(belief, 0.5, 365) - give_in_probability(belief, 0.0, 365)
    cost = expected_holding_cost(belief, 0.1, 0.5, 0.0, 365).cost_pct
    assert move.kind == "lever" and move.amount == 0.5 and move.own_cost_pct == 0.1
    assert move.utility == pytest.approx(0.5 * rise - cost) and move.utility > 0
    view.levers[move.measure_key] = ("C", "T")
    view.say("C", "lever", "tourism_boycott", "T", day=10)
    assert lever.propose(view) == []  # in force, the dispute goes on
    del view.measures[ban]
    (end,) = lever.propose(view)
    assert end.kind == "lift" and end.measure_keys == (move.measure_key,) and end.mandatory


# --------------------------------------------------------------- several targets, several rounds

def test_a_threat_aims_at_several_countries_each_on_its_own_deadline() -> None:
    threat = rule("threat", "C", **{**THREAT, "target": ["T", "A"], "after": None})
    view = FakeView(day=3, trade={("C", "T", "ore"): 1e9, ("C", "A", "ore"): 1e9},
                    share={("T", "C", "ore"): 0.5, ("A", "C", "ore"): 0.25}, multiplier={"ore": 4})
    issue_t, issue_a = threat.propose(view)
    # At stake: T 1e9 x 0.5 x 4 / 1e12 = 0.2 %/yr; A half of it, 0.1 %/yr (it depends on C for a quarter).
    assert (issue_t.target, issue_a.target) == ("T", "A")
    assert "0.200%/yr of T's GDP" in issue_t.reason and "0.100%/yr of A's GDP" in issue_a.reason
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    view.say("C", "threaten", "threaten_ore_ban", "A", day=10)
    view.day = 33
    assert threat.due(view)  # T's deadline (3 + 30)
    assert {a.target for a in threat.propose(view)} == {"T"}  # A's deadline (day 40) not yet
    view.say("A", "concede", "concede", "C", day=20)
    view.day = 40
    assert threat.due(view) and {a.target for a in threat.propose(view)} == {"T"}  # A gave in: nothing against it


def test_a_threat_returns_after_a_truce_breaks_and_not_after_a_concession() -> None:
    threat = rule("threat", "C", **{**THREAT, "after": None, "max_rounds": 2, "truce_days": 30})
    view = FakeView(day=50, trade={("C", "T", "ore"): 1e9}, share={("T", "C", "ore"): 0.5})
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    view.say("C", "drop_threat", "drop_ore_ban", "T", day=33)
    view.say("C", "back_down", "back_down", "T", day=40)
    assert threat.propose(view) == []  # the truce holds for 30 days
    view.day = 70
    (again,) = threat.propose(view)
    assert again.kind == "threaten" and again.label == "threaten_ore_ban"
    view.say("C", "threaten", "threaten_ore_ban", "T", day=70)
    view.day = 100
    assert threat.deadline(view) == 100 and [a.kind for a in threat.propose(view)][:2] == ["impose", "drop_threat"]
    view.say("C", "offramp", "summit_offramp", "T", day=105)
    view.day = 400
    assert threat.propose(view) != []  # an off-ramp offer alone ends nothing: the called threat is still to decide
    view.say("T", "offramp", "summit_offramp", "C", day=110)  # answered: a settlement ends the round
    assert threat.propose(view) == []  # two rounds at most
    once = rule("threat", "C", **{**THREAT, "after": None, "max_rounds": 3, "truce_days": 0})
    won = FakeView(day=100)
    won.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    won.say("T", "concede", "concede", "C", day=10)
    won.say("C", "accept", "accept_concession", "T", day=11)
    assert once.propose(won) == []  # the stake was won: no new round


def test_open_threats_follow_the_order_of_moves() -> None:
    from agents.leverage import open_threats

    view = FakeView()
    view.say("C", "threaten", "threaten_ore_ban", "T", day=1)
    view.say("C", "drop_threat", "drop_ore_ban", "T", day=30)
    assert open_threats(view, "C", "T") == []
    view.say("C", "threaten", "threaten_ore_ban", "T", day=90)  # a later round
    assert open_threats(view, "C", "T") == ["ore_ban"]


def test_retaliation_answers_several_coercers_and_fires_again_after_a_truce_breaks() -> None:
    tool = {"measure": "export_ban", "products": ["resist"], "label": "resist_ban"}
    view = FakeView(day=7, trade={("T", "C", "resist"): 2e9, ("T", "A", "resist"): 2e9},
                    share={("C", "T", "resist"): 0.9, ("A", "T", "resist"): 0.9})
    coercion = view.impose("C", "T", "ore_ban")
    view.impose("A", "T", "ore_ban")
    both = rule("retaliate", "T", against=["C", "A"], tools=[tool], max_rounds=2)
    assert [(a.label, a.target) for a in both.propose(view)] == [("resist_ban", "C"), ("resist_ban", "A")]
    mine = view.impose("T", "C", "resist_ban", products=("resist",), day=7)
    del view.measures[coercion]
    lift = [a for a in both.propose(view) if a.target == "C"]
    assert [a.kind for a in lift] == ["lift"] and lift[0].measure_keys == (mine,)
    del view.measures[mine]
    view.say("T", "lift", "lift_retaliation", "C", day=20)
    view.impose("C", "T", "ore_ban", day=60)  # the truce breaks
    view.day = 61
    assert [(a.label, a.target) for a in both.propose(view) if a.target == "C"] == [("resist_ban", "C")]
    single = rule("retaliate", "T", against="C", tools=[tool])  # one round: a used tool stays used
    assert [a for a in single.propose(view) if a.target == "C"] == []


def test_a_non_trade_lever_aims_at_several_countries_and_returns_when_a_dispute_resumes() -> None:
    lever = rule("non_trade_lever", "C", against=["T", "A"], label="tourism_boycott", target_cost_pct=0.5,
                 own_cost_pct=0.1, stake_pct=0.5, discount_per_year=0.0, max_rounds=2)
    view = FakeView(day=10)
    ban_t = view.impose("C", "T", "ore_ban")
    view.impose("C", "A", "ore_ban")
    moves = lever.propose(view)
    assert [(m.kind, m.target) for m in moves] == [("lever", "T"), ("lever", "A")]
    assert moves[0].measure_key != moves[1].measure_key
    view.levers[moves[0].measure_key] = ("C", "T")
    view.say("C", "lever", "tourism_boycott", "T", day=10)
    del view.measures[ban_t]
    (end,) = [m for m in lever.propose(view) if m.target == "T"]
    assert end.kind == "lift" and end.mandatory
    del view.levers[moves[0].measure_key]
    view.say("C", "lift", "end_tourism_boycott", "T", day=11)
    assert [m for m in lever.propose(view) if m.target == "T"] == []  # no dispute with T now
    view.impose("C", "T", "ore_ban", day=40)  # it resumes
    assert [m.kind for m in lever.propose(view) if m.target == "T"] == ["lever"]  # second round
    view.say("C", "lever", "tourism_boycott", "T", day=40)
    assert [m for m in lever.propose(view) if m.target == "T" and m.kind == "lever"] == []  # max_rounds = 2


# ------------------------------------------------------------------------ firms: stockpile, relocate

def test_a_firm_stockpiles_under_a_threat_or_a_measure_and_unwinds_when_the_risk_passes() -> None:
    stock = rule("stockpile", "maker", input="ore", supplier="C", target_days=90)
    view = FakeView(day=5, cover={("maker", "ore"): 28.0})
    assert stock.propose(view) == []  # no risk
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    (buy,) = stock.propose(view)
    assert (buy.kind, buy.label, buy.product, buy.amount) == ("stockpile", "stockpile_ore", "ore", 90)
    assert "threat(s) of ore_ban against T" in buy.reason and "30 -> 90 days" in buy.reason
    view.target_cover[("maker", "ore")] = 90.0
    assert stock.propose(view) == []  # already aiming at 90 days
    view.say("C", "drop_threat", "drop_ore_ban", "T", day=33)
    (unwind,) = stock.propose(view)
    assert (unwind.label, unwind.amount) == ("unwind_ore", 30.0) and "90 -> 30 days" in unwind.reason
    quiet = rule("stockpile", "maker", input="ore", supplier="C", target_days=90, on_threat=False)
    threatened = FakeView(day=5)
    threatened.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    assert quiet.propose(threatened) == []  # only a measure in force moves it
    threatened.impose("C", "T", "ore_ban")
    assert "1 measure(s) on ore" in quiet.propose(threatened)[0].reason


def test_a_firm_relocates_purchases_once_a_measure_has_lasted() -> None:
    move = rule("relocate", "maker", input="ore", away_from="C", to="A", share=0.5, min_days_in_force=90)
    view = FakeView(day=50, mix={("maker", "ore", "C"): 0.8})
    view.impose("C", "T", "ore_ban", day=10)
    assert move.propose(view) == []  # 40 days in force < 90
    view.day = 100
    (act,) = move.propose(view)
    assert (act.kind, act.target, act.origin, act.product, act.amount) == ("relocate", "A", "C", "ore", 0.5)
    assert "in force 90 days >= 90" in act.reason and "80% of its mix" in act.reason
    view.say("maker", "relocate", act.label, "A", day=100)
    view.day = 400
    assert move.propose(view) == []  # max_moves = 1
