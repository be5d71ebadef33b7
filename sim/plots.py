"""Figures of a run folder (:class:`sim.analysis.Run`): each function returns a matplotlib Figure.

Every figure names its scenario and number of replications in the title, labels its axes with
units, uses human names (:mod:`sim.style`) and one colour per actor. Fan charts show, across
replications, the median and the bands holding the middle 50% and 90% of runs, one panel per
series (so that series never hide each other), with the measures' median start and end days in a
strip above. Nothing here runs the model: figures are built from a run folder's tables.

:func:`run_figures` picks the figures worth drawing for a run; :func:`write_figures` writes them
(PNG, optionally SVG) into ``DIR/figures/`` for ``sim plot`` and ``sim run --plot``; a sweep
folder is handed to :mod:`sim.sweep_plots`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from sim import style
from sim.analysis import SERIES_DIMENSIONS, Run, SelectionError, load_run, wilson_interval
from sim.analysis import outcome_shares as share_table
from sim.files import FileProblem, read_json

DIMENSIONS = SERIES_DIMENSIONS
OUTCOME_ORDER = (
    "threat_succeeded", "target_concedes", "negotiated_offramp", "coercer_backs_down",
    "mutual_escalation", "stalemate", "no_conflict",
)
# Kinds of events that are moves worth a marker on the timeline (holds are the absence of a move).
CLOSING_KINDS = frozenset({"concede", "offramp", "back_down", "accept"})
EXPORT_RESTRICTIONS = frozenset({"export_ban", "export_licensing", "export_quota"})
WIDTH = 10.0  # inches: readable in a notebook at 100% and in the report


class PlotError(ValueError):
    """A figure was asked for data the run folder does not hold (one-line message)."""


# ---------------------------------------------------------------------------- data access


def run_label(run: Run) -> str:
    """``rare_earth_curb, n = 20``: the scenario and number of replications for titles."""
    name = run.manifest.get("scenario") or run.path.name
    return f"{name}, n = {len(run.outcomes)}"


def resolved_scenario(run: Run) -> dict[str, Any]:
    """The run's resolved scenario (``scenario.json``); ``{}`` if the folder has none. A damaged
    file is a :class:`PlotError` naming it."""
    file = run.path / "scenario.json"
    if not os.path.lexists(file):
        return {}
    try:
        data = read_json(file)
    except FileProblem as exc:
        raise PlotError(str(exc)) from None
    return data if isinstance(data, dict) else {}


def horizon(run: Run) -> int:
    """Number of simulated days (from the resolved scenario, else the timeseries)."""
    days = resolved_scenario(run).get("horizon_days")
    if isinstance(days, int) and not isinstance(days, bool):
        return days
    return int(run.timeseries["day"].max()) + 1 if len(run.timeseries) else 0


def scenario_outcome_roles(run: Run) -> tuple[str | None, str | None]:
    """(coercer, target) from the scenario's ``[outcome]`` table, if any."""
    outcome = resolved_scenario(run).get("outcome") or {}
    if not isinstance(outcome, dict):
        return None, None
    return outcome.get("coercer"), outcome.get("target")


def series_table(run: Run, variable: str, **where: str) -> pd.DataFrame:
    """One variable as a day x replication table (:meth:`Run.series`: every dimension the variable
    varies along must be fixed in ``where``, nothing is ever summed); a bad selection raises
    :class:`PlotError` with ``Run.series``'s message."""
    try:
        return run.series(variable, **where).sort_index()
    except SelectionError as exc:
        raise PlotError(f"{run.path}: {exc}") from None


def dimension_values(run: Run, variable: str, dimension: str, **where: str) -> list[str]:
    """Values a dimension takes for a variable (e.g. the countries with a price of a product)."""
    ts = run.timeseries
    mask = ts["variable"] == variable
    for key, value in where.items():
        mask &= ts[key] == value
    return [str(v) for v in ts.loc[mask, dimension].dropna().unique()]


