"""The README's five-minute tour runs as written, and the numbers the README quotes are what it gives.

Every `sim ...` command of the tour's shell block is run (in a scratch folder holding the project's
experiments), then its Python block; finally the README's block of headline numbers must equal
what scripts/readme_numbers.py computes from the tour's own run folders.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def tour_blocks() -> tuple[list[list[str]], str]:
    """The tour's shell commands (continuations joined, comments dropped) and its Python block."""
    section = README[README.index("## Five-minute tour") :]
    section = section[: section.index("\n## ", 1)]
    shell = re.search(r"```sh\n(.*?)```", section, re.S)
    python = re.search(r"```python\n(.*?)```", section, re.S)
    assert shell and python, "the tour has a sh block and a python block"
    commands = [shlex.split(line, comments=True) for line in shell.group(1).replace("\\\n", " ").splitlines()]
    return [c for c in commands if c], python.group(1)


def test_the_tour_is_parsed_as_expected() -> None:
    commands, python = tour_blocks()
    assert commands[0][:2] == ["source", ".venv/bin/activate"]
    assert all(c[0] == "sim" for c in commands[1:])
    assert {c[1] for c in commands[1:]} >= {"validate", "run", "explain", "schema"}
    assert "load_run(" in python


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the tour's commands in a scratch folder; return that folder."""
    work = tmp_path_factory.mktemp("tour")
    (work / "experiments").symlink_to(ROOT / "experiments")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    commands, python = tour_blocks()
    for command in commands[1:]:  # the first activates the venv; here sys.executable is the venv's
        done = subprocess.run([sys.executable, "-m", "sim", *command[1:]], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"`{shlex.join(command)}` failed:\n{done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr, done.stderr
    script = work / "tour.py"
    script.write_text(python)
    done = subprocess.run([sys.executable, str(script)], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the tour's Python block failed:\n{done.stderr[-3000:]}"
    return work


def test_the_tour_leaves_its_outputs_under_runs(tour: Path) -> None:
    assert {p.name for p in (tour / "runs").iterdir()} >= {"curb", "curb100", "scripted", "scenario.schema.json"}
    # Nothing written beside the experiments (e.g. a stray schema file in the project root).
    assert sorted(p.name for p in tour.iterdir()) == ["experiments", "runs", "tour.py"]


def test_the_readme_numbers_are_what_the_tour_gives(tour: Path) -> None:
    from cli_helpers import load_script

    from sim.analysis import load_run

    module = load_script("readme_numbers")
    runs = tour / "runs"
    block = module.headline(load_run(runs / "curb"), load_run(runs / "curb100"), load_run(runs / "scripted"))
    assert block in README, "the README's headline numbers are stale: python scripts/readme_numbers.py --write"
    # The script's own runs are the tour's commands.
    shell_runs = [c[2:] for c in tour_blocks()[0] if c[:2] == ["sim", "run"]]
    for args in module.TOUR_RUNS.values():
        assert any(all(a in cmd for a in args) for cmd in shell_runs), args
