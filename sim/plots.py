"""Plots of a run folder (:class:`sim.analysis.Run`): each function returns a matplotlib Figure.

Multi-replication runs show the median across replications and a 10-90% band. Nothing here runs
the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis import Run


def _band(ax: Axes, table: pd.DataFrame, label: str) -> None:
    """Median line and 10-90% band of a day x replication table."""
    median = table.median(axis=1)
    (line,) = ax.plot(table.index, median, label=label)
    if table.shape[1] > 1:
        ax.fill_between(table.index, table.quantile(0.1, axis=1), table.quantile(0.9, axis=1), alpha=0.2, color=line.get_color())


def _events(ax: Axes, run: Run, actor: str | None = None) -> None:
    """Vertical marks on the days measures were imposed (first replication)."""
    events = run.events[(run.events["replication"] == 0) & (run.events["kind"] == "impose")]
    if actor is not None:
        events = events[events["actor"] == actor]
    for _, event in events.iterrows():
        ax.axvline(event["day"], color="grey", lw=0.6, ls=":")
        ax.annotate(event["action"], (event["day"], 1.0), xycoords=("data", "axes fraction"), rotation=90,
                    fontsize=7, va="top", ha="right", color="grey")


def price_paths(run: Run, product: str, countries: Sequence[str] | None = None) -> Figure:
    """Price of a product in each country as a multiple of its baseline: the wedge between the
    restricting country and the others."""
    fig = Figure(figsize=(8, 4.5))
    ax = fig.subplots()
    names = countries or sorted(run.timeseries.loc[run.timeseries["variable"] == "price_multiple", "country"].dropna().unique())
    for country in names:
        _band(ax, run.series("price_multiple", country=country, product=product), country)
    _events(ax, run)
    ax.set(xlabel="day", ylabel="price / baseline price", title=f"Price of {product} by country", yscale="log")
    ax.legend(loc="upper left")
    return fig


def firm_output(run: Run, firms: Sequence[str], input_product: str | None = None) -> Figure:
    """Output index of firms (and, if given, their days of cover of one input)."""
    fig = Figure(figsize=(8, 6 if input_product else 4))
    axes = fig.subplots(2 if input_product else 1, 1, sharex=True, squeeze=False)[:, 0]
    for firm in firms:
        _band(axes[0], run.series("output_index", firm=firm), firm)
        if input_product:
            _band(axes[1], run.series("days_of_cover", firm=firm, product=input_product), firm)
    axes[0].set(ylabel="output / baseline", title="Firms' output")
    axes[0].legend(loc="lower left")
    if input_product:
        axes[1].set(ylabel=f"days of cover of {input_product}")
    axes[-1].set_xlabel("day")
    return fig


def import_dependence(run: Run, importer: str, product: str) -> Figure:
    """Share of an importer's foreign supply of a product by exporting country."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ts = run.timeseries
    mask = (ts["variable"] == "import_share") & (ts["country"] == importer) & (ts["product"] == product)
    for partner in sorted(ts.loc[mask, "partner"].dropna().unique()):
        _band(ax, run.series("import_share", country=importer, partner=partner, product=product), partner)
    ax.set(xlabel="day", ylabel="share of imports", ylim=(0, 1), title=f"{importer}'s imports of {product} by supplier")
    ax.legend(loc="center right")
    return fig


def gdp_loss(run: Run) -> Figure:
    """Cumulative GDP-loss proxy by country, % of a year's GDP."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ts = run.timeseries
    for country in sorted(ts.loc[ts["variable"] == "gdp_loss_pct_cum", "country"].dropna().unique()):
        _band(ax, run.series("gdp_loss_pct_cum", country=country), country)
    ax.axhline(0, color="black", lw=0.5)
    ax.set(xlabel="day", ylabel="cumulative loss, % of annual GDP", title="GDP-loss proxy")
    ax.legend(loc="upper left")
    return fig


def outcome_counts(run: Run) -> Figure:
    """How often each outcome class occurred across replications."""
    fig = Figure(figsize=(6, 3.5))
    ax = fig.subplots()
    counts = run.outcomes["outcome"].value_counts()
    ax.bar(counts.index.astype(str), counts.to_numpy())
    ax.set(ylabel="replications", title="Outcomes")
    return fig
