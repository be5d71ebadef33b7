"""Load run folders for analysis (never runs the model)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.files import FileProblem, read_json, read_parquet
from sim.outcomes import OUTCOME_CLASSES


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
        """One variable as a day x replication table, e.g.
        ``series("price_multiple", country="JP", product="rare_earths")``.

        The filters (``country``, ``partner``, ``product``, ``firm``) must pick exactly one series
        per day and replication: a selection that leaves several (say, prices of five countries)
        is refused with the filter that is missing, never summed; an unknown variable or name is
        refused, never answered with an empty table.
        """
        ts = self.timeseries
        variables = [str(v) for v in pd.unique(ts["variable"])]
        if variable not in variables:
            raise SelectionError(f"unknown variable {variable!r}; this run has {', '.join(sorted(variables))}")
        selected = ts[ts["variable"] == variable]
        unknown_keys = sorted(set(where) - set(SERIES_DIMENSIONS))
        if unknown_keys:
            raise SelectionError(
                f"unknown filter {', '.join(unknown_keys)}; filter by {', '.join(SERIES_DIMENSIONS)}"
            )
        for key, value in where.items():
            present = _values(selected[key])
            if not present:
                raise SelectionError(f"{variable} has no {key} dimension; drop the filter {key}={value!r}")
            if value not in present:
                raise SelectionError(
                    f"{key}={value!r} does not occur in {variable}; expected one of {', '.join(present)}"
                )
            selected = selected[selected[key] == value]
        free = {key: _values(selected[key]) for key in SERIES_DIMENSIONS if key not in where}
        free = {key: values for key, values in free.items() if len(values) > 1}
        if free:
            hints = "; ".join(f"{key}= one of {', '.join(values)}" for key, values in free.items())
            raise SelectionError(
                f"{variable} has several series per day and replication; add a filter: {hints}"
            )
        return selected.pivot(index="day", columns="replication", values="value")


class SelectionError(ValueError):
    """A ``Run.series`` selection that names something the run does not have, or leaves several
    series where one is expected."""


SERIES_DIMENSIONS = ("country", "partner", "product", "firm")


def _values(column: pd.Series) -> list[str]:
    """The distinct non-empty values of a dimension column, sorted."""
    return sorted(str(v) for v in pd.unique(column.dropna()) if str(v) != "")


class RunFolderError(ValueError):
    """A folder is not a readable run: the message names the file and what is wrong (one line)."""


TIMESERIES_COLUMNS = ("replication", "day", "variable", "country", "partner", "product", "firm", "value")
EVENT_COLUMNS = ("replication", "day", "actor", "action", "kind", "rule", "reason")
OUTCOME_COLUMNS = ("replication", "outcome", "path")


def load_run(path: str | Path) -> Run:
    """Read a run folder written by ``sim run``. Anything missing, unreadable or inconsistent (a
    directory or FIFO where a file should be, a truncated or edited table, a manifest that does not
    match the tables) raises :class:`RunFolderError` naming the file and the reason."""
    path = Path(path)
    try:
        kind = "a folder" if path.is_dir() else "not a directory" if os.path.lexists(path) else "does not exist"
    except OSError as exc:  # e.g. a name too long
        raise RunFolderError(f"{path}: cannot open ({exc.strerror})") from None
    if kind != "a folder":
        raise RunFolderError(f"{path}: not a run folder ({kind})")
    try:
        manifest = read_json(path / "manifest.json")
    except FileProblem as exc:
        raise RunFolderError(f"{exc}; {path} is not a readable run folder") from None
    if not isinstance(manifest, dict):
        raise RunFolderError(f"{path / 'manifest.json'}: expected a JSON object")
    count = manifest.get("replications")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise RunFolderError(f"{path / 'manifest.json'}: expected 'replications', a positive integer (got {count!r:.40})")
    tables = {}
    for name, columns in (("timeseries", TIMESERIES_COLUMNS), ("events", EVENT_COLUMNS), ("outcomes", OUTCOME_COLUMNS)):
        file = path / f"{name}.parquet"
        try:
            table = read_parquet(file)
        except FileProblem as exc:
            raise RunFolderError(str(exc)) from None
        missing = [c for c in columns if c not in table.columns]
        if missing and not (name == "events" and table.empty):
            raise RunFolderError(f"{file}: missing column(s) {', '.join(missing)} (not written by sim run, or edited)")
        tables[name] = table
    outcomes = tables["outcomes"]
    if sorted(outcomes["replication"].tolist()) != list(range(count)):
        raise RunFolderError(
            f"{path / 'outcomes.parquet'}: expected one row per replication 0..{count - 1} as the manifest says, "
            f"got {len(outcomes)} row(s) (truncated or edited)"
        )
    for name in ("timeseries", "events"):
        table = tables[name]
        if len(table) and not table["replication"].isin(range(count)).all():
            raise RunFolderError(f"{path / (name + '.parquet')}: replication numbers outside 0..{count - 1} (edited?)")
    return Run(path=path, timeseries=tables["timeseries"], events=tables["events"], outcomes=outcomes, manifest=manifest)


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share of ``k`` in ``n`` (scipy's ``binomtest``); NaN when n = 0.
    The one interval every table and figure of shares uses."""
    if n == 0:
        return float("nan"), float("nan")
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def outcome_shares(outcomes: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Share of replications in each outcome class with a Wilson score interval (95% by default):
    columns ``count``, ``share``, ``low``, ``high``, most frequent first.

    Every outcome class keeps its row, including those no replication reached: 0 of 20 still
    says something (the share is below about 16%), and a missing row would be a KeyError trap.
    """
    n = len(outcomes)
    if n == 0:
        raise ValueError("no replications: outcome shares need at least one")
    observed = outcomes["outcome"].astype(str).value_counts()
    classes = list(observed.index) + [c for c in OUTCOME_CLASSES if c not in observed.index]
    counts = observed.reindex(classes, fill_value=0).astype("int64")
    counts.index.name = "outcome"
    bounds = [wilson_interval(k, n, confidence) for k in counts]
    return pd.DataFrame({
        "count": counts,
        "share": counts / n,
        "low": [low for low, _ in bounds],
        "high": [high for _, high in bounds],
    }, index=counts.index)


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
)

