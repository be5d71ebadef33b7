"""Exact-match regression baseline: outcomes of every baseline scenario equal the stored values.

A deliberate change of outcomes is recorded with ``make baseline`` (scripts/refresh_baseline.py).
"""

from __future__ import annotations

import json

import pytest

from sim.baseline import BASELINE_DIR, BASELINE_SCENARIOS, baseline_record


@pytest.mark.parametrize("name", sorted(BASELINE_SCENARIOS))
def test_outcomes_match_the_baseline_exactly(name: str) -> None:
    stored = json.loads((BASELINE_DIR / f"{name}.json").read_text())
    # Round-trip through JSON so both sides hold the same types.
    current = json.loads(json.dumps(baseline_record(BASELINE_SCENARIOS[name])))
    assert current["digest"] == stored["digest"], "the scenario changed: refresh with `make baseline`"
    assert current["events"] == stored["events"]
    assert len(current["outcomes"]) == len(stored["outcomes"])
    for now, then in zip(current["outcomes"], stored["outcomes"], strict=True):
        assert sorted(now) == sorted(then)
        changed = {k: (then[k], now[k]) for k in then if now[k] != then[k]}
        assert not changed, f"outcomes changed (baseline, now): {changed}; refresh with `make baseline` if intended"
