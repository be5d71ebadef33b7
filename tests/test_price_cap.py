"""The price cap (economy.max_price_multiple) is a numerical guard rail only: in every shipped
scenario, at full size, no price reaches it on any day (price_cap_days = 0 for every product),
so no shipped answer depends on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import load_scenario
from sim.runner import run_replications

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "experiments").glob("*.toml"))


def test_every_shipped_scenario_is_checked() -> None:
    names = {path.stem for path in SHIPPED}
    assert {"rare_earth_ban_scripted", "rare_earth_curb", "senkaku_2010"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_price_cap_never_binds(path: Path) -> None:
    scenario = load_scenario(path)
    outcomes = run_replications(scenario, replications=1, series=False).outcomes
    cap_days = outcomes.filter(like="price_cap_days.").iloc[0]
    assert (cap_days == 0).all(), cap_days[cap_days > 0].to_dict()
    peaks = outcomes.filter(like="peak_price_multiple.").iloc[0]
    assert (peaks < scenario.economy.max_price_multiple).all()
