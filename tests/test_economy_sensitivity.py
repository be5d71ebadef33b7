"""scripts/economy_sensitivity.py: writes its table and its --check mode recognises its own output
(a small run: tiny scenarios, one replication, the first rows: the shipped settings and the caps)."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import load_script

ROOT = Path(__file__).resolve().parents[1]
sensitivity = load_script("economy_sensitivity")


def test_the_script_writes_the_table_and_checks_it(tmp_path: Path) -> None:
    out = tmp_path / "sensitivity.md"
    assert sensitivity.main(["--tiny", "-n", "1", "--rows", "3", "--out", str(out)]) == 0
    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| change")]
    assert [r.split(" | ")[0] for r in rows] == ["| shipped", "| cap 10x", "| cap 30x"]
    assert "<!-- settings: tiny=1 replications=1 rows=3 -->" in text
    assert sensitivity.main(["--check", "--out", str(out)]) == 0
    out.write_text(text.replace("| shipped |", "| edited |"))
    assert sensitivity.main(["--check", "--out", str(out)]) == 1


def test_every_new_behavioural_parameter_is_varied() -> None:
    from sim.config import load_scenario

    labels = " ".join(label for label, _ in sensitivity.variants(load_scenario(ROOT / "experiments" / "rare_earth_ban_scripted.toml")))
    for name in ("thrift_days", "backstop_steepness", "leakage_days", "leakage_premium", "long_run_elasticity",
                 "max_thrift", "backstop_price_multiple", "leakage_share", "substitution_days"):
        assert f"{name} " in labels, name
