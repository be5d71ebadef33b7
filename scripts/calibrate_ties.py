"""Calibrate the decision layer's prior over resolve types to the published sanctions datasets (TIES,
China TIES, ASPI, CSIS), over a pool of strategic scenarios, and write ``docs/calibration_ties.md``.

The procedure, in three steps:

1. **Broad sweeps.** Run every ``experiments/sweeps/ties_prior*.toml`` with the project's sweep tool:
   one per pooled scenario (a coercer and a target that both decide by the strategic rules), the
   coercer's and the target's resolve types drawn uniformly (swept, columns ``coercer_type`` and
   ``target_type``), political costs spread widely, one common horizon.
2. **Fit.** The common prior over types (how often a government is soft, firm or resolute:
   ``DEFAULT_PRIOR`` in agents/strategy.py) is the only quantity fitted. A prior ``p`` weights each
   sweep's (coercer type, target type) cells by ``p[coercer] x p[target]``; the pool's share of a
   target is the ratio of the scenarios' reweighted hits and denominators per run, each scenario
   weighing the same (:data:`POOL_WEIGHTS`: equal per scenario). :func:`fit_prior` picks, on a
   simplex grid (step 0.05, each type at least 0.1: every type occurs), the prior whose pooled shares
   are nearest the published ranges (:func:`fit_targets`; distance = sum of squared gaps to each
   range, 0 inside) of the targets some grid prior can reach, ties going to the prior nearest the
   pre-calibration one (the smallest change). A target no prior reaches is reported, with the
   mechanism that keeps it out of reach, rather than fitted.
3. **Check.** Rerun each sweep with the types drawn in the model from the shipped prior (the type
   parameters removed) and compare every quantity with the data: the main table (the pool) and the
   per-scenario table.

The types' patience and tolerance (``TYPE_HOLD_DAYS``, ``TYPE_TOLERANCE_PCT``, scaled per government by
the scenario keys ``hold_days_scale`` and ``tolerance_scale``) are swept in the same sweeps (one common
factor of each kind, log-uniform) and calibrated by range: the doc's section *Patience and tolerance*
bins the check runs by each factor and keeps the bins whose published rows are all within their ranges
(:func:`accepted_bins`). The fitted prior is written into agents/strategy.py and
sim/config/agents.py by hand (the doc says whether the shipped prior is the fitted one), so the code never
changes behind the user's back.

    python scripts/calibrate_ties.py -j 2                # runs every ties_prior*.toml, writes the doc
    python scripts/calibrate_ties.py --sweep a.toml --sweep b.toml   # another pool of sweep files
    python scripts/calibrate_ties.py --keep runs/ties    # keep the sweeps' folders (and reuse them: resume)
    python scripts/calibrate_ties.py --folder runs/... --folder ...  # tabulate finished sweep folders, one
                                                         # per --sweep in order (no check run)
    python scripts/calibrate_ties.py --check             # the doc's inputs (sweep files, their base scenarios,
                                                         # facts, type constants) are still those it was made from

Published figures come from ``seeds/facts.toml`` (each row names its facts). The ``--check`` mode
does not rerun the sweeps: it recomputes the doc's header (a digest of its inputs) and compares it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents import strategy  # noqa: E402
from sim.analysis import wilson_interval  # noqa: E402
from sim.errors import ScenarioError  # noqa: E402
from sim.facts import load_facts  # noqa: E402
from sim.outcomes import OUTCOME_CLASSES  # noqa: E402
from sim.sweep import run_sweep  # noqa: E402
from sim.sweep_analysis import load_sweep, load_sweep_events  # noqa: E402
from sim.sweep_config import load_sweep_file  # noqa: E402

SWEEPS = ROOT / "experiments" / "sweeps"
PATTERN = "ties_prior*.toml"
DOC = ROOT / "docs" / "calibration_ties.md"
FACTS_USED = (
    "ties_cases_1945_2005", "ties_threats_not_imposed_share", "ties_episodes_under_a_year", "china_ties_sender_episodes",
    "china_sanctions_rarely_threatened_first", "aspi_ccp_coercion_cases_2020", "aspi_most_targets_stood_firm_2023",
    "csis_china_coercion_eight_cases_2023", "ties_new_episode_after_a_year_inactive", "china_ties_cases_new_share",
    "china_mongolia_border_closure_2002_days", "wto_antidumping_sunset_years",
)
# The CSIS 2023 study's eight cases of Chinese economic coercion (csis_china_coercion_eight_cases_2023),
# each one's length in days from its first measure to the lifting of the main measure or the target's
# concession: the China-as-sender reference for episode lengths. TIES ("most episodes last under a
# year") is mostly announced Western sanctions; most Chinese episodes are missing from it
# (china_ties_cases_new_share), and the pooled scenarios all have China as the sender.
CHINA_CASES = (
    "china_ree_informal_hold_japan_duration_days_2010", "norway_salmon_restrictions_days_2010_2016",
    "philippines_banana_restrictions_days_2012_2016", "mongolia_dalai_lama_sanctions_days_2016",
    "korea_thaad_group_tour_ban_days_2017_2023", "australia_barley_duties_days_2020_2023",
    "canada_canola_ban_days_2019_2022", "lithuania_customs_block_days_2021_2023",
)
FACTS_USED += CHINA_CASES
# The type constants the comparison depends on (agents/strategy.py): a change to any makes --check fail.
CONSTANTS = ("TYPE_HOLD_DAYS", "TYPE_TOLERANCE_PCT", "CARRY_OUT_PROBABILITY", "DEFAULT_PRIOR", "TYPE_WEIGHT",
             "ESCALATE_LIKELIHOOD", "COSTLY_ESCALATE_LIKELIHOOD", "YIELD_LIKELIHOOD")
# How far below the TIES "almost half" a share may be and still be read as "almost half".
ALMOST_HALF = (0.35, 0.50)
# The sweep columns holding the swept resolve types (the fit reweights them).
COERCER_TYPE, TARGET_TYPE = "coercer_type", "target_type"
# Outcome classes read as the target giving in, and as the coercer giving up (sim/outcomes.py). Any
# other class (a new one included) is shown in the per-scenario outcome table, read from
# OUTCOME_CLASSES, and counts as neither.
CONCEDES = ("threat_succeeded", "target_concedes")
BACKS_DOWN = ("coercer_backs_down",)
# How the pool weighs its scenarios: equal per scenario (each sweep has as many runs, and the fit
# averages the scenarios' reweighted shares per run). TIES is many different episodes; no scenario
# here stands for more of them than another.
POOL_WEIGHTS = "equal per scenario"

# The shipped scenarios not pooled, and why (a test checks that every experiments/*.toml is either
# the base of a ties_prior*.toml sweep or listed here).
EXCLUDED = {
    "beyond_trade": "the rare_earth_curb dyad with a travel advisory added; its random change of government redraws "
                    "Japan's type from the shipped prior mid-run, which reweighting the swept types by another prior "
                    "cannot follow",
    "korea_hedging": "the rare_earth_curb dyad again, with a scheduled (not decided) licensing of Korea on day 0 that "
                     "makes Korea the episode's target; Korea hedges (aligns or stays out) rather than concedes",
    "differentiated_chip_controls": "Japan aligns its chip controls at an ally's request, not to extract a concession; "
                                    "China, the target, has no rule to give in, so concession shares are zero by construction",
    "rare_earth_ban_scripted": "scripted measures: nobody decides",
    "senkaku_2010": "a back-test of 2010 with scripted measures: nobody decides",
}


@dataclass(frozen=True)
class Episode:
    """What the datasets record of one run, read from its events."""

    threatened: bool  # the coercer threatened a measure
    threat_imposed: bool  # ... and later imposed that measure
    any_imposed: bool  # the coercer imposed any measure
    outcome: str
    start: float  # first threat or measure of the coercer (day)
    end: float  # resolution day, or the horizon when unresolved (censored)
    censored: bool


def episode(events: pd.DataFrame, outcome: str, resolution_day: float, horizon: int) -> Episode:
    """Read one run's episode: the coercer is whoever first threatens or imposes."""
    moves = events[events["kind"].isin(["threaten", "impose"])].sort_values("day", kind="stable")
    if moves.empty:
        return Episode(False, False, False, outcome, math.nan, math.nan, True)
    coercer = moves.iloc[0]["actor"]
    own = events[events["actor"] == coercer]
    threats = {a.removeprefix("threaten_") for a in own.loc[own["kind"] == "threaten", "action"]}
    imposed = set(own.loc[own["kind"] == "impose", "action"])
    start = float(moves.iloc[0]["day"])
    unresolved = not math.isfinite(resolution_day)
    end = float(horizon) if unresolved else float(resolution_day)
    return Episode(bool(threats), bool(threats & imposed), bool(imposed), outcome, start, end, unresolved)


