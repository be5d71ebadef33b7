"""The ``sim`` command: validation messages for bad input, runs, overrides, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_bad, invoke

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "experiments" / "worlds" / "east_asia.toml"
CURB = ROOT / "experiments" / "rare_earth_curb.toml"
TINY = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"
SCRIPTED = ROOT / "experiments" / "rare_earth_ban_scripted.toml"


def scenario(tmp_path: Path, body: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{WORLD.as_posix()}"\nname = "t"\nhorizon_days = 30\n{body}\n')
    return path




BAD_BODIES = [
    # (body appended to a valid scenario, substrings the message must contain)
    ("horizon_dayz = 3", ["horizon_dayz", "did you mean", "horizon_days"]),
    ("[products.rare_earths]\nelasticty = 0.2", ["products.rare_earths.elasticty", "elasticity"]),
    ("[products.rare_earths]\nbaseline_price = nan", ["products.rare_earths.baseline_price", "finite"]),
    ("[products.rare_earths]\nbaseline_price = inf", ["products.rare_earths.baseline_price", "finite"]),
    ("[products.rare_earths]\nbaseline_price = -5.0", ["products.rare_earths.baseline_price", "greater than or equal to"]),
    ("[firms.toyota]\nmargin = 1.5", ["firms.toyota.margin", "less than or equal to 1"]),
    ("[firms.toyota.inputs.ndfeb_magnets]\nsuppliers = { CN = 0.5, ROW = 0.2 }", ["firms.toyota.inputs.ndfeb_magnets.suppliers", "sum to 1"]),
    ("[firms.toyota]\nsales = { JP = 0.5, CN = 0.6 }", ["firms.toyota.sales", "sum to 1"]),
    ("[firms.toyota]\ncountry = \"JPN\"", ["firms.toyota.country", "JPN", "did you mean 'JP'"]),
    ("[firms.toyota.inputs.ndfeb_magnets]\nsuppliers = { CNN = 1.0 }", ["firms.toyota.inputs.ndfeb_magnets.suppliers", "CNN"]),
    ("[firms.sony]\nproduct = \"consumer_electronic\"", ["firms.sony.product", "consumer_electronics"]),
    ("[[schedule]]\nday = 3\nactor = \"CN\"\nmeasure = \"export_ban\"\ntarget = \"JPN\"\nproducts = [\"rare_earths\"]", ["schedule[0].target", "JPN"]),
    ("[[schedule]]\nday = 3\nactor = \"CN\"\nmeasure = \"export_ban\"\ntarget = \"JP\"\nproducts = [\"rare_earth\"]", ["schedule[0].products[0]", "rare_earths"]),
    ("[[schedule]]\nday = 3\nactor = \"CN\"\nmeasure = \"embargo\"\ntarget = \"JP\"\nproducts = [\"rare_earths\"]", ["schedule[0].measure", "export_ban"]),
    ("[[schedule]]\nday = 3\nactor = \"CN\"\nmeasure = \"export_ban\"\ntarget = \"JP\"\nproducts = [\"rare_earths\"]\nenforcement = 1.2", ["schedule[0].enforcement", "less than or equal to 1"]),
    ("[[schedule]]\nday = 3\nactor = \"CN\"\nmeasure = \"export_ban\"\ntarget = \"JP\"\nproducts = [\"rare_earths\"]\nenforcement = -0.1", ["schedule[0].enforcement", "greater than or equal to 0"]),
    ("[governments.JP]\nrules = [{ rule = \"schedul\" }]", ["governments.JP.rules[0]", "schedule"]),
    ("[outcome]\ncoercer = \"CHN\"", ["outcome.coercer", "CHN"]),
    ("[[capacity_growth]]\ncountry = \"ROW\"\nproduct = \"rare_earthz\"\nmax_expansion = 1.0", ["capacity_growth", "rare_earthz"]),
    ("[firms.toyota]\nbaseline_output = 1e12", ["toyota", "expected"]),
    ("[firms.toyota]\nbaseline_output = \"@no_such_fact\"", ["firms.toyota.baseline_output", "no_such_fact"]),
]


@pytest.mark.parametrize(("body", "needles"), BAD_BODIES, ids=[b[1][0] for b in BAD_BODIES])
def test_bad_scenarios_get_one_clear_message(tmp_path: Path, body: str, needles: list[str]) -> None:
    path = scenario(tmp_path, body)
    message = assert_bad(invoke("validate", path), str(path), *needles)
    assert message.startswith("error: ")
    # `sim run` refuses the same file the same way and writes nothing.
    assert_bad(invoke("run", path, "--out", tmp_path / "out", "-q"), *needles)
    assert not (tmp_path / "out").exists()


def test_missing_empty_and_unparsable_files(tmp_path: Path) -> None:
    assert_bad(invoke("validate", tmp_path / "nope.toml"), "nope.toml")
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert_bad(invoke("validate", empty), "empty.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\nhorizon_days = 30\n[products\nfoo = 1\n')
    message = assert_bad(invoke("run", broken), "broken.toml")
    assert "line 3" in message


def test_extends_cycles_and_missing_bases(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nname = "a"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\nname = "b"\n')
    assert_bad(invoke("validate", tmp_path / "a.toml"), "extends", "cycle")
    (tmp_path / "c.toml").write_text('extends = "missing.toml"\nname = "c"\n')
    assert_bad(invoke("validate", tmp_path / "c.toml"), "extends", "missing.toml")


def test_extends_deep_merges_and_later_keys_win(tmp_path: Path) -> None:
    from sim.config import load_scenario

    path = scenario(tmp_path, "[products.rare_earths]\nelasticity = 0.3\n[economy]\nprice_adjustment = 0.01", "ok.toml")
    sc = load_scenario(path)
    assert sc.products["rare_earths"].elasticity == 0.3
    assert sc.products["rare_earths"].tier == "civilian" or sc.products["rare_earths"].tier  # merged, not replaced
    assert sc.products["rare_earths"].baseline_price > 0
    assert sc.economy.price_adjustment == 0.01
    assert sc.economy.trust_loss == 0.2  # untouched keys keep the base's value
    assert len(sc.firms) == 15


def test_plus_keys_append_to_the_base_list(tmp_path: Path) -> None:
    from sim.config import load_scenario

    base = tmp_path / "base.toml"
    base.write_text(f'extends = "{WORLD.as_posix()}"\nname = "b"\nhorizon_days = 30\n'
                    '[[governments.JP.rules]]\nrule = "wait_out"\nparams = { coercer = "CN" }\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\nname = "c"\n'
                     '[[governments.JP."rules+"]]\nrule = "legal_action"\nparams = { against = "CN" }\n')
    assert [r.rule for r in load_scenario(child).governments["JP"].rules] == ["wait_out", "legal_action"]
    replacing = tmp_path / "replacing.toml"
    replacing.write_text('extends = "base.toml"\nname = "r"\n'
                         '[[governments.JP.rules]]\nrule = "legal_action"\nparams = { against = "CN" }\n')
    assert [r.rule for r in load_scenario(replacing).governments["JP"].rules] == ["legal_action"]
    alone = scenario(tmp_path, '[[governments.JP."rules+"]]\nrule = "legal_action"\nparams = { against = "CN" }', "alone.toml")
    assert [r.rule for r in load_scenario(alone).governments["JP"].rules] == ["legal_action"]


def test_set_overrides(tmp_path: Path) -> None:
    from sim.config import load_scenario

    sc = load_scenario(SCRIPTED, overrides=["economy.price_adjustment=0.02", "schedule[3].enforcement=1.0", "horizon_days=200"])
    assert sc.economy.price_adjustment == 0.02
    assert sc.schedule[3].enforcement == 1.0
    assert sc.horizon_days == 200
    assert invoke("validate", SCRIPTED, "--set", "schedule=[]").exit_code == 0
    assert_bad(invoke("validate", CURB, "--set", "economy.price_adjustmnt=0.1"), "price_adjustmnt", "price_adjustment")
    assert_bad(invoke("validate", CURB, "--set", "economy.price_adjustment"), "price_adjustment")
    assert_bad(invoke("validate", SCRIPTED, "--set", "schedule[3].enforcement=2"), "schedule[3].enforcement")


@pytest.mark.parametrize(
    ("override", "path", "expected"),
    [
        ("governments.JP.rules[0].params.coercer='XX'", "governments.JP.rules[0].params.coercer", "unknown country 'XX'"),
        ("governments.JP.rules[0].params.coercer='JP'", "governments.JP.rules[0].params.coercer", "another country"),
        ("governments.JP.rules[0].params.concession_cost_pct=-1", "governments.JP.rules[0].params.concession_cost_pct", "greater than or equal to 0"),
        ("governments.JP.rules[0].params.concesion_cost_pct=1", "governments.JP.rules[0].params.concesion_cost_pct", "concession_cost_pct"),
        ("governments.CN.rules[0].params.rungs[1].measure.products=['rare_earth']",
         "governments.CN.rules[0].params.rungs[1].measure.products[0]", "did you mean 'rare_earths'"),
        ("governments.CN.rules[0].params.rungs[3].replaces=['nothing']", "governments.CN.rules[0].params: rung 'ree_ban'",
         "not an earlier rung"),
        ("governments.CN.rules[2].params.window='G20'", "governments.CN.rules[2].params.window", "unknown calendar 'G20'"),
        ("governments.CN.rules[1].rule='threats'", "governments.CN.rules[1].rule", "did you mean 'threat'"),
        ("firms.jp_magnet_makers.rules[1].params.input='rubber'", "firms.jp_magnet_makers.rules[1].params.input", "unknown product 'rubber'"),
        ("calendar[0].end_day=3", "calendar[0]", "end_day"),
        ("calendar[0].parties=['CN','XX']", "calendar[0].parties[1]", "unknown country 'XX'"),
    ],
)
def test_bad_rule_parameters_name_the_key_path(override: str, path: str, expected: str) -> None:
    assert_bad(invoke("validate", CURB, "--set", override), path, expected)


def test_valid_files_and_run(tmp_path: Path) -> None:
    for path in [CURB, TINY, *sorted((ROOT / "experiments").rglob("*.toml"))]:
        result = invoke("validate", path)
        assert result.exit_code == 0, result.output
        assert "valid" in result.output
    out = tmp_path / "run"
    result = invoke("run", TINY, "--out", out, "--set", "horizon_days=130", "-n", "2")
    assert result.exit_code == 0, result.output
    assert "outputs:" in result.output and "replication(s)" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == ["horizon_days=130"] and manifest["replications"] == 2
    # An existing folder is refused without --force and left as it was.
    before = (out / "manifest.json").read_bytes()
    assert_bad(invoke("run", TINY, "--out", out, "-q"), "already exists", "--force")
    assert (out / "manifest.json").read_bytes() == before
    assert invoke("run", TINY, "--out", out, "-q", "--force", "--seed", "5").exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 5


def test_schema_is_json_schema() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert {"firms", "schedule", "products", "trade", "economy"} <= set(schema["properties"])


def test_validate_does_not_import_mesa_and_prints_no_traceback(tmp_path: Path) -> None:
    code = (
        "import sys; from sim.cli import main\n"
        "try:\n    main(['validate', sys.argv[1]])\nexcept SystemExit as e:\n    code = e.code\n"
        "print('MESA' if 'mesa' in sys.modules else 'NO-MESA', code)"
    )
    ok = subprocess.run([sys.executable, "-c", code, str(CURB)], capture_output=True, text=True, check=True)
    assert ok.stdout.strip().endswith("NO-MESA 0")
    bad = scenario(tmp_path, "horizon_dayz = 3")
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", str(TINY), "-j", "300"], "'--workers' / '-j': 300 is not in the range"),
        (["run", "--bogus"], "No such option '--bogus'"),
        (["run"], "Missing argument 'SCENARIO_FILE'"),
        (["sweep", str(TINY), "--executor", "ray"], "'ray' is not one of 'local', 'dask'"),
        (["bogus"], "No such command 'bogus'"),
    ],
)
def test_bad_options_get_one_line_too(args: list[str], needle: str) -> None:
    # Through the real entry point (standalone mode), as a user's shell calls it.
    done = subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    message = done.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message and needle in message, message
