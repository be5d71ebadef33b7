"""The one error type a user sees for a bad scenario file: file, key path, what was expected."""

from __future__ import annotations

from pathlib import Path


class ScenarioError(Exception):
    """A scenario (or sweep) file is missing, unreadable or invalid.

    ``key_path`` is dotted with list indices, e.g. ``firms.toyota.inputs.rare_earths.critical``
    or ``schedule[2].enforcement``; empty when the problem is the file as a whole.
    """

    def __init__(self, file: str | Path | None, key_path: str, expected: str) -> None:
        self.file = str(file) if file is not None else "<scenario>"
        self.key_path = key_path
        self.expected = expected
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.file}: {self.key_path}" if self.key_path else self.file
        return f"{where}: {self.expected}"


def format_path(parts: tuple[object, ...] | list[object]) -> str:
    """``("firms", "toyota", "inputs", 0)`` -> ``firms.toyota.inputs[0]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