@dataclass(frozen=True)
class Sample:
    """One finished sweep, read as episodes: ``name`` is its base scenario's."""

    name: str
    eps: list[Episode]
    horizon: int
    runs: pd.DataFrame


def read_sample(folder: Path) -> Sample:
    runs = load_sweep(folder)
    events = load_sweep_events(folder)
    scenario = json.loads((folder / "scenario.json").read_text())
    horizon = int(scenario["horizon_days"])
    by_run = dict(tuple(events.groupby("run_id"))) if len(events) else {}
    empty = events.iloc[0:0]
    eps = [episode(by_run.get(r.run_id, empty), str(r.outcome), float(r.resolution_day), horizon)
           for r in runs.itertuples() if r.error is None]
    return Sample(str(scenario.get("name", folder.name)), eps, horizon, runs[runs["error"].isna()].reset_index(drop=True))


def share(k: int, n: int) -> tuple[float, float, float]:
    low, high = wilson_interval(k, n)
    return (k / n if n else math.nan), low, high


def pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.0f}%"


def verdict(low: float, high: float, lo: float, hi: float) -> str:
    """within when the model's interval overlaps the published range, else outside (which side)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "no data"
    if high < lo:
        return "**outside** (below)"
    if low > hi:
        return "**outside** (above)"
    return "within"


def china_case_days() -> list[float]:
    """The CSIS cases' lengths in days (seeds/facts.toml), shortest first."""
    facts = load_facts()
    return sorted(float(facts[n].value) for n in CHINA_CASES)


def china_beyond(horizon: int) -> tuple[int, int, float, float]:
    """(cases that outlasted ``horizon`` days, cases, 95% Wilson interval of that share): the
    China-as-sender reference for the share of episodes unresolved at the horizon."""
    days = china_case_days()
    k = sum(d > horizon for d in days)
    low, high = wilson_interval(k, len(days))
    return k, len(days), low, high


def lower_median(values: Sequence[float]) -> float:
    """The lower median (as :func:`median_days` reads the model's episodes)."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2] if ordered else math.nan


def median_days(eps: list[Episode]) -> tuple[float, bool]:
    """Median episode length in days and whether it is censored (more than half still unresolved)."""
    lengths = sorted((e.end - e.start, e.censored) for e in eps)
    if not lengths:
        return math.nan, False
    mid = lengths[(len(lengths) - 1) // 2]
    return mid[0], mid[1]


# Why a target no prior can reach stays out of reach: the mechanism that would have to change.
MECHANISM = {
    "threats never imposed": (
        " In the pooled scenarios a threat goes unimposed mostly when the target gives in at the threat stage: China's "
        "stake is high, so a called threat is carried out and a threat is seldom dropped; TIES's unimposed threats also "
        "count senders who drop their threat or let it lapse (TIES opens a new episode after a year without activity, "
        "so a threat left standing a year is closed unimposed). Reaching the TIES share would need a coercer whose "
        "threat can lapse, or a lower stake — and China, per the China TIES data, seldom threatens first, so the TIES "
        "share is an upper reference here."),
    "target concedes, either stage": (
        " Soft and firm targets give in whenever China's measures outlast what they expect to bear."),
    "unresolved at the horizon": (
        " An episode ends only by a concession, a back-down or a negotiated off-ramp; with resolute types common, "
        "stand-offs outlast the horizon."),
}

# --- The fit: the common prior over resolve types, from the broad sweeps' type cells ---------------

# The prior assumed before calibration (agents/strategy.py until the first fit): the "before" column
# and the tie-break of the fit.
PRE_FIT_PRIOR = (0.3, 0.4, 0.3)
FIT_STEP = 0.05  # the grid over the simplex of priors
FIT_FLOOR = 0.1  # each type keeps at least this weight: the model's three types all occur


@dataclass(frozen=True)
class Target:
    """A published range the fit aims at: a share of episodes, to land in [low, high]."""

    label: str
    low: float
    high: float
    facts: str


def fit_targets(horizon: int) -> tuple[Target, ...]:
    """The published ranges the fit uses (seeds/facts.toml; read as in the table below). Episodes
    unresolved at the horizon are compared with China's own cases (the share of the CSIS cases that
    outlasted ``horizon`` days, its 95% interval): the pooled scenarios have China as the sender,
    and TIES's "mostly under a year" describes other senders' (mostly announced) sanctions."""
    _, _, low, high = china_beyond(horizon)
    return (
        Target("threats never imposed", *ALMOST_HALF, "ties_threats_not_imposed_share"),
        Target("target concedes, either stage", 0.0, 0.5, "aspi_most_targets_stood_firm_2023"),
        Target("unresolved at the horizon", low, high, "csis_china_coercion_eight_cases_2023 and its cases' lengths"),
    )


def target_counts(eps: list[Episode]) -> dict[str, tuple[int, int]]:
    """(hits, among) of each fit target in a group of episodes."""
    threat = [e for e in eps if e.threatened]
    started = [e for e in eps if e.start == e.start]
    return {
        "threats never imposed": (sum(not e.threat_imposed for e in threat), len(threat)),
        "target concedes, either stage": (sum(e.outcome in CONCEDES for e in eps), len(eps)),
        "unresolved at the horizon": (sum(e.censored for e in started), len(started)),
    }


Cells = dict[tuple[str, str], dict[str, tuple[int, int]]]


def type_cells(sample: Sample) -> Cells:
    """A broad sweep's runs grouped by (coercer type, target type), with each target's counts."""
    groups: dict[tuple[str, str], list[Episode]] = {}
    for e, c, t in zip(sample.eps, sample.runs[COERCER_TYPE], sample.runs[TARGET_TYPE], strict=True):
        groups.setdefault((str(c), str(t)), []).append(e)
    return {k: target_counts(g) for k, g in groups.items()}


def reweighted(cells: Cells, prior: Sequence[float], label: str) -> tuple[float, float]:
    """A target's hits and denominator per run when both governments' types are drawn from
    ``prior``: each cell's counts per run, weighted by ``p[coercer] x p[target]``."""
    num = den = 0.0
    for (c, t), counts in cells.items():
        runs = max(n for _, n in counts.values()) or 1  # runs in the cell (the widest denominator)
        w = prior[strategy.TYPES.index(c)] * prior[strategy.TYPES.index(t)] / runs
        num += w * counts[label][0]
        den += w * counts[label][1]
    return num, den


