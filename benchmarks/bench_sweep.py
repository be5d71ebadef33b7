"""Speed and memory of sweeps (a script, not a test): ``make bench-sweep``.

    python benchmarks/bench_sweep.py            # the figures below, a readable table
    python benchmarks/bench_sweep.py --json     # exactly one JSON object on stdout
    python benchmarks/bench_sweep.py --quick    # smaller sweeps (about a minute)

Figures (seeds fixed, so every run times the same work):

* ``replication_outcomes_s``: one outcomes-only replication of experiments/rare_earth_curb.toml
  (540 days) as a sweep runs it: in a lockstep batch of 20 (sim/lockstep.py), the batch's time /
  20, best of N, in-process; ``replication_outcomes_alone_s`` the same replication run alone and
  ``replication_full_s`` run alone with all tables (as ``sim run`` recorded it before lockstep);
  ``lockstep_speedup`` = alone / in a batch; ``*_cpu_s`` the same in CPU seconds (less sensitive
  to other processes on the machine).
* ``sweep_1000_2w_s``: wall time of a 1,000-run ``sim sweep`` of rare_earth_curb (a grid of 50
  values of China's cost tolerance x 20 replications), outcomes only, 2 local workers; and its
  runs/s. (``--quick``: 200 runs.)
* ``speedup_2w``: runs/s on 2 workers / runs/s on 1 worker, the same 200-run sweep (10 lockstep
  batches: 5 a worker); with ``utilisation_*`` (CPU seconds of the runs / (wall seconds x
  workers)), which tells an executor that idles its workers from a machine busy with other work.
* ``batch_run_typical_100_2p_s``: a 100-run grid through ``mesa.batch_run`` on 2 processes, as a
  Mesa user would write the model class: its ``__init__`` reads the scenario with the run's
  parameter and builds the model (so the world) from it, with the model's default recording, and
  a DataCollector with three model reporters and the final outcome, collected every day.
  ``vs_batch_run`` = sim sweep's runs/s (the 200-run sweep on 2 workers) / batch_run's (the
  issue's comparison). ``batch_run_best_100_2p_s``: batch_run's best case, which no Mesa user
  would write without knowing this code base: the sweep's own outcomes-only model, the world
  built once per value and process, only the final outcome reported; ``vs_batch_run_best`` the
  same ratio against it. ``*_cpu_s``: the CPU seconds their worker processes used (startup
  included), which other processes on a shared machine do not distort as they distort wall time.
* Goals (issue 8, section 4), each reported as met or not (``goals`` in the JSON object):
  ``replication_outcomes_s`` <= 0.1; ``sweep_1000_2w_s`` <= 120 (``--quick``: ``sweep_200_2w_s``
  <= 24, the same rate); ``speedup_2w`` >= 1.8; ``peak_rss_ratio`` <= 1.2; ``vs_batch_run`` >= 2.
* ``peak_rss_ratio``: peak resident memory (VmHWM) of the main process of a 10,000-run sweep /
  that of a 1,000-run sweep (a 10-day horizon so that 10,000 runs take a minute or two; the main
  process is what holds results; workers run one lockstep batch at a time); ``load_sweep_10000_s``:
  the time ``load_sweep`` takes to read that 10,000-run folder.
* ``lockstep_replication_s_<B>`` (only with ``--lockstep``, about a minute): an outcomes-only
  replication in lockstep batches of B = 1, 5, 10, 20, 40 (the batch's time / B).

Where the figures stand. Alone, an outcomes-only replication of rare_earth_curb costs about
0.2-0.3 s here (it depends on the episode), about 80% of it the economy's daily step: some 600
numpy calls a day on arrays of 5-900 values, each mostly fixed overhead. Stepping a sweep point's
replications together as copies of one world (sim/stacking.py) shares those overheads: in a batch
of 20 a replication costs about 0.085-0.09 s, of which about 0.035 s is its share of the economy
and the rest its own Python (the governments' and firms' decisions, about 0.03 s, and the daily
bookkeeping, about 0.015 s), which does not batch. Per replication: 0.20 s alone, 0.12 s in 5,
0.095 s in 10, 0.085-0.09 s in 20, 0.10 s in 40 (larger batches pay for arrays that no longer fit
the caches); hence 20. A sweep adds almost nothing per run outside the model (a worker's outcome
and event rows about 0.8 ms, pickling 0.8 ms, part writes 0.3 ms), so the 1,000-run sweep is 50
batches on 2 workers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mesa  # noqa: E402

from agents.base import rule_params  # noqa: E402
from sim.config import load_scenario  # noqa: E402
from sim.lockstep import LOCKSTEP_REPLICATIONS  # noqa: E402
from sim.model import CoercionModel  # noqa: E402
from sim.results import outcome_row  # noqa: E402
from sim.runner import replication_seeds, run_batch, run_replication  # noqa: E402
from sim.sweep import run_sweep  # noqa: E402
from sim.sweep_config import load_sweep_file  # noqa: E402
from sim.world import build_world  # noqa: E402

CURB = ROOT / "experiments" / "rare_earth_curb.toml"
TOLERANCE = "governments.CN.rules[0].params.stake_pct"


def bench_replication(repeats: int) -> dict[str, float]:
    """One replication of rare_earth_curb run alone (full tables, and outcomes only), and an
    outcomes-only replication as a sweep runs it: in a lockstep batch of LOCKSTEP_REPLICATIONS
    (the batch's time / its size; the seeds are the batch's own, so several episodes)."""
    scenario = load_scenario(CURB, rule_params=rule_params)
    seeds = replication_seeds(scenario.seed, LOCKSTEP_REPLICATIONS)
    seed = seeds[0]
    world = build_world(scenario)
    run_replication(scenario, seed, 0, world)
    full, light, batch, full_cpu, light_cpu, batch_cpu = [], [], [], [], [], []
    n = LOCKSTEP_REPLICATIONS
    for _ in range(repeats):  # alternate, so that load from other processes hits all alike
        t, c = time.perf_counter(), time.process_time()
        run_replication(scenario, seed, 0, world, series=True)
        full.append(time.perf_counter() - t)
        full_cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        run_replication(scenario, seed, 0, world, series=False)
        light.append(time.perf_counter() - t)
        light_cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        run_batch(scenario, seeds, range(n), world, series=False)
        batch.append((time.perf_counter() - t) / n)
        batch_cpu.append((time.process_time() - c) / n)
    return {"replication_full_s": min(full), "replication_outcomes_alone_s": min(light),
            "replication_outcomes_s": min(batch),
            "outcomes_speedup": min(full) / min(light), "lockstep_speedup": min(light) / min(batch),
            "replication_full_cpu_s": min(full_cpu), "replication_outcomes_alone_cpu_s": min(light_cpu),
            "replication_outcomes_cpu_s": min(batch_cpu)}


def sweep_file(folder: Path, name: str, points: int, replications: int, base: Path = CURB, horizon: int | None = None) -> Path:
    path = folder / f"{name}.toml"
    fixed = f'set = ["horizon_days={horizon}"]\n' if horizon else ""
    path.write_text(
        f'name = "{name}"\nbase = "{base.as_posix()}"\nreplications = {replications}\nseed = 1\n{fixed}'
        f'[[parameters]]\npath = "{TOLERANCE}"\nname = "tol"\nrange = [0.3, 0.9]\nsteps = {points}\n'
    )
    return path


UTILISATION: dict[str, float] = {}


def children_cpu() -> float:
    """CPU seconds of finished child processes (pool workers once joined)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_sweep(path: Path, out: Path, workers: int) -> float:
    """Wall seconds; also records the workers' utilisation (their runs' CPU seconds / (wall x
    workers)): below 1 either the executor idles them or the machine does not give them a core."""
    loaded = load_sweep_file(path, rule_params=rule_params)
    start = time.perf_counter()
    result = run_sweep(loaded, out, workers=workers)
    seconds = time.perf_counter() - start
    assert result.failed == 0
    UTILISATION[out.name] = result.cpu_seconds / (seconds * workers)
    return seconds


