"""The scenario as a whole: its top-level keys, calendar of meetings and outcome sides, and its
digest (what the manifest records)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from pydantic import Field, model_validator

from sim.config.agents import Firm, Government
from sim.config.limits import (
    MAX_REPLICATIONS,
    MAX_SEED,
    NAME_RULE,
    CountryCode,
    Name,
    Strict,
    Text,
    _days,
)
from sim.config.markets import CapacityGrowth, Country, Economy, Product, TradeFlow
from sim.config.measures import ScheduledMeasure


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
