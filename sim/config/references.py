"""Names referenced anywhere in a scenario (countries, products, firms, rules and the names inside
rule parameters) must exist: the first that does not is a ScenarioError with its key path."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.config.agents import RuleSpec
from sim.config.limits import RESERVED_COUNTRY, _shown
from sim.config.scenario import Scenario
from sim.config.validation_errors import _from_validation
from sim.errors import ScenarioError


def check_references(sc: Scenario, file: str | Path, rule_params: Callable[[str], type[BaseModel] | None] | None = None) -> None:
    """Every country, product, firm and rule name must exist; raise with the key path if not."""

    def need(name: str, known: Mapping[str, Any] | list[str], path: str, what: str) -> None:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScenarioError(file, path, f"unknown {what} {_shown(name)}{hint} (known: {', '.join(known)})")

    countries, products = sc.countries, sc.products
    if len(countries) < 2:
        raise ScenarioError(file, "countries", "expected at least two countries")
    for i, flow in enumerate(sc.trade):
        need(flow.exporter, countries, f"trade[{i}].exporter", "country")
        need(flow.importer, countries, f"trade[{i}].importer", "country")
        need(flow.product, products, f"trade[{i}].product", "product")
        if products[flow.product].final:
            raise ScenarioError(file, f"trade[{i}].product", f"{flow.product!r} is a final good: its sales are set per firm under firms.<name>.sales, not in trade")
    for cname, country in countries.items():
        for pname in country.stockpiles:
            need(pname, products, f"countries.{cname}.stockpiles.{pname}", "product")
            if products[pname].final:
                raise ScenarioError(file, f"countries.{cname}.stockpiles.{pname}", "a final good cannot be stockpiled (pool products only)")
    for i, growth in enumerate(sc.capacity_growth):
        need(growth.country, countries, f"capacity_growth[{i}].country", "country")
        need(growth.product, products, f"capacity_growth[{i}].product", "product")
    for fname, firm in sc.firms.items():
        base = f"firms.{fname}"
        need(firm.country, countries, f"{base}.country", "country")
        need(firm.product, products, f"{base}.product", "product")
        for pname, inp in firm.inputs.items():
            need(pname, products, f"{base}.inputs.{pname}", "product")
            if products[pname].final:
                raise ScenarioError(file, f"{base}.inputs.{pname}", "a final good cannot be an input")
            for cname in inp.suppliers or {}:
                need(cname, countries, f"{base}.inputs.{pname}.suppliers.{cname}", "country")
        if products[firm.product].final:
            if not firm.sales:
                raise ScenarioError(file, f"{base}.sales", "a firm making a final good needs sales shares by market")
            for cname in firm.sales:
                need(cname, countries, f"{base}.sales.{cname}", "country")
        elif firm.sales:
            raise ScenarioError(file, f"{base}.sales", "only firms making final goods take sales shares; intermediate goods sell through trade flows")
    known_names: dict[str, Mapping[str, Any] | list[str]] = {
        "country": countries,
        "product": products,
        "firm": sc.firms,
        "calendar": [w.name for w in sc.calendar],
    }

    def check_rules(specs: list[RuleSpec], base: str, actor: str) -> None:
        for j, spec in enumerate(specs):
            path = f"{base}.rules[{j}]"
            if rule_params is None:
                continue
            try:
                params_model = rule_params(spec.rule)
            except KeyError as exc:
                raise ScenarioError(file, f"{path}.rule", str(exc.args[0])) from None
            if params_model is None:
                continue
            try:
                params = params_model.model_validate(spec.params, strict=True)
            except ValidationError as exc:
                raise _from_validation(exc, file, prefix=(*path_to_tuple(path), "params"), root=params_model) from None
            # Names inside a rule's parameters (countries, products, ...) must exist too.
            references = getattr(params, "references", None)
            for subpath, kind, name in references() if references else ():
                need(name, known_names[kind], f"{path}.params.{subpath}", kind)
                if kind == "country" and name == actor:
                    raise ScenarioError(file, f"{path}.params.{subpath}", f"expected another country than the rule's own ({actor!r})")

    for cname, gov in sc.governments.items():
        need(cname, countries, f"governments.{cname}", "country")
        check_rules(gov.rules, f"governments.{cname}", cname)
    for fname, firm in sc.firms.items():
        check_rules(firm.rules, f"firms.{fname}", firm.country)
    for i, window in enumerate(sc.calendar):
        for j, cname in enumerate(window.parties):
            need(cname, countries, f"calendar[{i}].parties[{j}]", "country")
    for i, item in enumerate(sc.schedule):
        base = f"schedule[{i}]"
        need(item.actor, countries, f"{base}.actor", "country")
        if item.target != RESERVED_COUNTRY:
            listed = isinstance(item.target, list)
            for j, cname in enumerate(item.target_names):
                where = f"{base}.target[{j}]" if listed else f"{base}.target"
                need(cname, countries, where, "country")
                if cname == item.actor:
                    raise ScenarioError(file, where, "a measure cannot target its own actor")
        for j, pname in enumerate(item.products):
            need(pname, products, f"{base}.products[{j}]", "product")
        for fname in item.approval_by_buyer:
            need(fname, sc.firms, f"{base}.approval_by_buyer.{fname}", "firm")
        if item.day >= sc.horizon_days:
            raise ScenarioError(file, f"{base}.day", f"expected a day before horizon_days ({sc.horizon_days})")
    for key in ("coercer", "target"):
        value = getattr(sc.outcome, key)
        if value is not None:
            need(value, countries, f"outcome.{key}", "country")


def path_to_tuple(path: str) -> tuple:
    out: list[Any] = []
    for part in path.replace("]", "").split("."):
        name, *idx = part.split("[")
        out.append(name)
        out.extend(int(i) for i in idx)
    return tuple(out)
