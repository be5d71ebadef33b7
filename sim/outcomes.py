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


# The moves that make an escalation path: measures, threats, the stances that decide the outcome
# (waiting out, support, staying out, legal action) and the moves that end it. Protests, requests,
# holds, quiet stances and firms' own moves show in the events but not in the path, so that paths
# that differ only in such detail count as one.
PATH_KINDS = frozenset({
    "impose", "lift", "threaten", "drop_threat", "wait_out", "support", "legal_action", "stay_out",
    "align", "reward", "concede", "offramp", "back_down", "accept", "request_alignment", "decline",
    "leadership_change", "lever",
})
# Declaratory stances enter the path once (the first time), measures every time.
ONCE = frozenset({"wait_out", "support", "legal_action", "stay_out", "align"})


def path_signature(events: Iterable[Mapping[str, Any]], actors: Iterable[str] | None = None) -> str:
    """``CN:ree_licensing > CN:ree_ban > JP:wait_out``: the canonical escalation path — the
    governments' path moves in order (see ``PATH_KINDS``), stances counted once, repeats of the
    same move collapsed. ``actors`` limits it to those (e.g. the countries)."""
    keep = set(actors) if actors is not None else None
    moves: list[str] = []
    seen: set[str] = set()
    for event in events:
        if event["kind"] not in PATH_KINDS or (keep is not None and event["actor"] not in keep):
            continue
        move = f"{event['actor']}:{event['action']}"
        if event["kind"] in ONCE and move in seen:
            continue
        seen.add(move)
        if not moves or moves[-1] != move:
            moves.append(move)
    return " > ".join(moves)


def _threat_pending(events: list[Mapping[str, Any]], coercer: str, concession: Mapping[str, Any]) -> bool:
    """Whether the coercer had a threat pending (issued, neither carried out nor dropped) when the
    target conceded: the concession came at the threat stage of that measure."""
    before = events[: next(i for i, e in enumerate(events) if e is concession)]
    threats = {e["action"].removeprefix("threaten_") for e in before if e["kind"] == "threaten" and e["actor"] == coercer}
    closed = {e["action"].removeprefix("drop_") for e in before
              if e["actor"] == coercer and e["kind"] in ("impose", "drop_threat")}
    return bool(threats - closed)


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
    coercer_in_force = [t for a, t in in_force if a == coercer and (target is None or t in (target, "all"))]
    target_in_force = [t for a, t in in_force if target is not None and a == target and t in (coercer, "all")]
    concessions = [e for e in events if e["kind"] == "concede" and e["actor"] == target]
    offramps = {e["actor"] for e in events if e["kind"] == "offramp"}
    first_impose = next((e["day"] for e in events if e["kind"] == "impose" and e["actor"] == coercer), None)
    if concessions:
        day = float(concessions[0]["day"])
        if first_impose is None or concessions[0]["day"] < first_impose or _threat_pending(events, coercer, concessions[0]):
            return "threat_succeeded", day
        return "target_concedes", day
    if target is not None and {coercer, target} <= offramps:
        return "negotiated_offramp", float(max(e["day"] for e in events if e["kind"] == "offramp"))
    if first_impose is None:
        dropped = [e["day"] for e in events if e["kind"] in ("drop_threat", "back_down") and e["actor"] == coercer]
        if dropped:
            return "coercer_backs_down", float(dropped[-1])
        threats = [e for e in events if e["kind"] == "threaten" and e["actor"] == coercer]
        return ("stalemate", nan) if threats else ("no_conflict", nan)
    if target_in_force and coercer_in_force:
        return "mutual_escalation", nan
    if not coercer_in_force:
        # A unilateral off-ramp lifts the coercer's measures too: it is resolved that day.
        lifts = [e["day"] for e in events if e["actor"] == coercer and e["kind"] in ("lift", "back_down", "offramp")]
        return "coercer_backs_down", float(max(lifts)) if lifts else nan
    return "stalemate", nan


def highest_rungs(events: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, str]]:
    """Per actor, the highest escalation rung reached and the move that reached it (first on ties)."""
    best: dict[str, tuple[int, str]] = {}
    for event in events:
        rung = int(event.get("rung", 0) or 0)
        if rung > best.get(event["actor"], (0, ""))[0]:
            best[event["actor"]] = (rung, str(event["action"]))
    return best
