"""The GDP-loss proxy against published estimates: a one-year full stop of Chinese rare earths to
Japan costs Japan between the lowest and highest published estimates we found (seeds/facts.toml:
NRI 0.43%, Mizuho 0.88%, Daiwa 1.3% of GDP)."""

from __future__ import annotations

from pathlib import Path

from sim.config import load_scenario
from sim.facts import load_facts
from sim.runner import run_replications

ROOT = Path(__file__).resolve().parents[1]
STOP = (
    'schedule=[{day=0, actor="CN", measure="export_ban", target="JP", '
    'products=["rare_earths", "heavy_rare_earths", "ndfeb_magnets"], enforcement=1.0}]'
)


def test_one_year_rare_earth_stop_to_japan_costs_within_the_published_range() -> None:
    facts = load_facts()
    low = facts["gdp_loss_japan_ree_stop_1y_nri_pct"].value
    high = facts["gdp_loss_japan_ree_stop_1y_daiwa_pct"].value
    assert low < facts["gdp_loss_japan_ree_stop_1y_mizuho_pct"].value < high
    # The scripted ban scenario's world and economy settings, with its schedule replaced by a
    # complete Chinese export ban to Japan for a year on both rare-earth products and on the
    # magnets made from them (the 2025 controls covered magnets too).
    scenario = load_scenario(ROOT / "experiments" / "rare_earth_ban_scripted.toml", overrides=["horizon_days=365", STOP])
    outcomes = run_replications(scenario).outcomes
    japan = outcomes.loc[0, "gdp_loss_pct.JP"]
    assert low <= japan <= high
    # China loses far less: its processors' lost sales to Japan, a small share of their market.
    assert 0.0 < outcomes.loc[0, "gdp_loss_pct.CN"] < japan / 5
