"""A plain per-firm reference implementation of the daily step of :mod:`sim.economy`.

Written for reading, not speed: explicit loops over firms, countries and products, one stage
after another as the economy's docstring lists them. ``tests/test_economy_reference.py`` checks
that the vectorised :func:`sim.economy.step` agrees with it to 1e-9 on random worlds, and
``benchmarks/bench.py`` measures how much faster the vectorised step is.
"""

from __future__ import annotations

import math

import numpy as np

from sim.economy import DayResult, Policy, State, World


def _safe_div(a: float, b: float, otherwise: float) -> float:
    return a / b if b > 0 else otherwise


def reference_step(world: World, state: State, policy: Policy) -> DayResult:
    """Advance ``state`` by one day in place, firm by firm; same contract as ``sim.economy.step``."""
    prm = world.params
    C, P, F = world.n_countries, world.n_products, world.n_firms
    base_price = world.base_price
    price = state.price.copy()  # prices at the start of the day

    def is_critical(f: int, p: int) -> bool:
        return bool(world.critical[f, p]) and world.recipe[f, p] > 0

    # 1. Capacity: what each firm could make from its stock of critical inputs.
    can_make = np.zeros(F)
    for f in range(F):
        limit = math.inf
        for p in range(P):
            if is_critical(f, p):
                limit = min(limit, state.inventory[f, p] / world.recipe[f, p])
        can_make[f] = min(world.capacity[f], limit)

    # 2. Plans and orders.
    access = np.zeros((F, C))
    market_factor = np.zeros(F)
    planned = np.zeros(F)
    orders = np.zeros((F, P))
    for f in range(F):
        h, q = world.firm_home[f], world.firm_product[f]
        for m in range(C):
            tariff_factor = (1.0 + policy.duty[h, m, q]) ** (-world.elasticity[q])
            access[f, m] = policy.allow[h, m, q] * policy.brand_access[h, m, q] * tariff_factor
            market_factor[f] += world.sales0[f, m] * access[f, m]
        if world.firm_final[f]:
            planned[f] = min(world.capacity[f], world.base_output[f] * market_factor[f])
        else:
            planned[f] = min(world.capacity[f], state.last_output[f])
        for p in range(P):
            gap = max(world.target_days[f, p] * world.base_use[f, p] - state.inventory[f, p], 0.0)
            orders[f, p] = world.recipe[f, p] * planned[f] + gap / prm.replenish_days

    demand = np.zeros((C, C, P))  # (exporter, importer, product)
    firm_orders = np.zeros((F, P, C))  # by source country
    for f in range(F):
        i = world.firm_home[f]
        for p in range(P):
            for e in range(C):
                firm_orders[f, p, e] = orders[f, p] * state.mix[f, p, e]
                demand[e, i, p] += firm_orders[f, p, e]
    bg_demand = np.zeros((C, C, P))
    for e in range(C):
        for i in range(C):
            for p in range(P):
                ordered = world.bg_total0[i, p] * state.bg_mix[i, p, e]
                buyer_price = price[i, p] / base_price[p] * (1.0 + policy.duty[e, i, p])
                bg_demand[e, i, p] = ordered * buyer_price ** (-world.elasticity[p])
                demand[e, i, p] += bg_demand[e, i, p]

    # 3. Supply offered, at the price obtainable in the markets still open.
    willing = np.zeros((C, P))
    open_total = np.zeros((C, P))
    for e in range(C):
        for p in range(P):
            weighted_price = 0.0
            for i in range(C):
                open_orders = demand[e, i, p] * policy.allow[e, i, p]
                open_total[e, p] += open_orders
                weighted_price += open_orders * price[i, p]
            obtainable = _safe_div(weighted_price, open_total[e, p], price[e, p])
            willing[e, p] = min(obtainable / base_price[p], 1.0) ** prm.supply_elasticity
    offered = np.zeros(F)
    supply = np.zeros((C, P))
    for f in range(F):
        if world.firm_final[f]:
            offered[f] = can_make[f]
        else:
            offered[f] = can_make[f] * willing[world.firm_home[f], world.firm_product[f]]
            supply[world.firm_home[f], world.firm_product[f]] += offered[f]
    bg_offer = state.bg_capacity * willing
    supply += bg_offer

    # 4. Rationing: pro rata at each pool, then quotas cap the flows to their targets.
    fill = np.zeros((C, C, P))
    rationed = np.zeros((C, C, P))  # share of each order rationed at a short pool
    for e in range(C):
        for p in range(P):
            pool_fill = supply[e, p] / open_total[e, p] if open_total[e, p] > supply[e, p] else 1.0
            for i in range(C):
                fill[e, i, p] = policy.allow[e, i, p] * pool_fill
                rationed[e, i, p] = policy.allow[e, i, p] * (1.0 - pool_fill)
    for quota in policy.quotas:
        e = quota.exporter
        for p in range(P):
            shipped = sum(demand[e, i, p] * fill[e, i, p] for i in range(C) if quota.importers[i])
            if quota.products[p] and shipped > quota.cap[p]:
                for i in range(C):
                    if quota.importers[i]:
                        fill[e, i, p] *= quota.cap[p] / shipped
    contract = demand * fill

    # 4b. Spot market: rationed orders go to pools with supply to spare on fully open routes
    # (not restricted, not under a quota), in proportion to that spare supply.
    under_quota = np.zeros((C, C, P), dtype=bool)
    for quota in policy.quotas:
        for i in range(C):
            for p in range(P):
                if quota.importers[i] and quota.products[p]:
                    under_quota[quota.exporter, i, p] = True
    spare = np.zeros((C, P))
    for e in range(C):
        for p in range(P):
            spare[e, p] = max(supply[e, p] - sum(contract[e, i, p] for i in range(C)), 0.0)
    spot_orders = np.zeros((C, C, P))
    wanted = np.zeros((C, P))
    for i in range(C):
        for p in range(P):
            wanted[i, p] = sum(demand[e, i, p] * rationed[e, i, p] for e in range(C))
            weights = [spare[e, p] if policy.allow[e, i, p] >= 1.0 and not under_quota[e, i, p] else 0.0 for e in range(C)]
            total = sum(weights)
            for e in range(C):
                spot_orders[e, i, p] = wanted[i, p] * weights[e] / total if total > 0 else 0.0
    spot = np.zeros((C, C, P))
    for e in range(C):
        for p in range(P):
            ordered = sum(spot_orders[e, i, p] for i in range(C))
            spot_fill = spare[e, p] / ordered if ordered > spare[e, p] else 1.0
            for i in range(C):
                spot[e, i, p] = spot_orders[e, i, p] * spot_fill
    spot_rate = np.zeros((C, P))
    spot_duty = np.ones((C, P))
    for i in range(C):
        for p in range(P):
            got = sum(spot[e, i, p] for e in range(C))
            spot_rate[i, p] = got / wanted[i, p] if wanted[i, p] > 0 else 0.0
            if got > 0:
                spot_duty[i, p] = sum(spot[e, i, p] * (1.0 + policy.duty[e, i, p]) for e in range(C)) / got
    shipments = contract + spot

    # 5. Receipts and production.
    received_by_source = np.zeros((F, P, C))
    received = np.zeros((F, P))
    received_spot = np.zeros((F, P))
    for f in range(F):
        i = world.firm_home[f]
        for p in range(P):
            for e in range(C):
                received_by_source[f, p, e] = firm_orders[f, p, e] * fill[e, i, p]
                received[f, p] += received_by_source[f, p, e]
                received_spot[f, p] += firm_orders[f, p, e] * rationed[e, i, p] * spot_rate[i, p]
            received[f, p] += received_spot[f, p]
    available = state.inventory + received
    pool_sold = shipments.sum(axis=1)

    output = np.zeros(F)
    bg_sold = np.zeros((C, P))
    for e in range(C):
        for p in range(P):
            makers = [f for f in range(F) if not world.firm_final[f] and world.firm_home[f] == e and world.firm_product[f] == p]
            # Producers of the pool: its modelled firms, then one background producer.
            baseline = [world.base_output[f] for f in makers] + [world.bg_output0[e, p]]
            can_offer = [offered[f] for f in makers] + [bg_offer[e, p]]
            sales = _share_pool_sales(baseline, can_offer, pool_sold[e, p])
            for f, sold in zip(makers, sales[:-1], strict=True):
                output[f] = sold
            bg_sold[e, p] = sales[-1]
    for f in range(F):
        if world.firm_final[f]:
            limit = math.inf
            for p in range(P):
                if is_critical(f, p):
                    limit = min(limit, available[f, p] / world.recipe[f, p])
            output[f] = min(planned[f], limit)
    substituted = np.zeros((F, P))
    for f in range(F):
        for p in range(P):
            need = world.recipe[f, p] * output[f]
            used = need if is_critical(f, p) else min(need, available[f, p])
            substituted[f, p] = need - used
            state.inventory[f, p] = max(available[f, p] - used, 0.0)

    # 6. Sales, costs, profit.
    revenue = np.zeros(F)
    input_cost = np.zeros(F)
    profit = np.zeros(F)
    for f in range(F):
        h, q = world.firm_home[f], world.firm_product[f]
        if world.firm_final[f]:
            for m in range(C):
                split = _safe_div(world.sales0[f, m] * access[f, m], market_factor[f], 0.0)
                revenue[f] += output[f] * split * price[m, q]
        else:
            revenue[f] = output[f] * price[h, q]
        for p in range(P):
            for e in range(C):
                input_cost[f] += received_by_source[f, p, e] * (1.0 + policy.duty[e, h, p]) * price[h, p]
            input_cost[f] += received_spot[f, p] * spot_duty[h, p] * price[h, p]
            input_cost[f] += substituted[f, p] * price[h, p] * prm.substitution_premium
        profit[f] = revenue[f] - input_cost[f] - world.other_cost_per_unit[f] * output[f] - world.fixed_cost[f]

    # 9. GDP-loss proxy at today's prices (before they move).
    loss = np.zeros(C)
    for f in range(F):
        base_value_added = world.base_revenue[f] - world.base_input_cost[f]
        loss[world.firm_home[f]] += base_value_added - (revenue[f] - input_cost[f])
    for c in range(C):
        for p in range(P):
            loss[c] += world.bg_output0[c, p] * base_price[p] - bg_sold[c, p] * price[c, p]
    for e in range(C):
        for i in range(C):
            for p in range(P):
                got = bg_demand[e, i, p] * (fill[e, i, p] + rationed[e, i, p] * spot_rate[i, p])
                loss[i] += (world.bg_demand0[e, i, p] - got) * base_price[p] * world.downstream_multiplier[p]
                loss[i] += got * (price[i, p] * (1.0 + policy.duty[e, i, p]) - base_price[p])
                if e != i:  # export-licence rents stay with the exporter
                    loss[e] -= shipments[e, i, p] * (price[i, p] - price[e, p])
                loss[i] -= shipments[e, i, p] * policy.duty[e, i, p] * price[i, p]  # duty revenue

    # 7. Prices move towards clearing each local market of pool products.
    new_price = price.copy()
    for c in range(C):
        for p in range(P):
            if world.final[p]:
                continue
            received_here = sum(shipments[e, c, p] for e in range(C))
            demanded_here = sum(demand[e, c, p] for e in range(C))
            stuck_at_home = max(supply[c, p] - pool_sold[c, p] - world.base_spare[c, p], 0.0)
            balance = (received_here + stuck_at_home) / demanded_here if demanded_here > 0 else 1.0
            balance = min(max(balance, 1e-9), 1e9)
            log_price = math.log(price[c, p]) - world.price_speed[p] * math.log(balance) / world.elasticity[p]
            # Arbitrage towards the cheapest landed price of a foreign pool with supply left over.
            parity = math.inf
            for e in range(C):
                open_route = policy.allow[e, c, p] >= 1.0 and not under_quota[e, c, p]
                if e != c and open_route and supply[e, p] - pool_sold[e, p] > 1e-9 * supply[e, p]:
                    parity = min(parity, price[e, p] * (1.0 + policy.duty[e, c, p]))
            if parity < math.inf and log_price > math.log(parity):
                log_price -= world.price_speed[p] * (log_price - math.log(parity))
            low = math.log(base_price[p] * prm.min_price_multiple)
            high = math.log(base_price[p] * prm.max_price_multiple)
            new_price[c, p] = math.exp(min(max(log_price, low), high))
    state.price = new_price

    # 8. Adaptation: trust, supplier mixes (firms, then background buyers), capacity.
    for e in range(C):
        for i in range(C):
            for p in range(P):
                if demand[e, i, p] > 0:
                    rate = prm.trust_loss if fill[e, i, p] < state.trust[e, i, p] else prm.trust_recovery
                    state.trust[e, i, p] += rate * (fill[e, i, p] - state.trust[e, i, p])
    new_mix = state.mix.copy()
    for f in range(F):
        for p in range(P):
            new_mix[f, p] = _moved_mix(state.mix[f, p], world.mix0[f, p], world.firm_home[f], p, state, policy, prm)
    state.mix = new_mix
    new_bg_mix = state.bg_mix.copy()
    for i in range(C):
        for p in range(P):
            new_bg_mix[i, p] = _moved_mix(state.bg_mix[i, p], world.bg_mix0[i, p], i, p, state, policy, prm)
    state.bg_mix = new_bg_mix

    slots = state.pipeline.shape[0]
    today = state.day % slots
    arriving = state.pipeline[today].copy()
    state.pipeline[today] = 0.0
    for c in range(C):
        for p in range(P):
            unmet = sum(demand[c, i, p] * rationed[c, i, p] * (1.0 - spot_rate[i, p]) for i in range(C))
            in_pipeline = state.pipeline[:, c, p].sum()
            headroom = max(world.bg_max_capacity[c, p] - state.bg_capacity[c, p] - arriving[c, p] - in_pipeline, 0.0)
            new_order = min(world.expansion_response[c, p] * max(unmet - in_pipeline, 0.0), headroom)
            arrival = (state.day + max(int(world.ramp_up_days[p]), 1)) % slots
            state.pipeline[arrival, c, p] += new_order
    state.bg_capacity = state.bg_capacity + arriving

    state.last_output = output
    state.day += 1
    return DayResult(
        shipments=shipments,
        demand=demand,
        fill=fill,
        output=output,
        revenue=revenue,
        input_cost=input_cost,
        profit=profit,
        received=received,
        gdp_loss=loss,
        pool_sold=pool_sold,
        spot=spot,
    )


def _moved_mix(mix: np.ndarray, mix0: np.ndarray, i: int, p: int, state: State, policy: Policy, prm) -> list[float]:  # type: ignore[no-untyped-def]
    """One buyer's supplier shares for (importer ``i``, product ``p``) after a day: a step of
    1/switching_days towards trusted, duty-free suppliers, and a pull back to the incumbent mix."""
    C = len(mix)
    weights = [mix[e] * state.trust[e, i, p] / (1.0 + policy.duty[e, i, p]) for e in range(C)]
    total = sum(weights)
    moved = []
    for e in range(C):
        target = weights[e] / total if total > 0 else mix[e]
        moved.append(mix[e] + (target - mix[e]) / prm.switching_days + prm.incumbent_pull * (mix0[e] - mix[e]))
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
