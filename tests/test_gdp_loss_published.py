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
STOP = (
    'schedule=[{day=0, actor="CN", measure="export_ban", target="JP", '
    'products=["rare_earths", "heavy_rare_earths", "ndfeb_magnets"], enforcement=1.0}]'
)


def one_year_stop() -> tuple[float, float]:
    # The scripted ban scenario's world and economy settings, with its schedule replaced by a
    # complete Chinese export ban on both rare-earth products to Japan for a year.
    scenario = load_scenario(ROOT / "experiments" / "rare_earth_ban_scripted.toml", overrides=["horizon_days=365", STOP])
    outcomes = run_replications(scenario).outcomes
    return outcomes.loc[0, "gdp_loss_pct.JP"], outcomes.loc[0, "gdp_loss_pct.CN"]


@pytest.mark.xfail(
    strict=True,
    reason="known gap (issue 9): the loss is about 0.18% of GDP, below NRI's 0.43%. Firms now order only the "
    "inputs they can use and the switch to rare-earth-free motors waits for its lead time (substitution_days, "
    "two years to qualify), so the backstop no longer cuts the loss within the year. What remains is buyers' "
    "thrifting of magnets and rare earths over economy.thrift_days (without it: about 0.29%), leakage through "
    "third countries (without it and thrifting: about 0.33%) and trade diversion: Japan takes the light rare "
    "earths made outside China while other buyers turn to China, which the published estimates leave out",
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
    assert japan > 0.1  # about 0.18% (see the test above)
    # China loses far less: its processors' lost sales to Japan, a small share of their market.
    assert 0.0 < china < japan / 5
