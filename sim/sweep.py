"""Run a sweep: the design's points x replications, on local processes or a Dask cluster, streamed
to Parquet part files, resumable.

Runs: run ``r`` is point ``r // R``, replication ``r % R`` (R replications per point), with seed
``SeedSequence(root).spawn(R)[r % R]``: every point sees the same R seeds (common random
numbers across points), and a run's result depends on nothing but its point and seed — not on
the worker count, the executor, the chunking or the order in which runs finish.

The folder (see README "Sweeps"): ``sweep.json`` (the resolved spec, written first),
``design.parquet`` (the points), ``scenario.json`` (the resolved base), ``manifest.json``
(status, counts, timing, packages) and ``parts/``. A part is committed by renaming its
``outcomes-NNNNNN.parquet`` into place *after* its events (and series) parts: on ``--resume`` the
runs in committed outcome parts are done, stray event/series parts of an uncommitted part are
removed, and only the other runs are run again. So a ``kill -9`` at any moment loses at most the
runs not yet committed and never duplicates one.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import apply_overrides, scenario_from_raw
from sim.designs import design_table
from sim.errors import ScenarioError
from sim.lockstep import replication_batch
from sim.results import EVENT_COLUMNS, VARIABLES
from sim.runner import (
    die_with_parent,
    map_chunks,
    package_versions,
    run_replication,
    run_together,
    worker_context,
)
from sim.stacking import stacking_key
from sim.sweep_config import LoadedSweep, Sweep, point_overrides
from sim.world import build_world

PARTS = "parts"
FLUSH_RUNS = 200  # runs buffered before a part is written ...
FLUSH_SECONDS = 5.0  # ... or seconds since the last part, whichever comes first
RUN_COLUMNS = ["run_id", "point", "replication", "seed"]


class SweepFolderError(Exception):
    """The output folder cannot be used (exists, or belongs to another sweep)."""


class SweepInterrupted(Exception):
    def __init__(self, done: int, total: int, out: Path) -> None:
        self.done, self.total, self.out = done, total, out
        super().__init__(f"interrupted: {done} of {total} runs kept in {out}")


# --------------------------------------------------------------------------- what a worker runs


@dataclass
class SweepContext:
    """Everything a worker needs, sent once per worker."""

    base_raw: dict[str, Any]
    base_file: str
    sweep: Sweep
    points: list[dict[str, Any]]  # design rows: column -> value
    series_variables: list[str] = field(default_factory=list)
    # Fingerprint of what decides a point's scenario: a worker's cache of built scenarios and
    # worlds is keyed by it (not by the object's id, which a later sweep's context may reuse).
    fingerprint: str = field(init=False, default="")

    def __post_init__(self) -> None:
        text = json.dumps([self.base_raw, self.base_file, self.sweep.digest(), self.points], sort_keys=True, default=str)
        self.fingerprint = hashlib.sha256(text.encode()).hexdigest()

    @property
    def replications(self) -> int:
        return self.sweep.replications


_CACHE: dict[tuple[str, int], tuple[Any, Any]] = {}
_SEEDS: dict[tuple[int, int], list[np.random.SeedSequence]] = {}


def _point_scenario(ctx: SweepContext, point: int) -> tuple[Any, Any]:
    from agents.base import rule_params

    key = (ctx.fingerprint, point)
    if key not in _CACHE:
        if len(_CACHE) >= 64:  # (a lockstep batch may span 20 points: keep them all)
            _CACHE.pop(next(iter(_CACHE)))
        raw = apply_overrides(ctx.base_raw, point_overrides(ctx.sweep, ctx.points[point]))
        scenario = scenario_from_raw(raw, ctx.base_file, rule_params=rule_params)
        _CACHE[key] = (scenario, build_world(scenario, ctx.base_file))
    return _CACHE[key]


def _seeds(ctx: SweepContext) -> list[np.random.SeedSequence]:
    key = (ctx.sweep.seed, ctx.replications)
    if key not in _SEEDS:
        _SEEDS[key] = np.random.SeedSequence(ctx.sweep.seed).spawn(ctx.replications)
    return _SEEDS[key]


def _as_list(text: Any) -> list[str]:
    return [x for x in str(text).split(",") if x] if isinstance(text, str) else []


EVENT_TABLE_COLUMNS = ["run_id", "point", "replication", *[c for c in EVENT_COLUMNS if c != "replication"]]


def _event_rows(records: list[dict[str, Any]], run_id: int, point: int, replication: int) -> list[dict[str, Any]]:
    """A run's events as rows of the sweep's events table (lists as lists). Rows, not a table: a
    worker sends plain rows and :func:`write_part` builds one table per part (a table per run
    was most of a run's cost outside the model)."""
    rows = []
    for e in records:
        row = {"run_id": run_id, "point": point, "replication": replication, **e}
        row["products"], row["tiers"] = _as_list(e["products"]), _as_list(e["tiers"])
        row["alternatives"] = json.loads(e["alternatives"])
        rows.append(row)
    return rows


def _events_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    ev = pd.DataFrame(rows, columns=EVENT_TABLE_COLUMNS)
    for col in ("run_id", "point", "replication", "day", "rung"):
        ev[col] = ev[col].astype("int64")
    return ev


def run_chunk(ctx: SweepContext, run_ids: list[int]) -> list[dict[str, Any]]:
    """Run these runs; each gives ``{"row", "events", "series"}`` (events as rows, see
    :func:`_event_rows`). A run that raises is a row with its ``error`` (the sweep goes on).

    Runs are stepped in lockstep by batch: runs with the same ``run_id // sweep.lockstep`` (a
    point's replications, or several points' when they have fewer), those of them whose worlds
    stack together (:func:`sim.stacking.stacking_key`: e.g. points that differ in decision
    parameters only) in one group. A batch is always run whole, so a run's result does not depend
    on which of its batch's runs this chunk (or a resumed sweep) asks for; only those are returned."""
    out = []
    wanted = set(run_ids)
    total, size = len(ctx.points) * ctx.replications, ctx.sweep.lockstep
    for batch_runs in _by_batch(run_ids, total, size):
        batch = replication_batch(batch_runs[0], total, size)
        out.extend(r for r in _run_batch(ctx, batch) if r["row"]["run_id"] in wanted)
    return out


def _by_batch(run_ids: list[int], total: int, size: int) -> list[list[int]]:
    """``run_ids`` grouped by lockstep batch (of ``size`` consecutive run ids), in order."""
    groups: dict[int, list[int]] = {}
    for run_id in run_ids:
        groups.setdefault(replication_batch(run_id, total, size).start, []).append(run_id)
    return list(groups.values())


def _run_batch(ctx: SweepContext, batch: range) -> list[dict[str, Any]]:
    """One batch of runs in lockstep, a group per stackable world (in order of first run). If a
    group raises, its runs are run one by one, so that only the failing run is a row with its error."""
    cpu = time.process_time()
    groups: dict[tuple, list[tuple[int, int]]] = {}
    records = []
    for run_id in batch:
        point, replication = divmod(run_id, ctx.replications)
        try:
            world = _point_scenario(ctx, point)[1]
        except Exception:  # a point whose scenario cannot be built: its runs are rows with the error
            records.append(_one_run(ctx, point, replication))
            continue
        groups.setdefault(stacking_key(world), []).append((point, replication))
    for runs in groups.values():
        try:
            results = run_together(
                [(*_point_scenario(ctx, point), _seeds(ctx)[replication], replication) for point, replication in runs],
                series=ctx.sweep.keep.series,
            )
        except Exception:
            records.extend(_one_run(ctx, point, replication) for point, replication in runs)
            continue
        spent = (time.process_time() - cpu) / len(runs)
        records.extend(_run_record(ctx, point, replication, result=result, scenario=_point_scenario(ctx, point)[0], cpu=spent)
                       for (point, replication), result in zip(runs, results))
        cpu = time.process_time()
    return sorted(records, key=lambda r: r["row"]["run_id"])


def _one_run(ctx: SweepContext, point: int, replication: int) -> dict[str, Any]:
    cpu = time.process_time()
    try:
        scenario, world = _point_scenario(ctx, point)
        result = run_replication(scenario, _seeds(ctx)[replication], replication, world, series=ctx.sweep.keep.series)
    except Exception as exc:  # a failed run is a row with its error
        return _run_record(ctx, point, replication, error=f"{type(exc).__name__}: {exc}", cpu=time.process_time() - cpu)
    return _run_record(ctx, point, replication, result=result, scenario=scenario, cpu=time.process_time() - cpu)


def _run_record(
    ctx: SweepContext, point: int, replication: int, result: Any = None, scenario: Any = None, error: str | None = None,
    cpu: float = 0.0,
) -> dict[str, Any]:
    """A run's outcome row, event rows and (if kept) series; or its row with ``error``."""
    run_id = point * ctx.replications + replication
    row: dict[str, Any] = {"run_id": run_id, "point": point, "replication": replication, "seed": ctx.sweep.seed}
    row.update(ctx.points[point])
    events = series = None
    if result is None:
        row["error"] = error
    else:
        outcome = dict(result.outcome)
        outcome.pop("replication")
        outcome["actors"] = _as_list(outcome["actors"])
        row.update(outcome)
        row["error"] = None
        events = _event_rows(result.event_records, run_id, point, replication)
        if ctx.sweep.keep.series:
            series = _decimate(result.timeseries, ctx, scenario.horizon_days)
            series = series.drop(columns=["replication"])
            series.insert(0, "run_id", run_id)
    # CPU seconds go to the manifest (utilisation of the workers), never into the table.
    return {"row": row, "events": events, "series": series, "cpu": cpu}


def _decimate(ts: pd.DataFrame, ctx: SweepContext, horizon: int) -> pd.DataFrame:
    every = ctx.sweep.keep.every_days
    mask = (ts["day"] % every == 0) | (ts["day"] == horizon - 1)
    if ctx.series_variables:
        mask &= ts["variable"].isin(ctx.series_variables)
    return ts[mask].reset_index(drop=True)


_LOCAL: dict[str, SweepContext] = {}


def _init_local_worker(ctx: SweepContext, parent_pid: int) -> None:
    # Ctrl-C is the main process's to handle: it keeps what finished and stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker never outlives a sweep killed with kill -9.
    die_with_parent(parent_pid)
    _LOCAL["ctx"] = ctx


def _local_chunk(run_ids: list[int]) -> list[dict[str, Any]]:
    return run_chunk(_LOCAL["ctx"], run_ids)


# --------------------------------------------------------------------------- part files


def _typed_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in df.columns:
        values = [v for v in df[col] if v is not None and not (isinstance(v, float) and np.isnan(v))]
        if values and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values):
            df[col] = df[col].astype("Int64")
        elif col == "error" or (values and all(isinstance(v, str) for v in values)):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def _write_atomic(table: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    tmp.replace(path)


def write_part(parts: Path, number: int, results: list[dict[str, Any]]) -> None:
    """Events and series first, the outcome rows last: the outcome part commits the part."""
    name = f"{number:06d}.parquet"
    rows = [row for r in results if isinstance(r["events"], list) for row in r["events"]]
    events = [r["events"] for r in results if isinstance(r["events"], pd.DataFrame) and len(r["events"])]
    if rows:
        events.append(_events_frame(rows))
    if events:
        _write_atomic(pd.concat(events, ignore_index=True) if len(events) > 1 else events[0], parts / f"events-{name}")
    series = [r["series"] for r in results if r["series"] is not None and len(r["series"])]
    if series:
        _write_atomic(pd.concat(series, ignore_index=True), parts / f"series-{name}")
    _write_atomic(_typed_rows([r["row"] for r in results]), parts / f"outcomes-{name}")


def committed_runs(parts: Path) -> tuple[set[int], int]:
    """Run ids in committed parts, and the next part number. Removes what an interrupted write
    left: temporary files and event/series parts whose outcome part was never committed."""
    done: set[int] = set()
    numbers = set()
    for f in parts.glob("outcomes-*.parquet"):
        numbers.add(int(f.stem.split("-")[1]))
        done.update(pq.read_table(f, columns=["run_id"]).column("run_id").to_pylist())
    for f in parts.iterdir():
        if f.name.startswith(".") or f.suffix == ".parquet" and int(f.stem.split("-")[1]) not in numbers:
            f.unlink()
    return done, max(numbers, default=0) + 1


# --------------------------------------------------------------------------- the folder


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    tmp.replace(path)


def default_sweep_dir(sweep: Sweep, root: str | Path = "runs") -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return Path(root) / "sweeps" / sweep.name / stamp


def _spec_record(loaded: LoadedSweep) -> dict[str, Any]:
    return {
        "sweep": loaded.sweep.model_dump(mode="json"),
        "sweep_file": loaded.file,
        "base_file": loaded.base_file,
        "digest": loaded.sweep.digest(),
    }


def prepare_folder(loaded: LoadedSweep, design: pd.DataFrame, out: Path, resume: bool) -> None:
    """A new folder appears whole (written under a temporary name, then renamed); ``resume``
    needs the folder of the same sweep."""
    if resume:
        spec_file = out / "sweep.json"
        if not spec_file.is_file():
            raise SweepFolderError(f"{out} is not a sweep folder (no sweep.json); nothing to resume")
        stored = json.loads(spec_file.read_text())
        if stored.get("digest") != loaded.sweep.digest():
            raise SweepFolderError(f"{out} holds a different sweep (other file, --set, --samples or --replications); choose another --out")
        (out / PARTS).mkdir(exist_ok=True)
        return
    if out.exists():
        raise SweepFolderError(f"{out} already exists; pass --resume to finish it, or choose another --out")
    from agents.base import rule_params

    scenario = scenario_from_raw(loaded.base_raw, loaded.base_file, rule_params=rule_params)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        (tmp / PARTS).mkdir()
        design.to_parquet(tmp / "design.parquet", index=False)
        (tmp / "scenario.json").write_text(json.dumps(scenario.model_dump(mode="json"), indent=2))
        _write_json(tmp / "sweep.json", _spec_record(loaded))
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --------------------------------------------------------------------------- executors


def _chunks(todo: list[int], size: int, total: int, lockstep: int) -> list[list[int]]:
    """The runs left to do (of ``total``), in chunks of ``size`` lockstep batches (of
    ``lockstep`` runs, see :func:`run_chunk`). A worker runs a chunk's batches whole."""
    batches = _by_batch(todo, total, lockstep)
    return [sum(batches[k:k + size], []) for k in range(0, len(batches), size)]


def _local_results(ctx: SweepContext, chunks: list[list[int]], workers: int) -> Iterator[list[dict[str, Any]]]:
    if workers <= 1:
        for chunk in chunks:
            yield run_chunk(ctx, chunk)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=worker_context(), initializer=_init_local_worker, initargs=(ctx, os.getpid())
    )
    try:
        for _, fut in map_chunks(pool, _local_chunk, chunks, in_flight=2 * workers):
            yield fut.result()
    finally:
        # Queued runs are dropped; running ones (under a second) finish, so no worker outlives us.
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_results(
    ctx: SweepContext, chunks: list[list[int]], workers: int, scheduler: str | None
) -> Iterator[list[dict[str, Any]]]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ScenarioError("--executor", "dask", 'dask.distributed is not installed; pip install -e ".[dask]"') from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=max(workers, 1), threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        remote_ctx = client.scatter(ctx, broadcast=True)
        source = iter(chunks)
        in_flight = 2 * n_workers
        first = [client.submit(run_chunk, remote_ctx, c, pure=False) for _, c in zip(range(in_flight), source)]
        queue = as_completed(first)
        for fut in queue:
            nxt = next(source, None)
            if nxt is not None:
                queue.add(client.submit(run_chunk, remote_ctx, nxt, pure=False))
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- the sweep