def measure_spans(events: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """Measures in force as spans, one row per imposition: ``replication, actor, target, action,
    measure, products, enforcement, start, end`` (``end`` = horizon if never lifted).

    A measure ends when its actor lifts it (``lift_<action>``; an unnamed lift such as
    ``lift_retaliation`` ends all the actor's measures on that target), imposes a new version under
    the same name, imposes an export restriction on the same products and target (a ban replacing
    licensing), rewards the target (exempts a third country), or makes a closing move (concession,
    off-ramp, backing down, accepting a concession: its measures on that move's target). Checked against
    the model's own count of measures in force (``measures_in_force``) in the tests."""
    rows: list[dict] = []
    if events.empty:
        return pd.DataFrame(columns=["replication", "actor", "target", "action", "measure", "products", "enforcement", "start", "end"])
    for replication, group in events.sort_values(["replication", "day"], kind="stable").groupby("replication", sort=True):
        open_: list[dict] = []

        def close(span: dict, day: int, open_: list[dict] = open_) -> None:
            span["end"] = day
            rows.append(span)
            open_.remove(span)

        for e in group.to_dict("records"):
            kind, actor, day = e["kind"], e["actor"], int(e["day"])
            products = set(filter(None, str(e.get("products") or "").split(",")))
            if kind == "impose":
                for span in list(open_):
                    same_name = span["actor"] == actor and span["action"] == e["action"] and span["target"] == e["target"]
                    replaces = (
                        span["actor"] == actor and span["target"] == e["target"]
                        and span["measure"] in EXPORT_RESTRICTIONS and e["measure"] in EXPORT_RESTRICTIONS
                        and products and products == set(span["products"].split(","))
                    )
                    if same_name or replaces:
                        close(span, day)
                open_.append({
                    "replication": int(replication), "actor": actor, "target": e["target"], "action": e["action"],
                    "measure": e["measure"], "products": ",".join(sorted(products)),
                    "enforcement": float(e["enforcement"]) if pd.notna(e["enforcement"]) else 1.0, "start": day,
                })
            elif kind == "lift":
                # Lifting one measure by name (scripted), else all of the actor's measures on that
                # target (a retaliation lifted as a whole; the event names only the first).
                # (A partial truce lifts one rung by name too: ``suspend_<rung>``.)
                name = str(e["action"]).removeprefix("lift_").removeprefix("suspend_")
                match = [s for s in open_ if s["actor"] == actor and s["action"] == name][:1]
                match = match or [s for s in open_ if s["actor"] == actor and s["target"] == e["target"]]
                for span in match:
                    close(span, day)
            elif kind == "reward":  # a coercer exempts a third country: its measures on it end
                for span in [s for s in open_ if s["actor"] == actor and s["target"] == e["target"]]:
                    close(span, day)
            elif kind in CLOSING_KINDS:  # ends the actor's measures on the other side of the episode
                for span in [s for s in open_ if s["actor"] == actor and (not e["target"] or s["target"] == e["target"])]:
                    close(span, day)
        for span in list(open_):
            close(span, horizon_days)
    return pd.DataFrame(rows).sort_values(["replication", "start", "actor"], kind="stable", ignore_index=True)


def typical_replication(run: Run) -> int:
    """The lowest-numbered replication that followed the most frequent escalation path."""
    outcomes = run.outcomes
    if outcomes.empty:
        raise PlotError(f"{run.path}: outcomes.parquet has no replications")
    counts = outcomes["path"].value_counts(sort=False)
    top = counts[counts == counts.max()].index
    first = outcomes[outcomes["path"].isin(top)].sort_values("replication")
    return int(first["replication"].iloc[0])


# ---------------------------------------------------------------------------- shared pieces


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # a renderer, so that text can be measured before saving
    return fig


def log_ticks(ax: Axes, axis: str = "y") -> None:
    """Log axis labelled at 1, 2, 5, 10, 20, ... in plain numbers (not only at powers of ten)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_minor_locator(LogLocator(base=10, subs=tuple(range(2, 10))))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    target.set_minor_formatter(NullFormatter())


def _quantiles(table: pd.DataFrame) -> pd.DataFrame:
    """Median (an actual run's value: step series stay steps) and the 50% and 90% bands."""
    values = table.to_numpy(dtype=float)
    q = np.nanquantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1, method="nearest")
    return pd.DataFrame(q.T, index=table.index, columns=["p05", "p25", "median", "p75", "p95"])


def _visible_band(low: pd.Series, high: pd.Series) -> bool:
    """A band is worth drawing (and a legend entry) only where it is wider than a line."""
    scale = max(float(np.nanmax(np.abs(high.to_numpy()))), 1e-12)
    return bool(np.nanmax((high - low).to_numpy()) > 0.01 * scale)


def _fan(ax: Axes, table: pd.DataFrame, colour: str, label: str = "_median") -> tuple[bool, bool]:
    """Median line with 50% and 90% bands; returns which bands are visible."""
    q = _quantiles(table)
    shown = (_visible_band(q["p25"], q["p75"]), _visible_band(q["p05"], q["p95"]))
    if shown[1]:
        ax.fill_between(q.index, q["p05"], q["p95"], color=colour, alpha=0.15, lw=0, label="_90%")
    if shown[0]:
        ax.fill_between(q.index, q["p25"], q["p75"], color=colour, alpha=0.35, lw=0, label="_50%")
    ax.plot(q.index, q["median"], color=colour, lw=1.8, label=label)
    return shown


def _fan_legend(fig: Figure, bands: tuple[bool, bool]) -> None:
    handles: list = [Line2D([], [], color="#444444", lw=1.8, label="median run")]
    if bands[0]:
        handles.append(Patch(color="#444444", alpha=0.35, lw=0, label="middle 50% of runs"))
    if bands[1]:
        handles.append(Patch(color="#444444", alpha=0.15, lw=0, label="middle 90% of runs"))
    if not any(bands):
        handles[0].set_label("median run (runs too alike for bands to show)")
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize=9)


