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
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError, format_path
from sim.facts import DEFAULT_FACTS_PATH, load_facts, resolve_fact_refs

SHARE_TOLERANCE = 1e-6
TIERS = ("advanced", "mature", "dual_use", "civilian")
MEASURE_KINDS = ("export_ban", "export_licensing", "export_quota", "tariff", "import_ban", "boycott")

Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class Strict(BaseModel):
    """Unknown keys are errors; numbers must be finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RuleSpec(BaseModel):
    """A policy rule chosen by name from the rule library, with its parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: str
    params: dict[str, Any] = Field(default_factory=dict)


def _check_sums_to_one(shares: Mapping[str, float] | None, what: str) -> None:
    if shares is not None and shares and abs(sum(shares.values()) - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {sum(shares.values()):.6g})")


# --------------------------------------------------------------------------- world


class Country(Strict):
    name: str = ""
    gdp: Positive = Field(description="GDP, USD bn per year (the GDP-loss proxy is a share of it)")


class Product(Strict):
    tier: Literal["advanced", "mature", "dual_use", "civilian"]
    unit: str = Field(description="physical unit of quantities, e.g. 't' or 'vehicle'")
    baseline_price: Positive = Field(description="USD per unit before any shock")
    elasticity: Positive = Field(description="short-run price elasticity of demand (absolute value)")
    final: bool = Field(
        False, description="final goods are sold by firms to markets; others trade through country pools"
    )
    spare_capacity: NonNegative = Field(
        0.05, description="idle capacity of background producers, as a share of their baseline output"
    )
    ramp_up_days: Annotated[int, Field(ge=0)] = Field(
        180, description="delay between deciding to add capacity and the capacity producing"
    )
    downstream_multiplier: NonNegative = Field(
        1.0, description="USD of downstream output lost per USD of this input that unmodelled buyers miss"
    )
    price_adjustment: Share | None = Field(
        None, description="this product's price adjustment speed (default: economy.price_adjustment)"
    )


class TradeFlow(Strict):
    exporter: str
    importer: str
    product: str
    volume: NonNegative = Field(description="baseline flow in product units per year (domestic if exporter == importer)")


class CapacityGrowth(Strict):
    """Capacity that a country's background producers can add when buyers cannot be served."""

    country: str
    product: str
    max_expansion: NonNegative = Field(description="most capacity that can be added, as a multiple of baseline output")
    response: Share = Field(0.5, description="share of persistent unmet demand that is turned into new capacity orders")