def mixed_share(pool: Sequence[Cells], prior: Sequence[float], label: str,
                weights: Sequence[float] | None = None) -> float:
    """A target's share over the pool of scenarios, types drawn from ``prior``: the ratio of the
    scenarios' reweighted hits and denominators per run, scenario ``s`` weighing ``weights[s]``
    (default equal). A share among a subset (threats) counts each scenario's subset in proportion to
    how often it occurs there: a scenario without threats adds nothing to 'threats never imposed'."""
    weights = weights if weights is not None else [1.0 / len(pool)] * len(pool)
    num = den = 0.0
    for w, cells in zip(weights, pool, strict=True):
        n, d = reweighted(cells, prior, label)
        num += w * n
        den += w * d
    return num / den if den > 0 else math.nan


def gap(x: float, low: float, high: float) -> float:
    """How far a share lies outside [low, high] (0 inside)."""
    return max(low - x, 0.0, x - high) if math.isfinite(x) else 1.0


def prior_grid(step: float = FIT_STEP, floor: float = FIT_FLOOR) -> list[tuple[float, float, float]]:
    """Every prior (soft, firm, resolute) on the simplex at ``step``, each weight at least ``floor``."""
    n = round(1 / step)
    lo = round(floor / step)
    return [(a / n, b / n, (n - a - b) / n) for a in range(lo, n + 1) for b in range(lo, n + 1 - a) if n - a - b >= lo]


@dataclass(frozen=True)
class Fit:
    prior: tuple[float, ...]
    distance: float
    shares: dict[str, float]


def distance(pool: Sequence[Cells], prior: Sequence[float],
             targets: tuple[Target, ...]) -> tuple[float, dict[str, float]]:
    shares = {t.label: mixed_share(pool, prior, t.label) for t in targets}
    return sum(gap(shares[t.label], t.low, t.high) ** 2 for t in targets), shares


def reachable(pool: Sequence[Cells], targets: tuple[Target, ...], grid: list[tuple[float, ...]]) -> tuple[Target, ...]:
    """The targets some prior on the grid brings into their range. A target none reaches is a
    mechanism's gap, not the prior's: fitting it would only drag the others out of their ranges."""
    return tuple(t for t in targets if any(gap(mixed_share(pool, p, t.label), t.low, t.high) == 0 for p in grid))


def fit_prior(pool: Sequence[Cells], targets: tuple[Target, ...], grid: list[tuple[float, ...]] | None = None,
              reference: tuple[float, ...] = PRE_FIT_PRIOR) -> Fit:
    """The grid prior whose pooled shares are nearest the reachable targets (all of them when none
    is reachable); among equals (to 1e-12), the one nearest ``reference`` (Euclidean): the smallest
    change that fits; then the first in grid order."""
    grid = grid if grid is not None else prior_grid()
    if not grid:
        raise ValueError("empty grid of priors")
    aim = reachable(pool, targets, grid) or targets
    best: tuple[float, float, int] | None = None
    found: Fit | None = None
    for i, prior in enumerate(grid):
        d, _ = distance(pool, prior, aim)
        key = (round(d, 12), math.dist(prior, reference), i)
        if best is None or key < best:
            best, found = key, Fit(tuple(prior), d, distance(pool, prior, targets)[1])
    assert found is not None
    return found


def _mark(x: float, t: Target) -> str:
    if not math.isfinite(x):
        return "n/a"
    return pct(x) + ("" if gap(x, t.low, t.high) == 0 else " (outside)")


