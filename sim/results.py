"""Turn a finished model into the three output tables: timeseries (long), events, outcome row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.model import OUTCOME_WINDOW_DAYS, CoercionModel
from sim.outcomes import classify, highest_rungs, path_signature

TIMESERIES_COLUMNS = ["replication", "day", "variable", "country", "partner", "product", "firm", "value"]
EVENT_COLUMNS = [
    "replication", "day", "actor", "action", "kind", "measure", "target", "products", "tiers",
    "enforcement", "rule", "reason", "alternatives", "rung",
]
FINAL_WINDOW_DAYS = OUTCOME_WINDOW_DAYS


class ReplicationResult:
    """A replication's tables. The events table is built on first use from the model's event
    records: a sweep reads the records and never needs one table per run (building it was most
    of a sweep run's cost outside the model)."""

    def __init__(
        self, replication: int, timeseries: pd.DataFrame, events: pd.DataFrame | list[dict[str, Any]], outcome: dict[str, Any]
    ) -> None:
        self.replication = replication
        self.timeseries = timeseries
        self._events = events
        self.outcome = outcome

    @property
    def events(self) -> pd.DataFrame:
        if not isinstance(self._events, pd.DataFrame):
            self._events = events_table(self._events, self.replication)
        return self._events

    @property
    def event_records(self) -> list[dict[str, Any]]:
        """The events as the model logged them (dicts in EVENT_COLUMNS order, no replication)."""
        if isinstance(self._events, pd.DataFrame):
            return self._events.drop(columns=["replication"]).to_dict(orient="records")
        return self._events

    def __repr__(self) -> str:
        return f"ReplicationResult(replication={self.replication}, outcome={self.outcome.get('outcome')!r})"


def events_table(records: list[dict[str, Any]], replication: int) -> pd.DataFrame:
    """The events table of one replication from the model's event records."""
    events = pd.DataFrame(records, columns=[c for c in EVENT_COLUMNS if c != "replication"])
    events.insert(0, "replication", replication)
    events["day"] = events["day"].astype("int64")
    events["rung"] = events["rung"].astype("int64")
    return events


VARIABLES = [
    "price_multiple", "gdp_loss_pct_cum", "lobbying_pressure", "measures_in_force", "shipments",
    "import_share", "background_capacity", "output_index", "profit", "days_of_cover",
]


class _Frames:
    """Builds the long table from (T, n) blocks with integer label codes, then makes categorical
    columns once with fixed categories (much faster than strings per row).

    Blocks are only remembered by :meth:`add`; :meth:`table` allocates each column once at its
    final length and fills it block by block (no per-block temporaries, no concatenation), with
    label codes in the small integer type pandas keeps for that many categories."""

    def __init__(self, categories: dict[str, list[str]]) -> None:
        self.categories = categories
        self.blocks: list[tuple[str, np.ndarray, dict[str, np.ndarray]]] = []

    def add(self, variable: str, values: np.ndarray, **codes: np.ndarray) -> None:
        t, n = values.shape[0], int(np.prod(values.shape[1:]))
        self.blocks.append((variable, values.reshape(t, n), codes))

    def table(self) -> pd.DataFrame:
        total = sum(values.size for _, values, _ in self.blocks)
        day = np.empty(total, dtype=np.int64)
        variable = np.empty(total, dtype=_code_dtype(len(VARIABLES)))
        value = np.empty(total, dtype=np.float64)
        label_codes = {c: np.empty(total, dtype=_code_dtype(len(labels))) for c, labels in self.categories.items()}
        start = 0
        for name, values, codes in self.blocks:
            t, n = values.shape
            end = start + t * n
            day[start:end].reshape(t, n)[:] = np.arange(t)[:, None]
            variable[start:end] = VARIABLES.index(name)
            value[start:end].reshape(t, n)[:] = values
            for column, out in label_codes.items():
                column_codes = codes.get(column)
                out[start:end].reshape(t, n)[:] = column_codes[None, :] if column_codes is not None else -1
            start = end

        columns: dict[str, Any] = {"replication": np.zeros(total, dtype=np.int64), "day": day}
        columns["variable"] = pd.Categorical.from_codes(variable, categories=VARIABLES, validate=False)
        for column, labels in self.categories.items():
            columns[column] = pd.Categorical.from_codes(label_codes[column], categories=labels, validate=False)
        columns["value"] = value
        # The columns are fresh arrays owned by nobody else: no need for pandas to copy them
        # into consolidated blocks (most of the cost of building a large frame).
        return pd.DataFrame({c: columns[c] for c in TIMESERIES_COLUMNS}, copy=False)


def _code_dtype(n_categories: int) -> type:
    """The integer type pandas uses for the codes of ``n_categories`` categories (so that
    ``Categorical.from_codes`` does not convert them)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(dtype).max:
            return dtype
    return np.int64


def import_shares(shipments: np.ndarray) -> np.ndarray:
    """(T, E, I, P) shipments -> (T, E, I, P) share of each importer's foreign supply by exporter."""
    n_c = shipments.shape[1]
    foreign = shipments * (1.0 - np.eye(n_c))[None, :, :, None]
    total = foreign.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, foreign / total, 0.0)


