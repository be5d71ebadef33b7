"""Write the notebooks in notebooks/ (stored without outputs) from the cells below: edit here, then
run ``python scripts/make_notebooks.py``. The test suite checks that the stored notebooks are what
this script writes, and executes each of them top to bottom.

Each notebook reads a run folder made by ``sim run``: ``COERCION_SIM_RUN`` names an existing one;
otherwise it runs the scenario (``COERCION_SIM_SCENARIO``, default the notebook's own) once into
``notebooks/runs/`` and reads it from there on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

SETUP = '''%matplotlib inline
import os
import subprocess
import sys
from pathlib import Path

from IPython.display import Markdown, display

from sim import plots, style
from sim.analysis import load_run, outcome_shares, path_frequencies, transitions
from sim.explain import explain_run

ROOT = Path.cwd()
while not (ROOT / "pyproject.toml").exists():
    ROOT = ROOT.parent


def run_folder(default_scenario: str) -> Path:
    """The run folder to read: $COERCION_SIM_RUN, else a `sim run` of the scenario into notebooks/runs/."""
    if os.environ.get("COERCION_SIM_RUN"):
        return Path(os.environ["COERCION_SIM_RUN"])
    scenario = ROOT / os.environ.get("COERCION_SIM_SCENARIO", default_scenario)
    prefix = "" if scenario.parent.name == "experiments" else scenario.parent.name + "_"
    folder = ROOT / "notebooks" / "runs" / f"{prefix}{scenario.stem}"
    if not (folder / "manifest.json").exists():  # run once; delete the folder to run again
        done = subprocess.run([sys.executable, "-m", "sim", "run", str(scenario), "--out", str(folder)],
                              capture_output=True, text=True, check=True)
        print(done.stdout)
    return folder
'''

TOUR = [
    ("md", """# China curbs rare earths to Japan: one run, read as an analyst would

`experiments/rare_earth_curb.toml` plays the episode that followed the Japanese Prime Minister's
Taiwan remarks with strategic governments that weigh expected costs in % of their GDP and learn
about each other's resolve: China threatens rare-earth licensing with a deadline and climbs an
escalation ladder (a vaguely worded dual-use ban, an anti-dumping duty, licensing, a ban); Japan
gives in at the threat stage if the threat, times its credibility, costs more than giving in, or
else protests, asks the US for support and waits China out while holding out is the cheaper
course, and may then retaliate with photoresist controls, complain at the WTO or make a
face-saving gesture; the US weighs backing Japan against its own truce with China. Each
government's resolve type is drawn per replication and decisions carry logit noise, so the
replications explore different paths.

This notebook reads a run folder made by `sim run` (the first cell makes one in `notebooks/runs/`
if there is none; set `COERCION_SIM_RUN` to read another). The same figures come out of
`sim plot DIR` and, as one HTML page, `sim report DIR`."""),
    ("code", SETUP + '''
folder = run_folder("experiments/rare_earth_curb.toml")
run = load_run(folder)
print(f"{run.manifest['scenario']}: {len(run.outcomes)} replications, {plots.horizon(run)} days, "
      f"{len(run.events)} decisions logged; folder {folder}")'''),
    ("md", """## How did it end?
Each outcome class with its share of replications and a 95% Wilson interval: with a few dozen
replications a share is known to within a dozen points or so, and a class that never occurred
may still be fairly likely."""),
    ("code", """display(outcome_shares(run.outcomes))
plots.outcome_shares(run)"""),
    ("code", """plots.resolution_days(run)"""),
    ("md", """## By which paths?
