"""agents/leverage.py: what a measure blocks, worked by hand in a two-country world where a
licensing measure names its buyers (approval_by_buyer) as the economy applies it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from agents.leverage import blocked_flow_share, blocked_share, exposure_pct, leverage_pct
from sim.config import MeasureTemplate

# C sells T 1,460,000 USD a year of ore (4 t a day at 1,000 USD/t), 80% of T's ore supply. Two
# firms in T buy it: "maker" 1 t a day (all from C: 365,000 USD a year, a quarter of the flow) and
# "assembler" 2 t a day, half from C (another quarter); the other half of the flow goes to
# unmodelled buyers. "abroad" (in A) also buys ore from C but is not on the C -> T route.
BASE_USE = {"maker": 1.0, "assembler": 2.0, "abroad": 5.0}
MIX_FROM_C = {"maker": 1.0, "assembler": 0.5, "abroad": 1.0}
HOME = {"maker": "T", "assembler": "T", "abroad": "A"}


@dataclass
class LicensingView:
    products: tuple[str, ...] = ("ore",)
    gdps: dict[str, float] = field(default_factory=lambda: {"C": 1e9, "T": 1e9})

    def tier(self, product: str) -> str:
        return "civilian"

    def trade_value(self, exporter: str, importer: str, product: str) -> float:
        return 1_460_000.0 if (exporter, importer) == ("C", "T") else 0.0

    def supply_share(self, importer: str, exporter: str, product: str) -> float:
        return 0.8

    def downstream_multiplier(self, product: str) -> float:
        return 2.0

    def gdp(self, country: str) -> float:
        return self.gdps[country]

    def firm_country(self, firm: str) -> str:
        return HOME[firm]

    def baseline_use(self, firm: str, product: str) -> float:
        return BASE_USE[firm]

    def firm_supplier_share(self, firm: str, product: str, country: str) -> float:
        return MIX_FROM_C[firm] if country == "C" else 1.0 - MIX_FROM_C[firm]

    def base_price(self, product: str) -> float:
        return 1000.0


def licensing(**kw: object) -> MeasureTemplate:
    return MeasureTemplate(measure="export_licensing", products=["ore"], **kw)


def test_a_buyer_approved_in_full_is_not_blocked() -> None:
    view = LicensingView()
    # Nobody else licensed (rate 0): the maker's quarter passes, the other three quarters are refused.
    template = licensing(approval_rate=0.0, approval_by_buyer={"maker": 1.0}, enforcement=1.0)
    assert blocked_share(template) == pytest.approx(1.0)  # blind to buyers: everything
    assert blocked_flow_share(view, "C", "T", "ore", template) == pytest.approx(0.75)
    # Leverage: 1.46e6 x 0.8 dependence x 2 (multiplier) x 0.75 / 1e9 = 0.1752% of T's GDP.
    assert leverage_pct(view, "C", "T", template) == pytest.approx(0.1752)
    # Exposure: C's exporters lose 1.46e6 x 0.75 / 1e9 = 0.1095% of C's GDP.
    assert exposure_pct(view, "C", "T", template) == pytest.approx(0.1095)


def test_named_buyers_at_their_own_rates_and_the_rest_at_the_general_one() -> None:
    view = LicensingView()
    # maker refused outright (0), assembler approved 60%, everyone else 50%, enforced at 0.9:
    # refused = 0.25 x 1 + 0.25 x 0.4 + 0.5 x 0.5 = 0.6; blocked = 0.9 x 0.6 = 0.54.
    template = licensing(approval_rate=0.5, approval_by_buyer={"maker": 0.0, "assembler": 0.6}, enforcement=0.9)
    assert blocked_flow_share(view, "C", "T", "ore", template) == pytest.approx(0.54)
    # A named firm in another country is not on the C -> T route: no change from the plain rate.
    abroad = licensing(approval_rate=0.5, approval_by_buyer={"abroad": 1.0}, enforcement=0.9)
    assert blocked_flow_share(view, "C", "T", "ore", abroad) == pytest.approx(0.45) == blocked_share(abroad)
    # General licences exempt a share of the trade whoever buys: 0.54 x (1 - 0.5) = 0.27.
    general = licensing(approval_rate=0.5, approval_by_buyer={"maker": 0.0, "assembler": 0.6}, enforcement=0.9,
                        general_licence_share=0.5)
    assert blocked_flow_share(view, "C", "T", "ore", general) == pytest.approx(0.27)
    # A grade rate replaces approval_rate for the unnamed buyers: 0.25 + 0.1 + 0.5 x 0.8 = 0.75.
    graded = licensing(approval_rate=0.5, approval_by_tier={"civilian": 0.2}, approval_by_buyer={"maker": 0.0,
                       "assembler": 0.6}, enforcement=1.0)
    assert blocked_flow_share(view, "C", "T", "ore", graded) == pytest.approx(0.75)


def test_without_named_buyers_the_estimate_is_unchanged() -> None:
    view = LicensingView()
    for template in (licensing(approval_rate=0.3, enforcement=0.8),
                     MeasureTemplate(measure="export_ban", products=["ore"], enforcement=0.8),
                     MeasureTemplate(measure="export_quota", products=["ore"], quota_share=0.25, enforcement=0.8)):
        assert blocked_flow_share(view, "C", "T", "ore", template) == pytest.approx(blocked_share(template))
