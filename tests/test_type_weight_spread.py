"""The scenario key ``type_weight_spread``: how far apart the resolve types weigh their stakes
(soft 2^-s, firm 1, resolute 2^s), worked out by hand, read by the model per government, validated."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import assert_bad, invoke

from agents.strategy import TYPE_WEIGHT, type_weight

CURB = "experiments/tiny/rare_earth_curb.toml"


def test_the_default_spread_gives_the_type_weights_exactly() -> None:
    assert tuple(type_weight(t) for t in range(3)) == TYPE_WEIGHT == (0.5, 1.0, 2.0)


def test_spreads_by_hand() -> None:
    # s = 0.5: soft 2^-0.5 = 0.7071, resolute 2^0.5 = 1.4142; s = 0: every type weighs like the firm one.
    assert type_weight(0, 0.5) == pytest.approx(0.70710678)
    assert type_weight(2, 0.5) == pytest.approx(1.41421356)
    assert type_weight(1, 3.0) == 1.0
    assert {type_weight(t, 0.0) for t in range(3)} == {1.0}


def test_the_model_weighs_each_government_with_its_own_spread() -> None:
    from sim.config import load_scenario
    from sim.model import CoercionModel

    sc = load_scenario(CURB, ["horizon_days=3", "governments.JP.resolve_type='resolute'",
                              "governments.JP.type_weight_spread=0.5", "governments.CN.resolve_type='soft'"])
    model = CoercionModel(sc, np.random.SeedSequence(1))
    assert model.view.resolve_weight("JP") == pytest.approx(2**0.5)
    assert model.view.resolve_weight("CN") == 0.5  # China's spread: the shipped 1


def test_the_key_is_validated() -> None:
    assert invoke("validate", CURB, "--set", "governments.JP.type_weight_spread=0").exit_code == 0
    assert_bad(invoke("validate", CURB, "--set", "governments.JP.type_weight_spread=6"), "governments.JP.type_weight_spread", "5")