A path is the governments' measures, threats, decisive stances and closing moves in order. The
tree merges the paths' shared beginnings; line width is the number of runs through a move."""),
    ("code", """display(path_frequencies(run.outcomes, top=5))
plots.path_tree(run)"""),
    ("code", """transitions(run.outcomes).head(12)   # which move follows which"""),
    ("md", """## One typical replication, move by move
The lowest-numbered replication that followed the most frequent path: measures in force as bars
(darker = more strictly enforced), other moves as markers; then the same replication narrated
with each decision's rule, the values it compared and what else was considered (`sim explain`)."""),
    ("code", """typical = plots.typical_replication(run)
plots.timeline(run, typical)"""),
    ("code", """print(explain_run(folder, typical, max_alternatives=3))"""),
    ("md", """## The economy underneath: prices, stocks, output, suppliers
Across replications: the median run and the bands holding the middle 50% and 90% of runs, one
panel per country or firm; the strip on top shows when measures started and ended (median over
the runs that imposed them). Supply held back by China's own controls depresses its home price,
while Japan's buyers bid for what reaches them."""),
    ("code", """plots.price_fan(run, "heavy_rare_earths")"""),
    ("code", """plots.inventory_fan(run, ["toyota", "honda"], "ndfeb_magnets")"""),
    ("code", """plots.output_fan(run, ["toyota", "honda", "cn_ree_processor"], by_outcome=True)"""),
    ("code", """plots.import_share_fan(run, "JP", "rare_earths")"""),
    ("md", """## Who pays
The GDP-loss proxy hits the dependent side; China's processors lose their Japanese sales, which is
what weighs on Beijing's own tolerance."""),
    ("code", """plots.who_loses_more(run)"""),
    ("code", """plots.gdp_loss_fan(run, ["CN", "JP", "US"], by_outcome=True)"""),
    ("code", """cols = ["gdp_loss_pct.JP", "gdp_loss_pct.CN", "profit_loss_pct.cn_ree_processor", "profit_loss_pct.toyota"]
run.outcomes.groupby("outcome", observed=True)[cols].median().rename(index=style.outcome_name)"""),
]

