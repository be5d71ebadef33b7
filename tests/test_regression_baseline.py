"""Regression baseline: outcomes of every baseline scenario equal the stored values.

A deliberate change of outcomes is recorded with ``make baseline`` (scripts/refresh_baseline.py).

What is compared exactly and what within a tolerance, and why: numpy picks different SIMD code
paths on different CPUs (AVX2 vs AVX-512, other summation orders), so the last bits of a float sum
differ from machine to machine, e.g. a peak price of 29.999999999999975 here and ...982 there.
Stored floats are therefore compared with a tight relative tolerance (1e-9, far below anything an
analyst reads). Everything discrete — the scenario digest, events, escalation paths, outcome
classes, resolution days, counts — must match exactly: a decision that flips is a real change.
On one machine, serial and parallel runs stay bit-identical (tests/test_outputs.py).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from sim.baseline import BASELINE_DIR, BASELINE_SCENARIOS, baseline_record

REL_TOL = 1e-9
ABS_TOL = 1e-12


def same_value(stored: Any, current: Any) -> bool:
    """Floats within REL_TOL/ABS_TOL; everything else (str, int, bool, None) exactly."""
    if isinstance(stored, float) or isinstance(current, float):
        if isinstance(stored, bool) or isinstance(current, bool):
            return stored == current
        if not isinstance(stored, int | float) or not isinstance(current, int | float):
            return False
        return math.isclose(stored, current, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return stored == current


def test_same_value_tolerates_last_digit_noise_only() -> None:
    # The cross-machine differences reported on a machine without AVX-512.
    assert same_value(29.999999999999982, 29.999999999999975)
    assert same_value(0.005686259870443648, 0.005686259870443649)
    assert same_value(0.0, 1e-13)
    # A real change is still caught.
    assert not same_value(30.0, 30.0 * (1 + 1e-7))
    assert not same_value(0.0, 1e-9)
    assert not same_value("target_concedes", "coercer_backs_down")
    assert not same_value(217, 218)
    assert not same_value("nan", 0.0)


@pytest.mark.parametrize("name", sorted(BASELINE_SCENARIOS))
def test_outcomes_match_the_baseline(name: str) -> None:
    stored = json.loads((BASELINE_DIR / f"{name}.json").read_text())
    # Round-trip through JSON so both sides hold the same types.
    current = json.loads(json.dumps(baseline_record(BASELINE_SCENARIOS[name])))
    assert current["digest"] == stored["digest"], "the scenario changed: refresh with `make baseline`"
    assert current["events"] == stored["events"], "decisions changed: refresh with `make baseline` if intended"
    assert len(current["outcomes"]) == len(stored["outcomes"])
    for now, then in zip(current["outcomes"], stored["outcomes"], strict=True):
        assert sorted(now) == sorted(then)
        changed = {k: (then[k], now[k]) for k in then if not same_value(then[k], now[k])}
        assert not changed, f"outcomes changed (baseline, now): {changed}; refresh with `make baseline` if intended"
