"""scripts/calibrate_ties.py: episodes read from events by hand, the pooled fit on toy tables worked
out by hand, the doc on the tiny pool of sweeps, and the shipped docs/calibration_ties.md made from
the current inputs (a --check, not a rerun)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import load_script

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = ROOT / "experiments" / "sweeps"
TINY = sorted((SWEEPS / "tiny").glob("ties_prior*.toml"))


@pytest.fixture(scope="module")
def cal():
    return load_script("calibrate_ties")


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


def test_the_doc_on_the_tiny_pool_is_what_the_script_writes(cal, tmp_path: Path) -> None:
    out = tmp_path / "calibration.md"
    args = [a for f in TINY for a in ("--sweep", str(f))]
    assert cal.main([*args, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == cal.header([f.resolve() for f in TINY])
    begin, end = lines.index("<!-- table:begin -->"), lines.index("<!-- table:end -->")
    table = lines[begin + 3:end]
    assert len(table) == 12
    for row in table:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 5 and all(cells)
        assert cells[3] in {"within", "**outside** (below)", "**outside** (above)", "no data", "not compared",
                            "undetermined (horizon under a year)"}
    # The main table pools the check runs (types drawn in the model) of every scenario: 3 x 4 runs.
    assert "of 12 |" in table[2] and "drawn in the model from the shipped prior" in text
    # One row per scenario in the per-scenario tables; one column per outcome class of sim/outcomes.py.
    from sim.outcomes import OUTCOME_CLASSES

    for name in ("rare_earth_curb", "photoresist_retaliation", "dual_use_ban"):
        # per scenario, outcome classes, fit
        assert sum(line.startswith(f"| {name} |") for line in lines) == 3
    header = next(line for line in lines if line.startswith("| scenario | `"))
    assert header.count("`") == 2 * len(OUTCOME_CLASSES)
    assert "| dual_use_ban | 4 | no threats |" in text  # its ladder threatens nothing
    # Patience and tolerance: the 12 check runs binned by each factor (terciles of x0.25-x4), every run in a bin.
    for column in ("hold_days_scale", "tolerance_scale"):
        counts = next(line for line in lines if f"(`{column}`" in line).split("runs per bin: ")[1].rstrip("):")
        assert sum(int(c.split(" (")[0]) for c in counts.split(", ")) == 12
        assert "| quantity | published | x0.25-x0.63 | x0.63-x1.6 | x1.6-x4 |" in lines
    assert sum(line.startswith(("The hold days: ", "The tolerance: ")) for line in lines) == 2
    for section in ("## Per scenario", "## The fit", "## Patience and tolerance", "## Reading", "`target_type`"):
        assert section in text
    # --check accepts what it just wrote, and refuses it once an input (the header) differs.
    assert cal.main([*args, "--out", str(out), "--check"]) == 0
    out.write_text(text.replace("inputs digest", "inputs digest 0"), encoding="utf-8")
    assert cal.main([*args, "--out", str(out), "--check"]) == 1
    # Bad use: one clear line, exit status 2, nothing written.
    out.unlink()
    assert cal.main([*args, "--out", str(out), "--folder", str(tmp_path)]) == 2  # one folder for three sweeps
    assert not out.exists()
    with pytest.raises(ValueError, match="one horizon"):
        runs = pd.DataFrame({"run_id": []})
        cal.render([cal.Sample("a", [], 150, runs), cal.Sample("b", [], 540, runs)], TINY, [])


def test_the_shipped_doc_was_made_from_the_current_inputs(cal) -> None:
    assert cal.main(["--check"]) == 0, "docs/calibration_ties.md is stale: run python scripts/calibrate_ties.py"


def _toy_targets(cal) -> tuple:
    """The fit's three targets with round ranges, for the toy tables."""
    return (cal.Target("threats never imposed", 0.35, 0.5, "-"), cal.Target("target concedes, either stage", 0.0, 0.5, "-"),
            cal.Target("unresolved at the horizon", 0.0, 0.5, "-"))


def _toy_cells(cal) -> dict:
    """A toy table: targets concede in every run unless resolute (then never); episodes unresolved
    only when both are resolute. Four runs a cell; 'threats never imposed' out of everyone's reach."""
    cells = {}
    for c in ("soft", "firm", "resolute"):
        for t in ("soft", "firm", "resolute"):
            cells[(c, t)] = {"threats never imposed": (0, 4),
                             "target concedes, either stage": (0 if t == "resolute" else 4, 4),
                             "unresolved at the horizon": (4 if c == t == "resolute" else 0, 4)}
    return cells


