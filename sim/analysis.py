"""Load run folders for analysis (never runs the model)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass
class Run:
    """A run folder: ``.timeseries`` (long: replication, day, variable, country, partner, product,
    firm, value), ``.events``, ``.outcomes`` (one row per replication), ``.manifest``."""

    path: Path
    timeseries: pd.DataFrame
    events: pd.DataFrame
    outcomes: pd.DataFrame
    manifest: dict[str, Any]

    def series(self, variable: str, **where: str) -> pd.DataFrame:
        """One variable as a day x replication table, filtered by country/partner/product/firm."""
        ts = self.timeseries
        mask = ts["variable"] == variable
        for key, value in where.items():
            mask &= ts[key] == value
        sel = ts[mask]
        return sel.pivot_table(index="day", columns="replication", values="value", aggfunc="sum", observed=True)


def load_run(path: str | Path) -> Run:
    path = Path(path)
    if not (path / "manifest.json").exists():
        raise FileNotFoundError(f"{path} is not a run folder (no manifest.json)")
    return Run(
        path=path,
        timeseries=pd.read_parquet(path / "timeseries.parquet"),
        events=pd.read_parquet(path / "events.parquet"),
        outcomes=pd.read_parquet(path / "outcomes.parquet"),
        manifest=json.loads((path / "manifest.json").read_text()),
    )


def outcome_shares(outcomes: pd.DataFrame, z: float = 1.96) -> pd.DataFrame:
    """Share of replications in each outcome class with a Wilson score interval (95% by default):
    columns ``count``, ``share``, ``low``, ``high``, most frequent first."""
    n = len(outcomes)
    counts = outcomes["outcome"].value_counts()
    share = counts / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((share * (1 - share) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return pd.DataFrame({"count": counts, "share": share, "low": centre - half, "high": centre + half})


def path_frequencies(outcomes: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """How often each escalation path occurred, with the outcome(s) it led to and the median
    resolution day: columns ``count``, ``share``, ``outcome``, ``median_resolution_day``."""
    grouped = outcomes.groupby("path", sort=False)
    table = pd.DataFrame({
        "count": grouped.size(),
        "outcome": grouped["outcome"].agg(lambda s: ", ".join(sorted(set(s)))),
        "median_resolution_day": grouped["resolution_day"].median(),
    })
    table.insert(1, "share", table["count"] / len(outcomes))
    table = table.sort_values("count", ascending=False, kind="stable")
    return table.head(top) if top else table


def transitions(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Move-to-move transition counts over all replications' paths (``from``, ``to``, ``count``):
    which move tends to follow which. ``start`` and ``end`` mark a path's first and last moves."""
    pairs: dict[tuple[str, str], int] = {}
    for path in outcomes["path"]:
        moves = ["start", *(path.split(" > ") if path else []), "end"]
        for a, b in zip(moves, moves[1:], strict=False):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    table = pd.DataFrame([(a, b, c) for (a, b), c in pairs.items()], columns=["from", "to", "count"])
    return table.sort_values(["count", "from", "to"], ascending=[False, True, True], ignore_index=True)


# --------------------------------------------------------------------------- sweeps
# Sweep folders are read by sim/sweep_analysis.py; its functions are available from here too.
from sim.sweep_analysis import (  # noqa: E402, F401
    load_sweep,
    load_sweep_events,
    load_sweep_series,
    morris_screening,
    outcome_intervals,
    paired_differences,
    resolution_days,
    scenario_discovery,
    sobol_indices,
    wilson_interval,
)

