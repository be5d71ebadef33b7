"""Write notebooks/tour.ipynb (without outputs) from the cells below: edit here, then run
``python scripts/make_tour_notebook.py``."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

CELLS = [
    ("md", """# A five-minute tour: China curbs rare earths to Japan

`experiments/rare_earth_curb.toml` scripts China's measures against Japan (a dual-use ban with vague
wording, an anti-dumping duty on a chip-making chemical, rare-earth licensing from day 30 and a ban
from day 120) on the default east-Asia world. Here we run it, then look at what it shows. From the
command line the same run is `sim run experiments/rare_earth_curb.toml`."""),
    ("code", """import os
import tempfile
from pathlib import Path

from sim import plots
from sim.analysis import load_run
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
print(scenario.horizon_days, "days;", len(run.timeseries), "timeseries rows")"""),
    ("md", """## Every decision is an event with its rule and reason"""),
    ("code", """run.events[["day", "actor", "action", "measure", "target", "products", "enforcement", "rule", "reason"]]"""),
    ("md", """## Automakers keep producing while their stocks last, then cut output
Toyota and Honda hold about 60 days of cover of heavy rare earths (the JOGMEC stockpile target).
Licensing slows deliveries; after the ban the stock runs down and output falls to what the
remaining supply allows."""),
    ("code", """plots.firm_output(run, ["toyota", "honda"], input_product="heavy_rare_earths")"""),
    ("md", """## The price spikes outside China, not inside
Supply held back by China's own controls depresses its home price, while Japan's buyers bid for
what little reaches them (the 2011 peak was 10-30x; the scenario caps the multiple at 30)."""),
    ("code", """plots.price_paths(run, "heavy_rare_earths", ["CN", "JP", "US", "ROW"])"""),
    ("md", """## Japan turns to other suppliers as their capacity ramps up"""),
    ("code", """plots.import_dependence(run, "JP", "rare_earths")"""),
    ("md", """## Who pays: China's processors lose, the GDP-loss proxy hits the dependent side"""),
    ("code", """metrics = run.outcomes.filter(regex="gdp_loss_pct|profit_loss_pct.cn_ree|profit_loss_pct.toyota").T
metrics"""),
    ("code", """plots.gdp_loss(run)"""),
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
