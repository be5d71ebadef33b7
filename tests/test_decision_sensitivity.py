"""scripts/decision_sensitivity.py: the tiny variant's report is well-formed, its levels are -50%,
the shipped value and +50%, and the hinge verdict is worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sens():
    return load_script("decision_sensitivity")


def test_the_hinge_verdict_by_hand(sens) -> None:
    def at(default: dict, low: dict, high: dict) -> dict:
        fill = lambda d: {c: (d.get(c, 0), 30) for c in sens.OUTCOME_CLASSES}  # noqa: E731
        return {"default": fill(default), "-50%": fill(low), "+50%": fill(high)}

    # 25 of 30 concede at the shipped value, 3 of 30 at -50% (the back-down takes over): hinges.
    verdict = sens.hinges(at({"target_concedes": 25, "stalemate": 5}, {"target_concedes": 3, "coercer_backs_down": 27},
                             {"target_concedes": 26, "stalemate": 4}))
    assert verdict == "at -50% `coercer_backs_down` replaces `target_concedes`"
    # A different leader whose lead is within the noise (16 vs 14 of 30, intervals overlapping): close, not a hinge.
    assert sens.hinges(at({"target_concedes": 16, "stalemate": 14}, {"target_concedes": 14, "stalemate": 16},
                          {"target_concedes": 16, "stalemate": 14})) == "close: at -50% `stalemate` leads `target_concedes` within the noise"
    assert sens.hinges(at({"target_concedes": 16, "stalemate": 14}, {"target_concedes": 17, "stalemate": 13},
                          {"target_concedes": 16, "stalemate": 14})) == "no"


def test_shipped_values_and_their_source(sens) -> None:
    raw = sens.load_raw(ROOT / "experiments" / "rare_earth_curb.toml")
    assert sens.shipped_value(raw, "governments.CN.rules[0].params.stake_pct") == (1.0, "assumption")
    value, source = sens.shipped_value(raw, "governments.JP.rules[3].params.threatened_cost_pct")
    assert source == "fact gdp_loss_japan_ree_stop_1y_mizuho_pct" and value == pytest.approx(0.88)
    # A key the file leaves out is screened at its default.
    base = ROOT / "experiments" / "rare_earth_curb.toml"
    assert sens.shipped_value(raw, "governments.JP.evidence_weight", base) == (1.0, "assumption (the key's default)")
    with pytest.raises(KeyError):
        sens.shipped_value(raw, "governments.JP.evidence_weight")


def test_the_tiny_report_is_well_formed(sens, tmp_path: Path) -> None:
    out = tmp_path / "sensitivity.md"
    assert sens.main(["--tiny", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## rare_earth_curb" in text and "## Findings" in text
    # Three parameters shown at three levels each: -50%, shipped, +50% of the shipped value.
    blocks = [b for b in text.split("**")[1::2] if b in {c.name for c in sens.SCENARIOS["rare_earth_curb"]}]
    assert len(blocks) == 3
    for line in [ln for ln in text.splitlines() if ln.startswith("| -50% |")]:
        assert "[" in line and "%]" in line
    cn_stake = [ln for ln in text.splitlines() if ln.startswith("| cn_stake |")]
    assert cn_stake and cn_stake[0].startswith("| cn_stake | 1 | assumption |")


def test_the_shipped_doc_covers_every_strategic_scenario(sens) -> None:
    text = sens.DOC.read_text(encoding="utf-8")
    for scenario in sens.SCENARIOS:
        assert f"## {scenario}" in text, f"{scenario} missing: run python scripts/decision_sensitivity.py"
    assert "## Findings" in text
