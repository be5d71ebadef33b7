"""Reading one untrusted TOML file: size and type checked first, syntax, nesting depth, integers
within int64 and strings free of control characters, each failure one ScenarioError."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sim.config.limits import MAX_TEXT, _shown
from sim.errors import ScenarioError, format_path
from sim.files import MAX_TEXT_BYTES, FileProblem, read_text

MAX_FILE_BYTES = MAX_TEXT_BYTES  # a scenario is a few kB; this refuses /dev/zero-like inputs early
MAX_NESTING = 32  # tables and lists inside each other (real scenarios use < 10)
MAX_EXTENDS_DEPTH = 32  # files in one extends chain
MAX_EXTENDS_FILES = 256  # distinct files one scenario may pull in
INT_LIMIT = 2**63 - 1  # what numpy's int64 (and the manifest's readers) hold


def read_text_file(path: Path, key_path: str = "") -> str:
    """A small regular UTF-8 file (see :mod:`sim.files`), or a :class:`ScenarioError`."""
    try:
        return read_text(path, MAX_FILE_BYTES, "a TOML file")
    except FileProblem as exc:
        raise ScenarioError(path, key_path, exc.reason) from None


def parse_toml(text: str, file: str | Path, key_path: str = "") -> dict[str, Any]:
    """``tomllib.loads`` with its non-syntax failures (deep nesting, integers beyond Python's digit
    limit) turned into one message, and the nesting depth checked."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(file, key_path, f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError(file, key_path, f"nested too deeply (at most {MAX_NESTING} levels)") from None
    except (ValueError, MemoryError) as exc:  # e.g. an integer of 5000 digits
        why = "an integer with thousands of digits" if "digits" in str(exc) else _one_line(exc)[:120]
        raise ScenarioError(file, key_path, f"cannot parse a value ({why}; integers must fit in 64 bits)") from None
    check_nesting(data, file)
    return data


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def check_nesting(raw: Any, file: str | Path) -> None:
    """Refuse trees nested deeper than :data:`MAX_NESTING` (iteratively, so that a tree 5000
    levels deep is refused rather than crashing a recursive walk) and integers beyond int64."""
    stack: list[tuple[Any, tuple]] = [(raw, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_NESTING:
            raise ScenarioError(file, format_path(path[:4]) + "...", f"nested too deeply (at most {MAX_NESTING} levels)")
        if isinstance(node, dict):
            for key in node:
                _check_string(key, file, path)
            stack.extend((v, (*path, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))
        elif isinstance(node, str):
            _check_string(node, file, path)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > INT_LIMIT:
            raise ScenarioError(file, format_path(path), f"integer out of range (at most {INT_LIMIT} in absolute value)")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, newline and CR are text; the rest is not


def _check_string(text: str, file: str | Path, path: tuple) -> None:
    """Any key or string value: bounded and free of control characters (they end up in file
    names, tables and one-line messages)."""
    if len(text) > MAX_TEXT:
        raise ScenarioError(file, format_path(path), f"text too long ({len(text)} characters; at most {MAX_TEXT})")
    bad = _CONTROL.search(text)
    if bad:
        raise ScenarioError(file, format_path(path), f"control character {bad.group()!r} in {_shown(text)}")


def _read_toml(path: Path, key_path: str = "") -> dict[str, Any]:
    text = read_text_file(path, key_path)
    if not text.strip():
        raise ScenarioError(path, "", "the file is empty; expected a TOML scenario")
    return parse_toml(text, path)
