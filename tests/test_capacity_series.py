"""Capacity built where none existed shows in the outputs: the ``background_capacity`` series
covers pools with no baseline output once price-driven investors stand ready there
(``capacity_growth.new_capacity``) or a government or firm builds there (``order_investment``)."""

from __future__ import annotations

import numpy as np
from test_allocation_and_licensing import scenario_raw

from sim.config import scenario_from_raw
from sim.economy import order_investment
from sim.model import CoercionModel
from sim.results import timeseries_table


def capacity_series(model: CoercionModel, country: str, product: str) -> list[float]:
    ts = timeseries_table(model)
    rows = ts[(ts.variable == "background_capacity") & (ts.country == country) & (ts["product"] == product)]
    return rows.sort_values("day")["value"].tolist()


def raw_without_measures() -> dict:
    raw = scenario_raw()
    raw["schedule"] = []
    raw["horizon_days"] = 6
    raw["products"]["ore"]["ramp_up_days"] = 3
    return raw


def test_price_driven_investment_in_a_pool_without_output_is_a_series() -> None:
    # B makes no ore at baseline. Investors stand ready to build 3650 t/yr (10/day) once the
    # smoothed price reaches 1x baseline: on day 0 already (the signal starts at 1). Lead time =
    # ore's ramp-up, 3 days: ordered day 0, arrival day 3, in place at the end of day 2.
    raw = raw_without_measures()
    raw["capacity_growth"] = [{"country": "B", "product": "ore", "new_capacity": 3650.0, "price_trigger": 1.0}]
    model = CoercionModel(scenario_from_raw(raw, "s.toml"), 1)
    model.run()
    np.testing.assert_allclose(capacity_series(model, "B", "ore"), [0, 0, 10, 10, 10, 10], atol=1e-12)


def test_capacity_a_government_orders_is_a_series_too() -> None:
    # No capacity_growth at all: B's government orders 5 t/day of ore capacity in B on day 0 with
    # a 2-day lead time; it produces from day 2 (in place at the end of day 1).
    model = CoercionModel(scenario_from_raw(raw_without_measures(), "s.toml"), 1)
    b, ore = model.country_index["B"], model.product_index["ore"]
    order_investment(model.world, model.state, b, ore, 5.0, lead_days=2)
    model.run()
    np.testing.assert_allclose(capacity_series(model, "B", "ore"), [0, 5, 5, 5, 5, 5], atol=1e-12)
    assert capacity_series(model, "A", "ore") == []  # A's pool neither grows nor is built in
