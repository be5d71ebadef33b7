"""A plain per-firm reference implementation of the daily step of :mod:`sim.economy`.

Written for reading, not speed: explicit loops over firms, countries and products, one stage
after another as the economy's docstring lists them. ``tests/test_economy_reference.py`` checks
that the vectorised :func:`sim.economy.step` agrees with it to 1e-9 on random worlds, and
``benchmarks/bench.py`` measures how much faster the vectorised step is.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from sim.economy import PROJECT_COLUMNS, DayResult, Policy, State, World


def _safe_div(a: float, b: float, otherwise: float) -> float:
    return a / b if b > 0 else otherwise


def reference_step(world: World, state: State, policy: Policy) -> DayResult:
    """Advance ``state`` by one day in place, firm by firm; same contract as ``sim.economy.step``.

    The stages are the vectorised step's, under the same names; ``d`` carries the day's values
    from one stage to the next."""
    d = SimpleNamespace(price=state.price.copy())  # prices at the start of the day
    _capacity(world, state, d)
    _orders(world, state, policy, d)
    _supply(world, state, policy, d)
    _ration(world, state, policy, d)
    _leakage(world, state, policy, d)
    _spot_market(world, policy, d)
    _release_stockpiles(world, state, policy, d)
    _receive_and_produce(world, state, policy, d)
    _background_inputs(world, state, policy, d)
    _accounts(world, policy, d)
    _gdp_loss(world, policy, d)
    _respond_to_price(world, state, d)
    _prices(world, state, policy, d)
    _adapt_suppliers(world, state, policy, d)
    _grow_capacity(world, state, d)
    state.last_output = d.output
    state.day += 1
    return DayResult(
        shipments=d.shipments,
        demand=d.demand,
        fill=d.fill,
        output=d.output,
        revenue=d.revenue,
        input_cost=d.input_cost,
        profit=d.profit,
        received=d.received,
        gdp_loss=d.loss,
        pool_sold=d.pool_sold,
        spot=d.spot,
        stockpile_release=d.released,
        stockpile_refill=d.refill if d.refill is not None and d.refill.any() else None,
        leaked=d.leaked if policy.leak is not None and policy.leak.any() else None,
    )


def _is_critical(world: World, f: int, p: int) -> bool:
    return bool(world.critical[f, p]) and world.recipe[f, p] > 0


def _capacity(world: World, state: State, d: SimpleNamespace) -> None:
    """1. What each firm could make from its stock of critical inputs, at the intensity of use
    buyers in its country have reached (thrifting, substitution)."""
    d.intensity = state.intensity.copy() if world.any_response else np.ones((world.n_countries, world.n_products))
    d.use = np.zeros((world.n_firms, world.n_products))  # inputs per unit of output today
    for f in range(world.n_firms):
        for p in range(world.n_products):
            d.use[f, p] = world.recipe[f, p] * d.intensity[world.firm_home[f], p]
    d.can_make = np.zeros(world.n_firms)
    d.input_limit = np.zeros(world.n_firms)  # output the critical inputs on hand allow
    for f in range(world.n_firms):
        limit = math.inf
        for p in range(world.n_products):
            if _is_critical(world, f, p):
                limit = min(limit, state.inventory[f, p] / d.use[f, p])
        d.input_limit[f] = limit
        d.can_make[f] = min(world.capacity[f], limit)
    # Background producers: a day of each critical input on hand per day at capacity.
    d.bg_input_share = np.ones((world.n_countries, world.n_products))
    for c in range(world.n_countries):
        for r in range(world.bg_in_product.size):
            p = world.bg_in_product[r]
            d.bg_input_share[c, p] = min(d.bg_input_share[c, p], state.bg_input_stock[c, r], 1.0)


def _orders(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """2. Plans and orders."""
    prm = world.params
    C, P, F = world.n_countries, world.n_products, world.n_firms
    d.access = np.zeros((F, C))
    d.market_factor = np.zeros(F)
    d.planned = np.zeros(F)
    orders = np.zeros((F, P))
    for f in range(F):
        h, q = world.firm_home[f], world.firm_product[f]
        for m in range(C):
            tariff_factor = (1.0 + policy.duty[h, m, q]) ** (-world.elasticity[q])
            d.access[f, m] = policy.allow[h, m, q] * policy.brand_access[h, m, q] * tariff_factor
            d.market_factor[f] += world.sales0[f, m] * d.access[f, m]
        if world.firm_final[f]:
            d.planned[f] = min(world.capacity[f], world.base_output[f] * d.market_factor[f])
        else:
            d.planned[f] = min(world.capacity[f], state.last_output[f])
        # Input-limited Leontief: the binding critical input is ordered for the plan, the others
        # for what the firm expects to make (the stock on hand allows, or yesterday's output).
        expected = min(d.planned[f], max(d.input_limit[f], state.last_output[f]))
        for p in range(P):
            binding = not _is_critical(world, f, p) and d.input_limit[f] == math.inf or (
                _is_critical(world, f, p) and state.inventory[f, p] / d.use[f, p] <= d.input_limit[f]
            )
            plan = d.planned[f] if binding else expected
            cover = 1.0 if policy.target_cover is None else policy.target_cover[f]  # precautionary buying
            target = world.target_days[f, p] * world.base_use[f, p] * cover * d.intensity[h, p]
            gap = max(target - state.inventory[f, p], 0.0)
            restock = min(world.base_price[p] / d.price[h, p], 1.0)  # spend on restocking at most as at baseline
            orders[f, p] = d.use[f, p] * plan + gap * restock / prm.replenish_days
    d.orders = orders

    d.demand = np.zeros((C, C, P))  # (exporter, importer, product)
    d.firm_orders = np.zeros((F, P, C))  # by source country
    for f in range(F):
        i = world.firm_home[f]
        for p in range(P):
            for e in range(C):
                d.firm_orders[f, p, e] = orders[f, p] * state.mix[f, p, e]
                d.demand[e, i, p] += d.firm_orders[f, p, e]
    _buyer_passing(world, policy, d)
    d.bg_demand = np.zeros((C, C, P))
    for e in range(C):
        for i in range(C):
            for p in range(P):
                ordered = world.bg_total0[i, p] * state.bg_mix[i, p, e]
                buyer_price = d.price[i, p] / world.base_price[p] * (1.0 + policy.duty[e, i, p])
                d.bg_demand[e, i, p] = ordered * buyer_price ** (-world.elasticity[p])
                if world.any_response:  # thrifting, and demand destruction above the backstop
                    relative = d.price[i, p] / world.base_price[p]
                    backstop = min((world.backstop_multiple[p] / relative) ** prm.backstop_steepness, 1.0)
                    d.bg_demand[e, i, p] *= d.intensity[i, p] * backstop
                d.demand[e, i, p] += d.bg_demand[e, i, p]


def _supply(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """3. Supply offered, at the price obtainable in the markets still open."""
    C, P, F = world.n_countries, world.n_products, world.n_firms
    willing = np.zeros((C, P))
    d.open_total = np.zeros((C, P))
    for e in range(C):
        for p in range(P):
            weighted_price = 0.0
            for i in range(C):
                open_orders = d.demand[e, i, p] * policy.allow[e, i, p]
                if policy.pair_allow is not None:  # licences by buyer: each firm at its own share
                    open_orders = d.bg_demand[e, i, p] * policy.allow[e, i, p] + sum(
                        d.firm_orders[f, p, e] * d.a[f, p, e] for f in range(F) if world.firm_home[f] == i
                    )
                d.open_total[e, p] += open_orders
                weighted_price += open_orders * d.price[i, p]
            obtainable = _safe_div(weighted_price, d.open_total[e, p], d.price[e, p])
            willing[e, p] = min(obtainable / world.base_price[p], 1.0) ** world.params.supply_elasticity
    d.offered = np.zeros(F)
    d.supply = np.zeros((C, P))
    for f in range(F):
        if world.firm_final[f]:
            d.offered[f] = d.can_make[f]
        else:
            d.offered[f] = d.can_make[f] * willing[world.firm_home[f], world.firm_product[f]]
            d.supply[world.firm_home[f], world.firm_product[f]] += d.offered[f]
    d.bg_offer = state.bg_capacity * willing * d.bg_input_share
    d.supply += d.bg_offer


def _buyer_passing(world: World, policy: Policy, d: SimpleNamespace) -> None:
    """Each firm's passing share of its orders of each input from each source, ``d.a`` (F, P, E):
    its route's ``allow``, or under licences by buyer its own; ``d.named_closed`` (E, I, P): routes
    on which some firm may not buy freely (so not open to the spot market or arbitrage);
    ``d.mixed``: routes on which some firm passes another share than the route's."""
    C, P, F = world.n_countries, world.n_products, world.n_firms
    d.a = np.zeros((F, P, C))
    d.named_closed = np.zeros((C, C, P), dtype=bool)
    d.mixed = np.zeros((C, C, P), dtype=bool)
    for f in range(F):
        i = world.firm_home[f]
        for p in range(P):
            k = np.flatnonzero(world.pair_row == f * P + p)
            for e in range(C):
                if policy.pair_allow is not None and k.size:
                    d.a[f, p, e] = policy.pair_allow[k[0], e]
                    d.named_closed[e, i, p] |= d.a[f, p, e] < 1.0
                    d.mixed[e, i, p] |= d.a[f, p, e] != policy.allow[e, i, p]
                else:
                    d.a[f, p, e] = policy.allow[e, i, p]


