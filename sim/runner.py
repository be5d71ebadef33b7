"""Replications, seeds, executors and the output folder.

Seeds: replication ``k`` of a run with seed ``s`` uses ``SeedSequence(s).spawn(n)[k]``, so results
are identical whether replications run serially or across processes, and in any order.
The output folder appears whole or not at all: it is written under a temporary name beside the
target and renamed into place.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.economy import World
from sim.model import CoercionModel
from sim.results import ReplicationResult, collect
from sim.world import build_world

PACKAGES = ("coercion-sim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "click", "matplotlib")


class OutputExistsError(Exception):
    pass


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(replications)


def run_replication(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    replication: int = 0,
    world: World | None = None,
    series: bool = True,
) -> ReplicationResult:
    """One replication: a plain function of (scenario, seed). Reads no files. ``series=False``
    (outcomes-only batch runs) records only what the outcome row needs and builds no timeseries."""
    model = CoercionModel(scenario, seed, world=world, outcomes_only=not series)
    model.run()
    return collect(model, replication, series=series)


# --------------------------------------------------------------------------- a pool handing out chunks


def map_chunks(
    pool: Executor,
    fn: Callable[..., Any],
    chunks: Iterable[Any],
    in_flight: int,
) -> Iterator[tuple[Any, Future]]:
    """Submit ``fn(chunk)`` for each chunk, at most ``in_flight`` at a time, and yield
    ``(chunk, future)`` as each finishes (completion order): workers started once are handed
    small chunks as they free up, so none idles while another has a long queue. The caller reads
    ``future.result()`` (an exception there is that chunk's alone)."""
    pending: dict[Future, Any] = {}
    source = iter(chunks)
    for chunk in itertools.islice(source, in_flight):
        pending[pool.submit(fn, chunk)] = chunk
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            chunk = pending.pop(fut)
            for nxt in itertools.islice(source, 1):
                pending[pool.submit(fn, nxt)] = nxt
            yield chunk, fut


_WORKER: dict[str, Any] = {}


def _init_replication_worker(scenario: Scenario, seed: int, replications: int, series: bool = True) -> None:
    """Per-process state, set once when the worker starts: the scenario, its world, the seeds."""
    _WORKER["series"] = series
    _WORKER["scenario"] = scenario
    _WORKER["world"] = build_world(scenario)
    _WORKER["seeds"] = replication_seeds(seed, replications)


def _replication_task(k: int) -> ReplicationResult:
    return run_replication(_WORKER["scenario"], _WORKER["seeds"][k], k, _WORKER["world"], series=_WORKER["series"])


@dataclass
class RunResult:
    timeseries: pd.DataFrame
    events: pd.DataFrame
    outcomes: pd.DataFrame
    seconds: float


def run_replications(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    series: bool = True,
) -> RunResult:
    """Run the replications, serially or on ``workers`` processes started once; with processes
    each replication is its own task, handed to the next free worker (``progress`` is called
    per finished replication), and the tables are ordered by replication either way.
    ``series=False``: outcomes and events only (no timeseries), recorded more cheaply."""
    seed = scenario.seed if seed is None else seed
    n = scenario.replications if replications is None else replications
    start = time.perf_counter()
    results: list[ReplicationResult] = []
    if workers <= 1 or n == 1:
        seeds = replication_seeds(seed, n)
        world = build_world(scenario)
        for k in range(n):
            results.append(run_replication(scenario, seeds[k], k, world, series=series))
            if progress:
                progress(1)
    else:
        with ProcessPoolExecutor(
            max_workers=min(workers, n), initializer=_init_replication_worker, initargs=(scenario, seed, n, series)
        ) as pool:
            for _, fut in map_chunks(pool, _replication_task, range(n), in_flight=2 * min(workers, n)):
                results.append(fut.result())
                if progress:
                    progress(1)
    results.sort(key=lambda r: r.replication)
    return RunResult(
        timeseries=_concat([r.timeseries for r in results]),
        events=_concat([r.events for r in results]),
        outcomes=pd.DataFrame([r.outcome for r in results]),
        seconds=time.perf_counter() - start,
    )


def _concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = list(frames)
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    for col in out.columns:
        if isinstance(frames[0][col].dtype, pd.CategoricalDtype) or out[col].dtype == object and col in (
            "variable", "country", "partner", "product", "firm"
        ):
            out[col] = out[col].astype("category")
    return out


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def default_out_dir(scenario: Scenario, root: str | Path = "runs") -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return Path(root) / scenario.name / stamp


def write_run(
    out: str | Path,
    scenario: Scenario,
    result: RunResult,
    seed: int,
    replications: int,
    source_file: str | None = None,
    overrides: list[str] | None = None,
    force: bool = False,
) -> Path:
    """Write the run folder atomically; refuse to replace an existing folder unless ``force``."""
    out = Path(out)
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists; choose another --out or pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        result.events.to_parquet(tmp / "events.parquet", index=False)
        result.outcomes.to_parquet(tmp / "outcomes.parquet", index=False)
        (tmp / "scenario.json").write_text(json.dumps(scenario.model_dump(mode="json"), indent=2))
        seeds = replication_seeds(seed, replications)
        manifest: dict[str, Any] = {
            "scenario": scenario.name,
            "scenario_file": source_file,
            "scenario_sha256": scenario.digest(),
            "overrides": list(overrides or []),
            "seed": seed,
            "replications": replications,
            "replication_seeds": [
                {"replication": k, "entropy": str(s.entropy), "spawn_key": list(s.spawn_key)} for k, s in enumerate(seeds)
            ],
            "facts_used": list(scenario.facts_used),
            "packages": package_versions(),
            "platform": platform.platform(),
            "command": " ".join(sys.argv),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "timing": {"run_seconds": round(result.seconds, 4), "per_replication_seconds": round(result.seconds / max(replications, 1), 4)},
            "files": ["manifest.json", "scenario.json", "timeseries.parquet", "events.parquet", "outcomes.parquet"],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        if out.exists():
            backup = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(backup)
            tmp.rename(out)
            shutil.rmtree(backup)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def summary_table(outcomes: pd.DataFrame, max_rows: int = 12) -> str:
    """A short plain-text summary: outcome shares, most common paths, mean key metrics."""
    lines = []
    n = len(outcomes)
    lines.append(f"{n} replication(s)")
    for name, count in outcomes["outcome"].value_counts().items():
        lines.append(f"  outcome {name:<22} {count:>5}  ({100 * count / n:.0f}%)")
    for path, count in outcomes["path"].value_counts().head(3).items():
        lines.append(f"  path ({count}x): {path or '(no events)'}")
    metrics = [c for c in outcomes.columns if c.startswith(("gdp_loss_pct.", "peak_price_multiple.", "profit_loss_pct."))]
    means = outcomes[metrics].mean(numeric_only=True)
    shown = means.reindex(means.abs().sort_values(ascending=False).index)[:max_rows]
    lines.append("  largest mean metrics:")
    for key, value in shown.items():
        lines.append(f"    {key:<45} {value:>10.3f}")
    return "\n".join(lines)
