"""The phenomena experiments/rare_earth_ban_scripted.toml must show (issue 2, section 7), asserted with
numbers from one full run (540 days; the ban starts on day 120)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config import load_scenario
from sim.facts import load_facts
from sim.results import FINAL_WINDOW_DAYS
from sim.runner import RunResult, run_replications

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "experiments" / "rare_earth_ban_scripted.toml"
BAN_DAY = 120
REE = ("rare_earths", "heavy_rare_earths")


@pytest.fixture(scope="module")
def run() -> RunResult:
    return run_replications(load_scenario(SCENARIO))


def series(ts: pd.DataFrame, variable: str, **where: str) -> np.ndarray:
    mask = ts["variable"] == variable
    for key, value in where.items():
        mask &= ts[key] == value
    sel = ts[mask].sort_values("day")
    assert len(sel) == sel["day"].nunique() > 0, f"no single series for {variable} {where}"
    return sel["value"].to_numpy()


MAKER_COVER = ("firms.jp_magnet_makers.inputs.heavy_rare_earths.days_of_cover",
               "firms.jp_magnet_makers.inputs.rare_earths.days_of_cover")


@pytest.fixture(scope="module")
def thinner_run() -> RunResult:
    """The same episode with the magnet makers holding 60 days of oxides instead of 90."""
    return run_replications(load_scenario(SCENARIO, overrides=[f"{key}=60" for key in MAKER_COVER]))


def stock_out_day(ts: pd.DataFrame, firm: str, product: str) -> int:
    return int(np.argmax(series(ts, "days_of_cover", firm=firm, product=product) < 1.0))


def release_end_day(run: RunResult, product: str) -> int:
    ended = run.events[(run.events["kind"] == "end_release") & run.events["reason"].str.contains(product)]
    assert len(ended) == 1
    return int(ended["day"].iloc[0])


@pytest.mark.parametrize("automaker", ["toyota", "honda"])
def test_automaker_output_holds_while_the_chain_has_stock_then_falls(run: RunResult, automaker: str) -> None:
    """The chain: the magnet makers' heavy rare earths run out first, then the carmakers' magnets."""
    output = series(run.timeseries, "output_index", firm=automaker)
    maker_cover = series(run.timeseries, "days_of_cover", firm="jp_magnet_makers", product="heavy_rare_earths")
    cover = series(run.timeseries, "days_of_cover", firm=automaker, product="ndfeb_magnets")
    facts = load_facts()
    # Working stocks as cited: about three months of oxides at the magnet makers (users' and
    # trading houses' stocks, japan_ree_user_inventory_days), four weeks of magnets at the car lines.
    assert maker_cover[0] == pytest.approx(facts["japan_ree_user_inventory_days"].value)
    assert cover[0] == pytest.approx(facts["carmaker_magnet_days_of_cover"].value)
    # Stocks are drawn down after licensing bites, but still cover weeks when the ban starts.
    assert 20.0 < maker_cover[BAN_DAY] < maker_cover[0]
    assert 5.0 < cover[BAN_DAY] < cover[0]
    maker_out = stock_out_day(run.timeseries, "jp_magnet_makers", "heavy_rare_earths")
    runs_out = stock_out_day(run.timeseries, automaker, "ndfeb_magnets")
    # A stock cannot fall faster than a day of use a day, and the national stockpile tops it up
    # for a month after the ban: the makers' ~77 days of cover at the ban last past day 120 + 77.
    assert BAN_DAY + maker_cover[BAN_DAY] < maker_out < runs_out
    # Full output while stocks last ...
    assert np.all(output[: runs_out - 1] > 0.999)
    # ... then a fall within days of the magnets running out.
    falls = int(np.argmax(output < 0.99))
    assert runs_out - 1 <= falls <= runs_out + 10
    assert output[falls + 5] < 0.85
    # Magnets from outside China (ROW makers, whose own buyers turn to China) and the magnet
    # makers' new heavy rare-earth supply let output recover.
    assert output[-1] > 0.95


def test_each_day_of_working_stock_carries_the_makers_further_into_the_ban(run: RunResult, thinner_run: RunResult) -> None:
    """Worked by hand: once the national stockpile stops releasing (day d), the makers' cover
    falls at a steady net rate r (days of use drawn a day: use less what still arrives), reaching
    zero on day d + cover[d] / r. The 30 days more cover of the cited 90 than of the old 60 are all
    still there at d (licensing and the release draw the same quantities from both), so they push
    the stock-out 30 / r days later: about 30 / 0.53 = 56 days (the rate measured on the run
    itself between d = 151 and the stock-out on day 294: 76 days of cover in 143 days; 58 days
    measured), and the carmakers' magnets run out about as much later (62 days)."""
    product = "heavy_rare_earths"
    maker = "jp_magnet_makers"
    cover = series(run.timeseries, "days_of_cover", firm=maker, product=product)
    thin = series(thinner_run.timeseries, "days_of_cover", firm=maker, product=product)
    d = release_end_day(run, product)
    assert d == release_end_day(thinner_run, product)
    # Up to d the two runs differ by the extra 30 days, give or take a fraction of a day (the
    # makers restock a share of their gap, larger in the thinner run).
    assert np.abs(cover[: d + 1] - thin[: d + 1] - 30.0).max() < 0.5
    out, thin_out = stock_out_day(run.timeseries, maker, product), stock_out_day(thinner_run.timeseries, maker, product)
    rate = cover[d] / (out - d)  # the net draw after the release, about 0.53 of a day's use a day
    assert 0.3 < rate < 0.7
    # Leakage and new supply outside China build up over the ban, so the draw slows a little in
    # the extra days: the delay is at least 30 / r and within a tenth above it.
    delay = out - thin_out
    assert 30.0 / rate - 1 <= delay <= 1.1 * 30.0 / rate
    for automaker in ("toyota", "honda"):
        carmaker_delay = stock_out_day(run.timeseries, automaker, "ndfeb_magnets") - stock_out_day(
            thinner_run.timeseries, automaker, "ndfeb_magnets")
        assert carmaker_delay == pytest.approx(delay, rel=0.15)


