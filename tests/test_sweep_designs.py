"""Sweep files and designs: values worked out by hand, design properties, one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.designs import design_table, from_unit, grid_values
from sim.sweep_config import Parameter, Sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = (ROOT / "experiments" / "tiny" / "rare_earth_curb.toml").as_posix()
TOL = "governments.CN.rules[0].params.stake_pct"
PAT = "governments.JP.rules[0].params.concession_cost_pct"


def sweep(**kw) -> Sweep:  # type: ignore[no-untyped-def]
    spec = {"name": "t", "base": TINY, "parameters": [{"path": TOL, "values": [0.5]}], **kw}
    return Sweep.model_validate(spec)


def test_grid_values_by_hand() -> None:
    assert grid_values(Parameter(path="a", range=(0.3, 0.9), steps=7)) == [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert grid_values(Parameter(path="a", range=(1, 100), steps=3, distribution="log_uniform")) == [1.0, 10.0, 100.0]
    assert grid_values(Parameter(path="a", range=(2, 5), distribution="integer")) == [2, 3, 4, 5]
    assert grid_values(Parameter(path="a", choice=["x", "y"])) == ["x", "y"]


def test_unit_coordinates_map_to_values_by_hand() -> None:
    u = np.array([0.0, 0.25, 0.5, 0.99, 1.0])
    assert np.allclose(from_unit(Parameter(path="a", range=(0, 10)), u), [0, 2.5, 5, 9.9, 10])
    assert np.allclose(from_unit(Parameter(path="a", range=(1, 100), distribution="log_uniform"), u[[0, 2, 4]]), [1, 10, 100])
    # integer 1..3: three equal bins of the unit interval
    assert list(from_unit(Parameter(path="a", range=(1, 3), distribution="integer"), np.array([0, 0.33, 0.34, 0.67, 1.0]))) == [1, 1, 2, 3, 3]
    assert from_unit(Parameter(path="a", choice=["x", "y"]), np.array([0.49, 0.5, 1.0])) == ["x", "y", "y"]


def test_grid_design_is_the_cartesian_product_with_real_dtypes() -> None:
    s = sweep(parameters=[
        {"path": TOL, "name": "tol", "range": [0.3, 0.9], "steps": 3},
        {"path": PAT, "name": "pat", "values": [1, 2]},
    ])
    table = design_table(s)
    assert list(table.columns) == ["point", "tol", "pat"]
    assert table[["tol", "pat"]].values.tolist() == [[0.3, 1], [0.3, 2], [0.6, 1], [0.6, 2], [0.9, 1], [0.9, 2]]
    assert table["tol"].dtype == np.float64 and table["pat"].dtype == np.int64


def test_latin_hypercube_has_one_point_per_stratum_and_is_seeded() -> None:
    params = [{"path": TOL, "name": "a", "range": [0, 1]}, {"path": PAT, "name": "b", "range": [10, 20]}]
    s = sweep(design="lhs", samples=8, parameters=params, seed=3)
    table = design_table(s)
    for col in ("u.a", "u.b"):
        assert sorted(np.floor(table[col] * 8).astype(int)) == list(range(8))
    assert np.allclose(table["b"], 10 + 10 * table["u.b"])
    assert table.equals(design_table(s))
    assert not table.equals(design_table(sweep(design="lhs", samples=8, parameters=params, seed=4)))


def test_sampled_design_sizes() -> None:
    params = [{"path": TOL, "name": "a", "range": [0, 1]}, {"path": PAT, "name": "b", "range": [1, 2]},
              {"path": "horizon_days", "name": "c", "range": [100, 200], "distribution": "integer"}]
    assert len(design_table(sweep(design="sobol", samples=16, parameters=params))) == 16
    assert len(design_table(sweep(design="saltelli", samples=8, parameters=params))) == 8 * (3 + 2)
    assert len(design_table(sweep(design="saltelli", samples=8, parameters=params, second_order=True))) == 8 * (2 * 3 + 2)
    morris = design_table(sweep(design="morris", samples=5, parameters=params))
    assert len(morris) == 5 * (3 + 1)
    # Morris moves one parameter at a time along a trajectory.
    u = morris[["u.a", "u.b", "u.c"]].to_numpy().reshape(5, 4, 3)
    assert ((np.abs(np.diff(u, axis=1)) > 1e-12).sum(axis=2) == 1).all()
    assert morris["c"].between(100, 200).all() and morris["c"].dtype == np.int64


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'name = "t"\nbase = "{TINY}"\nreplications = 1\n{body}\n')
    return path


OK_PARAM = f'[[parameters]]\npath = "{TOL}"\nvalues = [0.5]'


@pytest.mark.parametrize("body, needles", [
    ('[[parameters]]\npath = "governments.CN.rules[0].params.cost_tolerence_pct"\nvalues = [1.0]',
     ["parameters[0].path", "cost_tolerence_pct", "not a key of the base scenario"]),
    ('[[parameters]]\npath = "governments.XX.temperature"\nvalues = [1.0]', ["parameters[0].path", "not a key"]),
    (f'[[parameters]]\npath = "{TOL}"\nrange = [0.9, 0.3]\nsteps = 3', ["parameters[0]", "low < high"]),
    (f'[[parameters]]\npath = "{TOL}"\nrange = [0.3, 0.9]', ["range in a grid design needs steps"]),
    (f'samples = 4\n{OK_PARAM}', ["grid design has no sample count"]),
    (f'design = "saltelli"\nsamples = 6\n{OK_PARAM}', ["power of 2"]),
    (f'design = "lhs"\n{OK_PARAM}', ["needs samples"]),
    (f'design = "latin"\n{OK_PARAM}', ["design", "latin"]),
    (f'replicatons = 3\n{OK_PARAM}', ["replicatons", "did you mean 'replications'"]),
    (f'[[parameters]]\npath = "{TOL}"\nvalues = [0.5, -1.0]', ["parameters[0]", "-1.0", "stake_pct"]),
    (f'[[parameters]]\npath = "{TOL}"\nvalues = [0.5]\nrange = [0.1, 0.2]', ["exactly one of values, range or choice"]),
    (f'{OK_PARAM}\n[keep]\nseries = true\nvariables = ["prices"]', ["keep.variables", "prices"]),
])
def test_bad_sweep_files_get_one_line_and_exit_2(tmp_path: Path, body: str, needles: list[str]) -> None:
    result = CliRunner().invoke(main, ["sweep", str(write(tmp_path, body)), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("error: ")
    for needle in needles:
        assert needle in message, message
    assert not (tmp_path / "out").exists()


def test_missing_and_empty_sweep_files_and_bases(tmp_path: Path) -> None:
    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["sweep", *args])
        assert result.exit_code == 2 and "\n" not in result.output.strip(), result.output
        return result.output
    assert "file not found" in run(str(tmp_path / "nope.toml"))
    (tmp_path / "empty.toml").write_text("")
    assert "empty" in run(str(tmp_path / "empty.toml"))
    (tmp_path / "b.toml").write_text(f'name = "t"\nbase = "missing.toml"\n{OK_PARAM}\n')
    assert "base" in run(str(tmp_path / "b.toml"))
    assert "--resume needs --out" in run(str(write(tmp_path, OK_PARAM)), "--resume")
    assert "grid design has no sample count" in run(str(write(tmp_path, OK_PARAM)), "--samples", "8")


def test_validate_checks_sweep_files_too(tmp_path: Path) -> None:
    ok = CliRunner().invoke(main, ["validate", str(ROOT / "experiments" / "sweeps" / "curb_sobol.toml")])
    assert ok.exit_code == 0 and "768 points x 2 replications = 1536 runs" in ok.output
    bad = CliRunner().invoke(main, ["validate", str(write(tmp_path, '[[parameters]]\npath = "nope.x"\nvalues = [1]'))])
    assert bad.exit_code == 2 and "parameters[0].path" in bad.output and "\n" not in bad.output.strip()
