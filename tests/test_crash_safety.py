"""Killing `sim run` (Ctrl-C, SIGTERM, kill -9), with real processes: no folder that looks
complete, no existing run lost, no litter a later run trips on, no worker left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.analysis import load_run

ROOT = Path(__file__).resolve().parents[1]
CURB = ROOT / "experiments" / "rare_earth_curb.toml"  # long enough to be killed mid-run
TINY = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and POSIX signals")


def start(out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(CURB), "-n", "400", "--out", str(out), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def wait_for_progress_bar(proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """The progress bar appears once the scenario is loaded and the run has started."""
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    seen = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end and b"rep" not in seen:
        seen += proc.stderr.read() or b""
        time.sleep(0.05)
    assert b"rep" in seen, seen
    os.set_blocking(proc.stderr.fileno(), True)


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited and only waits to be reaped


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_writes_nothing_and_keeps_an_existing_run(tmp_path: Path, signum: int) -> None:
    # An earlier run in the folder must survive an interrupted --force replacement.
    out = tmp_path / "run"
    first = subprocess.run([sys.executable, "-m", "sim", "run", str(TINY), "-n", "1", "-q", "--set", "horizon_days=20",
                            "--out", str(out)], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before = (out / "manifest.json").read_bytes()
    proc = start(out, "--force")
    wait_for_progress_bar(proc)
    proc.send_signal(signum)
    proc.wait(timeout=30)
    err = proc.stderr.read().decode()  # type: ignore[union-attr]
    assert proc.returncode == 130, err
    assert err.rstrip().splitlines()[-1] == "error: interrupted; no output folder was written"
    assert "Traceback" not in err
    assert (out / "manifest.json").read_bytes() == before
    assert hidden(tmp_path) == []


def test_kill_9_leaves_nothing_that_looks_complete_and_a_rerun_works(tmp_path: Path) -> None:
    out = tmp_path / "run"
    for delay in (0.5,):  # during the simulation
        proc = start(out, "-q")
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=30)
        assert not out.exists()
    # A run killed while writing leaves at most a hidden temporary folder; plant one like it.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".sim-tmp-{int(dead.stdout)}-0000"
    stale.mkdir()
    (stale / "manifest.json").write_text("{}")
    rerun = subprocess.run([sys.executable, "-m", "sim", "run", str(TINY), "-n", "1", "-q", "--set", "horizon_days=20",
                            "--out", str(out)], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert load_run(out).manifest["replications"] == 1
    assert hidden(tmp_path) == []  # the dead run's temporary folder was cleaned up


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_killing_the_parent_stops_its_workers(tmp_path: Path, signum: int) -> None:
    # SIGKILL: the workers notice their parent is gone; SIGTERM: the parent stops them and exits 130.
    proc = start(tmp_path / "run", "-q", "-j", "2")
    end = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < end and len(workers) < 2:
        workers = children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the workers did not start"
    time.sleep(0.5)  # let them get into their chunks
    proc.send_signal(signum)
    proc.wait(timeout=30)
    assert proc.returncode == (-signal.SIGKILL if signum == signal.SIGKILL else 130)
    end = time.monotonic() + 10
    while time.monotonic() < end and any(running(pid) for pid in workers):
        time.sleep(0.1)
    left = [pid for pid in workers if running(pid)]
    for pid in left:  # do not leave them behind even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"workers still running after the parent was killed: {left}"
    assert not (tmp_path / "run").exists()
