"""``threat``: announce a measure before imposing it; at the deadline carry it out, extend it or
quietly drop it.

Seed 002_f60684ffc0d8cd14.txt: alongside its first measures Beijing threatened tighter
rare-earth controls, the lever that matters most to Japan's carmakers, without yet using it. A
target can concede while the threat is pending (the threat has then succeeded, and no measure is
ever imposed). At the deadline the coercer weighs carrying it out (credibility, less the cost of
its own pain against its tolerance) against extending the deadline and against dropping it.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import (
    IMPOSE,
    Action,
    Rule,
    RuleParams,
    WorldView,
    measure_key,
    pct,
    utilities_text,
)
from agents.leverage import has_conceded, leverage_pct
from sim.config import MeasureTemplate


class ThreatParams(RuleParams):
    country_fields = ("target",)
    target: str
    measure: MeasureTemplate
    issue_day: int = Field(0, ge=0, description="earliest day to issue the threat")
    after: str | None = Field(None, description="issue only after this own move (label) against the target")
    deadline_days: int = Field(30, ge=1)
    max_extensions: int = Field(1, ge=0)
    rung: int = Field(0, ge=0, description="escalation rung the measure stands for (0: none)")
    issue_utility: float = 1.5
    carry_out_utility: float = 1.0
    extend_utility: float = 0.6
    drop_utility: float = 0.2
    credibility_weight: float = Field(0.5, description="extra utility of carrying out per extension already granted")
    cost_tolerance_pct: float = Field(0.5, gt=0, description="own cost (pain + weighted lobbying) it will bear")
    pressure_weight: float = Field(0.0, ge=0)


class Threat(Rule):
    name = "threat"
    Params = ThreatParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: ThreatParams = self.params  # type: ignore[assignment]
        me, target, label = self.context.actor, prm.target, prm.measure.name
        mine = view.moves(actor=me, target=target)
        issued = [mv for mv in mine if mv.kind == "threaten" and mv.label == f"threaten_{label}"]
        closed = any((mv.kind == IMPOSE and mv.label == label) or mv.label == f"drop_{label}" for mv in mine)
        if closed or any(mv.kind in ("accept", "back_down", "offramp") for mv in mine):
            return []
        if not issued:
            if view.day < prm.issue_day or (prm.after and not any(mv.label == prm.after for mv in mine)):
                return []
            lev = leverage_pct(view, me, target, prm.measure)
            return [Action("threaten", f"threaten_{label}", self.name,
                           f"threatens {label} (about {pct(lev)} of {target}'s GDP at stake) with a {prm.deadline_days}-day deadline",
                           target=target, utility=prm.issue_utility)]
        if has_conceded(view, target, me):
            return []  # the threat worked: the ladder's acceptance ends the episode
        extensions = [mv for mv in mine if mv.label == f"extend_{label}"]
        deadline = (extensions[-1].day if extensions else issued[0].day) + prm.deadline_days
        if view.day < deadline:
            return []
        own = view.gdp_loss_pct(me) + prm.pressure_weight * view.lobbying_pressure(me)
        cost = own / prm.cost_tolerance_pct
        carry = {"base": prm.carry_out_utility, "credibility": prm.credibility_weight * len(extensions), "cost": -cost}
        drop = {"base": prm.drop_utility, "cost": cost}
        spec = prm.measure.spec(me, target)
        actions = [
            Action(IMPOSE, label, self.name,
                   f"deadline of day {deadline} passed without concession: carry out ({utilities_text(carry)})",
                   target=target, measure=spec, measure_key=measure_key(me, target, label),
                   utility=sum(carry.values()), rung=prm.rung),
            Action("drop_threat", f"drop_{label}", self.name,
                   f"deadline of day {deadline} passed; own cost {own:.2f} vs tolerance {prm.cost_tolerance_pct:.2f}: "
                   f"drop quietly ({utilities_text(drop)})",
                   target=target, utility=sum(drop.values())),
        ]
        if len(extensions) < prm.max_extensions:
            actions.append(Action("extend_threat", f"extend_{label}", self.name,
                                  f"deadline of day {deadline} passed: extend by {prm.deadline_days} days "
                                  f"({len(extensions) + 1} of {prm.max_extensions})",
                                  target=target, utility=prm.extend_utility))
        return actions
