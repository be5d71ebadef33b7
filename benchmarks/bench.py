"""Speed figures for coercion-sim (a script, not a test).

    python benchmarks/bench.py           # a readable table
    python benchmarks/bench.py --json    # one JSON object
    python benchmarks/bench.py --quick   # fewer repeats

Figures: one replication of experiments/rare_earth_curb.toml in-process (model building,
540 days, output tables); a generated world of 10,000 firms for 365 days through the Mesa model;
and the vectorised daily step against the plain per-firm reference loop at 1,000 firms.
Goals (issue 2): replication_s < 0.2, firms_10k_s < 3, vectorised_speedup_1k >= 20.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from reference_economy import reference_step  # noqa: E402

from sim.config import load_scenario  # noqa: E402
from sim.economy import initial_state, policy_from_measures, step  # noqa: E402
from sim.model import CoercionModel  # noqa: E402
from sim.runner import replication_seeds, run_replication  # noqa: E402
from sim.synthetic import random_scenario  # noqa: E402
from sim.world import build_world, measure_index  # noqa: E402

GOALS = {"replication_s": 0.2, "firms_10k_s": 3.0, "vectorised_speedup_1k": 20.0}


def best_of(repeats: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_replication(repeats: int) -> dict[str, float]:
    scenario = load_scenario(ROOT / "experiments" / "rare_earth_curb.toml")
    seed = replication_seeds(scenario.seed, 1)[0]
    run_replication(scenario, seed)  # warm-up (imports, caches)
    total = best_of(repeats, lambda: run_replication(scenario, seed))
    world = build_world(scenario)
    model_only = best_of(repeats, lambda: CoercionModel(scenario, seed, world=world).run())
    return {"replication_s": total, "replication_model_s": model_only}


def big_world(n_firms: int, days: int):  # type: ignore[no-untyped-def]
    return random_scenario(
        np.random.default_rng(2026), n_countries=5, n_products=12, n_firms=n_firms, horizon_days=days, n_measures=4
    )


def bench_10k(repeats: int) -> dict[str, float]:
    scenario = big_world(10_000, 365)
    world = build_world(scenario)
    seconds = best_of(repeats, lambda: CoercionModel(scenario, 1, world=world).run())
    return {"firms_10k_s": seconds, "firms_10k_ms_per_day": 1000 * seconds / 365}


def bench_speedup(days: int) -> dict[str, float]:
    scenario = big_world(1_000, days)
    world = build_world(scenario)
    measures = [measure_index(world, item, 0) for item in scenario.schedule]
    policy = policy_from_measures(world, measures, 0)

    def run(fn) -> float:  # type: ignore[no-untyped-def]
        state = initial_state(world)
        start = time.perf_counter()
        for _ in range(days):
            fn(world, state, policy)
        return (time.perf_counter() - start) / days

    run(step)
    fast = min(run(step) for _ in range(3))
    slow = run(reference_step)
    return {"step_1k_ms": 1000 * fast, "reference_step_1k_ms": 1000 * slow, "vectorised_speedup_1k": slow / fast}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    figures: dict[str, object] = {}
    figures.update(bench_replication(repeats * 3))
    figures.update(bench_10k(repeats))
    figures.update(bench_speedup(3 if args.quick else 5))
    figures["machine"] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        if key == "machine":
            continue
        goal = GOALS.get(key)
        verdict = ""
        if goal is not None:
            ok = value >= goal if key == "vectorised_speedup_1k" else value < goal
            verdict = f"  goal {'>=' if key == 'vectorised_speedup_1k' else '<'} {goal:g}: {'met' if ok else 'NOT met'}"
        print(f"{key:<28} {value:10.4f}{verdict}")
    print(f"machine: {figures['machine']}")


if __name__ == "__main__":
    main()
