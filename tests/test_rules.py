"""Each policy rule in a hand-built small world where the expected decision is obvious.

The world is a :class:`FakeView` whose numbers are set by hand (pain, lobbying, trade, the public
record of moves), so each expected utility can be worked out on paper; a few tests then run the
rules in the real model on a small scenario (differentiated controls, diversification).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from agents.base import Action, Move, RuleContext, Window, build_rule, decide, measure_key
from agents.firm import lobbying_pressure
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
    target="T", min_days_between_rungs=14, cost_tolerance_pct=0.5, pain_goal_pct=1.0,
    rungs=[
        {"label": "protest", "kind": "protest"},
        {"label": "ore_licensing", "measure": {"measure": "export_licensing", "products": ["ore"], "enforcement": 0.5}},
        {"label": "ore_ban", "measure": {"measure": "export_ban", "products": ["ore"]}, "replaces": ["ore_licensing"]},
    ],
)


# ----------------------------------------------------------------------------- escalation_ladder


def test_ladder_climbs_one_rung_at_a_time_no_faster_than_its_gap() -> None:
    ladder = rule("escalation_ladder", "C", **LADDER)
    view = FakeView(day=0)
    climb, hold = ladder.propose(view)
    # Nothing felt yet: climb = 1 + urgency (1 - 0/1) = 2.0; hold = 0.5 + 0 = 0.5.
    assert (climb.kind, climb.label, climb.rung, climb.utility) == ("protest", "protest", 1, 2.0)
    assert (hold.kind, hold.utility) == ("hold", 0.5)
    assert "rung 1/3; T has not conceded" in climb.reason and "own cost 0.00 <= tolerance 0.50" in climb.reason
    view.say("C", "protest", "protest", "T", day=0)
    view.day = 7
    assert ladder.propose(view) == []  # 7 days < 14 between rungs
    view.day, view.pain = 14, {"T": 0.4}
    climb, hold = ladder.propose(view)
    # urgency 1 - 0.4 = 0.6 -> climb 1.6; hold 0.5 + 0.4 = 0.9.
    assert climb.label == "ore_licensing" and climb.kind == "impose" and climb.rung == 2
    assert climb.utility == pytest.approx(1.6) and hold.utility == pytest.approx(0.9)
    assert climb.measure.enforcement == 0.5 and climb.measure.actor == "C" and climb.measure.target == "T"
    assert climb.measure_key == "C>T:ore_licensing"
    view.impose("C", "T", "ore_licensing", "export_licensing", day=14)
    view.day = 28
    ban = ladder.propose(view)[0]
    assert ban.label == "ore_ban" and ban.measure_keys == ("C>T:ore_licensing",)  # the ban replaces licensing


def test_ladder_accepts_a_concession_and_lifts_everything() -> None:
    ladder = rule("escalation_ladder", "C", **LADDER)
    view = FakeView(day=30)
    key = view.impose("C", "T", "ore_licensing", "export_licensing")
    view.say("T", "concede", "concede", "C", day=21)
    (accept,) = ladder.propose(view)
    assert accept.kind == "accept" and accept.measure_keys == (key,) and accept.utility == 10.0
    view.say("C", "accept", "accept_concession", "T", day=30)
    view.day = 60
    assert ladder.propose(view) == []  # over


def test_ladder_backs_down_when_its_own_cost_passes_tolerance() -> None:
    ladder = rule("escalation_ladder", "C", **{**LADDER, "pressure_weight": 1.0})
    view = FakeView(day=30, pain={"C": 0.2, "T": 0.3}, pressure={"C": 0.5})
    key = view.impose("C", "T", "ore_licensing", "export_licensing")
    back, hold = ladder.propose(view)
    # own cost 0.2 + 1.0 x 0.5 = 0.7 > 0.5: back down = 1 + (0.7 - 0.5)/0.5 = 1.4; hold = 0.5 + 0.3.
    assert back.kind == "back_down" and back.measure_keys == (key,)
    assert back.utility == pytest.approx(1.4) and hold.utility == pytest.approx(0.8)
    assert "own cost 0.70" in back.reason and "> tolerance 0.50" in back.reason


def test_ally_support_and_legal_action_deter_climbing() -> None:
    ladder = rule("escalation_ladder", "C", **LADDER)
    view = FakeView(day=0)
    view.say("A", "support", "support_ally", "T")
    view.say("T", "legal_action", "wto_complaint", "C")
    climb, _ = ladder.propose(view)
    assert climb.utility == pytest.approx(2.0 - 2 * 0.5) and "2 support/legal move(s) deter" in climb.reason


def test_ladder_waits_for_a_rung_that_is_under_threat() -> None:
    ladder = rule("escalation_ladder", "C", **LADDER)
    view = FakeView(day=20)
    view.say("C", "protest", "protest", "T", day=0)
    view.say("C", "threaten", "threaten_ore_licensing", "T", day=5)
    assert ladder.propose(view) == []


# ---------------------------------------------------------------------------------------- threat

THREAT = dict(target="T", after="protest", deadline_days=30, max_extensions=1, cost_tolerance_pct=0.5,
              measure={"measure": "export_ban", "products": ["ore"], "label": "ore_ban"}, rung=2)


def test_threat_is_issued_then_carried_out_extended_or_dropped_at_the_deadline() -> None:
    threat = rule("threat", "C", **THREAT)
    view = FakeView(day=3, trade={("C", "T", "ore"): 1e9}, share={("T", "C", "ore"): 0.5}, multiplier={"ore": 4})
    assert threat.propose(view) == []  # only after the protest
    view.say("C", "protest", "protest", "T", day=0)
    (issue,) = threat.propose(view)
    # At stake: 1e9 x 0.5 x 4 x 1.0 / 1e12 = 0.2% of T's GDP.
    assert issue.kind == "threaten" and issue.label == "threaten_ore_ban" and "0.20% of T's GDP" in issue.reason
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    view.day = 32
    assert threat.propose(view) == []  # deadline day 33 not reached
    view.day, view.pain = 33, {"C": 0.1}
    carry, drop, extend = threat.propose(view)
    # cost = 0.1 / 0.5 = 0.2: carry 1.0 - 0.2 = 0.8; drop 0.2 + 0.2 = 0.4; extend 0.6.
    assert (carry.kind, carry.utility, carry.rung) == ("impose", pytest.approx(0.8), 2)
    assert (drop.kind, drop.utility) == ("drop_threat", pytest.approx(0.4))
    assert (extend.kind, extend.utility) == ("extend_threat", 0.6)
    view.say("C", "extend_threat", "extend_ore_ban", "T", day=33)
    view.day = 63
    labels = [a.label for a in threat.propose(view)]
    assert labels == ["ore_ban", "drop_ore_ban"]  # no second extension; carrying out now also earns credibility


def test_threat_succeeds_when_the_target_concedes_before_the_deadline() -> None:
    threat = rule("threat", "C", **{**THREAT, "after": None})
    view = FakeView(day=40)
    view.say("C", "threaten", "threaten_ore_ban", "T", day=3)
    view.say("T", "concede", "concede", "C", day=10)
    assert threat.propose(view) == []


# -------------------------------------------------------------------------- wait_out and concede


def japan_rules(**wait: Any) -> list[Any]:
    return [
        rule("wait_out", "T", coercer="C", patience_pct=0.6, lobbying_weight=1.0, **wait),
        rule("retaliate", "T", against="C", tools=[{"measure": "export_ban", "products": ["resist"]}], base_utility=1.5),
        rule("concede", "T", coercer="C", resolve=1.0, audience_cost=0.5),
    ]


@pytest.mark.parametrize("pain", [0.0, 0.1, 0.3, 0.59])
def test_wait_out_never_retaliates_while_pain_is_under_patience(pain: float) -> None:
    view = FakeView(day=7, pain={"T": pain}, trade={("T", "C", "resist"): 5e9}, share={("C", "T", "resist"): 0.9})
    view.impose("C", "T", "ore_ban")
    view.say("T", "protest", "protest", "C")
    chosen = decide(japan_rules(), view, True, 0.0, np.random.default_rng(0))
    assert [a.kind for a in chosen] == ["wait_out"]
    assert f"pain {pain:.2f}%" in chosen[0].reason and "< patience 0.60%" in chosen[0].reason
    # Retaliation was admissible and considered, but waiting is worth more.
    assert any(label == "export_ban_resist" for label, _ in chosen[0].alternatives)


def test_patience_erodes_with_lobbying_then_retaliation_takes_over() -> None:
    view = FakeView(day=7, pain={"T": 0.3}, pressure={"T": 0.35},
                    trade={("T", "C", "resist"): 5e9}, share={("C", "T", "resist"): 0.9})
    view.impose("C", "T", "ore_ban")
    view.say("T", "protest", "protest", "C")
    # 0.3 + 0.35 x 1 = 0.65 >= 0.6: the budget is spent; 0.35 + 0.3 = 0.65 < resolve 1.0 + 0.5.
    (chosen,) = decide(japan_rules(), view, True, 0.0, np.random.default_rng(0))
    assert chosen.kind == "impose" and chosen.label == "export_ban_resist"


def test_concedes_once_pressure_exceeds_resolve_plus_audience_cost() -> None:
    view = FakeView(day=7, pain={"T": 0.3}, pressure={"T": 1.3})
    view.impose("C", "T", "ore_ban")
    own = view.impose("T", "C", "export_ban_resist", products=("resist",))
    (chosen,) = decide(japan_rules(), view, True, 0.0, np.random.default_rng(0))
    # pressure 1.3 + 0.3 = 1.6 > 1.0 + 0.5: concede with utility 5 + 0.1, lifting its own measure.
    assert chosen.kind == "concede" and chosen.utility == pytest.approx(5.1) and chosen.measure_keys == (own,)
    assert "pressure 1.60" in chosen.reason and "> resolve 1.00 + audience cost 0.50" in chosen.reason


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


def test_retaliate_picks_the_tool_with_most_leverage() -> None:
    tools = [
        {"measure": "export_ban", "products": ["wafer"], "label": "wafer_ban"},
        {"measure": "export_ban", "products": ["resist"], "label": "resist_ban"},
    ]
    retaliate = rule("retaliate", "T", against="C", tools=tools, max_exposure_pct=1.0)
    # Wafers: a bigger flow C hardly depends on; resist: small, but C's only source and 20x downstream.
    view = FakeView(
        day=7,
        trade={("T", "C", "wafer"): 8e9, ("T", "C", "resist"): 0.6e9},
        share={("C", "T", "wafer"): 0.1, ("C", "T", "resist"): 0.9},
        multiplier={"wafer": 1.0, "resist": 20.0},
    )
    view.impose("C", "T", "ore_ban")
    wafer, resist = retaliate.propose(view)
    # Leverage: wafers 8e9 x 0.1 x 1 / 1e12 = 0.08%; resist 0.6e9 x 0.9 x 20 / 1e12 = 1.08%.
    # Exposure: 0.8% and 0.06% of T's GDP. Utility = 0.5 + 10 x leverage - 10 x exposure.
    assert wafer.utility == pytest.approx(0.5 + 0.8 - 8.0)
    assert resist.utility == pytest.approx(0.5 + 10.8 - 0.6)
    chosen = decide([retaliate], view, True, 0.0, np.random.default_rng(0))[0]
    assert chosen.label == "resist_ban" and chosen.measure.products == ["resist"] and chosen.rung == 1
    assert "leverage 1.08% of C's GDP, exposure 0.06% of own" in chosen.reason


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
    controls = rule("differentiated_controls", "T", target="C", align_with="A")
    view = FakeView(day=7, trade={("T", "C", "resist"): 1e9, ("T", "C", "wafer"): 8e9})
    assert controls.propose(view) == []
    view.say("A", "request_alignment", "request_alignment", "T")
    impose, decline = controls.propose(view)
    assert impose.measure.tiers == ["advanced"] and impose.measure.products == []
    assert "block advanced (resist: 1.0 USD bn/yr), keep mature open (wafer: 8.0 USD bn/yr)" in impose.reason
    # 1 + 1 (request) - 10 x 0.1% exposure = 1.0 > decline 0.5.
    assert impose.utility == pytest.approx(1.0) and decline.utility == 0.5


# ---------------------------------------------------------------------------------------- summit


def test_summit_offramp_only_in_the_window_and_reciprocated() -> None:
    summit = rule("summit", "C", counterpart="T", window="APEC", resolve=1.0)
    view = FakeView(day=100, pain={"C": 0.1}, pressure={"C": 0.2},
                    windows=(Window("APEC", 110, 120, ("C", "T")),))
    key = view.impose("C", "T", "ore_ban")
    assert summit.propose(view) == []  # not yet
    view.day = 112
    (alone,) = summit.propose(view)
    # 0.5 + 0.1 + 0.2 - 1.0 = -0.2: worse than the status quo (0) on its own ...
    assert alone.utility == pytest.approx(-0.2) and alone.measure_keys == (key,)
    view.say("T", "offramp", "summit_offramp", "C", day=112)
    (together,) = summit.propose(view)
    assert together.utility == pytest.approx(2.8) and "T offered an off-ramp on day 112" in together.reason
    chosen = decide([summit], view, True, 0.0, np.random.default_rng(0))[0]
    assert chosen.kind == "offramp"
    view.day = 130
    assert summit.propose(view) == []  # window closed


# ------------------------------------------------------------------------------- ally and tariff


def test_patron_weighs_alliance_against_its_truce_and_dependence() -> None:
    signal = rule("ally_signal", "A", ally="T", coercer="C", truce_value=1.0,
                  dependence_products=["ore"], dependence_weight=1.0)
    view = FakeView(day=7, pain={"T": 0.2}, share={("A", "C", "ore"): 0.8})
    assert signal.propose(view) == []  # no coercion yet
    view.impose("C", "T", "ore_ban")
    support, quiet = signal.propose(view)
    # 1 + 0.2 + 0 - 1 - 0.8 = -0.6 < quiet 0: it guards its truce.
    assert support.utility == pytest.approx(-0.6) and quiet.utility == 0.0
    assert decide([signal], view, True, 0.0, np.random.default_rng(0))[0].kind == "stay_quiet"
    view.pain = {"T": 0.9}
    view.say("T", "seek_support", "seek_support", "A")
    support, _ = signal.propose(view)
    assert support.utility == pytest.approx(0.6)  # 1 + 0.9 + 0.5 - 1 - 0.8


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
    hedge = rule("hedge", "T", patron="A", rival="C", ties_weight=1.0, diversion_weight=0.1)
    reward = rule("reward_hedgers", "C", hedgers=["T"])
    view = FakeView(day=7, trade={("T", "C", "wafer"): 3e9, ("C", "T", "ore"): 1e9, ("T", "A", "wafer"): 2e9},
                    exports_change={"T": 2.0})
    assert hedge.propose(view) == []
    exemption = view.impose("C", "T", "ore_licensing", "export_licensing")
    stay, align = hedge.propose(view)
    # ties (3 + 1) / 2 = 2.0; diversion 0.1 x 2% = 0.2 -> 2.2 against align 0.5.
    assert stay.utility == pytest.approx(2.2) and align.utility == 0.5
    view.say("T", "stay_out", "stay_out", "C")
    (rewarded,) = reward.propose(view)
    assert rewarded.kind == "reward" and rewarded.measure_keys == (exemption,)
    view.say("C", "reward", "reward_T", "T")
    assert reward.propose(view) == []
    view.say("A", "request_alignment", "request_alignment", "T")
    stay, align = hedge.propose(view)
    assert stay.utility == pytest.approx(3.2) and align.utility == pytest.approx(1.5)


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
    view.say("maker", "invest", invest.label, "A")
    assert diversify.propose(view) == []  # max one investment


def test_legal_action_after_measures_have_lasted_and_boycott_tit_for_tat() -> None:
    legal = rule("legal_action", "T", against="C", min_days_in_force=30)
    boycott = rule("boycott", "T", against="C", products=["car"], enforcement=0.3)
    view = FakeView(day=20)
    coercion = view.impose("C", "T", "ore_ban", day=0)
    assert legal.propose(view) == []
    view.day = 30
    assert legal.propose(view)[0].kind == "legal_action"
    (shun,) = boycott.propose(view)
    assert shun.measure.measure == "boycott" and shun.measure.enforcement == 0.3 and shun.measure.target == "C"
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
