"""The regression baseline: which scenarios it covers and what it records.

Shared by ``scripts/refresh_baseline.py`` (writes it) and ``tests/test_regression_baseline.py``
(compares to it), so both always record the same thing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASELINE_DIR = ROOT / "tests" / "baseline"
# The two full versions of the curbs episode (strategic and scripted), and every tiny variant.
BASELINE_SCENARIOS: dict[str, Path] = {
    "rare_earth_curb": ROOT / "experiments" / "rare_earth_curb.toml",
    "rare_earth_ban_scripted": ROOT / "experiments" / "rare_earth_ban_scripted.toml",
    **{f"{p.stem}_tiny": p for p in sorted((ROOT / "experiments" / "tiny").glob("*.toml"))},
}


def _plain(value: Any) -> Any:
    """JSON-safe scalars; floats keep every bit (JSON writes the shortest exact repr)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def baseline_record(path: Path) -> dict[str, Any]:
    """Outcomes and events of a scenario's default run (its own seed and replications)."""
    from sim.config import load_scenario
    from sim.runner import run_replications

    scenario = load_scenario(path)
    result = run_replications(scenario)
    outcomes = [{k: _plain(v) for k, v in row.items()} for row in result.outcomes.to_dict(orient="records")]
    events = [
        {k: _plain(row[k]) for k in ("replication", "day", "actor", "action", "kind", "target", "rule", "reason", "rung")}
        for row in result.events.to_dict(orient="records")
    ]
    return {"scenario": scenario.name, "digest": scenario.digest(), "outcomes": outcomes, "events": events}
