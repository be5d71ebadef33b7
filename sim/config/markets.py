"""The economy the agents act in: countries (GDP, stockpiles), products, baseline trade flows,
capacity that background producers can add, and the market and firm-behaviour parameters."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sim.config.limits import (
    MAX_DAYS,
    MAX_QUANTITY,
    MIN_QUANTITY,
    Name,
    Share,
    Strict,
    Text,
    _days,
    _ranged,
    _zero_or,
)


class Stockpile(Strict):
    """A national stockpile of one product, held by the state apart from firms' working stocks."""

    days: _ranged(0.0, 3650.0) = Field(
        description="units held at the start, in days of the country's baseline purchases of the product; 0 to 3650"
    )
    release_share: _ranged(0.0, 10.0) = Field(
        1.0,
        description="release rule: the most released per day, as a share of baseline daily purchases, to cover what "
        "the country's buyers ordered within their contracts and could not get (not hoarding orders); 0 to 10",
    )
    release_when: Literal["shortage", "measure"] = Field(
        "shortage",
        description="release trigger: 'shortage' (whenever its buyers are short) or 'measure' (only while a foreign "
        "export ban, licensing or quota on the product to the country is in force, not suspended)",
    )
    refill_share: _ranged(0.0, 10.0) = Field(
        0.0,
        description="after the episode (nothing released, no foreign export measure on the product) the state buys the "
        "stockpile back to its starting level: at most this share of baseline daily purchases a day, from supply to "
        "spare, paid at its market price in its GDP-loss proxy; 0 (no refill) to 10",
    )


class Country(Strict):
    name: Text = ""
    gdp: _ranged(MIN_QUANTITY, 1e6) = Field(description="GDP, USD bn per year (the GDP-loss proxy is a share of it); 0.001 to 1e6")
    stockpiles: dict[Name, Stockpile] = Field(
        default_factory=dict, description="national stockpiles by product (pool products only)"
    )


class Product(Strict):
    tier: Literal["advanced", "mature", "dual_use", "civilian"]
    unit: Annotated[Text, Field(max_length=64)] = Field(description="physical unit of quantities, e.g. 't' or 'vehicle'")
    baseline_price: _ranged(1e-6, 1e12) = Field(description="USD per unit before any shock; 1e-6 to 1e12")
    elasticity: _ranged(0.01, 100.0) = Field(
        description="short-run price elasticity of demand (absolute value); 0.01 to 100 (prices move by 1/elasticity)"
    )
    final: bool = Field(
        False, description="final goods are sold by firms to markets; others trade through country pools"
    )
    spare_capacity: _ranged(0.0, 100.0) = Field(
        0.05, description="idle capacity of background producers, as a share of their baseline output; 0 to 100"
    )
    ramp_up_days: _days(0, 3650) = Field(
        180, description="delay between deciding to add capacity and the capacity producing; 0 to 3650"
    )
    downstream_multiplier: _ranged(0.0, 1000.0) = Field(
        1.0, description="USD of downstream output lost per USD of this input that unmodelled buyers miss; 0 to 1000"
    )
    price_adjustment: Share | None = Field(
        None, description="this product's price adjustment speed (default: economy.price_adjustment)"
    )
    value_added_ratio: Share | None = Field(
        None,
        description="value added as a share of output (input-output tables); firms making it buy the rest of their "
        "inputs in, so only this share of a lost sale is lost GDP. Default: revenue less the modelled inputs",
    )
    bought_in_domestic_share: dict[Name, Share] = Field(
        default_factory=dict,
        description="by country of the making plant: the share of the bought-in inputs (output less value_added_ratio "
        "and the modelled inputs) that is value added in that country (its parts and materials makers, input-output "
        "tables); it is lost with a unit not made there and counted in its GDP-loss proxy. Needs value_added_ratio; "
        "default 0 (the maker's own value added only)",
    )
    long_run_elasticity: _ranged(0.0, 10.0) = Field(
        0.0,
        description="price elasticity of buyers' intensity of use reached over economy.thrift_days (thrifting, "
        "substitution); the short-run response of firms is Leontief; 0 (none) to 10",
    )
    max_thrift: Share = Field(0.0, description="most of the baseline intensity of use that thrifting can shed (technical limit)")
    thrift_days: _ranged(1.0, float(MAX_DAYS)) | None = Field(
        None,
        description="days over which this product's buyers move their intensity of use to its long-run response to "
        "price (and back); default economy.thrift_days",
    )
    backstop_price_multiple: _ranged(1.0, 1e6) | None = Field(
        None,
        description="price (multiple of baseline) above which buyers switch to a substitute technology (e.g. rare-earth-"
        "free motors): use falls as (backstop / price)^economy.backstop_steepness; none by default",
    )
    substitution_days: _ranged(0.0, float(MAX_DAYS)) = Field(
        0.0,
        description="lead time of the substitute technology (backstop_price_multiple): buyers need this many days "
        "with the price above the backstop to qualify it (a redesign), then may switch to it over as many days "
        "again; 0 (default): available at once",
    )
    leakage_share: Share = Field(
        0.0,
        description="share of orders blocked by an export ban or licensing that reaches the target through third "
        "countries once the route is organised (economy.leakage_days), unless extraterritorial rules reach it",
    )


