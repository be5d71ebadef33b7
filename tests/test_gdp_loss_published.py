"""The GDP-loss proxy against published estimates: a one-year full stop of Chinese rare earths to
Japan costs Japan between the lowest and highest published estimates we found (seeds/facts.toml:
NRI 0.43%, Mizuho 0.88%, Daiwa 1.3% of GDP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import load_scenario
from sim.facts import load_facts
from sim.runner import run_replications

ROOT = Path(__file__).resolve().parents[1]
# A complete stop, as the published estimates describe it (a halt of China's rare-earth supply to
# Japan): no Chinese material reaches Japan through third countries either (extraterritorial=1.0;
# in 2010 Chinese suppliers refused to route through Korea, china_ree_hold_2010_no_third_country_routing,
# and China's 2025 rules claim re-exports, china_ree_rules_october_2025). With leakage: about 0.18%.
STOP = (
    'schedule=[{day=0, actor="CN", measure="export_ban", target="JP", '
    'products=["rare_earths", "heavy_rare_earths", "ndfeb_magnets"], enforcement=1.0, extraterritorial=1.0}]'
)


def one_year_stop() -> tuple[float, float]:
    # The scripted ban scenario's world and economy settings (Japan's 60-day national stockpile
    # included, as in Mizuho's estimate), with its schedule replaced by a complete Chinese export
    # ban on rare earths, heavy rare earths and magnets to Japan for a year.
    scenario = load_scenario(ROOT / "experiments" / "rare_earth_ban_scripted.toml", overrides=["horizon_days=365", STOP])
    outcomes = run_replications(scenario).outcomes
    return outcomes.loc[0, "gdp_loss_pct.JP"], outcomes.loc[0, "gdp_loss_pct.CN"]


@pytest.mark.xfail(
    strict=True,
    reason="known gap (issue 9): the loss is about 0.20% of GDP, below NRI's 0.43%. Each channel off in turn: "
    "supplier switching is the largest (Japan's buyers move to suppliers outside China while others turn to "
    "China; economy.switching_days 120: 0.20%, 180: 0.32%, 240: 0.50%, none: 0.93%; the 2010 back-test's H1 "
    "2012 import share, 49%, brackets it between 120 and 240 days: 44% and 55%); thrifting within the year "
    "(without it 0.33%); background buyers' demand destruction above the backstop (without it 0.28%); the "
    "national stockpile (without it 0.30%). The published estimates hold the supply structure fixed, and the "
    "GDP proxy counts a car's assembly value added only (value_added_ratio_motor_vehicles_japan: about 0.17% "
    "of the loss), not its Japanese parts makers'. With users' own three months of stock "
    "(japan_ree_user_inventory_days) instead of the stockpile target as the magnet makers' cover: 0.16%",
)
def test_one_year_rare_earth_stop_to_japan_costs_within_the_published_range() -> None:
    facts = load_facts()
    low = facts["gdp_loss_japan_ree_stop_1y_nri_pct"].value
    high = facts["gdp_loss_japan_ree_stop_1y_daiwa_pct"].value
    assert low < facts["gdp_loss_japan_ree_stop_1y_mizuho_pct"].value < high
    japan, _ = one_year_stop()
    assert low <= japan <= high


def test_one_year_rare_earth_stop_costs_japan_far_more_than_china() -> None:
    japan, china = one_year_stop()
    assert japan > 0.1  # about 0.20% (see the test above)
    # China loses far less: its processors' lost sales to Japan, a small share of their market.
    assert 0.0 < china < japan / 5
