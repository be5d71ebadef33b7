"""Narrate one replication's escalation path, day by day, with the reasons agents gave.

:func:`narrate` is a pure function of an events table and an outcome row; :func:`load_explain`
reads what it needs from a run folder (events, outcomes, manifest; never the large timeseries)
and raises :class:`ExplainError` with a one-line message on bad input.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.files import FileProblem, read_json, read_parquet

REQUIRED_EVENT_COLUMNS = ("replication", "day", "actor", "action", "kind")
DEFAULT_MAX_ALTERNATIVES = 5
MEASURE_KINDS = ("impose", "lift")


class ExplainError(Exception):
    """Bad input to ``sim explain``: the message is one line naming what is wrong."""


@dataclass
class ExplainInput:
    """What :func:`narrate` needs from a run folder."""

    path: Path
    events: pd.DataFrame
    outcomes: pd.DataFrame | None
    manifest: dict[str, Any]

    @property
    def replications(self) -> int:
        """Number of replications: the manifest's count, else what the tables hold."""
        count = self.manifest.get("replications")
        if isinstance(count, int) and count >= 0:
            return count
        seen = set(self.events["replication"].tolist())
        if self.outcomes is not None and "replication" in self.outcomes:
            seen |= set(self.outcomes["replication"].tolist())
        return int(max(seen)) + 1 if seen else 0

    def outcome(self, replication: int) -> dict[str, Any] | None:
        if self.outcomes is None or "replication" not in self.outcomes:
            return None
        rows = self.outcomes[self.outcomes["replication"] == replication]
        return None if rows.empty else rows.iloc[0].to_dict()

    def seed_note(self, replication: int) -> str | None:
        for item in self.manifest.get("replication_seeds") or []:
            if isinstance(item, Mapping) and item.get("replication") == replication:
                key = ", ".join(str(k) for k in item.get("spawn_key", []))
                return f"seed entropy {item.get('entropy')}, spawn key [{key}], from manifest"
        return None


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def load_explain(path: str | Path) -> ExplainInput:
    """Read a run folder's events, outcomes (optional) and manifest."""
    path = Path(path)
    try:
        exists, is_dir = os.path.lexists(path), path.is_dir()
    except OSError as exc:  # e.g. a name too long
        raise ExplainError(f"{path}: cannot open ({exc.strerror})") from None
    if not exists:
        raise ExplainError(f"{path} does not exist")
    if not is_dir:
        raise ExplainError(f"{path} is not a run folder (not a directory)")
    for name in ("manifest.json", "events.parquet"):
        if not os.path.lexists(path / name):
            raise ExplainError(f"{path} is not a run folder (no {name})")
    try:
        manifest = read_json(path / "manifest.json")
    except FileProblem as exc:
        raise ExplainError(f"{exc.path}: cannot read it ({exc.reason})") from None
    if not isinstance(manifest, dict):
        raise ExplainError(f"{path / 'manifest.json'}: expected a JSON object")
    tables: dict[str, pd.DataFrame | None] = {}
    for name in ("events", "outcomes"):
        file = path / f"{name}.parquet"
        if name == "outcomes" and not os.path.lexists(file):
            tables[name] = None
            continue
        try:
            tables[name] = read_parquet(file)
        except FileProblem as exc:
            raise ExplainError(str(exc)) from None
    events = tables["events"]
    assert events is not None
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in events.columns]
    if missing and not events.empty:
        raise ExplainError(f"{path / 'events.parquet'}: missing column(s) {', '.join(missing)}")
    if missing:  # an empty table written without columns: no events at all
        events = pd.DataFrame({c: pd.Series(dtype="object") for c in REQUIRED_EVENT_COLUMNS})
    return ExplainInput(path, events, tables["outcomes"], manifest)


# ---------------------------------------------------------------------------- formatting helpers


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


def _number(value: Any) -> float | None:
    if _missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _split(value: Any) -> list[str]:
    return [part.strip() for part in _text(value).split(",") if part.strip()]


