"""Outcome classes and escalation-path signatures, from a replication's ordered events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

OUTCOME_CLASSES = (
    "no_conflict",
    "threat_succeeded",
    "target_concedes",
    "coercer_backs_down",
    "negotiated_offramp",
    "mutual_escalation",
    "stalemate",
)


def path_signature(events: Iterable[Mapping[str, Any]]) -> str:
    """``CN:ree_licensing > CN:ree_ban > JP:wait_out``; repeats of the same move collapse."""
    moves: list[str] = []
    for event in events:
        move = f"{event['actor']}:{event['action']}"
        if not moves or moves[-1] != move:
            moves.append(move)
    return " > ".join(moves)


def classify(
    events: list[Mapping[str, Any]],
    in_force_at_end: Iterable[tuple[str, str]],
    coercer: str | None = None,
    target: str | None = None,
) -> tuple[str, float]:
    """Outcome class and resolution day (NaN when unresolved).

    ``in_force_at_end`` holds (actor, target) of measures still in force on the last day. Without an
    explicit coercer the first actor to impose a measure is taken, and its target as the target.
    """
    nan = float("nan")
    if coercer is None:
        first = next((e for e in events if e["kind"] == "impose"), None)
        if first is None:
            return ("no_conflict", nan) if not events else ("stalemate", nan)
        coercer = first["actor"]
        target = target or (first["target"] if first["target"] != "all" else None)
    in_force = list(in_force_at_end)
    coercer_in_force = [t for a, t in in_force if a == coercer]
    target_in_force = [t for a, t in in_force if target is not None and a == target and t in (coercer, "all")]
    concessions = [e for e in events if e["kind"] == "concede" and e["actor"] == target]
    offramps = {e["actor"] for e in events if e["kind"] == "offramp"}
    first_impose = next((e["day"] for e in events if e["kind"] == "impose" and e["actor"] == coercer), None)
    if concessions:
        day = float(concessions[0]["day"])
        if first_impose is None or concessions[0]["day"] < first_impose:
            return "threat_succeeded", day
        return "target_concedes", day
    if target is not None and {coercer, target} <= offramps:
        return "negotiated_offramp", float(max(e["day"] for e in events if e["kind"] == "offramp"))
    if first_impose is None:
        return ("no_conflict", nan) if not events else ("stalemate", nan)
    if target_in_force and coercer_in_force:
        return "mutual_escalation", nan
    if not coercer_in_force:
        lifts = [e["day"] for e in events if e["kind"] == "lift" and e["actor"] == coercer]
        return "coercer_backs_down", float(max(lifts)) if lifts else nan
    return "stalemate", nan