def test_reweighting_a_toy_table_by_hand(cal) -> None:
    cells = _toy_cells(cal)
    # Concedes unless the target is resolute: 1 - p_resolute; unresolved when both are: p_resolute^2.
    p = (0.2, 0.3, 0.5)
    assert cal.mixed_share([cells], p, "target concedes, either stage") == pytest.approx(0.5)
    assert cal.mixed_share([cells], p, "unresolved at the horizon") == pytest.approx(0.25)
    # A ratio of weighted means: a cell with more runs does not count more.
    cells[("soft", "soft")] = {k: (2 * a, 2 * n) for k, (a, n) in cells[("soft", "soft")].items()}
    assert cal.mixed_share([cells], p, "target concedes, either stage") == pytest.approx(0.5)
    assert cal.gap(0.6, 0.0, 0.5) == pytest.approx(0.1) and cal.gap(0.3, 0.35, 0.5) == pytest.approx(0.05)
    assert cal.gap(0.4, 0.35, 0.5) == 0.0


def test_pooling_two_toy_scenarios_by_hand(cal) -> None:
    a = _toy_cells(cal)
    # A second scenario: targets never concede, threats go unimposed in every run but there are threats
    # only when the coercer is soft (one threat per run there), and nothing is left unresolved.
    b = {(c, t): {"threats never imposed": ((4, 4) if c == "soft" else (0, 0)),
                  "target concedes, either stage": (0, 4), "unresolved at the horizon": (0, 4)}
         for c in ("soft", "firm", "resolute") for t in ("soft", "firm", "resolute")}
    p = (0.2, 0.3, 0.5)
    # Equal weights per scenario: concedes (0.5 + 0) / 2; unresolved (0.25 + 0) / 2.
    assert cal.mixed_share([a, b], p, "target concedes, either stage") == pytest.approx(0.25)
    assert cal.mixed_share([a, b], p, "unresolved at the horizon") == pytest.approx(0.125)
    # A share among a subset counts each scenario's subset as often as it occurs: a has a threat in every
    # run and none unimposed; b a threat in p_soft = 0.2 of runs, all unimposed -> 0.2 / (1 + 0.2).
    assert cal.mixed_share([a, b], p, "threats never imposed") == pytest.approx(0.2 / 1.2)
    # A scenario with no threats at all adds nothing to that share (and alone it has none).
    none = {k: {**v, "threats never imposed": (0, 0)} for k, v in b.items()}
    assert cal.mixed_share([a, none], p, "threats never imposed") == 0.0
    assert math.isnan(cal.mixed_share([none], p, "threats never imposed"))
    # Unequal weights: 3:1 for a.
    assert cal.mixed_share([a, b], p, "target concedes, either stage", weights=[0.75, 0.25]) == pytest.approx(0.375)


def test_every_shipped_scenario_is_pooled_or_excluded_with_a_reason(cal) -> None:
    import tomllib

    pooled = {cal.scenario_name(f) for f in sorted(SWEEPS.glob(cal.PATTERN))}
    shipped = {f.stem for f in (ROOT / "experiments").glob("*.toml")}
    assert pooled == {"rare_earth_curb", "photoresist_retaliation", "dual_use_ban"}
    assert shipped == pooled | set(cal.EXCLUDED) and not pooled & set(cal.EXCLUDED)
    assert all(len(why) > 20 for why in cal.EXCLUDED.values())
    # Each pooled sweep swept both types, shares one horizon, and has a tiny variant with the same parameters.
    horizons = set()
    for f in sorted(SWEEPS.glob(cal.PATTERN)):
        loaded = cal.load_sweep_file(f)
        assert {cal.COERCER_TYPE, cal.TARGET_TYPE} <= {p.column for p in loaded.sweep.parameters}
        horizons.add(loaded.base_raw["horizon_days"])
        small = tomllib.loads((SWEEPS / "tiny" / f.name).read_text())
        assert [p.path for p in loaded.sweep.parameters] == [p["path"] for p in small["parameters"]]
    assert len(horizons) == 1


