"""Speed figures for coercion-sim (a script, not a test).

    python benchmarks/bench.py           # a readable table
    python benchmarks/bench.py --json    # exactly one JSON object on stdout
    python benchmarks/bench.py --quick   # fewer repeats and reference days (about half the time)

Figures (seeds fixed, so every run times the same work):

* ``replication_s``: one replication of experiments/rare_earth_ban_scripted.toml in-process, as
  :func:`sim.runner.run_replication` does it (world building, Mesa model, 540 days, output
  tables), best of N. Also split into ``replication_build_s`` (world arrays), ``replication_init_s``
  (model and agents), ``replication_steps_s`` (the daily clock) and ``replication_tables_s``
  (timeseries, events and outcome row), each best of N on its own.
* ``strategic_replication_s``: one replication of the strategic experiments/rare_earth_curb.toml;
  ``strategic_decisions_s`` is what the agents' decisions add to the same run without them;
  ``strategic_outcomes_only_s`` an outcomes-only replication (no timeseries table) as a sweep
  runs it: in a lockstep batch of 20 replications (sim/lockstep.py), the batch's time / 20 (the
  issue-8 goal, also in benchmarks/bench_sweep.py); ``strategic_outcomes_only_alone_s`` the
  first of them run alone.
* ``firms_10k_s``: a generated world of 10,000 firms (5 countries, 12 pool products + 1 final
  good, 4 measures) run for 365 days through the Mesa model with per-firm recording on, as a user
  would (model building + stepping; the world arrays are built once, beforehand, and timed
  separately as ``firms_10k_build_s``; the output tables as ``firms_10k_tables_s``).
* ``vectorised_speedup_1k``: the per-firm reference loop (tests/reference_economy.py) against the
  vectorised :func:`sim.economy.step`, time per daily step on a 1,000-firm world under the
  world's measures, measured over a few days from the same starting state.

Goals (issue 2): replication_s < 0.2, firms_10k_s < 3, vectorised_speedup_1k >= 20; (issue 8)
strategic_outcomes_only_s <= 0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.config import Scenario, load_scenario  # noqa: E402
from sim.economy import initial_state, policy_from_measures, step  # noqa: E402
from sim.lockstep import LOCKSTEP_REPLICATIONS  # noqa: E402
from sim.model import CoercionModel  # noqa: E402
from sim.results import collect  # noqa: E402
from sim.runner import replication_seeds, run_batch, run_replication  # noqa: E402
from sim.synthetic import random_scenario  # noqa: E402
from sim.world import build_world, measure_index  # noqa: E402

GOALS = {
    "replication_s": ("<", 0.2),
    "firms_10k_s": ("<", 3.0),
    "vectorised_speedup_1k": (">=", 20.0),
    "strategic_outcomes_only_s": ("<=", 0.1),
}
WORLD_SEED = 2026  # the generated worlds
MODEL_SEED = 1  # their replication seed


def timings(repeats: int, fn: Callable[[], Any]) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    return min(timings(repeats, fn))


def bench_replication(repeats: int) -> dict[str, float]:
    scenario = load_scenario(ROOT / "experiments" / "rare_earth_ban_scripted.toml")
    seed = replication_seeds(scenario.seed, 1)[0]
    run_replication(scenario, seed)  # warm-up (imports, caches)
    runs = timings(repeats, lambda: run_replication(scenario, seed))

    # The same replication in its parts, each part best of N on its own.
    build = best_of(repeats, lambda: build_world(scenario))
    world = build_world(scenario)
    init = best_of(repeats, lambda: CoercionModel(scenario, seed, world=world))
    steps, model = float("inf"), None
    for _ in range(repeats):
        model = CoercionModel(scenario, seed, world=world)
        start = time.perf_counter()
        model.run()
        steps = min(steps, time.perf_counter() - start)
    tables = best_of(repeats, lambda: collect(model, 0))
    return {
        "replication_s": min(runs),
        "replication_runs_s": runs,
        "replication_build_s": build,
        "replication_init_s": init,
        "replication_steps_s": steps,
        "replication_tables_s": tables,
        "replication_days": scenario.horizon_days,
        "replication_firms": world.n_firms,
    }


def bench_strategic(repeats: int) -> dict[str, float]:
    """One replication of the strategic experiments/rare_earth_curb.toml (three governments and
    four firms deciding weekly over 540 days), and the decision clock's share of it."""
    scenario = load_scenario(ROOT / "experiments" / "rare_earth_curb.toml")
    seed = replication_seeds(scenario.seed, 1)[0]
    world = build_world(scenario)
    run_replication(scenario, seed, world=world)  # warm-up
    total = best_of(repeats, lambda: run_replication(scenario, seed, world=world))
    scripted = load_scenario(ROOT / "experiments" / "rare_earth_curb.toml", overrides=["governments={}", "firms.toyota.rules=[]",
                             "firms.honda.rules=[]", "firms.sony.rules=[]", "firms.alt_ree_supplier.rules=[]"])
    quiet = best_of(repeats, lambda: run_replication(scripted, seed, world=world))
    alone = best_of(repeats, lambda: run_replication(scenario, seed, world=world, series=False))
    seeds = replication_seeds(scenario.seed, LOCKSTEP_REPLICATIONS)
    batch = range(LOCKSTEP_REPLICATIONS)
    in_batch = best_of(repeats, lambda: run_batch(scenario, seeds, batch, world, series=False)) / LOCKSTEP_REPLICATIONS
    return {"strategic_replication_s": total, "strategic_decisions_s": max(total - quiet, 0.0),
            "strategic_outcomes_only_s": in_batch, "strategic_outcomes_only_alone_s": alone}


