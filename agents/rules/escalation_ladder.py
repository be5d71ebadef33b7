"""``escalation_ladder``: the coercer climbs ordered rungs while the target holds out.

Seed 002_f60684ffc0d8cd14.txt: after the Prime Minister's Taiwan remarks China moved in steps —
a ban on dual-use shipments for military end users, then an anti-dumping probe into a chip-making
material, with tighter rare-earth controls threatened — and commentators read the vaguely worded
first steps as a warning shot that leaves room to escalate. So: rungs in order, one at a time and
no faster than ``min_days_between_rungs``; a rung may be partially enforced (its template's
``enforcement``: vague wording); climbing stops when the target concedes (the coercer accepts and
lifts), and the coercer backs down when its own cost exceeds ``cost_tolerance_pct``. Open support
for the target by its allies and legal challenges make each further rung less attractive
(``deterrence``; seed 002_*: analysts want Washington to say Japan is not in the wrong).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.base import (
    ACCEPT,
    BACK_DOWN,
    HOLD,
    IMPOSE,
    Action,
    Rule,
    RuleParams,
    WorldView,
    measure_key,
    pct,
)
from agents.leverage import has_conceded, open_threats
from sim.config import MeasureTemplate


class Rung(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    measure: MeasureTemplate | None = Field(None, description="the measure; none for a declaratory rung (e.g. a protest)")
    kind: str = Field("protest", description="kind of a declaratory rung")
    replaces: list[str] = Field(default_factory=list, description="labels of earlier rungs this one replaces")


class LadderParams(RuleParams):
    country_fields = ("target",)
    target: str
    rungs: list[Rung] = Field(min_length=1)
    start_day: int = Field(0, ge=0)
    min_days_between_rungs: int = Field(14, ge=0)
    cost_tolerance_pct: float = Field(0.5, gt=0, description="own cost beyond which it backs down")
    pressure_weight: float = Field(0.0, ge=0, description="own cost per unit of its firms' lobbying pressure")
    pain_goal_pct: float = Field(1.0, gt=0, description="target pain at which further climbing loses urgency")
    climb_utility: float = 1.0
    hold_utility: float = 0.5
    deterrence: float = Field(0.5, ge=0, description="utility lost per ally-support or legal move against it")
    accept_utility: float = 10.0

    @model_validator(mode="after")
    def _labels(self) -> LadderParams:
        labels = [r.label for r in self.rungs]
        if len(set(labels)) != len(labels):
            raise ValueError("rung labels must be unique")
        for rung in self.rungs:
            for old in rung.replaces:
                if old not in labels[: labels.index(rung.label)]:
                    raise ValueError(f"rung {rung.label!r} replaces {old!r}, which is not an earlier rung")
        return self


class EscalationLadder(Rule):
    name = "escalation_ladder"
    Params = LadderParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: LadderParams = self.params  # type: ignore[assignment]
        me, target = self.context.actor, prm.target
        if view.day < prm.start_day:
            return []
        mine = view.moves(actor=me, target=target)
        if any(mv.kind in (ACCEPT, BACK_DOWN, "offramp") for mv in mine):
            return []  # the confrontation is over for this ladder
        own_keys = tuple(k for k in view.measures_in_force(actor=me, target=target))
        if has_conceded(view, target, me):
            return [
                Action(ACCEPT, "accept_concession", self.name, f"{target} conceded; lifting {len(own_keys)} measure(s)",
                       target=target, measure_keys=own_keys, utility=prm.accept_utility)
            ]
        pain, lobbying = view.gdp_loss_pct(me), view.lobbying_pressure(me)
        own_pain = pain + prm.pressure_weight * lobbying  # "own cost": GDP loss + weighted lobbying
        if own_pain > prm.cost_tolerance_pct and own_keys:
            seen = view.perceived_pain(me, target)
            over = (own_pain - prm.cost_tolerance_pct) / prm.cost_tolerance_pct
            return [
                Action(BACK_DOWN, "back_down", self.name,
                       f"own cost {own_pain:.2f} (pain {pct(pain)} + lobbying {lobbying:.2f} x {prm.pressure_weight:g}) "
                       f"> tolerance {prm.cost_tolerance_pct:.2f}",
                       target=target, measure_keys=own_keys, utility=1.0 + over),
                Action(HOLD, "hold_rungs", self.name, f"own cost {own_pain:.2f}; {target}'s pain ~{pct(seen)}: hold the rungs reached",
                       target=target, utility=prm.hold_utility + min(seen / prm.pain_goal_pct, 1.0)),
            ]
        done = {mv.label for mv in mine}
        remaining = [(i, r) for i, r in enumerate(prm.rungs) if r.label not in done]
        if not remaining:
            return []
        last_day = max((mv.day for mv in mine if mv.label in {r.label for r in prm.rungs}), default=None)
        if last_day is not None and view.day - last_day < prm.min_days_between_rungs:
            return []
        index, rung = remaining[0]
        if rung.label in open_threats(view, me, target):
            return []  # threatened: the threat rule decides when (and whether) to carry it out
        seen_pain = view.perceived_pain(me, target)
        urgency = max(0.0, 1.0 - seen_pain / prm.pain_goal_pct)
        deterred = len(view.moves(kind="support", target=target)) + len(view.moves(kind="legal_action", target=me))
        climb = prm.climb_utility + urgency - prm.deterrence * deterred
        hold = prm.hold_utility + min(seen_pain / prm.pain_goal_pct, 1.0)
        why = (f"rung {index + 1}/{len(prm.rungs)}; {target} has not conceded; its pain ~{pct(seen_pain)} "
               f"< goal {pct(prm.pain_goal_pct)}" if seen_pain < prm.pain_goal_pct else
               f"rung {index + 1}/{len(prm.rungs)}; {target} has not conceded; its pain ~{pct(seen_pain)}")
        why += f"; own cost {own_pain:.2f} <= tolerance {prm.cost_tolerance_pct:.2f}"
        if deterred:
            why += f"; {deterred} support/legal move(s) deter (-{prm.deterrence * deterred:.2f})"
        if rung.measure is None:
            climb_action = Action(rung.kind, rung.label, self.name, why, target=target, utility=climb, rung=index + 1)
        else:
            spec = rung.measure.spec(me, target, label=rung.label)
            replaced = tuple(measure_key(me, target, old) for old in rung.replaces)
            climb_action = Action(IMPOSE, rung.label, self.name, why, target=target, measure=spec,
                                  measure_key=measure_key(me, target, rung.label), measure_keys=replaced,
                                  utility=climb, rung=index + 1)
        return [
            climb_action,
            Action(HOLD, "hold_rungs", self.name, f"{target}'s pain ~{pct(seen_pain)}: let the rungs in force work",
                   target=target, utility=hold),
        ]