def fit_lines(pool: dict[str, Cells], targets: tuple[Target, ...]) -> list[str]:
    """The doc's fit section: the targets' pooled shares at the pre-calibration, shipped and fitted
    priors; then per scenario, and each scenario's own fit (what it alone would pick)."""
    cells = list(pool.values())
    fit = fit_prior(cells, targets)
    shipped = tuple(strategy.DEFAULT_PRIOR)
    near = fit_prior(cells, targets, reference=shipped)
    before, now = distance(cells, PRE_FIT_PRIOR, targets)[1], distance(cells, shipped, targets)[1]
    aim = reachable(cells, targets, prior_grid())
    lines = ["", "## The fit", "",
             f"Fitted quantity: the common prior over resolve types (soft, firm, resolute), on a grid of step {FIT_STEP:g} "
             f"with each type at least {FIT_FLOOR:g}. Each broad sweep's (coercer type, target type) cells are reweighted "
             f"by the prior, and the pool's share is the scenarios' reweighted shares per run pooled with weights "
             f"{POOL_WEIGHTS} ({len(pool)} scenarios: {', '.join(pool)}).", "",
             "| target | published | before: prior " + _fmt(PRE_FIT_PRIOR) + " | shipped: prior " + _fmt(shipped)
             + " | fitted: prior " + _fmt(fit.prior) + " | facts |",
             "|---|---|---|---|---|---|"]
    for t in targets:
        lines.append(f"| {t.label} | {pct(t.low)}-{pct(t.high)} | {_mark(before[t.label], t)} | {_mark(now[t.label], t)} | "
                     f"{_mark(fit.shares[t.label], t)} | {t.facts} |")
    d0 = distance(cells, PRE_FIT_PRIOR, aim or targets)[0]
    lines += ["", "Fitted to the targets some prior on the grid can reach (" + ", ".join(t.label for t in aim or targets)
              + ("; see *Reading* for the others" if len(aim) < len(targets) else "") + "): distance to their ranges (sum of squared gaps) "
              f"{d0:.4f} before, {fit.distance:.4f} fitted; among priors at the same distance the fit takes the one nearest "
              "the pre-calibration prior (the smallest change).",
              "", ("The shipped prior (`DEFAULT_PRIOR` in agents/strategy.py, `resolve_prior` default in sim/config/agents.py) "
                   f"is {_fmt(shipped)}: " + ("the fitted one." if _close(shipped, fit.prior) else
                                            f"**not the fitted one**: set it to {_fmt(fit.prior)} and rerun.")),
              "", (f"Taking instead the smallest change from the shipped prior (same distance, tie-break nearest "
                   f"{_fmt(shipped)}) gives {_fmt(near.prior)} (distance {near.distance:.4f}; "
                   + ", ".join(f"{t.label} {pct(near.shares[t.label])}" for t in targets) + ")."),
              "", "Per scenario, at the fitted prior, and the prior each scenario alone would pick (same procedure):", "",
              "| scenario | " + " | ".join(t.label for t in targets) + " | own fit |",
              "|---|" + "---|" * (len(targets) + 1)]
    for name, c in pool.items():
        own = fit_prior([c], targets)
        lines.append(f"| {name} | " + " | ".join(_mark(mixed_share([c], fit.prior, t.label), t) for t in targets)
                     + f" | {_fmt(own.prior)} |")
    return lines


def _fmt(prior: Sequence[float]) -> str:
    return "(" + ", ".join(f"{p:.2f}" for p in prior) + ")"


