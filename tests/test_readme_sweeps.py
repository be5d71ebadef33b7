"""The README's sweep commands, run on the tiny variants (so the README stays true)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def readme_sweep_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Sweeps"):]
    section = section[: section.index("\n## ", 5)]
    commands, current = [], ""
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].rstrip()
            current += line.rstrip("\\").strip() + " "
            if not line.endswith("\\"):
                if current.strip().startswith("sim "):
                    commands.append(current.strip())
                current = ""
    return commands


def tiny(command: str, tmp: Path) -> list[str] | None:
    args = shlex.split(command, comments=True)[1:]
    if "dask" in args:  # the Dask executor has its own (slower) test, with a LocalCluster of 2 workers
        return None
    out = []
    for i, arg in enumerate(args):
        prev = args[i - 1] if i else ""
        if arg.startswith("experiments/sweeps/"):
            arg = str(ROOT / "experiments" / "sweeps" / "tiny" / Path(arg).name)
        elif arg.startswith("experiments/") and arg.endswith(".toml"):
            arg = str(ROOT / "experiments" / "tiny" / Path(arg).name)
        elif arg.startswith("runs/"):
            arg = str(tmp / arg)
        elif prev == "--samples":
            arg = "4"
        elif prev in ("-n", "--replications"):
            arg = "2"
        elif prev in ("-j", "--workers"):
            arg = "1"
        out.append(arg)
    return out


def test_readme_sweep_commands_run_on_tiny_variants(tmp_path: Path) -> None:
    commands = readme_sweep_commands()
    assert any(c.startswith("sim sweep") for c in commands) and any(c.startswith("sim compare") for c in commands)
    ran = 0
    for command in commands:
        args = tiny(command, tmp_path)
        if args is None:
            continue
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, f"{command}\n{result.output}"
        ran += 1
    assert ran >= 5


@pytest.mark.parametrize("name", ["china_tolerance", "wait_out_vs_retaliate", "stockpile_days", "us_support", "curb_lhs", "curb_sobol", "ties_prior"])
def test_every_shipped_sweep_has_a_tiny_variant_with_the_same_parameters(name: str) -> None:
    import tomllib

    full = tomllib.loads((ROOT / "experiments" / "sweeps" / f"{name}.toml").read_text())
    small = tomllib.loads((ROOT / "experiments" / "sweeps" / "tiny" / f"{name}.toml").read_text())
    assert [p["path"] for p in full["parameters"]] == [p["path"] for p in small["parameters"]]
    assert full["design"] == small["design"]
