"""Cited facts (``seeds/facts.toml``) and the ``"@fact_name"`` references scenarios make to them.

A number lives in one place: a scenario writes ``gdp = "@gdp_japan_2024"`` and the loader puts the
fact's value there before validation, so the validated config holds plain numbers and a run never
reads the facts file.
"""

from __future__ import annotations

import difflib
import functools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, format_path
from sim.files import FileProblem, read_text

DEFAULT_FACTS_PATH = Path(__file__).resolve().parents[1] / "seeds" / "facts.toml"
SOURCE_FORMS = ("seed", "publisher", "assumption")
FACT_KEYS = {"value", "unit", "year", "source", "note", "doubt", "official"}


@dataclass(frozen=True)
class Fact:
    name: str
    value: float | int
    unit: str
    year: int
    source: dict[str, Any]
    note: str
    doubt: str | None = None
    official: str | None = None

    @property
    def citation(self) -> str:
        if "seed" in self.source:
            return f"seed text {self.source['seed']}"
        if "publisher" in self.source:
            return f"{self.source['publisher']}, {self.source.get('title', '')} ({self.source.get('year', '')})"
        return f"assumption: {self.source['assumption']}"


def load_facts(path: str | Path = DEFAULT_FACTS_PATH) -> dict[str, Fact]:
    """Parse and check the facts file; every fact must carry a value, unit, year and source.
    Parsed once per file version (path, size, mtime): sweeps and validations load it often."""
    path = Path(path)
    try:
        info = path.stat()
    except (OSError, ValueError):
        return _load_facts(path)
    return dict(_load_facts_cached(path.resolve(), info.st_size, info.st_mtime_ns))


@functools.lru_cache(maxsize=8)
def _load_facts_cached(path: Path, size: int, mtime_ns: int) -> dict[str, Fact]:
    return _load_facts(path)


def _load_facts(path: Path) -> dict[str, Fact]:
    try:
        raw = tomllib.loads(read_text(path, what="a TOML file"))
    except FileProblem as exc:
        raise ScenarioError(path, "", "facts file not found" if exc.reason == "file not found" else exc.reason) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "", f"not valid TOML ({exc})") from None
    except (RecursionError, ValueError) as exc:
        raise ScenarioError(path, "", f"cannot parse ({' '.join(str(exc).split())[:120]})") from None
    facts: dict[str, Fact] = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            raise ScenarioError(path, name, "expected a table with value, unit, year, source, note")
        unknown = set(entry) - FACT_KEYS
        if unknown:
            raise ScenarioError(path, f"{name}.{sorted(unknown)[0]}", f"unknown key; allowed: {sorted(FACT_KEYS)}")
        for key in ("value", "unit", "year", "source", "note"):
            if key not in entry:
                raise ScenarioError(path, f"{name}.{key}", "missing")
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ScenarioError(path, f"{name}.value", "expected a finite number")
        source = entry["source"]
        forms = [form for form in SOURCE_FORMS if isinstance(source, dict) and form in source]
        if len(forms) != 1:
            raise ScenarioError(path, f"{name}.source", f"expected exactly one of {list(SOURCE_FORMS)}")
        if forms[0] == "publisher" and not {"title", "year"} <= set(source):
            raise ScenarioError(path, f"{name}.source", "a publisher source needs title and year")
        facts[name] = Fact(
            name=name,
            # an integer fact stays an integer: it may fill an integer field (a day) under strict typing
            value=value if isinstance(value, int) else float(value),
            unit=str(entry["unit"]),
            year=int(entry["year"]),
            source=dict(source),
            note=str(entry["note"]),
            doubt=entry.get("doubt"),
            official=entry.get("official"),
        )
    for fact in facts.values():
        if fact.official is not None and fact.official not in facts:
            raise ScenarioError(path, f"{fact.name}.official", f"names unknown fact {fact.official!r}")
    return facts


def resolve_fact_refs(
    raw: Any, facts: dict[str, Fact], file: str | Path, used: set[str] | None = None, _path: tuple = ()
) -> Any:
    """Replace every ``"@name"`` string in a raw scenario tree with the fact's value."""
    if isinstance(raw, dict):
        return {k: resolve_fact_refs(v, facts, file, used, (*_path, k)) for k, v in raw.items()}
    if isinstance(raw, list):
        return [resolve_fact_refs(v, facts, file, used, (*_path, i)) for i, v in enumerate(raw)]
    if isinstance(raw, str) and raw.startswith("@"):
        name = raw[1:]
        if name not in facts:
            close = difflib.get_close_matches(name, list(facts), n=1)
            hint = f"; did you mean '@{close[0]}'?" if close else ""
            raise ScenarioError(file, format_path(_path), f"unknown fact reference {raw!r}{hint}")
        if used is not None:
            used.add(name)
        return facts[name].value
    return raw
