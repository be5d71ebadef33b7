"""``retaliate``: answer the coercer's measures with measures of one's own, choosing the tool
with the most leverage, gated by ally support and own exposure.

Seed 002_f60684ffc0d8cd14.txt: if the conflict escalated Japan holds strong weapons of its own —
up to 90% of the advanced photoresist market, where curbs could set back China's chipmaking for
years — but fears blowback on its own industry; analysts also doubt how much high-end resist China
can use. Leverage is therefore measured as the harm to the target (flow x the target's dependence
x downstream use) and weighed against the exporters' own loss. ``tit_for_tat`` answers each
measure in force with one measure; ``proportional`` scales enforcement so that the harm matches
the pain suffered. When the coercer lifts everything, the retaliation is lifted too.

A tool's utility is in % of own GDP, present value (:mod:`agents.strategy`): what it saves on the
expected cost of holding out — its leverage adds to the coercer's cost rate, which shortens the
coercer's believed remaining resolve — less the exposure (own exporters' lost sales) borne for
that time.

**Several coercers, several rounds.** ``against`` may name several countries, each answered on its
own. Once a coercer has lifted its measures and the retaliation has been lifted too, a truce that
breaks (the coercer imposes again) may be answered again with the same tools, up to ``max_rounds``
rounds; within a round a tool is used once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agents.base import IMPOSE, LIFT, Action, Rule, WorldView, measure_key, pct
from agents.leverage import exposure_aimed_pct, in_force_against, leverage_pct
from agents.strategy import StrategicParams, describe, expected_holding_cost
from sim.config import MeasureTemplate


class RetaliateParams(StrategicParams):
    country_fields = ("against", "require_support_from")
    against: str | list[str] = Field(description="the coercer answered, or several (each on its own)")
    tools: list[MeasureTemplate] = Field(min_length=1)
    mode: Literal["tit_for_tat", "proportional"] = "tit_for_tat"
    min_pain_pct: float = Field(0.0, ge=0, description="own pain below which retaliation is not considered")
    require_support_from: str | None = Field(None, description="retaliate only once this ally has voiced support")
    max_exposure_pct: float = Field(0.5, ge=0, description="tools costing own exporters more than this (% GDP) are out")
    tool_costs_pct: dict[str, float] = Field(
        default_factory=dict,
        description="its estimates of what each tool (by label) costs the other side, % of its GDP per year "
        "(default: the static estimate of agents.leverage.leverage_pct)",
    )
    rung_offset: int = Field(0, ge=0, description="rungs of retaliation count from here")
    max_rounds: int = Field(1, ge=1, description="rounds: after a lifted retaliation its tools may be used again")

    @property
    def targets(self) -> list[str]:
        return [self.against] if isinstance(self.against, str) else list(self.against)


class Retaliate(Rule):
    name = "retaliate"
    Params = RetaliateParams

    def propose(self, view: WorldView) -> list[Action]:
        return [a for other in self.params.targets for a in self.propose_against(view, other)]  # type: ignore[attr-defined]

    def propose_against(self, view: WorldView, other: str) -> list[Action]:
        prm: RetaliateParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        theirs = in_force_against(view, other, me)
        labels = {t.name for t in prm.tools}
        mine = {k: s for k, s in view.measures_in_force(actor=me, target=other).items() if s.label in labels}
        if not theirs:
            if mine:
                return [Action(LIFT, "lift_retaliation", self.name, f"{other} lifted its measures: reciprocate",
                               target=other, measure_keys=tuple(mine), utility=0.1)]
            return []
        if view.moves(actor=me, kind="concede", target=other):
            return []
        pain = view.gdp_loss_pct(me)
        if pain < prm.min_pain_pct:
            return []
        supported = prm.require_support_from is None or bool(
            view.moves(actor=prm.require_support_from, kind="support", target=me)
        )
        if not supported:
            return []
        if prm.mode == "tit_for_tat" and len(mine) >= len(theirs):
            return []
        if prm.mode == "proportional" and mine:
            return []
        # Tools used in this round: a round ends when the retaliation is lifted (the coercer lifted
        # first); a new one opens while rounds are left, else every tool ever used stays used.
        lifts = [mv.day for mv in view.moves(actor=me, target=other, label="lift_retaliation")]
        since = lifts[-1] if lifts and len(lifts) < prm.max_rounds else -1
        used = {mv.label for mv in view.moves(actor=me, kind=IMPOSE, target=other) if mv.day > since}
        belief, own_rate = view.belief(me, other), view.cost_rate_pct(me)
        other_rate = view.perceived_cost_rate(me, other)
        h, d = prm.horizon_days, prm.discount_per_year
        now = expected_holding_cost(belief, own_rate, other_rate, d, h)
        actions = []
        for tool in prm.tools:
            if tool.name in used:
                continue
            enforcement = tool.enforcement
            if prm.mode == "proportional":
                full = leverage_pct(view, me, other, tool, 1.0)
                enforcement = min(1.0, pain / full) if full > 0 else tool.enforcement
            lev = leverage_pct(view, me, other, tool, enforcement)
            if tool.name in prm.tool_costs_pct:
                lev = prm.tool_costs_pct[tool.name] * enforcement / max(tool.enforcement, 1e-9)
            exp = exposure_aimed_pct(view, me, other, tool, enforcement)
            if exp > prm.max_exposure_pct or lev <= 0:
                continue
            after = expected_holding_cost(belief, own_rate, other_rate + lev, d, h)
            exposure_cost = expected_holding_cost(belief, exp, other_rate + lev, d, h).cost_pct
            saved = now.cost_pct - after.cost_pct
            step = len(mine) + 1 + prm.rung_offset
            actions.append(Action(
                IMPOSE, tool.name, self.name,
                f"{prm.mode}: {other} has {len(theirs)} measure(s) in force; leverage {lev:.3f}%/yr of {other}'s GDP "
                f"shortens its resolve ~{now.days:.0f} -> ~{after.days:.0f} days (belief {other}: {describe(belief)}): "
                f"holding out {pct(now.cost_pct)} -> {pct(after.cost_pct)}, saves {pct(saved)} - exposure "
                f"{exp:.3f}%/yr = {pct(exposure_cost)}",
                target=other, measure=tool.spec(me, other, label=tool.name, enforcement=enforcement),
                measure_key=measure_key(me, other, tool.name), utility=saved - exposure_cost, rung=step,
            ))
        return actions
