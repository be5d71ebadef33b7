"""``diversify`` (a firm's rule): finance new supply outside a restricting supplier country.

DESIGN.md "Historical episodes" and seeds/facts.toml (sojitz_lynas_deal_month_2010,
sojitz_jogmec_lynas_financing_2011, japan_government_ree_package_2010): after China's 2010 halt,
a Japanese trading house and JOGMEC financed Lynas's rare-earth output in exchange for supply.
When a supplier country has measures in force that cover one of the firm's inputs and the firm's
stock of it falls below ``trigger_days_of_cover``, the firm orders capacity of ``capacity_share`` x
its baseline use at ``at``; the capacity produces after the product's ramp-up delay. It may
finance up to ``max_investments`` tranches, ``min_days_between`` apart, while cover stays low.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import INVEST, Action, Rule, RuleParams, WorldView
from agents.leverage import scope


class DiversifyParams(RuleParams):
    country_fields = ("away_from", "at")
    product_fields = ("input",)
    input: str
    away_from: str
    at: str
    trigger_days_of_cover: float = Field(45.0, ge=0)
    capacity_share: float = Field(0.5, gt=0, description="capacity ordered, as a share of the firm's baseline use")
    max_investments: int = Field(1, ge=1, description="tranches it may finance (each once cover is low again)")
    min_days_between: int = Field(90, ge=0, description="days between tranches")
    utility: float = 1.0


class Diversify(Rule):
    name = "diversify"
    Params = DiversifyParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: DiversifyParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        home = view.firm_country(me)
        done = view.moves(actor=me, kind=INVEST)
        if len(done) >= prm.max_investments or (done and view.day - done[-1].day < prm.min_days_between):
            return []
        covering = [k for k, s in view.measures_in_force(actor=prm.away_from, target=home).items()
                    if prm.input in scope(view, s)]
        if not covering:
            return []
        cover = view.days_of_cover(me, prm.input)
        if cover >= prm.trigger_days_of_cover:
            return []
        amount = prm.capacity_share * view.baseline_use(me, prm.input)
        value = amount * 365 * view.base_price(prm.input) / 1e6
        return [Action(INVEST, f"invest_{prm.input}_{prm.at}", self.name,
                       f"{prm.away_from} restricts {prm.input} ({len(covering)} measure(s)); cover {cover:.0f} days "
                       f"< {prm.trigger_days_of_cover:g}: finance {amount:.3g} units/day at {prm.at} "
                       f"({value:.1f} USD m/yr of supply, producing in {view.ramp_up_days(prm.input)} days)",
                       target=prm.at, product=prm.input, amount=amount, utility=prm.utility)]