class Input(Strict):
    per_unit: NonNegative = Field(description="input units per unit of the firm's output")
    critical: bool = Field(True, description="no short-run substitute: output is limited by it (Leontief)")
    days_of_cover: NonNegative = Field(30.0, description="starting and target inventory, in days of baseline use")
    suppliers: dict[str, Share] | None = Field(
        None, description="share of the input bought from each country; default: the home country's import pattern"
    )

    @field_validator("suppliers")
    @classmethod
    def _suppliers_sum(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        _check_sums_to_one(value, "supplier shares")
        return value


class Firm(Strict):
    country: str
    product: str
    baseline_output: Positive = Field(description="product units per year")
    capacity: Annotated[float, Field(ge=1.0, allow_inf_nan=False)] = Field(
        1.05, description="capacity as a multiple of baseline output"
    )
    inputs: dict[str, Input] = Field(default_factory=dict)
    sales: dict[str, Share] | None = Field(
        None, description="final goods only: share of sales by destination market"
    )
    margin: Share = Field(0.08, description="baseline profit as a share of revenue")
    fixed_cost_share: Share = Field(0.4, description="share of non-input costs that do not scale with output")
    influence: Share = Field(
        0.5,
        description="political weight of the firm's lost profit at home: each USD of it counts as this many USD of "
        "GDP lost (organised losers are heard beyond their share of GDP; an assumption per firm)",
    )
    description: str = ""
    rules: list[RuleSpec] = Field(
        default_factory=list, description="the firm's decision rules (e.g. lobby, diversify); lobbying is on by default"
    )
    decision_interval_days: Annotated[int, Field(ge=1)] = Field(7, description="the firm's decision clock")

    @field_validator("sales")
    @classmethod
    def _sales_sum(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        _check_sums_to_one(value, "sales shares")
        return value


# --------------------------------------------------------------------------- measures


class MeasureTemplate(Strict):
    """A trade measure without its actor and target: what a policy rule may put in force (a rung of
    an escalation ladder, a retaliation tool), filled in by :meth:`spec`."""

    measure: Literal["export_ban", "export_licensing", "export_quota", "tariff", "import_ban", "boycott"]
    products: list[str] = Field(default_factory=list)
    tiers: list[Literal["advanced", "mature", "dual_use", "civilian"]] = Field(default_factory=list)
    enforcement: Share = Field(1.0, description="0 = on paper only, 1 = fully enforced")
    review_delay_days: Annotated[int, Field(ge=0)] = Field(0, description="licensing: days before first approvals")
    approval_rate: Share = Field(1.0, description="licensing: share of applications approved")
    quota_share: Share = Field(1.0, description="quota: allowed exports as a share of baseline exports to the target")
    rate: NonNegative = Field(0.0, description="tariff / anti-dumping duty, ad valorem (0.25 = 25%)")
    label: str = Field(
        "", description="short name in escalation paths, e.g. 'ree_licensing' (default: '<measure>_<first product or tier>')"
    )

    @model_validator(mode="after")
    def _needs_scope(self) -> Self:
        if not self.products and not self.tiers:
            raise ValueError("a measure needs 'products' or 'tiers' (or both)")
        if self.measure == "tariff" and self.rate <= 0:
            raise ValueError("a tariff needs a positive 'rate'")
        return self

    @property
    def name(self) -> str:
        """The label, or ``<measure>_<first product or tier>`` without one."""
        if self.label:
            return self.label
        return f"{self.measure}_{(self.products or self.tiers)[0]}"

    def spec(self, actor: str, target: str, **changes: Any) -> MeasureSpec:
        """The concrete measure ``actor`` imposes on ``target`` (``changes`` override fields)."""
        data = {**self.model_dump(), "label": self.name, **changes}
        return MeasureSpec(actor=actor, target=target, **data)


class MeasureSpec(MeasureTemplate):
    """One trade measure. ``actor`` imposes it; for export measures ``target`` is the importing
    country, for import measures (tariff, import_ban, boycott) it is the exporting country."""

    actor: str
    target: str = Field("all", description="a country code or 'all' (every other country)")


class ScheduledMeasure(MeasureSpec):
    day: Annotated[int, Field(ge=0)]
    until_day: Annotated[int, Field(ge=1)] | None = Field(None, description="lifted on this day (exclusive)")

    @model_validator(mode="after")
    def _until_after_day(self) -> ScheduledMeasure:
        if self.until_day is not None and self.until_day <= self.day:
            raise ValueError(f"until_day ({self.until_day}) must be after day ({self.day})")
        return self


# --------------------------------------------------------------------------- agents and clocks


class Government(Strict):
    decision_interval_days: Annotated[int, Field(ge=1)] = Field(7, description="the slower policy clock")
    temperature: NonNegative = Field(0.0, description="logit noise over admissible actions (0 = deterministic)")
    perception_noise: NonNegative = Field(
        0.0, description="log-normal noise (sd of the log) on its estimates of other countries' pain"
    )
    first_decision_day: Annotated[int, Field(ge=0)] = Field(
        0, description="the decision clock ticks on this day and every decision_interval_days after it"
    )
    rules: list[RuleSpec] = Field(default_factory=lambda: [RuleSpec(rule="schedule")])
    resolve_prior: list[Share] = Field(
        default_factory=lambda: [0.3, 0.4, 0.3],
        min_length=3,
        max_length=3,
        description="its prior over each other government's resolve type (soft, firm, resolute; sums to 1)",
    )
    resolve_type: Literal["soft", "firm", "resolute"] | None = Field(
        None,
        description="its own resolve type; default: drawn once per replication from the other governments' "
        "average prior about it (a common prior)",
    )
    leadership_changes: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list, description="days of scheduled changes of government (e.g. elections)"
    )
    leadership_change_per_year: NonNegative = Field(
        0.0, description="rate of unscheduled changes of government per year (a random event)"
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

    name: str
    start_day: Annotated[int, Field(ge=0)]
    end_day: Annotated[int, Field(ge=0)]
    parties: list[str] = Field(default_factory=list, description="countries attending (empty = all)")

    @model_validator(mode="after")
    def _ordered(self) -> CalendarWindow:
        if self.end_day < self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must not be before start_day ({self.start_day})")
        return self


class Economy(Strict):
    """Market and firm-behaviour parameters (each one an assumption unless a fact is referenced)."""

    price_adjustment: Share = Field(0.15, description="share of the gap to the market-clearing price closed per day")
    max_price_multiple: Annotated[float, Field(gt=1.0, allow_inf_nan=False)] = 50.0
    min_price_multiple: Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)] = 0.2
    replenish_days: Positive = Field(20.0, description="days over which firms rebuild inventory to target")
    trust_loss: Share = Field(0.2, description="daily rate at which trust in a supplier falls to its fill rate")
    trust_recovery: Share = Field(0.005, description="daily rate at which trust recovers (slow: memory)")
    switching_days: Positive = Field(120.0, description="ramp-up delay: days to move a supplier mix to its target")
    incumbent_pull: Share = Field(0.002, description="daily pull of the mix back to the cheaper incumbent mix")
    substitution_premium: Annotated[float, Field(ge=1.0, allow_inf_nan=False)] = Field(
        1.5, description="cost multiple of substituting a missing non-critical input"
    )
    supply_elasticity: NonNegative = Field(
        1.0, description="producers offer (price/baseline)^e of capacity when their home price is below baseline"
    )


