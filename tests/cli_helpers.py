"""What the command-line tests share: invoke ``sim`` in-process and check a bad-input answer."""

from __future__ import annotations

from click.testing import CliRunner, Result

from sim.cli import main


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
