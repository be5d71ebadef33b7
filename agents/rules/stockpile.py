"""``stockpile`` (a firm's rule): buy ahead while a supplier country threatens or restricts an
input, and wind the stock back down once the risk has passed.

Seeds/facts: Japan's 60-day national rare-earth stockpile (gdp_loss_japan_ree_stop_1y_mizuho_pct
allows for it) and the 2010 episode, when buyers outside China bought ahead and prices ran up.
While the supplier (``supplier``) has a measure in force covering the input against the firm's
home country — or, with ``on_threat``, any open threat against it — the firm raises its target
cover to ``target_days``; the economy then orders up to it through the market, so precautionary
buying adds to demand and prices (the economy's target-cover hook: orders beyond contracts, served
after them by a short supplier). When
neither remains, it goes back to the cover the scenario set.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import STOCKPILE, Action, Rule, RuleParams, WorldView
from agents.leverage import open_threats, scope


class StockpileParams(RuleParams):
    country_fields = ("supplier",)
    product_fields = ("input",)
    input: str
    supplier: str
    target_days: float = Field(90.0, gt=0, description="cover it aims for while the risk lasts (days of use)")
    on_threat: bool = Field(True, description="a threat, not only a measure in force, is reason to buy ahead")
    utility: float = 1.0


class Stockpile(Rule):
    name = "stockpile"
    Params = StockpileParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: StockpileParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        home = view.firm_country(me)
        covering = [s.label for s in view.measures_in_force(actor=prm.supplier, target=home).values()
                    if prm.input in scope(view, s)]
        threats = open_threats(view, prm.supplier, home) if prm.on_threat else []
        now = view.target_cover_days(me, prm.input)
        base = view.target_cover_days(me, prm.input, baseline=True)
        cover = view.days_of_cover(me, prm.input)
        if covering or threats:
            if now >= prm.target_days:
                return []
            why = (f"{len(covering)} measure(s) on {prm.input}" if covering
                   else f"threat(s) of {', '.join(threats)} against {home}")
            return [Action(STOCKPILE, f"stockpile_{prm.input}", self.name,
                           f"{prm.supplier}: {why}; cover {cover:.0f} days: raise target cover "
                           f"{now:.0f} -> {prm.target_days:g} days (buy ahead)",
                           target=prm.supplier, product=prm.input, amount=prm.target_days, utility=prm.utility)]
        if now > base:
            return [Action(STOCKPILE, f"unwind_{prm.input}", self.name,
                           f"no measure or threat of {prm.supplier} on {prm.input} remains: target cover "
                           f"{now:.0f} -> {base:.0f} days (the scenario's)",
                           target=prm.supplier, product=prm.input, amount=base, utility=prm.utility)]
        return []
