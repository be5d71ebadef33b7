"""``concede``: retract (or make a face-saving gesture) once holding out is expected to cost more
than giving in.

Seed 002_f60684ffc0d8cd14.txt: the Prime Minister, bolstered by domestic support, refused to
retract her remark — public commitment is what makes conceding costly (the audience cost). Seed
000_*: carmakers and electronics firms press the government for stable access to China; that
lobbying (their lost profit, weighted by influence) is part of the cost the government feels.

Both sides of the comparison are in % of the government's GDP, present value over the horizon
(:mod:`agents.strategy`): holding out is the current cost rate (GDP loss + lobbying) borne for
the coercer's believed remaining resolve, plus, for a pending threat, its credibility times the
cost of the threatened measure over the same time; giving in costs the audience cost now and
the reputation lost (a state that concedes invites the next coercion), both times the weight of
its own resolve type (:data:`agents.strategy.TYPE_WEIGHT`). The belief about the coercer is the one
from its moves, updated by its persistence since its first move (:func:`agents.strategy.persistence`). Both are assumptions to be calibrated. A concession also lifts the conceder's own counter-measures against the coercer.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import CONCEDE, Action, Rule, WorldView, pct
from agents.leverage import in_force_against, open_threats
from agents.strategy import (
    StrategicParams,
    credibility,
    expected_holding_cost,
    own_type_text,
    persistence,
)


class ConcedeParams(StrategicParams):
    country_fields = ("coercer",)
    coercer: str
    audience_cost_pct: float = Field(0.5, ge=0, description="cost of backing down in public, % of GDP (assumption)")
    reputation_pct: float = Field(0.5, ge=0, description="expected cost of the coercion a concession invites, % of GDP (assumption)")
    threatened_cost_pct: float = Field(
        0.0, ge=0, description="what a threatened measure would cost if carried out, % of GDP per year (its estimate)"
    )
    label: str = Field("concede", description="e.g. 'retract' or 'face_saving_gesture'")


def threat_cost(view: WorldView, me: str, coercer: str, rate_pct: float, prm: StrategicParams,
                belief: tuple[float, ...] | None = None) -> tuple[float, float]:
    """(expected present cost of the coercer's pending threats, their credibility): credibility x
    the threatened cost rate borne for the coercer's believed remaining resolve (by ``belief``,
    default its belief from moves)."""
    if rate_pct <= 0 or not open_threats(view, coercer, me):
        return 0.0, 0.0
    belief = view.belief(me, coercer) if belief is None else belief
    cred = credibility(belief)
    hold = expected_holding_cost(belief, rate_pct, view.perceived_cost_rate(me, coercer), prm.discount_per_year, prm.horizon_days)
    return cred * hold.cost_pct, cred


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
        # The coercer's persistence since its first move against it is evidence of its resolve.
        seen = persistence(view, me, coercer, min((mv.day for mv in view.moves(actor=coercer, target=me)), default=view.day))
        hold = expected_holding_cost(seen.belief, view.cost_rate_pct(me),
                                     view.perceived_cost_rate(me, coercer), prm.discount_per_year, prm.horizon_days)
        threat, cred = threat_cost(view, me, coercer, prm.threatened_cost_pct, prm, seen.belief)
        weight = view.resolve_weight(me)
        give_in = (prm.audience_cost_pct + prm.reputation_pct) * weight
        holding = hold.cost_pct + threat
        threat_text = (f" + threat {pct(threat)} (credibility {cred:.0%} x {prm.threatened_cost_pct:.2f}%/yr)"
                       if threat else "")
        own = tuple(view.measures_in_force(actor=me, target=coercer))
        return [Action(CONCEDE, prm.label, self.name,
                       f"{seen.text(coercer)}; {hold.text(coercer)}{threat_text} = {pct(holding)} vs giving in: audience {pct(prm.audience_cost_pct)} "
                       f"+ reputation {pct(prm.reputation_pct)}, x{weight:g} ({own_type_text(weight)}) = {pct(give_in)} "
                       f"(% of GDP over {prm.horizon_days} days)",
                       target=coercer, measure_keys=own, utility=holding - give_in)]
