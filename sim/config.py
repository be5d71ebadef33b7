"""Scenario files: typed models, loading with ``extends``, ``--set`` overrides and fact references.

A scenario is TOML. Loading goes: read file (and the chain of files it ``extends``, deep-merged,
later keys win) -> apply ``--set key.path=value`` overrides -> replace ``"@fact"`` references with
cited values from ``seeds/facts.toml`` -> validate into :class:`Scenario` -> check every name
referenced anywhere (countries, products, firms, rules). Any failure is one
:class:`~sim.errors.ScenarioError` naming the file, the key path and what was expected.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.errors import ScenarioError, format_path
from sim.facts import DEFAULT_FACTS_PATH, load_facts, resolve_fact_refs
from sim.files import MAX_TEXT_BYTES, FileProblem, read_text

SHARE_TOLERANCE = 1e-6
TIERS = ("advanced", "mature", "dual_use", "civilian")
MEASURE_KINDS = ("export_ban", "export_licensing", "export_quota", "tariff", "import_ban", "boycott")

Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

# Documented ranges. A scenario is data from anyone: every quantity has bounds wide enough for any
# real economy but narrow enough that the daily arithmetic (float64) cannot overflow, underflow to
# zero in a divisor or allocate more than a machine holds (e.g. a ramp-up pipeline of 1e12 days).
MAX_DAYS = 36_500  # a century: horizons, delays, clocks
MAX_QUANTITY = 1e13  # units per year (flows, outputs): ~1000x the largest real trade flow
MIN_QUANTITY = 1e-3


def _ranged(lo: float | None = None, hi: float | None = None, *, gt: float | None = None) -> Any:
    return Annotated[float, Field(ge=lo, le=hi, gt=gt, allow_inf_nan=False)]


def _zero_or(lo: float, hi: float) -> Any:
    """0 (none at all), or a quantity in [lo, hi]: a positive amount too small to divide by (1e-320
    underflows to zero in a daily flow) is a mistake, not a tiny amount."""

    def check(value: float) -> float:
        if value != 0 and not lo <= value <= hi:
            raise ValueError(f"expected 0 or a number from {lo:g} to {hi:g}")
        return value

    return Annotated[float, Field(allow_inf_nan=False), AfterValidator(check)]


def _days(lo: int = 0, hi: int = MAX_DAYS) -> Any:
    return Annotated[int, Field(ge=lo, le=hi)]


NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
NAME_RULE = "a name of 1-64 letters, digits, '_' or '-' (not starting with '-')"
MAX_TEXT = 10_000
RESERVED_COUNTRY = "all"  # a measure's target = "all" means every other country
MAX_REPLICATIONS = 1_000_000
MAX_SEED = 2**63 - 1  # numpy's SeedSequence takes any int; the manifest's readers take int64


def _check_name(value: str) -> str:
    if not NAME_RE.fullmatch(value):
        raise ValueError(f"expected {NAME_RULE}, got {_shown(value)}")
    return value


def _check_country_code(value: str) -> str:
    _check_name(value)
    if value == RESERVED_COUNTRY:
        raise ValueError(f"{RESERVED_COUNTRY!r} is reserved (a measure's target = 'all' means every other country)")
    return value


def _check_text(value: str) -> str:
    """Free text (descriptions, display names): bounded, printable (newlines, CR and tabs allowed)."""
    if len(value) > MAX_TEXT:
        raise ValueError(f"expected at most {MAX_TEXT} characters, got {len(value)}")
    bad = next((ch for ch in value if (ord(ch) < 32 and ch not in "\n\r\t") or 0x7F <= ord(ch) < 0xA0), None)
    if bad is not None:
        raise ValueError(f"expected printable text, found control character {bad!r}")
    return value


def _shown(value: str, limit: int = 40) -> str:
    """repr of a (possibly huge or unprintable) user string, cut for one-line messages."""
    return repr(value) if len(value) <= limit else f"{value[:limit]!r}... ({len(value)} characters)"


_NAME_SCHEMA = {"type": "string", "pattern": f"^{NAME_RE.pattern}$", "description": NAME_RULE}
Name = Annotated[str, AfterValidator(_check_name), WithJsonSchema(_NAME_SCHEMA)]
CountryCode = Annotated[
    str, AfterValidator(_check_country_code), WithJsonSchema({**_NAME_SCHEMA, "not": {"const": RESERVED_COUNTRY}})
]
Text = Annotated[str, AfterValidator(_check_text)]


class Strict(BaseModel):
    """Unknown keys are errors; numbers must be finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RuleSpec(BaseModel):
    """A policy rule chosen by name from the rule library, with its parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: Name
    params: dict[str, Any] = Field(default_factory=dict)


def _check_sums_to_one(shares: Mapping[str, float] | None, what: str) -> None:
    if shares is not None and shares and abs(sum(shares.values()) - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {sum(shares.values()):.6g})")


# --------------------------------------------------------------------------- world


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


class Input(Strict):
    per_unit: _zero_or(1e-9, 1e9) = Field(description="input units per unit of the firm's output; 0 or 1e-9 to 1e9")
    critical: bool = Field(True, description="no short-run substitute: output is limited by it (Leontief)")
    days_of_cover: _ranged(0.0, 3650.0) = Field(30.0, description="starting and target inventory, in days of baseline use; 0 to 3650")
    suppliers: dict[Name, Share] | None = Field(
        None, description="share of the input bought from each country; default: the home country's import pattern"
    )

    @field_validator("suppliers")
    @classmethod
    def _suppliers_sum(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        _check_sums_to_one(value, "supplier shares")
        return value


class Firm(Strict):
    country: Name
    product: Name
    baseline_output: _ranged(MIN_QUANTITY, MAX_QUANTITY) = Field(description="product units per year; 0.001 to 1e13")
    capacity: _ranged(1.0, 1000.0) = Field(1.05, description="capacity as a multiple of baseline output; 1 to 1000")
    inputs: dict[Name, Input] = Field(default_factory=dict)
    sales: dict[Name, Share] | None = Field(
        None, description="final goods only: share of sales by destination market"
    )
    margin: _ranged(1e-6, 1.0) = Field(0.08, description="baseline profit as a share of revenue; 1e-6 to 1 (losses are shares of it)")
    fixed_cost_share: Share = Field(0.4, description="share of non-input costs that do not scale with output")
    influence: Share = Field(
        0.5,
        description="political weight of the firm's lost profit at home: each USD of it counts as this many USD of "
        "GDP lost (organised losers are heard beyond their share of GDP; an assumption per firm)",
    )
    plants: dict[Name, Share] | None = Field(
        None,
        description="share of output made in each country (sums to 1): where the firm's value added, and so its "
        "GDP loss, is counted. Default: all in `country`",
    )
    description: Text = ""
    rules: list[RuleSpec] = Field(
        default_factory=list, description="the firm's decision rules (e.g. lobby, diversify); lobbying is on by default"
    )
    decision_interval_days: _days(1) = Field(7, description="the firm's decision clock")
    precautionary_cover: _ranged(1.0, 20.0) = Field(
        1.0,
        description="precautionary buying: while a foreign measure (even a suspended one) threatens one of its "
        "critical inputs, the firm targets this multiple of its usual days of cover; 1 (none) to 20",
    )

    @field_validator("sales")
    @classmethod
    def _sales_sum(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        _check_sums_to_one(value, "sales shares")
        return value

    @field_validator("plants")
    @classmethod
    def _plants_sum(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        _check_sums_to_one(value, "plant shares")
        return value


# --------------------------------------------------------------------------- measures


class MeasureTemplate(Strict):
    """A trade measure without its actor and target: what a policy rule may put in force (a rung of
    an escalation ladder, a retaliation tool), filled in by :meth:`spec`."""

    measure: Literal["export_ban", "export_licensing", "export_quota", "tariff", "import_ban", "boycott"]
    products: list[Name] = Field(default_factory=list)
    tiers: list[Literal["advanced", "mature", "dual_use", "civilian"]] = Field(default_factory=list)
    enforcement: Share = Field(1.0, description="0 = on paper only, 1 = fully enforced")
    review_delay_days: _days() = Field(0, description="licensing: days before first approvals")
    approval_rate: Share = Field(1.0, description="licensing: share of applications approved")
    approval_by_tier: dict[Literal["advanced", "mature", "dual_use", "civilian"], Share] = Field(
        default_factory=dict,
        description="licensing: approval rate by grade (product tier), overriding approval_rate for that tier",
    )
    backlog_days: _days() = Field(
        0, description="licensing: days to work through the backlog of applications once reviews begin (0 = at once)"
    )
    general_licence_share: Share = Field(
        0.0, description="licensing: share of the trade exempt under general (bulk) licences"
    )
    approval_by_buyer: dict[Name, Share] = Field(
        default_factory=dict,
        exclude_if=lambda v: not v,  # left out of the resolved scenario (and its digest) unless used
        description="licensing: approval rate by buyer, a modelled firm's name to the share of its applications "
        "approved (e.g. { toyota = 1, sony = 0 }: licences granted to named firms and not others); buyers not "
        "listed, and unmodelled (background) buyers, get approval_rate (or approval_by_tier)",
    )
    suspended: bool = Field(False, description="announced but not applied (in force on paper, no effect on trade)")
    destinations: Literal["target", "all"] | Annotated[list[Name], Field(min_length=1, max_length=1000)] = Field(
        "target",
        exclude_if=lambda v: v == "target",  # left out of the resolved scenario (and its digest) unless used
        description="measure templates in rules: whom the measure is aimed at — 'target' (the rule's target), 'all' "
        "(every other country: a global regime) or a list of countries (the rule's target and these, e.g. "
        "['KR', 'TW'])",
    )
    quota_share: Share = Field(1.0, description="quota: allowed exports as a share of baseline exports to the target")
    extraterritorial: Share = Field(
        0.0, description="export measures: share of re-exports through third countries the actor's rules reach (no leakage at 1)"
    )
    rate: _ranged(0.0, 100.0) = Field(0.0, description="tariff / anti-dumping duty, ad valorem (0.25 = 25%); 0 to 100")
    label: Annotated[str, AfterValidator(lambda v: v and _check_name(v))] = Field(
        "", description="short name in escalation paths, e.g. 'ree_licensing' (default: '<measure>_<first product or tier>')"
    )

    @model_validator(mode="after")
    def _needs_scope(self) -> Self:
        if not self.products and not self.tiers:
            raise ValueError("a measure needs 'products' or 'tiers' (or both)")
        if self.measure == "tariff" and self.rate <= 0:
            raise ValueError("a tariff needs a positive 'rate'")
        licensing_only = ("approval_by_tier", "approval_by_buyer", "backlog_days", "general_licence_share")
        used = [k for k in licensing_only if getattr(self, k)]
        if self.measure != "export_licensing" and used:
            raise ValueError(f"{', '.join(used)}: only for measure = 'export_licensing', not {self.measure!r}")
        if isinstance(self.destinations, list):
            if RESERVED_COUNTRY in self.destinations:
                raise ValueError(f"destinations: {RESERVED_COUNTRY!r} stands alone (destinations = 'all'), not inside a list")
            seen = [c for i, c in enumerate(self.destinations) if c in self.destinations[:i]]
            if seen:
                raise ValueError(f"destinations: country {seen[0]!r} listed twice")
        return self

    def aimed_at(self, actor: str, target: str | list[str]) -> str | list[str]:
        """The concrete target of this template put in force by ``actor`` against the rule's
        ``target`` (a country, a list or 'all'): widened by :attr:`destinations`."""
        if self.destinations == RESERVED_COUNTRY or target == RESERVED_COUNTRY:
            return RESERVED_COUNTRY
        named = [target] if isinstance(target, str) else list(target)
        if isinstance(self.destinations, list):
            named += [c for c in self.destinations if c not in named and c != actor]
        return named[0] if len(named) == 1 else named

    def reach(self, actor: str, target: str | list[str], countries: Iterable[str]) -> list[str]:
        """The countries (of ``countries``) the measure reaches once aimed (:meth:`aimed_at`)."""
        aimed = self.aimed_at(actor, target)
        if aimed == RESERVED_COUNTRY:
            return [c for c in countries if c != actor]
        return [aimed] if isinstance(aimed, str) else list(aimed)

    @property
    def name(self) -> str:
        """The label, or ``<measure>_<first product or tier>`` without one."""
        if self.label:
            return self.label
        return f"{self.measure}_{(self.products or self.tiers)[0]}"

    def spec(self, actor: str, target: str | list[str], **changes: Any) -> MeasureSpec:
        """The concrete measure ``actor`` imposes on ``target`` (a country, a list of countries or
        'all'; ``changes`` override fields)."""
        data = {**self.model_dump(), "label": self.name, **changes}
        aimed = self.aimed_at(actor, target)
        data["destinations"] = "target"  # resolved into the spec's target
        return MeasureSpec(actor=actor, target=aimed, **data)


class MeasureSpec(MeasureTemplate):
    """One trade measure. ``actor`` imposes it; for export measures ``target`` is the importing
    country, for import measures (tariff, import_ban, boycott) it is the exporting country."""

    actor: Name
    target: Name | Annotated[list[Name], Field(max_length=1000)] = Field(
        "all",
        description="a country code, a list of country codes (several destinations) or 'all' (every other country)",
    )

    @model_validator(mode="after")
    def _no_destinations(self) -> Self:
        if self.destinations != "target":
            raise ValueError("destinations: only for measure templates in rules; a measure in force names its countries in 'target'")
        return self

    @field_validator("target")
    @classmethod
    def _target_list(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            if not value:
                raise ValueError("expected at least one country in the list (or 'all')")
            if RESERVED_COUNTRY in value:
                raise ValueError(f"{RESERVED_COUNTRY!r} stands alone (target = 'all'), not inside a list")
            seen = [c for i, c in enumerate(value) if c in value[:i]]
            if seen:
                raise ValueError(f"country {seen[0]!r} listed twice")
        return value

    @property
    def target_names(self) -> tuple[str, ...]:
        """The target countries as named (``("all",)`` for every other country)."""
        return tuple(self.target) if isinstance(self.target, list) else (self.target,)

    @property
    def target_label(self) -> str:
        """The target as events and explanations show it: 'all', 'JPN' or 'JPN,KOR'."""
        return ",".join(self.target_names)

    def targets(self, country: str) -> bool:
        """Whether the measure reaches ``country`` (named in its target, or target = 'all')."""
        return self.target == RESERVED_COUNTRY or country in self.target_names


class ScheduledMeasure(MeasureSpec):
    day: _days()
    until_day: _days(1) | None = Field(None, description="lifted on this day (exclusive)")
    suspended_from_day: _days(1) | None = Field(
        None, description="from this day the measure stays announced but is not applied (a suspension)"
    )
    suspended_until_day: _days(1) | None = Field(None, description="the suspension ends on this day (exclusive)")

    @model_validator(mode="after")
    def _until_after_day(self) -> ScheduledMeasure:
        if self.until_day is not None and self.until_day <= self.day:
            raise ValueError(f"until_day ({self.until_day}) must be after day ({self.day})")
        start, end = self.suspended_from_day, self.suspended_until_day
        if end is not None and start is None and not self.suspended:
            raise ValueError("suspended_until_day needs suspended_from_day (or suspended = true from the start)")
        if end is not None and end <= self.day:
            raise ValueError(f"suspended_until_day ({end}) must be after day ({self.day})")
        if start is not None and start <= self.day:
            raise ValueError(f"suspended_from_day ({start}) must be after day ({self.day})")
        if start is not None and end is not None and end <= start:
            raise ValueError(f"suspended_until_day ({end}) must be after suspended_from_day ({start})")
        return self


# --------------------------------------------------------------------------- agents and clocks


class Government(Strict):
    decision_interval_days: _days(1) = Field(7, description="the slower policy clock")
    temperature: _ranged(0.0, 1e6) = Field(0.0, description="logit noise over admissible actions, in % of its GDP (its tastes, drawn once per episode, are Gumbel draws times this; 0 = deterministic); 0 to 1e6")
    perception_noise: _ranged(0.0, 5.0) = Field(
        0.0, description="log-normal noise (sd of the log) on its estimates of other countries' pain; 0 to 5"
    )
    first_decision_day: _days() = Field(
        0, description="the decision clock ticks on this day and every decision_interval_days after it"
    )
    rules: list[RuleSpec] = Field(default_factory=lambda: [RuleSpec(rule="schedule")])
    resolve_prior: list[Share] = Field(
        # agents/strategy.py's DEFAULT_PRIOR, calibrated by scripts/calibrate_ties.py (docs/calibration_ties.md)
        default_factory=lambda: [0.3, 0.4, 0.3],
        min_length=3,
        max_length=3,
        description="its prior over each other government's resolve type (soft, firm, resolute; sums to 1)",
    )
    hold_days_scale: _ranged(0.1, 10.0) = Field(
        1.0, description="factor on each resolve type's hold days (agents/strategy.py's TYPE_HOLD_DAYS: 60, 180, "
        "720) in its beliefs about the others: how long it expects a type to keep up a confrontation; 0.1 to 10",
    )
    tolerance_scale: _ranged(0.1, 10.0) = Field(
        1.0, description="factor on each resolve type's cost tolerance (TYPE_TOLERANCE_PCT: 0.1, 0.5, 2 % of GDP a "
        "year, the cost rate that halves its hold days) in its beliefs about the others; 0.1 to 10",
    )
    resolve_type: Literal["soft", "firm", "resolute"] | None = Field(
        None,
        description="its own resolve type; default: drawn once per replication from the other governments' "
        "average prior about it (a common prior)",
    )
    leadership_changes: list[_days()] = Field(
        default_factory=list, description="days of scheduled changes of government (e.g. elections)"
    )
    leadership_change_per_year: _ranged(0.0, 365.0) = Field(
        0.0, description="rate of unscheduled changes of government per year (a random event); 0 to 365"
    )
    decide_on_news: bool = Field(
        True, description="also decide the day news arrives (a move concerning it, a window opening, a deadline)"
    )

    @field_validator("resolve_prior")
    @classmethod
    def _prior_sum(cls, value: list[float]) -> list[float]:
        if abs(sum(value) - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1 (they sum to {sum(value):.6g})")
        return value


class CalendarWindow(Strict):
    """A scheduled meeting (e.g. an APEC leaders' meeting) that summit rules can use as an off-ramp."""

    name: Annotated[Text, Field(min_length=1, max_length=200)]
    start_day: _days()
    end_day: _days()
    parties: list[Name] = Field(default_factory=list, description="countries attending (empty = all)")

    @model_validator(mode="after")
    def _ordered(self) -> CalendarWindow:
        if self.end_day < self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must not be before start_day ({self.start_day})")
        return self


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


class Outcome(Strict):
    coercer: Name | None = Field(None, description="the coercing country, for outcome classes")
    target: Name | None = Field(None, description="the coerced country")

    @model_validator(mode="after")
    def _two_sides(self) -> Outcome:
        if self.coercer is not None and self.coercer == self.target:
            raise ValueError(f"the coercer and the target must differ (both {self.coercer!r})")
        return self


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    name: Name = Field(description=f"{NAME_RULE}; names the default output folder runs/<name>/")
    description: Text = ""
    horizon_days: _days(1)
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 1
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    countries: dict[CountryCode, Country]
    products: dict[Name, Product]
    trade: list[TradeFlow] = Field(default_factory=list)
    capacity_growth: list[CapacityGrowth] = Field(default_factory=list)
    firms: dict[Name, Firm] = Field(default_factory=dict)
    governments: dict[Name, Government] = Field(default_factory=dict)
    schedule: list[ScheduledMeasure] = Field(default_factory=list)
    calendar: list[CalendarWindow] = Field(default_factory=list)
    economy: Economy = Field(default_factory=Economy)
    outcome: Outcome = Field(default_factory=Outcome)
    facts_used: list[str] = Field(default_factory=list, description="filled by the loader")

    def digest(self) -> str:
        """Stable hash of the resolved scenario (what the manifest records)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


# --------------------------------------------------------------------------- reference checks


def check_references(sc: Scenario, file: str | Path, rule_params: Callable[[str], type[BaseModel] | None] | None = None) -> None:
    """Every country, product, firm and rule name must exist; raise with the key path if not."""

    def need(name: str, known: Mapping[str, Any] | list[str], path: str, what: str) -> None:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScenarioError(file, path, f"unknown {what} {_shown(name)}{hint} (known: {', '.join(known)})")

    countries, products = sc.countries, sc.products
    if len(countries) < 2:
        raise ScenarioError(file, "countries", "expected at least two countries")
    for i, flow in enumerate(sc.trade):
        need(flow.exporter, countries, f"trade[{i}].exporter", "country")
        need(flow.importer, countries, f"trade[{i}].importer", "country")
        need(flow.product, products, f"trade[{i}].product", "product")
        if products[flow.product].final:
            raise ScenarioError(file, f"trade[{i}].product", f"{flow.product!r} is a final good: its sales are set per firm under firms.<name>.sales, not in trade")
    for cname, country in countries.items():
        for pname in country.stockpiles:
            need(pname, products, f"countries.{cname}.stockpiles.{pname}", "product")
            if products[pname].final:
                raise ScenarioError(file, f"countries.{cname}.stockpiles.{pname}", "a final good cannot be stockpiled (pool products only)")
    for i, growth in enumerate(sc.capacity_growth):
        need(growth.country, countries, f"capacity_growth[{i}].country", "country")
        need(growth.product, products, f"capacity_growth[{i}].product", "product")
    for fname, firm in sc.firms.items():
        base = f"firms.{fname}"
        need(firm.country, countries, f"{base}.country", "country")
        need(firm.product, products, f"{base}.product", "product")
        for pname, inp in firm.inputs.items():
            need(pname, products, f"{base}.inputs.{pname}", "product")
            if products[pname].final:
                raise ScenarioError(file, f"{base}.inputs.{pname}", "a final good cannot be an input")
            for cname in inp.suppliers or {}:
                need(cname, countries, f"{base}.inputs.{pname}.suppliers.{cname}", "country")
        if products[firm.product].final:
            if not firm.sales:
                raise ScenarioError(file, f"{base}.sales", "a firm making a final good needs sales shares by market")
            for cname in firm.sales:
                need(cname, countries, f"{base}.sales.{cname}", "country")
        elif firm.sales:
            raise ScenarioError(file, f"{base}.sales", "only firms making final goods take sales shares; intermediate goods sell through trade flows")
    known_names: dict[str, Mapping[str, Any] | list[str]] = {
        "country": countries,
        "product": products,
        "firm": sc.firms,
        "calendar": [w.name for w in sc.calendar],
    }

    def check_rules(specs: list[RuleSpec], base: str, actor: str) -> None:
        for j, spec in enumerate(specs):
            path = f"{base}.rules[{j}]"
            if rule_params is None:
                continue
            try:
                params_model = rule_params(spec.rule)
            except KeyError as exc:
                raise ScenarioError(file, f"{path}.rule", str(exc.args[0])) from None
            if params_model is None:
                continue
            try:
                params = params_model.model_validate(spec.params, strict=True)
            except ValidationError as exc:
                raise _from_validation(exc, file, prefix=(*path_to_tuple(path), "params"), root=params_model) from None
            # Names inside a rule's parameters (countries, products, ...) must exist too.
            references = getattr(params, "references", None)
            for subpath, kind, name in references() if references else ():
                need(name, known_names[kind], f"{path}.params.{subpath}", kind)
                if kind == "country" and name == actor:
                    raise ScenarioError(file, f"{path}.params.{subpath}", f"expected another country than the rule's own ({actor!r})")

    for cname, gov in sc.governments.items():
        need(cname, countries, f"governments.{cname}", "country")
        check_rules(gov.rules, f"governments.{cname}", cname)
    for fname, firm in sc.firms.items():
        check_rules(firm.rules, f"firms.{fname}", firm.country)
    for i, window in enumerate(sc.calendar):
        for j, cname in enumerate(window.parties):
            need(cname, countries, f"calendar[{i}].parties[{j}]", "country")
    for i, item in enumerate(sc.schedule):
        base = f"schedule[{i}]"
        need(item.actor, countries, f"{base}.actor", "country")
        if item.target != RESERVED_COUNTRY:
            listed = isinstance(item.target, list)
            for j, cname in enumerate(item.target_names):
                where = f"{base}.target[{j}]" if listed else f"{base}.target"
                need(cname, countries, where, "country")
                if cname == item.actor:
                    raise ScenarioError(file, where, "a measure cannot target its own actor")
        for j, pname in enumerate(item.products):
            need(pname, products, f"{base}.products[{j}]", "product")
        for fname in item.approval_by_buyer:
            need(fname, sc.firms, f"{base}.approval_by_buyer.{fname}", "firm")
        if item.day >= sc.horizon_days:
            raise ScenarioError(file, f"{base}.day", f"expected a day before horizon_days ({sc.horizon_days})")
    for key in ("coercer", "target"):
        value = getattr(sc.outcome, key)
        if value is not None:
            need(value, countries, f"outcome.{key}", "country")


def path_to_tuple(path: str) -> tuple:
    out: list[Any] = []
    for part in path.replace("]", "").split("."):
        name, *idx = part.split("[")
        out.append(name)
        out.extend(int(i) for i in idx)
    return tuple(out)


# --------------------------------------------------------------------------- loading


MAX_FILE_BYTES = MAX_TEXT_BYTES  # a scenario is a few kB; this refuses /dev/zero-like inputs early
MAX_NESTING = 32  # tables and lists inside each other (real scenarios use < 10)
MAX_EXTENDS_DEPTH = 32  # files in one extends chain
MAX_EXTENDS_FILES = 256  # distinct files one scenario may pull in
INT_LIMIT = 2**63 - 1  # what numpy's int64 (and the manifest's readers) hold


def read_text_file(path: Path, key_path: str = "") -> str:
    """A small regular UTF-8 file (see :mod:`sim.files`), or a :class:`ScenarioError`."""
    try:
        return read_text(path, MAX_FILE_BYTES, "a TOML file")
    except FileProblem as exc:
        raise ScenarioError(path, key_path, exc.reason) from None


def parse_toml(text: str, file: str | Path, key_path: str = "") -> dict[str, Any]:
    """``tomllib.loads`` with its non-syntax failures (deep nesting, integers beyond Python's digit
    limit) turned into one message, and the nesting depth checked."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(file, key_path, f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError(file, key_path, f"nested too deeply (at most {MAX_NESTING} levels)") from None
    except (ValueError, MemoryError) as exc:  # e.g. an integer of 5000 digits
        why = "an integer with thousands of digits" if "digits" in str(exc) else _one_line(exc)[:120]
        raise ScenarioError(file, key_path, f"cannot parse a value ({why}; integers must fit in 64 bits)") from None
    check_nesting(data, file)
    return data


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def check_nesting(raw: Any, file: str | Path) -> None:
    """Refuse trees nested deeper than :data:`MAX_NESTING` (iteratively, so that a tree 5000
    levels deep is refused rather than crashing a recursive walk) and integers beyond int64."""
    stack: list[tuple[Any, tuple]] = [(raw, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_NESTING:
            raise ScenarioError(file, format_path(path[:4]) + "...", f"nested too deeply (at most {MAX_NESTING} levels)")
        if isinstance(node, dict):
            for key in node:
                _check_string(key, file, path)
            stack.extend((v, (*path, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))
        elif isinstance(node, str):
            _check_string(node, file, path)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > INT_LIMIT:
            raise ScenarioError(file, format_path(path), f"integer out of range (at most {INT_LIMIT} in absolute value)")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, newline and CR are text; the rest is not


def _check_string(text: str, file: str | Path, path: tuple) -> None:
    """Any key or string value: bounded and free of control characters (they end up in file
    names, tables and one-line messages)."""
    if len(text) > MAX_TEXT:
        raise ScenarioError(file, format_path(path), f"text too long ({len(text)} characters; at most {MAX_TEXT})")
    bad = _CONTROL.search(text)
    if bad:
        raise ScenarioError(file, format_path(path), f"control character {bad.group()!r} in {_shown(text)}")


def _read_toml(path: Path, key_path: str = "") -> dict[str, Any]:
    text = read_text_file(path, key_path)
    if not text.strip():
        raise ScenarioError(path, "", "the file is empty; expected a TOML scenario")
    return parse_toml(text, path)


APPEND_SUFFIX = "+"


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the base value, except
    under a key written with a trailing ``+`` (``"rules+" = [...]``), whose list is appended to the
    base's list (e.g. a variant adding one rule to a government)."""
    out = copy.deepcopy(base)
    _merge_into(out, override)
    return out


def _merge_into(out: dict[str, Any], override: Mapping[str, Any]) -> None:
    """:func:`deep_merge` on a private copy ``out`` (copied once, not once per nesting level)."""
    for key, value in override.items():
        if key.endswith(APPEND_SUFFIX) and isinstance(value, list):
            name = key[: -len(APPEND_SUFFIX)]
            existing = out.get(name, [])
            out[name] = (existing if isinstance(existing, list) else [existing]) + copy.deepcopy(value)
        elif isinstance(value, Mapping):
            target = out.get(key)
            if not isinstance(target, dict):
                target = out[key] = {}
            _merge_into(target, value)
        else:
            out[key] = copy.deepcopy(value)


def read_with_extends(path: str | Path) -> dict[str, Any]:
    """Read a scenario and the files it extends (relative to itself), deep-merged.

    Each file is read and merged once (an extends diamond costs one read per file, not one per
    path through it); chains deeper than :data:`MAX_EXTENDS_DEPTH` files, more than
    :data:`MAX_EXTENDS_FILES` files, cycles and missing bases are refused."""
    merged: dict[Path, dict[str, Any]] = {}

    def load(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, NUL bytes
            raise ScenarioError(path, "", f"cannot resolve path ({_one_line(exc)[:80]})") from None
        if resolved in chain:
            cycle = " -> ".join(str(p.name) for p in (*chain, resolved))
            raise ScenarioError(path, "extends", f"cycle in extends: {cycle}")
        if resolved in merged:
            return merged[resolved]
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise ScenarioError(path, "extends", f"extends chain too long (at most {MAX_EXTENDS_DEPTH} files)")
        if len(merged) >= MAX_EXTENDS_FILES:
            raise ScenarioError(path, "extends", f"extends pulls in too many files (at most {MAX_EXTENDS_FILES})")
        raw = _read_toml(path)
        parent = raw.pop("extends", None)
        parents = [] if parent is None else [parent] if isinstance(parent, str) else parent
        if not isinstance(parents, list) or not all(isinstance(p, str) and p for p in parents):
            raise ScenarioError(path, "extends", "expected a file name or a list of file names")
        result: dict[str, Any] = {}
        for k, name in enumerate(parents):
            if "\0" in name:
                raise ScenarioError(path, "extends", "expected a file name (found a NUL character)")
            parent_path = path.parent / name
            try:
                os.lstat(parent_path)
            except FileNotFoundError:
                raise ScenarioError(path, "extends", f"extended file {str(parent_path)!r} not found") from None
            except OSError as exc:  # a name too long, a file in the way: say so, naming the base
                raise ScenarioError(path, "extends", f"cannot open {_shown(str(parent_path), 80)} ({exc.strerror})") from None
            base = load(parent_path, (*chain, resolved))
            # The first base needs no merge (deep_merge below copies it); later ones merge in order.
            result = base if k == 0 else deep_merge(result, base)
        merged[resolved] = deep_merge(result, raw)  # also resolves "key+" appends against nothing
        return merged[resolved]

    return load(Path(path), ())


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b[2].c=value`` -> (path parts, value); the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ScenarioError("--set", text, "expected key.path=value")
    key, _, value_text = text.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError("--set", text, "expected key.path=value")
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError("--set", key[:40], f"argument too long (at most {MAX_FILE_BYTES} characters)")
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    except (RecursionError, ValueError, MemoryError):
        raise ScenarioError("--set", key[:40], "cannot parse the value (nested too deeply or a number too long)") from None
    check_nesting(value, f"--set {key[:40]}")
    return key.split("."), value


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    for text in overrides:
        parts, value = parse_override(text)
        node: Any = out
        for i, part in enumerate(parts):
            name, *indices = part.replace("]", "").split("[")
            last = i == len(parts) - 1
            steps: list[Any] = [name] + [int(x) for x in indices if x.isdigit()]
            for j, step in enumerate(steps):
                final = last and j == len(steps) - 1
                if isinstance(step, int):
                    if not isinstance(node, list) or step >= len(node):
                        raise ScenarioError("--set", ".".join(parts[: i + 1]), "index out of range")
                    if final:
                        node[step] = value
                    else:
                        node = node[step]
                else:
                    if not isinstance(node, dict):
                        raise ScenarioError("--set", ".".join(parts[: i + 1]), "not a table")
                    if final:
                        node[step] = value
                    else:
                        node = node.setdefault(step, {})
    return out


def _allowed_keys(root: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model that ``loc`` (minus its last element) points into."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)  # type: ignore[arg-type]
            if field is None:
                return []
            model = field.annotation
            continue
        origin = typing.get_origin(model)
        args = typing.get_args(model)
        if origin in (typing.Union, types.UnionType):
            model = next((a for a in args if a is not type(None)), None)
            origin, args = typing.get_origin(model), typing.get_args(model)
        if origin is dict and args:
            model = args[1]
        elif origin is list and args:
            model = args[0]
        else:
            return []
        if typing.get_origin(model) is Annotated:
            model = typing.get_args(model)[0]
    origin = typing.get_origin(model)
    if origin in (typing.Union, types.UnionType):
        model = next((a for a in typing.get_args(model) if a is not type(None)), None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _from_validation(exc: ValidationError, file: str | Path, prefix: tuple = (), root: type[BaseModel] = Scenario) -> ScenarioError:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    # Drop pydantic's internal tags (e.g. 'function-after[...]') from the location.
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = [k for k in _allowed_keys(root, loc) if k != "facts_used"]
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        expected = f"unknown key; {hint}allowed keys: {', '.join(allowed)}" if allowed else "unknown key"
    elif kind == "missing":
        expected = "missing required key"
    elif kind == "finite_number":
        expected = "expected a finite number (not nan or inf)"
    else:
        msg = err["msg"]
        msg = msg.removeprefix("Value error, ")
        given = err.get("input")
        text = _shown(given) if isinstance(given, str) else repr(given)[:60]
        shown = "" if isinstance(given, dict | list) or given is None or "got " in msg else f" (got {text})"
        expected = f"{msg}{shown}"
    return ScenarioError(file, format_path((*prefix, *loc)), expected)


def scenario_from_raw(
    raw: dict[str, Any],
    file: str | Path = "<scenario>",
    facts_path: str | Path = DEFAULT_FACTS_PATH,
    rule_params: Callable[[str], type[BaseModel] | None] | None = None,
) -> Scenario:
    """Resolve fact references, validate and check names. Used by :func:`load_scenario` and sweeps."""
    if not isinstance(raw, dict):
        raise ScenarioError(file, "", "expected a TOML table")
    used: set[str] = set()
    needs_facts = "@" in json.dumps(raw, default=str)
    if needs_facts:
        raw = resolve_fact_refs(raw, load_facts(facts_path), file, used)
    raw = dict(raw)
    raw.pop("facts_used", None)
    _reject_nonfinite(raw, file)
    try:
        # strict: a scenario is data from anyone; `true` or "5" where a number is expected is a mistake
        scenario = Scenario.model_validate({**raw, "facts_used": sorted(used)}, strict=True)
    except ValidationError as exc:
        raise _from_validation(exc, file) from None
    check_references(scenario, file, rule_params)
    return scenario


def _reject_nonfinite(raw: Any, file: str | Path, path: tuple = ()) -> None:
    """TOML allows nan and inf; no scenario quantity may be either."""
    if isinstance(raw, dict):
        for k, v in raw.items():
            _reject_nonfinite(v, file, (*path, k))
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            _reject_nonfinite(v, file, (*path, i))
    elif isinstance(raw, float) and not math.isfinite(raw):
        raise ScenarioError(file, format_path(path), f"expected a finite number, got {raw}")


def load_raw(path: str | Path, overrides: list[str] | None = None) -> dict[str, Any]:
    raw = apply_overrides(read_with_extends(path), overrides or [])
    check_nesting(raw, path)  # overrides can add depth (a.b.c... creates tables)
    return raw


def load_scenario(
    path: str | Path,
    overrides: list[str] | None = None,
    facts_path: str | Path = DEFAULT_FACTS_PATH,
    rule_params: Callable[[str], type[BaseModel] | None] | None = None,
) -> Scenario:
    """Load, merge, override, resolve facts, validate. Raises :class:`ScenarioError` only."""
    return scenario_from_raw(load_raw(path, overrides), path, facts_path, rule_params)


def json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema.get("properties", {}).pop("facts_used", None)
    schema["properties"]["extends"] = {
        "description": "file name (or list) this scenario extends; tables deep-merge, other values replace",
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    }
    return schema