def _close(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(abs(x - y) < 1e-9 for x, y in zip(a, b, strict=True))


def _cell(k: int, n: int) -> tuple[str, float, float]:
    s, lo, hi = share(k, n)
    return f"{pct(s)} [{pct(lo)}, {pct(hi)}] of {n}", lo, hi


def table_rows(eps: list[Episode], horizon: int) -> list[tuple[str, str, str, str, str]]:
    """The main table's rows: each quantity of the episodes beside its published range."""
    f = {n: load_facts()[n].value for n in FACTS_USED}
    n = len(eps)
    threat = [e for e in eps if e.threatened]
    started = [e for e in eps if e.start == e.start]
    rows = []
    text, lo, hi = _cell(sum(not e.threat_imposed for e in threat), len(threat))
    rows.append(("Threats whose measure was never imposed (of episodes with a threat)",
                 f"almost half ({pct(f['ties_threats_not_imposed_share'])}; read as {pct(ALMOST_HALF[0])}-{pct(ALMOST_HALF[1])})",
                 text, verdict(lo, hi, *ALMOST_HALF), "ties_threats_not_imposed_share, ties_new_episode_after_a_year_inactive"))
    text, lo, hi = _cell(sum(not e.any_imposed for e in started), len(started))
    rows.append(("Threat-only episodes (coercer imposed nothing), China as sender",
                 "fewer than in TIES: China seldom threatens first (below ~45%)", text, verdict(lo, hi, 0.0, ALMOST_HALF[0]),
                 "china_sanctions_rarely_threatened_first, china_ties_sender_episodes, china_ties_cases_new_share"))
    for label, classes in (("Target concedes at the threat stage", ("threat_succeeded",)),
                           ("Target concedes after imposition", ("target_concedes",))):
        text, lo, hi = _cell(sum(e.outcome in classes for e in eps), n)
        rows.append((label, "a minority: most targets stand firm, some give in (0-50% together)", text, verdict(lo, hi, 0.0, 0.5),
                     "aspi_most_targets_stood_firm_2023, csis_china_coercion_eight_cases_2023"))
    text, lo, hi = _cell(sum(e.outcome in CONCEDES for e in eps), n)
    rows.append(("Target concedes, either stage", "a minority (under 50%), but it happens (above 0%)", text,
                 verdict(lo, hi, 1e-9, 0.5), "aspi_most_targets_stood_firm_2023"))
    text, lo, hi = _cell(sum(e.outcome in BACKS_DOWN for e in eps), n)
    rows.append(("Coercer backs down (drops its measures or threat)", "happens: Beijing has dropped measures that grew costly (above 0%)",
                 text, verdict(lo, hi, 1e-9, 1.0), "csis_china_coercion_eight_cases_2023"))
    text, lo, hi = _cell(sum(e.outcome == "negotiated_offramp" for e in eps), n)
    rows.append(("Negotiated off-ramp (both step back)", "not reported as a share (TIES codes negotiated settlements)",
                 text, "not compared", "-"))
    text, lo, hi = _cell(sum(e.censored for e in started), len(started))
    k, cases, case_lo, case_hi = china_beyond(horizon)
    case_facts = "csis_china_coercion_eight_cases_2023, " + ", ".join(CHINA_CASES)
    rows.append((f"Episodes unresolved at the horizon ({horizon} days), China as sender",
                 f"{k} of {cases} CSIS cases lasted longer ({pct(k / cases)}; 95% interval {pct(case_lo)}-{pct(case_hi)})",
                 text, verdict(lo, hi, case_lo, case_hi), case_facts))
    rows.append((f"Episodes unresolved at the horizon ({horizon} days), TIES (all senders)", "a minority run for years",
                 text, verdict(lo, hi, 0.0, 0.5), "ties_episodes_under_a_year"))
    year = f["ties_episodes_under_a_year"]
    imposed = [e for e in started if e.any_imposed]
    days, censored = median_days(imposed)
    china = lower_median(china_case_days())
    if not imposed:
        ok = "no data"
    elif china > horizon:
        ok = "within" if censored else "**outside** (below)"  # both medians beyond the horizon, or not
    else:
        ok = "**outside** (above)" if censored else "within"
    rows.append(("Median length, episodes with a measure imposed, China as sender",
                 f"{china:.0f} days (the CSIS cases' lower median: beyond the {horizon}-day horizon)"
                 if china > horizon else f"{china:.0f} days (the CSIS cases' lower median)",
                 f"{_median_text(imposed)} of {len(imposed)}", ok, "csis_china_coercion_eight_cases_2023 and its cases (as above)"))
    for label, group in (("Median length, threat-only episodes, TIES (all senders)", [e for e in started if not e.any_imposed]),
                         ("Median length, episodes with a measure imposed, TIES (all senders)", imposed)):
        days, censored = median_days(group)
        if not group:
            ok = "no data"
        elif censored and horizon < year:
            ok = "undetermined (horizon under a year)"
        else:
            ok = "**outside** (above)" if censored or days >= year else "within"
        rows.append((label, f"under a year (< {year:.0f} days)", f"{_median_text(group)} of {len(group)}", ok,
                     "ties_episodes_under_a_year" + (", china_mongolia_border_closure_2002_days" if "imposed" in label else "")))
    return rows


def _median_text(group: list[Episode]) -> str:
    days, censored = median_days(group)
    return "no such episodes" if not group else (f"over {days:.0f} days (censored)" if censored else f"{days:.0f} days")


def scenario_lines(samples: list[Sample]) -> list[str]:
    """Per scenario of the pool (check runs): the main quantities, then every outcome class's share
    (the classes read from sim/outcomes.py, so a new class shows up here)."""
    cols = ("threats never imposed", "threat-only", "target concedes", "coercer backs down", "unresolved at the horizon",
            "median, threat-only", "median, imposed")
    lines = ["", "## Per scenario", "",
             "The same quantities for each pooled scenario's check run (95% Wilson intervals; medians in days, *>* when "
             "censored at the horizon):", "",
             "| scenario | runs | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    for s in samples:
        started = [e for e in s.eps if e.start == e.start]
        threat = [e for e in s.eps if e.threatened]
        cells = [_cell(sum(not e.threat_imposed for e in threat), len(threat))[0] if threat else "no threats",
                 _cell(sum(not e.any_imposed for e in started), len(started))[0],
                 _cell(sum(e.outcome in CONCEDES for e in s.eps), len(s.eps))[0],
                 _cell(sum(e.outcome in BACKS_DOWN for e in s.eps), len(s.eps))[0],
                 _cell(sum(e.censored for e in started), len(started))[0]]
        for group in ([e for e in started if not e.any_imposed], [e for e in started if e.any_imposed]):
            days, censored = median_days(group)
            cells.append("-" if not group else (f">{days:.0f}" if censored else f"{days:.0f}"))
        lines.append(f"| {s.name} | {len(s.eps)} | " + " | ".join(cells) + " |")
    classes = list(OUTCOME_CLASSES) + sorted({e.outcome for s in samples for e in s.eps} - set(OUTCOME_CLASSES))
    lines += ["", "Outcome classes (sim/outcomes.py) per scenario, share of runs:", "",
              "| scenario | " + " | ".join(f"`{c}`" for c in classes) + " |", "|---|" + "---|" * len(classes)]
    for s in samples:
        lines.append(f"| {s.name} | " + " | ".join(pct(sum(e.outcome == c for e in s.eps) / len(s.eps)) if s.eps else "n/a"
                                                   for c in classes) + " |")
    return lines


def scenario_name(sweep_file: Path) -> str:
    """The pooled scenario a sweep file runs: its base scenario file's name."""
    return Path(load_sweep_file(sweep_file).base_file).stem


def header(sweep_files: Sequence[Path]) -> str:
    """The doc's first line: what it was made from, as a digest a --check recomputes (the sweep
    files, their base scenarios as resolved, the facts and the type constants)."""
    facts = load_facts()
    sweeps = []
    for f in sweep_files:
        loaded = load_sweep_file(f)
        sweeps.append({
            "sweep": f.relative_to(ROOT).as_posix() if f.is_relative_to(ROOT) else f.name,
            "sweep_sha256": hashlib.sha256(f.read_bytes()).hexdigest()[:16],
            "base_sha256": hashlib.sha256(json.dumps(loaded.base_raw, sort_keys=True, default=str).encode()).hexdigest()[:16],
        })
    inputs = {
        "sweeps": sweeps,
        "facts": {n: facts[n].value for n in FACTS_USED},
        "constants": {c: list(getattr(strategy, c)) for c in CONSTANTS},
        "weights": POOL_WEIGHTS,
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]
    names = ", ".join(f"{s['sweep']} ({s['sweep_sha256']})" for s in sweeps)
    return f"<!-- made by scripts/calibrate_ties.py from {names}; inputs digest {digest} -->"


def by_type(samples: list[Sample]) -> list[str]:
    """Pooled outcome shares per value of each swept resolve type: which mix of types the published
    shares would need."""
    lines = []
    for col, who in ((COERCER_TYPE, "coercer"), (TARGET_TYPE, "target")):
        pairs = [(e, str(v)) for s in samples if col in s.runs for e, v in zip(s.eps, s.runs[col], strict=True)]
        if not pairs:
            continue
        lines += ["", f"Pooled outcome shares by the {who}'s type (`{col}`; 95% Wilson intervals):", "",
                  "| value | runs | target concedes | coercer backs down | threat never imposed |", "|---|---|---|---|---|"]
        for value in sorted({v for _, v in pairs}):
            group = [e for e, v in pairs if v == value]
            threat = [e for e in group if e.threatened]
            cells = [_cell(sum(e.outcome in CONCEDES for e in group), len(group))[0],
                     _cell(sum(e.outcome in BACKS_DOWN for e in group), len(group))[0],
                     _cell(sum(not e.threat_imposed for e in threat), len(threat))[0]]
            lines.append(f"| {value} | {len(group)} | " + " | ".join(c.rsplit(' of ', 1)[0] + (f" of {len(threat)}" if i == 2 else "")
                                                                       for i, c in enumerate(cells)) + " |")
    return lines


# The swept factors on the types' patience and cost tolerance (TYPE_HOLD_DAYS, TYPE_TOLERANCE_PCT), as
# every government's beliefs assume them (sim/config/agents.py's hold_days_scale, tolerance_scale): the sweep
# columns binned below, and the key each sets.
SCALES = (("hold_days_scale", "hold days", "TYPE_HOLD_DAYS"), ("tolerance_scale", "tolerance", "TYPE_TOLERANCE_PCT"))
SCALE_BINS = 3  # terciles of the log of the prior range
# Rows of the main table that do not decide a scale's range: TIES's durations describe another
# population of senders (see *Reading*), and a row nobody compares decides nothing.
REFERENCE_ONLY = "TIES (all senders)"


def log_bins(low: float, high: float, k: int = SCALE_BINS) -> list[tuple[float, float]]:
    """``k`` bins of equal width on the log scale from ``low`` to ``high``."""
    if not 0 < low < high or k < 1:
        raise ValueError(f"log_bins: need 0 < low < high and k >= 1 (got {low}, {high}, {k})")
    edges = [low * (high / low) ** (i / k) for i in range(k + 1)]
    edges[-1] = high
    return list(zip(edges[:-1], edges[1:], strict=True))


def bin_of(x: float, bins: Sequence[tuple[float, float]]) -> int:
    """The bin holding ``x`` (each bin closed below, the last closed above too); -1 if none."""
    for i, (lo, hi) in enumerate(bins):
        if lo <= x < hi or (i == len(bins) - 1 and x == hi):
            return i
    return -1


def swept_range(sweep_files: Sequence[Path], column: str) -> tuple[float, float] | None:
    """The prior range of a swept column, common to the pool's sweep files (None if not swept in all)."""
    ranges = set()
    for f in sweep_files:
        p = next((p for p in load_sweep_file(f).sweep.parameters if p.column == column), None)
        if p is None or p.range is None:
            return None
        ranges.add((float(p.range[0]), float(p.range[1])))
    if len(ranges) != 1:
        raise ValueError(f"the pooled sweeps must sweep {column} over one range (got {sorted(ranges)})")
    return ranges.pop()


def accepted_bins(verdicts: Sequence[dict[str, str]]) -> tuple[list[int], list[str]]:
    """(the bins in which no deciding quantity is outside its published range, the deciding
    quantities) from each bin's verdicts (quantity -> verdict). A quantity decides when it is within
    its range in some bin: one outside in every bin is a mechanism's gap (or another population's
    reference), which no value of the scale closes, so it excludes none of them."""
    names = list(dict.fromkeys(q for v in verdicts for q in v))
    deciding = [q for q in names if any(v.get(q) == "within" for v in verdicts)]
    ok = [i for i, v in enumerate(verdicts) if not any(v.get(q, "").startswith("**outside**") for q in deciding)]
    return ok, deciding


def _x(v: float) -> str:
    return f"x{v:.2g}"


def calibrated_range(bins: Sequence[tuple[float, float]], ok: Sequence[int]) -> str:
    """What the accepted bins say of a scale's range, in words."""
    full = f"{_x(bins[0][0])}-{_x(bins[-1][1])}"
    if len(ok) == len(bins):
        return (f"no bin is excluded: the data do not constrain it over {full}. The default 1.0 stays, with {full} "
                "as its prior range.")
    if not ok:
        return f"every bin has a quantity outside its published range: no part of {full} fits; the default 1.0 stays."
    lo, hi = bins[min(ok)][0], bins[max(ok)][1]
    gaps = len(ok) != max(ok) - min(ok) + 1
    default = "inside it" if lo <= 1.0 <= hi else "**outside it**"
    return (f"calibrated range {_x(lo)}-{_x(hi)} (of the prior range {full}"
            + ("; the accepted bins are not contiguous" if gaps else "") + f"); the default 1.0 is {default}.")


def scale_lines(samples: list[Sample], sweep_files: Sequence[Path], horizon: int) -> list[str]:
    """The section *Patience and tolerance*: the check runs (types drawn from the shipped prior)
    binned by each swept scale, the main table's rows per bin, and the range the bins leave."""
    lines = ["", "## Patience and tolerance", "",
             f"The types' hold days (`TYPE_HOLD_DAYS` = {', '.join(f'{d:g}' for d in strategy.TYPE_HOLD_DAYS)}) and cost "
             f"tolerances (`TYPE_TOLERANCE_PCT` = {', '.join(f'{d:g}' for d in strategy.TYPE_TOLERANCE_PCT)} % of GDP a "
             "year) in agents/strategy.py are *beliefs*: what a government expects of the other side's remaining days "
             "and how fast cost shortens them (its own type acts through `TYPE_WEIGHT` on its stakes). A scenario "
             "scales them per government (`governments.<C>.hold_days_scale`, `governments.<C>.tolerance_scale`, default "
             "1). The pooled sweeps draw one factor of each kind log-uniformly, common to both governments (the type "
             "model is common knowledge, like the prior over types), in the broad and the check runs. Below, the check "
             "runs (types drawn from the shipped prior) are binned by each factor (terciles of its log range) and "
             "compared with the published rows of the main table (95% Wilson intervals; a check run's replications "
             "share their type draws across its points, so the intervals understate the uncertainty). A bin is excluded when a "
             "quantity that some bin meets is outside its range there; a quantity outside in every bin (a mechanism's "
             f"gap) excludes none, and the rows for TIES's other senders (*{REFERENCE_ONLY}*) are references, not "
             "targets (see *Reading*)."]
    for column, kind, constant in SCALES:
        rng = swept_range(sweep_files, column)
        if rng is None or not all(column in s.runs for s in samples):
            lines += ["", f"`{column}` is not swept in every pooled sweep: no bins for the {kind}."]
            continue
        bins = log_bins(*rng)
        groups: list[list[Episode]] = [[] for _ in bins]
        values: list[set[tuple[str, float]]] = [set() for _ in bins]
        for s in samples:
            for e, v in zip(s.eps, s.runs[column], strict=True):
                i = bin_of(float(v), bins)
                if i >= 0:
                    groups[i].append(e)
                    values[i].add((s.name, float(v)))
        per_bin = [table_rows(g, horizon) for g in groups]
        verdicts = [{r[0]: r[3] for r in rows if REFERENCE_ONLY not in r[0] and r[3] != "not compared"}
                    for rows in per_bin]
        ok, deciding = accepted_bins(verdicts)
        lines += ["", f"**{kind.capitalize()}** (`{column}`, the factor on `{constant}`; runs per bin: "
                  + ", ".join(f"{len(g)} ({len(v)} values)" for g, v in zip(groups, values, strict=True)) + "):", "",
                  "| quantity | published | " + " | ".join(f"{_x(lo)}-{_x(hi)}" for lo, hi in bins) + " |",
                  "|---|---|" + "---|" * len(bins)]
        for j, row in enumerate(per_bin[0]):
            if row[3] == "not compared":
                continue
            cells = []
            for rows in per_bin:
                r = rows[j]
                mark = " **(outside)**" if r[3].startswith("**outside**") else ""
                cells.append(r[2] + mark)
            lines.append(f"| {row[0]} | {row[1]} | " + " | ".join(cells) + " |")
        excluded = [i for i in range(len(bins)) if i not in ok]
        why = []
        for i in excluded:
            out = [q for q in deciding if verdicts[i].get(q, "").startswith("**outside**")]
            why.append(f"{_x(bins[i][0])}-{_x(bins[i][1])} (outside: {'; '.join(out)})")
        lines += ["", f"The {kind}: " + calibrated_range(bins, ok)
                  + (" Excluded: " + ", ".join(why) + "." if why else "")]
        # What TIES's other senders would say, were their rows targets: how much the choice of
        # reference matters for this range.
        every = [{r[0]: r[3] for r in rows if r[3] != "not compared"} for rows in per_bin]
        ties_ok, _ = accepted_bins(every)
        if ties_ok != ok:
            lines += ["", f"Were the TIES all-senders rows targets too, the {kind} would be: "
                      + calibrated_range(bins, ties_ok)]
    return lines


def reading(rows: list[tuple[str, str, str, str, str]], broad: list[Sample], pool: dict[str, Cells] | None,
            horizon: int) -> list[str]:
    """What the tables say, written from their own numbers: the rows outside, how the episode lengths
    compare with China's own cases and with TIES, what the best prior on the grid can reach (so
    whether a gap is the prior's or a mechanism's), and which target types concede in fewer than
    half of their episodes."""
    outside = [r[0] for r in rows if r[3].startswith("**outside**")]
    lines = ["", "## Reading", ""]
    if not outside:
        lines.append("Every compared quantity is within its published range.")
    else:
        lines.append(f"Outside the published ranges: {'; '.join(outside)}. Only the prior over types was fitted (the "
                     "factors on the types' patience and tolerance are bounded by range, their defaults kept); the type "
                     "constants and `*_pct` assumptions were not tuned to close these gaps.")
    days = china_case_days()
    k, cases, _, _ = china_beyond(horizon)
    lines += ["", f"**Episode lengths: China's cases, not TIES, are the reference.** The pooled scenarios have China as "
              f"the sender. The {cases} cases of Chinese economic coercion since 2010 that CSIS studied lasted "
              f"{days[0]:.0f} to {days[-1]:.0f} days (lower median {lower_median(days):.0f}); {k} of {cases} outlasted "
              f"{horizon} days. The ones that ended sooner ended by the target's concession (Mongolia, 2016) or by a "
              "quiet lifting of an unannounced hold (Japan, 2010); partial easings within months (the Philippines, 2012; "
              "South Korea, 2017) are the model's suspensions of a rung, and most episodes ended after two to six years "
              "in a negotiated normalisation, often under a new government in the target (the Philippines 2016, "
              "Australia 2023) or after a trade-remedy review traded for a dropped WTO case (Australia's barley) — beyond "
              "any horizon the model runs. A duty imposed as a trade remedy has no shorter clock of its own: it ends at the "
              f"latest {load_facts()['wto_antidumping_sunset_years'].value:.0f} years on unless a review extends it "
              "(wto_antidumping_sunset_years). TIES's 'most episodes last under a year' describes all senders' sanctions, "
              "mostly announced Western ones; most Chinese episodes are missing from it (china_ties_cases_new_share). "
              "The TIES rows are kept as a reference for that other population, not as the target: a stand-off in which "
              "China keeps a measure that costs it little (a trade-remedy duty) and the target holds out is what the "
              "China cases show, so the model is not made to end it sooner."]
    if pool is not None:
        grid = prior_grid()
        cells = list(pool.values())
        for t in fit_targets(horizon):
            reach = [mixed_share(cells, p, t.label) for p in grid]
            lo, hi = min(reach), max(reach)
            if hi < t.low or lo > t.high:
                lines += ["", f"No prior on the grid brings the pool's *{t.label}* into {pct(t.low)}-{pct(t.high)}: it "
                          f"ranges {pct(lo)}-{pct(hi)} over all of them, so the gap is a mechanism's, not the prior's."
                          + MECHANISM.get(t.label, "")]
    median = next((r for r in rows if r[0] == "Median length, episodes with a measure imposed, China as sender"), None)
    if pool is not None and median is not None and median[3].startswith("**outside**"):
        lines += ["", "The median episode with a measure imposed is on the other side of the horizon from China's cases: "
                  "a prior with more targets that stand firm (fewer concessions) leaves more episodes unresolved, and "
                  "the fit stops at the edge of the ranges (the smallest change)."]
    pairs = [(e, str(v)) for s in broad if TARGET_TYPE in s.runs for e, v in zip(s.eps, s.runs[TARGET_TYPE], strict=True)]
    if pairs:
        firm = []
        for value in sorted({v for _, v in pairs}):
            group = [e for e, v in pairs if v == value]
            _, _, hi = share(sum(e.outcome in CONCEDES for e in group), len(group))
            if hi < 0.5:
                firm.append(value)
        lines += ["", ("Target types that concede in fewer than half their episodes over the pool (whole interval below "
                       "50%): " + (", ".join(f"`{t}`" for t in firm) if firm else "none") + ". The fit meets 'most "
                       "targets stood firm' by weighting the types, not by making them hold out longer (see *Patience "
                       "and tolerance*).")]
    lines += ["", "Definitions: an episode is one run; the coercer is whoever first threatens or imposes. A threat is "
              "*never imposed* when the measure it names is not imposed before the horizon (the ladder's other rungs "
              "may be). *Threat-only* episodes are those in which the coercer imposes nothing. Lengths run from the "
              "coercer's first move to the outcome's resolution day; unresolved runs count at the horizon "
              "(censored). In the pooled scenarios China's ladder acts alongside or instead of a threat from the first "
              "days, the pattern the China TIES data report for Chinese sanctions (imposed directly, seldom announced), "
              "so threat-only episodes are rare and the TIES share of threats never imposed is an upper reference "
              "rather than a target."]
    return lines


def swept_types(runs: pd.DataFrame) -> bool:
    return {COERCER_TYPE, TARGET_TYPE} <= set(runs.columns)


def render(check: list[Sample], sweep_files: Sequence[Path], broad: list[Sample]) -> str:
    """The doc: the main table from the pooled ``check`` samples (types drawn in the model from the
    shipped prior, or the broad samples when no check was run), the per-scenario tables, and, from
    ``broad`` (types swept), the fit and the by-type shares."""
    eps = [e for s in check for e in s.eps]
    horizons = sorted({s.horizon for s in check})
    if len(horizons) != 1:
        raise ValueError(f"the pooled sweeps must share one horizon (got {horizons} days); set horizon_days in their `set`")
    horizon = horizons[0]
    rows = table_rows(eps, horizon)
    pool = ({s.name: type_cells(s) for s in broad} if broad and all(swept_types(s.runs) for s in broad) else None)
    drawn = not any(swept_types(s.runs) for s in check)
    reps = sorted({s.runs["replication"].nunique() for s in check if "replication" in s.runs})
    loaded = [load_sweep_file(f) for f in sweep_files]
    what = (f"the coercer's and the target's resolve types drawn in the model from the shipped prior "
            f"{_fmt(tuple(strategy.DEFAULT_PRIOR))} once per replication (the sweep shares a replication's seeds across its "
            f"points), so each scenario's types come from {'/'.join(map(str, reps))} independent draws and the intervals "
            "below understate the uncertainty of the type mix" if drawn else "the resolve types swept")
    sweeps = "; ".join(
        f"`{Path(lw.file).name}` runs `{s.name}` ({lw.sweep.design}, {len(s.eps)} runs; swept: "
        f"{', '.join(p.column for p in lw.sweep.parameters)})" for lw, s in zip(loaded, check, strict=True))
    lines = [
        header(sweep_files),
        "# The decision layer against published sanctions data",
        "",
        f"A pool of broad prior sweeps, one per strategic scenario with a coercer and a target that both decide "
        f"({sweeps}), {horizon} days each, {what}, compared with the shares and durations published for the TIES data "
        "(Morgan, Bapat and Kobayashi 2014), its China extension (Zhang and Shanks 2025) and China-specific case sets "
        f"(ASPI 2020 and 2023, CSIS 2023). The pool's weights are {POOL_WEIGHTS} (each check run has as many runs): "
        "TIES is a dataset of many different episodes, not one. Model shares carry 95% Wilson intervals; *within* "
        "means the interval meets the published range. The prior over types is calibrated by the procedure in the "
        "section *The fit* (the same sweeps with the types swept, reweighted); the ranges of the factors on the "
        "types' patience and tolerance, by the bins in *Patience and tolerance*. Regenerate with "
        "`python scripts/calibrate_ties.py -j 2`; `--check` tells whether its inputs changed.",
        "",
        "Not pooled: " + "; ".join(f"`{k}` ({v})" for k, v in EXCLUDED.items()) + ".",
        "",
        "<!-- table:begin -->",
        "| quantity | published | model (95% interval) | verdict | facts (seeds/facts.toml) |",
        "|---|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows],
        "<!-- table:end -->",
        *scenario_lines(check),
        *(fit_lines(pool, fit_targets(horizon)) if pool is not None else []),
        *scale_lines(check, sweep_files, horizon),
        *reading(rows, broad, pool, horizon),
        *by_type(broad),
        "",
    ]
    return "\n".join(lines)


# Replications of each check run. The sweep tool shares each replication's seeds across its points
# (common random numbers), so the governments' types, drawn from the run seed, are drawn once per
# replication: the check needs many replications (independent type draws), few points.
CHECK_REPLICATIONS = 24


def without_types(loaded):  # noqa: ANN001, ANN201 - a LoadedSweep
    """The check sweep: the resolve-type parameters removed (types drawn in the model from the
    prior) and as many runs as the broad sweep, as ``CHECK_REPLICATIONS`` replications."""
    params = [p for p in loaded.sweep.parameters if not p.path.endswith(".resolve_type")]
    total = (loaded.sweep.samples or 1) * loaded.sweep.replications
    reps = min(CHECK_REPLICATIONS, total)
    update = {"parameters": params, "replications": reps, "samples": max(1, total // reps)}
    return loaded.model_copy(update={"sweep": loaded.sweep.model_copy(update=update)})


def run(sweep_files: Sequence[Path], workers: int, keep: Path | None = None) -> str:
    """Run each broad sweep (types swept: the fit) and its check (types drawn from the shipped
    prior), into ``keep`` (resumed when there already) or a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="calibrate_ties_") as tmp:
        work = keep if keep is not None else Path(tmp)
        broad, check = [], []
        for f in sweep_files:
            loaded = load_sweep_file(f)
            name = scenario_name(f)
            folder = work / f.stem
            for kind, sweep in (("broad", loaded), ("check", without_types(loaded))):
                if kind == "check" and not len(sweep.sweep.parameters):
                    check.append(broad[-1])
                    continue
                out = folder / kind
                run_sweep(sweep, out, workers=workers, resume=(out / "sweep.json").exists())
                (broad if kind == "broad" else check).append(_named(read_sample(out), name))
        return render(check, sweep_files, broad)


def _named(sample: Sample, name: str) -> Sample:
    return Sample(name, sample.eps, sample.horizon, sample.runs)


def tabulate(folders: Sequence[Path], sweep_files: Sequence[Path]) -> str:
    samples = [_named(read_sample(d), scenario_name(f)) for d, f in zip(folders, sweep_files, strict=True)]
    return render(samples, sweep_files, samples)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", type=Path, action="append",
                        help=f"a sweep file of the pool (repeatable; default: experiments/sweeps/{PATTERN})")
    parser.add_argument("--folder", type=Path, action="append",
                        help="tabulate this finished sweep folder instead of running (repeatable: one per --sweep, in order)")
    parser.add_argument("--keep", type=Path, help="run the sweeps into this folder and keep them (resumed when there already)")
    parser.add_argument("--out", type=Path, default=DOC, help="the Markdown file to write")
    parser.add_argument("-j", "--workers", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="only check that --out was made from the current inputs")
    args = parser.parse_args(argv)
    sweep_files = [s.resolve() for s in (args.sweep or sorted(SWEEPS.glob(PATTERN)))]
    try:
        if not sweep_files:
            raise ValueError(f"no sweep files match experiments/sweeps/{PATTERN}")
        if args.check:
            if not args.out.exists():
                print(f"{args.out}: missing; run scripts/calibrate_ties.py", file=sys.stderr)
                return 1
            first = args.out.read_text(encoding="utf-8").splitlines()[0]
            if first != header(sweep_files):
                print(f"{args.out}: made from other inputs (sweep files, their base scenarios, facts or type constants "
                      "changed); run scripts/calibrate_ties.py", file=sys.stderr)
                return 1
            print(f"{args.out}: up to date with its inputs")
            return 0
        if args.folder and len(args.folder) != len(sweep_files):
            raise ValueError(f"--folder: give one folder per sweep file ({len(sweep_files)}), got {len(args.folder)}")
        began = time.monotonic()
        text = tabulate(args.folder, sweep_files) if args.folder else run(sweep_files, args.workers, args.keep)
    except (ScenarioError, ValueError) as exc:
        print(f"calibrate_ties: {exc}", file=sys.stderr)
        return 2
    write_atomic(args.out, text)
    print(text)
    print(f"calibrate_ties: {len(sweep_files)} sweeps in {time.monotonic() - began:.0f} s with -j {args.workers}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