BACKTEST = [
    ("md", """# Back-test: the 2010 rare-earth episode, model next to published figures

`experiments/senkaku_2010.toml` scripts what China did in 2010 (the export-quota cut from July
and the informal hold on shipments to Japan from late September to late November) and leaves the
rest to the model. Day 0 is 1 January 2010. The published figures come from `seeds/facts.toml`,
each named by its fact; `docs/backtest_senkaku_2010.md` has the full table and its reading.
The first cell makes a run folder with `sim run` in `notebooks/runs/` if there is none."""),
    ("code", SETUP + '''import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.facts import load_facts

folder = run_folder("experiments/senkaku_2010.toml")
run = load_run(folder)
facts = {name: fact.value for name, fact in load_facts().items()}
START = dt.date(2010, 1, 1)
days = plots.horizon(run)
label = plots.run_label(run)


def dates(index):
    return pd.to_datetime(START) + pd.to_timedelta(np.asarray(index), unit="D")


def within(day: dt.date) -> bool:
    return (day - START).days < days


print(f"{label}: {days} days, {START} to {START + dt.timedelta(days=days - 1)}")'''),
    ("md", """## Japan's rare-earth imports from China collapse during the hold
Monthly tonnes shipped from China to Japan in the model against Japan's customs figures for
September to November 2010 (the model has no shipping or customs lag, so its trough comes a month
earlier)."""),
    ("code", """flows = plots.series_table(run, "shipments", country="CN", partner="JP", product="rare_earths")[0]
monthly = flows.groupby(dates(flows.index).to_period("M")).sum()
monthly = monthly[monthly.index < pd.Period("2012-01", "M")]
fig = Figure(figsize=(10, 4), layout="constrained")
ax = fig.add_subplot()
ax.bar(monthly.index.to_timestamp() + pd.Timedelta(days=14), monthly.to_numpy(), width=25, color=style.actor_colour("CN"),
       alpha=0.6, label="model")
published = {m: facts[f"japan_ree_imports_from_china_{m}_2010"] for m in ("sep", "oct", "nov")}
months = [pd.Timestamp(2010, k, 15) for k in (9, 10, 11)]
ax.plot(months, list(published.values()), "o", color="black", ms=7, label="published (MOF Japan)")
ax.set(ylabel="tonnes per month", xlabel="month", title=f"Japan's light rare-earth imports from China — {label}")
ax.legend(frameon=False)
fig"""),
    ("md", """## The price in Japan peaks in 2011, then falls
Price of light rare earths in Japan as a multiple of its pre-crisis level, against the published
peak range (10-30x, mid-2011) and USGS year-end 2015 prices (neodymium and dysprosium oxide)."""),
    ("code", """price = plots.series_table(run, "price_multiple", country="JP", product="rare_earths")[0]
fig = Figure(figsize=(10, 4.2), layout="constrained")
ax = fig.add_subplot()
ax.plot(dates(price.index), price.to_numpy(), color=style.actor_colour("JP"), lw=1.8, label="model: price in Japan")
low, high = facts["nd_dy_peak_price_multiple_low_2011"], facts["nd_dy_peak_price_multiple_high_2011"]
ax.fill_between([pd.Timestamp(2011, 4, 1), pd.Timestamp(2011, 9, 30)], low, high, color="black", alpha=0.15, lw=0,
                label=f"published peak, {low:.0f}-{high:.0f}x (mid-2011)")
if within(dt.date(2015, 12, 31)):
    for metal, marker in (("nd", "s"), ("dy", "D")):
        ratio = facts[f"{metal}_oxide_price_2015"] / facts[f"{metal}_oxide_price_2009"]
        ax.plot([pd.Timestamp(2015, 12, 31)], [ratio], marker, color="black", label=f"{metal.title()} oxide, end 2015 vs 2009 (USGS)")
ax.set_yscale("log")
plots.log_ticks(ax)
ax.set(ylabel="multiple of pre-crisis price", xlabel="date", title=f"Light rare-earth price in Japan — {label}")
ax.legend(frameon=False, loc="upper right")
fig"""),
    ("md", """## Japan diversifies away from China, then partly drifts back
China's share of Japan's rare-earth imports against the published shares; heavy rare earths
(dysprosium) stayed about 90% Chinese."""),
    ("code", """fig = Figure(figsize=(10, 4.2), layout="constrained")
ax = fig.add_subplot()
for product, ls in (("rare_earths", "-"), ("heavy_rare_earths", "--")):
    share = plots.series_table(run, "import_share", country="JP", partner="CN", product=product)[0]
    ax.plot(dates(share.index), 100 * share.to_numpy(), ls=ls, color=style.actor_colour("CN"), lw=1.8,
            label=f"model: {style.product_name(product)}")
points = [(dt.date(2009, 12, 31), "japan_ree_import_share_china_pre2010", "published: before 2010 (over)"),
          (dt.date(2012, 3, 31), "japan_ree_import_share_china_h1_2012", "published: H1 2012"),
          (dt.date(2018, 6, 30), "japan_ree_import_share_china_2018", "published: 2018")]
for (day, name, text), marker in zip(points, ("^", "o", "s")):
    if within(day):
        ax.plot([pd.Timestamp(day)], [100 * facts[name]], marker, color="black", ms=7, label=text)
ax.axhline(100 * facts["japan_dysprosium_import_share_china"], color="black", ls=":", lw=1,
           label="published: dysprosium, about")
ax.set(ylim=(0, 100), ylabel="China's share of Japan's imports, %", xlabel="date",
       title=f"Japan's dependence on China for rare earths — {label}")
ax.legend(frameon=False, loc="lower left", fontsize=8.5)
fig"""),
    ("md", """## The comparison table
Regenerated from a full run by `python scripts/backtest_senkaku_2010.py --write` (the test suite
checks that it matches)."""),
    ("code", """doc = (ROOT / "docs" / "backtest_senkaku_2010.md").read_text()
display(Markdown(doc[doc.index("<!-- table:begin -->"):doc.index("<!-- table:end -->")]))"""),
]

SWEEP_SETUP = '''%matplotlib inline
import json
import os
import subprocess
import sys
from pathlib import Path

from IPython.display import display

from sim import style, sweep_plots
from sim.analysis import (load_sweep, outcome_intervals, path_frequencies, resolution_days,
                          scenario_discovery, transitions)

ROOT = Path.cwd()
while not (ROOT / "pyproject.toml").exists():
    ROOT = ROOT.parent


def sweep_folder(default_sweep: str) -> Path:
    """The sweep folder to read: $COERCION_SIM_SWEEP, else a `sim sweep` of the sweep file
    ($COERCION_SIM_SWEEP_FILE or the default) into notebooks/runs/."""
    if os.environ.get("COERCION_SIM_SWEEP"):
        return Path(os.environ["COERCION_SIM_SWEEP"])
    sweep_file = ROOT / os.environ.get("COERCION_SIM_SWEEP_FILE", default_sweep)
    prefix = "" if sweep_file.parent.name == "sweeps" else sweep_file.parent.name + "_"
    folder = ROOT / "notebooks" / "runs" / f"sweep_{prefix}{sweep_file.stem}"
    if not (folder / "manifest.json").exists():  # run once; delete the folder to run again
        done = subprocess.run([sys.executable, "-m", "sim", "sweep", str(sweep_file), "--out", str(folder), "-j", "2", "-q"],
                              capture_output=True, text=True, check=True)
        print(done.stdout)
    return folder
'''

