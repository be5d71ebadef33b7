"""Figures of a parameter sweep, built from plain pandas tables (nothing here runs the model).

The tables:

- ``runs``: one row per run: one column per swept parameter (numbers), ``outcome`` (class name,
  categorical or string), metrics (``gdp_loss_pct.JP``...);
- Sobol indices: ``parameter, S1, S1_conf, ST, ST_conf``; Morris screening:
  ``parameter, mu_star, mu_star_conf`` (``sigma`` optional);
- PRIM boxes: ``box, parameter, low, high, coverage, density`` (a parameter a box does not
  restrict has no row: the box spans its whole range).

:func:`sweep_figures` draws the set for ``sim plot``; :func:`sweep_folder_figures` is the boundary
with the sweep tool's folder layout (it reads the folder through ``sim.analysis.load_sweep``).
Titles carry the sweep's name and its number of runs; colours and names come from
:mod:`sim.style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim import style
from sim.files import read_json
from sim.plots import OUTCOME_ORDER, WIDTH, PlotError, _figure, wilson


def _label(name: str, runs: pd.DataFrame) -> str:
    return f"{name}, n = {len(runs)} runs"


def _check(runs: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in runs.columns]
    if missing:
        raise PlotError(f"sweep table has no column(s) {', '.join(missing)} (columns: {', '.join(map(str, runs.columns))})")


def _bins(values: pd.Series, bins: int) -> tuple[pd.Series, np.ndarray]:
    """Each run's bin (few distinct values: the values themselves) and the bins' centres."""
    distinct = np.sort(values.dropna().unique())
    if len(distinct) <= bins:
        return values.map({v: i for i, v in enumerate(distinct)}), distinct.astype(float)
    edges = np.quantile(values, np.linspace(0, 1, bins + 1))
    edges = np.unique(edges)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    centres = np.array([values[index == i].median() for i in range(len(edges) - 1)], dtype=float)
    return pd.Series(index, index=values.index), centres


def _classes(runs: pd.DataFrame) -> list[str]:
    present = set(runs["outcome"].astype(str))
    return [c for c in OUTCOME_ORDER if c in present] + sorted(present.difference(OUTCOME_ORDER))


def response_curve(runs: pd.DataFrame, parameter: str, *, name: str, outcomes: Sequence[str] | None = None, bins: int = 8) -> Figure:
    """Share of runs in each outcome class against one parameter (binned by quantiles when it
    takes many values), with 95% Wilson intervals."""
    _check(runs, parameter, "outcome")
    which, centres = _bins(runs[parameter].astype(float), bins)
    classes = list(outcomes or _classes(runs))
    fig = _figure(WIDTH * 0.8, 4.2)
    ax = fig.add_subplot()
    offsets = np.linspace(-0.012, 0.012, len(classes)) * (np.ptp(centres) or 1.0)
    for k, cls in enumerate(classes):
        shares, lows, highs = [], [], []
        for i in range(len(centres)):
            members = runs.loc[which == i, "outcome"].astype(str)
            count, n = int((members == cls).sum()), len(members)
            low, high = wilson(count, n)
            shares.append(100 * count / n if n else np.nan)
            lows.append(100 * low)
            highs.append(100 * high)
        s = np.array(shares)
        ax.errorbar(centres + offsets[k], s, yerr=[s - np.array(lows), np.array(highs) - s], color=style.outcome_colour(cls),
                    marker="o", ms=4, capsize=2, lw=1.6, label=style.outcome_name(cls))
    ax.set_ylim(-2, 102)
    ax.set_xlabel(style.parameter_name(parameter) + ("" if len(centres) == runs[parameter].nunique() else " (median of each bin)"))
    ax.set_ylabel("share of runs, % (95% Wilson interval)")
    ax.grid(alpha=0.25)
    ax.legend(loc="best", fontsize=8.5, frameon=False)
    per = len(runs) / max(len(centres), 1)
    ax.set_title(f"Outcomes against {style.parameter_name(parameter)} — {_label(name, runs)} (about {per:.0f} per point)", fontsize=11)
    return fig


def outcome_map(runs: pd.DataFrame, x: str, y: str, *, name: str, outcome: str | None = None, bins: int = 6) -> Figure:
    """Share of runs ending in ``outcome`` (default: the most frequent) over two parameters, each
    cell annotated with its share and number of runs."""
    _check(runs, x, y, "outcome")
    outcome = outcome or runs["outcome"].astype(str).value_counts().index[0]
    bx, cx = _bins(runs[x].astype(float), bins)
    by, cy = _bins(runs[y].astype(float), bins)
    share = np.full((len(cy), len(cx)), np.nan)
    count = np.zeros((len(cy), len(cx)), dtype=int)
    hit = runs["outcome"].astype(str) == outcome
    for i in range(len(cx)):
        for j in range(len(cy)):
            cell = (bx == i) & (by == j)
            count[j, i] = int(cell.sum())
            if count[j, i]:
                share[j, i] = 100 * hit[cell].mean()
    fig = _figure(WIDTH * 0.75, 5.2)
    ax = fig.add_subplot()
    cmap = LinearSegmentedColormap.from_list("share", ["#FFFFFF", style.outcome_colour(outcome)])
    image = ax.imshow(share, origin="lower", cmap=cmap, vmin=0, vmax=100, aspect="auto")
    for i in range(len(cx)):
        for j in range(len(cy)):
            text = "no runs" if count[j, i] == 0 else f"{share[j, i]:.0f}%\n(n={count[j, i]})"
            ax.text(i, j, text, ha="center", va="center", fontsize=7.5, color="black" if np.nan_to_num(share[j, i]) < 60 else "white")
    ax.set_xticks(range(len(cx)), [f"{v:.3g}" for v in cx])
    ax.set_yticks(range(len(cy)), [f"{v:.3g}" for v in cy])
    ax.set_xlabel(style.parameter_name(x))
    ax.set_ylabel(style.parameter_name(y))
    fig.colorbar(image, ax=ax, label=f"share of runs ending '{style.outcome_name(outcome)}', %")
    ax.set_title(f"Where '{style.outcome_name(outcome)}' happens — {_label(name, runs)}", fontsize=11)
    return fig


def tornado(indices: pd.DataFrame, *, name: str, n_runs: int, target: str = "outcome share") -> Figure:
    """Which parameters matter: Sobol first-order and total indices (``S1``, ``ST``) or Morris
    ``mu_star``, with their confidence half-widths, largest first."""
    _check(indices, "parameter")
    if {"S1", "ST"} <= set(indices.columns):
        columns = [("ST", "ST_conf", "total effect (ST)", "#0072B2"), ("S1", "S1_conf", "first-order effect (S1)", "#56B4E9")]
        kind, sort = "Sobol indices", "ST"
    elif "mu_star" in indices.columns:
        columns = [("mu_star", "mu_star_conf", "mean absolute elementary effect (mu*)", "#009E73")]
        kind, sort = "Morris screening", "mu_star"
    else:
        raise PlotError("indices table needs S1 and ST (Sobol) or mu_star (Morris) columns")
    table = indices.sort_values(sort, ascending=True, kind="stable")
    fig = _figure(WIDTH * 0.8, 1.2 + 0.42 * len(table))
    ax = fig.add_subplot()
    y = np.arange(len(table))
    height = 0.8 / len(columns)
    for k, (value, conf, label, colour) in enumerate(columns):
        pos = y + (k - (len(columns) - 1) / 2) * height
        err = table[conf].to_numpy() if conf in table.columns else None
        ax.barh(pos, table[value], height=height * 0.9, color=colour, label=label,
                xerr=err, error_kw={"ecolor": "black", "capsize": 2, "lw": 0.8})
    ax.set_yticks(y, [style.parameter_name(p) for p in table["parameter"]], fontsize=8.5)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel(f"{kind} of the {target} (whiskers: 95% confidence)")
    ax.grid(axis="x", alpha=0.25)
    ax.legend(loc="lower right", fontsize=8.5, frameon=False)
    ax.set_title(f"Which parameters matter ({kind}) — {name}, n = {n_runs} runs", fontsize=11)
    return fig


def prim_boxes(runs: pd.DataFrame, boxes: pd.DataFrame, x: str, y: str, *, name: str, outcome: str) -> Figure:
    """Scenario discovery: runs in the plane of two parameters (those ending in ``outcome``
    highlighted) and the PRIM boxes that lead to it, with their coverage and density."""
    _check(runs, x, y, "outcome")
    _check(boxes, "box", "parameter", "low", "high", "coverage", "density")
    hit = runs["outcome"].astype(str) == outcome
    fig = _figure(WIDTH * 0.75, 5.4)
    ax = fig.add_subplot()
    colour = style.outcome_colour(outcome)
    ax.scatter(runs.loc[~hit, x], runs.loc[~hit, y], s=10, color="#BBBBBB", lw=0, label=f"other runs ({int((~hit).sum())})")
    ax.scatter(runs.loc[hit, x], runs.loc[hit, y], s=12, color=colour, lw=0, label=f"{style.outcome_name(outcome)} ({int(hit.sum())})")
    xr, yr = (runs[x].min(), runs[x].max()), (runs[y].min(), runs[y].max())
    handles, labels = ax.get_legend_handles_labels()
    for k, (box, rows) in enumerate(boxes.groupby("box", sort=True)):
        limits = rows.set_index("parameter")
        x0, x1 = (limits.loc[x, "low"], limits.loc[x, "high"]) if x in limits.index else xr
        y0, y1 = (limits.loc[y, "low"], limits.loc[y, "high"]) if y in limits.index else yr
        ls = ("-", "--", ":")[k % 3]
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="black", lw=1.6, ls=ls))
        others = [p for p in limits.index if p not in (x, y)]
        extra = f"; also {', '.join(style.parameter_name(p) for p in others)}" if others else ""
        handles.append(Line2D([], [], color="black", ls=ls, lw=1.6))
        labels.append(f"box {box}: coverage {100 * rows['coverage'].iloc[0]:.0f}%, density {100 * rows['density'].iloc[0]:.0f}%{extra}")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0, -0.14), fontsize=8.5, frameon=False)
    ax.set_xlabel(style.parameter_name(x))
    ax.set_ylabel(style.parameter_name(y))
    ax.set_title(f"Parameter boxes leading to '{style.outcome_name(outcome)}' (PRIM) — {_label(name, runs)}", fontsize=11)
    return fig


def resolution_by_outcome(runs: pd.DataFrame, *, name: str) -> Figure:
    """Resolution days per outcome class across all runs of a sweep (box and median)."""
    _check(runs, "outcome", "resolution_day")
    classes = [c for c in _classes(runs) if runs.loc[runs["outcome"].astype(str) == c, "resolution_day"].notna().any()]
    fig = _figure(WIDTH * 0.8, 1.0 + 0.5 * max(len(classes), 1))
    ax = fig.add_subplot()
    data = [runs.loc[runs["outcome"].astype(str) == c, "resolution_day"].dropna().astype(float) for c in classes]
    if data:
        parts = ax.boxplot(data, orientation="horizontal", widths=0.5, showfliers=True, patch_artist=True, medianprops={"color": "black"})
        for patch, cls in zip(parts["boxes"], classes):
            patch.set_facecolor(style.outcome_colour(cls))
            patch.set_alpha(0.6)
        ax.set_yticks(range(1, len(classes) + 1), [f"{style.outcome_name(c)} ({len(d)})" for c, d in zip(classes, data)])
    ax.set_xlabel("resolution day (day of the run)")
    ax.grid(axis="x", alpha=0.25)
    ax.set_title(f"When episodes ended, by outcome — {_label(name, runs)}", fontsize=11)
    return fig


def sweep_figures(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    *,
    name: str,
    indices: pd.DataFrame | None = None,
    boxes: pd.DataFrame | None = None,
    box_outcome: str | None = None,
) -> dict[str, Figure]:
    """The figures of a sweep, by file stem: a response curve per parameter, an outcome map over
    the first two, a tornado when indices are given, PRIM boxes when boxes are given."""
    figs: dict[str, Figure] = {}
    for p in parameters:
        figs[f"response_{p.replace('.', '_').replace('[', '_').replace(']', '')}"] = response_curve(runs, p, name=name)
    if len(parameters) >= 2:
        figs["outcome_map"] = outcome_map(runs, parameters[0], parameters[1], name=name)
    if "resolution_day" in runs.columns and runs["resolution_day"].notna().any():
        figs["resolution_days"] = resolution_by_outcome(runs, name=name)
    if indices is not None and len(indices):
        figs["tornado"] = tornado(indices, name=name, n_runs=len(runs))
    if boxes is not None and len(boxes) and len(parameters) >= 2:
        outcome = box_outcome or runs["outcome"].astype(str).value_counts().index[0]
        restricted = list(dict.fromkeys(boxes["parameter"])) + list(parameters)
        x, y = list(dict.fromkeys(restricted))[:2]
        figs["prim_boxes"] = prim_boxes(runs, boxes, x, y, name=name, outcome=outcome)
    return figs


def sweep_folder_figures(path: Path) -> dict[str, Figure]:
    """The figures of a folder written by ``sim sweep``: the runs from ``load_sweep``, the swept
    parameters and design from its ``sweep.json``; Sobol indices for a ``saltelli`` design and
    Morris screening for a ``morris`` one (on the share of the most frequent outcome); PRIM boxes
    for that outcome when two or more parameters were swept and EMA Workbench is installed."""
    from sim.sweep_analysis import load_sweep, morris_screening, scenario_discovery, sobol_indices

    path = Path(path)
    runs = load_sweep(path)
    resolved = read_json(path / "sweep.json") if (path / "sweep.json").exists() else {}
    sweep = resolved.get("sweep", {}) if isinstance(resolved, dict) else {}
    names = [p.get("name") for p in sweep.get("parameters", []) if isinstance(p, dict)]
    names = [n for n in names if n in runs.columns]
    outcomes = runs["outcome"].dropna().astype(str)
    outcome = outcomes.value_counts().index[0] if len(outcomes) else None
    indices = None
    if outcome is not None and sweep.get("design") in ("saltelli", "morris"):
        analyse = sobol_indices if sweep["design"] == "saltelli" else morris_screening
        table = analyse(path, outputs=[f"share:{outcome}"])
        indices = table[table["output"] == f"share:{outcome}"]
        if indices.drop(columns=["output", "parameter"]).isna().all().all():
            indices = None  # the outcome share never varied: nothing to rank
    boxes = None
    if outcome is not None and len(names) >= 2:
        try:
            found = scenario_discovery(runs, names, outcome=outcome)
        except ImportError:  # PRIM comes with the optional EMA Workbench
            found = None
        except ValueError:  # every run ends in that outcome: no box to find
            found = None
        if found is not None and len(found["limits"]):
            boxes = found["limits"].assign(box=1, coverage=found["coverage"], density=found["density"])
    return sweep_figures(runs, names, name=str(sweep.get("name") or path.name), indices=indices,
                         boxes=boxes, box_outcome=outcome)
