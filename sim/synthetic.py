"""Random but consistent worlds, for property tests and benchmarks.

:func:`random_scenario` draws firms first (home, product, recipe, supplier mix, sales), then sets
trade flows large enough to carry the firms' baseline purchases and outputs plus background trade,
so that every generated scenario validates and starts in a steady state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.config import Scenario

TIERS = ("advanced", "mature", "dual_use", "civilian")


def random_scenario_dict(
    rng: np.random.Generator,
    n_countries: int = 4,
    n_products: int = 4,
    n_firms: int = 6,
    horizon_days: int = 60,
    n_measures: int = 2,
) -> dict[str, Any]:
    """A raw scenario (as if read from TOML) with ``n_products`` pool products plus one final good."""
    countries = [f"C{k}" for k in range(n_countries)]
    pool_products = [f"p{k}" for k in range(n_products)]
    final_product = "final"
    products: dict[str, Any] = {}
    for k, name in enumerate(pool_products):
        products[name] = {
            "tier": TIERS[k % len(TIERS)],
            "unit": "unit",
            "baseline_price": float(rng.uniform(1.0, 100.0)),
            "elasticity": float(rng.uniform(0.1, 1.5)),
            "spare_capacity": float(rng.uniform(0.0, 0.2)),
            "ramp_up_days": int(rng.integers(1, 40)),
            "downstream_multiplier": float(rng.uniform(0.0, 5.0)),
        }
    products[final_product] = {
        "tier": "civilian", "unit": "unit", "baseline_price": float(rng.uniform(10, 1000)),
        "elasticity": float(rng.uniform(0.5, 2.0)), "final": True,
    }
    firms: dict[str, Any] = {}
    demand = np.zeros((n_countries, n_countries, n_products))  # (E, I, P) per year
    pool_output = np.zeros((n_countries, n_products))
    for f in range(n_firms):
        home = int(rng.integers(n_countries))
        is_final = rng.random() < 0.4
        product = final_product if is_final else pool_products[int(rng.integers(n_products))]
        output = float(rng.uniform(100.0, 10_000.0))
        inputs: dict[str, Any] = {}
        candidates = [p for p in range(n_products) if pool_products[p] != product]
        n_inputs = int(rng.integers(0, min(3, len(candidates)) + 1))
        for p in rng.choice(candidates, size=n_inputs, replace=False) if n_inputs else []:
            mix = rng.dirichlet(np.ones(n_countries))
            mix = np.round(mix, 6)
            mix[-1] = 1.0 - mix[:-1].sum()
            if mix[-1] < 0:
                mix = np.full(n_countries, 1.0 / n_countries)
            per_unit = float(rng.uniform(0.01, 2.0))
            inputs[pool_products[p]] = {
                "per_unit": per_unit,
                "critical": bool(rng.random() < 0.7),
                "days_of_cover": float(rng.uniform(1.0, 60.0)),
                "suppliers": {countries[c]: float(mix[c]) for c in range(n_countries)},
            }
        # Keep the recipe affordable: inputs cost at most 60% of what the firm's revenue leaves
        # after its margin, so every firm has non-negative other costs at baseline.
        margin = float(rng.uniform(0.02, 0.3))
        own_price = products[product]["baseline_price"]
        cost = sum(inp["per_unit"] * products[name]["baseline_price"] for name, inp in inputs.items())
        budget = 0.6 * (1.0 - margin) * own_price
        if cost > budget:
            for inp in inputs.values():
                inp["per_unit"] *= budget / cost
        for name, inp in inputs.items():
            shares = np.array([inp["suppliers"][c] for c in countries])
            demand[:, home, pool_products.index(name)] += inp["per_unit"] * output * shares
        firm: dict[str, Any] = {
            "country": countries[home],
            "product": product,
            "baseline_output": output,
            "capacity": float(rng.uniform(1.0, 1.3)),
            "inputs": inputs,
            "margin": margin,
            "fixed_cost_share": float(rng.uniform(0.0, 0.8)),
            "influence": float(rng.uniform(0.0, 1.0)),
        }
        if is_final:
            shares = rng.dirichlet(np.ones(n_countries))
            shares = np.round(shares, 6)
            shares[-1] = 1.0 - shares[:-1].sum()
            firm["sales"] = {countries[c]: float(max(shares[c], 0.0)) for c in range(n_countries)}
            if abs(sum(firm["sales"].values()) - 1.0) > 1e-9:
                firm["sales"] = {c: 1.0 / n_countries for c in countries}
        else:
            pool_output[home, pool_products.index(product)] += output
        firms[f"firm{f}"] = firm
    # Flows: firms' purchases times a margin, background trade, and enough domestic flow for producers.
    flows = demand * rng.uniform(1.05, 2.0, size=demand.shape) + rng.uniform(0, 500, size=demand.shape) * (
        rng.random(demand.shape) < 0.6
    )
    # Scenario files refuse vanishing quantities (under 0.001 units a year): a flow is zero or usable.
    flows[(flows > 0) & (flows < 1.0)] = 1.0
    shortfall = np.maximum(pool_output * 1.1 - flows.sum(axis=1), 0.0)
    for e in range(n_countries):
        flows[e, e, :] += shortfall[e]
    trade = [
        {"exporter": countries[e], "importer": countries[i], "product": pool_products[p], "volume": float(flows[e, i, p])}
        for e in range(n_countries)
        for i in range(n_countries)
        for p in range(n_products)
        if flows[e, i, p] > 0
    ]
    growth = [
        {"country": countries[c], "product": pool_products[p], "max_expansion": float(rng.uniform(0, 2)), "response": float(rng.uniform(0, 1))}
        for c in range(n_countries)
        for p in range(n_products)
        if rng.random() < 0.3
    ]
    kinds = ["export_ban", "export_licensing", "export_quota", "tariff", "import_ban", "boycott"]
    schedule = []
    for _ in range(n_measures):
        actor, target = rng.choice(n_countries, size=2, replace=False)
        kind = kinds[int(rng.integers(len(kinds)))]
        item: dict[str, Any] = {
            "day": int(rng.integers(0, max(horizon_days - 1, 1))),
            "actor": countries[actor],
            "measure": kind,
            "target": countries[target] if rng.random() < 0.8 else "all",
            "products": [pool_products[int(rng.integers(n_products))]] + ([final_product] if rng.random() < 0.3 else []),
            "enforcement": float(rng.uniform(0, 1)),
        }
        if kind == "export_licensing":
            item["review_delay_days"] = int(rng.integers(0, 20))
            item["approval_rate"] = float(rng.uniform(0, 1))
        if kind == "export_quota":
            item["quota_share"] = float(rng.uniform(0, 1))
        if kind == "tariff":
            item["rate"] = float(rng.uniform(0.05, 1.0))
        if rng.random() < 0.5:
            item["until_day"] = int(item["day"] + rng.integers(1, horizon_days))
        schedule.append(item)
    scenario = {
        "name": "synthetic",
        "horizon_days": horizon_days,
        "countries": {c: {"gdp": float(rng.uniform(100, 20_000))} for c in countries},
        "products": products,
        "trade": trade,
        "capacity_growth": growth,
        "firms": firms,
        "schedule": schedule,
    }
    # Drawn last, so that the worlds above stay what they were before these features existed:
    # national stockpiles, precautionary buyers, licensing backlogs, general licences, suspensions.
    for c in countries:
        if rng.random() < 0.4:
            p = pool_products[int(rng.integers(n_products))]
            scenario["countries"][c]["stockpiles"] = {
                p: {"days": float(rng.uniform(0, 90)), "release_share": float(rng.uniform(0, 1.5))}
            }
    for firm in firms.values():
        if rng.random() < 0.3:
            firm["precautionary_cover"] = float(rng.uniform(1.0, 4.0))
    for item in schedule:
        if item["measure"] == "export_licensing":
            item["backlog_days"] = int(rng.integers(0, 40))
            item["general_licence_share"] = float(rng.uniform(0, 0.5)) * (rng.random() < 0.5)
        if rng.random() < 0.15:
            item["suspended"] = True
    # Price-driven new capacity (drawn last, so the draws above are those of earlier versions):
    # up to a year's world flow of the product, triggered by a modest sustained price rise.
    for g in growth:
        world_flow = float(flows[:, :, pool_products.index(g["product"])].sum())
        new_capacity = float(rng.uniform(0, 1)) * world_flow
        g["new_capacity"] = new_capacity if new_capacity >= 0.001 else 0.0
        g["price_trigger"] = float(rng.uniform(1.0, 1.3))
        g["capex_per_unit_year"] = float(rng.uniform(0, 2)) * 1000.0
    scenario["economy"] = {"investment_signal_days": float(rng.uniform(1.0, 20.0))}  # short, so tests see it act
    # Stockpile release triggers and refills, and measures against several destinations (drawn
    # last, for the same reason).
    for c in countries:
        for pile in scenario["countries"][c].get("stockpiles", {}).values():
            pile["release_when"] = "measure" if rng.random() < 0.3 else "shortage"
            pile["refill_share"] = float(rng.uniform(0, 1)) * (rng.random() < 0.5)
    for item in schedule:
        others = [c for c in countries if c != item["actor"]]
        if len(others) >= 2 and rng.random() < 0.2:
            item["target"] = [str(c) for c in rng.choice(others, size=2, replace=False)]
    # Licences by buyer: half the licensing measures name up to two firms, each approved in full,
    # not at all or in part (drawn last, for the same reason).
    names = list(firms)
    for item in schedule:
        if item["measure"] == "export_licensing" and names and rng.random() < 0.5:
            chosen = rng.choice(len(names), size=min(2, len(names)), replace=False)
            rates = [float(r) for r in (0.0, 1.0, rng.uniform(0, 1))]
            item["approval_by_buyer"] = {names[int(k)]: rates[int(rng.integers(3))] for k in chosen}
    return scenario


def random_scenario(rng: np.random.Generator, **kwargs: Any) -> Scenario:
    from sim.config import scenario_from_raw

    return scenario_from_raw(random_scenario_dict(rng, **kwargs), "<synthetic>")