def _measure_strip(ax: Axes, spans: pd.DataFrame, n: int, horizon_days: int) -> list[tuple[float, float, str]]:
    """Measures' median start and end days across the replications that imposed them, one row
    each; returns (start, end, colour) for the marks drawn through the panels below."""
    marks: list[tuple[float, float, str]] = []
    ax.set_xlim(0, horizon_days)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if spans.empty:
        ax.text(0.5, 0.5, "no measures imposed", transform=ax.transAxes, ha="center", va="center", fontsize=9, color="#555555")
        ax.set_ylim(0, 1)
        return marks
    first = spans.sort_values("start").groupby(["replication", "actor", "action"], sort=False).first().reset_index()
    grouped = first.groupby(["actor", "action"], sort=False).agg(
        runs=("replication", "nunique"), start=("start", "median"), end=("end", "median"), enforcement=("enforcement", "median"))
    grouped = grouped.sort_values("start", kind="stable").reset_index()
    for row, m in enumerate(grouped.itertuples()):
        colour = style.actor_colour(m.actor)
        y = len(grouped) - 1 - row
        ax.barh(y, max(m.end - m.start, 0.5), left=m.start, height=0.7, color=colour, alpha=0.25 + 0.6 * m.enforcement, lw=0)
        text = f"{style.actor_name(m.actor)}: {style.move_name(m.action)} ({m.runs}/{n} runs)"
        inside = m.end - m.start > 0.45 * horizon_days
        ax.text(m.start + (horizon_days * 0.005 if inside else 0), y, ("" if inside else " ") + text, va="center",
                ha="left", fontsize=7.5, color="white" if inside and m.enforcement > 0.5 else "black", clip_on=True)
        marks.append((float(m.start), float(m.end), colour))
    ax.set_ylim(-0.6, len(grouped) - 0.4)
    ax.set_title("Measures in force: median start to median end over the runs that imposed them", fontsize=8.5, loc="left")
    return marks


def _mark(axes: Sequence[Axes], marks: list[tuple[float, float, str]], horizon_days: int) -> None:
    for ax in axes:
        for start, end, colour in marks:
            ax.axvline(start, color=colour, lw=0.8, ls=":", alpha=0.8, label="_start")
            if end < horizon_days:
                ax.axvline(end, color=colour, lw=0.8, ls="--", alpha=0.8, label="_end")


def _group_identical(tables: dict[str, pd.DataFrame]) -> list[tuple[list[str], pd.DataFrame]]:
    """Series that are the same in every run share one panel (their names joined)."""
    groups: list[tuple[list[str], pd.DataFrame]] = []
    for key, table in tables.items():
        for names, other in groups:
            if other.shape == table.shape and np.allclose(other.to_numpy(), table.to_numpy(), rtol=1e-9, atol=1e-12, equal_nan=True):
                names.append(key)
                break
        else:
            groups.append(([key], table))
    return groups


# ---------------------------------------------------------------------------- fan charts


def fan_chart(
    run: Run,
    variable: str,
    panels: dict[str, dict[str, str]],
    *,
    title: str,
    by_outcome: bool = False,
    log: bool = False,
    colours: dict[str, str] | None = None,
    ylim: tuple[float | None, float | None] | None = None,
) -> Figure:
    """Fan chart of one variable, one panel per series (``panels``: panel key -> the filters that
    select its series, e.g. ``{"JP": {"country": "JP", "product": "rare_earths"}}``). Series that
    are identical in every run share a panel. ``by_outcome`` splits each panel by outcome class
    (median and 50% band per class)."""
    name, unit = style.VARIABLES.get(variable, (style._fallback(variable), ""))
    tables = {key: series_table(run, variable, **where) for key, where in panels.items()}
    groups = _group_identical(tables)
    n = len(run.outcomes)
    hz = horizon(run)
    spans = measure_spans(run.events, hz)
    strip_rows = max(1, len(spans[["actor", "action"]].drop_duplicates())) if len(spans) else 1
    cols = 1 if len(groups) == 1 else 2 if len(groups) in (2, 4) else 3
    rows = math.ceil(len(groups) / cols)
    fig = _figure(WIDTH, 1.2 + 2.6 * rows + 0.25 * strip_rows)
    grid = fig.add_gridspec(rows + 1, cols, height_ratios=[0.35 + 0.22 * strip_rows] + [2.6] * rows)
    strip = fig.add_subplot(grid[0, :])
    marks = _measure_strip(strip, spans, n, hz)
    axes: list[Axes] = []
    bands = (False, False)
    classes = [c for c in OUTCOME_ORDER if c in set(run.outcomes["outcome"].astype(str))]
    for i, (names, table) in enumerate(groups):
        ax = fig.add_subplot(grid[1 + i // cols, i % cols], sharex=strip, sharey=axes[0] if axes and log else None)
        axes.append(ax)
        colour = (colours or {}).get(names[0]) or style.actor_colour(names[0])
        if by_outcome:
            for k, cls in enumerate(classes):
                reps = run.outcomes.loc[run.outcomes["outcome"].astype(str) == cls, "replication"]
                sub = table[[r for r in table.columns if r in set(reps)]]
                if sub.shape[1] == 0:
                    continue
                q = _quantiles(sub)
                c = style.outcome_colour(cls)
                if sub.shape[1] > 1 and _visible_band(q["p25"], q["p75"]):
                    ax.fill_between(q.index, q["p25"], q["p75"], color=c, alpha=0.25, lw=0, label="_50%")
                # Later classes dashed and thinner, so a class that runs on top of another still shows.
                ax.plot(q.index, q["median"], color=c, lw=2.4 - 0.4 * (k % 4), ls=("-", "--", ":", "-.")[k % 4], label=f"{style.outcome_name(cls)} ({sub.shape[1]} runs)" if i == 0 else "_" + cls)
        else:
            shown = _fan(ax, table, colour)
            bands = (bands[0] or shown[0], bands[1] or shown[1])
        ax.set_title(_panel_title(names), fontsize=10, color="black" if by_outcome else colour, loc="left")
        if log:
            ax.set_yscale("log")
            log_ticks(ax)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.set_ylabel(unit, fontsize=8.5)
        ax.grid(alpha=0.25, which="major")
        if i // cols == rows - 1:
            ax.set_xlabel("day of the run")
    _mark(axes, marks, hz)
    strip.tick_params(labelbottom=False)
    if by_outcome:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 4), frameon=False, fontsize=9,
                   title="median and middle 50% of runs, by outcome", title_fontsize=8.5)
    else:
        _fan_legend(fig, bands)
    fig.suptitle(f"{title} — {run_label(run)}", fontsize=12)
    return fig