def _day(value: Any) -> str:
    number = _number(value)
    return "?" if number is None else f"{number:.0f}"


def measure_detail(event: Mapping[str, Any], with_enforcement: bool = True) -> str:
    """``export_ban on dual_use_goods -> JP, enforcement 10%`` (empty without a measure)."""
    measure = _text(event.get("measure"))
    if not measure:
        return ""
    scope = _split(event.get("products")) + [f"{tier} tier" for tier in _split(event.get("tiers"))]
    text = measure + (f" on {', '.join(scope)}" if scope else "")
    target = _text(event.get("target"))
    if target:  # several destinations are stored comma-joined: 'JP,KR' -> 'JP, KR'
        text += f" -> {', '.join(_split(target))}"
    enforcement = _number(event.get("enforcement"))
    if with_enforcement and enforcement is not None:
        text += f", enforcement {100 * enforcement:.0f}%"
    return text


def describe(event: Mapping[str, Any]) -> str:
    """What an event did, after its action's name."""
    kind = _text(event.get("kind"))
    action = _text(event.get("action"))
    if kind == "lift":
        verb = "suspends" if action.startswith("suspend_") else "lifts"
        lifted = action.removeprefix("lift_").removeprefix("suspend_") or action
        detail = measure_detail(event, with_enforcement=False)
        text = f"{verb} {lifted}" + (f" ({detail})" if detail else "")
    elif kind == "impose":
        text = measure_detail(event) or "imposes a measure"
        if action.startswith("suspend_"):
            text = f"suspends {action.removeprefix('suspend_')} (announced, not applied): {text}"
        elif action.startswith("resume_"):
            text = f"applies {action.removeprefix('resume_')} again: {text}"
    elif kind == "stockpile":
        products = _text(event.get("products"))
        text = f"precautionary buying: {action}" + (f" (threatened: {products})" if products else "")
    elif kind in ("release_stockpile", "end_release"):
        verb = "releases" if kind == "release_stockpile" else "stops releasing"
        text = f"{verb} its national stockpile of {_text(event.get('products'))}"
    elif kind in ("refill_stockpile", "end_refill"):
        verb = "buys back" if kind == "refill_stockpile" else "stops buying back"
        text = f"{verb} its national stockpile of {_text(event.get('products'))}"
    elif kind == "invest":
        where = _text(event.get("target"))
        text = f"finances {_text(event.get('products')) or 'capacity'} capacity in {where}" if where else "(invest)"
    elif kind == "hold":
        text = "(holds: no new move)"
    else:
        label = "declaratory" if kind in ("", action) else f"{kind}, declaratory"
        detail = measure_detail(event)
        text = f"({label})" + (f" {detail}" if detail else "")
    rung = _number(event.get("rung"))
    if rung is not None and rung > 0:
        text += f", rung {rung:.0f}"
    return text


def alternatives(value: Any) -> list[tuple[str, float | None]]:
    """The alternatives JSON as (action, utility) pairs, best first; [] if absent or unreadable."""
    raw = _text(value).strip()
    if not raw:
        return []
    try:
        items = json.loads(raw)
    except (ValueError, RecursionError):  # a tampered cell nested 100k deep
        return []
    pairs: list[tuple[str, float | None]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping) and "action" in item:
            pairs.append((str(item["action"]), _number(item.get("utility"))))
    # Best first; stable for ties; unknown utilities last.
    return sorted(pairs, key=lambda p: (p[1] is None, -(p[1] or 0.0)))


def considered(value: Any, max_alternatives: int) -> str:
    pairs = alternatives(value)
    if not pairs or max_alternatives <= 0:
        return ""
    shown = [f"{a} {'?' if u is None else f'{u:.4f}'}" for a, u in pairs[:max_alternatives]]
    more = len(pairs) - max_alternatives
    if more > 0:
        shown.append(f"... (+{more} more)")
    return " | ".join(shown)


def _metrics(outcome: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix):]: v for k, v in outcome.items() if isinstance(k, str) and k.startswith(prefix)}


