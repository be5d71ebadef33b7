"""scripts/calibrate_ties.py: episodes read from events by hand, the table on a tiny sweep, and the
shipped docs/calibration_ties.md made from the current inputs (a --check, not a rerun)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "sweeps" / "tiny" / "ties_prior.toml"


@pytest.fixture(scope="module")
def cal():
    spec = importlib.util.spec_from_file_location("calibrate_ties", ROOT / "scripts" / "calibrate_ties.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["calibrate_ties"] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def _events(rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["day", "actor", "kind", "action"])


def test_an_episode_is_read_from_its_events_by_hand(cal) -> None:
    # CN threatens licensing on day 5, imposes a tariff on day 9, never imposes the licensing; JP concedes on day 30.
    ev = _events([(0, "JP", "protest", "protest"), (5, "CN", "threaten", "threaten_ree_licensing"),
                  (9, "CN", "impose", "tariff"), (30, "JP", "concede", "gesture")])
    e = cal.episode(ev, "threat_succeeded", 30.0, 540)
    assert (e.threatened, e.threat_imposed, e.any_imposed) == (True, False, True)
    assert (e.start, e.end, e.censored) == (5.0, 30.0, False)
    # The threatened measure imposed later; unresolved: censored at the horizon.
    ev = _events([(0, "CN", "threaten", "threaten_ban"), (42, "CN", "impose", "ban")])
    e = cal.episode(ev, "stalemate", math.nan, 540)
    assert (e.threat_imposed, e.end, e.censored) == (True, 540.0, True)
    assert cal.median_days([e]) == (540.0, True)
    # No threat, no measure: no episode.
    assert not cal.episode(_events([(3, "JP", "protest", "protest")]), "no_conflict", math.nan, 540).threatened


def test_shares_verdicts_and_medians_by_hand(cal) -> None:
    assert cal.verdict(0.1, 0.2, 0.35, 0.5) == "**outside** (below)"
    assert cal.verdict(0.3, 0.4, 0.35, 0.5) == "within"
    assert cal.verdict(0.6, 0.7, 0.35, 0.5) == "**outside** (above)"
    eps = [cal.Episode(True, False, True, "stalemate", 0.0, d, False) for d in (10.0, 20.0, 30.0, 400.0)]
    assert cal.median_days(eps) == (20.0, False)  # the lower median of an even count


def test_the_table_on_a_tiny_sweep_is_what_the_script_writes(cal, tmp_path: Path) -> None:
    out = tmp_path / "calibration.md"
    assert cal.main(["--sweep", str(TINY), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == cal.header(TINY.resolve())
    begin, end = lines.index("<!-- table:begin -->"), lines.index("<!-- table:end -->")
    table = lines[begin + 3:end]
    assert len(table) == 10
    for row in table:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 5 and all(cells)
        assert cells[3] in {"within", "**outside** (below)", "**outside** (above)", "no data", "not compared",
                            "undetermined (horizon under a year)"}
    assert "4 points x 1 replications = 4 runs" in text
    assert "Outcome shares by `jp_type`" in text and "## Reading" in text
    # --check accepts what it just wrote, and refuses it once an input (the header) differs.
    assert cal.main(["--sweep", str(TINY), "--out", str(out), "--check"]) == 0
    out.write_text(text.replace("inputs digest", "inputs digest 0"), encoding="utf-8")
    assert cal.main(["--sweep", str(TINY), "--out", str(out), "--check"]) == 1


def test_the_shipped_doc_was_made_from_the_current_inputs(cal) -> None:
    assert cal.main(["--check"]) == 0, "docs/calibration_ties.md is stale: run python scripts/calibrate_ties.py"
