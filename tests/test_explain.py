"""``sim explain``: the narration of one replication (pure ``narrate``) and the command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import assert_bad, invoke

from sim.explain import narrate

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"

NAN = float("nan")


def alts(*pairs: tuple[str, float]) -> str:
    return json.dumps([{"action": a, "utility": u} for a, u in pairs])


def event(day: int, actor: str, action: str, kind: str, replication: int = 0, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "replication": replication, "day": day, "actor": actor, "action": action, "kind": kind,
        "measure": "", "target": "", "products": "", "tiers": "", "enforcement": NAN,
        "rule": "", "reason": "", "alternatives": "[]",
    }
    row.update(extra)
    return row


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        [
            event(
                10, "CN", "dual_use_ban", "impose", measure="export_ban", target="JP", products="dual_use_goods",
                enforcement=0.1, rule="ladder", reason="JP remarks on Taiwan", rung=2,
                alternatives=alts(("hold", 0.5), ("dual_use_ban", 1.2), ("ree_ban", 0.8)),
            ),
            # Out of day order on purpose: the narration sorts by day.
            event(
                40, "CN", "lift_dual_use_ban", "lift", measure="export_ban", target="JP", products="dual_use_goods",
                enforcement=0.1, rule="offramp", reason="summit agreed", rung=0,
            ),
            event(14, "JP", "protest", "protest", rule="diplomacy", reason="measures against JP", rung=0),
            event(20, "toyota", "lobby", "lobby", rule="lobbying", reason="profit down 12%", rung=0),
            event(16, "JP", "chip_controls", "impose", measure="export_ban", target="CN", tiers="advanced,mature",
                  enforcement=1.0, rule="retaliate", reason="tit for tat", rung=1),
            event(99, "CN", "other_run", "protest", replication=1, rule="x", reason="not this replication", rung=0),
        ]
    )


OUTCOME = {
    "replication": 0, "outcome": "negotiated_offramp", "resolution_day": 40.0,
    "path": "CN:dual_use_ban > JP:protest", "n_events": 5,
    "gdp_loss_pct.CN": 0.0059, "gdp_loss_pct.JP": 0.139, "peak_price_multiple.rare_earths": 3.0,
    "highest_rung.CN": 2, "highest_move.CN": "dual_use_ban", "highest_rung.JP": 0, "highest_move.JP": "",
}


def test_narrate_whole_replication(events: pd.DataFrame) -> None:
    text = narrate(events, OUTCOME, 0, scenario="curb", seed_note="seed entropy 7, spawn key [0], from manifest")
    assert text.splitlines() == [
        "curb — replication 0 (seed entropy 7, spawn key [0], from manifest)",
        "outcome: negotiated_offramp on day 40; path: CN:dual_use_ban > JP:protest",
        "highest rung: CN 2 (dual_use_ban), JP 0",
        "day  10  CN      dual_use_ban       export_ban on dual_use_goods -> JP, enforcement 10%, rung 2",
        "         why: ladder: JP remarks on Taiwan",
        "         considered: dual_use_ban 1.2000 | ree_ban 0.8000 | hold 0.5000",
        "day  14  JP      protest            (declaratory)",
        "         why: diplomacy: measures against JP",
        "day  16  JP      chip_controls      export_ban on advanced tier, mature tier -> CN, enforcement 100%, rung 1",
        "         why: retaliate: tit for tat",
        "day  20  toyota  lobby              (declaratory)",
        "         why: lobbying: profit down 12%",
        "day  40  CN      lift_dual_use_ban  lifts dual_use_ban (export_ban on dual_use_goods -> JP)",
        "         why: offramp: summit agreed",
        "cumulative GDP loss (% of a year's GDP): JP 0.139, CN 0.006",
    ]


def test_impose_with_alternatives_sorted_and_truncated(events: pd.DataFrame) -> None:
    one = events.iloc[[0]]
    lines = narrate(one, None, 0, max_alternatives=2).splitlines()
    assert lines == [
        "replication 0",
        "outcome: unknown (no outcome row for this replication)",
        "day  10  CN  dual_use_ban  export_ban on dual_use_goods -> JP, enforcement 10%, rung 2",
        "         why: ladder: JP remarks on Taiwan",
        "         considered: dual_use_ban 1.2000 | ree_ban 0.8000 | ... (+1 more)",
    ]
    assert "considered" not in narrate(one, None, 0, max_alternatives=0)


def test_lift_line(events: pd.DataFrame) -> None:
    lines = narrate(events.iloc[[1]], None, 0).splitlines()
    assert lines[2:] == [
        "day  40  CN  lift_dual_use_ban  lifts dual_use_ban (export_ban on dual_use_goods -> JP)",
        "         why: offramp: summit agreed",
    ]


def test_declaratory_move_with_kind_other_than_its_name() -> None:
    frame = pd.DataFrame([event(3, "US", "reassure_jp", "signal", target="JP", rule="ally", reason="alliance")])
    assert narrate(frame, None, 0).splitlines()[2:] == [
        "day   3  US  reassure_jp  (signal, declaratory)",
        "         why: ally: alliance",
    ]


def test_missing_rung_column_and_old_folders(events: pd.DataFrame) -> None:
    old = events.drop(columns=["rung"]).iloc[[0]]
    lines = narrate(old, None, 0).splitlines()
    assert lines[2] == "day  10  CN  dual_use_ban  export_ban on dual_use_goods -> JP, enforcement 10%"
    # A nullable rung column with gaps is shown only where it is positive.
    gappy = events.iloc[[0, 2]].assign(rung=pd.array([pd.NA, 0], dtype="Int64"))
    assert "rung" not in narrate(gappy, None, 0)


def test_no_decisions_and_unresolved_outcome() -> None:
    empty = pd.DataFrame([event(5, "CN", "x", "protest", replication=1)])
    outcome = {"replication": 0, "outcome": "no_conflict", "resolution_day": NAN, "path": "", "n_events": 0,
               "gdp_loss_pct.JP": 0.0}
    assert narrate(empty, outcome, 0, scenario="s").splitlines() == [
        "s — replication 0",
        "outcome: no_conflict (unresolved); path: (no events)",
        "no decisions were taken",
        "cumulative GDP loss (% of a year's GDP): JP 0.000",
    ]


def test_unreadable_alternatives_are_skipped() -> None:
    frame = pd.DataFrame([event(1, "CN", "hold", "wait_out", alternatives="not json"),
                          event(2, "CN", "hold", "wait_out", alternatives=None)])
    assert "considered" not in narrate(frame, None, 0)


# ---------------------------------------------------------------------------- the command




@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explain") / "run"
    result = invoke("run", TINY, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    return out


def test_explain_real_run(run_dir: Path) -> None:
    events = pd.read_parquet(run_dir / "events.parquet")
    outcomes = pd.read_parquet(run_dir / "outcomes.parquet")
    for k in range(len(outcomes)):
        result = invoke("explain", run_dir, "--replication", k)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert lines[0].startswith(f"rare_earth_curb_tiny — replication {k} (seed entropy ")
        assert lines[1].startswith(f"outcome: {outcomes['outcome'][k]}")
        mine = events[events["replication"] == k]
        assert len(mine) > 0
        for action, reason in zip(mine["action"], mine["reason"]):
            assert any(action in line for line in lines if line.startswith("day ")), action
            assert any(reason in line for line in lines if "why:" in line), reason
        day_lines = [line for line in lines if line.startswith("day ")]
        assert len(day_lines) == len(mine)
        assert lines[-1].startswith("cumulative GDP loss")
        # The belief behind each strategic decision is shown: Japan's about China, China's about Japan.
        assert any("belief CN: soft" in line for line in lines if "why:" in line)
        assert any("belief JP: soft" in line for line in lines if "why:" in line)
        row = outcomes.iloc[k]
        loss = row["gdp_loss_pct.JP"]
        assert not math.isnan(loss) and f"JP {loss:.3f}" in lines[-1]


def test_explain_bad_dirs(run_dir: Path, tmp_path: Path) -> None:
    assert_bad(invoke("explain", tmp_path / "nope"), "nope", "does not exist")
    assert_bad(invoke("explain", tmp_path), str(tmp_path), "not a run folder")
    (tmp_path / "manifest.json").write_text("{}")
    assert_bad(invoke("explain", tmp_path), "not a run folder", "events.parquet")
    (tmp_path / "events.parquet").write_text("not parquet\n")
    assert_bad(invoke("explain", tmp_path), "events.parquet", "cannot read")
    assert_bad(invoke("explain", run_dir / "manifest.json"), "not a run folder")


def test_explain_replication_out_of_range(run_dir: Path) -> None:
    n = json.loads((run_dir / "manifest.json").read_text())["replications"]
    assert_bad(invoke("explain", run_dir, "--replication", n), f"--replication {n}", "out of range", f"0..{n - 1}")
    assert_bad(invoke("explain", run_dir, "-r", -1), "--replication -1", f"0..{n - 1}")
    assert_bad(invoke("explain", run_dir, "--max-alternatives", -1), "--max-alternatives")


def test_explain_replication_without_events(run_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    events = pd.read_parquet(copy / "events.parquet")
    events[events["replication"] != 1].to_parquet(copy / "events.parquet", index=False)
    result = invoke("explain", copy, "-r", 1)
    assert result.exit_code == 0, result.output
    assert "no decisions were taken" in result.output
    assert result.output.splitlines()[1].startswith("outcome: ")


def test_invest_and_hold_are_described_for_what_they_are() -> None:
    from sim.explain import describe

    invest = {"kind": "invest", "action": "invest_heavy_rare_earths_ROW", "target": "ROW", "products": "heavy_rare_earths", "measure": ""}
    assert describe(invest) == "finances heavy_rare_earths capacity in ROW"
    assert describe({"kind": "hold", "action": "hold_rungs", "measure": ""}) == "(holds: no new move)"


def test_suspensions_hoarding_and_stockpile_releases_are_described() -> None:
    from sim.explain import describe

    suspend = {"kind": "impose", "action": "suspend_ree_rules", "measure": "export_licensing", "products": "rare_earths", "target": "all", "enforcement": 1.0}
    assert describe(suspend) == "suspends ree_rules (announced, not applied): export_licensing on rare_earths -> all, enforcement 100%"
    resume = {**suspend, "action": "resume_ree_rules"}
    assert describe(resume).startswith("applies ree_rules again: export_licensing")
    hoard = {"kind": "stockpile", "action": "target_cover_x2", "products": "heavy_rare_earths", "measure": ""}
    assert describe(hoard) == "precautionary buying: target_cover_x2 (threatened: heavy_rare_earths)"
    release = {"kind": "release_stockpile", "action": "release_stockpile_rare_earths", "products": "rare_earths", "measure": ""}
    assert describe(release) == "releases its national stockpile of rare_earths"
    assert describe({**release, "kind": "end_release"}) == "stops releasing its national stockpile of rare_earths"
