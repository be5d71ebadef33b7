"""The headline numbers quoted in README.md, computed from the run folders of the README's tour.

    python scripts/readme_numbers.py            # runs the tour's three runs, prints the block
    python scripts/readme_numbers.py --write    # also rewrites the block in README.md

tests/test_readme.py runs the tour's commands as written in the README and checks that the block
in the README equals ``headline(...)`` of their folders, so no number in it can drift from the code.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.analysis import Run, load_run, outcome_shares  # noqa: E402

README = ROOT / "README.md"
BEGIN, END = "<!-- headline:begin -->", "<!-- headline:end -->"
# The tour's runs, in the README's words (the test reads the real commands from the README).
VARIANT_SET = "governments.JP.resolve_type='resolute'"
TOUR_RUNS = {
    "curb": ["experiments/rare_earth_curb.toml"],
    "curb100": ["experiments/rare_earth_curb.toml", "-n", "100", "-j", "2", "--set", VARIANT_SET],
    "scripted": ["experiments/rare_earth_ban_scripted.toml"],
}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _shares(run: Run) -> str:
    table = outcome_shares(run.outcomes)
    table = table[table["count"] > 0]
    return "; ".join(
        f"{name.replace('_', ' ')} {_pct(r.share)} ({_pct(r.low)}-{_pct(r.high)})" for name, r in table.iterrows()
    )


def _resolution(run: Run) -> str:
    days = run.outcomes["resolution_day"].dropna()
    if days.empty:
        return "none"
    modal = days.value_counts()
    return f"median {days.median():.0f}; {modal.iloc[0]} of {len(run.outcomes)} on day {modal.index[0]:.0f}"


def _outcome_row(label: str, run: Run) -> str:
    n = len(run.outcomes)
    return f"| {label} | {n} | {_shares(run)} | {_resolution(run)} | {run.outcomes['path'].nunique()} |"


def _us_support(run: Run) -> str:
    ev = run.events
    us = ev[ev["actor"] == "US"]
    support = us[us["action"] == "support_ally"]
    utilities = [
        a["utility"] for alts in us["alternatives"] for a in json.loads(alts or "[]") if a["action"] == "support_ally"
    ]
    n = len(run.outcomes)
    first = support.groupby("replication")["day"].min()
    when = f", first on day {first.median():.0f} (median)" if len(first) else ""
    best = (f"; its utility at the decisions logged ranged {min(utilities):+.4f}% to {max(utilities):+.4f}% of its GDP"
            if utilities else "")
    return f"The US backs Japan in {support['replication'].nunique()} of {n} replications{when}{best}."


def _moves(run: Run) -> str:
    """In how many replications each move of the escalation paths occurs, most frequent first."""
    per_rep = [set(path.split(" > ")) if path else set() for path in run.outcomes["path"]]
    counts = pd.Series([m for moves in per_rep for m in moves]).value_counts()
    order = sorted(counts.index, key=lambda m: (-counts[m], m))
    n = len(run.outcomes)
    return "Moves on the paths (replications in which each occurs, of " + f"{n}): " + ", ".join(
        f"`{m}` {counts[m]}" for m in order
    ) + "."


def _series(run: Run, variable: str, **where: str) -> pd.DataFrame:
    return run.series(variable, **where)


def _scripted_rows(run: Run) -> list[str]:
    last = slice(-30, None)
    toyota = _series(run, "output_index", firm="toyota")[0]
    heavy_jp = _series(run, "price_multiple", country="JP", product="heavy_rare_earths")[0]
    heavy_cn = _series(run, "price_multiple", country="CN", product="heavy_rare_earths")[0]
    rows = [
        ("Toyota's output index: lowest (day)", f"{toyota.min():.2f} (day {toyota.idxmin()})"),
        ("heavy rare earths, price in Japan: peak (day)", f"{heavy_jp.max():.1f}x (day {heavy_jp.idxmax()})"),
        ("heavy rare earths, price in China: lowest", f"{heavy_cn.min():.2f}x"),
    ]
    for product, label in (("rare_earths", "light"), ("heavy_rare_earths", "heavy")):
        share = _series(run, "import_share", country="JP", partner="CN", product=product)[0]
        rows.append((f"Japan's import share from China, {label} rare earths: day 0 → last 30 days",
                     f"{_pct(share.iloc[0])} → {_pct(share.iloc[last].mean())}"))
    o = run.outcomes.iloc[0]
    rows += [
        ("GDP-loss proxy, % of a year's GDP: Japan / China", f"{o['gdp_loss_pct.JP']:.2f}% / {o['gdp_loss_pct.CN']:.2f}%"),
        ("profit lost, % of baseline: China's rare-earth processor", f"{o['profit_loss_pct.cn_ree_processor']:.0f}%"),
    ]
    return [f"| {k} | {v} |" for k, v in rows]


def headline(curb: Run, variant: Run, scripted: Run) -> str:
    """The README's block of headline numbers, from the tour's three run folders."""
    lines = [
        BEGIN,
        "| run | replications | outcome shares (95% Wilson interval) | resolution day | distinct paths |",
        "|---|---|---|---|---|",
        _outcome_row("`sim run experiments/rare_earth_curb.toml` (the scenario's settings)", curb),
        _outcome_row(f'the same with `--set "{VARIANT_SET}"`', variant),
        "",
        _moves(curb),
        "",
        _us_support(curb),
        "",
        "| `rare_earth_ban_scripted` (one replication) | |",
        "|---|---|",
        *_scripted_rows(scripted),
        END,
    ]
    return "\n".join(lines)


def tour_folders(workdir: Path) -> dict[str, Path]:
    """Run the tour's three runs with the ``sim`` command into ``workdir``."""
    folders = {}
    for name, args in TOUR_RUNS.items():
        out = workdir / name
        subprocess.run([sys.executable, "-m", "sim", "run", *args, "--out", str(out), "-q"], cwd=ROOT, check=True)
        folders[name] = out
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite the block in README.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        f = tour_folders(Path(tmp))
        block = headline(load_run(f["curb"]), load_run(f["curb100"]), load_run(f["scripted"]))
    print(block)
    if args.write:
        text = README.read_text()
        start, end = text.index(BEGIN), text.index(END) + len(END)
        tmp_path = README.with_name(f".{README.name}.{os.getpid()}.tmp")
        tmp_path.write_text(text[:start] + block + text[end:])
        tmp_path.replace(README)
        print(f"wrote {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
