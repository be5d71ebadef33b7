"""Numerical extremes: the logit choice never yields NaN probabilities, and runs at the ends of
the documented ranges keep every output finite."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.base import UTILITY_BOUND, Action, logit_choice
from sim.config import load_scenario
from sim.runner import run_replications

ROOT = Path(__file__).resolve().parents[1]
CURB = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"
SCRIPTED = ROOT / "experiments" / "tiny" / "rare_earth_ban_scripted.toml"


def actions(utilities: list[float]) -> list[Action]:
    return [Action(kind="test", label=f"a{k}", rule="test", reason="why", utility=u) for k, u in enumerate(utilities)]


def test_logit_probabilities_by_hand() -> None:
    # utilities 0 and ln 3 at temperature 1: weights 1 and 3, so the second is chosen 3/4 of the time
    rng = np.random.default_rng(0)
    acts = actions([0.0, math.log(3.0)])
    picks = [logit_choice(acts, 1.0, rng)[0].label for _ in range(4000)]  # type: ignore[union-attr]
    assert picks.count("a1") / 4000 == pytest.approx(0.75, abs=0.03)
    # temperature 0 takes the best, first on ties
    assert logit_choice(actions([1.0, 2.0, 2.0]), 0.0, rng)[0].label == "a1"  # type: ignore[union-attr]


def test_logit_with_non_finite_utilities() -> None:
    rng = np.random.default_rng(1)
    for temperature in (0.0, 1e-320, 1e-9, 1.0, 1e6, 1e300):
        chosen, considered = logit_choice(actions([math.nan, math.inf, -math.inf, 1e308, 0.0]), temperature, rng)
        assert chosen is not None and chosen.label in ("a1", "a3")  # the (near-)infinite ones
        assert all(math.isfinite(u) and abs(u) <= UTILITY_BOUND for _, u in considered)
    chosen, considered = logit_choice(actions([math.nan, 0.0]), 1.0, rng)  # NaN counts as the worst
    assert dict(considered)["a0"] == -UTILITY_BOUND


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=8),
    st.floats(min_value=0.0, allow_nan=False, allow_infinity=True),
    st.integers(0, 2**32 - 1),
)
def test_logit_never_fails(utilities: list[float], temperature: float, seed: int) -> None:
    chosen, considered = logit_choice(actions(utilities), temperature, np.random.default_rng(seed))
    assert chosen is not None
    assert all(math.isfinite(u) for _, u in considered)


def finite_outputs(path: Path, overrides: list[str]) -> None:
    scenario = load_scenario(path, [f"horizon_days={90 if path == CURB else 150}", *overrides])
    result = run_replications(scenario, replications=1)
    assert np.isfinite(result.timeseries["value"].to_numpy()).all(), overrides
    numeric = result.outcomes.select_dtypes("number").drop(columns=["resolution_day"])
    assert np.isfinite(numeric.to_numpy(dtype=float)).all(), [c for c in numeric if not np.isfinite(numeric[c]).all()]
    for cell in result.events["alternatives"]:
        for item in json.loads(cell) if cell else []:
            assert math.isfinite(float(item["utility"])), overrides


@pytest.mark.parametrize(
    ("path", "overrides"),
    [
        (CURB, ["products.rare_earths.elasticity=0.01", "products.heavy_rare_earths.elasticity=0.01"]),
        (CURB, ["products.rare_earths.elasticity=100.0"]),
        (CURB, ["governments.CN.temperature=1000000.0", "governments.JP.temperature=1000000.0"]),
        (CURB, ["governments.CN.temperature=0.0", "governments.JP.perception_noise=5.0"]),
        (CURB, ["governments.CN.rules[0].params.stake_pct=1e-320", "governments.JP.rules[0].params.concession_cost_pct=1e9"]),
        (CURB, ["economy.switching_days=1.0", "economy.replenish_days=1.0", "economy.trust_loss=1.0"]),
        (CURB, ["firms.toyota.inputs.ndfeb_magnets.days_of_cover=3650.0", "firms.toyota.capacity=1000.0"]),
        (CURB, ["firms.toyota.inputs.ndfeb_magnets.days_of_cover=0.0"]),
        (SCRIPTED, ["schedule[0].enforcement=1.0", "products.rare_earths.spare_capacity=0.0"]),
        (SCRIPTED, ["products.rare_earths.spare_capacity=100.0", "products.rare_earths.ramp_up_days=0"]),
        (SCRIPTED, ["economy.max_price_multiple=1000000.0", "economy.min_price_multiple=0.000001"]),
        (SCRIPTED, ["economy.supply_elasticity=100.0", "economy.price_adjustment=1.0"]),
    ],
    ids=["elasticity-0.01", "elasticity-100", "temperature-1e6", "temperature-0-noise-5", "stake-1e-320",
         "fast-switching", "huge-cover-capacity", "no-cover", "enforcement-1", "spare-100", "price-bounds",
         "supply-elasticity-100"],
)
def test_extremes_keep_outputs_finite(path: Path, overrides: list[str]) -> None:
    finite_outputs(path, overrides)