def outcome_lines(outcome: Mapping[str, Any] | None) -> list[str]:
    if outcome is None:
        return ["outcome: unknown (no outcome row for this replication)"]
    name = _text(outcome.get("outcome")) or "unknown"
    day = _number(outcome.get("resolution_day"))
    when = f" on day {day:.0f}" if day is not None else " (unresolved)"
    path = _text(outcome.get("path")) or "(no events)"
    lines = [f"outcome: {name}{when}; path: {path}"]
    rungs = _metrics(outcome, "highest_rung.")
    if rungs:
        moves = _metrics(outcome, "highest_move.")
        parts = []
        for country, value in rungs.items():
            rung = _number(value)
            move = _text(moves.get(country))
            part = f"{country} {'?' if rung is None else f'{rung:.0f}'}"
            if move and rung:
                part += f" ({move})"
            parts.append(part)
        lines.append("highest rung: " + ", ".join(parts))
    return lines


def gdp_line(outcome: Mapping[str, Any] | None) -> str:
    losses = {c: _number(v) for c, v in _metrics(outcome or {}, "gdp_loss_pct.").items()}
    known = sorted(((c, v) for c, v in losses.items() if v is not None), key=lambda cv: -cv[1])
    if not known:
        return ""
    return "cumulative GDP loss (% of a year's GDP): " + ", ".join(f"{c} {v:.3f}" for c, v in known)


# ---------------------------------------------------------------------------- the narration


def narrate(
    events: pd.DataFrame,
    outcome: Mapping[str, Any] | None,
    replication: int,
    *,
    scenario: str | None = None,
    seed_note: str | None = None,
    max_alternatives: int = DEFAULT_MAX_ALTERNATIVES,
) -> str:
    """One replication's decisions in day order, each with its rule, reason and what else was
    considered (at most ``max_alternatives``, best first), framed by the outcome and GDP losses.

    ``events`` may hold several replications (only ``replication``'s rows are used) and may lack
    the optional ``rung`` column and any column other than replication, day, actor, action, kind.
    """
    head = f"{scenario} — replication {replication}" if scenario else f"replication {replication}"
    lines = [head + (f" ({seed_note})" if seed_note else "")]
    lines += outcome_lines(outcome)

    rows = events[events["replication"] == replication] if "replication" in events else events
    rows = rows.sort_values("day", kind="stable") if "day" in rows else rows
    records = rows.to_dict("records")
    if not records:
        lines.append("no decisions were taken")
    else:
        day_width = max(3, *(len(_day(r.get("day"))) for r in records))
        actor_width = max(len(_text(r.get("actor"))) for r in records)
        action_width = max(len(_text(r.get("action"))) for r in records)
        indent = " " * (len("day ") + day_width + 2)
        for r in records:
            lines.append(
                f"day {_day(r.get('day')):>{day_width}}  {_text(r.get('actor')):<{actor_width}}  "
                f"{_text(r.get('action')):<{action_width}}  {describe(r)}"
            )
            rule, reason = _text(r.get("rule")), _text(r.get("reason"))
            why = ": ".join(part for part in (rule, reason) if part)
            if why:
                lines.append(f"{indent}why: {why}")
            other = considered(r.get("alternatives"), max_alternatives)
            if other:
                lines.append(f"{indent}considered: {other}")

    gdp = gdp_line(outcome)
    if gdp:
        lines.append(gdp)
    return "\n".join(lines)


def explain_run(path: str | Path, replication: int = 0, max_alternatives: int = DEFAULT_MAX_ALTERNATIVES) -> str:
    """Load a run folder and narrate one replication (raises :class:`ExplainError`)."""
    run = load_explain(path)
    n = run.replications
    if not 0 <= replication < n:
        valid = "the run has no replications" if n == 0 else f"valid: 0..{n - 1}"
        raise ExplainError(f"--replication {replication} is out of range for {run.path} ({valid})")
    return narrate(
        run.events,
        run.outcome(replication),
        replication,
        scenario=run.manifest.get("scenario"),
        seed_note=run.seed_note(replication),
        max_alternatives=max_alternatives,
    )
