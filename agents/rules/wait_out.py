"""``wait_out``: absorb the pressure without retaliating while holding out is expected to cost
less than giving in; protest and seek an ally's support meanwhile.

Seed 002_f60684ffc0d8cd14.txt: Tokyo protested China's measures but held back from tit-for-tat
retaliation, for fear of blowback on its own carmakers; a former US diplomat described its default
as seeking neither a compromise nor a leap to retaliation but waiting for Beijing to calm down,
while it kept Washington informed. The rule declares that stance (and protests, asks the ally)
while the expected present cost of holding out (:mod:`agents.strategy`) stays below the cost of
giving in, ``concession_cost_pct`` times the weight of its own resolve type; statements cost nothing, so they are worth a token
``statement_value_pct`` (an assumption) — just above doing nothing.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import Action, Rule, WorldView, pct
from agents.leverage import in_force_against, open_threats
from agents.strategy import StrategicParams, expected_holding_cost, own_type_text, persistence


class WaitOutParams(StrategicParams):
    country_fields = ("coercer", "seek_support_from")
    coercer: str
    concession_cost_pct: float = Field(1.0, ge=0, description="what giving in would cost, % of GDP (as the concede rule counts it)")
    statement_value_pct: float = Field(0.001, ge=0, description="worth of a statement (protest, request), % of GDP (assumption)")
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
        # The coercer's persistence since its first move against it is evidence of its resolve.
        seen = persistence(view, me, coercer, min((mv.day for mv in view.moves(actor=coercer, target=me)), default=view.day))
        hold = expected_holding_cost(seen.belief, view.cost_rate_pct(me),
                                     view.perceived_cost_rate(me, coercer), prm.discount_per_year, prm.horizon_days)
        give_in = prm.concession_cost_pct * view.resolve_weight(me)
        if hold.cost_pct >= give_in:
            return []
        state = f"{seen.text(coercer)}; {hold.text(coercer)} < giving in {pct(give_in)} ({own_type_text(view.resolve_weight(me))})"
        value = prm.statement_value_pct
        actions = [Action("wait_out", "wait_out", self.name, f"{state}: absorb, do not retaliate",
                          target=coercer, utility=value)]
        if prm.protest and not view.moves(actor=me, kind="protest", target=coercer):
            actions.append(Action("protest", "protest", self.name, f"{coercer} measures or threats; {state}",
                                  target=coercer, utility=2 * value))
        ally = prm.seek_support_from
        if ally and not view.moves(actor=me, kind="seek_support", target=ally):
            actions.append(Action("seek_support", "seek_support", self.name,
                                  f"asks {ally} for a supportive statement while waiting; {state}",
                                  target=ally, utility=1.5 * value))
        return actions
