"""Fuzzing `sim validate` and `sim run` with generated and mutated scenario files.

Every case must be answered with exit 0, or with exit 2 and one line ``error: ...`` -- never a
traceback, a hang or an output with NaN/inf. The cases (FUZZ_CASES, at least 1000 per run) are
mutations of the shipped tiny scenarios (keys deleted, values replaced by wrong types, NaN/inf,
negative, huge and tiny numbers, empty strings, unknown names, unicode and control characters,
deep nesting), damaged TOML text, and hostile files (extends cycles, missing bases, absolute
paths and '..', directories, FIFOs, devices, symlink loops, binary and huge files, long extends
chains and diamonds).

Why a seeded numpy Generator rather than hypothesis: the point is a large, fixed-size corpus of
cases per run at a predictable cost (in-process, ~20 ms a case), reproducible from one seed and a
case number, with the same randomness source as the project. Hypothesis would shrink failures,
but its per-example overhead, health checks on slow file-system examples and example database
add cost and nondeterminism across CI runs that a corpus this size does not need. Set
SIM_FUZZ_SEED to explore other corpora; a failure message names the seed and case number.
"""

from __future__ import annotations

import copy
import json
import math
import os
import resource
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from sim.analysis import load_run
from sim.cli import main
from sim.config import read_with_extends

ROOT = Path(__file__).resolve().parents[1]
TINY = sorted((ROOT / "experiments" / "tiny").glob("*.toml"))
FUZZ_SEED = int(os.environ.get("SIM_FUZZ_SEED", "20261128"))
FUZZ_CASES = 1000
MAX_RUNS = int(os.environ.get("SIM_FUZZ_RUNS", "60"))  # `sim run` on this many of the cases that validate (tiny horizons, -n 1)
CASE_SECONDS = 20  # a hang fails the case instead of the whole suite


# ----------------------------------------------------------------------------- TOML writing


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("?")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_document(raw: dict[str, Any]) -> str:
    """Each top-level key on one line with an inline value (TOML allows any tree this way)."""
    return "".join(f"{toml_string(str(k))} = {toml_value(v)}\n" for k, v in raw.items())


# ----------------------------------------------------------------------------- mutations

WEIRD_STRINGS = ["", " ", "XX", "all", "rare_earthz", "../x", "/abs/x", "a/b", "日本", "\u202egnp", "a\x00b",
                 "a\x07b", "tab\there", "line\nbreak", "x" * 10_000, "@no_such_fact", "@", "true", "5", "nan"]
WEIRD_NUMBERS = [0, -1, 1, 2**63, -(2**63), 2**63 - 1, 10**18, 0.0, -0.0, -1.0, 1e-320, 5e-324, 1e-9, 1e308,
                 -1e308, float("nan"), float("inf"), float("-inf"), 0.5, 1.0000001, 36501, 3651, 1e13, 1e12]


def tree_paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from tree_paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from tree_paths(v, (*path, i))


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for k in range(depth):
        value = [value] if k % 2 else {"a": value}
    return value


def weird_value(rng: np.random.Generator) -> Any:
    kind = rng.integers(7)
    if kind == 0:
        return WEIRD_STRINGS[rng.integers(len(WEIRD_STRINGS))]
    if kind <= 2:
        return WEIRD_NUMBERS[rng.integers(len(WEIRD_NUMBERS))]
    if kind == 3:
        return bool(rng.integers(2))
    if kind == 4:
        return [] if rng.integers(2) else {}
    if kind == 5:
        return nested(int(rng.integers(5, 60)))
    return float(10 ** rng.uniform(-12, 14)) * (1 if rng.integers(4) else -1)