def _panel_title(names: list[str]) -> str:
    human = [style.actor_name(x) for x in names]
    return human[0] if len(human) == 1 else ", ".join(human) + " (identical in every run)"


def price_fan(run: Run, product: str, countries: Sequence[str] | None = None, by_outcome: bool = False) -> Figure:
    """Price of a product in each country, multiple of its baseline (log scale): the wedge between
    the restricting country and the others."""
    names = list(countries or dimension_values(run, "price_multiple", "country", product=product))
    return fan_chart(run, "price_multiple", {c: {"country": c, "product": product} for c in names},
                     title=f"Price of {style.product_name(product)}", log=True, by_outcome=by_outcome)


def output_fan(run: Run, firms: Sequence[str], by_outcome: bool = False) -> Figure:
    """Firms' output as a share of baseline."""
    return fan_chart(run, "output_index", {f: {"firm": f} for f in firms}, title="Firms' output",
                     by_outcome=by_outcome, ylim=(0, None))


def inventory_fan(run: Run, firms: Sequence[str], product: str, by_outcome: bool = False) -> Figure:
    """Firms' stocks of one input in days of cover."""
    return fan_chart(run, "days_of_cover", {f: {"firm": f, "product": product} for f in firms},
                     title=f"Stocks of {style.product_name(product)}", by_outcome=by_outcome, ylim=(0, None))


def import_share_fan(run: Run, importer: str, product: str, by_outcome: bool = False) -> Figure:
    """Share of an importer's supply of a product from each exporting country: how fast it finds
    other suppliers."""
    partners = dimension_values(run, "import_share", "partner", country=importer, product=product)
    return fan_chart(run, "import_share", {p: {"country": importer, "partner": p, "product": product} for p in partners},
                     title=f"{style.country_name(importer)}'s imports of {style.product_name(product)}, share by supplier",
                     by_outcome=by_outcome, ylim=(0, 1.02))


def gdp_loss_fan(run: Run, countries: Sequence[str] | None = None, by_outcome: bool = False) -> Figure:
    """Cumulative GDP-loss proxy by country, % of a year's GDP."""
    names = list(countries or dimension_values(run, "gdp_loss_pct_cum", "country"))
    return fan_chart(run, "gdp_loss_pct_cum", {c: {"country": c} for c in names}, title="GDP-loss proxy",
                     by_outcome=by_outcome)


# ---------------------------------------------------------------------------- timeline


def _text_width_days(fig: Figure, ax: Axes, text: str, fontsize: float) -> float:
    """Width of a label in data units (days) of ``ax``'s x axis, measured with the renderer."""
    artist = ax.text(0, 0, text, fontsize=fontsize)
    bbox = artist.get_window_extent(renderer=fig.canvas.get_renderer())
    artist.remove()
    x0, x1 = ax.get_xlim()
    width_px = ax.get_window_extent(renderer=fig.canvas.get_renderer()).width
    return bbox.width * (x1 - x0) / max(width_px, 1.0)


def _free_row(rows: list[list[tuple[float, float]]], lo: float, hi: float) -> int:
    """Index of the lowest row where [lo, hi] overlaps nothing placed yet (a new row if none);
    the interval is recorded there."""
    for r, taken in enumerate(rows):
        if all(hi <= a or lo >= b for a, b in taken):
            taken.append((lo, hi))
            return r
    rows.append([(lo, hi)])
    return len(rows) - 1