def test_log_bins_and_binning_by_hand(cal) -> None:
    bins = cal.log_bins(0.25, 4.0)  # terciles of the log: 0.25 x 16^(1/3) = 0.630, x 16^(2/3) = 1.587
    assert [round(lo, 3) for lo, _ in bins] == [0.25, 0.63, 1.587] and bins[-1][1] == 4.0
    assert [cal.bin_of(x, bins) for x in (0.25, 0.62, 0.63, 1.0, 1.6, 4.0, 4.01, 0.2)] == [0, 0, 1, 1, 2, 2, -1, -1]
    with pytest.raises(ValueError, match="0 < low < high"):
        cal.log_bins(0.0, 4.0)


def test_accepted_bins_and_the_calibrated_range_by_hand(cal) -> None:
    w, out, nd = "within", "**outside** (above)", "no data"
    # a: met in bins 1-2, outside in 0 (decides: excludes bin 0); b: outside everywhere (a mechanism's
    # gap: excludes none); c: no data in bin 2 (excludes nothing there).
    verdicts = [{"a": out, "b": out, "c": w}, {"a": w, "b": out, "c": w}, {"a": w, "b": out, "c": nd}]
    assert cal.accepted_bins(verdicts) == ([1, 2], ["a", "c"])
    bins = cal.log_bins(0.25, 4.0)
    assert cal.calibrated_range(bins, [1, 2]).startswith("calibrated range x0.63-x4 (of the prior range x0.25-x4)")
    assert "the default 1.0 is inside it" in cal.calibrated_range(bins, [1, 2])
    assert "**outside it**" in cal.calibrated_range(bins, [2])
    assert "not contiguous" in cal.calibrated_range(bins, [0, 2])
    assert cal.accepted_bins([{"a": w}, {"a": w}, {"a": w}]) == ([0, 1, 2], ["a"])
    assert "do not constrain it over x0.25-x4" in cal.calibrated_range(bins, [0, 1, 2])
    assert "no part of x0.25-x4 fits" in cal.calibrated_range(bins, [])


def test_the_grid_of_priors(cal) -> None:
    grid = cal.prior_grid(step=0.25, floor=0.25)
    assert grid == [(0.25, 0.25, 0.5), (0.25, 0.5, 0.25), (0.5, 0.25, 0.25)]
    full = cal.prior_grid()  # step 0.05, floor 0.1: every point a prior, every type at least 0.1
    assert all(abs(sum(p) - 1) < 1e-12 and min(p) >= 0.1 - 1e-12 for p in full)
    assert len(full) == 120  # 20 steps into 3 parts each >= 2: 14 into 3 parts >= 0, C(16, 2)


def test_the_fit_picks_the_prior_that_minimises_the_distance_on_a_toy_table(cal) -> None:
    cells = _toy_cells(cal)
    grid = [(0.6, 0.3, 0.1), (0.4, 0.3, 0.3), (0.2, 0.2, 0.6), (0.1, 0.1, 0.8)]
    # Concedes = 1 - p_r: 0.9, 0.7, 0.4, 0.2; unresolved = p_r^2: 0.01, 0.09, 0.36, 0.64.
    # Squared gaps to [0, 0.5] each: 0.16, 0.04, 0, 0.0196 -> (0.2, 0.2, 0.6) alone fits both.
    # 'threats never imposed' (0 everywhere) is out of every prior's reach: reported, not fitted.
    targets = _toy_targets(cal)
    assert [t.label for t in cal.reachable([cells], targets, grid)] == [
        "target concedes, either stage", "unresolved at the horizon"]
    fit = cal.fit_prior([cells], targets, grid=grid)
    assert fit.prior == (0.2, 0.2, 0.6) and fit.distance == 0.0
    assert fit.shares["target concedes, either stage"] == pytest.approx(0.4)
    assert fit.shares["threats never imposed"] == 0.0
    # Among priors at the same distance, the one nearest the reference (the smallest change).
    tied = [(0.3, 0.1, 0.6), (0.2, 0.2, 0.6), (0.1, 0.3, 0.6)]
    assert cal.fit_prior([cells], targets, grid=tied, reference=(0.1, 0.4, 0.5)).prior == (0.1, 0.3, 0.6)
    assert cal.fit_prior([cells], targets, grid=tied, reference=(0.4, 0.1, 0.5)).prior == (0.3, 0.1, 0.6)
    # With no target reachable, the fit minimises the distance to all of them.
    only = (cal.Target("threats never imposed", 0.35, 0.5, "-"), cal.Target("target concedes, either stage", 0.0, 0.1, "-"))
    fit = cal.fit_prior([cells], targets=only, grid=grid)
    assert fit.prior == (0.1, 0.1, 0.8)  # gaps 0.35 and 0.1: the smallest sum of squares
    assert fit.distance == pytest.approx(0.35**2 + 0.1**2)
    with pytest.raises(ValueError, match="empty grid"):
        cal.fit_prior([cells], targets, grid=[])


