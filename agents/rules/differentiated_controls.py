"""``differentiated_controls``: export controls that block one product tier and keep another open,
optionally in answer to an ally's request to align.

Seed 000_f8354e40555b0262.txt: Japan applies chip export controls selectively ("differentiated
execution") — advanced items controlled, mature-node chips still exported to China — to keep its
industry competitive while coordinating with the US. The rule imposes an export ban on
``block_tiers`` only (the tier filter in the economy leaves ``keep_tiers`` untouched), once an ally
has asked (``align_with``) or from ``start_day``; declining is the alternative.

In % of own GDP, present value over the horizon (:mod:`agents.strategy`): aligning is worth
``align_value_pct`` (standing with the ally; an assumption), plus ``request_value_pct`` once the
ally asked, less the exports the controls block (their exposure, % of GDP per year) over the
horizon; declining is a statement worth ``decline_value_pct`` (an assumption).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from agents.base import (
    IMPOSE,
    Action,
    Rule,
    WorldView,
    measure_key,
    utilities_text,
)
from agents.leverage import exposure_aimed_pct, scope
from agents.strategy import MAX_DAYS, StrategicParams, holding_cost_pct
from sim.config import MeasureTemplate

Tier = Literal["advanced", "mature", "dual_use", "civilian"]


class DifferentiatedParams(StrategicParams):
    country_fields = ("target", "align_with")
    product_fields = ("products",)
    target: str
    block_tiers: list[Tier] = Field(default_factory=lambda: ["advanced"], min_length=1)
    keep_tiers: list[Tier] = Field(default_factory=lambda: ["mature"])
    products: list[str] = Field(default_factory=list, description="limit the controls to these products of the blocked tiers")
    enforcement: float = Field(1.0, ge=0, le=1)
    align_with: str | None = Field(None, description="act once this ally has asked to align (a request_alignment move)")
    start_day: int | None = Field(None, ge=0, description="act from this day without a request")
    label: str = "advanced_controls"
    destinations: Literal["target", "all"] | list[str] = Field(
        "target", description="the controls aimed at the target alone, at it and these countries (a list), or at all"
    )
    align_value_pct: float = Field(0.01, ge=0, description="worth of standing with the ally, % of own GDP (assumption)")
    request_value_pct: float = Field(0.01, ge=0, description="extra worth once the ally asked, % of own GDP (assumption)")
    decline_value_pct: float = Field(0.001, description="worth of declining (a statement), % of own GDP (assumption)")

    def references(self) -> list[tuple[str, str, str]]:
        found = super().references()
        if isinstance(self.destinations, list):
            found += [(f"destinations[{i}]", "country", c) for i, c in enumerate(self.destinations)]
        return found

    @model_validator(mode="after")
    def _disjoint(self) -> DifferentiatedParams:
        both = set(self.block_tiers) & set(self.keep_tiers)
        if both:
            raise ValueError(f"tiers {sorted(both)} cannot be both blocked and kept open")
        if self.align_with is None and self.start_day is None:
            raise ValueError("set 'align_with' (an ally's request triggers it) or 'start_day'")
        return self


class DifferentiatedControls(Rule):
    name = "differentiated_controls"
    Params = DifferentiatedParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: DifferentiatedParams = self.params  # type: ignore[assignment]
        me, target = self.context.actor, prm.target
        if view.moves(actor=me, target=target, label=prm.label) or view.moves(actor=me, label=f"decline_{prm.label}"):
            return []
        requested = bool(prm.align_with and view.moves(actor=prm.align_with, kind="request_alignment", target=me))
        scheduled = prm.start_day is not None and view.day >= prm.start_day
        if not (requested or scheduled):
            return []
        # Measures cover their products *or* their tiers, so limiting the controls to some products
        # of the blocked tiers means naming those products alone (others named are left out).
        if prm.products:
            chosen = [p for p in prm.products if view.tier(p) in prm.block_tiers]
            if not chosen:
                return []
            template = MeasureTemplate(measure="export_ban", products=chosen, enforcement=prm.enforcement, label=prm.label,
                                       destinations=prm.destinations)
        else:
            template = MeasureTemplate(measure="export_ban", tiers=list(prm.block_tiers), enforcement=prm.enforcement, label=prm.label,
                                       destinations=prm.destinations)
        blocked = scope(view, template)
        kept = [p for p in view.products if view.tier(p) in prm.keep_tiers]
        blocked_value = sum(view.trade_value(me, target, p) for p in blocked) / 1e9
        kept_value = sum(view.trade_value(me, target, p) for p in kept) / 1e9
        exp = exposure_aimed_pct(view, me, target, template)
        exposure_cost = holding_cost_pct(exp, MAX_DAYS, prm.discount_per_year, prm.horizon_days)
        parts = {"alignment": prm.align_value_pct, "ally request": prm.request_value_pct if requested else 0.0,
                 "exposure": -exposure_cost}
        trigger = f"{prm.align_with} asked to align" if requested else f"from day {prm.start_day}"
        spec = template.spec(me, target)
        return [
            Action(IMPOSE, prm.label, self.name,
                   f"{trigger}: block {'/'.join(prm.block_tiers)} ({', '.join(blocked)}: {blocked_value:.1f} USD bn/yr), "
                   f"keep {'/'.join(prm.keep_tiers) or 'other tiers'} open ({', '.join(kept)}: {kept_value:.1f} USD bn/yr); "
                   f"exposure {exp:.3f}%/yr of GDP ({utilities_text(parts, 3)}, % of GDP)",
                   target=target, measure=spec, measure_key=measure_key(me, target, prm.label),
                   utility=sum(parts.values()), rung=1),
            Action("decline", f"decline_{prm.label}", self.name,
                   f"{trigger}; own exporters would lose {blocked_value:.1f} USD bn/yr",
                   target=prm.align_with or target, utility=prm.decline_value_pct),
        ]
