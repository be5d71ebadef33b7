"""Hostile scenario inputs, one class at a time: special files, huge and deep files, extends
chains and diamonds, strict types, names, documented ranges and up-front size checks. Each is
answered with one `error: ...` line and exit 2 (the fuzzer in test_fuzz.py mixes them at random)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import assert_bad, invoke

import sim.config.merging as merging
import sim.runner as runner

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "experiments" / "worlds" / "east_asia.toml"
TINY = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"




# ----------------------------------------------------------------------------- files


def test_special_files_as_scenario_and_as_base(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.toml")
    os.symlink("loop_b.toml", tmp_path / "loop_a.toml")
    os.symlink("loop_a.toml", tmp_path / "loop_b.toml")
    (tmp_path / "binary.toml").write_bytes(bytes(range(256)) * 8)
    with (tmp_path / "huge.toml").open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    cases = {
        "/dev/zero": "device", "/dev/urandom": "device", str(tmp_path / "fifo.toml"): "FIFO",
        str(tmp_path / "loop_a.toml"): "loop", str(tmp_path): "directory",
        str(tmp_path / "binary.toml"): "UTF-8", str(tmp_path / "huge.toml"): "too large",
    }
    for target, needle in cases.items():
        assert_bad(invoke("validate", target), needle)
        assert_bad(invoke("sweep", target, "--out", tmp_path / "sweep_out", "-q"), needle)  # sweep files too
        assert_bad(invoke("compare", TINY, target, "-n", "2"), needle)
        base = tmp_path / "uses_base.toml"
        base.write_text(f"extends = {json.dumps(target)}\n")
        assert_bad(invoke("validate", base), needle)
        assert_bad(invoke("run", base, "--out", tmp_path / "out", "-q"), needle)
    assert not (tmp_path / "out").exists()
    for name in ["a" * 300, "a/" * 3000, "file.txt/x.toml"]:
        (tmp_path / "file.txt").write_text("x")
        base = tmp_path / "odd_base.toml"
        base.write_text(f"extends = {json.dumps(name)}\n")
        assert_bad(invoke("validate", base), "extends")


def test_long_extends_chain_is_refused_without_recursion_error(tmp_path: Path) -> None:
    (tmp_path / "c0.toml").write_text(f'extends = "{WORLD.as_posix()}"\nname = "c"\nhorizon_days = 30\n')
    for i in range(1, 1200):
        (tmp_path / f"c{i}.toml").write_text(f'extends = "c{i - 1}.toml"\n')
    assert_bad(invoke("validate", tmp_path / "c1199.toml"), "extends chain too long", "at most 32")
    assert invoke("validate", tmp_path / "c20.toml").exit_code == 0  # a reasonable chain is fine


def test_extends_diamond_reads_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    levels = 22  # 2^22 paths through the files if each path were followed
    for level in range(levels):
        for side in "ab":
            if level < levels - 1:
                body = f'extends = ["d{level + 1}a.toml", "d{level + 1}b.toml"]\n'
            else:
                body = f'extends = "{WORLD.as_posix()}"\nname = "d"\nhorizon_days = 30\n'
            (tmp_path / f"d{level}{side}.toml").write_text(body)
    reads: list[Path] = []
    real = merging._read_toml  # what read_with_extends calls for each file

    def counting(path: Path, key_path: str = "") -> dict:
        reads.append(path.resolve())
        return real(path, key_path)

    monkeypatch.setattr(merging, "_read_toml", counting)
    assert invoke("validate", tmp_path / "d0a.toml").exit_code == 0
    assert len(reads) == len(set(reads)) == 2 * levels - 1 + 1  # d0b is never reached from d0a; + the world


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ("x = " + "[" * 5000 + "]" * 5000, ["nested too deeply"]),
        ("x = " + "{a=" * 3000 + "1" + "}" * 3000, ["nested too deeply"]),
        (".".join(["a"] * 4000) + " = 1", ["nested too deeply"]),
        ("seed = " + "9" * 5000, ["integer", "64 bits"]),
        (f"seed = {2**63}", ["seed", "out of range"]),
        (f"horizon_days = {2**63 - 1}", ["horizon_days", "less than or equal to 36500"]),
    ],
    ids=["arrays-5000", "tables-3000", "dotted-4000", "digits-5000", "2**63", "int64-max"],
)
def test_deep_and_huge_values(tmp_path: Path, body: str, needles: list[str]) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{TINY.as_posix()}"\n{body}\n')
    assert_bad(invoke("validate", path), *needles)


def test_deep_and_huge_set_arguments() -> None:
    assert_bad(invoke("validate", TINY, "--set", "x=" + "[" * 5000 + "]" * 5000), "--set", "nested too deeply")
    assert_bad(invoke("validate", TINY, "--set", ".".join(["a"] * 4000) + "=1"), "nested too deeply")
    assert_bad(invoke("validate", TINY, "--set", "seed=" + "9" * 5000), "--set")


# ----------------------------------------------------------------------------- types, names, ranges


@pytest.mark.parametrize(
    ("override", "needles"),
    [
        ("horizon_days=true", ["horizon_days", "valid integer"]),
        ('horizon_days="5"', ["horizon_days", "valid integer"]),
        ("horizon_days=30.0", ["horizon_days", "valid integer"]),
        ("countries.JP.gdp=true", ["countries.JP.gdp", "valid number"]),
        ('countries.JP.gdp="5"', ["countries.JP.gdp", "valid number"]),
        ('governments.JP.rules[0].params.concession_cost_pct="1"', ["concession_cost_pct", "valid number"]),
        ("governments.JP.rules[0].params.concession_cost_pct=true", ["concession_cost_pct", "valid number"]),
        ('name=""', ["name", "1-64 letters"]),
        ('name="../x"', ["name", "'../x'"]),
        ('name="/abs/x"', ["name"]),
        ('name="a\\u0007b"', ["name", "\\x07"]),
        (f'name="{"n" * 10_000}"', ["name", "10000 characters"]),
        ('countries.all={ gdp = 1.0 }', ["countries.all", "reserved"]),
        ('countries."J P"={ gdp = 1.0 }', ["countries", "1-64 letters"]),
        ('countries.""={ gdp = 1.0 }', ["countries", "1-64 letters"]),
        ('countries.JP.name="Japan\\u0000"', ["countries.JP.name", "control character"]),
        ('outcome.target="CN"', ["outcome", "must differ"]),
        ('calendar[0].name=""', ["calendar[0].name"]),
    ],
)
def test_strict_types_and_names(override: str, needles: list[str]) -> None:
    assert_bad(invoke("validate", TINY, "--set", override), *needles)


@pytest.mark.parametrize(
    ("override", "needles"),
    [
        ("governments.CN.perception_noise=1000", ["perception_noise", "less than or equal to 5"]),
        ("firms.toyota.inputs.ndfeb_magnets.days_of_cover=1e308", ["days_of_cover", "3650"]),
        ("trade[0].volume=1e308", ["trade[0].volume", "1e+13"]),
        ("trade[0].volume=1e-320", ["trade[0].volume", "0 or a number from 0.001"]),
        ("products.rare_earths.elasticity=1e-320", ["elasticity", "0.01"]),
        ("economy.switching_days=1e-9", ["switching_days", "greater than or equal to 1"]),
        ("firms.toyota.baseline_output=1e-320", ["baseline_output", "0.001"]),
        ("firms.toyota.inputs.ndfeb_magnets.per_unit=1e-320", ["per_unit", "1e-09"]),
        ("products.rare_earths.ramp_up_days=1000000000000", ["ramp_up_days", "3650"]),
        ("countries.JP.gdp=1e-320", ["countries.JP.gdp", "0.001"]),
        ("firms.toyota.margin=0.0", ["firms.toyota.margin"]),
        ("replications=10000000", ["replications", "1000000"]),
    ],
)
def test_documented_ranges(override: str, needles: list[str]) -> None:
    assert_bad(invoke("validate", TINY, "--set", override), *needles)


def test_ranges_are_in_the_schema() -> None:
    schema = json.loads(invoke("schema").output)
    economy = schema["$defs"]["Economy"]["properties"]
    assert economy["switching_days"]["minimum"] == 1 and "1 to 36500" in economy["switching_days"]["description"]
    assert schema["$defs"]["Government"]["properties"]["perception_noise"]["maximum"] == 5


def test_every_shipped_scenario_still_validates() -> None:
    for path in sorted((ROOT / "experiments").rglob("*.toml")):
        result = invoke("validate", path)
        assert result.exit_code == 0, (path, result.output)


# ----------------------------------------------------------------------------- size checks


def test_runs_that_cannot_fit_are_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the simulation started")

    monkeypatch.setattr(runner, "run_replications", refuse)
    message = assert_bad(invoke("run", TINY, "-n", 10**9, "--out", tmp_path / "a"), "run too large", "memory")
    assert "PiB" in message or "TiB" in message  # the estimate is shown
    assert_bad(invoke("run", TINY, "-n", 2000, "--set", "horizon_days=36500", "--out", tmp_path / "b"), "run too large")
    monkeypatch.setattr(runner, "memory_limit_bytes", lambda: 10**6)  # a small machine
    assert_bad(invoke("run", TINY, "-n", 1, "--out", tmp_path / "c"), "run too large", "allows 977 KiB")
    assert list(tmp_path.iterdir()) == []


def test_estimate_bounds_the_real_tables() -> None:
    from sim.config import load_scenario
    from sim.runner import estimate_run_bytes, run_replications
    from sim.world import build_world

    scenario = load_scenario(TINY, ["horizon_days=60"])
    result = run_replications(scenario, replications=2)
    used = sum(getattr(result, name).memory_usage(deep=True).sum() for name in ("timeseries", "events", "outcomes"))
    estimate = estimate_run_bytes(scenario, build_world(scenario), 2)
    assert used < estimate < 20 * used  # an upper bound, not a wild one
