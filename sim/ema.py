"""EMA Workbench adapter (optional extra: ``pip install -e ".[ema]"``): the simulator as an EMA
``Model``, so an EMA user can call ``perform_experiments`` (and use EMA's samplers, evaluators
and analyses) on it.

The uncertainties are a sweep file's parameters (ranges as Real/Integer parameters, lists as
categorical ones; a log-uniform range is sampled uniformly by EMA), the outcomes the share of
each outcome class over ``replications`` replications on the sweep's seeds, and the mean
GDP-loss proxy of the coercer and the target.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from sim.config import apply_overrides, scenario_from_raw
from sim.outcomes import OUTCOME_CLASSES
from sim.runner import run_replications
from sim.sweep_config import LoadedSweep, load_sweep_file, toml_literal


def identifier(name: str) -> str:
    """EMA passes parameters as keyword arguments: names must be identifiers."""
    out = re.sub(r"\W", "_", name)
    return out if out and not out[0].isdigit() else f"p_{out}"


class SimulatorFunction:
    """A picklable callable: parameter values (keywords) -> outcome shares and mean losses."""

    def __init__(self, loaded: LoadedSweep, replications: int) -> None:
        self.loaded = loaded
        self.replications = replications
        self.names = {identifier(p.column): p for p in loaded.sweep.parameters}

    def __call__(self, **values: Any) -> dict[str, float]:
        from agents.base import rule_params

        sets = []
        for key, value in values.items():
            p = self.names[key]
            value = value.item() if isinstance(value, np.generic) else value
            sets += [f"{path}={toml_literal(value)}" for path in (p.path, *p.also)]
        raw = apply_overrides(self.loaded.base_raw, sets)
        scenario = scenario_from_raw(raw, self.loaded.base_file, rule_params=rule_params)
        result = run_replications(scenario, seed=self.loaded.sweep.seed, replications=self.replications, series=False)
        outcomes = result.outcomes
        row = {f"share_{c}": float((outcomes["outcome"] == c).mean()) for c in OUTCOME_CLASSES}
        for role in ("coercer", "target"):
            country = getattr(scenario.outcome, role)
            col = f"gdp_loss_pct.{country}"
            if country is not None and col in outcomes:
                row[f"gdp_loss_pct_{role}"] = float(outcomes[col].mean())
        return row


def ema_model(sweep_file: str | Path, replications: int | None = None, name: str | None = None) -> Any:
    """An EMA ``Model`` over the parameters of ``sweep_file`` (its base scenario and seed)."""
    from ema_workbench import (
        CategoricalParameter,
        IntegerParameter,
        Model,
        RealParameter,
        ScalarOutcome,
    )

    from agents.base import rule_params

    loaded = load_sweep_file(sweep_file, rule_params=rule_params)
    function = SimulatorFunction(loaded, replications or loaded.sweep.replications)
    # EMA wants an alphanumeric model name.
    model = Model(re.sub(r"[^0-9A-Za-z]", "", name or loaded.sweep.name) or "coercionsim", function=function)
    uncertainties = []
    for key, p in function.names.items():
        if p.levels is not None:
            uncertainties.append(CategoricalParameter(key, list(p.levels)))
        elif p.distribution == "integer":
            assert p.range is not None
            uncertainties.append(IntegerParameter(key, int(p.range[0]), int(p.range[1])))
        else:
            assert p.range is not None
            uncertainties.append(RealParameter(key, float(p.range[0]), float(p.range[1])))
    model.uncertainties = uncertainties
    outcomes = [ScalarOutcome(f"share_{c}") for c in OUTCOME_CLASSES]
    outcomes += [ScalarOutcome("gdp_loss_pct_coercer"), ScalarOutcome("gdp_loss_pct_target")]
    model.outcomes = outcomes
    return model
