"""Run several replications of one scenario in lockstep: each day every model decides on its own,
then one economy step moves them all (:mod:`sim.stacking`), then every model books its day.

Decisions stay Python per replication (each model keeps its agents, events and random streams);
only the economy is shared, so a replication's result does not depend on the others in its batch
beyond rounding (tests/test_lockstep.py: equal to the serial run to 1e-9). A batch is fixed by the
caller (a sweep point's replications, in groups of a set size), never by the number of workers,
so that a sweep's table does not depend on how it was run.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.economy import Policy, World, initial_state, step
from sim.model import CoercionModel
from sim.stacking import CopyState, copy_result, max_copies, stack_policies, stack_worlds

# Replications stepped together: a run's batch is its replication index // this, so batches are
# fixed by the replication numbers alone (never by workers, chunks or what a resumed sweep has
# left to do). Measured on rare_earth_curb (outcomes only, 2-core machine): a replication costs
# 0.20 s alone, 0.12 s in a batch of 5, 0.095 s in 10, 0.087-0.092 s in 20 and 0.10 s in 40
# (benchmarks/bench_sweep.py --lockstep).
LOCKSTEP_REPLICATIONS = 20


def replication_batch(replication: int, replications: int, size: int = LOCKSTEP_REPLICATIONS) -> range:
    """The replications stepped together with ``replication`` (of ``replications`` in all), in
    batches of ``size``."""
    start = replication - replication % size
    return range(start, min(start + size, replications))


def replication_batches(replications: int, size: int = LOCKSTEP_REPLICATIONS) -> list[range]:
    """Every batch of ``replications`` replications, in order."""
    return [replication_batch(k, replications, size) for k in range(0, replications, size)]


def run_lockstep(models: list[CoercionModel], on_day: Callable[[int], None] | None = None) -> None:
    """Run ``models`` (fresh, none stepped yet; their worlds stackable, :func:`sim.stacking.stacking_key`:
    e.g. one shared world, or the worlds of a sweep's points) to their horizons together, as
    :meth:`CoercionModel.run` runs one (a model whose horizon comes first stops there). Each
    model's ``state`` becomes its copy's view of the stacked state. ``on_day(k)``: called after
    each day with the number of models that stepped (for progress reports in replication-days).

    A stacked world's firm x product arrays grow with the square of the copies, so a batch too
    large for :func:`sim.stacking.max_copies` runs as consecutive groups of at most that many
    (fixed by the world's size, so still never by how the runs are spread over workers)."""
    if not models:
        return
    if any(m.day != 0 for m in models):
        raise ValueError("models run in lockstep must not have been stepped")
    most = max_copies(models[0].world)
    for start in range(0, len(models), most):
        _run_group(models[start:start + most], on_day)


def _run_group(models: list[CoercionModel], on_day: Callable[[int], None] | None) -> None:
    stacked: World = stack_worlds([m.world for m in models])
    state = initial_state(stacked)
    for b, m in enumerate(models):
        m.state = CopyState(stacked, state, b)  # type: ignore[assignment]
    shown: tuple[Policy, ...] | None = None
    policy: Policy | None = None
    while any(m.running for m in models):
        # A model past its horizon stops deciding; its copy steps on under its last policy (its
        # results are not read), so the others' batch is unchanged.
        today = tuple(m.decide_day() if m.running else m._policy for m in models)
        if shown is None or any(a is not b for a, b in zip(today, shown)):
            policy = stack_policies(stacked, list(today))
            shown = today
        result = step(stacked, state, policy)
        stepped = 0
        for b, m in enumerate(models):
            if m.running:
                m.steps += 1
                m.record_day(copy_result(stacked, result, b))
                stepped += 1
        if on_day is not None:
            on_day(stepped)
