"""``ally_signal``: a patron voices support for an ally under coercion, or stays quiet; it may
also ask the ally to align its export controls.

Seed 002_f60684ffc0d8cd14.txt: Washington wanted to keep its own truce with Beijing, which
secured its rare-earth supply, ahead of a planned summit; Tokyo kept it informed and analysts
argued Japan needed a clear statement that it was not in the wrong. Seed 003_cae70e9ca3c421da.txt:
the US treats its allies as chips in its own bargaining with China. So support is worth the
alliance (more as the ally hurts and if it asked), less the value of the patron's own truce with
the coercer and its own dependence on the coercer's supplies; staying quiet is the status quo.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import Action, Rule, RuleParams, WorldView, pct, utilities_text
from agents.leverage import in_force_against, open_threats


class AllySignalParams(RuleParams):
    country_fields = ("ally", "coercer")
    product_fields = ("dependence_products",)
    ally: str
    coercer: str
    alliance_value: float = 1.0
    ally_pain_weight: float = Field(1.0, ge=0, description="utility per % of GDP of the ally's (perceived) pain")
    asked_bonus: float = Field(0.5, ge=0, description="extra utility once the ally asked for support")
    truce_value: float = Field(1.0, ge=0, description="value of the patron's own truce with the coercer")
    dependence_products: list[str] = Field(default_factory=list, description="products it depends on the coercer for")
    dependence_weight: float = Field(1.0, ge=0, description="utility lost per unit share of supply from the coercer")
    request_alignment: bool = Field(False, description="may ask the ally to align export controls")
    request_utility: float = 0.5


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
            ally_pain = view.perceived_pain(me, ally)
            dependence = (
                sum(view.supply_share(me, coercer, p) for p in prm.dependence_products) / len(prm.dependence_products)
                if prm.dependence_products
                else 0.0
            )
            parts = {"alliance": prm.alliance_value, f"{ally} pain": prm.ally_pain_weight * ally_pain,
                     "asked": prm.asked_bonus if asked else 0.0, "truce": -prm.truce_value,
                     "dependence": -prm.dependence_weight * dependence}
            support = sum(parts.values())
            actions.append(Action("support", "support_ally", self.name,
                                  f"{ally} under {coercer}'s measures (its pain ~{pct(ally_pain)}); "
                                  f"own supply share from {coercer} {dependence:.0%} ({utilities_text(parts)})",
                                  target=ally, utility=support))
            actions.append(Action("stay_quiet", "stay_quiet", self.name,
                                  f"guards its truce with {coercer} (worth {prm.truce_value:.2f}) rather than "
                                  f"back {ally} (support worth {support:.2f})",
                                  target=ally, utility=0.0))
        # Asking an ally to align its export controls does not wait for coercion (seed 003_*).
        if prm.request_alignment and not view.moves(actor=me, kind="request_alignment", target=ally):
            actions.append(Action("request_alignment", "request_alignment", self.name,
                                  f"asks {ally} to align its export controls on {coercer}",
                                  target=ally, utility=prm.request_utility))
        return actions