# --------------------------------------------------------------------------- mesa.batch_run


class _Last:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __getitem__(self, step: int) -> Any:
        return self.value


class _FinalOutcome:
    """What ``batch_run`` reads from a DataCollector, holding only the final outcome (its best case)."""

    def __init__(self) -> None:
        self.model_vars: dict[str, Any] = {}
        self._agent_records: dict[int, list] = {}


@lru_cache(maxsize=64)
def _scenario(tolerance: float):  # type: ignore[no-untyped-def]
    scenario = load_scenario(CURB, [f"{TOLERANCE}={tolerance!r}"], rule_params=rule_params)
    return scenario, build_world(scenario)


class BatchModel(CoercionModel):
    """The simulator as mesa.batch_run wants it: parameters as keyword arguments (best case:
    outcomes-only recording, only the final outcome reported)."""

    def __init__(self, tol: float = 0.75, replication: int = 0, replications: int = 1) -> None:
        scenario, world = _scenario(tol)
        super().__init__(scenario, replication_seeds(1, replications)[replication], world=world, outcomes_only=True)
        self.datacollector = _FinalOutcome()

    def step(self) -> None:
        super().step()
        if self.day == self.scenario.horizon_days:
            self.running = False
            row = outcome_row(self)
            self.datacollector.model_vars = {"outcome": _Last(row["outcome"]), "path": _Last(row["path"])}