def timeseries_table(model: CoercionModel) -> pd.DataFrame:
    w, rec = model.world, model.rec
    n_c, n_p = w.n_countries, w.n_products
    out = _Frames({"country": w.countries, "partner": w.countries, "product": w.products, "firm": w.firm_names})
    grid_c, grid_p = np.meshgrid(np.arange(n_c), np.arange(n_p), indexing="ij")
    out.add("price_multiple", rec.price / w.base_price[None, None, :], country=grid_c.ravel(), product=grid_p.ravel())
    countries = np.arange(n_c)
    out.add("gdp_loss_pct_cum", 100 * np.cumsum(rec.gdp_loss, axis=0) / (w.gdp_daily * 365.0), country=countries)
    out.add("lobbying_pressure", rec.pressure, country=countries)
    out.add("measures_in_force", rec.measures, country=countries)
    # Shipments: country = exporter, partner = importer.
    e_idx, i_idx, p_idx = np.nonzero(w.flow0 > 0)
    if len(e_idx):
        out.add("shipments", rec.shipments[:, e_idx, i_idx, p_idx], country=e_idx, partner=i_idx, product=p_idx)
    # Import shares: country = importer, partner = exporter.
    foreign = (w.flow0 > 0) & ~np.eye(n_c, dtype=bool)[:, :, None]
    e_idx, i_idx, p_idx = np.nonzero(foreign)
    if len(e_idx):
        shares = import_shares(rec.shipments)[:, e_idx, i_idx, p_idx]
        out.add("import_share", shares, country=i_idx, partner=e_idx, product=p_idx)
    # Background producers' capacity wherever it can move: pools allowed to grow (capacity_growth),
    # pools where price-driven investors stand ready (new_capacity), and any pool capacity was
    # built in (a government's or firm's investment), with or without baseline output there.
    built = rec.bg_capacity.max(axis=0, initial=0.0) > w.bg_capacity0 if len(rec.bg_capacity) else False
    c_idx, p_idx = np.nonzero((w.bg_max_capacity > w.bg_capacity0) | (w.new_capacity > 0) | built)
    if len(c_idx):
        out.add("background_capacity", rec.bg_capacity[:, c_idx, p_idx], country=c_idx, product=p_idx)
    if rec.output is not None and w.n_firms:
        firms = np.arange(w.n_firms)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.add("output_index", rec.output / w.base_output, firm=firms)
        out.add("profit", rec.profit, firm=firms)
        pairs = rec.cover_pairs
        if len(pairs):
            out.add("days_of_cover", rec.cover, firm=pairs[:, 0], product=pairs[:, 1])
    return out.table()


def outcome_row(model: CoercionModel) -> dict[str, Any]:
    sc: Scenario = model.scenario
    w, rec = model.world, model.rec
    events = model.events
    in_force = [(m.actor, m.spec.target) for m in model.active.values()]
    outcome, day = classify(events, in_force, sc.outcome.coercer, sc.outcome.target)
    row: dict[str, Any] = {
        "outcome": outcome,
        "resolution_day": day,
        "path": path_signature(events, w.countries),
        "n_events": len(events),
        "actors": ",".join(sorted({e["actor"] for e in events if e["kind"] != "hold"})),
    }
    rungs = highest_rungs(events)
    for country in w.countries:
        rung, move = rungs.get(country, (0, ""))
        row[f"highest_rung.{country}"] = rung
        row[f"highest_move.{country}"] = move
    for c, country in enumerate(w.countries):
        row[f"max_measures.{country}"] = int(rec.measures[:, c].max(initial=0))
    multiples = rec.price / w.base_price[None, None, :]
    for p, product in enumerate(w.products):
        if not w.final[p]:
            row[f"peak_price_multiple.{product}"] = float(multiples[:, :, p].max())
            # Days on which the product's price sits at the economy's guard rail somewhere: an
            # answer that depends on the cap, not on the market (0 = the cap never binds).
            row[f"price_cap_days.{product}"] = int(rec.cap_days[p])
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
            if model.investment_usd[f] > 0:
                row[f"investment_musd.{firm}"] = float(model.investment_usd[f] / 1e6)
    shares = import_shares(rec.shipments[-FINAL_WINDOW_DAYS:]).mean(axis=0)  # (E, I, P)
    base_shares = import_shares(w.flow0[None])[0]
    for i, importer in enumerate(w.countries):
        for p, product in enumerate(w.products):
            if w.final[p] or base_shares[:, i, p].sum() == 0:
                continue
            e = int(np.argmax(base_shares[:, i, p]))
            row[f"import_share.{importer}.{product}.{w.countries[e]}"] = float(shares[e, i, p])
    return row


def collect(model: CoercionModel, replication: int, series: bool = True) -> ReplicationResult:
    """The replication's tables; ``series=False`` (outcomes-only batch runs) skips the long
    timeseries table (an empty frame instead), which such runs do not keep."""
    if series:
        ts = timeseries_table(model)
        ts["replication"] = replication
    else:
        ts = pd.DataFrame(columns=TIMESERIES_COLUMNS)
    outcome = {"replication": replication, **outcome_row(model)}
    # (The records, not yet a table: it is built when first read.)
    return ReplicationResult(replication, ts, list(model.events), outcome)
