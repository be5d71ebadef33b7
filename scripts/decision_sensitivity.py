"""Which decision parameters decide each shipped strategic scenario, and does its outcome split
hinge on one of them? Writes ``docs/decision_sensitivity.md``.

For each scenario: a Morris screening (SALib through the sweep tool's ``morris`` design) of its
decision parameters over -50%..+50% of their shipped values ranks them by their largest effect on
any outcome share (mu*); the three most influential are then run alone at -50%, the shipped value
and +50% (a ``grid`` sweep, common random numbers) and the outcome shares shown with 95% Wilson
intervals. A split *hinges* on a parameter when the most common outcome at the shipped value is no
longer the most common at -50% or +50% and the two shares' intervals do not overlap.

    python scripts/decision_sensitivity.py -j 2            # all scenarios, a few minutes
    python scripts/decision_sensitivity.py --tiny --out x  # the test suite's small variant
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.analysis import wilson_interval  # noqa: E402
from sim.config import load_raw, load_scenario, path_to_tuple  # noqa: E402
from sim.facts import load_facts  # noqa: E402
from sim.outcomes import OUTCOME_CLASSES  # noqa: E402
from sim.sweep import run_sweep  # noqa: E402
from sim.sweep_analysis import load_sweep, morris_screening  # noqa: E402
from sim.sweep_config import load_sweep_file  # noqa: E402

DOC = ROOT / "docs" / "decision_sensitivity.md"


@dataclass(frozen=True)
class Candidate:
    name: str
    path: str
    also: tuple[str, ...] = ()


# The decision parameters of the rules rare_earth_curb shares with the scenarios built on it.
_CN = [
    Candidate("cn_stake", "governments.CN.rules[0].params.stake_pct", ("governments.CN.rules[1].params.stake_pct",)),
    Candidate("cn_reputation", "governments.CN.rules[0].params.reputation_pct", ("governments.CN.rules[1].params.reputation_pct",)),
    Candidate("cn_audience_cost", "governments.CN.rules[0].params.audience_cost_pct"),
    Candidate("cn_offramp_cost", "governments.CN.rules[2].params.offramp_cost_pct"),
    Candidate("cn_backlash", "governments.CN.rules[0].params.rungs[3].backlash_pct",
              ("governments.CN.rules[2].params.backlash_pct.ree_ban",)),
    Candidate("cn_gesture_share", "governments.CN.rules[2].params.gesture_share"),
    Candidate("us_alliance_value", "governments.US.rules[0].params.alliance_value_pct"),
    Candidate("cn_type_spread", "governments.CN.type_weight_spread"),
    Candidate("jp_type_spread", "governments.JP.type_weight_spread"),
    Candidate("cn_evidence", "governments.CN.evidence_weight"),
    Candidate("jp_evidence", "governments.JP.evidence_weight"),
]
_JP_CURB = [
    Candidate("jp_concession_cost", "governments.JP.rules[0].params.concession_cost_pct"),
    Candidate("jp_retaliation_pain", "governments.JP.rules[1].params.min_pain_pct"),
    Candidate("jp_audience_cost", "governments.JP.rules[3].params.audience_cost_pct"),
    Candidate("jp_reputation", "governments.JP.rules[3].params.reputation_pct"),
    Candidate("jp_offramp_cost", "governments.JP.rules[4].params.offramp_cost_pct"),
]
_JP_PHOTORESIST = [  # photoresist_retaliation's Japan has no legal_action rule: concede is rules[2]
    Candidate("jp_concession_cost", "governments.JP.rules[0].params.concession_cost_pct"),
    Candidate("jp_retaliation_pain", "governments.JP.rules[1].params.min_pain_pct"),
    Candidate("jp_audience_cost", "governments.JP.rules[2].params.audience_cost_pct"),
    Candidate("jp_reputation", "governments.JP.rules[2].params.reputation_pct"),
    Candidate("jp_offramp_cost", "governments.JP.rules[3].params.offramp_cost_pct"),
]
_KR = [
    Candidate("kr_alliance_value", "governments.KR.rules[0].params.alliance_value_pct"),
    Candidate("kr_retaliation_risk", "governments.KR.rules[0].params.retaliation_risk"),
    Candidate("cn_reward_value", "governments.CN.rules[3].params.reward_value_pct"),
]
_LEVER = [Candidate("cn_lever_stake", "governments.CN.rules[3].params.stake_pct")]
SCENARIOS: dict[str, list[Candidate]] = {
    "rare_earth_curb": _CN + _JP_CURB,
    "beyond_trade": _CN + _JP_CURB + _LEVER,
    "photoresist_retaliation": _CN + _JP_PHOTORESIST,
    "korea_hedging": _CN + _JP_CURB + _KR,
}
# Shipped scenarios without strategic governments (their moves are scripted): nothing to screen.
SCRIPTED = ("senkaku_2010", "rare_earth_ban_scripted", "dual_use_ban")


@dataclass(frozen=True)
class Settings:
    scenarios: tuple[str, ...]
    folder: str  # experiments/ or experiments/tiny/
    candidates: int | None  # screen only the first n candidates (the tiny variant)
    trajectories: int  # Morris trajectories
    morris_replications: int
    replications: int  # per level of the +-50% runs


FULL = Settings(tuple(SCENARIOS), "experiments", None, 8, 4, 20)
TINY = Settings(("rare_earth_curb",), "experiments/tiny", 4, 2, 1, 2)


def shipped_value(raw: dict[str, Any], path: str, base: Path | None = None) -> tuple[float, str]:
    """The shipped value at a key path and where it comes from: ``assumption`` or ``fact <name>``;
    a key the scenario file leaves out has its default (read from the validated ``base`` scenario)."""
    node: Any = raw
    try:
        for part in path_to_tuple(path):
            node = node[part]
    except (KeyError, IndexError):
        if base is None:
            raise
        value: Any = load_scenario(base)
        for part in path_to_tuple(path):
            value = value[part] if isinstance(part, int) or isinstance(value, dict) else getattr(value, part)
        return float(value), "assumption (the key's default)"
    if isinstance(node, str) and node.startswith("@"):
        return float(load_facts()[node[1:]].value), f"fact {node[1:]}"
    return float(node), "assumption"


def _sweep_text(name: str, base: Path, design: str, seed: int, replications: int, params: list[str], extra: str = "") -> str:
    return "\n".join([f'name = "{name}"', f'base = "{base.as_posix()}"', f'design = "{design}"', f"seed = {seed}",
                      f"replications = {replications}", extra, *params])


def _param(c: Candidate, body: str) -> str:
    also = f"\nalso = [{', '.join(repr(a).replace(chr(39), chr(34)) for a in c.also)}]" if c.also else ""
    return f'[[parameters]]\npath = "{c.path}"{also}\nname = "{c.name}"\n{body}\n'


def run_one(tmp: Path, name: str, text: str, workers: int) -> Path:
    file = tmp / f"{name}.toml"
    file.write_text(text, encoding="utf-8")
    out = tmp / name
    run_sweep(load_sweep_file(file), out, workers=workers)
    return out


def screen(scenario: str, s: Settings, tmp: Path, workers: int) -> tuple[pd.DataFrame, dict[str, tuple[float, str]], Path]:
    base = ROOT / s.folder / f"{scenario}.toml"
    raw = load_raw(base)
    cands = SCENARIOS[scenario][: s.candidates]
    shipped = {c.name: shipped_value(raw, c.path, base) for c in cands}
    params = [_param(c, f"range = [{0.5 * shipped[c.name][0]!r}, {1.5 * shipped[c.name][0]!r}]") for c in cands]
    out = run_one(tmp, f"morris_{scenario}", _sweep_text(f"morris_{scenario}", base, "morris", 8100, s.morris_replications,
                                                          params, f"samples = {s.trajectories}\nlevels = 4"), workers)
    table = morris_screening(out)
    rank = (table.groupby("parameter")["mu_star"].max().sort_values(ascending=False, kind="stable")
            .rename("max_mu_star").reset_index())
    best_output = table.loc[table.groupby("parameter")["mu_star"].idxmax(), ["parameter", "output"]]
    return rank.merge(best_output, on="parameter"), shipped, base


def levels(scenario: str, name: str, value: float, base: Path, s: Settings, tmp: Path, workers: int) -> pd.DataFrame:
    cand = next(c for c in SCENARIOS[scenario] if c.name == name)
    body = f"values = [{0.5 * value!r}, {value!r}, {1.5 * value!r}]"
    out = run_one(tmp, f"levels_{scenario}_{name}", _sweep_text(f"levels_{scenario}_{name}", base, "grid", 8200,
                                                                  s.replications, [_param(cand, body)]), workers)
    runs = load_sweep(out)
    return runs[runs["error"].isna()]


def shares(runs: pd.DataFrame) -> dict[str, tuple[int, int]]:
    n = len(runs)
    counts = runs["outcome"].astype(str).value_counts()
    return {c: (int(counts.get(c, 0)), n) for c in OUTCOME_CLASSES}


def cell(k: int, n: int) -> str:
    low, high = wilson_interval(k, n)
    return f"{k / n:.0%} [{low:.0%}, {high:.0%}]" if n else "n/a"


def hinges(at: dict[str, dict[str, tuple[int, int]]]) -> str:
    """Whether the most common outcome at the shipped value loses that place at -50% or +50% with
    non-overlapping intervals; the answer names the outcome and the level."""
    mid = at["default"]
    modal = max(mid, key=lambda c: mid[c][0])
    low_d, high_d = wilson_interval(*mid[modal])
    moved = []
    for level in ("-50%", "+50%"):
        other = at[level]
        top = max(other, key=lambda c: other[c][0])
        low_o, high_o = wilson_interval(*other[modal])
        if top != modal and (high_o < low_d or low_o > high_d):
            moved.append(f"at {level} `{top}` replaces `{modal}`")
        elif top != modal and other[top][0] > other[modal][0]:
            moved.append(f"close: at {level} `{top}` leads `{modal}` within the noise")
    if any(not m.startswith("close") for m in moved):
        moved = [m for m in moved if not m.startswith("close")]
    return "; ".join(moved) if moved else "no"


def report(s: Settings, workers: int) -> str:
    lines = ["# Decision sensitivity of the shipped strategic scenarios", "",
             "Made by `python scripts/decision_sensitivity.py`. For each scenario: a Morris screening "
             f"({s.trajectories} trajectories x {s.morris_replications} replications; each parameter over -50%..+50% "
             "of its shipped value) ranks its decision parameters by mu*, the largest mean absolute effect on any "
             "outcome share over the parameter's range; the three most influential are then set alone to -50%, the "
             f"shipped value and +50% ({s.replications} replications each, the same seeds at every level). Shares "
             "carry 95% Wilson intervals. *Hinges* says whether the most common outcome at the shipped value gives "
             "way to another at -50% or +50% (intervals apart); *source* says whether the value is a cited fact or an "
             "assumption.", ""]
    findings = []
    with tempfile.TemporaryDirectory(prefix="decision_sensitivity_") as name:
        tmp = Path(name)
        for scenario in s.scenarios:
            rank, shipped, base = screen(scenario, s, tmp, workers)
            lines += [f"## {scenario}", "", "| parameter | shipped | source | mu* (largest, on) |", "|---|---|---|---|"]
            for r in rank.itertuples():
                value, source = shipped[r.parameter]
                lines.append(f"| {r.parameter} | {value:g} | {source} | {r.max_mu_star:.2f} ({r.output}) |")
            for r in list(rank.itertuples())[:3]:
                value, source = shipped[r.parameter]
                runs = levels(scenario, r.parameter, value, base, s, tmp, workers)
                at = {label: shares(runs[runs[r.parameter] == v]) for label, v in
                      (("-50%", 0.5 * value), ("default", value), ("+50%", 1.5 * value))}
                shown = [c for c in OUTCOME_CLASSES if any(at[lv][c][0] for lv in at)]
                verdict = hinges(at)
                findings.append((scenario, r.parameter, source, verdict))
                lines += ["", f"**{r.parameter}** (shipped {value:g}, {source}) — hinges: {verdict}", "",
                          "| level | value | " + " | ".join(shown) + " |", "|---|---|" + "---|" * len(shown)]
                for label, v in (("-50%", 0.5 * value), ("default", value), ("+50%", 1.5 * value)):
                    lines.append(f"| {label} | {v:g} | " + " | ".join(cell(*at[label][c]) for c in shown) + " |")
            lines.append("")
    lines += ["## Findings", ""]
    hinged = [f for f in findings if f[3] != "no" and not f[3].startswith("close")]
    close = [f for f in findings if f[3].startswith("close")]
    if not hinged:
        lines.append("No scenario's most common outcome gives way to another (intervals apart) within ±50% of any of "
                     "its three most influential decision parameters.")
    for scenario, param, source, verdict in hinged:
        lines.append(f"- {scenario}: the split hinges on `{param}` ({source}): {verdict}.")
    if close:
        lines += ["", "Close splits — another outcome takes the lead at -50% or +50%, but within the noise of "
                  f"{s.replications} replications (more replications would tell):", ""]
        lines += [f"- {scenario}: `{param}` ({source}): {verdict.removeprefix('close: ')}." for scenario, param, source, verdict
                  in close]
    lines += ["", "Not screened (no strategic governments; China's moves are scripted): "
              + ", ".join(f"`{n}`" for n in SCRIPTED) + ".", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("-j", "--workers", type=int, default=1)
    parser.add_argument("--tiny", action="store_true", help="the small variant the test suite runs")
    args = parser.parse_args(argv)
    text = report(TINY if args.tiny else FULL, args.workers)
    tmp = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.out)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