class TypicalBatchModel(CoercionModel):
    """As a Mesa user would write it: the scenario read with the run's parameter and the model
    built from it (the world too) in ``__init__``, the model's default recording, and a
    DataCollector collected every day (three series and, at the end, the outcome and path)."""

    def __init__(self, tol: float = 0.75, replication: int = 0, replications: int = 1) -> None:
        scenario = load_scenario(CURB, [f"{TOLERANCE}={tol!r}"], rule_params=rule_params)
        super().__init__(scenario, replication_seeds(1, replications)[replication])
        self.final: dict[str, Any] = {}
        self.datacollector = mesa.DataCollector(model_reporters={
            "gdp_loss_JP": lambda m: float(m.cum_gdp_loss[m.country_index["JP"]]),
            "pressure_JP": lambda m: float(m.pressure[m.country_index["JP"]]),
            "measures": lambda m: len(m.active),
            "outcome": lambda m: m.final.get("outcome"),
            "path": lambda m: m.final.get("path"),
        })

    def step(self) -> None:
        super().step()
        if self.day == self.scenario.horizon_days:
            self.running = False
            self.final = outcome_row(self)
        self.datacollector.collect(self)


def bench_batch_run(points: int, replications: int, processes: int, typical: bool = False) -> float:
    scenario, _ = _scenario(0.75)
    params = {"tol": [float(v) for v in np.linspace(0.3, 0.9, points)], "replication": list(range(replications)),
              "replications": replications}
    start = time.perf_counter()
    rows = mesa.batch_run(TypicalBatchModel if typical else BatchModel, params, number_processes=processes, iterations=1,
                          max_steps=scenario.horizon_days - 1, display_progress=False)
    assert len(rows) == points * replications
    return time.perf_counter() - start


# --------------------------------------------------------------------------- lockstep batch sizes


def bench_lockstep(sizes: tuple[int, ...] = (1, 5, 10, 20, 40), repeats: int = 3) -> dict[str, float]:
    """An outcomes-only replication of rare_earth_curb stepped in lockstep batches of each size
    (sim.lockstep): the batch's time / its size, best of ``repeats``, on the same seeds (the first
    ``size`` replications of the scenario's seed). What LOCKSTEP_REPLICATIONS was chosen on."""
    scenario = load_scenario(CURB, rule_params=rule_params)
    world = build_world(scenario)
    seeds = replication_seeds(scenario.seed, max(sizes))
    run_batch(scenario, seeds, range(1), world, series=False)
    figures = {}
    for size in sizes:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            run_batch(scenario, seeds, range(size), world, series=False)
            best = min(best, (time.perf_counter() - start) / size)
        figures[f"lockstep_replication_s_{size}"] = best
    return figures


# --------------------------------------------------------------------------- memory


