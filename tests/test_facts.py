"""Every fact is sourced; every fact reference in the experiments resolves; facts are used."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import pytest

from sim.config import load_scenario
from sim.errors import ScenarioError
from sim.facts import DEFAULT_FACTS_PATH, load_facts

ROOT = Path(__file__).resolve().parents[1]
# The source texts are listed (not shipped) in seeds/README.md; a citation must name one of them.
SEED_FILES = set(re.findall(r"`(\d{3}_[0-9a-f]{16}\.txt)`", (ROOT / "seeds" / "README.md").read_text()))
EXPERIMENTS = sorted((ROOT / "experiments").rglob("*.toml"))


def test_every_fact_has_value_unit_year_note_and_one_source() -> None:
    facts = load_facts()
    assert len(facts) > 50
    for name, fact in facts.items():
        assert math.isfinite(fact.value), name
        assert fact.unit and fact.note, name
        assert 1900 < fact.year < 2100, name
        forms = {"seed", "publisher", "assumption"} & set(fact.source)
        assert len(forms) == 1, name
        if "seed" in fact.source:
            assert re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", fact.source["seed"]), name
            assert fact.source["seed"] in SEED_FILES, name
        if fact.official is not None:
            assert fact.official in facts, f"{name}.official -> {fact.official}"


def test_the_seed_texts_are_all_cited() -> None:
    cited = {f.source["seed"] for f in load_facts().values() if "seed" in f.source}
    assert len(SEED_FILES) == 4
    assert cited == SEED_FILES


def test_every_fact_reference_in_the_experiments_resolves() -> None:
    facts = load_facts()
    refs: set[str] = set()
    for path in EXPERIMENTS:
        for line in path.read_text().splitlines():
            refs |= set(re.findall(r'"@([A-Za-z0-9_]+)"', line.split("#")[0]))
    assert refs, "the experiments should use cited facts"
    assert refs <= set(facts), sorted(refs - set(facts))
    scenario = load_scenario(ROOT / "experiments" / "rare_earth_ban_scripted.toml")
    assert set(scenario.facts_used) <= set(facts)


def test_a_broken_facts_file_is_a_clear_error(tmp_path: Path) -> None:
    raw = tomllib.loads(DEFAULT_FACTS_PATH.read_text())
    name = next(iter(raw))
    bad = tmp_path / "facts.toml"
    bad.write_text(f'[{name}]\nvalue = 1.0\nunit = "share"\nyear = 2024\nnote = "x"\n')
    with pytest.raises(ScenarioError) as err:
        load_facts(bad)
    assert name in err.value.message and "source" in err.value.message
