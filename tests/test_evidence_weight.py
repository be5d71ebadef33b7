"""The scenario key ``evidence_weight``: how strongly a government reads the others' moves as
evidence of their resolve type (the likelihood tables raised to it in Bayes' rule), worked out by
hand, read by the model per observer, validated."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import assert_bad, invoke

from agents.strategy import ESCALATE_LIKELIHOOD, YIELD_LIKELIHOOD, bayes, move_likelihood

CURB = "experiments/tiny/rare_earth_curb.toml"


def test_the_default_weight_is_the_stated_tables() -> None:
    assert move_likelihood("threaten", False) is ESCALATE_LIKELIHOOD
    assert move_likelihood("threaten", False, 1.0) is ESCALATE_LIKELIHOOD
    assert move_likelihood("concede", True, 1.0) is YIELD_LIKELIHOOD
    assert move_likelihood("hold", False, 2.0) is None  # holding says nothing of resolve, at any weight


def test_weights_by_hand() -> None:
    # A threat from a mover not in pain, (0.3, 0.5, 0.7) under (soft, firm, resolute), seen from the
    # prior (0.3, 0.4, 0.3).
    # Weight 1: (0.09, 0.20, 0.21) / 0.50 = (0.18, 0.40, 0.42).
    assert bayes((0.3, 0.4, 0.3), move_likelihood("threaten", False)) == pytest.approx((0.18, 0.40, 0.42))
    # Weight 2, as if two threats: (0.09, 0.25, 0.49) x prior = (0.027, 0.100, 0.147), / 0.274.
    assert move_likelihood("threaten", False, 2.0) == pytest.approx((0.09, 0.25, 0.49))
    assert bayes((0.3, 0.4, 0.3), move_likelihood("threaten", False, 2.0)) == pytest.approx(
        (0.027 / 0.274, 0.100 / 0.274, 0.147 / 0.274)
    )
    # Weight 0: the move teaches nothing.
    assert bayes((0.3, 0.4, 0.3), move_likelihood("concede", False, 0.0)) == pytest.approx((0.3, 0.4, 0.3))


def test_each_observer_reads_moves_with_its_own_weight() -> None:
    from sim.config import load_scenario
    from sim.model import CoercionModel

    # Day 1 of the tiny curb: China threatens licensing (not in pain). Japan reads it at weight 2,
    # the United States at the shipped 1.
    sc = load_scenario(CURB, ["governments.JP.evidence_weight=2.0"])
    model = CoercionModel(sc, np.random.SeedSequence(1))
    while not model.moves:
        model.step()
    assert [(mv.actor, mv.kind) for mv in model.moves if mv.actor == "CN"] == [("CN", "threaten")]
    assert model.beliefs[("JP", "CN")] == pytest.approx((0.027 / 0.274, 0.100 / 0.274, 0.147 / 0.274))
    assert model.beliefs[("US", "CN")] == pytest.approx((0.18, 0.40, 0.42))


def test_the_key_is_validated() -> None:
    assert invoke("validate", CURB, "--set", "governments.JP.evidence_weight=0").exit_code == 0
    assert_bad(invoke("validate", CURB, "--set", "governments.JP.evidence_weight=6"), "governments.JP.evidence_weight", "5")