def peak_memory(path: Path, out: Path, workers: int) -> dict[str, float]:
    """Peak RSS (MB) of a fresh process running the sweep, and of its workers."""
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from agents.base import rule_params\n"
        "from sim.sweep import run_sweep\n"
        "from sim.sweep_config import load_sweep_file\n"
        "if __name__ == '__main__':\n"
        f"    run_sweep(load_sweep_file({str(path)!r}, rule_params=rule_params), Path({str(out)!r}), workers={workers})\n"
        # VmHWM, not ru_maxrss (which keeps the forking parent's peak across exec).
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "    import time\n"
        "    from sim.sweep_analysis import load_sweep\n"
        "    start = time.perf_counter()\n"
        "    n = len(load_sweep(Path(sys.argv[1])))\n"
        "    print(json.dumps({'main_mb': int(hwm) / 1024, 'load_s': time.perf_counter() - start, 'runs': n}))\n"
    )
    script = out.parent / f"{out.name}_mem.py"
    script.write_text(code)
    result = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def goals(figures: dict[str, Any], big: int) -> dict[str, dict[str, Any]]:
    """Each section-4 figure against its goal: ``{figure: {value, goal, met}}``."""
    targets = {
        "replication_outcomes_s": ("<=", 0.1),
        f"sweep_{big}_2w_s": ("<=", 120.0 * big / 1000),
        "speedup_2w": (">=", 1.8),
        "peak_rss_ratio": ("<=", 1.2),
        "vs_batch_run": (">=", 2.0),
    }
    out = {}
    for key, (op, target) in targets.items():
        value = figures.get(key)
        met = None if value is None else (value <= target if op == "<=" else value >= target)
        out[key] = {"value": value, "goal": f"{op} {target:g}", "met": met}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--lockstep", action="store_true", help="only the lockstep batch sizes (seconds per replication)")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    load_before = os.getloadavg()[0]
    if args.lockstep:
        figures.update(bench_lockstep())
        print(json.dumps(figures) if args.json else "\n".join(f"{k:<40} {v:10.4f}" for k, v in figures.items()))
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        figures.update(bench_replication(3 if args.quick else 7))

        big = 200 if args.quick else 1000
        path = sweep_file(tmp, "big", big // 20, 20)
        seconds = timed_sweep(path, tmp / "big", 2)
        figures[f"sweep_{big}_2w_s"] = seconds
        figures[f"sweep_{big}_2w_runs_per_s"] = big / seconds
        figures[f"sweep_{big}_2w_utilisation"] = UTILISATION["big"]

        # 10 points x 20 replications: 10 lockstep batches, 5 a worker on 2 (with 5 batches one
        # worker would run 3 and the other 2, and the ratio would measure that, not the executor).
        path = sweep_file(tmp, "small", 10, 20)
        one = timed_sweep(path, tmp / "small1", 1)
        cpu = children_cpu()
        two = timed_sweep(path, tmp / "small2", 2)
        figures["sweep_200_2w_cpu_s"] = children_cpu() - cpu
        figures["sweep_200_1w_s"], figures["sweep_200_2w_s"] = one, two
        figures["speedup_2w"] = one / two
        figures["utilisation_1w"], figures["utilisation_2w"] = UTILISATION["small1"], UTILISATION["small2"]

        cpu = children_cpu()
        best = bench_batch_run(5, 20, 2)
        figures["batch_run_best_cpu_s"] = children_cpu() - cpu
        cpu = children_cpu()
        typical = bench_batch_run(5, 20, 2, typical=True)
        figures["batch_run_typical_cpu_s"] = children_cpu() - cpu
        figures["batch_run_best_100_2p_s"], figures["batch_run_typical_100_2p_s"] = best, typical
        # Throughputs (runs/s) compared: batch_run ran 100 runs, sim sweep 200.
        figures["vs_batch_run"], figures["vs_batch_run_best"] = (200 / two) / (100 / typical), (200 / two) / (100 / best)

        few, many = (200, 2000) if args.quick else (1000, 10000)
        short = dict(base=CURB, horizon=10)
        small_mem = peak_memory(sweep_file(tmp, "mem_small", few // 20, 20, **short), tmp / "mem_small", 2)
        big_mem = peak_memory(sweep_file(tmp, "mem_big", many // 20, 20, **short), tmp / "mem_big", 2)
        figures[f"peak_rss_main_{few}_mb"] = small_mem["main_mb"]
        figures[f"peak_rss_main_{many}_mb"] = big_mem["main_mb"]
        figures["peak_rss_ratio"] = big_mem["main_mb"] / small_mem["main_mb"]
        figures[f"load_sweep_{many}_s"] = big_mem["load_s"]
    figures["goals"] = goals(figures, big)
    figures["conditions"] = {
        "cpus": os.cpu_count(), "load_average_1min_before": load_before, "python": platform.python_version(),
        "mesa": mesa.__version__, "quick": args.quick,
        "load_average_1min_after": os.getloadavg()[0],
    }
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        if key not in ("conditions", "goals"):
            goal = figures["goals"].get(key)
            verdict = f"  goal {goal['goal']}: {'met' if goal['met'] else 'NOT met'}" if goal else ""
            print(f"{key:<30} {value:10.3f}{verdict}")
    print(f"conditions: {figures['conditions']}")


if __name__ == "__main__":
    main()
