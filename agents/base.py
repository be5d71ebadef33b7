"""What every policy rule shares: the read-only view, actions with reasons, the registry.

A rule is a small parameterised class with one method, :meth:`Rule.propose`, that looks at a
:class:`WorldView` and returns :class:`Action` proposals, each carrying the values it compared. A
rule registers itself by subclassing with a ``name``; modules in :mod:`agents.rules` are imported
automatically, so adding a rule is one new file plus its test.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[str, type[Rule]] = {}


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Action:
    """A decision: what to do and why.

    ``kind`` is one of ``impose`` (put a measure in force), ``lift`` (remove one), or a
    declaratory move such as ``protest``, ``wait_out``, ``concede``, ``signal``. ``measure`` is the
    :class:`sim.config.MeasureSpec` for impose; ``measure_key`` names the measure to lift.
    """

    kind: str
    label: str
    rule: str
    reason: str
    target: str = ""
    measure: Any = None
    measure_key: str = ""
    utility: float = 0.0
    mandatory: bool = False
    alternatives: tuple[tuple[str, float], ...] = ()


class WorldView(Protocol):
    """What an agent may look at. Arrays are read-only views (writing raises)."""

    day: int
    countries: tuple[str, ...]
    products: tuple[str, ...]

    def gdp_loss_pct(self, country: str) -> float: ...  # cumulative, % of annual GDP
    def lobbying_pressure(self, country: str) -> float: ...
    def price_multiple(self, country: str, product: str) -> float: ...
    def measures_in_force(self, actor: str | None = None) -> Mapping[str, Any]: ...
    def firm_loss_share(self, firm: str) -> float: ...


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


def _load_rule_modules() -> None:
    import agents.rules as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")


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


def logit_choice(
    actions: list[Action], temperature: float, rng: np.random.Generator
) -> tuple[Action | None, tuple[tuple[str, float], ...]]:
    """Pick one action by a logit over utilities; temperature 0 takes the best (first on ties)."""
    if not actions:
        return None, ()
    utilities = np.array([a.utility for a in actions], dtype=float)
    considered = tuple((a.label, float(a.utility)) for a in actions)
    if temperature <= 0:
        return actions[int(np.argmax(utilities))], considered
    z = (utilities - utilities.max()) / temperature
    weights = np.exp(z)
    return actions[int(rng.choice(len(actions), p=weights / weights.sum()))], considered
