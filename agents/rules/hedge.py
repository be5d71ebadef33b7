"""``hedge``: a third country stays out of a quarrel between its patron and its largest trading
partner, and captures the trade diverted to it; ``reward_hedgers``: the coercer rewards those who
stay out, to split allies.

Seed 003_cae70e9ca3c421da.txt: Korea's economic ties with China far outweigh those with the US,
and it will not lead a US effort to blockade China; seeds 000_* and 003_*: smaller states
"multi-balance" and neither Japan nor Korea will go zero-sum. Seed 002_f60684ffc0d8cd14.txt:
China's curbs on Japan came hours after Korea's President was warmly received in Beijing — read
as a wedge between US allies. Staying out is worth more the larger the trade with the rival
relative to the patron, the more exports it is gaining, and after a reward; aligning with the
patron is worth more once the patron asks.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import IMPOSE, Action, Rule, RuleParams, WorldView, utilities_text
from sim.config import MeasureTemplate


class HedgeParams(RuleParams):
    country_fields = ("patron", "rival")
    patron: str
    rival: str
    ties_weight: float = Field(1.0, ge=0, description="utility per unit of (trade with rival / trade with patron)")
    diversion_weight: float = Field(0.1, ge=0, description="utility per % of extra exports captured")
    reward_bonus: float = 1.0
    align_utility: float = 0.5
    request_bonus: float = 1.0
    align_measure: MeasureTemplate | None = Field(None, description="what aligning means (e.g. controls on the rival)")


def _trade(view: WorldView, a: str, b: str) -> float:
    return sum(view.trade_value(a, b, p) + view.trade_value(b, a, p) for p in view.products)


class Hedge(Rule):
    name = "hedge"
    Params = HedgeParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: HedgeParams = self.params  # type: ignore[assignment]
        me, patron, rival = self.context.actor, prm.patron, prm.rival
        asked = view.moves(actor=patron, kind="request_alignment", target=me)
        coercing = view.measures_in_force(actor=rival)
        if not (asked or coercing):
            return []
        if view.moves(actor=me, kind="align"):
            return []
        with_patron = _trade(view, me, patron)
        ties = _trade(view, me, rival) / with_patron if with_patron > 0 else 1.0
        rewarded = view.moves(actor=rival, kind="reward", target=me)
        gain = max(view.export_change_pct(me), 0.0)
        stay = {"ties": prm.ties_weight * ties, "diversion": prm.diversion_weight * gain,
                "reward": prm.reward_bonus if rewarded else 0.0}
        align = {"base": prm.align_utility, "asked": prm.request_bonus if asked else 0.0}
        actions = [Action("stay_out", "stay_out", self.name,
                          f"trade with {rival} is {ties:.2f}x that with {patron}; exports {gain:+.2f}% on baseline "
                          f"({utilities_text(stay)})", target=rival, utility=sum(stay.values()))]
        reason = f"{patron} {'asked to align' if asked else 'is an ally'} ({utilities_text(align)})"
        if prm.align_measure is not None:
            actions.append(Action(IMPOSE, prm.align_measure.name, self.name, reason, target=rival,
                                  measure=prm.align_measure.spec(me, rival),
                                  measure_key=f"{me}>{rival}:{prm.align_measure.name}", utility=sum(align.values()), rung=1))
        else:
            actions.append(Action("align", "align_with_patron", self.name, reason, target=patron, utility=sum(align.values())))
        return actions


class RewardParams(RuleParams):
    country_fields = ("hedgers",)
    hedgers: list[str] = Field(min_length=1)
    reward_utility: float = 1.5


class RewardHedgers(Rule):
    """The coercer answers a third country's staying out with a reward: it lifts the measures it
    has in force against that country (e.g. an exemption from licensing) and says so."""

    name = "reward_hedgers"
    Params = RewardParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: RewardParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        actions = []
        for hedger in prm.hedgers:
            stayed = view.moves(actor=hedger, kind="stay_out", target=me)
            if not stayed or view.moves(actor=me, kind="reward", target=hedger):
                continue
            own = tuple(k for k, s in view.measures_in_force(actor=me).items() if s.target == hedger)
            actions.append(Action("reward", f"reward_{hedger}", self.name,
                                  f"{hedger} stayed out on day {stayed[-1].day}: exempt it ({len(own)} measure(s) lifted)",
                                  target=hedger, measure_keys=own, utility=prm.reward_utility))
        return actions
