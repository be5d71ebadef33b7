"""Experimental designs: pure functions from a sweep spec to a table of parameter points.

Kept apart from the executors (``sim/sweep.py``), as EMA Workbench keeps samplers apart from
evaluators. A design is a DataFrame with one row per point (``point`` 0..n-1), one column per
parameter (real dtypes), and, for sampled designs, the unit-cube coordinates ``u.<name>`` the
sampler drew (Sobol and Morris analyses work on them).

* ``grid``: every combination of the parameters' values (ranges: ``steps`` values, linear,
  geometric for log_uniform, every integer for integer ranges without steps).
* ``lhs``: a Latin hypercube (``scipy.stats.qmc.LatinHypercube``), ``samples`` points.
* ``sobol``: a scrambled Sobol' sequence (``scipy.stats.qmc.Sobol``), ``samples`` points (2^m).
* ``saltelli``: SALib's Sobol' sampling for Sobol indices: ``samples * (k + 2)`` points
  (``samples * (2k + 2)`` with second-order indices).
* ``morris``: SALib's Morris trajectories: ``samples * (k + 1)`` points on ``levels`` levels.

Unit coordinates map to values by the parameter's distribution: uniform, log-uniform (uniform
in log), integer (equal-width bins over low..high), choice/values (equal-width bins over the list).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep_config import Parameter, Sweep

UNIT_PREFIX = "u."


def grid_values(p: Parameter) -> list[Any]:
    if p.levels is not None:
        return list(p.levels)
    assert p.range is not None
    low, high = p.range
    if p.distribution == "integer":
        if p.steps is None:
            return list(range(int(low), int(high) + 1))
        return sorted({int(round(v)) for v in np.linspace(low, high, p.steps)})
    assert p.steps is not None
    # Rounded to 12 significant digits: 0.6, not linspace's 0.6000000000000001.
    if p.distribution == "log_uniform":
        return [float(f"{v:.12g}") for v in np.geomspace(low, high, p.steps)]
    return [float(f"{v:.12g}") for v in np.linspace(low, high, p.steps)]


def from_unit(p: Parameter, u: np.ndarray) -> np.ndarray | list[Any]:
    """Map unit coordinates in [0, 1] to the parameter's values."""
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    levels = p.levels
    if levels is not None:
        idx = np.minimum((u * len(levels)).astype(int), len(levels) - 1)
        return [levels[i] for i in idx]
    assert p.range is not None
    low, high = p.range
    if p.distribution == "uniform":
        return low + u * (high - low)
    if p.distribution == "log_uniform":
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    n = int(high) - int(low) + 1
    return int(low) + np.minimum((u * n).astype(np.int64), n - 1)


def problem(sweep: Sweep) -> dict[str, Any]:
    """The SALib problem: every parameter on its unit coordinate."""
    return {
        "num_vars": len(sweep.parameters),
        "names": [p.column for p in sweep.parameters],
        "bounds": [[0.0, 1.0]] * len(sweep.parameters),
    }


def unit_sample(sweep: Sweep) -> np.ndarray:
    """(n, k) unit-cube coordinates of a sampled design, seeded by the sweep's root seed."""
    k, n = len(sweep.parameters), int(sweep.samples or 0)
    if sweep.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=k, rng=np.random.default_rng(sweep.seed)).random(n)
    if sweep.design == "sobol":
        from scipy.stats import qmc

        return qmc.Sobol(d=k, scramble=True, rng=np.random.default_rng(sweep.seed)).random_base2(int(np.log2(n)))
    if sweep.design == "saltelli":
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(problem(sweep), n, calc_second_order=sweep.second_order, seed=sweep.seed)
    if sweep.design == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(problem(sweep), n, num_levels=sweep.levels, seed=sweep.seed)
    raise ValueError(f"not a sampled design: {sweep.design}")


def _typed(p: Parameter, values: list[Any] | np.ndarray) -> pd.Series:
    if p.levels is not None:
        kinds = {type(v) for v in p.levels}
        if kinds <= {int, float} and float in kinds:
            return pd.Series([float(v) for v in values], dtype="float64")
        if kinds == {int}:
            return pd.Series(values, dtype="int64")
        if kinds == {bool}:
            return pd.Series(values, dtype="bool")
        return pd.Series([str(v) for v in values], dtype="object")
    if p.distribution == "integer":
        return pd.Series(np.asarray(values, dtype=np.int64))
    return pd.Series(np.asarray(values, dtype=np.float64))


def design_table(sweep: Sweep) -> pd.DataFrame:
    """The sweep's points: ``point``, one typed column per parameter, and ``u.<name>`` columns
    (sampled designs). A pure function of the spec: the same spec gives the same table."""
    params = sweep.parameters
    if sweep.design == "grid":
        combos = list(itertools.product(*(grid_values(p) for p in params)))
        table = pd.DataFrame({"point": np.arange(len(combos), dtype=np.int64)})
        for j, p in enumerate(params):
            table[p.column] = _typed(p, [c[j] for c in combos])
        return table
    unit = unit_sample(sweep)
    table = pd.DataFrame({"point": np.arange(len(unit), dtype=np.int64)})
    for j, p in enumerate(params):
        table[p.column] = _typed(p, from_unit(p, unit[:, j]))
    for j, p in enumerate(params):
        table[UNIT_PREFIX + p.column] = unit[:, j]
    return table