class Outcome(Strict):
    coercer: str | None = Field(None, description="the coercing country, for outcome classes")
    target: str | None = Field(None, description="the coerced country")


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    name: str
    description: str = ""
    horizon_days: Annotated[int, Field(ge=1, le=36500)]
    replications: Annotated[int, Field(ge=1)] = 1
    seed: Annotated[int, Field(ge=0)] = 0
    countries: dict[str, Country]
    products: dict[str, Product]
    trade: list[TradeFlow] = Field(default_factory=list)
    capacity_growth: list[CapacityGrowth] = Field(default_factory=list)
    firms: dict[str, Firm] = Field(default_factory=dict)
    governments: dict[str, Government] = Field(default_factory=dict)
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
            raise ScenarioError(file, path, f"unknown {what} {name!r}{hint} (known: {', '.join(known)})")

    countries, products = sc.countries, sc.products
    if len(countries) < 2:
        raise ScenarioError(file, "countries", "expected at least two countries")
    for i, flow in enumerate(sc.trade):
        need(flow.exporter, countries, f"trade[{i}].exporter", "country")
        need(flow.importer, countries, f"trade[{i}].importer", "country")
        need(flow.product, products, f"trade[{i}].product", "product")
        if products[flow.product].final:
            raise ScenarioError(file, f"trade[{i}].product", f"{flow.product!r} is a final good: its sales are set per firm under firms.<name>.sales, not in trade")
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
                params = params_model.model_validate(spec.params)
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
        if item.target != "all":
            need(item.target, countries, f"{base}.target", "country")
            if item.target == item.actor:
                raise ScenarioError(file, f"{base}.target", "a measure cannot target its own actor")
        for j, pname in enumerate(item.products):
            need(pname, products, f"{base}.products[{j}]", "product")
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


def _read_toml(path: Path, key_path: str = "") -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, key_path, "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(path, key_path, "expected a TOML file, got a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, key_path, f"cannot read file ({exc.__class__.__name__})") from None
    if not text.strip():
        raise ScenarioError(path, "", "the file is empty; expected a TOML scenario")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "", f"TOML syntax error: {exc}") from None


APPEND_SUFFIX = "+"


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the base value, except
    under a key written with a trailing ``+`` (``"rules+" = [...]``), whose list is appended to the
    base's list (e.g. a variant adding one rule to a government)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key.endswith(APPEND_SUFFIX) and isinstance(value, list):
            name = key[: -len(APPEND_SUFFIX)]
            existing = out.get(name, [])
            out[name] = (existing if isinstance(existing, list) else [existing]) + copy.deepcopy(value)
        elif isinstance(value, Mapping):
            out[key] = deep_merge(out[key] if isinstance(out.get(key), dict) else {}, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_with_extends(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario and the files it extends (relative to itself), deep-merged."""
    path = Path(path)
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(str(p.name) for p in (*_chain, resolved))
        raise ScenarioError(path, "extends", f"cycle in extends: {cycle}")
    raw = _read_toml(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return deep_merge({}, raw)  # resolves "key+" appends against nothing
    parents = [parent] if isinstance(parent, str) else parent
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ScenarioError(path, "extends", "expected a file name or a list of file names")
    merged: dict[str, Any] = {}
    for name in parents:
        parent_path = path.parent / name
        if not parent_path.exists():
            raise ScenarioError(path, "extends", f"extended file {str(parent_path)!r} not found")
        merged = deep_merge(merged, read_with_extends(parent_path, (*_chain, resolved)))
    return deep_merge(merged, raw)


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b[2].c=value`` -> (path parts, value); the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ScenarioError("--set", text, "expected key.path=value")
    key, _, value_text = text.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError("--set", text, "expected key.path=value")
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
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
        shown = "" if isinstance(given, dict | list) or given is None else f" (got {given!r})"
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
        scenario = Scenario.model_validate({**raw, "facts_used": sorted(used)})
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
    raw = read_with_extends(path)
    return apply_overrides(raw, overrides or [])


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