def generated_world(n_firms: int, days: int) -> Scenario:
    return random_scenario(
        np.random.default_rng(WORLD_SEED), n_countries=5, n_products=12, n_firms=n_firms, horizon_days=days, n_measures=4
    )


def bench_10k(repeats: int) -> dict[str, float]:
    scenario = generated_world(10_000, 365)
    start = time.perf_counter()
    world = build_world(scenario)
    build = time.perf_counter() - start
    models: list[CoercionModel] = []

    def run() -> None:
        model = CoercionModel(scenario, MODEL_SEED, world=world, record_firms=True)
        model.run()
        models[:] = [model]

    runs = timings(repeats, run)
    seconds = min(runs)
    tables = best_of(1, lambda: collect(models[-1], 0))
    return {
        "firms_10k_s": seconds,
        "firms_10k_runs_s": runs,
        "firms_10k_ms_per_day": 1000 * seconds / scenario.horizon_days,
        "firms_10k_build_s": build,
        "firms_10k_tables_s": tables,
        "firms_10k_pairs": int(world.pair_row.size),
    }


def load_reference() -> Callable | None:
    """tests/reference_economy.py's ``reference_step`` (the per-firm loop), or None if absent."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    try:
        from reference_economy import reference_step
    except ImportError:
        return None
    return reference_step


def bench_speedup(days: int, repeats: int) -> dict[str, Any]:
    reference_step = load_reference()
    scenario = generated_world(1_000, 365)
    world = build_world(scenario)
    # Every measure of the world in force from day 0, so the steps do the full work.
    measures = [measure_index(world, item, 0) for item in scenario.schedule]
    policy = policy_from_measures(world, measures, 0)

    def per_step(fn: Callable) -> tuple[float, Any]:
        state = initial_state(world)
        result = None
        start = time.perf_counter()
        for _ in range(days):
            result = fn(world, state, policy)
        return (time.perf_counter() - start) / days, result

    per_step(step)  # warm-up
    fast = min(per_step(step)[0] for _ in range(repeats))
    figures: dict[str, Any] = {"step_1k_ms": 1000 * fast, "speedup_days": days}
    if reference_step is None:
        figures.update(reference_step_1k_ms=None, vectorised_speedup_1k=None)
        figures["note"] = "tests/reference_economy.py not found: no reference timing"
        return figures
    slow, want = per_step(reference_step)
    _, got = per_step(step)
    # Sanity: the two steps computed the same thing (to rounding) over the days timed.
    diff = max(
        float(np.max(np.abs(getattr(got, name) - getattr(want, name)), initial=0.0))
        / max(float(np.max(np.abs(getattr(want, name)), initial=0.0)), 1e-300)
        for name in ("shipments", "output", "profit", "gdp_loss")
    )
    figures.update(
        reference_step_1k_ms=1000 * slow, vectorised_speedup_1k=slow / fast, reference_max_scaled_diff=diff
    )
    return figures


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and reference days")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    figures.update(bench_replication(repeats))
    figures.update(bench_strategic(repeats))
    figures.update(bench_10k(1 if args.quick else 3))
    figures.update(bench_speedup(days=2 if args.quick else 5, repeats=repeats))
    figures["goals_met"] = {key: _meets(key, figures.get(key)) for key in GOALS}
    figures["repeats"] = repeats
    figures["bench_seconds"] = time.perf_counter() - started
    figures["machine"] = machine()
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{'figure':<30} {'value':>12}  goal")
    for key, value in figures.items():
        if key in ("machine", "goals_met") or isinstance(value, list):
            continue
        goal = ""
        if key in GOALS:
            op, target = GOALS[key]
            goal = f"{op} {target:g}: {'met' if figures['goals_met'][key] else 'NOT met'}"
        if isinstance(value, float):
            shown = f"{value:12.3e}" if 0 < abs(value) < 1e-3 else f"{value:12.4f}"
        else:
            shown = f"{value!s:>12}"
        print(f"{key:<30} {shown}  {goal}")
    print("machine: " + ", ".join(f"{k} {v}" for k, v in figures["machine"].items()))


def _meets(key: str, value: float | None) -> bool | None:
    if value is None:
        return None
    op, target = GOALS[key]
    return {"<": value < target, "<=": value <= target, ">=": value >= target}[op]


if __name__ == "__main__":
    main()