def mutate_tree(raw: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    for _ in range(int(rng.integers(1, 4))):
        paths = [p for p in tree_paths(raw) if p]
        path = paths[int(rng.integers(len(paths)))]
        parent: Any = raw
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        action = rng.integers(6)
        if action == 0:  # delete the key (or list item)
            del parent[key]
        elif action == 1 and isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
            # a number scaled to an extreme (keeps the type: exercises ranges and arithmetic)
            parent[key] = type(parent[key])(parent[key] * float(10 ** rng.uniform(-30, 30))) if isinstance(parent[key], float) \
                else int(parent[key]) * int(rng.choice([0, -1, 2, 1000, 10**9, 2**62]))
        elif action == 2 and isinstance(parent, dict):  # rename the key: unknown or hostile names
            parent[WEIRD_STRINGS[rng.integers(len(WEIRD_STRINGS))] or "k"] = parent.pop(key)
        else:
            parent[key] = weird_value(rng)
    return raw


EDGE_VALUES = {  # the ends of documented ranges: numerical extremes a valid scenario may hold
    "temperature": [0.0, 1e-9, 1e6], "perception_noise": [0.0, 5.0], "enforcement": [0.0, 1.0],
    "elasticity": [0.01, 100.0], "days_of_cover": [0.0, 1.0, 3650.0], "capacity": [1.0, 1000.0],
    "switching_days": [1.0, 36500.0], "replenish_days": [1.0, 3650.0], "spare_capacity": [0.0, 100.0],
    "max_expansion": [0.0, 1000.0], "supply_elasticity": [0.0, 100.0], "price_adjustment": [0.0, 1.0],
    "approval_rate": [0.0, 1.0], "quota_share": [0.0, 1.0], "margin": [1e-6, 0.99], "ramp_up_days": [0, 3650],
    "trust_loss": [0.0, 1.0], "trust_recovery": [0.0, 1.0], "incumbent_pull": [0.0, 1.0], "volume": [0.0],
    "stake_pct": [1e-320, 1e-9, 1e9], "concession_cost_pct": [1e-9, 1e9], "audience_cost_pct": [1e-320, 1e9],
    "threatened_cost_pct": [1e-320, 1e9], "baseline_output": [1e-3],
}


def mutate_gently(raw: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Numbers moved to the ends of their ranges or scaled a little: mostly still valid, so that
    `sim run` meets numerical extremes."""
    raw = copy.deepcopy(raw)
    for _ in range(int(rng.integers(1, 6))):
        paths = [p for p in tree_paths(raw) if p and isinstance(p[-1], str)]
        edges = [p for p in paths if p[-1] in EDGE_VALUES]
        numbers = [p for p in paths if isinstance(_get(raw, p), float)]
        pool = edges if edges and rng.random() < 0.7 else numbers
        if not pool:
            continue
        path = pool[int(rng.integers(len(pool)))]
        parent = _get(raw, path[:-1])
        if path[-1] in EDGE_VALUES and pool is edges:
            choices = EDGE_VALUES[path[-1]]
            parent[path[-1]] = choices[int(rng.integers(len(choices)))]
        else:
            parent[path[-1]] = float(parent[path[-1]]) * float(rng.uniform(0.0, 3.0))
    return raw


def _get(raw: Any, path: tuple) -> Any:
    for step in path:
        raw = raw[step]
    return raw


def mutate_text(text: str, rng: np.random.Generator) -> bytes:
    data = text.encode()
    kind = rng.integers(4)
    if kind == 0:  # truncated
        return data[: int(rng.integers(len(data)))]
    if kind == 1:  # bytes flipped
        buf = bytearray(data)
        for _ in range(int(rng.integers(1, 20))):
            buf[int(rng.integers(len(buf)))] = int(rng.integers(256))
        return bytes(buf)
    if kind == 2:  # a line duplicated (duplicate keys) or dropped
        lines = data.split(b"\n")
        i = int(rng.integers(len(lines)))
        lines.insert(i, lines[i]) if rng.integers(2) else lines.pop(i)
        return b"\n".join(lines)
    return data + b"\n" + bytes(rng.integers(0, 256, int(rng.integers(1, 200)), dtype=np.uint8))


def hostile_files(case: int, folder: Path, rng: np.random.Generator) -> Path:
    """A scenario that is (or extends) something that is not a scenario."""
    base = TINY[case % len(TINY)].as_posix()
    kind = case % 16
    main_file = folder / "scenario.toml"

    def write(name: str, body: str) -> Path:
        path = folder / name
        path.write_text(body)
        return path

    if kind == 0:  # extends cycle
        write("a.toml", 'extends = "b.toml"\nname = "a"\n')
        write("b.toml", 'extends = ["x.toml", "a.toml"]\n')
        write("x.toml", f'extends = "{base}"\n')
        return folder / "a.toml"
    if kind == 1:  # missing base
        return write("scenario.toml", 'extends = "missing/base.toml"\nname = "m"\n')
    if kind == 2:  # devices
        return write("scenario.toml", f'extends = "{["/dev/zero", "/dev/urandom", "/dev/null"][case % 3]}"\n')
    if kind == 3:  # '..', absolute paths that are directories, names too long, a file in the way
        names = ["..", "/", str(folder), ".", "a" * 300, "a/" * 3000, "scenario.toml/x.toml", "/proc/self/mem"]
        return write("scenario.toml", f'extends = {toml_value(names[(case // 16) % len(names)])}\n')
    if kind == 4:  # a FIFO as the scenario or its base
        os.mkfifo(folder / "fifo.toml")
        return folder / "fifo.toml" if rng.integers(2) else write("scenario.toml", 'extends = "fifo.toml"\n')
    if kind == 5:  # symlink loop
        os.symlink("loop_b.toml", folder / "loop_a.toml")
        os.symlink("loop_a.toml", folder / "loop_b.toml")
        return folder / "loop_a.toml" if rng.integers(2) else write("scenario.toml", 'extends = "loop_a.toml"\n')
    if kind == 6:  # binary
        main_file.write_bytes(bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
        return main_file
    if kind == 7:  # huge (only a few per run: they cost a write)
        if case % 64 == 7:
            with main_file.open("wb") as handle:
                handle.truncate(5 * 1024 * 1024)
            return main_file
        return write("scenario.toml", "")
    if kind == 8:  # a directory as the scenario
        return folder
    if kind == 9:  # a long extends chain
        n = int(rng.integers(20, 60))
        write("c0.toml", f'extends = "{base}"\n')
        for i in range(1, n):
            write(f"c{i}.toml", f'extends = "c{i - 1}.toml"\n')
        return folder / f"c{n - 1}.toml"
    if kind == 10:  # an extends diamond: 2^levels paths through the files
        levels = int(rng.integers(10, 24))
        for lvl in range(levels):
            for side in "ab":
                body = f'extends = ["d{lvl + 1}a.toml", "d{lvl + 1}b.toml"]\n' if lvl < levels - 1 else f'extends = "{base}"\n'
                write(f"d{lvl}{side}.toml", body)
        return folder / "d0a.toml"
    if kind == 11:  # deep nesting in TOML syntax
        depth = int(rng.integers(100, 5000))
        return write("scenario.toml", f'extends = "{base}"\nx = ' + "[" * depth + "]" * depth + "\n")
    if kind == 12:  # dotted key thousands deep
        return write("scenario.toml", f'extends = "{base}"\n' + ".".join(["a"] * int(rng.integers(40, 3000))) + " = 1\n")
    if kind == 13:  # integers beyond int64 and beyond Python's digit limit
        digits = int(rng.choice([19, 20, 5000]))
        return write("scenario.toml", f'extends = "{base}"\nseed = {"9" * digits}\n')
    if kind == 14:  # extends of the wrong type
        return write("scenario.toml", f"extends = {toml_value(weird_value(rng))}\n")
    return write("scenario.toml", f'extends = "{base}"\nname = {toml_value(WEIRD_STRINGS[case % len(WEIRD_STRINGS)])}\n')


def hostile_out(case: int, folder: Path) -> str:
    """An --out that must be refused even with --force: under a file, a file, a folder that is not
    a run, '.', '..', a dangling link, a FIFO, a name too long, a device."""
    (folder / "file").write_text("x")
    (folder / "project").mkdir()
    (folder / "project" / "notes.txt").write_text("mine")
    kind = case % 9
    if kind == 5:
        os.symlink(folder / "nowhere", folder / "link")
    if kind == 6:
        os.mkfifo(folder / "fifo")
    return [str(folder / "file" / "sub"), str(folder / "file"), str(folder / "project"), ".", "..",
            str(folder / "link"), str(folder / "fifo"), str(folder / ("n" * 300)), "/dev/null"][kind]


# ----------------------------------------------------------------------------- checks


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what}: no answer within {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def answer(args: list[str], what: str) -> tuple[int, str]:
    # result.output holds stderr too: click 8.1's CliRunner mixes it in by default (mix_stderr=True),
    # 8.2+ always does; so the same check works on every click the project allows.
    with deadline(CASE_SECONDS, what):
        result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"{what}: {' '.join(args)!r} raised\n{tb}")
    output = result.output.strip()
    assert result.exit_code in (0, 2), f"{what}: exit {result.exit_code}: {output[:500]}"
    assert "Traceback" not in output, f"{what}: {output[:500]}"
    if result.exit_code == 2:
        assert output.startswith("error: ") and "\n" not in output, f"{what}: expected one 'error: ' line, got {output[:500]!r}"
    return result.exit_code, output


def assert_finite_outputs(folder: Path, what: str) -> None:
    run = load_run(folder)
    values = run.timeseries["value"].to_numpy()
    assert np.isfinite(values).all(), f"{what}: non-finite timeseries values"
    numeric = run.outcomes.select_dtypes("number")
    numeric = numeric.drop(columns=[c for c in numeric if c == "resolution_day"])  # NaN = unresolved
    assert np.isfinite(numeric.to_numpy(dtype=float)).all(), (
        f"{what}: non-finite outcome metrics {[c for c in numeric if not np.isfinite(numeric[c]).all()]}"
    )
    utilities = [u for cell in run.events.get("alternatives", []) if cell for _, u in json_pairs(cell)]
    assert all(math.isfinite(u) for u in utilities), f"{what}: non-finite utilities in events"


def json_pairs(cell: str) -> list[tuple[str, float]]:
    return [(item["action"], float(item["utility"])) for item in json.loads(cell)]


# ----------------------------------------------------------------------------- the fuzzer


@pytest.mark.filterwarnings("error::RuntimeWarning")  # an overflow or 0/0 inside the model is a finding
def test_fuzz_validate_and_run(tmp_path: Path) -> None:
    rng = np.random.default_rng(FUZZ_SEED)
    bases = [read_with_extends(path) for path in TINY]
    texts = [path.read_text() for path in TINY]
    runs = validated = 0
    start = time.perf_counter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for case in range(FUZZ_CASES):
        what = f"fuzz seed {FUZZ_SEED} case {case}"
        folder = tmp_path / f"c{case}"
        folder.mkdir()
        kind = rng.random()
        overrides: list[str] = []
        if kind < 0.2:
            path = hostile_files(case, folder, rng)
        elif kind < 0.3:
            path = folder / "scenario.toml"
            path.write_bytes(mutate_text(texts[case % len(texts)], rng))
        elif kind < 0.4:  # hostile --set values on a valid file
            path = TINY[case % len(TINY)]
            key = rng.choice(["horizon_days", "seed", "name", "economy.switching_days", "products.rare_earths.elasticity",
                              "governments.CN.temperature", "outcome.target", "countries.JP.gdp", "replications"])
            overrides = [f"{key}={toml_value(weird_value(rng))}"]
        elif kind < 0.45:  # a valid file with a hostile --out: refused before any work
            target = hostile_out(case, folder)
            code, _ = answer(["run", str(TINY[case % len(TINY)]), "--out", target, "--force", "-q", "-n", "1",
                              "--set", "horizon_days=2"], what)
            assert code == 2, f"{what}: --out {target[:80]} was accepted"
            continue
        elif kind < 0.6:
            path = folder / "scenario.toml"
            path.write_text(toml_document(mutate_gently(bases[case % len(bases)], rng)))
        else:
            path = folder / "scenario.toml"
            path.write_text(toml_document(mutate_tree(bases[case % len(bases)], rng)))
        sets = [a for o in overrides for a in ("--set", o)]
        code, message = answer(["validate", str(path), *sets], what)
        if os.environ.get("SIM_FUZZ_SHOW"):
            print(case, code, message[:300])
        if code != 0:
            continue
        validated += 1
        if runs >= MAX_RUNS:
            continue
        runs += 1
        out = folder / "out"
        horizon = int(rng.integers(2, 9))
        code, message = answer(["run", str(path), *sets, "--set", f"horizon_days={horizon}", "-n", "1", "-q", "--out", str(out)], what)
        if code == 0:
            assert_finite_outputs(out, what)
        else:
            assert not out.exists(), f"{what}: a refused run left {out}"
    elapsed = time.perf_counter() - start
    # The corpus must exercise both answers, and the run path must really be taken.
    assert 50 <= validated <= FUZZ_CASES - 300, validated
    for case in range(FUZZ_CASES):  # hostile --out never touched what was there
        notes = tmp_path / f"c{case}" / "project" / "notes.txt"
        assert not notes.parent.exists() or notes.read_text() == "mine", case
    assert runs >= min(MAX_RUNS, validated) and runs > 20
    # Nothing allocated anywhere near the machine's memory (the size checks refuse before work).
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert (rss_after - rss_before) < 1_500_000, f"peak memory grew by {rss_after - rss_before} kB"
    print(f"fuzz: {FUZZ_CASES} cases, {validated} valid, {runs} runs, {elapsed:.1f} s")