class TradeFlow(Strict):
    exporter: Name
    importer: Name
    product: Name
    volume: _zero_or(MIN_QUANTITY, MAX_QUANTITY) = Field(
        description="baseline flow in product units per year (domestic if exporter == importer); 0 or 0.001 to 1e13"
    )


class CapacityGrowth(Strict):
    """Capacity that a country's background producers can add when buyers cannot be served."""

    country: Name
    product: Name
    max_expansion: _ranged(0.0, 1000.0) = Field(
        0.0, description="most capacity that can be added against unmet demand, as a multiple of baseline output; 0 to 1000"
    )
    response: Share = Field(0.5, description="share of persistent unmet demand that is turned into new capacity orders")
    new_capacity: _zero_or(MIN_QUANTITY, MAX_QUANTITY) = Field(
        0.0,
        description="capacity (product units per year) that investors build once the local price has stayed high "
        "(price_trigger), even where the country made none at baseline (new mines, plants); 0 or 0.001 to 1e13. "
        "Recorded in the background_capacity series from day 0, as is any pool a government or firm builds in",
    )
    price_trigger: _ranged(1.0, 1e6) = Field(
        2.0,
        description="price multiple (smoothed over economy.investment_signal_days) at which new_capacity is ordered; "
        "it arrives after the product's ramp_up_days; 1 to 1e6",
    )
    capex_per_unit_year: _ranged(0.0, 1e12) = Field(
        0.0,
        description="investment cost, USD per product unit per year of new_capacity, paid by the country while it is "
        "built (its GDP-loss proxy); 0 to 1e12",
    )


class Economy(Strict):
    """Market and firm-behaviour parameters (each one an assumption unless a fact is referenced)."""

    price_adjustment: Share = Field(0.15, description="share of the gap to the market-clearing price closed per day")
    max_price_multiple: _ranged(None, 1e6, gt=1.0) = Field(
        1000.0, description="numerical guard rail on prices (multiple of baseline); no shipped scenario reaches it"
    )
    min_price_multiple: Annotated[float, Field(ge=1e-6, lt=1.0, allow_inf_nan=False)] = 0.2
    replenish_days: _ranged(1.0, 3650.0) = Field(20.0, description="days over which firms rebuild inventory to target; 1 to 3650")
    trust_loss: Share = Field(0.2, description="daily rate at which trust in a supplier falls to its fill rate")
    trust_recovery: Share = Field(0.005, description="daily rate at which trust recovers (slow: memory)")
    switching_days: _ranged(1.0, float(MAX_DAYS)) = Field(
        120.0, description="ramp-up delay: days to move a supplier mix to its target; 1 to 36500 (a step never overshoots)"
    )
    incumbent_pull: Share = Field(
        0.002,
        description="daily pull of the mix back to the incumbent mix, while that is cheaper by more than switching_cost",
    )
    switching_cost: Share = Field(
        0.1,
        description="share of the landed price a buyer gives up to switch back to its incumbent suppliers "
        "(re-qualification, contract terms): below it, a qualified new supplier is kept",
    )
    substitution_premium: _ranged(1.0, 1000.0) = Field(
        1.5, description="cost multiple of substituting a missing non-critical input; 1 to 1000"
    )
    supply_elasticity: _ranged(0.0, 100.0) = Field(
        1.0, description="producers offer (price/baseline)^e of capacity when their home price is below baseline; 0 to 100"
    )
    thrift_days: _ranged(1.0, float(MAX_DAYS)) = Field(
        365.0, description="days over which buyers' intensity of use moves to its long-run response to price (and back)"
    )
    backstop_steepness: _ranged(0.0, 100.0) = Field(
        2.0, description="elasticity of use above a product's backstop price (switching to the substitute); 0 to 100"
    )
    leakage_days: _ranged(1.0, float(MAX_DAYS)) = Field(
        60.0, description="days to organise re-export through third countries once a route is blocked (and to unwind it)"
    )
    leakage_premium: _ranged(0.0, 100.0) = Field(
        0.3,
        description="cost of routing through third countries, as a share of the exporter's price: leakage flows only "
        "while the target's price exceeds the exporter's by more than this; 0 to 100",
    )
    investment_signal_days: _ranged(1.0, float(MAX_DAYS)) = Field(
        90.0,
        description="days over which investors average the price before building new capacity (capacity_growth."
        "new_capacity): a sustained signal, not a spike; 1 to 36500",
    )