def timeline(run: Run, replication: int | None = None) -> Figure:
    """Escalation timeline of one replication (the typical one by default): a lane per actor that
    acted, its measures in force as bars (darker = more strictly enforced) and its other moves as
    labelled markers, labels stacked so that none overlap."""
    rep = typical_replication(run) if replication is None else replication
    if rep not in set(run.outcomes["replication"]):
        raise PlotError(f"{run.path}: no replication {rep} (valid: 0..{len(run.outcomes) - 1})")
    hz = horizon(run)
    events = run.events[(run.events["replication"] == rep)].sort_values("day", kind="stable")
    moves = events[(events["kind"] != "hold") & (events["kind"] != "impose")]
    spans = measure_spans(events, hz)
    actors = list(dict.fromkeys(events.loc[events["kind"] != "hold", "actor"]))
    firm_names = set(dimension_values(run, "profit", "firm"))
    lanes = [a for a in actors if a not in firm_names] + [a for a in actors if a in firm_names]
    outcome = run.outcomes.loc[run.outcomes["replication"] == rep].iloc[0]

    fig = _figure(WIDTH, 6.0)
    ax = fig.add_subplot()
    # Show the horizon up to a little after the last move (a long quiet tail says nothing).
    last = float(events["day"].max()) if len(events) else 0.0
    x_end = float(hz) if last > 0.8 * hz else min(float(hz), last + 0.15 * hz + 10)
    ax.set_xlim(-0.02 * x_end, x_end * 1.02)
    fontsize = 7.5
    right = x_end * 1.02
    # Measure labels on the final layout (lane names take room on the left).
    ax.set_yticks(range(len(lanes)), [style.actor_name(a) for a in lanes], fontsize=9)
    fig.canvas.draw()
    # Lay out each lane bottom-up: measure rows, then label levels for moves. Each bar or marker
    # takes the interval of itself and its label (put on the left when it would leave the axes);
    # it goes to the lowest row where that interval is free, so that no two labels overlap.
    layout: dict[str, dict] = {}
    for actor in lanes:
        own = spans[spans["actor"] == actor]
        rows: list[list[tuple[float, float]]] = []
        bar_rows = []
        for s in own.itertuples():
            target = (
                f" on {', '.join(style.country_name(c) for c in s.target.split(','))}" if isinstance(s.target, str) and s.target else ""
            )
            text = f"{style.move_name(s.action)}{target}, {100 * s.enforcement:.0f}% enforced"
            width = _text_width_days(fig, ax, text, fontsize) * 1.08 + 0.01 * x_end
            text_x = s.start + 0.005 * x_end
            if text_x + width > right:
                text_x = max(ax.get_xlim()[0], right - width)
            r = _free_row(rows, min(float(s.start), text_x), max(float(s.end), text_x + width))
            bar_rows.append((s, r, text, text_x))
        layout[actor] = {"bars": bar_rows, "n_bar_rows": len(rows), "moves": moves[moves["actor"] == actor]}
    for actor in lanes:
        levels: list[list[tuple[float, float]]] = []
        placed = []
        for m in layout[actor]["moves"].to_dict("records"):
            label = style.move_name(str(m["action"]))
            width = _text_width_days(fig, ax, label, fontsize) * 1.08 + 0.012 * x_end
            day = float(m["day"])
            left = day + width > right  # near the right edge: label to the left of its marker
            lvl = _free_row(levels, day - width if left else day, day if left else day + width)
            placed.append((m, label, lvl, left))
        layout[actor]["labels"] = placed
        layout[actor]["n_levels"] = len(levels)
    bar_h, level_h, gap = 1.0, 0.7, 0.6
    y = 0.0
    lane_y: dict[str, tuple[float, float]] = {}
    for actor in reversed(lanes):
        lay = layout[actor]
        height = max(lay["n_bar_rows"], 0) * bar_h + (0.5 + lay["n_levels"] * level_h if lay["n_levels"] else 0.0)
        height = max(height, 1.0)
        lane_y[actor] = (y, y + height)
        y += height + gap
    total = y - gap
    fig.set_size_inches(WIDTH, 1.4 + 0.28 * total)
    for actor in lanes:
        lo, hi = lane_y[actor]
        colour = style.actor_colour(actor)
        ax.axhspan(lo - gap / 2, hi + gap / 2, color=colour, alpha=0.05, lw=0)
        lay = layout[actor]
        for s, r, text, text_x in lay["bars"]:
            yb = lo + r * bar_h
            ax.barh(yb + bar_h / 2, max(s.end - s.start, 0.5), left=s.start, height=bar_h * 0.8, color=colour,
                    alpha=0.15 + 0.45 * s.enforcement, lw=0)
            ax.text(text_x, yb + bar_h / 2, text, fontsize=fontsize, va="center", ha="left", clip_on=True)
        base = lo + lay["n_bar_rows"] * bar_h + 0.35
        for m, label, lvl, left in lay["labels"]:
            ym = base + lvl * level_h
            marker = "v" if m["kind"] == "lift" else "D" if m["kind"] in CLOSING_KINDS else "o"
            ax.plot([m["day"]], [ym], marker=marker, ms=5, color=colour, ls="none", label="_move")
            offset = -0.006 * x_end if left else 0.006 * x_end
            ax.text(m["day"] + offset, ym, label, fontsize=fontsize, va="center", ha="right" if left else "left", label="_move_label")
    res = outcome.get("resolution_day")
    if pd.notna(res):
        ax.axvline(float(res), color="black", lw=1, ls="--", label="_resolution")
        ax.text(float(res), total + gap, f" resolved, day {res:.0f}", fontsize=8, va="top", ha="left")
    ax.set_yticks([(lane_y[a][0] + lane_y[a][1]) / 2 for a in lanes], [style.actor_name(a) for a in lanes], fontsize=9)
    for tick, actor in zip(ax.get_yticklabels(), lanes):
        tick.set_color(style.actor_colour(actor))
    ax.set_ylim(-gap / 2, total + gap)
    ax.set_xlabel("day of the run" + (f" (the run lasts {hz} days; no move after day {last:.0f})" if x_end < hz else ""))
    ax.grid(axis="x", alpha=0.25)
    ax.tick_params(axis="y", length=0)
    fig.suptitle(
        f"Escalation timeline, replication {rep} ({'the most frequent path' if replication is None else 'chosen'}) — "
        f"{run_label(run)}\noutcome: {style.outcome_name(str(outcome['outcome']))}; bars: measures in force, darker = more strictly enforced",
        fontsize=11)
    return fig


