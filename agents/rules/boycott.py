"""``boycott``: a consumer boycott of the other side's consumer goods, encouraged by its
government. Utilities in % of GDP: the boycott is worth ``value_pct`` (an assumption); ending it
once the other side lifts is worth 0.1 (reciprocity, an assumption).

Seed 001_05a93871f1046ccc.txt: the 2010 collision and the 2012 nationalisation of the islands took
relations to their lowest point since normalisation (the 2012 protests included boycotts of
Japanese brands; the strength of a boycott is an assumption set by ``enforcement``, the share of
consumers who stop buying). It starts once the other side has ``trigger_moves`` measures (or
moves) against us, and ends, like tit-for-tat, when the other side lifts everything.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import IMPOSE, LIFT, Action, Rule, RuleParams, WorldView, measure_key
from sim.config import MeasureSpec


class BoycottParams(RuleParams):
    country_fields = ("against",)
    product_fields = ("products",)
    against: str
    products: list[str] = Field(min_length=1, description="the other side's consumer goods (final goods)")
    enforcement: float = Field(0.3, ge=0, le=1, description="share of consumers who stop buying")
    trigger_moves: int = Field(1, ge=1, description="the other side's measures (imposes) against us that set it off")
    label: str = "consumer_boycott"
    value_pct: float = Field(0.01, description="worth of the boycott to its government, % of GDP (assumption: a public show of resolve)")


class Boycott(Rule):
    name = "boycott"
    Params = BoycottParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: BoycottParams = self.params  # type: ignore[assignment]
        me, other = self.context.actor, prm.against
        key = measure_key(me, other, prm.label)
        mine = key in view.measures_in_force(actor=me)
        theirs = view.measures_in_force(actor=other, target=me)
        if mine and not theirs:
            return [Action(LIFT, f"end_{prm.label}", self.name, f"{other} lifted its measures", target=other,
                           measure_key=key, utility=0.1)]
        provocations = view.moves(actor=other, kind=IMPOSE, target=me)
        if mine or view.moves(actor=me, label=prm.label) or len(provocations) < prm.trigger_moves or not theirs:
            return []
        spec = MeasureSpec(measure="boycott", actor=me, target=other, products=prm.products,
                           enforcement=prm.enforcement, label=prm.label)
        return [Action(IMPOSE, prm.label, self.name,
                       f"{len(provocations)} measure(s) by {other} >= {prm.trigger_moves}: "
                       f"{prm.enforcement:.0%} of consumers shun its {', '.join(prm.products)}",
                       target=other, measure=spec, measure_key=key, utility=prm.value_pct, rung=1)]
