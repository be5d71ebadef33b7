"""Loading a scenario: raw tree (extends, overrides) -> ``"@fact"`` references resolved -> strict
validation into :class:`Scenario` -> reference checks. Raises :class:`ScenarioError` only."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.config.merging import apply_overrides, read_with_extends
from sim.config.references import check_references
from sim.config.scenario import Scenario
from sim.config.toml_files import check_nesting
from sim.config.validation_errors import _from_validation
from sim.errors import ScenarioError, format_path
from sim.facts import DEFAULT_FACTS_PATH, load_facts, resolve_fact_refs


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