# ---------------------------------------------------------------------------- outcomes and paths


def wilson(count: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a share, for drawing (0, 0 when n = 0)."""
    return (0.0, 0.0) if n == 0 else wilson_interval(count, n)


def outcome_table(run: Run) -> pd.DataFrame:
    """Every outcome class with count, share and 95% Wilson interval (zero counts kept), in the
    figures' order: :func:`sim.analysis.outcome_shares` as a plain table."""
    shares = share_table(run.outcomes)
    order = [c for c in OUTCOME_ORDER if c in shares.index] + [c for c in shares.index if c not in OUTCOME_ORDER]
    return shares.loc[order].reset_index()


def outcome_shares(run: Run) -> Figure:
    """Share of replications in each outcome class with its 95% Wilson interval; classes that did
    not occur keep a row (their interval says how rare they may still be)."""
    table = outcome_table(run)
    n = len(run.outcomes)
    fig = _figure(WIDTH * 0.8, 0.8 + 0.42 * len(table))
    ax = fig.add_subplot()
    y = np.arange(len(table))[::-1]
    colours = [style.outcome_colour(c) for c in table["outcome"]]
    ax.barh(y, 100 * table["share"], color=colours, height=0.6)
    ax.errorbar(100 * table["share"], y, xerr=[100 * (table["share"] - table["low"]), 100 * (table["high"] - table["share"])],
                fmt="none", ecolor="black", capsize=3, lw=1, label="_ci")
    for yi, row in zip(y, table.itertuples()):
        ax.text(100 * row.high + 1.5, yi, f"{100 * row.share:.0f}% ({row.count}/{n})", va="center", fontsize=8.5)
    ax.set_yticks(y, [style.outcome_name(c) for c in table["outcome"]])
    ax.set_xlim(0, 115)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("share of replications, % (bars: 95% Wilson interval)")
    ax.grid(axis="x", alpha=0.25)
    ax.set_title(f"Outcomes — {run_label(run)}", fontsize=12)
    return fig


def resolution_days(run: Run) -> Figure:
    """When each outcome was reached: resolution days per outcome class (each dot a replication,
    box = middle 50%); each row's label counts its runs and those left unresolved."""
    o = run.outcomes
    hz = horizon(run)
    classes = [c for c in OUTCOME_ORDER if c in set(o["outcome"].astype(str))]
    fig = _figure(WIDTH * 0.8, 1.0 + 0.6 * max(len(classes), 1))
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)  # jitter for display only, fixed so figures are reproducible
    labels = []
    for i, cls in enumerate(classes):
        yi = len(classes) - 1 - i
        days = o.loc[(o["outcome"].astype(str) == cls), "resolution_day"].astype(float)
        resolved = days.dropna()
        colour = style.outcome_colour(cls)
        if len(resolved):
            ax.scatter(resolved, yi + rng.uniform(-0.15, 0.15, len(resolved)), s=14, color=colour, alpha=0.7, lw=0, label="_runs")
            if len(resolved) > 2:
                ax.boxplot([resolved], positions=[yi], orientation="horizontal", widths=0.5, showfliers=False,
                           medianprops={"color": "black"}, boxprops={"color": colour}, whiskerprops={"color": colour}, capprops={"color": colour})
        unresolved = int(days.isna().sum())
        notes = [f"{style.outcome_name(cls)} ({len(days)} runs)"]
        if len(resolved):
            notes.append(f"median day {resolved.median():.0f}, range {resolved.min():.0f}-{resolved.max():.0f}")
        if unresolved:
            notes.append(f"{unresolved} unresolved by day {hz}")
        labels.append((yi, "\n".join(notes)))
    ax.set_yticks([y for y, _ in labels], [t for _, t in labels], fontsize=8.5)
    for tick, cls in zip(ax.get_yticklabels(), classes):
        tick.set_color(style.outcome_colour(cls))
    ax.set_xlim(0, hz)
    ax.set_ylim(-0.6, max(len(classes), 1) - 0.4)
    if not o["resolution_day"].notna().any():
        ax.text(0.5, 0.5, f"no replication was resolved within the {hz} days of the run", transform=ax.transAxes,
                ha="center", va="center", fontsize=10, color="#444444")
    ax.set_xlabel("resolution day (day of the run)")
    ax.grid(axis="x", alpha=0.25)
    ax.set_title(f"When the episode ended, by outcome — {run_label(run)}", fontsize=12)
    return fig


