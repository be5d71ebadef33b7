"""Reading files that may be hostile (scenarios, extends bases, run folders), and writing one
file without following links planted beside it.

A path a user (or someone else's scenario) names can be a directory, a device such as /dev/zero,
a FIFO that blocks forever, a symlink loop, a huge or binary file, or JSON nested 100,000 deep.
Every reader here checks the type and size on the open descriptor before reading and turns each
of these into one :class:`FileProblem` naming the file and what is wrong -- never a hang, a
traceback or an allocation the machine cannot hold.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

MAX_TEXT_BYTES = 4 * 1024 * 1024  # a scenario is a few kB
MAX_JSON_BYTES = 256 * 1024 * 1024  # a manifest lists one seed per replication (up to 1e6)


class FileProblem(Exception):
    """``path`` cannot be used; ``reason`` says why (one line)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def check_regular_file(path: str | Path, what: str = "a file") -> os.stat_result:
    """``stat`` ``path`` (following symlinks) and refuse anything but a regular file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileProblem(path, "file not found") from None
    except (OSError, ValueError) as exc:  # ELOOP (symlink loop), ENAMETOOLONG, NUL byte
        raise FileProblem(path, f"cannot open ({_reason(exc) if isinstance(exc, OSError) else exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(path, f"expected {what}, got {_kind(info.st_mode)}")
    return info


def read_bytes(path: str | Path, max_bytes: int, what: str = "a file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; opened non-blocking and checked on
    the descriptor, so a FIFO swapped in after a check cannot block."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileProblem(path, "file not found") from None
    except IsADirectoryError:
        raise FileProblem(path, f"expected {what}, got a directory") from None
    except (OSError, ValueError) as exc:
        raise FileProblem(path, f"cannot open ({_reason(exc) if isinstance(exc, OSError) else exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(path, f"expected {what}, got {_kind(info.st_mode)}")
        if info.st_size > max_bytes:
            raise FileProblem(path, f"file too large ({info.st_size} bytes; at most {max_bytes})")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise FileProblem(path, f"cannot read ({_reason(exc)})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise FileProblem(path, f"file too large (more than {max_bytes} bytes)")
    return data


def read_text(path: str | Path, max_bytes: int = MAX_TEXT_BYTES, what: str = "a text file") -> str:
    data = read_bytes(path, max_bytes, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(path, f"expected UTF-8 text (byte {exc.start} is not)") from None


def read_json(path: str | Path, max_bytes: int = MAX_JSON_BYTES) -> Any:
    text = read_text(path, max_bytes, "a JSON file")
    try:
        return json.loads(text)
    except RecursionError:
        raise FileProblem(path, "not valid JSON (nested too deeply)") from None
    except ValueError as exc:
        raise FileProblem(path, f"not valid JSON ({' '.join(str(exc).split())[:120]})") from None


def read_parquet(path: str | Path) -> Any:
    """A Parquet table as a pandas DataFrame. A directory is refused (pyarrow would read it as an
    empty dataset), and so is anything that is not a regular file."""
    import pandas as pd
    import pyarrow as pa

    check_regular_file(path, "a Parquet file")
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException, MemoryError, RecursionError) as exc:
        raise FileProblem(path, f"cannot read it ({' '.join(str(exc).split())[:200]})") from None


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``path`` whole or not at all, through a unique temporary file created exclusively
    beside it (never through a link planted at a predictable name), then renamed over ``path``
    (a symlink at ``path`` is replaced, not followed)."""
    import contextlib
    import tempfile

    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise FileProblem(path, f"cannot write there ({_reason(exc)})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise FileProblem(path, f"cannot write it ({_reason(exc)})") from None
