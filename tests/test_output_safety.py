"""Where `sim` writes, and what it refuses: output folders, --force, races, write errors, `sim
schema --out`, and reading damaged run folders (`load_run`, `sim explain`)."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import assert_bad, invoke

import sim.runner as runner
from sim.analysis import RunFolderError, load_run
from sim.config import Scenario, load_scenario
from sim.runner import (
    OutputError,
    OutputExistsError,
    RunResult,
    default_out_dir,
    run_replications,
    write_run,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"
SHORT = ["--set", "horizon_days=10", "-n", "1", "-q"]




def litter(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY, ["horizon_days=10"])


@pytest.fixture(scope="module")
def result(tiny: Scenario) -> RunResult:
    return run_replications(tiny, replications=2)


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad --out must be refused before any replication runs."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the simulation ran before the output folder was checked")

    monkeypatch.setattr(runner, "run_replications", refuse)


# ----------------------------------------------------------------------------- --out checked first


def test_bad_out_paths_are_refused_before_the_run(tmp_path: Path, no_simulation: None) -> None:
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    not_run = tmp_path / "project"
    not_run.mkdir()
    (not_run / "precious.txt").write_text("mine")
    os.mkfifo(tmp_path / "fifo")
    cases = [
        ([tmp_path / "file" / "sub"], "is not a folder"),
        ([tmp_path / "dangling"], "symbolic link"),
        ([tmp_path / "dangling", "--force"], "symbolic link"),
        ([tmp_path / ("n" * 300)], "too long"),
        ([tmp_path / ("n" * 300) / "run"], "too long"),
        ([tmp_path.joinpath(*["d" * 200] * 30)], "path too long"),
        (["."], "not '.' or '..'"),
        (["..", "--force"], "not '.' or '..'"),
        ([not_run], "already exists"),
        ([not_run, "--force"], "not a run folder"),
        ([tmp_path / "fifo", "--force"], "not a run folder"),
        (["/dev/null", "--force"], "not a run folder"),
    ]
    for out, needle in cases:
        assert_bad(invoke("run", TINY, *SHORT, "--out", *out), needle)
    assert (not_run / "precious.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "fifo", "file", "project"]  # nothing new


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_parent_is_refused(tmp_path: Path, no_simulation: None) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert_bad(invoke("run", TINY, *SHORT, "--out", locked / "run"), "permission denied")
    finally:
        locked.chmod(0o700)


def test_scenario_name_never_chooses_a_location(tmp_path: Path, no_simulation: None) -> None:
    for name in ["../x", "/abs/x", "a/b", ".", "..", "", "x" * 300]:
        assert_bad(invoke("run", TINY, *SHORT, "--set", f"name={json.dumps(name)}"), "name")
    # Even a Scenario built in code with a hostile name cannot place the default folder outside runs/.
    bad = load_scenario(TINY).model_copy(update={"name": "../escape"})
    with pytest.raises(OutputError, match="outside"):
        default_out_dir(bad, root=tmp_path / "runs")


def test_default_folder_is_unique_and_inside_runs(tmp_path: Path, tiny: Scenario) -> None:
    root = tmp_path / "runs"
    folders = {default_out_dir(tiny, root=root) for _ in range(200)}
    assert len(folders) == 200
    for folder in folders:
        assert Path(os.path.abspath(folder)).is_relative_to(root)


# ----------------------------------------------------------------------------- --force and races


def test_force_replaces_only_run_folders_and_leaves_no_litter(tmp_path: Path, tiny: Scenario, result: RunResult) -> None:
    out = write_run(tmp_path / "run", tiny, result, seed=1, replications=2)
    write_run(out, tiny, result, seed=2, replications=2, force=True)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    link = tmp_path / "link"
    os.symlink(out, link)
    with pytest.raises(OutputError, match="symbolic link"):
        write_run(link, tiny, result, seed=3, replications=2, force=True)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert litter(tmp_path) == []


def test_force_fallback_without_renameat2_keeps_old_run_on_failure(
    tmp_path: Path, tiny: Scenario, result: RunResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = write_run(tmp_path / "run", tiny, result, seed=1, replications=2)
    monkeypatch.setattr(runner, "_renameat2", lambda *a: False)  # e.g. not Linux
    write_run(out, tiny, result, seed=2, replications=2, force=True)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    real_rename = os.rename

    def failing(src: object, dst: object) -> None:
        if Path(str(dst)) == out and runner.OLD_PREFIX not in str(src):  # the new run cannot move in
            raise OSError(errno.ENOSPC, "No space left on device")
        real_rename(src, dst)

    monkeypatch.setattr(runner.os, "rename", failing)
    with pytest.raises(OutputError, match="No space left"):
        write_run(out, tiny, result, seed=3, replications=2, force=True)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2  # the old run is back in place
    assert litter(tmp_path) == []


def test_race_for_the_same_out_one_whole_folder_one_error(
    tmp_path: Path, tiny: Scenario, result: RunResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    real_cleanup = runner.remove_stale_temp

    def other_run_wins(parent: Path) -> None:  # the other run publishes after our checks passed
        real_cleanup(parent)
        if not out.exists():
            monkeypatch.setattr(runner, "remove_stale_temp", real_cleanup)
            write_run(out, tiny, result, seed=99, replications=2)

    monkeypatch.setattr(runner, "remove_stale_temp", other_run_wins)
    with pytest.raises(OutputExistsError, match="another run"):
        write_run(out, tiny, result, seed=1, replications=2)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 99
    assert load_run(out).manifest["seed"] == 99
    assert litter(tmp_path) == []


def test_concurrent_processes_racing_for_one_out(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "sim", "run", str(TINY), "--out", str(out), *SHORT]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    answers = [(p.wait(timeout=120), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert sorted(code for code, _ in answers) == [0, 2, 2], answers
    for code, err in answers:
        if code == 2:
            assert err.startswith("error: ") and err.count("\n") == 1 and "already exists" in err, err
    assert load_run(out).manifest["replications"] == 1
    assert litter(tmp_path) == []


# ----------------------------------------------------------------------------- write errors


def test_file_size_limit_while_writing_is_one_message(tmp_path: Path, tiny: Scenario, result: RunResult) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, hard))  # EFBIG past 20 kB (SIGXFSZ is ignored by Python)
    try:
        with pytest.raises(OutputError, match="nothing was written"):
            write_run(tmp_path / "run", tiny, result, seed=1, replications=2)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert list(tmp_path.iterdir()) == []


def test_disk_full_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    assert_bad(invoke("run", TINY, *SHORT, "--out", tmp_path / "run"), "No space left on device", "nothing was written")
    assert list(tmp_path.iterdir()) == []


def test_stale_temp_folders_of_dead_runs_are_removed(tmp_path: Path, tiny: Scenario, result: RunResult) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{runner.TMP_PREFIX}{int(dead.stdout)}-abcd"
    stale.mkdir()
    (stale / "timeseries.parquet").write_text("half")
    alive = tmp_path / f"{runner.TMP_PREFIX}{os.getppid()}-abcd"  # a live process's folder is left alone
    alive.mkdir()
    write_run(tmp_path / "run", tiny, result, seed=1, replications=2)
    assert litter(tmp_path) == [alive.name]


# ----------------------------------------------------------------------------- sim schema --out


def test_schema_out_never_follows_planted_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    os.symlink(victim, tmp_path / ".schema.json.tmp")  # the old fixed temporary name
    assert invoke("schema", "--out", "schema.json").exit_code == 0
    assert victim.read_text() == "keep"
    assert json.loads((tmp_path / "schema.json").read_text())["properties"]["name"]
    os.symlink(victim, tmp_path / "linked.json")  # a link at the target is replaced, not written through
    assert invoke("schema", "--out", "linked.json").exit_code == 0
    assert victim.read_text() == "keep" and not (tmp_path / "linked.json").is_symlink()
    assert_bad(invoke("schema", "--out", tmp_path / "victim.txt" / "x.json"), "cannot write")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()) == []


# ----------------------------------------------------------------------------- damaged run folders


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory, tiny: Scenario, result: RunResult) -> Path:
    return write_run(tmp_path_factory.mktemp("good") / "run", tiny, result, seed=1, replications=2)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _replace_with_dir(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _drop_outcome_row(path: Path) -> None:
    pd.read_parquet(path).iloc[:1].to_parquet(path)


DAMAGE = [
    ("manifest.json", lambda p: p.unlink(), "file not found"),
    ("manifest.json", _replace_with_fifo, "FIFO"),
    ("manifest.json", lambda p: p.write_text("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    ("manifest.json", _truncate, "not valid JSON"),
    ("manifest.json", lambda p: p.write_text('{"replications": "two"}'), "replications"),
    ("events.parquet", _replace_with_dir, "got a directory"),
    ("events.parquet", _truncate, "cannot read"),
    ("timeseries.parquet", lambda p: p.unlink(), "file not found"),
    ("timeseries.parquet", _truncate, "cannot read"),
    ("outcomes.parquet", _drop_outcome_row, "one row per replication"),
    ("outcomes.parquet", lambda p: pd.DataFrame({"x": [1]}).to_parquet(p), "missing column"),
]


@pytest.mark.parametrize(("name", "damage", "needle"), DAMAGE, ids=[f"{d[0]}-{d[2]}" for d in DAMAGE])
def test_load_run_names_the_damaged_file(tmp_path: Path, run_folder: Path, name: str, damage, needle: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "copy"
    shutil.copytree(run_folder, folder)
    damage(folder / name)
    with pytest.raises(RunFolderError) as err:
        load_run(folder)
    assert name in str(err.value) and needle in str(err.value), str(err.value)
    assert "\n" not in str(err.value)
    result = invoke("explain", folder)  # never hangs, never a traceback: a message, or a narration
    assert result.exit_code in (0, 2) and "Traceback" not in result.output
    if name in ("manifest.json", "events.parquet") and needle != "replications":  # explain reads an odd manifest leniently
        assert_bad(result, name)
    for command in ("plot", "report"):  # the figures and the report read through load_run
        assert_bad(invoke(command, folder), name)


def test_unopenable_run_paths(tmp_path: Path) -> None:
    too_long = "a/" * 3000
    with pytest.raises(RunFolderError, match="too long"):
        load_run(too_long)
    assert_bad(invoke("explain", too_long), "too long")
    with pytest.raises(RunFolderError, match="not a directory"):
        load_run("/dev/null")
    assert_bad(invoke("explain", "/dev/null"), "not a run folder")


def test_explain_survives_a_tampered_alternatives_cell(tmp_path: Path, run_folder: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(run_folder, folder)
    events = pd.read_parquet(folder / "events.parquet")
    events = pd.concat([events, events.iloc[:1]]) if len(events) else pd.DataFrame(
        {"replication": [0], "day": [1], "actor": ["CN"], "action": ["x"], "kind": ["protest"], "rule": ["r"], "reason": ["why"]})
    events["alternatives"] = "[" * 100_000 + "]" * 100_000
    events.to_parquet(folder / "events.parquet")
    result = invoke("explain", folder)
    assert result.exit_code == 0, result.output
