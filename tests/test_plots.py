"""Figures show what they claim: one lane per acting actor, the expected series, legends that
match what is drawn, titles that name scenario and n, labels that never overlap; measure spans
rebuilt from events agree with the model's own count of measures in force."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from sim import plots, style, sweep_plots
from sim.analysis import Run, load_run
from sim.config import load_scenario
from sim.runner import run_replications, write_run

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
TINY_CURB = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"
TINY_SCRIPTED = ROOT / "experiments" / "tiny" / "rare_earth_ban_scripted.toml"


def _run(tmp_path_factory: pytest.TempPathFactory, path: Path, n: int) -> Run:
    scenario = load_scenario(path)
    out = tmp_path_factory.mktemp("runs") / scenario.name
    return load_run(write_run(out, scenario, run_replications(scenario, replications=n), scenario.seed, n))


@pytest.fixture(scope="module")
def curb(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _run(tmp_path_factory, TINY_CURB, 3)


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _run(tmp_path_factory, TINY_SCRIPTED, 2)


def two_outcomes(run: Run) -> Run:
    """The same run with replication 1 relabelled, to exercise the split by outcome class."""
    outcomes = run.outcomes.copy()
    outcomes["outcome"] = outcomes["outcome"].astype(str)
    outcomes.loc[outcomes["replication"] == 1, "outcome"] = "target_concedes"
    return dataclasses.replace(run, outcomes=outcomes)


# ---------------------------------------------------------------------------- generic checks


def title_text(fig: Figure) -> str:
    return " ".join([fig.get_suptitle(), *(ax.get_title(loc=loc) for ax in fig.axes for loc in ("left", "center"))])


def assert_titled(fig: Figure, run: Run) -> None:
    text = title_text(fig)
    assert run.manifest["scenario"] in text and f"n = {len(run.outcomes)}" in text, text


def legend_entries(fig: Figure) -> list[tuple[str, object]]:
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
    return [(text.get_text(), handle) for lg in legends for text, handle in zip(lg.get_texts(), lg.legend_handles)]


def assert_legend_honest(fig: Figure) -> None:
    """Every labelled line is in a legend once; every legend entry shows something drawn; two
    labelled lines on the same data never share a style (one would hide the other)."""
    entries = legend_entries(fig)
    labels = [label for label, _ in entries]
    assert len(labels) == len(set(labels)), labels
    for ax in fig.axes:
        public = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        for line in public:
            assert line.get_label() in labels, f"{line.get_label()!r} drawn without a legend entry"
        for a, b in itertools.combinations(public, 2):
            same = len(a.get_ydata()) == len(b.get_ydata()) and np.allclose(a.get_ydata(), b.get_ydata())
            assert not (same and a.get_linestyle() == b.get_linestyle()), f"{a.get_label()} hides {b.get_label()}"
    drawn_bands = {round(c.get_alpha() or 1, 2) for ax in fig.axes for c in ax.collections if isinstance(c, PolyCollection)}
    for label, handle in entries:
        if label == "middle 50% of runs" and isinstance(handle, matplotlib.patches.Patch):
            assert 0.35 in drawn_bands, "legend shows a 50% band that is not drawn"
        elif label == "middle 90% of runs" and isinstance(handle, matplotlib.patches.Patch):
            assert 0.15 in drawn_bands, "legend shows a 90% band that is not drawn"
        elif label.startswith("median run") or label.startswith("middle"):
            assert any(ax.get_lines() for ax in fig.axes)
        else:
            drawn = [a for ax in fig.axes for a in [*ax.get_lines(), *ax.collections, *ax.containers] if getattr(a, "get_label", lambda: "")() == label]
            assert drawn, f"legend entry {label!r} matches nothing drawn"


def text_boxes(fig: Figure, ax) -> list:  # type: ignore[no-untyped-def]
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in ax.texts if t.get_text().strip()]


# ---------------------------------------------------------------------------- data access


def test_series_table_never_sums_and_names_what_is_wrong(scripted: Run) -> None:
    table = plots.series_table(scripted, "price_multiple", country="JP", product="rare_earths")
    assert table.shape == (150, 2)
    assert table.iloc[0].tolist() == pytest.approx([1.0, 1.0])  # one country's price, not five summed
    with pytest.raises(plots.PlotError, match="add a filter: country= one of"):
        plots.series_table(scripted, "price_multiple", product="rare_earths")
    with pytest.raises(plots.PlotError, match="product='rare_earth' does not occur in price_multiple; expected one of.*rare_earths"):
        plots.series_table(scripted, "price_multiple", country="JP", product="rare_earth")
    with pytest.raises(plots.PlotError, match="unknown variable 'price'"):
        plots.series_table(scripted, "price", country="JP")


def test_measure_spans_by_hand() -> None:
    events = pd.DataFrame([
        # replication, day, actor, action, kind, measure, target, products, enforcement
        (0, 10, "CN", "ree_licensing", "impose", "export_licensing", "JP", "rare_earths", 0.9),
        (0, 12, "JP", "protest", "protest", "", "CN", "", np.nan),
        (0, 20, "CN", "ree_ban", "impose", "export_ban", "JP", "rare_earths", 0.85),  # replaces licensing
        (0, 25, "CN", "duty", "impose", "tariff", "JP", "chips", 1.0),
        (0, 30, "JP", "photoresist_controls", "impose", "export_ban", "CN", "photoresist", 1.0),
        (0, 40, "JP", "lift_photoresist_controls", "lift", "export_ban", "CN", "photoresist", np.nan),
        (0, 50, "CN", "accept_concession", "accept", "", "JP", "", np.nan),  # lifts all of CN's
        (1, 5, "CN", "ree_ban", "impose", "export_ban", "JP", "rare_earths", 1.0),
        (1, 6, "CN", "ree_licensing_kr", "impose", "export_licensing", "KR", "rare_earths", 0.8),
        (1, 7, "JP", "photoresist_controls", "impose", "export_ban", "CN", "photoresist", 1.0),
        (1, 8, "JP", "chip_materials_licensing", "impose", "export_licensing", "CN", "chip_materials", 1.0),
        (1, 9, "CN", "reward_KR", "reward", "", "KR", "", np.nan),  # exempts Korea
        (1, 12, "JP", "lift_retaliation", "lift", "export_ban", "CN", "photoresist", np.nan),  # lifts both
    ], columns=["replication", "day", "actor", "action", "kind", "measure", "target", "products", "enforcement"])
    spans = plots.measure_spans(events, horizon_days=100)
    got = [(r.replication, r.actor, r.action, r.start, r.end) for r in spans.itertuples()]
    assert got == [
        (0, "CN", "ree_licensing", 10, 20),
        (0, "CN", "ree_ban", 20, 50),
        (0, "CN", "duty", 25, 50),
        (0, "JP", "photoresist_controls", 30, 40),
        (1, "CN", "ree_ban", 5, 100),
        (1, "CN", "ree_licensing_kr", 6, 9),
        (1, "JP", "photoresist_controls", 7, 12),
        (1, "JP", "chip_materials_licensing", 8, 12),
    ]


@pytest.mark.parametrize("which", ["curb", "scripted", "korea_hedging", "photoresist_retaliation"])
def test_measure_spans_agree_with_measures_in_force(
    which: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Between them these runs replace (licensing -> ban), lift by name (scripted), lift a whole
    # retaliation, back down, and exempt a third country (reward).
    if which in ("curb", "scripted"):
        run: Run = request.getfixturevalue(which)
    else:
        run = _run(tmp_path_factory, ROOT / "experiments" / "tiny" / f"{which}.toml", 2)
    hz = plots.horizon(run)
    spans = plots.measure_spans(run.events, hz)
    assert len(spans) > 0
    for country in plots.dimension_values(run, "measures_in_force", "country"):
        table = plots.series_table(run, "measures_in_force", country=country)
        for rep in table.columns:
            own = spans[(spans["replication"] == rep) & (spans["actor"] == country)]
            rebuilt = [int(((own["start"] <= d) & (d < own["end"])).sum()) for d in table.index]
            assert rebuilt == table[rep].astype(int).tolist(), (country, rep)


# ---------------------------------------------------------------------------- figures


def test_timeline_one_lane_per_acting_actor_and_no_overlapping_labels(curb: Run) -> None:
    rep = plots.typical_replication(curb)
    fig = plots.timeline(curb)
    ax = fig.axes[0]
    acting = curb.events[(curb.events["replication"] == rep) & (curb.events["kind"] != "hold")]["actor"].unique()
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(lanes) == sorted(style.actor_name(a) for a in acting)
    assert len(lanes) == len(set(lanes))
    fig.canvas.draw()
    boxes = text_boxes(fig, ax)
    assert len(boxes) >= len(curb.events[(curb.events["replication"] == rep) & (curb.events["kind"] != "hold")])
    for a, b in itertools.combinations(boxes, 2):
        assert not a.shrunk(0.98, 0.9).overlaps(b.shrunk(0.98, 0.9)), "timeline labels overlap"
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    assert all(frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1 for b in boxes), "a label runs off the axes"
    # Measures as bars shaded by enforcement: the 10%-enforced dual-use ban is paler than the ban.
    bars = {round(p.get_alpha(), 3) for p in ax.patches if p.get_width() > 0}
    assert len(bars) >= 2
    assert_titled(fig, curb)
    assert "replication" in fig.get_suptitle()


def test_price_fan_has_one_panel_per_distinct_series(curb: Run) -> None:
    fig = plots.price_fan(curb, "heavy_rare_earths")
    panels = [ax for ax in fig.axes if ax.get_title(loc="left") and ax.get_lines() and ax.get_yscale() == "log"]
    titles = [ax.get_title(loc="left") for ax in panels]
    covered = [name for t in titles for name in t.removesuffix(" (identical in every run)").split(", ")]
    assert sorted(covered) == sorted(style.country_name(c) for c in plots.dimension_values(curb, "price_multiple", "country", product="heavy_rare_earths"))
    for ax in panels:
        median = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
        assert len(median) == 1 and len(median[0].get_ydata()) == 150
        labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert len(labels) >= 3, "log axis needs more than powers of ten"
    japan = next(ax for ax in panels if ax.get_title(loc="left").startswith("Japan"))
    # The median line is the day-by-day median of Japan's price over the replications.
    plotted = next(ln for ln in japan.get_lines() if ln.get_linestyle() == "-").get_ydata()
    table = plots.series_table(curb, "price_multiple", country="JP", product="heavy_rare_earths")
    assert np.allclose(plotted, table.median(axis=1).to_numpy())
    assert "heavy rare earths" in fig.get_suptitle()
    assert_titled(fig, curb)
    assert_legend_honest(fig)


def test_fans_split_by_outcome_show_every_class(curb: Run) -> None:
    run = two_outcomes(curb)
    fig = plots.output_fan(run, ["toyota", "honda"], by_outcome=True)
    classes = set(run.outcomes["outcome"])
    labels = [label for label, _ in legend_entries(fig)]
    assert sorted(labels) == sorted(f"{style.outcome_name(c)} ({(run.outcomes['outcome'] == c).sum()} runs)" for c in classes)
    assert_legend_honest(fig)
    assert_titled(fig, run)


@pytest.mark.parametrize("make", [
    lambda r: plots.gdp_loss_fan(r),
    lambda r: plots.inventory_fan(r, ["toyota", "honda"], "ndfeb_magnets"),
    lambda r: plots.import_share_fan(r, "JP", "rare_earths"),
    lambda r: plots.outcome_shares(r),
    lambda r: plots.resolution_days(r),
    lambda r: plots.path_tree(r),
    lambda r: plots.who_loses_more(r),
])
def test_every_figure_is_titled_and_its_legend_honest(scripted: Run, make) -> None:  # type: ignore[no-untyped-def]
    fig = make(scripted)
    assert_titled(fig, scripted)
    assert_legend_honest(fig)
    for ax in fig.axes:
        for text in [ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.get_yticklabels())]:
            assert not any(part in text for part in ("rare_earths", "gdp_loss", "_pct", "output_index")), text


def test_inventory_fan_series_and_stock_falls(scripted: Run) -> None:
    fig = plots.inventory_fan(scripted, ["toyota"], "ndfeb_magnets")
    ax = next(a for a in fig.axes if a.get_title(loc="left") == "Toyota")
    cover = next(ln for ln in ax.get_lines() if ln.get_linestyle() == "-").get_ydata()
    assert cover[0] == pytest.approx(20.0) and cover[-1] < cover[0]  # carmaker_magnet_days_of_cover


def test_outcome_shares_give_share_interval_and_n(scripted: Run) -> None:
    fig = plots.outcome_shares(scripted)
    ax = fig.axes[0]
    n = len(scripted.outcomes)
    heights = {t.get_text(): p.get_width() for t, p in zip(reversed(ax.get_yticklabels()), ax.patches)}
    assert sum(heights.values()) == pytest.approx(100.0)
    assert any(f"/{n})" in t.get_text() for t in ax.texts)
    low, high = plots.wilson(2, 2)
    assert low == pytest.approx(0.3424, abs=1e-4) and high == pytest.approx(1.0)


def test_path_tree_leaves_carry_shares(curb: Run) -> None:
    fig = plots.path_tree(curb)
    texts = [t.get_text() for t in fig.axes[0].texts]
    n = len(curb.outcomes)
    leaves = [t for t in texts if f"/{n} runs" in t]
    assert sum(int(t.split(": ")[1].split("/")[0]) for t in leaves) == n


def test_run_figures_and_write(tmp_path: Path, scripted: Run) -> None:
    figs = plots.run_figures(scripted)
    assert {"outcome_shares", "timeline", "path_tree", "who_loses_more", "gdp_loss", "price_rare_earths"} <= set(figs)
    written = plots.save_figures({"outcome_shares": figs["outcome_shares"]}, tmp_path / "figures", svg=True)
    assert [p.name for p in written] == ["outcome_shares.png", "outcome_shares.svg"]
    assert written[0].read_bytes()[:4] == b"\x89PNG"
    assert not list((tmp_path / "figures").glob(".*"))


def test_style_names_and_colours() -> None:
    assert style.path_step("CN:ree_ban") == "China: Rare-earth export ban"
    assert style.move_name("lift_photoresist_controls") == "Lifts photoresist controls"
    assert style.move_name("threaten_ree_licensing") == "Threat: rare-earth licensing"
    assert style.parameter_name("governments.JP.rules[0].params.concession_cost_pct") == "Japan: concession cost (%)"
    assert style.actor_colour("toyota") != style.actor_colour("honda")
    assert style.actor_colour("some_new_firm") == style.actor_colour("some_new_firm")


# ---------------------------------------------------------------------------- sweep figures


@pytest.fixture(scope="module")
def sweep_runs() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 240
    tol, patience = rng.uniform(0.3, 0.9, n), rng.uniform(0.2, 1.2, n)
    concede = rng.uniform(size=n) < 1 / (1 + np.exp(-10 * (tol - 0.6)))
    return pd.DataFrame({
        "governments.CN.rules[0].params.stake_pct": tol,
        "governments.JP.rules[0].params.concession_cost_pct": patience,
        "outcome": pd.Categorical(np.where(concede, "target_concedes", "coercer_backs_down")),
        "resolution_day": rng.integers(100, 300, n).astype(float),
    })


PARAMS = ["governments.CN.rules[0].params.stake_pct", "governments.JP.rules[0].params.concession_cost_pct"]


def test_response_curve_shares_and_intervals(sweep_runs: pd.DataFrame) -> None:
    fig = sweep_plots.response_curve(sweep_runs, PARAMS[0], name="china_tolerance")
    ax = fig.axes[0]
    lines = {c.get_label(): c.lines[0] for c in ax.containers}  # errorbar: (data line, caps, bars)
    assert set(lines) == {"Target concedes", "Coercer backs down"}
    conc, back = lines["Target concedes"].get_ydata(), lines["Coercer backs down"].get_ydata()
    assert np.allclose(np.asarray(conc) + np.asarray(back), 100)  # two classes: shares add up per point
    assert conc[-1] > conc[0]  # conceding grows with China's tolerance
    assert "china_tolerance, n = 240 runs" in ax.get_title()
    assert_legend_honest(fig)


def test_outcome_map_tornado_prim(sweep_runs: pd.DataFrame) -> None:
    fig = sweep_plots.outcome_map(sweep_runs, *PARAMS, name="china_tolerance", outcome="target_concedes", bins=3)
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert len(cells) == 9 and sum(int(t.split("n=")[1].rstrip(")")) for t in cells if "n=" in t) == 240
    sobol = pd.DataFrame({"parameter": PARAMS, "S1": [0.1, 0.6], "S1_conf": [0.02, 0.05], "ST": [0.2, 0.7], "ST_conf": [0.03, 0.06]})
    fig = sweep_plots.tornado(sobol, name="china_tolerance", n_runs=240)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Japan: concession cost (%)"  # largest ST on top
    assert_legend_honest(fig)
    morris = pd.DataFrame({"parameter": PARAMS, "mu_star": [0.3, 0.1], "mu_star_conf": [0.05, 0.02]})
    assert "Morris" in sweep_plots.tornado(morris, name="x", n_runs=10).axes[0].get_title()
    with pytest.raises(plots.PlotError, match="S1 and ST"):
        sweep_plots.tornado(pd.DataFrame({"parameter": PARAMS}), name="x", n_runs=1)
    boxes = pd.DataFrame({"box": [1], "parameter": [PARAMS[0]], "low": [0.6], "high": [0.9], "coverage": [0.8], "density": [0.9]})
    fig = sweep_plots.prim_boxes(sweep_runs, boxes, *PARAMS, name="china_tolerance", outcome="target_concedes")
    rect = fig.axes[0].patches[0]
    assert rect.get_x() == pytest.approx(0.6) and rect.get_width() == pytest.approx(0.3)
    assert any("coverage 80%, density 90%" in label for label, _ in legend_entries(fig))
    figs = sweep_plots.sweep_figures(sweep_runs, PARAMS, name="china_tolerance", indices=sobol, boxes=boxes)
    assert {"outcome_map", "tornado", "prim_boxes", "resolution_days"} <= set(figs)
    assert all("china_tolerance" in title_text(f) for f in figs.values())



def test_sim_sweep_plot_writes_the_sweep_figures(tmp_path: Path) -> None:
    from cli_helpers import invoke

    sweep = ROOT / "experiments" / "sweeps" / "tiny" / "us_support.toml"  # two parameters, 2 x 2 points
    result = invoke("sweep", sweep, "--out", tmp_path / "s", "--plot", "-q")
    assert result.exit_code == 0, result.output
    pngs = {p.name for p in (tmp_path / "s" / "figures").glob("*.png")}
    # A response curve per swept parameter and the outcome map over the two.
    assert {"response_us_alliance_value.png", "response_us_truce_stake.png", "outcome_map.png"} <= pngs
