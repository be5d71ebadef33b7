"""``tariff``: a separate escalation tool — a tariff on a rival's goods, raised in steps.

Seed 001_05a93871f1046ccc.txt: the incoming US President announced a 60% tariff on Chinese goods
as part of an economy-first agenda. The rule raises the rate step by step (``rates``, at most one
step every ``interval_days``) while its trigger holds — always, or while the rival coerces a
named ally — and lifts the tariff when the trigger is gone. Steps replace one another (one tariff
measure whose rate changes). Utilities in % of GDP: a step is worth ``raise_value_pct`` while own
cost stays within ``cost_tolerance_pct``; lifting, once the trigger is gone, 0.1 (assumptions).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agents.base import IMPOSE, LIFT, Action, Rule, RuleParams, WorldView, measure_key, pct
from agents.leverage import in_force_against
from sim.config import MeasureSpec


class TariffParams(RuleParams):
    country_fields = ("target", "protect")
    product_fields = ("products",)
    target: str
    products: list[str] = Field(min_length=1)
    rates: list[float] = Field(default_factory=lambda: [0.1, 0.25, 0.6], min_length=1)
    interval_days: int = Field(30, ge=1)
    start_day: int = Field(0, ge=0)
    trigger: Literal["always", "ally_coerced"] = "always"
    protect: str | None = Field(None, description="with trigger 'ally_coerced': the ally")
    cost_tolerance_pct: float = Field(0.5, gt=0)
    label: str = "tariff"
    raise_value_pct: float = Field(0.01, description="worth of a step to its government, % of GDP (assumption)")


class Tariff(Rule):
    name = "tariff"
    Params = TariffParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: TariffParams = self.params  # type: ignore[assignment]
        me, target = self.context.actor, prm.target
        key = measure_key(me, target, prm.label)
        in_force = key in view.measures_in_force(actor=me)
        if prm.trigger == "ally_coerced":
            active = bool(prm.protect and in_force_against(view, target, prm.protect))
            why = f"{target} has measures in force against {prm.protect}" if active else f"{target} has lifted its measures against {prm.protect}"
        else:
            active, why = True, "standing policy"
        if view.day < prm.start_day:
            return []
        if not active:
            return [Action(LIFT, f"lift_{prm.label}", self.name, why, target=target, measure_key=key, utility=0.1)] if in_force else []
        steps = [mv for mv in view.moves(actor=me, kind=IMPOSE, target=target) if mv.label.startswith(f"{prm.label}_")]
        if len(steps) >= len(prm.rates) or (steps and view.day - steps[-1].day < prm.interval_days):
            return []
        own = view.gdp_loss_pct(me)
        if own > prm.cost_tolerance_pct:
            return []
        rate = prm.rates[len(steps)]
        label = f"{prm.label}_{round(rate * 100)}"
        spec = MeasureSpec(measure="tariff", actor=me, target=target, products=prm.products, rate=rate, label=label)
        return [Action(IMPOSE, label, self.name,
                       f"{why}: step {len(steps) + 1}/{len(prm.rates)} to {rate:.0%}; own cost {pct(own)} "
                       f"<= tolerance {pct(prm.cost_tolerance_pct)}",
                       target=target, measure=spec, measure_key=key, utility=prm.raise_value_pct, rung=len(steps) + 1)]
