"""``concede``: retract (or make a face-saving gesture) once domestic pressure exceeds resolve
plus the audience cost of backing down.

Seed 002_f60684ffc0d8cd14.txt: the Prime Minister, bolstered by domestic support, refused to
retract her remark — public commitment is what makes conceding costly (the audience cost). Seed
000_*: carmakers and electronics firms press the government for stable access to China, and that
lobbying, with the accumulated economic pain, is the domestic pressure that can overturn it.
A concession also lifts the conceder's own counter-measures against the coercer.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import CONCEDE, Action, Rule, RuleParams, WorldView, pct
from agents.leverage import in_force_against, open_threats


class ConcedeParams(RuleParams):
    country_fields = ("coercer",)
    coercer: str
    resolve: float = Field(1.0, ge=0, description="pressure the government withstands")
    audience_cost: float = Field(0.5, ge=0, description="extra pressure needed because backing down is public")
    pain_weight: float = Field(1.0, ge=0, description="pressure per % of GDP of accumulated pain")
    label: str = Field("concede", description="e.g. 'retract' or 'face_saving_gesture'")
    base_utility: float = Field(5.0, description="utility when the threshold is crossed (plus the excess)")


class Concede(Rule):
    name = "concede"
    Params = ConcedeParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: ConcedeParams = self.params  # type: ignore[assignment]
        me, coercer = self.context.actor, prm.coercer
        if view.moves(actor=me, kind=CONCEDE, target=coercer):
            return []
        if not (in_force_against(view, coercer, me) or open_threats(view, coercer, me)):
            return []
        pain = view.gdp_loss_pct(me)
        lobbying = view.lobbying_pressure(me)
        pressure = lobbying + prm.pain_weight * pain
        threshold = prm.resolve + prm.audience_cost
        if pressure <= threshold:
            return []
        own = tuple(view.measures_in_force(actor=me, target=coercer))
        return [Action(CONCEDE, prm.label, self.name,
                       f"pressure {pressure:.2f} (lobbying {lobbying:.2f} + pain {pct(pain)} x {prm.pain_weight:g}) "
                       f"> resolve {prm.resolve:.2f} + audience cost {prm.audience_cost:.2f}",
                       target=coercer, measure_keys=own, utility=prm.base_utility + pressure - threshold)]
