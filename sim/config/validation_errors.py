"""A pydantic ValidationError as one ScenarioError: the key path, what was expected and, for an
unknown key, the allowed keys and the closest one."""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from sim.config.limits import _shown
from sim.config.scenario import Scenario
from sim.errors import ScenarioError, format_path


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