def _own_share(world: World, policy: Policy, d: SimpleNamespace, a: float, e: int, i: int, p: int, tier: str) -> float:
    """A buyer's own fill rate (``tier`` "c" or "x") or rationed share ("rc", "rx") on route
    (e, i, p) given its passing share ``a``: the route's where every buyer passes alike, else ``a``
    x the pool's fill (times the quota scale) plus the leak rate on the part of its orders blocked,
    and ``a`` x the pool's rationed share."""
    if not d.mixed[e, i, p]:
        return float({"c": d.fill_c, "x": d.fill_x, "rc": d.rationed_c, "rx": d.rationed_x}[tier][e, i, p])
    pool = d.pool_fill_c[e, p] if tier in ("c", "rc") else d.pool_fill_x[e, p]
    if tier in ("rc", "rx"):
        return a * (1.0 - pool)
    return a * pool * d.scale[e, i, p] + (1.0 - a * d.scale[e, i, p]) * d.lr[e, i, p]


def _ration(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """4. Rationing: at each pool, orders within contracts first, pro rata, then the rest from what
    is left, pro rata; then quotas cap the flows to their targets."""
    C, P, F = world.n_countries, world.n_products, world.n_firms
    # Orders within contracts (a firm's baseline use; background buyers' baseline purchases, both
    # by current supplier mix) and beyond them, by source country.
    d.demand_c = np.zeros((C, C, P))  # (exporter, importer, product)
    d.firm_orders_c = np.zeros((F, P, C))
    d.firm_orders_x = np.zeros((F, P, C))
    for f in range(F):
        i = world.firm_home[f]
        for p in range(P):
            contracted = min(d.orders[f, p], world.base_use[f, p])
            for e in range(C):
                d.firm_orders_c[f, p, e] = contracted * state.mix[f, p, e]
                d.firm_orders_x[f, p, e] = (d.orders[f, p] - contracted) * state.mix[f, p, e]
                d.demand_c[e, i, p] += d.firm_orders_c[f, p, e]
    d.bg_c = np.zeros((C, C, P))
    for e in range(C):
        for i in range(C):
            for p in range(P):
                d.bg_c[e, i, p] = min(d.bg_demand[e, i, p], world.bg_total0[i, p] * state.bg_mix[i, p, e])
                d.demand_c[e, i, p] += d.bg_c[e, i, p]
    d.demand_x = np.maximum(d.demand - d.demand_c, 0.0)
    d.fill_c, d.fill_x = np.zeros((C, C, P)), np.zeros((C, C, P))
    d.rationed_c, d.rationed_x = np.zeros((C, C, P)), np.zeros((C, C, P))  # shares rationed at a short pool
    d.pool_short = np.zeros((C, P), dtype=bool)
    d.pool_fill_c, d.pool_fill_x = np.ones((C, P)), np.ones((C, P))
    # Orders that may ship, by tier and route: each firm's at its passing share, background buyers'
    # at the route's; the route's passing share of each tier is their ratio.
    passing_c, passing_x = d.demand_c * policy.allow, d.demand_x * policy.allow
    for e in range(C if policy.pair_allow is not None else 0):
        for i in range(C):
            for p in range(P):
                bg_x = d.bg_demand[e, i, p] - d.bg_c[e, i, p]
                passing_c[e, i, p] = d.bg_c[e, i, p] * policy.allow[e, i, p]
                passing_x[e, i, p] = bg_x * policy.allow[e, i, p]
                for f in range(F):
                    if world.firm_home[f] == i:
                        passing_c[e, i, p] += d.firm_orders_c[f, p, e] * d.a[f, p, e]
                        passing_x[e, i, p] += d.firm_orders_x[f, p, e] * d.a[f, p, e]
    d.allow_c = np.where(d.demand_c > 0, passing_c / np.where(d.demand_c > 0, d.demand_c, 1.0), policy.allow)
    d.allow_x = np.where(d.demand_x > 0, passing_x / np.where(d.demand_x > 0, d.demand_x, 1.0), policy.allow)
    for e in range(C):
        for p in range(P):
            contracted = sum(passing_c[e, i, p] for i in range(C))
            extra = sum(passing_x[e, i, p] for i in range(C))
            fill_c = d.supply[e, p] / contracted if contracted > d.supply[e, p] else 1.0
            left = max(d.supply[e, p] - contracted, 0.0)
            fill_x = left / extra if extra > left else 1.0
            d.pool_short[e, p] = fill_c < 1.0 or fill_x < 1.0
            d.pool_fill_c[e, p], d.pool_fill_x[e, p] = fill_c, fill_x
            for i in range(C):
                d.fill_c[e, i, p] = d.allow_c[e, i, p] * fill_c
                d.fill_x[e, i, p] = d.allow_x[e, i, p] * fill_x
                d.rationed_c[e, i, p] = d.allow_c[e, i, p] * (1.0 - fill_c)
                d.rationed_x[e, i, p] = d.allow_x[e, i, p] * (1.0 - fill_x)
    # Share of each order allowed routes may serve (quotas included), over the route's buyers.
    d.servable = policy.allow.copy()
    if policy.pair_allow is not None:
        d.servable = np.where(d.demand > 0, (passing_c + passing_x) / np.where(d.demand > 0, d.demand, 1.0), policy.allow)
    d.scale = np.ones((C, C, P))  # quota scale on passing orders
    for quota in policy.quotas:
        e = quota.exporter
        for p in range(P):
            shipped = sum(
                d.demand_c[e, i, p] * d.fill_c[e, i, p] + d.demand_x[e, i, p] * d.fill_x[e, i, p]
                for i in range(C)
                if quota.importers[i]
            )
            if quota.products[p] and shipped > quota.cap[p]:
                for i in range(C):
                    if quota.importers[i]:
                        d.fill_c[e, i, p] *= quota.cap[p] / shipped
                        d.fill_x[e, i, p] *= quota.cap[p] / shipped
                        d.servable[e, i, p] *= quota.cap[p] / shipped
                        d.scale[e, i, p] *= quota.cap[p] / shipped
    d.contract = d.demand_c * d.fill_c + d.demand_x * d.fill_x
    d.fill = d.fill_c.copy()  # the route's fill rate: shipped / ordered where anything was ordered
    for e in range(C):
        for i in range(C):
            for p in range(P):
                if d.demand[e, i, p] > 0:
                    d.fill[e, i, p] = d.contract[e, i, p] / d.demand[e, i, p]
    d.under_quota = np.zeros((C, C, P), dtype=bool)
    for quota in policy.quotas:
        for i in range(C):
            for p in range(P):
                if quota.importers[i] and quota.products[p]:
                    d.under_quota[quota.exporter, i, p] = True
    # Fully open routes: unrestricted for every buyer and not under a quota (spot market, arbitrage).
    d.open = (policy.allow >= 1.0) & ~d.under_quota & ~d.named_closed


def _leakage(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """4a. Servable orders, then leakage of blocked orders through third countries."""
    C, P = world.n_countries, world.n_products
    prm = world.params
    leak = policy.leak if policy.leak is not None else np.zeros((C, C, P))
    step = 1.0 / prm.leakage_days
    rate = np.zeros((C, C, P))
    d.lr = np.zeros((C, C, P))  # share of a blocked order that leaks in
    d.leaked = np.zeros((C, C, P))  # units reaching importers through third countries
    for e in range(C):
        for i in range(C):
            for p in range(P):
                if leak[e, i, p] > 0:
                    state.leak_ramp[e, i, p] = min(state.leak_ramp[e, i, p] + step, 1.0)
                else:
                    state.leak_ramp[e, i, p] = max(state.leak_ramp[e, i, p] - step, 0.0)
                landed = (1.0 + prm.leakage_premium) * d.price[e, p]
                worth = min(max((d.price[i, p] - landed) / landed, 0.0), 1.0)
                # (a blocked share below 0 is a rounding error of a ratio of sums: none)
                rate[e, i, p] = max(1.0 - d.servable[e, i, p], 0.0) * leak[e, i, p] * state.leak_ramp[e, i, p] * worth
    for e in range(C):
        for p in range(P):
            ordered = sum(d.demand[e, i, p] * rate[e, i, p] for i in range(C))
            spare = max(d.supply[e, p] - sum(d.contract[e, i, p] for i in range(C)), 0.0)
            leak_fill = spare / ordered if ordered > spare else 1.0
            for i in range(C):
                # Blocked orders leak alike, whatever their tier or buyer: each tier its blocked part.
                worth_here = state.leak_ramp[e, i, p] * leak[e, i, p]
                landed = (1.0 + prm.leakage_premium) * d.price[e, p]
                worth_here *= min(max((d.price[i, p] - landed) / landed, 0.0), 1.0)
                d.lr[e, i, p] = worth_here * leak_fill
                added_c = added_x = rate[e, i, p] * leak_fill
                if policy.pair_allow is not None:
                    added_c = max(1.0 - d.allow_c[e, i, p] * d.scale[e, i, p], 0.0) * d.lr[e, i, p]
                    added_x = max(1.0 - d.allow_x[e, i, p] * d.scale[e, i, p], 0.0) * d.lr[e, i, p]
                d.leaked[e, i, p] = d.demand_c[e, i, p] * added_c + d.demand_x[e, i, p] * added_x
                d.fill_c[e, i, p] += added_c
                d.fill_x[e, i, p] += added_x
                d.servable[e, i, p] += rate[e, i, p] * leak_fill
    _combine_tiers(d)


def _combine_tiers(d: SimpleNamespace) -> None:
    """Each route's shipments and fill rate from the two tiers of its orders."""
    d.contract = d.demand_c * d.fill_c + d.demand_x * d.fill_x
    d.fill = d.fill_c.copy()
    C, _, P = d.demand.shape
    for e in range(C):
        for i in range(C):
            for p in range(P):
                if d.demand[e, i, p] > 0:
                    d.fill[e, i, p] = d.contract[e, i, p] / d.demand[e, i, p]


def _give_way(world: World, policy: Policy, d: SimpleNamespace, alternative: np.ndarray) -> None:
    """4b (first step). At a short pool, on open routes, importers with another open source with
    spare supply give their share to importers without one (up to the latter's rationed orders
    and the former's room elsewhere)."""
    C, P = world.n_countries, world.n_products

    def open_short(e: int, i: int, p: int) -> bool:
        return bool(d.open[e, i, p]) and bool(d.pool_short[e, p])

    def rationed(e: int, i: int, p: int) -> float:
        return d.demand_c[e, i, p] * d.rationed_c[e, i, p] + d.demand_x[e, i, p] * d.rationed_x[e, i, p]

    given = np.zeros((C, C, P))
    for i in range(C):
        for p in range(P):
            if alternative[i, p] <= 0:
                continue
            own_wanted = sum(rationed(e, i, p) for e in range(C))
            room = max(alternative[i, p] - own_wanted, 0.0)
            total = sum(d.contract[e, i, p] for e in range(C) if open_short(e, i, p))
            scale = room / total if total > room else 1.0
            for e in range(C):
                if open_short(e, i, p):
                    given[e, i, p] = d.contract[e, i, p] * scale
    for e in range(C):
        for p in range(P):
            takers = [i for i in range(C) if open_short(e, i, p) and alternative[i, p] <= 0]
            unmet = {i: rationed(e, i, p) for i in takers}
            freeable = sum(given[e, i, p] for i in range(C))
            short = sum(unmet.values())
            moved = min(freeable, short)
            for i in range(C):
                if d.demand[e, i, p] <= 0:
                    continue
                # Each tier moves alike: a taker gets a share of what it was rationed, a giver
                # gives up a share of what it was sold (which it is then rationed).
                take = moved / short if i in unmet and short > 0 else 0.0
                give = given[e, i, p] * moved / freeable / d.contract[e, i, p] if freeable > 0 and given[e, i, p] > 0 else 0.0
                for fill, rat in (("fill_c", "rationed_c"), ("fill_x", "rationed_x")):
                    f_t, r_t = getattr(d, fill)[e, i, p], getattr(d, rat)[e, i, p]
                    getattr(d, fill)[e, i, p] = f_t + take * r_t - give * f_t
                    getattr(d, rat)[e, i, p] = r_t - take * r_t + give * f_t
    _combine_tiers(d)


def _spot_market(world: World, policy: Policy, d: SimpleNamespace) -> None:
    """4b. Spot market: rationed orders go to pools with supply to spare on fully open routes
    (not restricted, not under a quota), in proportion to that spare supply."""
    C, P = world.n_countries, world.n_products
    spare = np.zeros((C, P))
    for e in range(C):
        for p in range(P):
            spare[e, p] = max(d.supply[e, p] - sum(d.contract[e, i, p] for i in range(C)), 0.0)
    alternative = np.zeros((C, P))
    for i in range(C):
        for p in range(P):
            alternative[i, p] = sum(  # spare supply beyond rounding noise
                spare[e, p]
                for e in range(C)
                if d.open[e, i, p] and spare[e, p] > 1e-9 * d.supply[e, p]
            )
    _give_way(world, policy, d, alternative)
    wanted = np.zeros((C, P))
    for i in range(C):
        for p in range(P):
            wanted[i, p] = sum(
                d.demand_c[e, i, p] * d.rationed_c[e, i, p] + d.demand_x[e, i, p] * d.rationed_x[e, i, p] for e in range(C)
            )
    d.spot = _buy_from_spare(d, spare, wanted)
    d.spot_rate = np.zeros((C, P))
    d.spot_duty = np.ones((C, P))
    d.spot_got = np.zeros((C, P))
    for i in range(C):
        for p in range(P):
            got = sum(d.spot[e, i, p] for e in range(C))
            d.spot_got[i, p] = got
            d.spot_rate[i, p] = got / wanted[i, p] if wanted[i, p] > 0 else 0.0
            if got > 0:
                d.spot_duty[i, p] = sum(d.spot[e, i, p] * (1.0 + policy.duty[e, i, p]) for e in range(C)) / got
    d.wanted = wanted
    d.shipments = d.contract + d.spot


def _release_stockpiles(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """4c. National stockpiles cover the contracted orders of their country's buyers left
    unserved (blocked, or rationed and not bought on the spot market), up to the release rate
    and the stock left; every buyer gets the same share (stock_rate) of its unserved contracted
    orders. A stockpile released on a measure only while a foreign export measure restricts the
    product there. Then, after the episode, refills from spare supply on open routes."""
    C, P = world.n_countries, world.n_products
    d.released = np.zeros((C, P))
    d.stock_rate = np.zeros((C, P))
    d.refill = None
    if not world.has_stockpiles:
        return
    restricted = policy.restricted if policy.restricted is not None else np.zeros((C, P), dtype=bool)
    for c in range(C):
        for p in range(P):
            if world.stockpile_release[c, p] <= 0 or state.stockpile[c, p] <= 0:
                continue
            if world.release_on_measure[c, p] and not restricted[c, p]:
                continue
            unserved = sum(
                d.demand_c[e, c, p] * (1.0 - d.fill_c[e, c, p]) - d.spot_rate[c, p] * d.demand_c[e, c, p] * d.rationed_c[e, c, p]
                for e in range(C)
            )
            # Rounding leftovers of served orders are no shortage (1e-12 of the contracted orders).
            contracted = sum(d.demand_c[e, c, p] for e in range(C))
            unserved = unserved if unserved > 1e-12 * contracted else 0.0
            d.released[c, p] = min(unserved, state.stockpile[c, p], world.stockpile_release[c, p])
            state.stockpile[c, p] -= d.released[c, p]
            d.stock_rate[c, p] = d.released[c, p] / unserved if unserved > 0 else 0.0
    if not world.has_refill:
        return
    wanted = np.zeros((C, P))
    for c in range(C):
        for p in range(P):
            if d.released[c, p] > 0 or restricted[c, p]:
                continue
            wanted[c, p] = min(max(world.stockpile0[c, p] - state.stockpile[c, p], 0.0), world.stockpile_refill[c, p])
    if not (wanted > 0).any():
        return
    spare = np.zeros((C, P))
    for e in range(C):
        for p in range(P):
            spare[e, p] = max(d.supply[e, p] - sum(d.shipments[e, i, p] for i in range(C)), 0.0)
    d.refill = _buy_from_spare(d, spare, wanted)
    for e in range(C):
        for i in range(C):
            for p in range(P):
                d.shipments[e, i, p] += d.refill[e, i, p]
                state.stockpile[i, p] += d.refill[e, i, p]


def _buy_from_spare(d: SimpleNamespace, spare: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """(E, I, P) importer i's ``wanted[i, p]`` spread over the pools open to it by their spare
    supply, each pool filling what it is asked pro rata (spot market, stockpile refills)."""
    C, P = spare.shape
    orders = np.zeros((C, C, P))
    for i in range(C):
        for p in range(P):
            weights = [spare[e, p] if d.open[e, i, p] else 0.0 for e in range(C)]
            total = sum(weights)
            for e in range(C):
                orders[e, i, p] = wanted[i, p] * weights[e] / total if total > 0 else 0.0
    bought = np.zeros((C, C, P))
    for e in range(C):
        for p in range(P):
            ordered = sum(orders[e, i, p] for i in range(C))
            fill = spare[e, p] / ordered if ordered > spare[e, p] else 1.0
            for i in range(C):
                bought[e, i, p] = orders[e, i, p] * fill
    return bought


def _receive_and_produce(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """5. Receipts and production: each firm at its own shares of its routes (:func:`_own_share`)."""
    C, P, F = world.n_countries, world.n_products, world.n_firms

    def own(f: int, p: int, e: int, tier: str) -> float:
        return _own_share(world, policy, d, d.a[f, p, e], e, world.firm_home[f], p, tier)

    d.received_by_source = np.zeros((F, P, C))
    d.received = np.zeros((F, P))
    d.received_spot = np.zeros((F, P))
    for f in range(F):
        i = world.firm_home[f]
        for p in range(P):
            for e in range(C):
                d.received_by_source[f, p, e] = (
                    d.firm_orders_c[f, p, e] * own(f, p, e, "c") + d.firm_orders_x[f, p, e] * own(f, p, e, "x")
                )
                d.received[f, p] += d.received_by_source[f, p, e]
                rationed = d.firm_orders_c[f, p, e] * own(f, p, e, "rc") + d.firm_orders_x[f, p, e] * own(f, p, e, "rx")
                d.received_spot[f, p] += rationed * d.spot_rate[i, p]
            d.received[f, p] += d.received_spot[f, p]
    d.received_stock = np.zeros((F, P))  # from the national stockpile: a share of what is unserved
    for f in range(F):
        i = world.firm_home[f]
        for p in range(P):
            got_contracted = sum(  # its contracted orders' receipts, spot market included
                d.firm_orders_c[f, p, e] * (own(f, p, e, "c") + own(f, p, e, "rc") * d.spot_rate[i, p]) for e in range(C)
            )
            contracted = sum(d.firm_orders_c[f, p, e] for e in range(C))
            d.received_stock[f, p] = max(contracted - got_contracted, 0.0) * d.stock_rate[i, p]
            d.received[f, p] += d.received_stock[f, p]
    available = state.inventory + d.received
    d.pool_sold = d.shipments.sum(axis=1)

    d.output = np.zeros(F)
    d.bg_sold = np.zeros((C, P))
    for e in range(C):
        for p in range(P):
            makers = [
                f for f in range(F) if not world.firm_final[f] and world.firm_home[f] == e and world.firm_product[f] == p
            ]
            # Producers of the pool: its modelled firms, then one background producer.
            baseline = [world.base_output[f] for f in makers] + [world.bg_output0[e, p]]
            can_offer = [d.offered[f] for f in makers] + [d.bg_offer[e, p]]
            sales = _share_pool_sales(baseline, can_offer, d.pool_sold[e, p])
            for f, sold in zip(makers, sales[:-1], strict=True):
                d.output[f] = sold
            d.bg_sold[e, p] = sales[-1]
    for f in range(F):
        if world.firm_final[f]:
            limit = math.inf
            for p in range(P):
                if _is_critical(world, f, p):
                    limit = min(limit, available[f, p] / d.use[f, p])
            d.output[f] = min(d.planned[f], limit)
    d.substituted = np.zeros((F, P))
    d.saved = np.zeros((F, P))  # inputs thrifted or replaced by a substitute
    for f in range(F):
        for p in range(P):
            need = d.use[f, p] * d.output[f]
            d.saved[f, p] = (world.recipe[f, p] - d.use[f, p]) * d.output[f]
            used = need if _is_critical(world, f, p) else min(need, available[f, p])
            d.substituted[f, p] = need - used
            state.inventory[f, p] = max(available[f, p] - used, 0.0)


def _background_got(world: World, policy: Policy, d: SimpleNamespace, e: int, i: int, p: int) -> float:
    """What importer i's background buyers received from e of product p today (all sources);
    under licences by buyer they pass at the route's share."""
    bg_x = d.bg_demand[e, i, p] - d.bg_c[e, i, p]
    a = policy.allow[e, i, p]

    def own(tier: str) -> float:
        return _own_share(world, policy, d, a, e, i, p, tier)

    got_c = d.bg_c[e, i, p] * (own("c") + own("rc") * d.spot_rate[i, p])
    got = got_c + bg_x * (own("x") + own("rx") * d.spot_rate[i, p])
    return got + max(d.bg_c[e, i, p] - got_c, 0.0) * d.stock_rate[i, p]  # national stockpile: contracts only


def _background_inputs(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """5b. Background producers' stocks of critical inputs, in days of use at capacity: they get
    their country's background buyers' fill on today's use plus the stock gap over
    replenish_days (slowed by a price above baseline) and use a day per day at capacity."""
    C = world.n_countries
    for c in range(C):
        for r in range(world.bg_in_product.size):
            p, q = world.bg_in_product[r], world.bg_in_input[r]
            ordered = sum(d.bg_demand[e, c, q] for e in range(C))
            received = sum(_background_got(world, policy, d, e, c, q) for e in range(C))
            fill = received / ordered if ordered > 0 else 1.0
            capacity = state.bg_capacity[c, p]
            used = d.bg_sold[c, p] / capacity if capacity > 0 else 0.0
            restock = min(world.base_price[q] / d.price[c, q], 1.0)
            stock = state.bg_input_stock[c, r]
            gap = max(world.bg_in_days[r] - stock, 0.0)
            state.bg_input_stock[c, r] = max(stock - used + fill * (used + gap * restock / world.params.replenish_days), 0.0)


def _accounts(world: World, policy: Policy, d: SimpleNamespace) -> None:
    """6. Sales, costs, profit. A pool's producers earn, per unit, its sales at destination prices
    over the units it sold."""
    C, P, F = world.n_countries, world.n_products, world.n_firms
    price = d.price
    d.unit_value = price.copy()
    for e in range(C):
        for p in range(P):
            if d.pool_sold[e, p] > 0:
                d.unit_value[e, p] = sum(d.shipments[e, i, p] * price[i, p] for i in range(C)) / d.pool_sold[e, p]
    d.revenue = np.zeros(F)
    d.input_cost = np.zeros(F)
    d.profit = np.zeros(F)
    for f in range(F):
        h, q = world.firm_home[f], world.firm_product[f]
        if world.firm_final[f]:
            for m in range(C):
                split = _safe_div(world.sales0[f, m] * d.access[f, m], d.market_factor[f], 0.0)
                d.revenue[f] += d.output[f] * split * price[m, q]
        else:
            d.revenue[f] = d.output[f] * d.unit_value[h, q]
        for p in range(P):
            for e in range(C):
                d.input_cost[f] += d.received_by_source[f, p, e] * (1.0 + policy.duty[e, h, p]) * price[h, p]
            d.input_cost[f] += d.received_spot[f, p] * d.spot_duty[h, p] * price[h, p]
            d.input_cost[f] += d.received_stock[f, p] * price[h, p]  # from the stockpile: no duty
            d.input_cost[f] += d.substituted[f, p] * price[h, p] * world.params.substitution_premium
            # Thrifting and substitutes cost what they replace, up to the backstop's price.
            d.input_cost[f] += d.saved[f, p] * min(price[h, p], world.backstop_multiple[p] * world.base_price[p])
        d.profit[f] = d.revenue[f] - d.input_cost[f] - world.other_cost_per_unit[f] * d.output[f] - world.fixed_cost[f]


def _gdp_loss(world: World, policy: Policy, d: SimpleNamespace) -> None:
    """9. GDP-loss proxy at today's prices (before they move)."""
    C, P, F = world.n_countries, world.n_products, world.n_firms
    price, base_price = d.price, world.base_price
    d.loss = np.zeros(C)
    for f in range(F):
        # Value added: revenue less modelled inputs less bought-in inputs per unit, which make
        # baseline value added the product's value-added ratio of revenue (where one is given).
        ratio = world.value_added_ratio[world.firm_product[f]]
        bought_in = 0.0
        if not math.isnan(ratio) and world.base_output[f] > 0:
            unit_price = world.base_price[world.firm_product[f]]
            bought_in = max(unit_price * (1.0 - ratio) - world.base_input_cost[f] / world.base_output[f], 0.0)
        base_value_added = world.base_revenue[f] - world.base_input_cost[f] - bought_in * world.base_output[f]
        value_added = d.revenue[f] - d.input_cost[f] - bought_in * d.output[f]
        for c in range(C):  # counted where the firm's plants are
            d.loss[c] += world.plant_share[f, c] * (base_value_added - value_added)
            # and so is the domestic value added in the bought-in inputs of its lost output
            domestic = world.bought_in_domestic_share[c, world.firm_product[f]]
            d.loss[c] += world.plant_share[f, c] * bought_in * domestic * (world.base_output[f] - d.output[f])
    for c in range(C):
        for p in range(P):
            ratio = world.value_added_ratio[p]
            bought_in = 0.0 if math.isnan(ratio) else (1.0 - ratio) * base_price[p]
            base_value_added = world.bg_output0[c, p] * (base_price[p] - bought_in)
            d.loss[c] += base_value_added - d.bg_sold[c, p] * (d.unit_value[c, p] - bought_in)
            d.loss[c] += bought_in * world.bought_in_domestic_share[c, p] * (world.bg_output0[c, p] - d.bg_sold[c, p])
    for e in range(C):
        for i in range(C):
            for p in range(P):
                got = _background_got(world, policy, d, e, i, p)
                d.loss[i] += (world.bg_demand0[e, i, p] - got) * base_price[p] * world.downstream_multiplier[p]
                d.loss[i] += got * (price[i, p] * (1.0 + policy.duty[e, i, p]) - base_price[p])
                d.loss[i] -= d.shipments[e, i, p] * policy.duty[e, i, p] * price[i, p]  # duty revenue
                if d.refill is not None:  # the state pays for refilling its stockpile, duty included
                    d.loss[i] += d.refill[e, i, p] * (1.0 + policy.duty[e, i, p]) * price[i, p]


def _prices(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """7. Prices move towards clearing each local market of pool products."""
    C, P = world.n_countries, world.n_products
    prm, price = world.params, d.price
    new_price = price.copy()
    for c in range(C):
        for p in range(P):
            if world.final[p]:
                continue
            received_here = sum(d.shipments[e, c, p] for e in range(C))
            # Only orders a supplier may serve (allowed routes, leakage) bid for the local supply.
            demanded_here = sum(d.demand[e, c, p] * d.servable[e, c, p] for e in range(C))
            if d.refill is not None:  # states' refill orders (all served)
                demanded_here += sum(d.refill[e, c, p] for e in range(C))
            stuck_at_home = max(d.supply[c, p] - d.pool_sold[c, p] - world.base_spare[c, p], 0.0)
            balance = (received_here + stuck_at_home) / demanded_here if demanded_here > 0 else 1.0
            balance = min(max(balance, 1e-9), 1e9)
            elasticity = world.elasticity[p]
            if world.any_response and price[c, p] > world.backstop_multiple[p] * world.base_price[p]:
                elasticity += prm.backstop_steepness  # demand above the backstop price
            log_price = math.log(price[c, p]) - world.price_speed[p] * math.log(balance) / elasticity
            # Arbitrage towards the cheapest landed price of a foreign pool with supply left over.
            parity = math.inf
            for e in range(C):
                open_route = d.open[e, c, p]
                if e != c and open_route and d.supply[e, p] - d.pool_sold[e, p] > 1e-9 * d.supply[e, p]:
                    parity = min(parity, price[e, p] * (1.0 + policy.duty[e, c, p]))
            if parity < math.inf and log_price > math.log(parity):
                log_price -= world.price_speed[p] * (log_price - math.log(parity))
            low = math.log(world.base_price[p] * prm.min_price_multiple)
            high = math.log(world.base_price[p] * prm.max_price_multiple)
            new_price[c, p] = math.exp(min(max(log_price, low), high))
    state.price = new_price


def _respond_to_price(world: World, state: State, d: SimpleNamespace) -> None:
    """7b. Intensity of use moves 1/thrift_days towards its long-run target at today's prices."""
    if not world.any_response:
        return
    prm = world.params
    for c in range(world.n_countries):
        for p in range(world.n_products):
            relative = d.price[c, p] / world.base_price[p]
            if relative > world.backstop_multiple[p]:  # a day of qualifying the substitute
                state.qualifying[c, p] += 1.0
            thrift = max(min(relative ** (-world.long_run_elasticity[p]), 1.0), 1.0 - world.max_thrift[p])
            backstop = min((world.backstop_multiple[p] / relative) ** prm.backstop_steepness, 1.0)
            lead = world.substitution_days[p]
            if lead > 0:  # the substitute is qualified after `lead` days, then replaces use over `lead` more
                switchable = min(max(state.qualifying[c, p] / lead - 1.0, 0.0), 1.0)
                backstop = max(backstop, 1.0 - switchable)
            target = thrift * backstop
            state.intensity[c, p] += (target - state.intensity[c, p]) / world.thrift_days[p]


def _adapt_suppliers(world: World, state: State, policy: Policy, d: SimpleNamespace) -> None:
    """8a. Trust, then supplier mixes (firms, then background buyers)."""
    C, P, F = world.n_countries, world.n_products, world.n_firms
    prm = world.params
    for e in range(C):
        for i in range(C):
            for p in range(P):
                if d.demand[e, i, p] > 0:
                    rate = prm.trust_loss if d.fill[e, i, p] < state.trust[e, i, p] else prm.trust_recovery
                    state.trust[e, i, p] += rate * (d.fill[e, i, p] - state.trust[e, i, p])
    new_mix = state.mix.copy()
    for f in range(F):
        for p in range(P):
            new_mix[f, p] = _moved_mix(
                state.mix[f, p], world.mix0[f, p], world.firm_home[f], p, state, policy, prm, d.open
            )
    state.mix = new_mix
    new_bg_mix = state.bg_mix.copy()
    for i in range(C):
        for p in range(P):
            new_bg_mix[i, p] = _moved_mix(
                state.bg_mix[i, p], world.bg_mix0[i, p], i, p, state, policy, prm, d.open
            )
    state.bg_mix = new_bg_mix


def _grow_capacity(world: World, state: State, d: SimpleNamespace) -> None:
    """8b. Background capacity ordered against unmet demand, arriving after the ramp-up."""
    C, P = world.n_countries, world.n_products
    slots = state.pipeline.shape[0]
    today = state.day % slots
    arriving = state.pipeline[today].copy()
    state.pipeline[today] = 0.0
    for c in range(C):
        for p in range(P):
            unmet = sum(
                (d.demand_c[c, i, p] * d.rationed_c[c, i, p] + d.demand_x[c, i, p] * d.rationed_x[c, i, p])
                * (1.0 - d.spot_rate[i, p])
                for i in range(C)
            )
            in_pipeline = state.pipeline[:, c, p].sum()
            headroom = max(world.bg_max_capacity[c, p] - state.bg_capacity[c, p] - arriving[c, p] - in_pipeline, 0.0)
            new_order = min(world.expansion_response[c, p] * max(unmet - in_pipeline, 0.0), headroom)
            arrival = (state.day + max(int(world.ramp_up_days[p]), 1)) % slots
            state.pipeline[arrival, c, p] += new_order
    state.bg_capacity = state.bg_capacity + arriving
    _invest(world, state, d)


def _invest(world: World, state: State, d: SimpleNamespace) -> None:
    """8c. Price-driven investors order new capacity once the smoothed price reaches their trigger;
    projects are paid for while built and add capacity (and any offtake contract) on arrival."""
    C, P, F = world.n_countries, world.n_products, world.n_firms
    col = {name: k for k, name in enumerate(PROJECT_COLUMNS)}
    days = max(world.params.investment_signal_days, 1.0)
    for c in range(C):
        for p in range(P):
            ratio = state.price[c, p] / world.base_price[p]
            state.price_signal[c, p] += (ratio - state.price_signal[c, p]) / days
    for c in range(C):
        for p in range(P):
            if state.price_invested[c, p] == 0 and world.new_capacity[c, p] > 0 and state.price_signal[c, p] >= world.invest_trigger[c, p]:
                capacity = float(world.new_capacity[c, p])
                lead = max(int(world.ramp_up_days[p]), 1)
                row = [0.0] * len(PROJECT_COLUMNS)
                row[col["start"]], row[col["arrival"]], row[col["country"]], row[col["product"]] = state.day, state.day + lead, c, p
                row[col["capacity"]], row[col["daily_cost"]] = capacity, capacity * world.capex[c, p] / lead
                row[col["payer"]], row[col["payer_firm"]], row[col["offtake"]] = c, -1, -1
                state.projects = np.vstack([state.projects, np.array(row)[None, :]])
                state.price_invested[c, p] = 1.0
    for row in state.projects:
        start, arrival = row[col["start"]], row[col["arrival"]]
        if start <= state.day < arrival:
            d.loss[int(row[col["payer"]])] += row[col["daily_cost"]]
            if row[col["payer_firm"]] >= 0:
                d.profit[int(row[col["payer_firm"]])] -= row[col["daily_cost"]]
        if arrival == state.day + 1:  # in place for the next day's supply
            c, p = int(row[col["country"]]), int(row[col["product"]])
            state.bg_capacity[c, p] += row[col["capacity"]]
            state.built[c, p] += row[col["capacity"]]
            i, share = int(row[col["offtake"]]), row[col["offtake_share"]]
            if i < 0 or share <= 0:
                continue
            for f in range(F):
                if world.firm_home[f] == i and (world.recipe[f, p] > 0 or world.mix0[f, p].sum() > 0):
                    for e in range(C):
                        state.mix[f, p, e] = (1.0 - share) * state.mix[f, p, e] + (share if e == c else 0.0)
            for e in range(C):
                state.bg_mix[i, p, e] = (1.0 - share) * state.bg_mix[i, p, e] + (share if e == c else 0.0)


def _moved_mix(  # type: ignore[no-untyped-def]
    mix: np.ndarray, mix0: np.ndarray, i: int, p: int, state: State, policy: Policy, prm, open_route: np.ndarray
) -> list[float]:
    """One buyer's supplier shares for (importer ``i``, product ``p``) after a day: a step of
    1/switching_days towards trusted, duty-free suppliers, and a pull back to the incumbent mix
    while that is cheaper landed by more than the switching cost and all its routes are open."""
    C = len(mix)
    weights = [mix[e] * state.trust[e, i, p] / (1.0 + policy.duty[e, i, p]) for e in range(C)]
    total = sum(weights)
    landed = [state.price[e, p] * (1.0 + policy.duty[e, i, p]) for e in range(C)]
    incumbent_cost = sum(mix0[e] * landed[e] for e in range(C))
    current_cost = sum(mix[e] * landed[e] for e in range(C))
    incumbent_open = all(
        mix0[e] <= 0 or open_route[e, i, p] for e in range(C)
    )
    pull = prm.incumbent_pull if incumbent_open and incumbent_cost < (1.0 - prm.switching_cost) * current_cost else 0.0
    moved = []
    for e in range(C):
        target = weights[e] / total if total > 0 else mix[e]
        moved.append(mix[e] + (target - mix[e]) / prm.switching_days + pull * (mix0[e] - mix[e]))
    return moved


def _share_pool_sales(baseline: list[float], can_offer: list[float], sold: float) -> list[float]:
    """Split a pool's sales: first by baseline share (capped by what each can offer), then the
    rest by room left."""
    base_total = sum(baseline)
    first = [min(_safe_div(b, base_total, 0.0) * sold, o) for b, o in zip(baseline, can_offer, strict=True)]
    leftover = max(sold - sum(first), 0.0)
    room = [max(o - x, 0.0) for o, x in zip(can_offer, first, strict=True)]
    room_total = sum(room)
    return [x + _safe_div(leftover * r, room_total, 0.0) for x, r in zip(first, room, strict=True)]