def path_tree(run: Run, top: int = 6) -> Figure:
    """The most frequent escalation paths as a tree of shared prefixes: line width is the number
    of runs through a move; each leaf gives its outcome and share of all runs."""
    o = run.outcomes
    n = len(o)
    counts = o.groupby("path", sort=False).agg(count=("replication", "size"), outcome=("outcome", lambda s: s.astype(str).mode().iloc[0]))
    counts = counts.sort_values("count", ascending=False, kind="stable").head(top)
    graph = nx.DiGraph()
    graph.add_node((), count=int(counts["count"].sum()))
    for path, row in counts.iterrows():
        steps = tuple(path.split(" > ")) if path else ()
        for d in range(1, len(steps) + 1):
            node = steps[:d]
            if node not in graph:
                graph.add_node(node, count=0)
                graph.add_edge(steps[: d - 1], node)
            graph.nodes[node]["count"] += int(row["count"])
        leaf = (*steps, f"= {row.name}")
        graph.add_node(leaf, count=int(row["count"]), outcome=row["outcome"])
        graph.add_edge(steps, leaf)
    # Tidy layout: leaves in depth-first order, parents centred on their children.
    pos: dict = {}
    leaves = [v for v in nx.dfs_preorder_nodes(graph, ()) if graph.out_degree(v) == 0]
    longest = max(len(leaf) - 1 for leaf in leaves)
    for i, leaf in enumerate(leaves):
        pos[leaf] = (longest + 0.55, -i)  # outcomes aligned on the right
    for node in reversed(list(nx.topological_sort(graph))):
        if node not in pos:
            kids = [pos[k][1] for k in graph.successors(node)]
            pos[node] = (len(node), sum(kids) / len(kids))
    depth = max(x for x, _ in pos.values())
    fig = _figure(max(WIDTH, 1.45 * (depth + 2.2)), 1.2 + 0.55 * len(leaves))
    ax = fig.add_subplot()
    for a, b in graph.edges():
        (x0, y0), (x1, y1) = pos[a], pos[b]
        width = 0.8 + 7.0 * graph.nodes[b]["count"] / n
        bend = x0 + 0.5 if graph.out_degree(b) else x0 + 0.45
        ax.plot([x0, bend, x1], [y0, y1, y1], color="#999999", lw=width, solid_capstyle="butt", zorder=1, label="_edge")
    for node, (x, yv) in pos.items():
        if node == ():
            ax.text(x, yv, "start", ha="center", va="center", fontsize=8, bbox={"boxstyle": "round", "fc": "white", "ec": "#999999"})
        elif graph.out_degree(node) == 0:
            cls = graph.nodes[node]["outcome"]
            k = graph.nodes[node]["count"]
            ax.text(x, yv, f"{style.outcome_name(cls)}: {k}/{n} runs ({100 * k / n:.0f}%)", ha="left", va="center",
                    fontsize=8, color="white", bbox={"boxstyle": "round", "fc": style.outcome_colour(cls), "ec": "none"})
        else:
            actor, _, action = node[-1].partition(":")
            ax.text(x, yv, f"{style.actor_name(actor)}\n{style.move_name(action)}", ha="center", va="center", fontsize=7,
                    bbox={"boxstyle": "round", "fc": "white", "ec": style.actor_colour(actor), "lw": 1.2}, zorder=2)
    shown = int(counts["count"].sum())
    ax.set_xlim(-0.5, depth + 2.3)
    ax.set_ylim(-len(leaves) + 0.4, 0.6)
    ax.axis("off")
    distinct = o["path"].nunique()
    ax.set_title(f"Escalation paths: the {len(counts)} most frequent of {distinct}, covering {shown}/{n} runs; "
                 f"line width = runs through a move — {run_label(run)}", fontsize=11)
    return fig


def who_loses_more(run: Run) -> Figure:
    """Losses by country (GDP-loss proxy) and by firm (profit lost), median with the middle 50%
    (thick) and 90% (thin) of runs; negative values are gains."""
    o = run.outcomes
    panels = [("gdp_loss_pct.", "Countries: GDP-loss proxy", "% of a year's GDP (cumulative)", style.country_name),
              ("profit_loss_pct.", "Firms: profit lost", "% of baseline profit over the run", style.firm_name)]
    sizes = [sum(c.startswith(p) for c in o.columns) for p, *_ in panels]
    fig = _figure(WIDTH, 1.2 + 0.32 * max(sum(sizes), 4))
    grid = fig.add_gridspec(2, 1, height_ratios=[max(s, 1) for s in sizes])
    for g, (prefix, title, unit, namer) in enumerate(panels):
        ax = fig.add_subplot(grid[g])
        cols = [c for c in o.columns if c.startswith(prefix)]
        if not cols:
            ax.axis("off")
            continue
        stats = pd.DataFrame({c.removeprefix(prefix): o[c].astype(float).quantile([0.05, 0.25, 0.5, 0.75, 0.95]).to_numpy() for c in cols},
                             index=["p05", "p25", "median", "p75", "p95"]).T.sort_values("median")
        y = np.arange(len(stats))
        for yi, (key, s) in zip(y, stats.iterrows()):
            colour = style.actor_colour(key)
            ax.plot([s["p05"], s["p95"]], [yi, yi], color=colour, lw=1.2, label="_p90")
            ax.plot([s["p25"], s["p75"]], [yi, yi], color=colour, lw=5, alpha=0.6, solid_capstyle="butt", label="_p50")
            ax.plot([s["median"]], [yi], marker="o", color=colour, ms=6, ls="none", label="_median")
        ax.set_yticks(y, [namer(k) for k in stats.index], fontsize=8.5)
        ax.axvline(0, color="black", lw=0.6, label="_zero")
        ax.set_xlabel(unit)
        ax.grid(axis="x", alpha=0.25)
        ax.set_title(title, loc="left", fontsize=10)
    handles = [Line2D([], [], marker="o", color="#444444", ls="none", label="median run"),
               Line2D([], [], color="#444444", lw=5, alpha=0.6, label="middle 50% of runs"),
               Line2D([], [], color="#444444", lw=1.2, label="middle 90% of runs")]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=9)
    fig.suptitle(f"Who loses more (negative = gains) — {run_label(run)}", fontsize=12)
    return fig