@dataclass
class SweepRun:
    out: Path
    total: int
    done_before: int
    ran: int
    failed: int
    seconds: float
    cpu_seconds: float = 0.0  # CPU time the runs took in the workers (summed)


def run_sweep(
    loaded: LoadedSweep,
    out: Path,
    workers: int = 1,
    resume: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    chunk_size: int = 1,
    flush_runs: int = FLUSH_RUNS,
) -> SweepRun:
    """Run (or finish, with ``resume``) the sweep into ``out``. ``on_start(total, done)`` is
    called once the folder is ready; ``progress(n)`` as runs finish. Ctrl-C writes what finished
    and raises :class:`SweepInterrupted`."""
    sweep = loaded.sweep
    bad = [v for v in sweep.keep.variables if v not in VARIABLES]
    if bad:
        raise ScenarioError(loaded.file, "keep.variables", f"unknown series variable {bad[0]!r}; known: {', '.join(VARIABLES)}")
    design = design_table(sweep)
    prepare_folder(loaded, design, out, resume)
    parts = out / PARTS
    done, number = committed_runs(parts)
    total = len(design) * sweep.replications
    todo = [r for r in range(total) if r not in done]
    if on_start:
        on_start(total, len(done))
    columns = [p.column for p in sweep.parameters]
    ctx = SweepContext(
        base_raw=loaded.base_raw,
        base_file=loaded.base_file,
        sweep=sweep,
        points=[{c: _plain(row[c]) for c in columns} for row in design.to_dict("records")],
        series_variables=list(sweep.keep.variables),
    )
    manifest = {
        "status": "running",
        "sweep_file": loaded.file,
        "points": len(design),
        "replications": sweep.replications,
        "runs": total,
        "executor": executor,
        "workers": workers,
        "packages": package_versions(),
        "platform": platform.platform(),
        "command": " ".join(sys.argv),
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if resume and (out / "manifest.json").exists():
        manifest["sessions"] = json.loads((out / "manifest.json").read_text()).get("sessions", [])
    _write_json(out / "manifest.json", manifest)
    chunks = _chunks(todo, chunk_size, total, sweep.lockstep)
    results = (
        _dask_results(ctx, chunks, workers, scheduler) if executor == "dask" else _local_results(ctx, chunks, workers)
    )
    buffer: list[dict[str, Any]] = []
    ran = failed = 0
    cpu = 0.0
    start = last_flush = time.perf_counter()

    def flush() -> None:
        nonlocal number, buffer, last_flush
        if buffer:
            write_part(parts, number, buffer)
            number += 1
            buffer = []
        last_flush = time.perf_counter()

    try:
        for chunk_results in results:
            buffer.extend(chunk_results)
            ran += len(chunk_results)
            failed += sum(r["row"]["error"] is not None for r in chunk_results)
            cpu += sum(r["cpu"] for r in chunk_results)
            if progress:
                progress(len(chunk_results))
            if len(buffer) >= flush_runs or time.perf_counter() - last_flush >= FLUSH_SECONDS:
                flush()
    except KeyboardInterrupt:
        flush()
        results.close()
        _finish_manifest(out, manifest, "interrupted", len(done) + ran, failed, time.perf_counter() - start, cpu)
        raise SweepInterrupted(len(done) + ran, total, out) from None
    flush()
    seconds = time.perf_counter() - start
    _finish_manifest(out, manifest, "complete", len(done) + ran, failed, seconds, cpu)
    return SweepRun(out, total, len(done), ran, failed, seconds, cpu)


def _finish_manifest(out: Path, manifest: dict[str, Any], status: str, kept: int, failed: int, seconds: float, cpu: float) -> None:
    sessions = manifest.setdefault("sessions", [])
    sessions.append({
        "status": status, "seconds": round(seconds, 3), "run_cpu_seconds": round(cpu, 3), "failed": failed,
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    _write_json(out / "manifest.json", {**manifest, "status": status, "runs_kept": kept, "sessions": sessions})


def _plain(value: Any) -> Any:
    """numpy scalars as Python values (they go into --set texts and Parquet rows)."""
    return value.item() if isinstance(value, np.generic) else value
