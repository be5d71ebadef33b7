"""What the command-line tests share: invoke ``sim`` in-process, check a bad-input answer, and load
a script of ``scripts/`` as a module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner, Result

from sim.cli import main

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def invoke(*args: object) -> Result:
    """Run ``sim ARGS`` in-process (click's runner), arguments turned into strings."""
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_bad(result: Result, *needles: str) -> str:
    """The answer to bad input: exit status 2 and one line ``error: ...`` holding every needle,
    never a traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    message = result.output.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    assert "Traceback" not in message
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    return message


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module, registered in ``sys.modules`` under ``name`` (dataclasses
    look their module up there)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
