"""Read sweep folders and answer the sweep questions (never runs the model).

``load_sweep(DIR)`` gives one row per run; the functions below take that table: outcome shares
with Wilson intervals (overall and by parameter bins), resolution days, Sobol indices (SALib) for
``saltelli`` designs, Morris screening for ``morris`` designs, scenario discovery (PRIM, from EMA
Workbench), and paired differences of two variants run on the same seeds (``sim compare``).
Path frequencies and transitions are :func:`sim.analysis.path_frequencies` and
:func:`sim.analysis.transitions`, which take this table as they take a run's outcomes.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from sim.outcomes import OUTCOME_CLASSES

HEAD = ["run_id", "point", "replication", "seed"]
OUTCOME_HEAD = ["outcome", "resolution_day", "path", "n_events", "actors"]
UNIT_PREFIX = "u."


def is_sweep_folder(path: str | Path) -> bool:
    return (Path(path) / "sweep.json").is_file()


def sweep_spec(path: str | Path) -> dict[str, Any]:
    """The resolved sweep spec stored in the folder (``sweep.json``)."""
    return json.loads((Path(path) / "sweep.json").read_text())


def _dataset(path: Path, kind: str) -> ds.Dataset | None:
    files = sorted((path / "parts").glob(f"{kind}-*.parquet"))
    if not files:
        return None
    schemas = [ds.dataset(f, format="parquet").schema for f in files]
    schema = pa.unify_schemas([s.remove_metadata() for s in schemas], promote_options="permissive")
    return ds.dataset(files, format="parquet", schema=schema)


def load_sweep(path: str | Path) -> pd.DataFrame:
    """One row per run, ordered by ``run_id``: ``run_id, point, replication, seed``, one column per
    parameter (the design's dtypes), ``outcome`` (categorical with every class), ``resolution_day,
    path, n_events, actors`` (a list), the metrics (sorted by name) and ``error`` (None if the run
    succeeded). Nothing that varies between identical runs (timings are in manifest.json)."""
    path = Path(path)
    if not is_sweep_folder(path):
        raise FileNotFoundError(f"{path} is not a sweep folder (no sweep.json)")
    design = pd.read_parquet(path / "design.parquet")
    params = [c for c in design.columns if c != "point" and not c.startswith(UNIT_PREFIX)]
    data = _dataset(path, "outcomes")
    if data is None:
        table = pd.DataFrame({c: pd.Series(dtype="int64") for c in HEAD})
    else:
        table = data.to_table().to_pandas()
    table = table.sort_values("run_id", kind="stable").reset_index(drop=True)
    for col in HEAD:
        table[col] = table[col].astype("int64")
    for col in params:
        if col in table:
            table[col] = table[col].astype(design[col].dtype)
    table["outcome"] = pd.Categorical(table.get("outcome", pd.Series(dtype=object)), categories=list(OUTCOME_CLASSES))
    if "error" not in table:
        table["error"] = None
    table["error"] = table["error"].astype(object).where(table["error"].notna(), None)
    head = [*HEAD, *params, *[c for c in OUTCOME_HEAD if c in table]]
    metrics = sorted(c for c in table.columns if c not in head and c != "error")
    return table[[*head, *metrics, "error"]]


def load_sweep_events(path: str | Path) -> pd.DataFrame:
    """Every run's events (``run_id, point, replication``, then the run folder's event columns;
    ``products`` and ``tiers`` are lists, ``alternatives`` a list of ``{action, utility}``)."""
    data = _dataset(Path(path), "events")
    if data is None:
        return pd.DataFrame()
    return data.to_table().to_pandas().sort_values(["run_id", "day"], kind="stable").reset_index(drop=True)


def load_sweep_series(path: str | Path, variable: str | None = None) -> pd.DataFrame:
    """Kept daily series (long, with ``run_id``), read lazily: ``variable`` filters in the reader."""
    data = _dataset(Path(path), "series")
    if data is None:
        return pd.DataFrame()
    flt = (ds.field("variable") == variable) if variable is not None else None
    return data.to_table(filter=flt).to_pandas().sort_values(["run_id", "day"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- shares with intervals


def outcome_intervals(runs: pd.DataFrame, by: str | None = None, bins: int | list[float] | None = None,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Share of (successful) runs in each outcome class with its Wilson interval: columns
    [``by``,] ``outcome, count, n, share, low, high``. Every class keeps its row, zero counts
    included (their upper bound says how rare the class can still be). ``by`` groups by a
    parameter: its values, or ``bins`` (a count of equal-width bins, or bin edges) for a
    numeric parameter with more than ``bins`` values."""
    from sim.analysis import wilson_interval  # lazily: sim.analysis re-exports this module
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    classes = list(OUTCOME_CLASSES)
    if by is None:
        groups = [(None, ok)]
    else:
        key = ok[by]
        if bins is not None and pd.api.types.is_numeric_dtype(key) and (not isinstance(bins, int) or key.nunique() > bins):
            key = pd.cut(key, bins=bins, include_lowest=True)
        groups = list(ok.groupby(key, observed=False, sort=True))
    rows = []
    for value, group in groups:
        n = len(group)
        counts = group["outcome"].value_counts()
        for cls in classes:
            k = int(counts.get(cls, 0))
            low, high = wilson_interval(k, n, confidence)
            row = {"outcome": cls, "count": k, "n": n, "share": k / n if n else float("nan"), "low": low, "high": high}
            rows.append({by: value, **row} if by is not None else row)
    return pd.DataFrame(rows)


