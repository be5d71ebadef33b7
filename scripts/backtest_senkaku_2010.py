"""Run the 2010 back-test (experiments/senkaku_2010.toml) and print the model column of the
comparison table in docs/backtest_senkaku_2010.md, as Markdown.

    python scripts/backtest_senkaku_2010.py            # prints the table
    python scripts/backtest_senkaku_2010.py --write    # also rewrites the table in the doc
    python scripts/backtest_senkaku_2010.py --set economy.thrift_days=730   # the table under an override

The published figures come from seeds/facts.toml (each row names its fact)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.backtest import senkaku_metrics  # noqa: E402
from sim.config import load_scenario  # noqa: E402
from sim.facts import load_facts  # noqa: E402
from sim.model import CoercionModel  # noqa: E402

DOC = ROOT / "docs" / "backtest_senkaku_2010.md"
BEGIN, END = "<!-- table:begin -->", "<!-- table:end -->"


def table(overrides: list[str] | None = None) -> str:
    """The comparison table; ``overrides`` (``key.path=value``, as ``sim run --set``) vary the scenario."""
    scenario = load_scenario(ROOT / "experiments" / "senkaku_2010.toml", overrides=overrides or [])
    model = CoercionModel(scenario, np.random.SeedSequence(scenario.seed).spawn(1)[0])
    model.run()
    m = senkaku_metrics(model, quota_share=scenario.schedule[0].quota_share)
    f = {name: fact.value for name, fact in load_facts().items()}
    sep, nov = f["japan_ree_imports_from_china_sep_2010"], f["japan_ree_imports_from_china_nov_2010"]
    rows = [
        ("Japan's monthly REE imports from China, Nov / Sep 2010", f"{nov / sep:.2f} ({nov:.0f} / {sep:.0f} t)",
         f"{m['trough_ratio']:.2f} (Oct / Sep: {m['oct_ratio']:.2f})", "japan_ree_imports_from_china_sep_2010, _nov_2010 (MOF Japan)"),
        ("Peak heavy REE (dysprosium) price in Japan, multiple of pre-crisis",
         f"{f['nd_dy_peak_price_multiple_low_2011']:.0f}-{f['nd_dy_peak_price_multiple_high_2011']:.0f}x (mid-2011); Dy {f['dy_oxide_price_multiple_2009_2011']:.0f}x Jan 2009-Aug 2011",
         f"{m['heavy_peak_multiple']:.1f}x ({m['heavy_peak_date']})", "nd_dy_peak_price_multiple_low/high_2011, dy_oxide_price_multiple_2009_2011"),
        ("Peak light REE price in Japan, multiple of pre-crisis",
         f"{f['nd_dy_peak_price_multiple_low_2011']:.0f}-{f['nd_dy_peak_price_multiple_high_2011']:.0f}x (mid-2011)",
         f"{m['peak_multiple']:.1f}x on day {m['peak_day']} ({m['peak_date']})", "nd_dy_peak_price_multiple_low/high_2011"),
        ("Price fall in the 6 months after the peak",
         f"{100 * f['ree_price_fall_after_peak_low']:.0f}-{100 * f['ree_price_fall_after_peak_high']:.0f}%",
         f"{100 * m['fall_6m']:.0f}%", "ree_price_fall_after_peak_low/high"),
        ("Price at the end of 2015, multiple of pre-crisis", f"Nd {f['nd_oxide_price_2015'] / f['nd_oxide_price_2009']:.1f}x, Dy {f['dy_oxide_price_2015'] / f['dy_oxide_price_2009']:.1f}x of 2009",
         f"light {m['price_2015']:.2f}x, heavy {m['heavy_price_2015']:.2f}x", "nd_oxide_price_2009/2015, dy_oxide_price_2009/2015 (USGS)"),
        ("China's share of Japan's REE imports before 2010", f"over {100 * f['japan_ree_import_share_china_pre2010']:.0f}%",
         f"{100 * m['share_pre']:.0f}% (baseline)", "japan_ree_import_share_china_pre2010"),
        ("... in H1 2012", f"{100 * f['japan_ree_import_share_china_h1_2012']:.0f}%", f"{100 * m['share_2012h1']:.0f}%",
         "japan_ree_import_share_china_h1_2012 (MOF Japan)"),
        ("... in 2018", f"{100 * f['japan_ree_import_share_china_2018']:.0f}%", f"{100 * m['share_2018']:.0f}%",
         "japan_ree_import_share_china_2018 (METI)"),
        ("China's share of Japan's heavy REE (dysprosium) imports, 2011-2018",
         f"about {100 * f['japan_dysprosium_import_share_china']:.0f}%", f"{100 * m['heavy_share_min']:.0f}-{100 * m['heavy_share_max']:.0f}%",
         "japan_dysprosium_import_share_china"),
        ("China's REE exports in 2011, share of the quota", f"{100 * f['china_ree_quota_utilisation_2011']:.0f}%",
         f"{100 * m['quota_use_2011']:.0f}% (recorded: smuggling excluded)", "china_ree_quota_utilisation_2011 (MOFCOM)"),
        ("China's REE exports in 2011 recorded abroad / recorded by China (smuggling)",
         f"{f['ree_foreign_over_chinese_customs_ratio_2011']:.1f}", f"{m['abroad_over_recorded_2011']:.2f}",
         "ree_foreign_over_chinese_customs_ratio_2011 (State Council white paper)"),
    ]
    lines = ["| quantity | published | model | source (seeds/facts.toml) |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the table in the doc")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario setting, as `sim run --set` (repeatable; not with --write)",
    )
    args = parser.parse_args()
    if args.write and args.overrides:
        parser.error("--write rewrites the doc's table for the shipped scenario: drop --set")
    text = table(args.overrides)
    print(text)
    if args.write:
        doc = DOC.read_text()
        start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        tmp = DOC.with_suffix(".md.tmp")
        tmp.write_text(doc[:start] + "\n" + text + "\n" + doc[end:])
        tmp.replace(DOC)
        print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
