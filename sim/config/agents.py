"""Firms (their inputs, sales and plants) and governments (clocks, beliefs, leadership changes),
and the policy rules either chooses from the rule library by name."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sim.config.limits import (
    MAX_QUANTITY,
    MIN_QUANTITY,
    Name,
    Share,
    Strict,
    Text,
    _check_sums_to_one,
    _days,
    _ranged,
    _zero_or,
)


class RuleSpec(BaseModel):
    """A policy rule chosen by name from the rule library, with its parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: Name
    params: dict[str, Any] = Field(default_factory=dict)


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

    @field_validator("sales", "plants")
    @classmethod
    def _shares_sum(cls, value: dict[str, float] | None, info: ValidationInfo) -> dict[str, float] | None:
        _check_sums_to_one(value, {"sales": "sales shares", "plants": "plant shares"}[info.field_name])
        return value


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
    type_weight_spread: _ranged(0.0, 5.0) = Field(
        1.0, description="how far apart the resolve types weigh their stakes, audience and reputation costs: the "
        "soft, firm and resolute types weigh them 2^-s, 1 and 2^s (default 1: 0.5, 1, 2, agents/strategy.py's "
        "TYPE_WEIGHT); an assumption, swept in docs/decision_sensitivity.md; 0 (one type) to 5",
    )
    evidence_weight: _ranged(0.0, 5.0) = Field(
        1.0, description="how strongly it reads the others' moves as evidence of their resolve type: the "
        "likelihoods of a move under each type (agents/strategy.py's ESCALATE_LIKELIHOOD, "
        "COSTLY_ESCALATE_LIKELIHOOD, YIELD_LIKELIHOOD) raised to this power in Bayes' rule (0: moves teach it "
        "nothing; 1: the stated tables; 2: a move counts as two); an assumption, swept in "
        "docs/decision_sensitivity.md; 0 to 5",
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