def resolution_days(runs: pd.DataFrame) -> pd.DataFrame:
    """Distribution of the resolution day per outcome class: runs, resolved runs, mean, 10th,
    50th and 90th percentiles, min and max (unresolved runs have no day)."""
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    rows = []
    for cls in OUTCOME_CLASSES:
        days = ok.loc[ok["outcome"] == cls, "resolution_day"].astype(float)
        resolved = days.dropna()
        q = resolved.quantile([0.1, 0.5, 0.9]) if len(resolved) else pd.Series([np.nan] * 3, index=[0.1, 0.5, 0.9])
        rows.append({
            "outcome": cls, "runs": len(days), "resolved": len(resolved),
            "mean": resolved.mean() if len(resolved) else np.nan,
            "p10": q[0.1], "median": q[0.5], "p90": q[0.9],
            "min": resolved.min() if len(resolved) else np.nan, "max": resolved.max() if len(resolved) else np.nan,
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- per-point responses


def point_means(runs: pd.DataFrame, outputs: list[str] | None = None) -> pd.DataFrame:
    """Per point, the mean over its successful runs of each output: ``share:<class>`` (the
    share of runs ending in that outcome class) or a metric column. Default: every class's share."""
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    outputs = outputs or [f"share:{c}" for c in OUTCOME_CLASSES]
    frame = pd.DataFrame({"point": ok["point"]})
    for name in outputs:
        if name.startswith("share:"):
            frame[name] = (ok["outcome"] == name.removeprefix("share:")).astype(float)
        else:
            frame[name] = ok[name].astype(float)
    return frame.groupby("point").mean()


def _problem(path: Path) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    spec = sweep_spec(path)["sweep"]
    design = pd.read_parquet(path / "design.parquet")
    names = [p.get("name") or p["path"] for p in spec["parameters"]]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    return problem, design, spec


def _responses(path: Path, outputs: list[str] | None, n_points: int) -> pd.DataFrame:
    means = point_means(load_sweep(path), outputs).reindex(range(n_points))
    missing = means.index[means.isna().any(axis=1)]
    if len(missing):
        raise ValueError(f"points {list(missing[:5])} have no successful run; the analysis needs every point")
    return means


def sobol_indices(path: str | Path, outputs: list[str] | None = None, confidence: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol' indices (SALib ``sobol.analyze``) with their confidence
    intervals, per output and parameter, for a ``saltelli`` sweep: columns ``output, parameter,
    S1, S1_conf, ST, ST_conf`` (``*_conf`` is the half-width of the bootstrap interval).
    Outputs whose value does not vary over the points get NaN indices."""
    from SALib.analyze import sobol

    path = Path(path)
    problem, design, spec = _problem(path)
    if spec["design"] != "saltelli":
        raise ValueError(f"Sobol indices need a saltelli design (this sweep is {spec['design']!r})")
    y = _responses(path, outputs, len(design))
    rows = []
    for name in y.columns:
        values = y[name].to_numpy()
        if np.ptp(values) == 0:
            res = {k: np.full(problem["num_vars"], np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol.analyze(problem, values, calc_second_order=spec["second_order"], conf_level=confidence, seed=seed)
        for j, param in enumerate(problem["names"]):
            rows.append({"output": name, "parameter": param, "S1": res["S1"][j], "S1_conf": res["S1_conf"][j],
                         "ST": res["ST"][j], "ST_conf": res["ST_conf"][j]})
    return pd.DataFrame(rows)


def morris_screening(path: str | Path, outputs: list[str] | None = None, confidence: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Morris elementary effects (SALib ``morris.analyze``) on the unit scale of each parameter,
    for a ``morris`` sweep: columns ``output, parameter, mu, mu_star, mu_star_conf, sigma``,
    the most influential (largest ``mu_star``) first within each output."""
    from SALib.analyze import morris

    path = Path(path)
    problem, design, spec = _problem(path)
    if spec["design"] != "morris":
        raise ValueError(f"Morris screening needs a morris design (this sweep is {spec['design']!r})")
    x = design[[UNIT_PREFIX + n for n in problem["names"]]].to_numpy()
    y = _responses(path, outputs, len(design))
    rows = []
    for name in y.columns:
        res = morris.analyze(problem, x, y[name].to_numpy(), conf_level=confidence, num_levels=spec["levels"], seed=seed)
        for j, param in enumerate(problem["names"]):
            rows.append({"output": name, "parameter": param, "mu": res["mu"][j], "mu_star": res["mu_star"][j],
                         "mu_star_conf": res["mu_star_conf"][j], "sigma": res["sigma"][j]})
    table = pd.DataFrame(rows)
    return table.sort_values(["output", "mu_star"], ascending=[True, False], kind="stable", ignore_index=True)


# --------------------------------------------------------------------------- scenario discovery


def scenario_discovery(runs: pd.DataFrame, parameters: list[str], outcome: str | None = None,
                       path_contains: str | None = None, threshold: float = 0.8, mass_min: float = 0.05) -> dict[str, Any]:
    """PRIM (EMA Workbench's implementation; ``pip install -e ".[ema]"``): the box of parameter
    values in which runs end in ``outcome`` (or take a path containing ``path_contains``).
    Returns ``{"limits": DataFrame(parameter, low, high) of the restricted parameters,
    "coverage", "density", "mass", "n", "k", "trajectory": DataFrame}`` for the last box of the
    peeling trajectory that keeps density >= ``threshold`` (else the densest one)."""
    try:
        with warnings.catch_warnings():  # EMA announces optional back-ends it does not find
            warnings.simplefilter("ignore", UserWarning)
            from ema_workbench.analysis import prim
    except ImportError:
        raise ImportError('scenario discovery uses EMA Workbench\'s PRIM: pip install -e ".[ema]"') from None
    if (outcome is None) == (path_contains is None):
        raise ValueError("give one of outcome or path_contains")
    ok = runs[runs["error"].isna()].reset_index(drop=True) if "error" in runs else runs.reset_index(drop=True)
    y = (ok["outcome"] == outcome) if outcome is not None else ok["path"].str.contains(path_contains, regex=False)
    y = y.to_numpy(dtype=bool)
    if not y.any():
        raise ValueError("no run reaches the chosen outcome or path")
    if y.all():
        raise ValueError("every run reaches the chosen outcome or path: there is no box to find")
    x = ok[parameters].copy()
    for col in x.columns:
        if pd.api.types.is_integer_dtype(x[col]):
            x[col] = x[col].astype("int64")
    finder = prim.Prim(x, y, threshold=threshold, mass_min=mass_min)
    box = finder.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    meets = traj.index[traj["density"] >= threshold]
    i = int(meets[-1]) if len(meets) else int(traj["density"].idxmax())
    box.select(i)
    lims = box.box_lims[i]
    init = finder.box_init
    rows = []
    for col in parameters:
        if col in lims.columns and not lims[col].equals(init[col]):
            rows.append({"parameter": col, "low": lims[col].iloc[0], "high": lims[col].iloc[1]})
    stats = traj.iloc[i]
    return {
        "limits": pd.DataFrame(rows, columns=["parameter", "low", "high"]),
        "coverage": float(stats["coverage"]),
        "density": float(stats["density"]),
        "mass": float(stats["mass"]),
        "n": int(stats["n"]),
        "k": int(stats["k"]),
        "trajectory": traj[["coverage", "density", "mass", "res_dim", "n", "k"]],
    }


# --------------------------------------------------------------------------- paired comparison


def paired_differences(a: pd.DataFrame, b: pd.DataFrame, confidence: float = 0.95, metrics: list[str] | None = None) -> pd.DataFrame:
    """B minus A, paired by replication (the two variants ran on the same seeds): per outcome
    class the difference of shares, and per metric the mean difference, each with a t interval
    on the paired differences (columns ``quantity, a, b, diff, low, high, n``). Pairing removes
    the noise the variants share, so these intervals are narrower than unpaired ones."""
    from scipy import stats

    merged = a.merge(b, on="replication", suffixes=("_a", "_b"))
    n = len(merged)
    rows = []

    def add(name: str, xa: np.ndarray, xb: np.ndarray) -> None:
        d = xb - xa
        mean = float(d.mean())
        if n > 1 and d.std(ddof=1) > 0:
            half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * d.std(ddof=1) / np.sqrt(n))
        else:
            half = 0.0 if n > 1 else float("nan")
        rows.append({"quantity": name, "a": float(xa.mean()), "b": float(xb.mean()), "diff": mean,
                     "low": mean - half, "high": mean + half, "n": n})

    for cls in OUTCOME_CLASSES:
        add(f"share:{cls}", (merged["outcome_a"] == cls).to_numpy(float), (merged["outcome_b"] == cls).to_numpy(float))
    if metrics is None:
        metrics = [c for c in a.columns if c.startswith(("gdp_loss_pct.", "peak_price_multiple.", "profit_loss_pct.")) and c in b.columns]
    for m in metrics:
        add(m, merged[f"{m}_a"].to_numpy(float), merged[f"{m}_b"].to_numpy(float))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- text summaries


def _fmt_shares(table: pd.DataFrame, indent: str = "  ") -> list[str]:
    return [
        f"{indent}{r.outcome:<22} {r.count:>5}/{r.n:<5} {100 * r.share:5.1f}%  [{100 * r.low:5.1f}, {100 * r.high:5.1f}]"
        for r in table.itertuples()
    ]


def summary_text(path: str | Path, top_paths: int = 3) -> str:
    """Headline tables of a sweep folder: runs and failures, outcome shares with 95% Wilson
    intervals overall and by each parameter (its values, or 4 equal-width bins when it has more
    than 10), the commonest paths."""
    from sim.analysis import path_frequencies

    path = Path(path)
    runs = load_sweep(path)
    spec = sweep_spec(path)["sweep"]
    manifest = json.loads((path / "manifest.json").read_text()) if (path / "manifest.json").exists() else {}
    failed = int(runs["error"].notna().sum())
    total = manifest.get("runs", len(runs))
    lines = [f"sweep {spec['name']} ({spec['design']}): {len(runs)} of {total} runs, {failed} failed"
             + (f" [{manifest.get('status')}]" if manifest.get("status") else "")]
    if failed:
        first = runs.loc[runs["error"].notna(), "error"].iloc[0]
        lines.append(f"  first error: {first}")
    lines.append("outcome shares (95% Wilson intervals):")
    lines += _fmt_shares(outcome_intervals(runs))
    for p in spec["parameters"]:
        col = p.get("name") or p["path"]
        table = outcome_intervals(runs, by=col, bins=4 if runs[col].nunique() > 10 else None)
        seen = table.groupby("outcome", observed=True)["count"].transform("sum") > 0
        lines.append(f"by {col}:")
        for value, group in table[seen].groupby(col, observed=False, sort=True):
            lines.append(f"  {col} = {value}:")
            lines += _fmt_shares(group, indent="    ")
    ok = runs[runs["error"].isna()]
    if len(ok):
        lines.append("most common paths:")
        for r in path_frequencies(ok, top=top_paths).itertuples():
            lines.append(f"  {r.count:>5}x ({100 * r.share:.0f}%) -> {r.outcome}: {r.Index or '(no events)'}")
    return "\n".join(lines)
