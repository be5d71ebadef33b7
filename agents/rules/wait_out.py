"""``wait_out``: absorb the pressure without retaliating while the pain stays within a patience
budget; protest and seek an ally's support meanwhile.

Seed 002_f60684ffc0d8cd14.txt: Tokyo protested China's measures but held back from tit-for-tat
retaliation, for fear of blowback on its own carmakers; a former US diplomat described its default
as seeking neither a compromise nor a leap to retaliation but waiting for Beijing to calm down,
while it kept Washington informed. The budget erodes with the accumulated loss (pain, % of a
year's GDP) and with firms' lobbying pressure (seed 000_*: Toyota and Sony press for stable
access to China). While within budget, waiting is worth ``commitment`` — above what retaliation
or concession rules usually offer, so at low temperature the government holds; once the budget is
spent this rule proposes nothing and the other rules decide.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import Action, Rule, RuleParams, WorldView, pct
from agents.leverage import in_force_against, open_threats


class WaitOutParams(RuleParams):
    country_fields = ("coercer", "seek_support_from")
    coercer: str
    patience_pct: float = Field(0.5, gt=0, description="pain budget, % of a year's GDP")
    lobbying_weight: float = Field(1.0, ge=0, description="% points of patience used up per unit of lobbying pressure")
    commitment: float = Field(2.0, description="utility of waiting while within budget")
    protest: bool = True
    seek_support_from: str | None = Field(None, description="an ally to ask for a supportive statement")


class WaitOut(Rule):
    name = "wait_out"
    Params = WaitOutParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: WaitOutParams = self.params  # type: ignore[assignment]
        me, coercer = self.context.actor, prm.coercer
        pressed = in_force_against(view, coercer, me) or open_threats(view, coercer, me)
        if not pressed or view.moves(actor=me, kind="concede", target=coercer):
            return []
        pain = view.gdp_loss_pct(me)
        lobbying = view.lobbying_pressure(me)
        used = pain + prm.lobbying_weight * lobbying
        if used >= prm.patience_pct:
            return []
        state = (f"pain {pct(pain)} + lobbying {lobbying:.2f} x {prm.lobbying_weight:g} = {pct(used)} "
                 f"< patience {pct(prm.patience_pct)}")
        actions = [Action("wait_out", "wait_out", self.name, f"{state}: absorb, do not retaliate",
                          target=coercer, utility=prm.commitment)]
        if prm.protest and not view.moves(actor=me, kind="protest", target=coercer):
            actions.append(Action("protest", "protest", self.name, f"{coercer} measures in force; {state}",
                                  target=coercer, utility=prm.commitment + 1.0))
        ally = prm.seek_support_from
        if ally and not view.moves(actor=me, kind="seek_support", target=ally):
            actions.append(Action("seek_support", "seek_support", self.name,
                                  f"asks {ally} for a supportive statement while waiting; {state}",
                                  target=ally, utility=prm.commitment + 0.5))
        return actions
