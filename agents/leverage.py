"""What a measure would do, as rules estimate it before choosing: its scope, the leverage it gives
over the target and the exposure it costs at home. Plain functions of the read-only view."""

from __future__ import annotations

from typing import Any

from agents.base import WorldView


def scope(view: WorldView, template: Any) -> list[str]:
    """Products a measure (template or spec) covers: those named plus those of the named tiers."""
    named = list(getattr(template, "products", []) or [])
    tiers = set(getattr(template, "tiers", []) or [])
    return named + [p for p in view.products if p not in named and view.tier(p) in tiers]


def blocked_share(template: Any, enforcement: float | None = None) -> float:
    """Share of the covered flow a measure stops, product and buyer aside: its enforcement, times
    the share refused under licensing (1 - approval rate) or held back by a quota (1 - quota
    share); a tariff's rate (capped at 1) stands for the share it prices out. Licensing that names
    buyers or grades is estimated flow by flow by :func:`blocked_flow_share`."""
    share = template.enforcement if enforcement is None else enforcement
    kind = getattr(template, "measure", "export_ban")
    if kind == "export_licensing":
        share *= 1.0 - getattr(template, "approval_rate", 0.0)
    elif kind == "export_quota":
        share *= 1.0 - getattr(template, "quota_share", 0.0)
    elif kind == "tariff":
        share *= min(getattr(template, "rate", 0.0), 1.0)
    return share


def blocked_flow_share(
    view: WorldView, exporter: str, importer: str, product: str, template: Any, enforcement: float | None = None
) -> float:
    """Share of the flow ``exporter`` -> ``importer`` of ``product`` a measure stops. As
    :func:`blocked_share`, except that licensing is refused buyer by buyer, as the economy applies
    it: a firm of the importing country named in ``approval_by_buyer`` is refused 1 - its own rate
    on what it buys from the exporter (its baseline use x its share of purchases from there);
    every other buyer, unmodelled ones included, 1 - the product's grade rate
    (``approval_by_tier``) or ``approval_rate``. A firm approved at 1 is not blocked at all. Trade
    under general licences (``general_licence_share``) passes whoever buys it."""
    if getattr(template, "measure", "export_ban") != "export_licensing":
        return blocked_share(template, enforcement)
    share = template.enforcement if enforcement is None else enforcement
    share *= 1.0 - getattr(template, "general_licence_share", 0.0)
    by_tier = getattr(template, "approval_by_tier", None) or {}
    others_rate = by_tier.get(view.tier(product), getattr(template, "approval_rate", 0.0))
    value = view.trade_value(exporter, importer, product)  # USD per year
    named_refused = named_value = 0.0
    if value > 0:
        for firm, rate in (getattr(template, "approval_by_buyer", None) or {}).items():
            if view.firm_country(firm) != importer:
                continue
            bought = view.baseline_use(firm, product) * view.firm_supplier_share(firm, product, exporter)
            bought *= view.base_price(product) * 365.0
            bought = min(bought, value - named_value)  # the named firms cannot buy more than the flow
            named_value += bought
            named_refused += bought * (1.0 - rate)
    refused = (named_refused + (value - named_value) * (1.0 - others_rate)) / value if value > 0 else 1.0 - others_rate
    return share * refused


def leverage_pct(view: WorldView, actor: str, target: str, template: Any, enforcement: float | None = None) -> float:
    """Damage an export measure by ``actor`` could do to ``target``, in % of the target's GDP per
    year: the flow blocked (:func:`blocked_flow_share`) x how much of the target's supply it is
    (hard to replace) x the downstream output that depends on it. Where the other side depends
    most on us, leverage is greatest (seed 002_*: Japan's ~90% share of advanced photoresist)."""
    total = 0.0
    for product in scope(view, template):
        value = view.trade_value(actor, target, product)
        if value <= 0:
            continue
        dependence = view.supply_share(target, actor, product)
        share = blocked_flow_share(view, actor, target, product, template, enforcement)
        total += value * dependence * max(view.downstream_multiplier(product), 1.0) * share
    return 100.0 * total / view.gdp(target)


def exposure_pct(view: WorldView, actor: str, target: str, template: Any, enforcement: float | None = None) -> float:
    """What ``actor``'s own exporters stand to lose, in % of its GDP per year: the baseline exports
    the measure blocks (seed 002_*: Tokyo weighs blowback on its own carmakers), buyer by buyer
    under licensing (:func:`blocked_flow_share`)."""
    value = sum(
        view.trade_value(actor, target, p) * blocked_flow_share(view, actor, target, p, template, enforcement)
        for p in scope(view, template)
    )
    return 100.0 * value / view.gdp(actor)


def exposure_aimed_pct(
    view: WorldView, actor: str, target: str | list[str], template: Any, enforcement: float | None = None
) -> float:
    """:func:`exposure_pct` summed over every country the measure reaches once aimed at ``target``
    (the template's ``destinations`` may widen it to a list of countries or to all)."""
    countries = template.reach(actor, target, view.countries)
    return sum(exposure_pct(view, actor, c, template, enforcement) for c in countries)


def in_force_against(view: WorldView, actor: str, target: str) -> dict[str, Any]:
    """Measures ``actor`` has in force that hit ``target`` (aimed at it, or at all)."""
    return dict(view.measures_in_force(actor=actor, target=target))


def open_threats(view: WorldView, actor: str, target: str) -> list[str]:
    """Labels of the measures ``actor`` has threatened ``target`` with and neither imposed nor
    dropped (a threat move is labelled ``threaten_<label>``, dropping it ``drop_<label>``)."""
    # In order, so that a threat issued again in a later round (after a truce broke) is open again.
    state: dict[str, bool] = {}
    for mv in view.moves(actor=actor, target=target):
        if mv.kind == "threaten":
            state[mv.label.removeprefix("threaten_")] = True
        elif mv.kind in ("impose", "drop_threat"):
            label = mv.label.removeprefix("drop_")
            if label in state:
                state[label] = False
    return [t for t, is_open in state.items() if is_open]


def has_conceded(view: WorldView, actor: str, to: str) -> bool:
    return bool(view.moves(actor=actor, kind="concede", target=to))
