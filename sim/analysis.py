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