def test_heavy_rare_earth_price_spikes_in_japan_but_not_inside_china(run: RunResult) -> None:
    ts = run.timeseries
    product = "heavy_rare_earths"
    japan = series(ts, "price_multiple", country="JP", product=product)
    china = series(ts, "price_multiple", country="CN", product=product)
    # The published 2011 peak was 10-30x the pre-crisis price. No cap holds it (the guard rail is
    # 1000x): demand destruction above the backstop (10x) and thrifting do (issue 9).
    assert 10.0 <= japan.max() <= 30.0
    assert japan[BAN_DAY + 60] > 5.0
    # Inside China the curb strands supply at home: the price never rises and ends lower.
    assert china.max() <= 1.0 + 1e-9
    assert china[-1] < 0.9  # about 0.80
    # The ban is on Japan only: other importers buy from China and leave the supply outside China
    # to Japan's buyers (who cannot buy from China), so their prices do not rise.
    for country in ("US", "KR", "ROW"):
        other = series(ts, "price_multiple", country=country, product=product)
        assert other.max() <= 1.0 + 1e-9


def test_light_rare_earths_reach_japan_by_trade_diversion(run: RunResult) -> None:
    """Outside China there is more light rare-earth supply than Japan buys: behind a ban on Japan
    alone, Japan takes it and the other buyers turn to China, so Japan's price barely moves."""
    ts = run.timeseries
    japan = series(ts, "price_multiple", country="JP", product="rare_earths")
    assert japan.max() < 1.1
    from_row = series(ts, "import_share", country="JP", partner="ROW", product="rare_earths")
    assert from_row[-1] > 0.8 > 2 * from_row[0]  # about 0.83, from 0.33


@pytest.mark.parametrize(("product", "baseline_share"), [("rare_earths", 0.6), ("heavy_rare_earths", 0.9)])
def test_japan_import_share_from_china_falls_as_alternatives_ramp_up(
    run: RunResult, product: str, baseline_share: float
) -> None:
    ts = run.timeseries
    share = series(ts, "import_share", country="JP", partner="CN", product=product)
    # Baseline shares are the cited facts (japan_ree_import_share_china_2024,
    # japan_dysprosium_import_share_china).
    assert share[0] == pytest.approx(baseline_share, abs=1e-9)
    assert share[BAN_DAY + 100] < share[BAN_DAY - 1]
    assert share[-1] < 0.5 * baseline_share
    # Capacity outside China grows to replace it.
    row_capacity = series(ts, "background_capacity", country="ROW", product=product)
    if product == "heavy_rare_earths":
        assert row_capacity[-1] > 1.1 * row_capacity[0]
    else:  # trade diversion covers Japan's light rare earths: no unmet demand, no new capacity
        assert row_capacity[-1] >= row_capacity[0]
    # The outcome metric is the share over the final window.
    final = share[-FINAL_WINDOW_DAYS:].mean()
    assert run.outcomes.loc[0, f"import_share.JP.{product}.CN"] == pytest.approx(final, rel=1e-6)


def test_chinese_processors_lose_revenue(run: RunResult) -> None:
    profit = series(run.timeseries, "profit", firm="cn_ree_processor")
    assert profit[0] > 0
    # The glut behind the ban lowers China's home price; exports to third markets are paid their
    # (near-baseline) prices, so profit falls by about half but stays positive.
    assert profit[BAN_DAY + 100] < 0.8 * profit[0]
    assert 20.0 < run.outcomes.loc[0, "profit_loss_pct.cn_ree_processor"] < 100.0


