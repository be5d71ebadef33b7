"""The 2010 back-test (experiments/senkaku_2010.toml) shows the published directions and rough sizes,
and docs/backtest_senkaku_2010.md holds the table of a fresh run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.backtest import senkaku_metrics
from sim.config import load_scenario
from sim.model import CoercionModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "experiments" / "senkaku_2010.toml"


@pytest.fixture(scope="module")
def metrics() -> dict:
    scenario = load_scenario(SCENARIO)
    model = CoercionModel(scenario, np.random.SeedSequence(scenario.seed).spawn(1)[0])
    model.run()
    return senkaku_metrics(model, quota_share=scenario.schedule[0].quota_share)


def test_imports_from_china_collapse_during_the_hold(metrics: dict) -> None:
    # Published: Nov/Sep 0.28. The model has no shipping lag, so its trough is October.
    assert metrics["oct_ratio"] < 0.5
    assert metrics["trough_ratio"] < 0.8


def test_price_peaks_in_2011_within_the_published_range_and_then_falls(metrics: dict) -> None:
    # Published 10-30x (Nd and Dy; Dy 26x from January 2009 to August 2011). The guard rail
    # (1000x) never binds: prices form on the supply Japan can reach, and above the backstop
    # (10x) buyers switch to substitutes. Heavy rare earths, with little supply outside China,
    # peak within the range; light ones, with Australian/Malaysian supply to divert, much lower
    # (about 3x: worse than the capped model's 37x, which overshot the range the other way).
    # Since orders beyond the quota leak through third countries (2011 smuggling,
    # ree_foreign_over_chinese_customs_ratio_2011) heavy rare earths peak lower, about 6.2x
    # (10.3x without quota leakage): below the published range, so the bound is the direction
    # (a multiple well above the light one's), not the range. See docs/backtest_senkaku_2010.md.
    assert metrics["peak_multiple"] < 0.99 * load_scenario(SCENARIO).economy.max_price_multiple
    assert metrics["heavy_peak_multiple"] <= 30.0
    assert metrics["heavy_peak_multiple"] > 1.5 * metrics["peak_multiple"]
    assert "2011-01-01" <= metrics["heavy_peak_date"] <= "2012-03-31"
    assert 2.0 < metrics["peak_multiple"] < 10.0
    assert "2011-01-01" <= metrics["peak_date"] <= "2011-12-31"
    assert metrics["fall_6m"] > 0.1  # published 40-50%: the light REE price falls less (about 13%)
    assert 1.5 < metrics["price_2015"] < 3.0  # still above the pre-crisis level, as USGS prices were (2.0-2.6x)


@pytest.mark.xfail(
    strict=True,
    reason="known gap (issue 9): the heavy rare-earth peak is about 6.2x, below the published 10-30x. Two "
    "channels hold it down: leakage of the orders beyond the quota (without it 10.3x) and thrifting (without it "
    "11.5x, but the peak moves to 2014). By the end of 2011 Japan's rare-earth intensity of use is down 30% in "
    "the model, as much as Japan's whole 2011 import fall (japan_ree_imports_2010/_2011), which also reflected "
    "the 2011 earthquake and destocking: thrifting is probably too fast. The cited pace (ree_thrift_days, 800 "
    "days, METI's 2012 aim) gives 10.0x but in May 2013, with worse later prices, so the back-test keeps 365",
)
def test_heavy_rare_earth_peak_within_the_published_range(metrics: dict) -> None:
    assert 10.0 <= metrics["heavy_peak_multiple"] <= 30.0


def test_orders_beyond_the_quota_are_smuggled_and_not_recorded(metrics: dict) -> None:
    # Published: foreign customs recorded 1.2x China's recorded exports in 2011. The model's
    # smuggling is real but far smaller (about 1%): it serves only orders beyond the quota, and by
    # 2011 buyers abroad have switched so much of their demand away from China that only about
    # 1,500 t of orders go beyond it (a 0.6 leakage share still gives only 1.03, and a 3.7x heavy
    # peak). In 2011 China used only 56% of its quota (china_ree_quota_utilisation_2011): the
    # smuggling then undercut licensed exports, which the model's leakage does not do.
    assert 1.0 < metrics["abroad_over_recorded_2011"] < 1.3


def test_japan_diversifies_light_rare_earths_but_not_heavy_ones(metrics: dict) -> None:
    assert metrics["share_pre"] == pytest.approx(0.8, abs=0.01)
    # Published 49%. The model overshoots (about 33%) since issue 9: buyers do not drift back to
    # an incumbent whose route is restricted (here by the quota), so the switching done during
    # the 2010 hold lasts through the quota years.
    assert 0.3 < metrics["share_2012h1"] < 0.65
    assert metrics["share_2018"] > metrics["share_2012h1"]  # partial recovery, published 58%
    assert metrics["heavy_share_min"] > 0.6  # dysprosium stayed about 90% Chinese (model 63-84%)


def test_the_comparison_table_in_the_doc_is_current() -> None:
    from cli_helpers import load_script

    module = load_script("backtest_senkaku_2010")
    doc = (ROOT / "docs" / "backtest_senkaku_2010.md").read_text()
    assert module.table() in doc, "refresh with: python scripts/backtest_senkaku_2010.py --write"
