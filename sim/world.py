"""Build the economy's arrays from a validated scenario, and turn measure specs into index form.

Baseline consistency is checked here (firms cannot buy more than the trade flow carries, a pool's
modelled producers cannot out-produce its flows) and reported as a :class:`ScenarioError` with the
key path to fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.config import MeasureSpec, Scenario
from sim.economy import EconomyParams, Measure, World
from sim.errors import ScenarioError

DAYS_PER_YEAR = 365.0
REL_TOLERANCE = 1e-9


def build_world(sc: Scenario, file: str | Path = "<scenario>") -> World:
    countries = list(sc.countries)
    products = list(sc.products)
    c_idx = {c: i for i, c in enumerate(countries)}
    p_idx = {p: i for i, p in enumerate(products)}
    n_c, n_p = len(countries), len(products)
    prods = [sc.products[p] for p in products]

    flow0 = np.zeros((n_c, n_c, n_p))
    for flow in sc.trade:
        flow0[c_idx[flow.exporter], c_idx[flow.importer], p_idx[flow.product]] += flow.volume / DAYS_PER_YEAR

    firm_names = list(sc.firms)
    n_f = len(firm_names)
    home = np.zeros(n_f, dtype=np.int64)
    product = np.zeros(n_f, dtype=np.int64)
    base_output = np.zeros(n_f)
    capacity = np.zeros(n_f)
    recipe = np.zeros((n_f, n_p))
    critical = np.zeros((n_f, n_p), dtype=bool)
    target_days = np.zeros((n_f, n_p))
    mix0 = np.zeros((n_f, n_p, n_c))
    sales0 = np.zeros((n_f, n_c))
    margin = np.zeros(n_f)
    fixed_share = np.zeros(n_f)
    influence = np.zeros(n_f)

    imports_by = flow0.sum(axis=0)  # (I, P)
    plant_share = np.zeros((n_f, n_c))
    for f, name in enumerate(firm_names):
        firm = sc.firms[name]
        home[f] = c_idx[firm.country]
        product[f] = p_idx[firm.product]
        base_output[f] = firm.baseline_output / DAYS_PER_YEAR
        capacity[f] = firm.capacity * base_output[f]
        margin[f] = firm.margin
        fixed_share[f] = firm.fixed_cost_share
        influence[f] = firm.influence
        for pname, inp in firm.inputs.items():
            p = p_idx[pname]
            recipe[f, p] = inp.per_unit
            critical[f, p] = inp.critical
            target_days[f, p] = inp.days_of_cover
            if inp.suppliers:
                for cname, share in inp.suppliers.items():
                    mix0[f, p, c_idx[cname]] = share
            else:
                total = imports_by[home[f], p]
                if total <= 0:
                    raise ScenarioError(
                        file,
                        f"firms.{name}.inputs.{pname}.suppliers",
                        f"no trade flow brings {pname} to {firm.country}; give suppliers explicitly or add [[trade]] flows",
                    )
                mix0[f, p] = flow0[:, home[f], p] / total
        if firm.plants is None:
            plant_share[f, home[f]] = 1.0
        else:
            for cname, share in firm.plants.items():
                if cname not in c_idx:
                    raise ScenarioError(file, f"firms.{name}.plants.{cname}", f"expected a country of the scenario ({', '.join(countries)})")
                plant_share[f, c_idx[cname]] = share
        if sc.products[firm.product].final:
            for cname, share in (firm.sales or {}).items():
                sales0[f, c_idx[cname]] = share

    final = np.array([pr.final for pr in prods], dtype=bool)
    firm_final = final[product]

    # Producers that sell through a country pool offer what yesterday's stock lets them make, so a
    # critical input needs at least a day of cover for the baseline to be a steady state.
    for f in range(n_f):
        if final[product[f]]:
            continue
        for p in np.flatnonzero(critical[f] & (recipe[f] > 0) & (target_days[f] < 1.0)):
            raise ScenarioError(
                file,
                f"firms.{firm_names[f]}.inputs.{products[p]}.days_of_cover",
                f"expected at least 1 day of cover for a critical input of a firm selling {products[product[f]]} "
                f"through its country's pool (it produces from the previous day's stock); got {target_days[f, p]:g}",
            )

    # At baseline prices a firm's inputs must leave room for its margin: otherwise its baseline
    # profit could not be earned and the economy would not start in a steady state.
    base_price = np.array([pr.baseline_price for pr in prods])
    unit_input_cost = recipe @ base_price
    room = (1.0 - margin) * base_price[product]
    for f in np.flatnonzero(unit_input_cost > room * (1 + REL_TOLERANCE)):
        raise ScenarioError(
            file,
            f"firms.{firm_names[f]}.inputs",
            f"expected inputs costing at most {room[f]:.6g} USD per unit of {products[product[f]]} at baseline "
            f"prices (its baseline price less the firm's margin); they cost {unit_input_cost[f]:.6g}",
        )

    # Value added (a share of output) must cover the firm's profit: the rest of it pays labour and
    # capital; what is not value added is inputs, modelled or bought in.
    for f in range(n_f):
        ratio = prods[product[f]].value_added_ratio
        if ratio is not None and ratio < margin[f] - REL_TOLERANCE:
            raise ScenarioError(
                file,
                f"products.{products[product[f]]}.value_added_ratio",
                f"expected a value-added ratio at least firm {firm_names[f]}'s margin ({margin[f]:g}); got {ratio:g}",
            )

    # Where a plant's bought-in inputs are made: the share that is its own country's value added.
    bought_in_domestic = np.zeros((n_c, n_p))
    for p, pr in enumerate(prods):
        for cname, share in pr.bought_in_domestic_share.items():
            key = f"products.{products[p]}.bought_in_domestic_share"
            if cname not in c_idx:
                raise ScenarioError(file, f"{key}.{cname}", f"expected a country of the scenario ({', '.join(countries)})")
            if pr.value_added_ratio is None:
                raise ScenarioError(file, key, f"expected products.{products[p]}.value_added_ratio too (without it nothing is bought in)")
            bought_in_domestic[c_idx[cname], p] = share

    # Firms' baseline purchases must fit inside the trade flows; the rest is background demand.
    firm_demand0 = np.zeros((n_c, n_c, n_p))  # (E, I, P)
    np.add.at(firm_demand0.transpose(1, 2, 0), (home,), (recipe * base_output[:, None])[:, :, None] * mix0)
    excess = firm_demand0 - flow0 * (1 + REL_TOLERANCE) - 1e-12
    if (excess > 0).any():
        e, i, p = np.argwhere(excess > 0)[0]
        buyers = [n for f, n in enumerate(firm_names) if home[f] == i and recipe[f, p] > 0 and mix0[f, p, e] > 0]
        raise ScenarioError(
            file,
            _trade_key(sc, countries[e], countries[i], products[p]),
            f"modelled firms in {countries[i]} ({', '.join(buyers)}) buy "
            f"{firm_demand0[e, i, p] * DAYS_PER_YEAR:.6g} {prods[p].unit}/yr of {products[p]} from {countries[e]} "
            f"but the trade flow {countries[e]}->{countries[i]} is {flow0[e, i, p] * DAYS_PER_YEAR:.6g}; "
            "expected a flow at least as large",
        )
    bg_demand0 = np.maximum(flow0 - firm_demand0, 0.0)

    pool_firm_out = np.zeros((n_c, n_p))
    pool = ~firm_final
    np.add.at(pool_firm_out, (home[pool], product[pool]), base_output[pool])
    bg_output0 = flow0.sum(axis=1) - pool_firm_out
    if (bg_output0 < -1e-9 * np.maximum(pool_firm_out, 1)).any():
        e, p = np.argwhere(bg_output0 < -1e-9 * np.maximum(pool_firm_out, 1))[0]
        makers = [n for f, n in enumerate(firm_names) if home[f] == e and product[f] == p]
        raise ScenarioError(
            file,
            f"firms.{makers[0]}.baseline_output",
            f"firms in {countries[e]} making {products[p]} ({', '.join(makers)}) produce "
            f"{pool_firm_out[e, p] * DAYS_PER_YEAR:.6g} {prods[p].unit}/yr but [[trade]] flows out of "
            f"{countries[e]} (domestic included) carry only {flow0[e, :, p].sum() * DAYS_PER_YEAR:.6g}",
        )
    bg_output0 = np.maximum(bg_output0, 0.0)
    spare = np.array([pr.spare_capacity for pr in prods])
    bg_capacity0 = bg_output0 * (1.0 + spare[None, :])
    bg_max = bg_capacity0.copy()
    response = np.zeros((n_c, n_p))
    new_capacity = np.zeros((n_c, n_p))
    invest_trigger = np.full((n_c, n_p), np.inf)
    capex = np.zeros((n_c, n_p))
    for growth in sc.capacity_growth:
        e, p = c_idx[growth.country], p_idx[growth.product]
        bg_max[e, p] = bg_capacity0[e, p] + growth.max_expansion * max(bg_output0[e, p], 0.0)
        response[e, p] = growth.response
        new_capacity[e, p] = growth.new_capacity / DAYS_PER_YEAR
        invest_trigger[e, p] = growth.price_trigger
        capex[e, p] = growth.capex_per_unit_year * DAYS_PER_YEAR  # USD per unit/day of capacity

    # National stockpiles, in days of the country's baseline purchases (all its buyers').
    consumption = flow0.sum(axis=0)  # (I, P) units per day
    stockpile0 = np.zeros((n_c, n_p))
    stockpile_release = np.zeros((n_c, n_p))
    release_on_measure = np.zeros((n_c, n_p), dtype=bool)
    stockpile_refill = np.zeros((n_c, n_p))
    for cname, country in sc.countries.items():
        for pname, pile in country.stockpiles.items():
            c, p = c_idx[cname], p_idx[pname]
            stockpile0[c, p] = pile.days * consumption[c, p]
            stockpile_release[c, p] = pile.release_share * consumption[c, p]
            release_on_measure[c, p] = pile.release_when == "measure"
            stockpile_refill[c, p] = pile.refill_share * consumption[c, p]

    econ = sc.economy
    return World(
        countries=countries,
        products=products,
        tiers=[pr.tier for pr in prods],
        final=final,
        base_price=np.array([pr.baseline_price for pr in prods]),
        elasticity=np.array([pr.elasticity for pr in prods]),
        downstream_multiplier=np.array([pr.downstream_multiplier for pr in prods]),
        ramp_up_days=np.array([pr.ramp_up_days for pr in prods], dtype=np.int64),
        gdp_daily=np.array([sc.countries[c].gdp * 1e9 / DAYS_PER_YEAR for c in countries]),
        flow0=flow0,
        bg_demand0=bg_demand0,
        bg_output0=bg_output0,
        bg_capacity0=bg_capacity0,
        bg_max_capacity=bg_max,
        expansion_response=response,
        firm_names=firm_names,
        firm_home=home,
        firm_product=product,
        firm_final=firm_final,
        base_output=base_output,
        capacity=capacity,
        recipe=recipe,
        critical=critical & (recipe > 0),
        target_days=target_days,
        mix0=mix0,
        sales0=sales0,
        margin=margin,
        fixed_cost_share=fixed_share,
        influence=influence,
        product_price_adjustment=np.array(
            [econ.price_adjustment if pr.price_adjustment is None else pr.price_adjustment for pr in prods]
        ),
        value_added_ratio=np.array([np.nan if pr.value_added_ratio is None else pr.value_added_ratio for pr in prods]),
        plant_share=plant_share,
        bought_in_domestic_share=bought_in_domestic,
        stockpile0=stockpile0,
        stockpile_release=stockpile_release,
        release_on_measure=release_on_measure,
        stockpile_refill=stockpile_refill,
        long_run_elasticity=np.array([pr.long_run_elasticity for pr in prods]),
        max_thrift=np.array([pr.max_thrift for pr in prods]),
        backstop_multiple=np.array([np.inf if pr.backstop_price_multiple is None else pr.backstop_price_multiple for pr in prods]),
        substitution_days=np.array([pr.substitution_days for pr in prods]),
        thrift_days=np.array([econ.thrift_days if pr.thrift_days is None else pr.thrift_days for pr in prods]),
        leakage_share=np.array([pr.leakage_share for pr in prods]),
        new_capacity=new_capacity,
        invest_trigger=invest_trigger,
        capex=capex,
        params=EconomyParams(
            price_adjustment=econ.price_adjustment,
            max_price_multiple=econ.max_price_multiple,
            min_price_multiple=econ.min_price_multiple,
            replenish_days=econ.replenish_days,
            trust_loss=econ.trust_loss,
            trust_recovery=econ.trust_recovery,
            switching_days=econ.switching_days,
            incumbent_pull=econ.incumbent_pull,
            substitution_premium=econ.substitution_premium,
            switching_cost=econ.switching_cost,
            supply_elasticity=econ.supply_elasticity,
            thrift_days=econ.thrift_days,
            backstop_steepness=econ.backstop_steepness,
            leakage_days=econ.leakage_days,
            leakage_premium=econ.leakage_premium,
            investment_signal_days=econ.investment_signal_days,
        ),
    )


def _trade_key(sc: Scenario, exporter: str, importer: str, product: str) -> str:
    for k, flow in enumerate(sc.trade):
        if (flow.exporter, flow.importer, flow.product) == (exporter, importer, product):
            return f"trade[{k}].volume"
    return "trade"


def measure_index(world: World, spec: MeasureSpec, start_day: int) -> Measure:
    """Resolve country and product/tier names of a measure spec into masks."""
    c_idx = {c: i for i, c in enumerate(world.countries)}
    actor = c_idx[spec.actor]
    targets = np.zeros(world.n_countries, dtype=bool)
    if spec.target == "all":
        targets[:] = True
        targets[actor] = False
    else:  # one country or a list of them (several destinations)
        targets[[c_idx[c] for c in spec.target_names]] = True
    products = np.array(
        [(p in spec.products) or (tier in spec.tiers) for p, tier in zip(world.products, world.tiers, strict=True)]
    )
    return Measure(
        kind=spec.measure,
        actor=actor,
        targets=targets,
        products=products,
        enforcement=spec.enforcement,
        start_day=start_day,
        review_delay_days=spec.review_delay_days,
        approval_rate=(
            np.array([spec.approval_by_tier.get(tier, spec.approval_rate) for tier in world.tiers])
            if spec.approval_by_tier
            else spec.approval_rate
        ),
        backlog_days=spec.backlog_days,
        general_licence_share=spec.general_licence_share,
        suspended=spec.suspended,
        buyer_approval=_buyer_approval(world, spec),
        quota_share=spec.quota_share,
        rate=spec.rate,
        extraterritorial=spec.extraterritorial,
    )


def _buyer_approval(world: World, spec: MeasureSpec) -> np.ndarray | None:
    """(F,) approval rate of each firm ``spec.approval_by_buyer`` names, NaN for the others (they get
    the measure's rate); None when it names none."""
    if not spec.approval_by_buyer:
        return None
    rates = np.full(world.n_firms, np.nan)
    for name, rate in spec.approval_by_buyer.items():
        rates[world.firm_names.index(name)] = rate
    return rates
