"""Sweep files (``experiments/sweeps/*.toml``): typed models, loading and checks.

A sweep names a base scenario, the parameters to vary (scenario key paths, the same paths
``--set`` takes) with their values or ranges, a design, a sample count, replications per point,
a root seed, and what to keep per run. Errors are :class:`sim.errors.ScenarioError` (one line:
file, key path, what was expected), exactly as for scenarios.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.config import (
    Scenario,
    _from_validation,
    apply_overrides,
    load_raw,
    parse_toml,
    path_to_tuple,
    read_text_file,
    scenario_from_raw,
)
from sim.errors import ScenarioError

DESIGNS = ("grid", "lhs", "sobol", "saltelli", "morris")
SAMPLED_DESIGNS = ("lhs", "sobol", "saltelli", "morris")
Scalar = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Strict):
    """One swept scenario key: ``values`` (an explicit list), ``range = [low, high]`` with a
    ``distribution`` (``uniform``, ``log_uniform``, ``integer``) or ``choice`` (a list drawn
    from uniformly). ``steps`` is the number of grid values of a range (grid designs only)."""

    path: str = Field(min_length=1, description="scenario key path, as --set takes it")
    name: str | None = Field(None, description="column name in the results (default: the path)")
    also: list[str] = Field(default_factory=list, description="further key paths set to the same value")
    values: list[Scalar] | None = None
    range: tuple[float, float] | None = None
    distribution: Literal["uniform", "log_uniform", "integer"] = "uniform"
    choice: list[Scalar] | None = None
    steps: int | None = Field(None, ge=2)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        given = [k for k in ("values", "range", "choice") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of values, range or choice")
        listed = self.values if self.values is not None else self.choice
        if listed is not None:
            if not listed:
                raise ValueError("expected at least one value")
            if any(isinstance(v, float) and not math.isfinite(v) for v in listed):
                raise ValueError("expected finite values (not nan or inf)")
        if self.range is not None:
            low, high = self.range
            if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
                raise ValueError(f"expected range = [low, high] with finite low < high (got {list(self.range)})")
            if self.distribution == "log_uniform" and low <= 0:
                raise ValueError("a log_uniform range needs low > 0")
            if self.distribution == "integer" and not (float(low).is_integer() and float(high).is_integer()):
                raise ValueError("an integer range needs whole-number bounds")
        return self

    @property
    def column(self) -> str:
        return self.name or self.path

    @property
    def levels(self) -> list[Scalar] | None:
        """The finite list of values, if the parameter has one (values or choice)."""
        return self.values if self.values is not None else self.choice


class Keep(_Strict):
    """What each run keeps beyond its outcome row and events (always kept)."""

    series: bool = Field(False, description="keep daily series (decimated, filtered by variable)")
    variables: list[str] = Field(default_factory=list, description="series variables to keep (empty: all)")
    every_days: int = Field(7, ge=1, description="keep every n-th day (and the last day)")


class Sweep(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    base: str = Field(min_length=1, description="base scenario file, relative to the sweep file")
    design: Literal["grid", "lhs", "sobol", "saltelli", "morris"] = "grid"
    samples: int | None = Field(None, ge=1, description="sample count of a sampled design")
    replications: int = Field(10, ge=1)
    seed: int = Field(0, ge=0, description="root seed: SeedSequence(seed).spawn(replications)")
    second_order: bool = Field(False, description="saltelli: also second-order indices")
    levels: int = Field(4, ge=2, description="morris: grid levels")
    set: list[str] = Field(default_factory=list, description="fixed overrides of the base, as --set")
    parameters: list[Parameter] = Field(min_length=1)
    keep: Keep = Keep()
    # Runs stepped together (consecutive run ids; sim.lockstep): speed only, a run's results agree
    # with its run alone to rounding. Part of the sweep (and its digest), so that a sweep's table
    # never depends on how it is run; 1 runs each alone. The default is sim.lockstep's
    # LOCKSTEP_REPLICATIONS (written out: this module is read before Mesa is imported).
    lockstep: int = Field(20, ge=1, le=200, description="runs stepped together in lockstep")

    @model_validator(mode="after")
    def _check(self) -> Self:
        columns = [p.column for p in self.parameters]
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        if dupes:
            raise ValueError(f"parameter names must be unique (repeated: {', '.join(dupes)})")
        if self.design == "grid":
            if self.samples is not None:
                raise ValueError("a grid design has no sample count (samples is for lhs, sobol, saltelli, morris)")
            for p in self.parameters:
                if p.range is not None and p.steps is None and p.distribution != "integer":
                    raise ValueError(f"parameter {p.column!r}: a range in a grid design needs steps")
        else:
            if self.samples is None:
                raise ValueError(f"a {self.design} design needs samples")
            if self.design in ("sobol", "saltelli") and self.samples & (self.samples - 1):
                raise ValueError(f"{self.design} designs need samples a power of 2 (got {self.samples})")
        return self

    def digest(self) -> str:
        """Fingerprint of everything that decides the runs (for --resume)."""
        text = json.dumps(self.model_dump(mode="json", exclude={"description"}), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def toml_literal(value: Any) -> str:
    """A value as the TOML text ``--set`` reads (so sweep points apply exactly as --set does)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(str(value))


