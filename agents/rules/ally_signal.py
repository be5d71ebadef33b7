"""``ally_signal``: a patron voices support for an ally under coercion, or stays quiet; it may
also ask the ally to align its export controls.

Seed 002_f60684ffc0d8cd14.txt: Washington wanted to keep its own truce with Beijing, which
secured its rare-earth supply, ahead of a planned summit; Tokyo kept it informed and analysts
argued Japan needed a clear statement that it was not in the wrong. Seed 003_cae70e9ca3c421da.txt:
the US treats its allies as chips in its own bargaining with China. In % of the patron's GDP,
present value (:mod:`agents.strategy`), support is worth ``alliance_value_pct`` (the alliance's
credibility, an assumption), more by ``asked_share`` once the ally asked, less the expected cost
of losing its truce: ``truce_risk`` (chance the coercer answers by ending it, an assumption) x
(``truce_stake_pct``, what the truce is worth to the patron, an assumption, + the cost of curbs
on its supplies: the coercer's leverage over it in ``dependence_products``, borne for the
coercer's believed remaining resolve). Staying quiet is the status quo (0).
"""

from __future__ import annotations

from pydantic import Field

from agents.base import Action, Rule, WorldView, pct
from agents.leverage import in_force_against, leverage_pct, open_threats
from agents.strategy import StrategicParams, expected_holding_cost
from sim.config import MeasureTemplate


class AllySignalParams(StrategicParams):
    country_fields = ("ally", "coercer")
    product_fields = ("dependence_products",)
    ally: str
    coercer: str
    alliance_value_pct: float = Field(0.01, ge=0, description="worth of showing the alliance holds, % of own GDP (assumption)")
    asked_share: float = Field(0.5, ge=0, description="extra worth, as a share of it, once the ally asked")
    truce_stake_pct: float = Field(0.05, ge=0, description="worth of its own truce with the coercer, % of own GDP (assumption)")
    truce_risk: float = Field(0.5, ge=0, le=1, description="chance the coercer answers support with curbs on the patron (assumption)")
    dependence_products: list[str] = Field(default_factory=list, description="products it depends on the coercer for")
    request_alignment: bool = Field(False, description="may ask the ally to align export controls")
    request_value_pct: float = Field(0.005, description="worth of asking the ally to align, % of own GDP (assumption)")


class AllySignal(Rule):
    name = "ally_signal"
    Params = AllySignalParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: AllySignalParams = self.params  # type: ignore[assignment]
        me, ally, coercer = self.context.actor, prm.ally, prm.coercer
        coerced = bool(in_force_against(view, coercer, ally) or open_threats(view, coercer, ally))
        actions = []
        if coerced and not view.moves(actor=me, kind="support", target=ally):
            asked = bool(view.moves(actor=ally, kind="seek_support", target=me))
            curbs = MeasureTemplate(measure="export_ban", products=prm.dependence_products) if prm.dependence_products else None
            at_risk = leverage_pct(view, coercer, me, curbs) if curbs is not None else 0.0
            truce = expected_holding_cost(view.belief(me, coercer), at_risk, 0.0, prm.discount_per_year, prm.horizon_days)
            value = prm.alliance_value_pct * (1.0 + (prm.asked_share if asked else 0.0))
            support = value - prm.truce_risk * (prm.truce_stake_pct + truce.cost_pct)
            actions.append(Action("support", "support_ally", self.name,
                                  f"{ally} under {coercer}'s measures{' and asked' if asked else ''}: alliance "
                                  f"{pct(value)} - truce risk {prm.truce_risk:.0%} x (truce {pct(prm.truce_stake_pct)} + curbs on own "
                                  f"supply {at_risk:.3f}%/yr for ~{truce.days:.0f} days = {pct(truce.cost_pct)}) = {pct(support)}",
                                  target=ally, utility=support))
        # Asking an ally to align its export controls does not wait for coercion (seed 003_*).
        if prm.request_alignment and not view.moves(actor=me, kind="request_alignment", target=ally):
            actions.append(Action("request_alignment", "request_alignment", self.name,
                                  f"asks {ally} to align its export controls on {coercer}",
                                  target=ally, utility=prm.request_value_pct))
        return actions
