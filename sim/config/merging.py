"""The raw tree of a scenario: the files it ``extends`` (deep-merged, later keys win, ``key+``
appends to a list) and ``--set key.path=value`` overrides on top."""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.config.limits import _shown
from sim.config.toml_files import (
    MAX_EXTENDS_DEPTH,
    MAX_EXTENDS_FILES,
    MAX_FILE_BYTES,
    _one_line,
    _read_toml,
    check_nesting,
)
from sim.errors import ScenarioError

APPEND_SUFFIX = "+"


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the base value, except
    under a key written with a trailing ``+`` (``"rules+" = [...]``), whose list is appended to the
    base's list (e.g. a variant adding one rule to a government)."""
    out = copy.deepcopy(base)
    _merge_into(out, override)
    return out


def _merge_into(out: dict[str, Any], override: Mapping[str, Any]) -> None:
    """:func:`deep_merge` on a private copy ``out`` (copied once, not once per nesting level)."""
    for key, value in override.items():
        if key.endswith(APPEND_SUFFIX) and isinstance(value, list):
            name = key[: -len(APPEND_SUFFIX)]
            existing = out.get(name, [])
            out[name] = (existing if isinstance(existing, list) else [existing]) + copy.deepcopy(value)
        elif isinstance(value, Mapping):
            target = out.get(key)
            if not isinstance(target, dict):
                target = out[key] = {}
            _merge_into(target, value)
        else:
            out[key] = copy.deepcopy(value)


def read_with_extends(path: str | Path) -> dict[str, Any]:
    """Read a scenario and the files it extends (relative to itself), deep-merged.

    Each file is read and merged once (an extends diamond costs one read per file, not one per
    path through it); chains deeper than :data:`MAX_EXTENDS_DEPTH` files, more than
    :data:`MAX_EXTENDS_FILES` files, cycles and missing bases are refused."""
    merged: dict[Path, dict[str, Any]] = {}

    def load(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, NUL bytes
            raise ScenarioError(path, "", f"cannot resolve path ({_one_line(exc)[:80]})") from None
        if resolved in chain:
            cycle = " -> ".join(str(p.name) for p in (*chain, resolved))
            raise ScenarioError(path, "extends", f"cycle in extends: {cycle}")
        if resolved in merged:
            return merged[resolved]
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise ScenarioError(path, "extends", f"extends chain too long (at most {MAX_EXTENDS_DEPTH} files)")
        if len(merged) >= MAX_EXTENDS_FILES:
            raise ScenarioError(path, "extends", f"extends pulls in too many files (at most {MAX_EXTENDS_FILES})")
        raw = _read_toml(path)
        parent = raw.pop("extends", None)
        parents = [] if parent is None else [parent] if isinstance(parent, str) else parent
        if not isinstance(parents, list) or not all(isinstance(p, str) and p for p in parents):
            raise ScenarioError(path, "extends", "expected a file name or a list of file names")
        result: dict[str, Any] = {}
        for k, name in enumerate(parents):
            if "\0" in name:
                raise ScenarioError(path, "extends", "expected a file name (found a NUL character)")
            parent_path = path.parent / name
            try:
                os.lstat(parent_path)
            except FileNotFoundError:
                raise ScenarioError(path, "extends", f"extended file {str(parent_path)!r} not found") from None
            except OSError as exc:  # a name too long, a file in the way: say so, naming the base
                raise ScenarioError(path, "extends", f"cannot open {_shown(str(parent_path), 80)} ({exc.strerror})") from None
            base = load(parent_path, (*chain, resolved))
            # The first base needs no merge (deep_merge below copies it); later ones merge in order.
            result = base if k == 0 else deep_merge(result, base)
        merged[resolved] = deep_merge(result, raw)  # also resolves "key+" appends against nothing
        return merged[resolved]

    return load(Path(path), ())


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b[2].c=value`` -> (path parts, value); the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ScenarioError("--set", text, "expected key.path=value")
    key, _, value_text = text.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError("--set", text, "expected key.path=value")
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError("--set", key[:40], f"argument too long (at most {MAX_FILE_BYTES} characters)")
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    except (RecursionError, ValueError, MemoryError):
        raise ScenarioError("--set", key[:40], "cannot parse the value (nested too deeply or a number too long)") from None
    check_nesting(value, f"--set {key[:40]}")
    return key.split("."), value


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    for text in overrides:
        parts, value = parse_override(text)
        node: Any = out
        for i, part in enumerate(parts):
            name, *indices = part.replace("]", "").split("[")
            last = i == len(parts) - 1
            steps: list[Any] = [name] + [int(x) for x in indices if x.isdigit()]
            for j, step in enumerate(steps):
                final = last and j == len(steps) - 1
                if isinstance(step, int):
                    if not isinstance(node, list) or step >= len(node):
                        raise ScenarioError("--set", ".".join(parts[: i + 1]), "index out of range")
                    if final:
                        node[step] = value
                    else:
                        node = node[step]
                else:
                    if not isinstance(node, dict):
                        raise ScenarioError("--set", ".".join(parts[: i + 1]), "not a table")
                    if final:
                        node[step] = value
                    else:
                        node = node.setdefault(step, {})
    return out
