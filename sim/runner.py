"""Replications, seeds, executors and the output folder.

Seeds: replication ``k`` of a run with seed ``s`` uses ``SeedSequence(s).spawn(n)[k]``, so results
are identical whether replications run serially or across processes, and in any order.
The output folder appears whole or not at all: it is written under a temporary name beside the
target and renamed into place.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import itertools
import json
import multiprocessing
import os
import platform
import secrets
import shutil
import signal
import sys
import threading
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
import pyarrow as pa

from sim.config import MAX_REPLICATIONS, Scenario
from sim.economy import World
from sim.lockstep import replication_batches, run_lockstep
from sim.model import CoercionModel
from sim.results import ReplicationResult, collect
from sim.world import build_world

PACKAGES = ("coercion-sim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "click", "matplotlib")


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


def run_batch(
    scenario: Scenario,
    seeds: list[np.random.SeedSequence],
    batch: range,
    world: World | None = None,
    series: bool = True,
    on_day: Callable[[int], None] | None = None,
) -> list[ReplicationResult]:
    """The replications ``batch`` (indices into ``seeds``) stepped in lockstep (sim.lockstep):
    each the run :func:`run_replication` gives, to rounding (1e-9), at a fraction of the cost.
    ``on_day(k)``: called each day with the number of replications stepped."""
    world = build_world(scenario) if world is None else world
    return run_together([(scenario, world, seeds[k], k) for k in batch], series, on_day)


def run_together(
    runs: list[tuple[Scenario, World, np.random.SeedSequence, int]],
    series: bool = True,
    on_day: Callable[[int], None] | None = None,
) -> list[ReplicationResult]:
    """Runs given as (scenario, its world, seed, replication number), stepped in lockstep: their
    worlds must be stackable (sim.stacking.stacking_key), their scenarios may differ otherwise
    (a sweep's points). Each result is the one :func:`run_replication` gives, to rounding."""
    models = [CoercionModel(scenario, seed, world=world, outcomes_only=not series) for scenario, world, seed, _ in runs]
    run_lockstep(models, on_day)
    return [collect(m, k, series=series) for m, (_, _, _, k) in zip(models, runs)]


# --------------------------------------------------------------------------- a pool handing out chunks

# Set by the command line's Ctrl-C/SIGTERM handler (``request_stop``). The handler also raises
# KeyboardInterrupt, but an exception raised while the main thread runs a finaliser (a weakref
# callback, ``__del__``) is swallowed by Python: measured here, about one SIGTERM in fifteen
# during ``sim run -j 2`` was lost and the run went on. ``map_chunks`` looks at the flag too.
STOP_REQUESTED = threading.Event()


def request_stop(signum: int, frame: object) -> None:
    """Signal handler: ask running batches to stop (see ``STOP_REQUESTED``)."""
    STOP_REQUESTED.set()
    raise KeyboardInterrupt


def map_chunks(
    pool: Executor,
    fn: Callable[..., Any],
    chunks: Iterable[Any],
    in_flight: int,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[tuple[Any, Future]]:
    """Submit ``fn(chunk)`` for each chunk, at most ``in_flight`` at a time, and yield
    ``(chunk, future)`` as each finishes (completion order): workers started once are handed
    small chunks as they free up, so none idles while another has a long queue. The caller reads
    ``future.result()`` (an exception there is that chunk's alone). ``on_wait()`` is called at
    least every quarter second while chunks run (progress from the workers)."""
    pending: dict[Future, Any] = {}
    source = iter(chunks)
    for chunk in itertools.islice(source, in_flight):
        pending[pool.submit(fn, chunk)] = chunk
    while pending:
        done, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
        if STOP_REQUESTED.is_set():
            raise KeyboardInterrupt
        if on_wait is not None:
            on_wait()
        for fut in done:
            chunk = pending.pop(fut)
            for nxt in itertools.islice(source, 1):
                pending[pool.submit(fn, nxt)] = nxt
            yield chunk, fut


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start. Importing Mesa makes "spawn" the default for the whole process
    (mesa.batchrunner forces it), so each worker would import numpy, pandas, pydantic and Mesa
    afresh (a second or more of CPU and about as long before its first run). On Linux workers
    are forked instead: they start at once, with the modules (and anything cached) already loaded;
    they run the model only (no threads, no files), which forking allows. Elsewhere: "spawn"."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


_WORKER: dict[str, Any] = {}


def _init_replication_worker(
    scenario: Scenario, seed: int, replications: int, series: bool = True, parent_pid: int | None = None,
    days_done: Any = None,
) -> None:
    """Per-process state, set once when the worker starts: the scenario, its world, the seeds; a
    worker that dies with its parent (``parent_pid``); the shared count of replication-days
    stepped (``days_done``, a multiprocessing Value the parent reads for progress)."""
    _WORKER["days_done"] = days_done
    if parent_pid is not None:
        die_with_parent(parent_pid)
    _WORKER["series"] = series
    _WORKER["scenario"] = scenario
    _WORKER["world"] = build_world(scenario)
    _WORKER["seeds"] = replication_seeds(seed, replications)


def _batch_task(batch: range) -> list[ReplicationResult]:
    counter = _WORKER.get("days_done")

    def on_day(k: int) -> None:
        with counter.get_lock():
            counter.value += k

    return run_batch(
        _WORKER["scenario"], _WORKER["seeds"], batch, _WORKER["world"], series=_WORKER["series"],
        on_day=None if counter is None else on_day,
    )


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: a worker never outlives the run that started it (``kill -9`` of the
    parent). Linux kills it with the parent (PR_SET_PDEATHSIG); elsewhere, and as a second line,
    a daemon thread exits the worker once the parent is gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    # A forked worker inherits the command line's handlers: SIGTERM (the parent stopping it) must
    # end it at once, not raise inside its task; Ctrl-C reaches the whole process group, and the
    # parent decides what stops.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    original = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != original or not _pid_alive(parent_pid):
                os._exit(1)

    if os.getppid() != original or not _pid_alive(parent_pid):  # died before we got here
        os._exit(1)
    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    # A worker stopped while sending a result leaves half a message in the result pipe, and the
    # pool's manager thread then waits for the rest for ever (so does the interpreter's exit,
    # which joins that thread). With the workers gone, closing this process's end of the pipe
    # turns that wait into end-of-file, which the manager thread handles as a broken pool.
    with contextlib.suppress(Exception):
        pool._result_queue._writer.close()  # type: ignore[attr-defined]
    pool.shutdown(wait=False, cancel_futures=True)


def estimate_run_bytes(scenario: Scenario, world: World, replications: int) -> int:
    """Rough upper bound of the memory a run needs: one replication's recorders and ramp-up
    pipeline, plus every replication's long timeseries table (kept until written), twice (the
    concatenation copies it). Used to refuse runs that cannot fit before any work starts."""
    t, c, p, f = scenario.horizon_days, world.n_countries, world.n_products, world.n_firms
    flows = int(np.count_nonzero(world.flow0 > 0))
    pairs = int(np.count_nonzero(world.recipe > 0))
    recorder = 8 * t * (3 * c * p + 4 * c * c * p + 4 * c + 3 * f + pairs)  # incl. import-share temporaries
    pipeline = 8 * (int(world.ramp_up_days.max(initial=0)) + 2) * c * p
    rows = t * (2 * c * p + 3 * c + 2 * flows + 2 * f + pairs)
    return recorder + pipeline + 2 * replications * rows * TABLE_ROW_BYTES


TABLE_ROW_BYTES = 40  # replication, day, value (8 bytes each), variable and label codes, pandas overhead
MEMORY_SHARE = 0.75  # of physical memory a run may plan to use


class RunTooLargeError(Exception):
    """A run that would not fit in memory: refused before any work, with the estimate."""


def check_run_size(scenario: Scenario, replications: int) -> None:
    """Refuse a run whose estimated memory exceeds :func:`memory_limit_bytes`."""
    need, limit = estimate_run_bytes(scenario, build_world(scenario), replications), memory_limit_bytes()
    if need > limit or replications > MAX_REPLICATIONS:
        raise RunTooLargeError(
            f"run too large: {replications} replication(s) x {scenario.horizon_days} days need about {_size(need)} of "
            f"memory; this machine allows {_size(limit)} and at most {MAX_REPLICATIONS} replications "
            "(use fewer -n or a shorter horizon_days)"
        )


def _size(n_bytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n_bytes < 1024:
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.3g} PiB"


def memory_limit_bytes() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * MEMORY_SHARE)
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3


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
    """Run the replications in lockstep batches (:func:`sim.lockstep.replication_batches`, fixed
    by the replication numbers), serially or on ``workers`` processes started once; with
    processes each batch is a task, handed to the next free worker. The tables are ordered by
    replication either way. ``progress(k)`` is called as the runs advance, with the
    replication-days done since its last call (they add up to replications x horizon days), so
    a progress bar moves while a batch runs, from the workers too.
    ``series=False``: outcomes and events only (no timeseries), recorded more cheaply."""
    seed = scenario.seed if seed is None else seed
    n = scenario.replications if replications is None else replications
    start = time.perf_counter()
    results: list[ReplicationResult] = []
    batches = replication_batches(n)
    if workers <= 1 or len(batches) == 1:
        seeds = replication_seeds(seed, n)
        world = build_world(scenario)
        for batch in batches:
            if STOP_REQUESTED.is_set():  # an interrupt swallowed by a finaliser (see STOP_REQUESTED)
                raise KeyboardInterrupt
            results.extend(run_batch(scenario, seeds, batch, world, series=series, on_day=progress))
    else:
        used = min(workers, len(batches))
        context = worker_context()
        days_done = context.Value("q", 0)  # replication-days the workers have stepped
        reported = 0

        def report() -> None:
            nonlocal reported
            done = days_done.value
            if progress and done > reported:
                progress(done - reported)
            reported = done

        with ProcessPoolExecutor(
            max_workers=used,
            mp_context=context,
            initializer=_init_replication_worker,
            initargs=(scenario, seed, n, series, os.getpid(), days_done),
        ) as pool:
            try:
                for _, fut in map_chunks(pool, _batch_task, batches, in_flight=2 * used, on_wait=report):
                    results.extend(fut.result())
                report()
            except BaseException:  # Ctrl-C, SIGTERM: stop the workers now rather than finish their tasks
                _stop_workers(pool)
                raise
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


RUN_MARKER = "manifest.json"  # a folder holding this file is a run folder (the only kind --force replaces)
TMP_PREFIX = ".sim-tmp-"  # temporary folders beside the target: .sim-tmp-<pid>-<token>
OLD_PREFIX = ".sim-old-"  # an old run moved aside by --force where renameat2 is missing (never auto-removed)
PATH_MAX = 4000  # below Linux's 4096, leaving room for the file names inside the folder
RUN_FILES = ["manifest.json", "scenario.json", "timeseries.parquet", "events.parquet", "outcomes.parquet"]


class OutputError(Exception):
    """The output folder cannot be used or written; the message is one line naming it."""


class OutputExistsError(OutputError):
    pass


def default_out_dir(scenario: Scenario, root: str | Path = "runs") -> Path:
    """``<root>/<scenario name>/<UTC time>-<random>``: unique even for runs started in the same
    second, and always inside ``root`` (the name is a validated identifier; checked again here)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = Path(root) / scenario.name / f"{stamp}-{secrets.token_hex(3)}"
    base = Path(os.path.abspath(root))
    if Path(os.path.abspath(out)).parent.parent != base or not scenario.name or scenario.name in (".", ".."):
        raise OutputError(f"scenario name {scenario.name!r} would place outputs outside {root}/")
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale_temp(parent: Path) -> None:
    """Remove temporary folders left in ``parent`` by runs that were killed (their process is gone)."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX) or entry.is_symlink() or not entry.is_dir():
            continue
        pid_text = entry.name[len(TMP_PREFIX):].split("-", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _pid_alive(int(pid_text)):
            shutil.rmtree(entry, ignore_errors=True)


def is_run_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and (path / RUN_MARKER).is_file()


def check_out_dir(out: str | Path, force: bool = False) -> Path:
    """Check an output folder *before* any work: a plain new path in a writable folder, or with
    ``force`` an existing run folder (a folder holding manifest.json) -- nothing else is replaced.
    Returns the absolute, normalised path; raises :class:`OutputError` with one line otherwise."""
    given = Path(out)
    if str(out) in ("", ".", "..") or given.name in ("", ".", ".."):
        raise OutputError(f"--out {str(out)!r}: expected a folder name, not '.' or '..'")
    target = Path(os.path.abspath(given))
    name_max = 255
    with contextlib.suppress(OSError, ValueError):
        name_max = os.pathconf(target.parent if target.parent.exists() else "/", "PC_NAME_MAX")
    longest = max((len(os.fsencode(part)) for part in target.parts), default=0)
    if longest > name_max:
        raise OutputError(f"--out: folder name too long ({longest} bytes; at most {name_max})")
    if len(os.fsencode(str(target))) > PATH_MAX:
        raise OutputError(f"--out: path too long ({len(os.fsencode(str(target)))} bytes; at most {PATH_MAX})")
    if target.is_symlink():
        raise OutputError(f"{out} is a symbolic link; choose a plain folder path")
    if target.exists() or os.path.lexists(target):
        if not force:
            raise OutputExistsError(f"{out} already exists; choose another --out or pass --force to replace it")
        if not is_run_folder(target):
            raise OutputError(f"{out} is not a run folder (no {RUN_MARKER}); --force replaces only earlier runs")
    ancestor = target.parent
    while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"--out {out}: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: cannot write in {ancestor} (permission denied)")
    return target


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """Linux renameat2; False where unavailable (then the caller falls back)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if func(at_fdcwd, os.fsencode(src), at_fdcwd, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def _publish(tmp: Path, out: Path, replace: bool) -> None:
    """Move the finished temporary folder into place: exclusively (never over a folder another run
    just wrote), or with ``replace`` by an atomic exchange with the old run, which is then removed
    (a kill in between leaves either the old or the new run in place, never neither)."""
    if replace:
        if not is_run_folder(out):
            raise OutputError(f"{out} is not a run folder (no {RUN_MARKER}); --force replaces only earlier runs")
        if _renameat2(tmp, out, _RENAME_EXCHANGE):
            shutil.rmtree(tmp, ignore_errors=True)  # now holds the old run
            return
        # Without an atomic exchange: move the old run aside under a name no cleanup removes, so
        # that even a kill -9 at this instant loses nothing (it leaves a hidden .sim-old-* folder).
        backup = out.parent / f"{OLD_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        out.rename(backup)
        try:
            os.rename(tmp, out)
        except BaseException:
            backup.rename(out)
            raise
        shutil.rmtree(backup, ignore_errors=True)
        return
    try:
        if not _renameat2(tmp, out, _RENAME_NOREPLACE):
            if os.path.lexists(out):
                raise FileExistsError(errno.EEXIST, "exists", str(out))
            os.rename(tmp, out)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise OutputExistsError(f"{out} already exists (another run wrote it meanwhile); choose another --out") from None
        raise


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
    """Write the run folder atomically: into ``.sim-tmp-<pid>-<token>`` beside the target, then
    renamed into place. Refuses an existing folder unless ``force``, and even then replaces only a
    run folder. Any failure (disk full, file too large) removes the temporary folder and raises
    :class:`OutputError`; the target is left as it was."""
    given = out
    out = check_out_dir(out, force)
    replace = os.path.lexists(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out.parent}: {exc.strerror or exc}") from None
    remove_stale_temp(out.parent)
    tmp = out.parent / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        tmp.mkdir()
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
            # Replications stepped together (sim.lockstep): the batches, fixed by replication numbers.
            "lockstep_batches": [[b.start, b.stop - 1] for b in replication_batches(replications)],
            "facts_used": list(scenario.facts_used),
            "packages": package_versions(),
            "platform": platform.platform(),
            "command": " ".join(sys.argv),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "timing": {"run_seconds": round(result.seconds, 4), "per_replication_seconds": round(result.seconds / max(replications, 1), 4)},
            "files": list(RUN_FILES),
        }
        # The manifest is written last: a folder without it is never taken for a finished run.
        (tmp / RUN_MARKER).write_text(json.dumps(manifest, indent=2))
        _publish(tmp, out, replace)
    except OutputError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except (OSError, pa.ArrowException) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        reason = getattr(exc, "strerror", None) or " ".join(str(exc).split())[:200]
        raise OutputError(f"cannot write {given}: {reason}; nothing was written") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Path(given)


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
