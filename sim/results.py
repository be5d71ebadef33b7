"""Turn a finished model into the three output tables: timeseries (long), events, outcome row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.model import CoercionModel
from sim.outcomes import classify, path_signature

TIMESERIES_COLUMNS = ["replication", "day", "variable", "country", "partner", "product", "firm", "value"]
EVENT_COLUMNS = [
    "replication", "day", "actor", "action", "kind", "measure", "target", "products", "tiers",
    "enforcement", "rule", "reason", "alternatives",
]
FINAL_WINDOW_DAYS = 30


@dataclass
class ReplicationResult:
    replication: int
    timeseries: pd.DataFrame
    events: pd.DataFrame
    outcome: dict[str, Any]


def _long(variable: str, values: np.ndarray, labels: dict[str, list[str]]) -> pd.DataFrame:
    """``values`` is (T, *dims); ``labels`` maps each dim's column name to its labels."""
    t = values.shape[0]
    dims = values.shape[1:]
    n = int(np.prod(dims)) if dims else 1
    cols: dict[str, Any] = {
        "day": np.repeat(np.arange(t), n),
        "variable": variable,
        "value": values.reshape(t, n).ravel(),
    }
    grids = np.meshgrid(*[np.arange(d) for d in dims], indexing="ij") if dims else []
    for (name, lab), grid in zip(labels.items(), grids, strict=True):
        cols[name] = np.tile(np.asarray(lab, dtype=object)[grid.ravel()], t)
    return pd.DataFrame(cols)


def import_shares(shipments: np.ndarray) -> np.ndarray:
    """(T, E, I, P) shipments -> (T, E, I, P) share of each importer's foreign supply by exporter."""
    n_c = shipments.shape[1]
    foreign = shipments * (1.0 - np.eye(n_c))[None, :, :, None]
    total = foreign.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, foreign / total, 0.0)


def timeseries_table(model: CoercionModel) -> pd.DataFrame:
    w, rec = model.world, model.rec
    countries, products, firms = w.countries, w.products, w.firm_names
    frames = [
        _long("price_multiple", rec.price / w.base_price[None, None, :], {"country": countries, "product": products}),
        _long("gdp_loss_pct_cum", 100 * np.cumsum(rec.gdp_loss, axis=0) / (w.gdp_daily * 365.0), {"country": countries}),
        _long("lobbying_pressure", rec.pressure, {"country": countries}),
        _long("measures_in_force", rec.measures, {"country": countries}),
    ]
    e_idx, i_idx, p_idx = np.nonzero(w.flow0 > 0)
    if len(e_idx):
        frames.append(_pairs("shipments", rec.shipments[:, e_idx, i_idx, p_idx], e_idx, i_idx, p_idx, w))
    foreign = (w.flow0 > 0) & ~np.eye(w.n_countries, dtype=bool)[:, :, None]
    e_idx, i_idx, p_idx = np.nonzero(foreign)
    if len(e_idx):
        shares = import_shares(rec.shipments)[:, e_idx, i_idx, p_idx]
        frames.append(_pairs("import_share", shares, e_idx, i_idx, p_idx, w))
    c_idx, p_idx = np.nonzero(w.bg_max_capacity > w.bg_capacity0)
    if len(c_idx):
        values = rec.bg_capacity[:, c_idx, p_idx]
        frame = _long("background_capacity", values, {"country": [countries[c] for c in c_idx]})
        frame["product"] = np.tile(np.asarray(products, dtype=object)[p_idx], values.shape[0])
        frames.append(frame)
    if rec.output is not None and w.n_firms:
        with np.errstate(divide="ignore", invalid="ignore"):
            frames.append(_long("output_index", rec.output / w.base_output, {"firm": firms}))
        frames.append(_long("profit", rec.profit, {"firm": firms}))
        pairs = rec.cover_pairs
        if len(pairs):
            frame = _long("days_of_cover", rec.cover, {"firm": [firms[f] for f in pairs[:, 0]]})
            frame["product"] = np.tile(np.asarray(products, dtype=object)[pairs[:, 1]], rec.cover.shape[0])
            frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    for col in ("country", "partner", "product", "firm"):
        if col not in table:
            table[col] = None
    table["replication"] = 0
    table = table[TIMESERIES_COLUMNS]
    for col in ("variable", "country", "partner", "product", "firm"):
        table[col] = table[col].astype("category")
    return table


def _pairs(variable: str, values: np.ndarray, e_idx, i_idx, p_idx, w) -> pd.DataFrame:
    t = values.shape[0]
    return pd.DataFrame(
        {
            "day": np.repeat(np.arange(t), len(e_idx)),
            "variable": variable,
            "country": np.tile(np.asarray(w.countries, dtype=object)[e_idx if variable == "shipments" else i_idx], t),
            "partner": np.tile(np.asarray(w.countries, dtype=object)[i_idx if variable == "shipments" else e_idx], t),
            "product": np.tile(np.asarray(w.products, dtype=object)[p_idx], t),
            "value": values.ravel(),
        }
    )


def outcome_row(model: CoercionModel) -> dict[str, Any]:
    sc: Scenario = model.scenario
    w, rec = model.world, model.rec
    events = model.events
    in_force = [(m.actor, m.spec.target) for m in model.active.values()]
    outcome, day = classify(events, in_force, sc.outcome.coercer, sc.outcome.target)
    row: dict[str, Any] = {"outcome": outcome, "resolution_day": day, "path": path_signature(events), "n_events": len(events)}
    for c, country in enumerate(w.countries):
        row[f"max_measures.{country}"] = int(rec.measures[:, c].max(initial=0))
    multiples = rec.price / w.base_price[None, None, :]
    for p, product in enumerate(w.products):
        if not w.final[p]:
            row[f"peak_price_multiple.{product}"] = float(multiples[:, :, p].max())
    annual = w.gdp_daily * 365.0
    for c, country in enumerate(w.countries):
        row[f"gdp_loss_pct.{country}"] = float(100 * rec.gdp_loss[:, c].sum() / annual[c])
    if rec.profit is not None:
        horizon = rec.profit.shape[0]
        for f, firm in enumerate(w.firm_names):
            base = w.base_profit[f] * horizon
            lost = base - rec.profit[:, f].sum()
            row[f"profit_loss_musd.{firm}"] = float(lost / 1e6)
            row[f"profit_loss_pct.{firm}"] = float(100 * lost / base) if base > 0 else float("nan")
    shares = import_shares(rec.shipments[-FINAL_WINDOW_DAYS:]).mean(axis=0)  # (E, I, P)
    base_shares = import_shares(w.flow0[None])[0]
    for i, importer in enumerate(w.countries):
        for p, product in enumerate(w.products):
            if w.final[p] or base_shares[:, i, p].sum() == 0:
                continue
            e = int(np.argmax(base_shares[:, i, p]))
            row[f"import_share.{importer}.{product}.{w.countries[e]}"] = float(shares[e, i, p])
    return row


def collect(model: CoercionModel, replication: int) -> ReplicationResult:
    ts = timeseries_table(model)
    ts["replication"] = replication
    events = pd.DataFrame(model.events, columns=[c for c in EVENT_COLUMNS if c != "replication"])
    events.insert(0, "replication", replication)
    events["day"] = events["day"].astype("int64")
    outcome = {"replication": replication, **outcome_row(model)}
    return ReplicationResult(replication, ts, events, outcome)
