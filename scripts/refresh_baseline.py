"""Refresh the regression baseline (tests/baseline/*.json).

Run only when a change of outcomes is intended (``make baseline``), and say why in the commit
message: tests/test_regression_baseline.py compares every run to these files (events exactly, floats to 1e-9).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.baseline import BASELINE_DIR, BASELINE_SCENARIOS, baseline_record  # noqa: E402


def main() -> None:
    BASELINE_DIR.mkdir(parents=True, exist_ok=True)
    for name, path in BASELINE_SCENARIOS.items():
        record = baseline_record(path)
        target = BASELINE_DIR / f"{name}.json"
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        tmp.replace(target)
        print(f"wrote {target.relative_to(ROOT)} ({len(record['outcomes'])} replication(s), {len(record['events'])} events)")


if __name__ == "__main__":
    main()