SWEEP = [
    ("md", """# Escalation paths over a sweep: which paths occur, and which parameters decide them

A sweep runs `rare_earth_curb` over a design of parameter values with replications at each point
and keeps one row per run. This notebook reads a folder made by `sim sweep` (the first cell makes
one in `notebooks/runs/` from `experiments/sweeps/wait_out_vs_retaliate.toml` if there is none: Japan's
cost of giving in as its wait-out rule sees it, against the pain at which it retaliates; set
`COERCION_SIM_SWEEP` to read another folder). The same figures come out of `sim plot DIR`."""),
    ("code", SWEEP_SETUP + '''
folder = sweep_folder("experiments/sweeps/wait_out_vs_retaliate.toml")
spec = json.loads((folder / "sweep.json").read_text())["sweep"]
parameters = [p["name"] for p in spec["parameters"]]
runs = load_sweep(folder)
name = spec["name"]
print(f"{name}: {len(runs)} runs over {runs['point'].nunique()} points; parameters: {', '.join(parameters)}")'''),
    ("md", """## Outcomes, overall and by parameter
Every outcome class keeps its row, with its 95% Wilson interval: a class no run reached still
bounds how likely it is."""),
    ("code", """outcome_intervals(runs)"""),
    ("code", """outcome_intervals(runs, by=parameters[0])"""),
    ("md", """## How the outcome responds to each parameter"""),
    ("code", """sweep_plots.response_curve(runs, parameters[0], name=name)"""),
    ("code", """for parameter in parameters[1:]:
    display(sweep_plots.response_curve(runs, parameter, name=name))"""),
    ("md", """## Over two parameters at once
The share of the most frequent outcome in each cell of the grid, with the number of runs."""),
    ("code", """sweep_plots.outcome_map(runs, parameters[0], parameters[-1], name=name)"""),
    ("md", """## Which escalation paths occur, and which move follows which"""),
    ("code", """path_frequencies(runs, top=8)"""),
    ("code", """transitions(runs).head(15)"""),
    ("md", """## When episodes end"""),
    ("code", """resolution_days(runs)"""),
    ("md", """## Which parameter region leads to the most frequent outcome (PRIM)
Scenario discovery looks for a box of parameter values in which runs end in that outcome, and
says how many of them the box covers and how pure it is. No box means no region of the design
makes that outcome likely enough (the density threshold is 0.8)."""),
    ("code", """top = runs["outcome"].dropna().astype(str).value_counts().index[0]
varies = runs["outcome"].astype(str).nunique() > 1
found = scenario_discovery(runs, parameters, outcome=top) if varies else None
found["limits"] if found is not None else 'every run ends the same way: no box to find'"""),
]

NOTEBOOKS = {"tour.ipynb": TOUR, "backtest_senkaku_2010.ipynb": BACKTEST, "sweep_paths.ipynb": SWEEP}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, text) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text)
        cell["id"] = f"cell-{i}"  # stable ids: regenerating changes nothing
        nb.cells.append(cell)
    return nb


def main() -> None:
    check = "--check" in sys.argv
    stale = []
    for name, cells in NOTEBOOKS.items():
        target = ROOT / "notebooks" / name
        text = nbformat.writes(build(cells)) + "\n"
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(name)
            continue
        target.parent.mkdir(exist_ok=True)
        tmp = target.with_suffix(".ipynb.tmp")
        tmp.write_text(text)
        tmp.replace(target)
        print(f"wrote {target.relative_to(ROOT)}")
    if stale:
        sys.exit(f"notebooks out of date (run python scripts/make_notebooks.py): {', '.join(stale)}")


if __name__ == "__main__":
    main()
