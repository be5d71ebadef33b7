"""``fund_supplier`` (a government's rule): finance new supply outside a coercer that restricts a
product, with a supply contract for the country's buyers.

seeds/facts.toml: after China's 2010 halt, Japan's government package (japan_government_ree_package_2010)
and JOGMEC with Sojitz financed Lynas, about 250 USD m (sojitz_jogmec_lynas_financing_2011), in
exchange for supply to Japan (sojitz_lynas_deal_month_2010). Once ``coercer`` has had measures
covering ``product`` against the government's country in force for ``min_days_in_force``, the
government may, once, order ``capacity`` (product units per year) at ``at`` with ``lead_days``
lead time, costing ``cost_musd`` (paid by its country while the plant is built), and an offtake
contract moving ``offtake_share`` of its buyers' supplier mix for the product to ``at`` on arrival.

Its utility (% of GDP, the unit of every government choice) is the avoided loss it expects,
``relief_share`` of its current loss rate over a year, less the cost; an assumption to sweep.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import INVEST, Action, Rule, RuleParams, WorldView
from agents.leverage import scope


class FundSupplierParams(RuleParams):
    country_fields = ("coercer", "at")
    product_fields = ("product",)
    coercer: str
    product: str
    at: str
    capacity: float = Field(gt=0, description="capacity financed, product units per year")
    lead_days: int = Field(ge=1, description="days until the capacity produces")
    cost_musd: float = Field(ge=0, description="investment cost, USD m, paid while it is built")
    offtake_share: float = Field(0.0, ge=0, le=1, description="share of the country's buyers' mix moved to `at` on arrival")
    min_days_in_force: int = Field(30, ge=0)
    relief_share: float = Field(
        0.2, ge=0, le=1, description="share of the current loss rate the new supply is expected to avoid (assumption)"
    )
    label: str = "fund_supplier"


class FundSupplier(Rule):
    name = "fund_supplier"
    Params = FundSupplierParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: FundSupplierParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        if view.moves(actor=me, kind=INVEST):
            return []
        covering = [k for k, s in view.measures_in_force(actor=prm.coercer, target=me).items() if prm.product in scope(view, s)]
        if not covering:
            return []
        started = min((mv.day for mv in view.moves(actor=prm.coercer, kind="impose", target=me)), default=view.day)
        if view.day - started < prm.min_days_in_force:
            return []
        cost_pct = 100.0 * prm.cost_musd * 1e6 / view.gdp(me)
        relief_pct = prm.relief_share * view.loss_rate_pct(me)
        return [Action(
            INVEST, prm.label, self.name,
            f"{prm.coercer} restricts {prm.product} ({len(covering)} measure(s)) for {view.day - started} days: finance "
            f"{prm.capacity:.6g} units/yr at {prm.at} for {prm.cost_musd:g} USD m ({cost_pct:.4f}% of GDP), producing in "
            f"{prm.lead_days} days, {prm.offtake_share:.0%} of {me}'s buyers contracted; expected relief "
            f"{prm.relief_share:g} x loss rate {view.loss_rate_pct(me):.3f}% of GDP/yr",
            target=prm.at, product=prm.product, amount=prm.capacity / 365.0, utility=relief_pct - cost_pct,
            lead_days=prm.lead_days, cost_usd=prm.cost_musd * 1e6, offtake=me, offtake_share=prm.offtake_share,
        )]