# ---------------------------------------------------------------------------- choosing and writing


def restricted_products(run: Run) -> list[str]:
    """Products under measures in any replication, most often restricted first."""
    imposed = run.events.loc[run.events["kind"] == "impose", "products"].dropna().astype(str)
    counts: dict[str, int] = {}
    for products in imposed:
        for p in filter(None, products.split(",")):
            counts[p] = counts.get(p, 0) + 1
    return sorted(counts, key=lambda p: -counts[p])


def hardest_hit_firms(run: Run, limit: int = 4) -> list[str]:
    """Firms that hold stocks of a restricted input (the dependent ones) first, then those with
    the largest median profit loss (in %), at most ``limit``."""
    ts = run.timeseries
    restricted = set(restricted_products(run))
    cover = ts[(ts["variable"] == "days_of_cover") & ts["product"].isin(restricted)]
    dependent = [str(f) for f in cover["firm"].dropna().unique()]
    cols = [c for c in run.outcomes.columns if c.startswith("profit_loss_pct.")]
    losses = run.outcomes[cols].astype(float).median().sort_values(ascending=False)
    losers = [c.removeprefix("profit_loss_pct.") for c in losses.index if losses[c] > 0]
    return list(dict.fromkeys(dependent + losers))[:limit]


def run_figures(run: Run) -> dict[str, Figure]:
    """The figures worth drawing for a run, by file stem."""
    figs: dict[str, Figure] = {
        "outcome_shares": outcome_shares(run),
        "timeline": timeline(run),
        "path_tree": path_tree(run),
        "resolution_days": resolution_days(run),
        "who_loses_more": who_loses_more(run),
        "gdp_loss": gdp_loss_fan(run),
    }
    products = [p for p in restricted_products(run) if dimension_values(run, "price_multiple", "country", product=p)]
    for product in products[:2]:
        figs[f"price_{product}"] = price_fan(run, product)
    _, target = scenario_outcome_roles(run)
    for product in products[:1]:
        if target and dimension_values(run, "import_share", "partner", country=target, product=product):
            figs[f"imports_{target}_{product}"] = import_share_fan(run, target, product)
    firms = [f for f in hardest_hit_firms(run) if dimension_values(run, "output_index", "firm", firm=f)]
    if firms:
        figs["output"] = output_fan(run, firms, by_outcome=run.outcomes["outcome"].nunique() > 1)
    ts = run.timeseries
    for product in products[:2]:
        covered = [f for f in firms if ((ts["variable"] == "days_of_cover") & (ts["firm"] == f) & (ts["product"] == product)).any()]
        if covered:
            figs[f"stocks_{product}"] = inventory_fan(run, covered, product)
    return figs


def is_sweep_folder(path: Path) -> bool:
    """A sweep folder (written by ``sim sweep``) rather than a run folder: its manifest names a
    design, or it holds a ``sweep.toml``/``sweep.json`` of its own."""
    manifest = path / "manifest.json"
    if manifest.is_file():
        try:
            data = read_json(manifest)
        except FileProblem:
            return False  # load_run then names what is wrong with it
        if isinstance(data, dict) and ("design" in data or data.get("kind") == "sweep"):
            return True
    return (path / "sweep.toml").is_file() or (path / "sweep.json").is_file()


def save_figures(figs: dict[str, Figure], out: Path, svg: bool = False) -> list[Path]:
    """Write figures as PNG (and SVG) into ``out``; each file written under a temporary name and
    renamed, so a reader never sees half a file."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, fig in figs.items():
        for ext in ("png", "svg") if svg else ("png",):
            target = out / f"{stem}.{ext}"
            tmp = out / f".{stem}.{ext}.tmp"
            fig.savefig(tmp, format=ext, dpi=110)
            tmp.replace(target)
            written.append(target)
    return written


def write_figures(path: str | Path, svg: bool = False) -> list[Path]:
    """``sim plot``: the figures of a run or a sweep folder into ``path/figures/``."""
    path = Path(path)
    if is_sweep_folder(path):
        from sim import sweep_plots

        figs = sweep_plots.sweep_folder_figures(path)
    else:
        figs = run_figures(load_run(path))
    return save_figures(figs, path / "figures", svg=svg)
