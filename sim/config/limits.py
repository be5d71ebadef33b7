"""Documented ranges, name and text rules, and the field types and base model every scenario model
is built from. A scenario is data from anyone: each check here gives one clear message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

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


def _check_sums_to_one(shares: Mapping[str, float] | None, what: str) -> None:
    if shares is not None and shares and abs(sum(shares.values()) - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {sum(shares.values()):.6g})")