def point_overrides(sweep: Sweep, row: dict[str, Any]) -> list[str]:
    """A design row (column -> value) as ``--set`` texts (applied to the base after its fixed ``set``)."""
    return [f"{path}={toml_literal(row[p.column])}" for p in sweep.parameters for path in (p.path, *p.also)]


def _exists(node: Any, parts: tuple) -> bool:
    for part in parts:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return False
        elif not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def key_path_exists(raw: dict[str, Any], scenario: Scenario, path: str, rule_params: Callable[[str], Any] | None) -> bool:
    """Whether ``path`` names a key of the base scenario: written in it (after ``extends``), a
    field with a default in the validated scenario, or a parameter of the rule it points into."""
    try:
        parts = path_to_tuple(path)
    except ValueError:
        return False
    if _exists(raw, parts) or _exists(scenario.model_dump(mode="json"), parts):
        return True
    # governments.CN.rules[0].params.x / firms.f.rules[0].params.x: a parameter with a default.
    if len(parts) == 6 and parts[0] in ("governments", "firms") and parts[2] == "rules" and parts[4] == "params":
        owner = (scenario.governments if parts[0] == "governments" else scenario.firms).get(parts[1])
        rules = getattr(owner, "rules", None) or []
        if isinstance(parts[3], int) and parts[3] < len(rules) and rule_params is not None:
            model = rule_params(rules[parts[3]].rule)
            return model is not None and parts[5] in model.model_fields
    return False


class LoadedSweep(BaseModel):
    """A validated sweep with its resolved base (raw TOML after ``extends`` and fixed overrides)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    sweep: Sweep
    file: str
    base_file: str
    base_raw: dict[str, Any]


def load_sweep_file(
    path: str | Path,
    overrides: list[str] | None = None,
    samples: int | None = None,
    replications: int | None = None,
    rule_params: Callable[[str], Any] | None = None,
) -> LoadedSweep:
    """Read, validate and check a sweep file. ``overrides`` (``--set``) are fixed changes of the
    base scenario; ``samples`` and ``replications`` replace the file's. Raises ScenarioError only."""
    path = Path(path)
    # The scenario loader's readers: type and size checked before reading (no FIFO, device or
    # huge file), parser failures and nesting depth turned into one message.
    text = read_text_file(path)
    if not text.strip():
        raise ScenarioError(path, "", "the file is empty; expected a TOML sweep")
    raw = parse_toml(text, path)
    if samples is not None:
        raw["samples"] = samples
    if replications is not None:
        raw["replications"] = replications
    if overrides:
        raw["set"] = [*raw.get("set", []), *overrides]
    try:
        sweep = Sweep.model_validate(raw)
    except ValidationError as exc:
        raise _from_validation(exc, path, root=Sweep) from None

    base_file = path.parent / sweep.base
    if not base_file.is_file():
        raise ScenarioError(path, "base", f"base scenario {str(base_file)!r} not found")
    base_raw = load_raw(base_file)
    try:
        fixed = apply_overrides(base_raw, list(sweep.set))
        scenario = scenario_from_raw(fixed, base_file, rule_params=rule_params)
    except ScenarioError as exc:
        raise ScenarioError(path, "set", f"the base with these overrides is invalid: {exc.message}") from None
    for i, p in enumerate(sweep.parameters):
        for where, key in [("path", p.path), *((f"also[{j}]", k) for j, k in enumerate(p.also))]:
            if not key_path_exists(fixed, scenario, key, rule_params):
                raise ScenarioError(path, f"parameters[{i}].{where}", f"{key!r} is not a key of the base scenario {str(base_file)!r}")
        # The extreme values must give valid scenarios (a share above 1 fails here, not mid-sweep).
        ends = p.levels if p.levels is not None else list(p.range or ())
        for value in ends:
            if isinstance(value, float) and p.distribution == "integer":
                value = int(value)
            try:
                sets = [f"{key}={toml_literal(value)}" for key in (p.path, *p.also)]
                scenario_from_raw(apply_overrides(fixed, sets), base_file, rule_params=rule_params)
            except ScenarioError as exc:
                raise ScenarioError(path, f"parameters[{i}]", f"value {value!r} gives an invalid scenario: {exc.message}") from None
    return LoadedSweep(sweep=sweep, file=str(path), base_file=str(base_file), base_raw=fixed)
