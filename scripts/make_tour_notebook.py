"""Write notebooks/tour.ipynb (without outputs) from the cells below: edit here, then run
``python scripts/make_tour_notebook.py``."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

CELLS = [
    ("md", """# A five-minute tour: China curbs rare earths to Japan

`experiments/rare_earth_curb.toml` plays the episode that followed the Japanese Prime Minister's
Taiwan remarks with strategic governments that weigh expected costs in % of their GDP and learn
about each other's resolve: China threatens rare-earth licensing with a deadline and climbs an
escalation ladder (a vaguely worded dual-use ban, an anti-dumping duty, licensing, a ban); Japan
gives in at the threat stage if the threat, times its credibility, costs more than giving in, or
else protests, asks the US for support and waits China out while holding out is the cheaper
course, and may then retaliate with photoresist controls, complain at the WTO or make a
face-saving gesture; the US weighs backing Japan against its own truce with China; the APEC
Shenzhen meeting opens an off-ramp window. Each government's resolve type is drawn per
replication and decisions carry logit noise, so the 20 replications explore different paths. From the command line: `sim run
experiments/rare_earth_curb.toml`, then `sim explain <folder>`."""),
    ("code", """import json
import os
import tempfile
from pathlib import Path

from sim import plots
from sim.analysis import load_run, outcome_shares, path_frequencies, transitions
from sim.config import load_scenario
from sim.runner import run_replications, write_run

root = Path.cwd()
while not (root / "pyproject.toml").exists():
    root = root.parent
# The test suite shortens the horizon through this variable; by default the full scenario runs.
overrides = [f"horizon_days={os.environ['COERCION_SIM_TOUR_HORIZON']}"] if "COERCION_SIM_TOUR_HORIZON" in os.environ else []
scenario = load_scenario(root / "experiments" / "rare_earth_curb.toml", overrides=overrides)
result = run_replications(scenario)
run = load_run(write_run(Path(tempfile.mkdtemp()) / "curb", scenario, result, scenario.seed, scenario.replications))
print(scenario.horizon_days, "days;", scenario.replications, "replications;", len(run.events), "decisions logged")"""),
    ("md", """## How did it end, and by which paths?
Outcome classes with 95% Wilson intervals, the most common escalation paths (the governments'
measures, threats, decisive stances and closing moves, in order), and which move follows which."""),
    ("code", """outcome_shares(run.outcomes)"""),
    ("code", """path_frequencies(run.outcomes, top=5)"""),
    ("code", """transitions(run.outcomes).head(12)"""),
    ("md", """## Every decision is an event with its rule, the values it compared, and the alternatives
Replication 0, in order. `alternatives` lists what the government chose from (the status quo,
"hold", is always among them) with the utilities the logit weighed."""),
    ("code", """first = run.events[run.events["replication"] == 0]
first[["day", "actor", "action", "kind", "rule", "reason"]]"""),
    ("code", """decision = first[first["rule"] == "escalation_ladder"].iloc[0]
print(decision["action"], "because", decision["reason"])
json.loads(decision["alternatives"])"""),
    ("md", """## Automakers keep producing while their stocks last
Toyota and Honda hold about 60 days of cover of heavy rare earths (the JOGMEC stockpile target).
Licensing slows deliveries; under the ban the stock runs down and output falls to what the
remaining supply allows — unless the episode ends first."""),
    ("code", """plots.firm_output(run, ["toyota", "honda"], input_product="heavy_rare_earths")"""),
    ("md", """## The price spikes outside China, not inside
Supply held back by China's own controls depresses its home price, while Japan's buyers bid for
what little reaches them (the 2011 peak was 10-30x; the scenario caps the multiple at 30)."""),
    ("code", """plots.price_paths(run, "heavy_rare_earths", ["CN", "JP", "US", "ROW"])"""),
    ("md", """## Japan turns to other suppliers as their capacity ramps up"""),
    ("code", """plots.import_dependence(run, "JP", "rare_earths")"""),
    ("md", """## Who pays
The GDP-loss proxy hits the dependent side; China's processors lose their Japanese sales, which
is what weighs on Beijing's own tolerance."""),
    ("code", """run.outcomes.groupby("outcome")[["gdp_loss_pct.JP", "gdp_loss_pct.CN", "profit_loss_pct.cn_ree_processor", "profit_loss_pct.toyota"]].median()"""),
    ("code", """plots.gdp_loss(run)"""),
    ("code", """plots.outcome_counts(run)"""),
]


def build() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, text in CELLS:
        nb.cells.append(nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text))
    return nb


def main() -> None:
    target = ROOT / "notebooks" / "tour.ipynb"
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_suffix(".ipynb.tmp")
    nbformat.write(build(), tmp)
    tmp.replace(target)
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
