"""What every policy rule shares: the read-only view, actions with reasons, the registry.

A rule is a small parameterised class with one method, :meth:`Rule.propose`, that looks at a
:class:`WorldView` and returns :class:`Action` proposals, each carrying the values it compared. A
rule registers itself by subclassing with a ``name``; modules in :mod:`agents.rules` are imported
automatically, so adding a rule is one new file plus its test.
"""

from __future__ import annotations

import hashlib
import importlib
import math
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[str, type[Rule]] = {}


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleParams(BaseModel):
    """Base of rules' parameter models: unknown keys are errors; ``references`` lists the names
    the parameters use, so the scenario loader can check them (key path, kind, name).

    Fields listed in ``country_fields`` hold country codes (a string or a list of them); product
    names are found in ``product_fields`` and inside any measure template (its ``products``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    country_fields: ClassVar[tuple[str, ...]] = ()
    product_fields: ClassVar[tuple[str, ...]] = ()
    calendar_fields: ClassVar[tuple[str, ...]] = ()

    def references(self) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []
        for name in self.country_fields:
            found.extend((p, "country", v) for p, v in _names(getattr(self, name), name))
        for name in self.product_fields:
            found.extend((p, "product", v) for p, v in _names(getattr(self, name), name))
        for name in self.calendar_fields:
            found.extend((p, "calendar", v) for p, v in _names(getattr(self, name), name))
        for name in type(self).model_fields:
            found.extend(_template_products(getattr(self, name), name))
        return found


def _names(value: Any, path: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [(path, value)]
    return [(f"{path}[{i}]", v) for i, v in enumerate(value)]


def _template_products(value: Any, path: str) -> list[tuple[str, str, str]]:
    """Names inside measure templates, however deeply nested in the parameters: products,
    destination countries (``destinations`` as a list) and buyers (``approval_by_buyer``: firms)."""
    if isinstance(value, BaseModel):
        if hasattr(value, "products") and hasattr(value, "measure"):
            found = [(f"{path}.products[{i}]", "product", p) for i, p in enumerate(value.products)]
            destinations = getattr(value, "destinations", None)
            if isinstance(destinations, list):
                found += [(f"{path}.destinations[{i}]", "country", c) for i, c in enumerate(destinations)]
            found += [(f"{path}.approval_by_buyer.{f}", "firm", f) for f in getattr(value, "approval_by_buyer", {})]
            return found
        out = []
        for name in type(value).model_fields:
            out.extend(_template_products(getattr(value, name), f"{path}.{name}"))
        return out
    if isinstance(value, list | tuple):
        out = []
        for i, item in enumerate(value):
            out.extend(_template_products(item, f"{path}[{i}]"))
        return out
    return []


def pct(value: float) -> str:
    """A share of GDP or of profit for reasons: ``0.81%``."""
    return f"{value:.2f}%"


def utilities_text(parts: Mapping[str, float], digits: int = 2) -> str:
    """``base 1.00 + leverage 0.55 - exposure 0.02``: how a utility was put together."""
    items = list(parts.items())
    text = f"{items[0][0]} {items[0][1]:.{digits}f}"
    for name, value in items[1:]:
        text += f" {'-' if value < 0 else '+'} {name} {abs(value):.{digits}f}"
    return text


# Kinds of action the model knows how to apply; any other kind is a declaratory move (protest,
# threaten, wait_out, support, stay_out, lobby, ...) that is logged and seen by the others.
IMPOSE, LIFT, HOLD, INVEST = "impose", "lift", "hold", "invest"
# A non-trade lever (suspending an agreement, a tourism boycott, detentions): no trade flow moves;
# it costs the target ``amount`` and the actor ``own_cost_pct`` (% of their GDP a year) while in force.
LEVER = "lever"
# A firm's own precautionary moves: ``stockpile`` sets its target cover of ``product`` to ``amount``
# days (ordering up to it through the market); ``relocate`` moves the share ``amount`` of its
# purchases of ``product`` from country ``origin`` to country ``target`` (its supplier mix).
STOCKPILE, RELOCATE = "stockpile", "relocate"
# Declaratory moves that end a confrontation; outcome classes look for them.
CONCEDE, OFFRAMP, BACK_DOWN, ACCEPT = "concede", "offramp", "back_down", "accept"


@dataclass(frozen=True)
class Action:
    """A decision: what to do and why.

    ``kind`` is ``impose`` (put ``measure`` in force under ``measure_key``; a different spec under
    a key already in force replaces it), ``lift`` (end the measures under ``measure_keys`` or
    ``measure_key``), ``hold`` (deliberately do nothing new), ``invest`` (a firm or government adds ``amount``
    units/day of capacity for ``product`` in country ``target``, see ``lead_days`` below), or a declaratory move such as
    ``protest``, ``threaten``, ``wait_out``, ``concede``, ``offramp``, ``support``. A declaratory
    move may also end measures (``measure_keys``): a concession lifts the conceder's own
    retaliation, an accepted concession lifts the coercer's measures.

    ``reason`` states the values the rule compared; ``utility`` is what the logit choice weighs;
    ``rung`` is the escalation level the move stands for (0 for none).
    """

    kind: str
    label: str
    rule: str
    reason: str
    target: str = ""
    measure: Any = None
    measure_key: str = ""
    measure_keys: tuple[str, ...] = ()
    utility: float = 0.0
    mandatory: bool = False
    rung: int = 0
    product: str = ""
    amount: float = 0.0
    alternatives: tuple[tuple[str, float], ...] = ()
    own_cost_pct: float = 0.0
    # ``invest`` only (the investment hook, sim.economy.order_investment): a lead time in days
    # (0: the product's ramp-up), a cost in USD paid by the actor (its country's GDP-loss proxy; a
    # firm's profit too) while the capacity is built, and an offtake contract moving
    # ``offtake_share`` of the buyers in country ``offtake`` to the new source on arrival.
    lead_days: int = 0
    cost_usd: float = 0.0
    offtake: str = ""
    offtake_share: float = 0.0
    origin: str = ""  # a relocation's supplier country left

    def keys_to_lift(self) -> tuple[str, ...]:
        return self.measure_keys or ((self.measure_key,) if self.kind == LIFT and self.measure_key else ())


def measure_key(actor: str, target: str, label: str) -> str:
    """Key of a rule-imposed measure: one per (actor, target, label), so rules can find it again."""
    return f"{actor}>{target}:{label}"


@dataclass(frozen=True)
class Move:
    """A logged decision as others see it (the public record)."""

    day: int
    actor: str
    kind: str
    label: str
    target: str
    rule: str
    rung: int = 0


@dataclass(frozen=True)
class Window:
    """A calendar window (e.g. a leaders' meeting) open today."""

    name: str
    start_day: int
    end_day: int
    parties: tuple[str, ...]


class WorldView(Protocol):
    """What an agent may look at: a read-only window on the world (nothing here changes it).

    Pain is the cumulative GDP-loss proxy in % of a year's GDP; rates are in % of GDP per year;
    lobbying is firms' lost profit weighted by influence, in % of GDP per year. A government knows
    its own figures exactly; of others it has estimates off by a persistent factor (log-normal,
    sd set by the observer's ``perception_noise``, drawn once per replication), and a belief
    over their resolve types (:mod:`agents.strategy`), updated from their moves."""

    day: int
    countries: tuple[str, ...]
    products: tuple[str, ...]
    firms: tuple[str, ...]

    def gdp_loss_pct(self, country: str) -> float: ...
    def perceived_pain(self, observer: str, country: str) -> float: ...
    def lobbying_pressure(self, country: str) -> float: ...
    def loss_rate_pct(self, country: str) -> float: ...
    def cost_rate_pct(self, country: str) -> float: ...
    def felt_cost_pct(self, country: str) -> float: ...
    def perceived_cost_rate(self, observer: str, country: str) -> float: ...
    def perceived_felt_cost(self, observer: str, country: str) -> float: ...
    def belief(self, observer: str, country: str) -> tuple[float, ...]: ...
    def resolve_weight(self, country: str) -> float: ...  # its own type's weight: rules ask only for their own actor
    def firm_size_pct(self, firm: str) -> float: ...
    def firm_heard(self, firm: str) -> bool: ...
    def price_multiple(self, country: str, product: str) -> float: ...
    def measures_in_force(self, actor: str | None = None, target: str | None = None) -> Mapping[str, Any]: ...
    def levers_in_force(self, actor: str | None = None, target: str | None = None) -> tuple[str, ...]: ...
    def moves(
        self, actor: str | None = None, kind: str | None = None, target: str | None = None, label: str | None = None
    ) -> tuple[Move, ...]: ...
    def windows_open(self, party: str | None = None) -> tuple[Window, ...]: ...
    def tier(self, product: str) -> str: ...
    def supply_share(self, importer: str, exporter: str, product: str) -> float: ...
    def trade_value(self, exporter: str, importer: str, product: str) -> float: ...
    def downstream_multiplier(self, product: str) -> float: ...
    def gdp(self, country: str) -> float: ...
    def export_change_pct(self, country: str) -> float: ...
    def firm_loss_share(self, firm: str) -> float: ...
    def firm_country(self, firm: str) -> str: ...
    def firm_product(self, firm: str) -> str: ...
    def days_of_cover(self, firm: str, product: str) -> float: ...
    def ramp_up_days(self, product: str) -> int: ...
    def base_price(self, product: str) -> float: ...
    def baseline_use(self, firm: str, product: str) -> float: ...
    def target_cover_days(self, firm: str, product: str, baseline: bool = False) -> float: ...
    def firm_supplier_share(self, firm: str, product: str, country: str) -> float: ...


@dataclass
class RuleContext:
    """What a rule gets when it is built: its actor, its own random stream, scripted items."""

    actor: str
    rng: np.random.Generator
    schedule: tuple[Any, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class Rule:
    """Base class. Subclasses set ``name`` (registry key) and ``Params`` (a pydantic model)."""

    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams
    every_day: ClassVar[bool] = False  # evaluated daily, not only on the decision clock

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
                raise ValueError(f"rule name {cls.name!r} registered twice")
            _REGISTRY[cls.name] = cls

    def __init__(self, params: BaseModel, context: RuleContext) -> None:
        self.params = params
        self.context = context

    def propose(self, view: WorldView) -> list[Action]:
        raise NotImplementedError


_RULE_MODULES_LOADED = False


def _load_rule_modules() -> None:
    """Import every module of :mod:`agents.rules` (each registers its rules), once per process:
    listing the package's files costs milliseconds, and a model builds a rule per configured rule."""
    global _RULE_MODULES_LOADED
    if _RULE_MODULES_LOADED:
        return
    import agents.rules as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    _RULE_MODULES_LOADED = True


def rule_registry() -> dict[str, type[Rule]]:
    _load_rule_modules()
    return dict(_REGISTRY)


def rule_params(name: str) -> type[BaseModel]:
    """The params model of a registered rule; ``KeyError`` with a helpful message if unknown."""
    registry = rule_registry()
    if name not in registry:
        import difflib

        close = difflib.get_close_matches(name, list(registry), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown rule {name!r}{hint} (known: {', '.join(sorted(registry))})")
    return registry[name].Params


def build_rule(name: str, params: Mapping[str, Any], context: RuleContext) -> Rule:
    cls = rule_registry()[name]
    return cls(cls.Params.model_validate(dict(params)), context)


class Tastes:
    """A decider's persistent random-utility shocks: one standard Gumbel draw per move label,
    fixed for the episode (until :meth:`redraw`, e.g. a change of government).

    Choosing the move with the highest ``utility + temperature x shock`` is a logit choice (the
    Gumbel-max property): at one decision a move is chosen with probability
    ``exp(u / T) / sum exp(u' / T)``. Drawn afresh at every decision, a move that is worse than
    holding by ``k T`` would be chosen at some point of ``n`` decisions with probability
    ``1 - (1 - p)^n`` (``p = 1 / (1 + e^k)`` against holding alone): near certainty over a long
    episode. Kept for the episode, the shock is the decider's own lasting taste for the move (the
    unobserved part of its utility, as in panel random-utility models), so such a move is ever
    chosen with about the one-shot probability ``p`` — 4.7% for ``k = 3``. Each label's shock
    comes from its own generator keyed by (a key drawn once from the decider's stream, the
    label), so it does not depend on the order in which moves first come up."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._key = 0
        self._shocks: dict[str, float] = {}
        self.redraw()

    def redraw(self) -> None:
        """New tastes (a new government): a new key from the decider's stream."""
        self._key = int(self._rng.integers(2**63))
        self._shocks = {}

    def __call__(self, label: str) -> float:
        shock = self._shocks.get(label)
        if shock is None:
            digest = int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")
            shock = float(np.random.default_rng([self._key, digest]).gumbel())
            self._shocks[label] = shock
        return shock


def logit_choice(
    actions: list[Action], temperature: float, rng: np.random.Generator, tastes: Tastes | None = None
) -> tuple[Action | None, tuple[tuple[str, float], ...]]:
    """Pick one action by a logit over utilities: the highest ``utility / temperature + shock``
    (standard Gumbel shocks), with the decider's persistent ``tastes`` if given, else shocks drawn
    afresh from ``rng`` (a one-shot logit). Temperature 0 takes the best (first on ties)."""
    if not actions:
        return None, ()
    utilities = finite_utilities([a.utility for a in actions])
    considered = tuple((a.label, float(u)) for a, u in zip(actions, utilities))
    if temperature <= 0 or not math.isfinite(temperature):
        return actions[int(np.argmax(utilities))], considered
    shocks = np.array([tastes(a.label) for a in actions]) if tastes is not None else rng.gumbel(size=len(actions))
    # Finite utilities, shifted so that the best is 0: the scaled gaps lie in [-inf, 0] whatever the
    # temperature (1e-300 or 1e300), never NaN or +inf, and the best move's score is finite.
    with np.errstate(over="ignore", under="ignore"):
        score = (utilities - utilities.max()) / temperature + shocks
    return actions[int(np.argmax(score))], considered


def taste_margins(
    considered: tuple[tuple[str, float], ...], temperature: float, tastes: Tastes | None
) -> dict[str, float]:
    """Each considered move's lead over holding, in the utilities' unit (% of GDP), tastes
    included: ``(u - u_hold) + T (shock - shock_hold)``; the move would be chosen over holding
    where it is positive. Empty without a hold among them."""
    held = dict(considered)
    if HOLD not in held:
        return {}
    use_tastes = tastes is not None and temperature > 0 and math.isfinite(temperature)
    base = held[HOLD] + (temperature * tastes(HOLD) if use_tastes else 0.0)  # type: ignore[misc]
    out = {}
    for label, utility in considered:
        if label != HOLD:
            lead = utility + (temperature * tastes(label) if use_tastes else 0.0) - base  # type: ignore[misc]
            if math.isfinite(lead):
                out[label] = lead
    return out


UTILITY_BOUND = 1e12  # utilities beyond it (a ratio over a tolerance of 1e-320) carry no more meaning


def finite_utilities(values: list[float]) -> np.ndarray:
    """Utilities as finite floats: +-inf and overflow clipped to +-UTILITY_BOUND, NaN (an
    undefined comparison) counted as the worst, so that choice and the logged alternatives never
    hold NaN or inf."""
    # Plain floats: a handful of utilities per decision, where numpy's nan_to_num and clip cost
    # more than the loop (the same values: NaN to the worst, then clipped to the bound).
    bound = UTILITY_BOUND
    out = []
    for v in values:
        v = float("nan") if v is None else float(v)
        out.append(-bound if v != v or v < -bound else bound if v > bound else v)
    return np.array(out, dtype=float)


def decide(
    rules: list[Rule],
    view: WorldView,
    decision_day: bool,
    temperature: float,
    rng: np.random.Generator,
    tastes: Tastes | None = None,
    origins: dict[str, Rule] | None = None,
) -> list[Action]:
    """One decision: gather the rules' proposals, keep the mandatory ones, choose one of the rest
    (by :func:`logit_choice`, with the decider's persistent ``tastes`` if given). ``origins``, if
    given, is filled with the rule that proposed each optional move (by label)."""
    mandatory: list[Action] = []
    optional: list[Action] = []
    for rule in rules:
        if not (rule.every_day or decision_day):
            continue
        for action in rule.propose(view):
            (mandatory if action.mandatory else optional).append(action)
            if origins is not None and not action.mandatory:
                origins.setdefault(action.label, rule)
    if not optional:  # (most days: nothing to choose, and no draw made)
        return mandatory
    # Doing nothing new is always admissible: utilities are measured against the status quo.
    optional.append(Action(HOLD, "hold", "status_quo", "no move is worth more than the status quo (utility 0)"))
    chosen, considered = logit_choice(optional, temperature, rng, tastes)
    if chosen is None:
        return mandatory
    if chosen.rule == "status_quo" and len(optional) > 1:
        # Holding is a decision too: say what it was weighed against (with that move's belief and numbers).
        best = max(optional[:-1], key=lambda a: a.utility)
        chosen = replace(chosen, reason=f"{chosen.reason}; best alternative {best.label} ({best.utility:.4f}): {best.reason}")
    return [*mandatory, replace(chosen, alternatives=considered)]
