"""The scenario keys ``hold_days_scale`` and ``tolerance_scale``: factors on the types' hold days and
tolerances in the beliefs a government holds — worked out by hand, carried through Bayes' rule and
learning from persistence, read by the model, and validated."""

from __future__ import annotations

import math

import numpy as np
import pytest
from cli_helpers import assert_bad, invoke

from agents.strategy import (
    DEFAULT_PRIOR,
    Belief,
    bayes,
    expected_holding_cost,
    give_in_probability,
    learn_from_persistence,
    persistence_likelihood,
    remaining_days,
    scales,
)

CURB = "experiments/tiny/rare_earth_curb.toml"


def test_scaled_remaining_days_by_hand() -> None:
    # firm: 180 days, tolerance 0.5 %/yr. Hold days x2: 360 / (1 + 0.5 / 0.5) = 180.
    assert remaining_days(1, 0.5, 2.0, 1.0) == pytest.approx(180.0)
    # Tolerance x2: 180 / (1 + 0.5 / 1.0) = 120; both x0.5: 90 / (1 + 0.5 / 0.25) = 30.
    assert remaining_days(1, 0.5, 1.0, 2.0) == pytest.approx(120.0)
    assert remaining_days(1, 0.5, 0.5, 0.5) == pytest.approx(30.0)
    # Factors of 1 are the constants exactly (bit for bit: x * 1.0 == x).
    assert remaining_days(2, 0.3, 1.0, 1.0) == remaining_days(2, 0.3)


def test_a_belief_carries_its_scales_into_every_use() -> None:
    b = Belief((0.0, 1.0, 0.0), 2.0, 1.0)  # sure the opponent is firm, its hold days doubled
    assert b == (0.0, 1.0, 0.0) and scales(b) == (2.0, 1.0) and scales((0.0, 1.0, 0.0)) == (1.0, 1.0)
    # No cost to the opponent: 360 days; no discount, horizon 1000: (1 - exp(-1000/360)) * 360 days.
    hold = expected_holding_cost(b, 3.65, 0.0, 0.0, 1000)
    assert hold.days == pytest.approx(360.0)
    assert hold.cost_pct == pytest.approx(3.65 / 365 * 360 * (1 - math.exp(-1000 / 360)))
    assert give_in_probability(b, 0.0, 360) == pytest.approx(1 - math.exp(-1.0))
    # Bayes' rule and learning from persistence keep the scales ...
    post = bayes(Belief((0.5, 0.5, 0.0), 2.0, 0.5), (0.2, 0.6, 0.2))
    assert isinstance(post, Belief) and scales(post) == (2.0, 0.5) and post == pytest.approx((0.25, 0.75, 0.0))
    # ... and persistence is judged with them: 120 days at no cost, hold days x2 (120, 360, 1440):
    lik = persistence_likelihood(120, 0.0, 2.0, 1.0)
    assert lik == pytest.approx((math.exp(-1.0), math.exp(-1 / 3), math.exp(-1 / 12)))
    # felt 0.1 % of a year's GDP, tolerance x0.5 (0.05, 0.25, 1): exp(-(0 + 36.5 / tol) / hold).
    assert persistence_likelihood(0, 0.1, 1.0, 0.5) == pytest.approx(
        (math.exp(-730 / 60), math.exp(-146 / 180), math.exp(-36.5 / 720)))
    seen = learn_from_persistence(Belief((0.5, 0.5, 0.0), 2.0, 1.0), 120, 0.0)
    w = (0.5 * math.exp(-1.0), 0.5 * math.exp(-1 / 3))
    assert isinstance(seen, Belief) and scales(seen) == (2.0, 1.0)
    assert seen == pytest.approx((w[0] / sum(w), w[1] / sum(w), 0.0))
    # A plain tuple stays plain (factor 1).
    assert type(learn_from_persistence((0.3, 0.4, 0.3), 10, 0.0)) is tuple


def test_the_model_gives_each_government_its_own_scales() -> None:
    from sim.config import load_scenario
    from sim.model import CoercionModel

    sc = load_scenario(CURB, ["horizon_days=3", "governments.JP.hold_days_scale=4", "governments.JP.tolerance_scale=0.25"])
    model = CoercionModel(sc, np.random.SeedSequence(1))
    jp, cn = model.view.belief("JP", "CN"), model.view.belief("CN", "JP")
    assert jp == pytest.approx(DEFAULT_PRIOR) and scales(jp) == (4.0, 0.25)  # Japan's beliefs about China
    assert scales(cn) == (1.0, 1.0)  # China's: the defaults
    model.run()
    assert scales(model.view.belief("JP", "CN")) == (4.0, 0.25)  # kept through the moves it learnt from


def test_the_keys_are_validated() -> None:
    for key in ("hold_days_scale", "tolerance_scale"):
        assert invoke("validate", CURB, "--set", f"governments.JP.{key}=10").exit_code == 0
        assert_bad(invoke("validate", CURB, "--set", f"governments.JP.{key}=0.05"), f"governments.JP.{key}", "0.1")
        assert_bad(invoke("validate", CURB, "--set", f"governments.CN.{key}=11"), f"governments.CN.{key}", "10")
