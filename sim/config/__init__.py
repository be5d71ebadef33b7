"""Scenario files: typed models, loading with ``extends``, ``--set`` overrides and fact references.

A scenario is TOML. Loading goes: read file (and the chain of files it ``extends``, deep-merged,
later keys win) -> apply ``--set key.path=value`` overrides -> replace ``"@fact"`` references with
cited values from ``seeds/facts.toml`` -> validate into :class:`Scenario` -> check every name
referenced anywhere (countries, products, firms, rules). Any failure is one
:class:`~sim.errors.ScenarioError` naming the file, the key path and what was expected.

The modules, bottom to top (each imports only those before it):

- :mod:`~sim.config.limits`: documented ranges, name and text rules, field types, the ``Strict`` base;
- :mod:`~sim.config.markets`: countries, products, trade flows, capacity growth, market parameters;
- :mod:`~sim.config.measures`: measure templates, measures in force, scheduled measures;
- :mod:`~sim.config.agents`: firms and their inputs, governments, the rules they choose by name;
- :mod:`~sim.config.scenario`: the :class:`Scenario` itself, its calendar and outcome sides;
- :mod:`~sim.config.validation_errors`: a pydantic error as one message with its key path;
- :mod:`~sim.config.references`: every name a scenario uses must exist;
- :mod:`~sim.config.toml_files`: reading one untrusted TOML file;
- :mod:`~sim.config.merging`: ``extends`` chains and ``--set`` overrides;
- :mod:`~sim.config.loading`: :func:`load_scenario` and the JSON Schema.

Everything other modules use is importable from ``sim.config`` itself.
"""

from sim.config.agents import Firm, Government, Input, RuleSpec
from sim.config.limits import (
    MAX_DAYS,
    MAX_QUANTITY,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_TEXT,
    MEASURE_KINDS,
    MIN_QUANTITY,
    NAME_RE,
    NAME_RULE,
    RESERVED_COUNTRY,
    SHARE_TOLERANCE,
    TIERS,
    CountryCode,
    Name,
    NonNegative,
    Positive,
    Share,
    Strict,
    Text,
)
from sim.config.loading import json_schema, load_raw, load_scenario, scenario_from_raw
from sim.config.markets import CapacityGrowth, Country, Economy, Product, Stockpile, TradeFlow
from sim.config.measures import MeasureSpec, MeasureTemplate, ScheduledMeasure
from sim.config.merging import (
    APPEND_SUFFIX,
    apply_overrides,
    deep_merge,
    parse_override,
    read_with_extends,
)
from sim.config.references import check_references, path_to_tuple
from sim.config.scenario import CalendarWindow, Outcome, Scenario
from sim.config.toml_files import (
    INT_LIMIT,
    MAX_EXTENDS_DEPTH,
    MAX_EXTENDS_FILES,
    MAX_FILE_BYTES,
    MAX_NESTING,
    check_nesting,
    parse_toml,
    read_text_file,
)
from sim.config.validation_errors import _from_validation

__all__ = [
    "APPEND_SUFFIX",
    "INT_LIMIT",
    "MAX_DAYS",
    "MAX_EXTENDS_DEPTH",
    "MAX_EXTENDS_FILES",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "MAX_QUANTITY",
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "MAX_TEXT",
    "MEASURE_KINDS",
    "MIN_QUANTITY",
    "NAME_RE",
    "NAME_RULE",
    "RESERVED_COUNTRY",
    "SHARE_TOLERANCE",
    "TIERS",
    "CalendarWindow",
    "CapacityGrowth",
    "Country",
    "CountryCode",
    "Economy",
    "Firm",
    "Government",
    "Input",
    "MeasureSpec",
    "MeasureTemplate",
    "Name",
    "NonNegative",
    "Outcome",
    "Positive",
    "Product",
    "RuleSpec",
    "Scenario",
    "ScheduledMeasure",
    "Share",
    "Stockpile",
    "Strict",
    "Text",
    "TradeFlow",
    "_from_validation",  # sim.sweep_config reports errors in its own keys with it
    "apply_overrides",
    "check_nesting",
    "check_references",
    "deep_merge",
    "json_schema",
    "load_raw",
    "load_scenario",
    "parse_override",
    "parse_toml",
    "path_to_tuple",
    "read_text_file",
    "read_with_extends",
    "scenario_from_raw",
]