def test_the_config_default_prior_is_the_calibrated_one() -> None:
    from agents.strategy import DEFAULT_PRIOR
    from sim.config import Government

    assert tuple(Government().resolve_prior) == pytest.approx(DEFAULT_PRIOR, rel=1e-12)


def test_china_cases_are_the_reference_for_episode_lengths_by_hand(cal) -> None:
    # The eight CSIS cases' lengths (seeds/facts.toml): Mongolia 2016 27 days, Japan 2010 60, Lithuania 726,
    # Australia's barley 1173, Canada's canola 1174, Philippine bananas 1652, Norway's salmon 2201, Korea's
    # group tours 2339. Six outlast 540 days; Wilson 95% interval of 6/8: [41%, 93%].
    assert cal.china_case_days() == [27, 60, 726, 1173, 1174, 1652, 2201, 2339]
    k, n, low, high = cal.china_beyond(540)
    assert (k, n) == (6, 8) and low == pytest.approx(0.409, abs=1e-3) and high == pytest.approx(0.929, abs=1e-3)
    assert cal.china_beyond(30)[0] == 7 and cal.china_beyond(3000)[0] == 0
    assert cal.lower_median(cal.china_case_days()) == 1173  # the 4th of 8
    unresolved = {t.label: t for t in cal.fit_targets(540)}["unresolved at the horizon"]
    assert (unresolved.low, unresolved.high) == (low, high)
    # Four episodes with a measure imposed: three unresolved at the horizon (censored), one resolved on day 100.
    # 3/4 unresolved, Wilson [30%, 95%], meets [41%, 93%]; the median is censored (beyond the horizon), as
    # China's cases' (1173 days); both are outside TIES's 'a minority' and 'under a year'.
    eps = [cal.Episode(False, False, True, "stalemate", 0.0, 540.0, True) for _ in range(3)]
    eps.append(cal.Episode(False, False, True, "target_concedes", 0.0, 100.0, False))
    rows = {r[0]: r for r in cal.table_rows(eps, 540)}
    china = rows["Episodes unresolved at the horizon (540 days), China as sender"]
    assert china[1].startswith("6 of 8 CSIS cases lasted longer (75%; 95% interval 41%-93%)")
    assert china[2] == "75% [30%, 95%] of 4" and china[3] == "within"
    assert rows["Episodes unresolved at the horizon (540 days), TIES (all senders)"][3] == "within"  # 30% < 50%
    median = rows["Median length, episodes with a measure imposed, China as sender"]
    assert median[2] == "over 540 days (censored) of 4" and median[3] == "within"
    assert rows["Median length, episodes with a measure imposed, TIES (all senders)"][3] == "**outside** (above)"
    # Ten short episodes (days 10-100): the lower median (day 50) within the horizon, unlike China's cases, and
    # none unresolved: Wilson [0%, 28%] of 10 misses [41%, 93%].
    short = [cal.Episode(False, False, True, "target_concedes", 0.0, 10.0 * d, False) for d in range(1, 11)]
    rows = {r[0]: r for r in cal.table_rows(short, 540)}
    assert rows["Median length, episodes with a measure imposed, China as sender"][3] == "**outside** (below)"
    assert rows["Median length, episodes with a measure imposed, TIES (all senders)"][3] == "within"
    assert rows["Episodes unresolved at the horizon (540 days), China as sender"][3] == "**outside** (below)"
    # The reading says so from the same facts: the lengths, the count beyond the horizon, the duty's sunset.
    text = " ".join(cal.reading(cal.table_rows(eps, 540), [], None, 540))
    assert "lasted 27 to 2339 days (lower median 1173); 6 of 8 outlasted 540 days" in text
    assert "at the latest 5 years on unless a review extends it" in text