def test_the_supplier_outside_china_earns_the_rent_of_the_shortage(run: RunResult) -> None:
    """Exporters are paid the destination price: the Lynas-like firm sells to Japan at Japan's
    shortage price and gains during a Chinese embargo, as it did in 2010-11."""
    profit = series(run.timeseries, "profit", firm="alt_ree_supplier")
    assert np.all(profit[:BAN_DAY - 90] == pytest.approx(profit[0], rel=1e-6))  # before the curbs bite
    # It makes light rare earths only, and these go to Japan (trade diversion, test above): more
    # volume (3-5%) at close to baseline prices, a gain while the curbs bite and Japan's magnet
    # makers, its buyers there, still work ...
    maker_out = stock_out_day(run.timeseries, "jp_magnet_makers", "heavy_rare_earths")
    assert np.all(profit[BAN_DAY:maker_out] > profit[0])
    # ... and a loss once they stand idle for want of heavy rare earths and stop buying light ones
    # (from about day 295 with their cited 90 days of cover), with light rare-earth prices 2-4%
    # below baseline behind China's glut.
    assert profit[-1] < profit[0]
    # Over the whole run gain and loss nearly cancel out: the outcome is the mean shortfall of
    # daily profit on baseline, a few % (+0.15% when the makers held 60 days and stopped early
    # enough to restart within the horizon; -2.2% with 90 days and thrifting at its cited pace).
    loss = run.outcomes.loc[0, "profit_loss_pct.alt_ree_supplier"]
    assert loss == pytest.approx(100.0 * (1.0 - profit.mean() / profit[0]), rel=1e-6)
    assert abs(loss) < 5.0


def test_gdp_loss_larger_for_the_more_dependent_side(run: RunResult) -> None:
    japan = run.outcomes.loc[0, "gdp_loss_pct.JP"]
    china = run.outcomes.loc[0, "gdp_loss_pct.CN"]
    # Domestic value added only (carmakers' Japanese plants, a fifth of a car's value, and the
    # Japanese value added in what they buy in). About 0.63%: light rare earths are diverted to
    # Japan, and only heavy ones are short. (The magnet makers' cited 90 days of oxides instead of
    # 60 took it to 0.41%; thrifting at its cited pace, ree_thrift_days, back to 0.63%.)
    assert japan > 0.2
    assert abs(china) < 0.1
    assert japan > 3 * abs(china)


def test_the_more_dependent_side_reverses_for_photoresist() -> None:
    """The same proxy, the other way round: China depends on Japanese photoresist."""
    scenario = load_scenario(
        ROOT / "experiments" / "worlds" / "east_asia.toml",
        overrides=[
            "horizon_days=200",
            'schedule=[{day=10, actor="JP", measure="export_ban", target="CN", products=["photoresist"], enforcement=0.9}]',
        ],
    )
    outcomes = run_replications(scenario).outcomes
    assert outcomes.loc[0, "gdp_loss_pct.CN"] > outcomes.loc[0, "gdp_loss_pct.JP"]
    assert outcomes.loc[0, "gdp_loss_pct.CN"] > 0.05


def test_events_explain_each_scripted_measure(run: RunResult) -> None:
    events = run.events
    scripted = events[events["rule"] == "schedule"]
    assert list(scripted["action"]) == [
        "ree_rules_oct2025",  # announced and suspended: in force on paper only
        "dual_use_ban",
        "antidumping_duty",
        "ree_licensing",
        "lift_ree_licensing",
        "ree_ban",
    ]
    assert list(scripted["day"]) == [0, 10, 12, 30, 120, 120]
    assert all(scripted["reason"].str.startswith("scripted"))
    assert run.outcomes.loc[0, "path"] == " > ".join(f"CN:{a}" for a in scripted["action"])
    # Japan's national stockpiles are released (by rule) once licensing holds supply back, and
    # run out during the ban; each release is an event with its reason.
    releases = events[events["rule"] == "stockpile_release"]
    assert set(releases["actor"]) == {"JP"}
    assert set(releases.loc[releases["kind"] == "release_stockpile", "day"]) == {30}
    ended = releases[releases["kind"] == "end_release"]
    assert (ended["day"] > 120).all() and ended["reason"].str.contains("exhausted").all()


@pytest.mark.parametrize("product", [*REE, "electronic_components"])
def test_outcomes_count_the_days_a_price_sits_at_the_cap(run: RunResult, product: str) -> None:
    """price_cap_days flags answers that hinge on the guard rail: the days on which the product's
    price is at max_price_multiple in some country, recounted here from the price series."""
    cap = load_scenario(SCENARIO).economy.max_price_multiple
    prices = run.timeseries[(run.timeseries["variable"] == "price_multiple") & (run.timeseries["product"] == product)]
    at_cap = prices.groupby("day", observed=True)["value"].max() >= (1 - 1e-9) * cap
    assert run.outcomes.loc[0, f"price_cap_days.{product}"] == int(at_cap.sum())
    if product == "electronic_components":
        assert int(at_cap.sum()) == 0  # untouched by the curbs
