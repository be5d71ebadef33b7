"""``threat``: announce a measure before imposing it; at the deadline carry it out, extend it or
quietly drop it — each valued in % of the coercer's GDP (:mod:`agents.strategy`).

Seed 002_f60684ffc0d8cd14.txt: alongside its first measures Beijing threatened tighter
rare-earth controls, the lever that matters most to Japan's carmakers, without yet using it. A
target can concede while the threat is pending (the threat has then succeeded, and no measure is
ever imposed: the target's ``concede`` rule weighs the threatened cost times the threat's
credibility, its belief that this coercer carries threats out).

- **issue**: ``stake_pct`` x the rise in the chance the target gives in (by the coercer's belief
  about it) that the threatened measure's leverage would bring — words cost nothing now;
- at the deadline, **carry out**: the same gain less the measure's own cost borne for the
  target's expected remaining resolve; **drop**: loses ``reputation_pct`` (a bluff called);
  **extend**: loses half of it (an assumption), at most ``max_extensions`` times.
Stake and reputation are times the weight of its own resolve type.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import IMPOSE, Action, Rule, WorldView, measure_key, pct
from agents.leverage import exposure_pct, has_conceded, leverage_pct
from agents.strategy import (
    StrategicParams,
    describe,
    expected_holding_cost,
    give_in_probability,
    own_type_text,
)
from sim.config import MeasureTemplate


class ThreatParams(StrategicParams):
    country_fields = ("target",)
    target: str
    measure: MeasureTemplate
    issue_day: int = Field(0, ge=0, description="earliest day to issue the threat")
    after: str | None = Field(None, description="issue only after this own move (label) against the target")
    deadline_days: int = Field(30, ge=1)
    max_extensions: int = Field(1, ge=0)
    rung: int = Field(0, ge=0, description="escalation rung the measure stands for (0: none)")
    stake_pct: float = Field(0.5, ge=0, description="worth of the target's concession, % of own GDP (assumption)")
    target_cost_pct: float | None = Field(
        None, ge=0,
        description="its estimate of what the measure would cost the target, % of its GDP per year "
        "(default: the static estimate of agents.leverage.leverage_pct)",
    )
    reputation_pct: float = Field(0.1, ge=0, description="credibility lost by dropping a called threat, % of own GDP (assumption)")


class Threat(Rule):
    name = "threat"
    Params = ThreatParams

    def deadline(self, view: WorldView) -> int | None:
        """Day the pending threat falls due (None if none is pending)."""
        prm: ThreatParams = self.params  # type: ignore[assignment]
        me, label = self.context.actor, prm.measure.name
        mine = view.moves(actor=me, target=prm.target)
        issued = [mv for mv in mine if mv.kind == "threaten" and mv.label == f"threaten_{label}"]
        if not issued:
            return None
        extensions = [mv for mv in mine if mv.label == f"extend_{label}"]
        return (extensions[-1].day if extensions else issued[0].day) + prm.deadline_days

    def due(self, view: WorldView) -> bool:
        """A deadline is news: the coercer decides on the day it falls."""
        return self.deadline(view) == view.day

    def gain(self, view: WorldView) -> tuple[float, float, float, float, tuple[float, ...]]:
        """(stake x rise in the chance the target gives in, that rise, leverage, own cost, belief)."""
        prm: ThreatParams = self.params  # type: ignore[assignment]
        me, target = self.context.actor, prm.target
        belief = view.belief(me, target)
        rate = view.perceived_cost_rate(me, target)
        lev = prm.target_cost_pct if prm.target_cost_pct is not None else leverage_pct(view, me, target, prm.measure)
        rise = (give_in_probability(belief, rate + lev, prm.horizon_days)
                - give_in_probability(belief, rate, prm.horizon_days))
        cost = expected_holding_cost(belief, exposure_pct(view, me, target, prm.measure), rate + lev,
                                     prm.discount_per_year, prm.horizon_days).cost_pct
        return prm.stake_pct * view.resolve_weight(me) * rise, rise, lev, cost, belief

    def propose(self, view: WorldView) -> list[Action]:
        prm: ThreatParams = self.params  # type: ignore[assignment]
        me, target, label = self.context.actor, prm.target, prm.measure.name
        mine = view.moves(actor=me, target=target)
        closed = any((mv.kind == IMPOSE and mv.label == label) or mv.label == f"drop_{label}" for mv in mine)
        if closed or any(mv.kind in ("accept", "back_down", "offramp") for mv in mine):
            return []
        deadline = self.deadline(view)
        if deadline is None:
            if view.day < prm.issue_day or (prm.after and not any(mv.label == prm.after for mv in mine)):
                return []
            gain, rise, lev, _, belief = self.gain(view)
            return [Action("threaten", f"threaten_{label}", self.name,
                           f"threatens {label} ({lev:.3f}%/yr of {target}'s GDP at stake) with a {prm.deadline_days}-day "
                           f"deadline: chance {target} gives in +{rise:.1%} (belief {target}: {describe(belief)}) x stake "
                           f"{pct(prm.stake_pct)} = {pct(gain)}",
                           target=target, utility=gain)]
        if has_conceded(view, target, me):
            return []  # the threat worked: the ladder's acceptance ends the episode
        if view.day < deadline:
            return []
        gain, rise, lev, cost, belief = self.gain(view)
        extensions = [mv for mv in mine if mv.label == f"extend_{label}"]
        reputation = prm.reputation_pct * view.resolve_weight(me)
        spec = prm.measure.spec(me, target)
        actions = [
            Action(IMPOSE, label, self.name,
                   f"deadline of day {deadline} passed without concession: carry out — chance {target} gives in "
                   f"+{rise:.1%} (belief {target}: {describe(belief)}) x stake {pct(prm.stake_pct)} = {pct(gain)} "
                   f"- own cost {pct(cost)}",
                   target=target, measure=spec, measure_key=measure_key(me, target, label),
                   utility=gain - cost, rung=prm.rung),
            Action("drop_threat", f"drop_{label}", self.name,
                   f"deadline of day {deadline} passed: drop quietly, losing reputation {pct(reputation)} "
                   f"({own_type_text(view.resolve_weight(me))})",
                   target=target, utility=-reputation),
        ]
        if len(extensions) < prm.max_extensions:
            actions.append(Action("extend_threat", f"extend_{label}", self.name,
                                  f"deadline of day {deadline} passed: extend by {prm.deadline_days} days "
                                  f"({len(extensions) + 1} of {prm.max_extensions}), losing half the reputation "
                                  f"{pct(reputation / 2)}",
                                  target=target, utility=-reputation / 2))
        return actions
