"""Replications of one world stacked into one economy, stepped together (lockstep).

The economy's daily step is bound by the fixed cost of its numpy calls, not by arithmetic: its
arrays hold a few to a few hundred values. R replications of one scenario share a world and
differ only in their state and their policies (a sweep's points may differ in the world's arrays
too, with the same countries, products, firms and economy parameters), so they can be stepped as
one economy in which each replication is a *copy* of its world: copy b's products are the products ``b * P .. b * P +
P - 1`` of the stacked world and its firms ``b * F .. b * F + F - 1``. No recipe, supplier mix or
market links two copies, so goods never cross from one to another, and every stage of
:func:`sim.economy.step` works on each copy's cells as it works on a world of its own: the
stages are elementwise over products and firms, or reduce over countries, sources or a firm's own
inputs. The country-level sums over products and firms (the GDP-loss proxy, stage 9) are taken
per copy (``World.copies``).

One call on R stacked copies costs a few times one call on one world (the call overheads are
shared), so each replication's economy costs a fraction of a serial step. Results equal the
serial ones to rounding: sums over a firm's inputs now run over rows holding the other copies'
zeros, which may group the same terms differently (tests/test_lockstep.py holds them to 1e-9).

This module knows the economy only: stacking a world, a day's policies and the state, and reading
one copy's view of the state and of a day's result back. The model driver is :mod:`sim.lockstep`.
"""

from __future__ import annotations

import numpy as np

from sim.economy import PROJECT_COLUMNS, DayResult, Policy, Quota, State, World

_PJ = {name: k for k, name in enumerate(PROJECT_COLUMNS)}

# How each of World's constructor arrays is laid out, so that stacking knows which axes are the
# products' and the firms' (the other axes are countries, shared by the copies).
_BY_PRODUCT = (  # (P,)
    "final", "base_price", "elasticity", "downstream_multiplier", "ramp_up_days", "product_price_adjustment",
    "value_added_ratio", "long_run_elasticity", "max_thrift", "backstop_multiple", "substitution_days",
    "thrift_days", "leakage_share",
)
_BY_CELL = (  # (..., P): countries first, products last
    "flow0", "bg_demand0", "bg_output0", "bg_capacity0", "bg_max_capacity", "expansion_response",
    "bought_in_domestic_share", "new_capacity", "invest_trigger", "capex", "stockpile0", "stockpile_release",
    "release_on_measure", "stockpile_refill",
)
_BY_FIRM = ("firm_home", "firm_final", "base_output", "capacity", "sales0", "margin", "fixed_cost_share", "influence", "plant_share")
_FIRM_BY_PRODUCT = ("recipe", "critical", "target_days", "mix0")  # (F, P, ...): block-diagonal


def stack_world(world: World, copies: int) -> World:
    """A world holding ``copies`` independent copies of ``world`` (see the module docstring)."""
    if copies < 1:
        raise ValueError(f"expected at least one copy, got {copies}")
    return stack_worlds([world] * copies)


# Memory allowed for a stacked world's firm x product arrays (supplier mixes, stocks, recipes):
# they hold (copies x F) x (copies x P) cells, mostly the zeros between copies.
STACK_BUDGET_BYTES = 64 * 2**20


def max_copies(world: World, budget_bytes: int = STACK_BUDGET_BYTES) -> int:
    """The most copies of ``world`` stacked together whose firm x product arrays fit the budget:
    about (C + 8) arrays of (copies F) x (copies P) floats (the supplier mixes count C each, the
    recipes, stocks, costs and their derived forms one each). At least 1. rare_earth_curb's world
    (5 countries, 12 products, 15 firms) allows 59; a world of 10,000 firms, 1."""
    per_copy_squared = world.n_firms * world.n_products * (world.n_countries + 8) * 8
    return max(1, int(np.sqrt(budget_bytes / max(per_copy_squared, 1))))


def stacking_key(world: World) -> tuple:
    """Worlds with equal keys can be stacked: the same countries, products, tiers and firms, and
    the same economy parameters (the daily step reads those as scalars). Their arrays may differ
    (a sweep point's stockpiles, elasticities, capacities): each copy keeps its own."""
    return (tuple(world.countries), tuple(world.products), tuple(world.tiers), tuple(world.firm_names), world.params)


def stack_worlds(worlds: list[World]) -> World:
    """One world holding each of ``worlds`` as an independent copy, in order (see the module
    docstring). One world is returned as it is: a batch of one is the serial run, bit for bit."""
    if not worlds:
        raise ValueError("expected at least one world to stack")
    first = worlds[0]
    if len(worlds) == 1:
        return first
    key = stacking_key(first)
    if any(stacking_key(w) != key for w in worlds[1:]):
        raise ValueError("worlds stacked together need the same countries, products, firms and economy parameters")
    copies = len(worlds)
    n_p, n_f = first.n_products, first.n_firms
    arrays: dict[str, object] = {}
    for name in _BY_PRODUCT:
        arrays[name] = np.concatenate([_filled(w, name) for w in worlds])
    for name in _BY_CELL:
        arrays[name] = np.concatenate([getattr(w, name) for w in worlds], axis=-1)
    for name in _BY_FIRM:
        arrays[name] = np.concatenate([getattr(w, name) for w in worlds], axis=0)
    for name in _FIRM_BY_PRODUCT:
        x = getattr(first, name)
        out = np.zeros((copies * n_f, copies * n_p) + x.shape[2:], dtype=x.dtype)
        for b, w in enumerate(worlds):
            out[b * n_f:(b + 1) * n_f, b * n_p:(b + 1) * n_p] = getattr(w, name)
        arrays[name] = out
    # Background producers' inputs: (product, input) days of cover, NaN where none is used.
    bg_days = np.full((copies * n_p, copies * n_p), np.nan)
    for b, w in enumerate(worlds):
        bg_days[b * n_p:(b + 1) * n_p, b * n_p:(b + 1) * n_p] = w.bg_input_days
    arrays["bg_input_days"] = bg_days
    arrays["firm_product"] = np.concatenate([w.firm_product + b * n_p for b, w in enumerate(worlds)])
    return World(
        countries=list(first.countries),
        products=[f"{p}#{b}" for b in range(copies) for p in first.products],
        tiers=list(first.tiers) * copies,
        gdp_daily=first.gdp_daily,
        firm_names=[f"{f}#{b}" for b in range(copies) for f in first.firm_names],
        params=first.params,
        copies=copies,
        **arrays,  # type: ignore[arg-type]
    )


def _filled(world: World, name: str) -> np.ndarray:
    """A per-product array of ``world`` as the step uses it: an optional one left unset takes the
    value the world derived for it (the price speed from the economy's price adjustment)."""
    value = getattr(world, name)
    if value is None and name == "product_price_adjustment":
        return world.price_speed
    return np.asarray(value)


def stack_policies(stacked: World, policies: list[Policy]) -> Policy:
    """One policy for the stacked world from each copy's policy (of the unstacked world), in copy
    order. A copy without leakage, restrictions, target covers or licences by buyer gets the
    neutral value of each (no leakage, nothing restricted, the usual cover, its routes' shares)."""
    if len(policies) == 1:
        return policies[0]
    n_f = stacked.n_firms // stacked.copies
    allow = np.concatenate([p.allow for p in policies], axis=-1)
    duty = np.concatenate([p.duty for p in policies], axis=-1)
    brand = np.concatenate([p.brand_access for p in policies], axis=-1)
    out = Policy(allow, duty, brand, [])
    n_p = policies[0].allow.shape[-1]
    for b, p in enumerate(policies):
        for q in p.quotas:
            products = np.zeros(stacked.n_products, dtype=bool)
            products[b * n_p:(b + 1) * n_p] = q.products
            cap = np.full(stacked.n_products, np.inf)
            cap[b * n_p:(b + 1) * n_p] = q.cap
            out.quotas.append(Quota(q.exporter, q.importers, products, cap))
    if any(p.target_cover is not None for p in policies):
        out.target_cover = np.concatenate([np.ones(n_f) if p.target_cover is None else p.target_cover for p in policies])
    if any(p.leak is not None for p in policies):
        out.leak = np.concatenate([np.zeros(p.allow.shape) if p.leak is None else p.leak for p in policies], axis=-1)
    if any(p.restricted is not None for p in policies):
        out.restricted = np.concatenate(
            [np.zeros(p.allow.shape[1:], dtype=bool) if p.restricted is None else p.restricted for p in policies], axis=-1
        )
    if any(p.pair_allow is not None for p in policies):
        own_rows = allow.take(stacked.pair_demand_bin).reshape(-1, stacked.n_countries)  # every buyer at its route's share
        rows = [own_rows[_copy_rows(stacked.pair_firm, b * n_f, n_f)] if p.pair_allow is None else p.pair_allow
                for b, p in enumerate(policies)]
        out.pair_allow = np.concatenate(rows, axis=0)
    return out


def _copy_rows(owner: np.ndarray, start: int, size: int) -> slice:
    """The rows of a copy in a list sorted by its owner (the (firm, input) pairs by firm, the
    background producers' inputs by product): those owned by ``start .. start + size - 1``.
    Copies of different worlds may hold different numbers of them."""
    return slice(int(np.searchsorted(owner, start)), int(np.searchsorted(owner, start + size)))


# How each State array is laid out: which axes hold products, firms or background inputs.
_STATE_LAYOUT = {
    "inventory": "firm,product",
    "mix": "firm,product",
    "trust": "cell",
    "price": "cell",
    "bg_capacity": "cell",
    "pipeline": "cell",
    "last_output": "firm",
    "bg_mix": "importer,product",
    "stockpile": "cell",
    "intensity": "cell",
    "leak_ramp": "cell",
    "qualifying": "cell",
    "built": "cell",
    "price_signal": "cell",
    "price_invested": "cell",
    "bg_input_stock": "bg_input",
}


class CopyState:
    """One copy's view of the stacked economy's state, with the attributes of :class:`State`.

    Reads return views into the stacked arrays as they are now (the step replaces arrays, so
    nothing is held between reads), and in-place writes through them (a firm moving its
    supplier mix, an investment joining the capacity pipeline) change the stacked state.
    ``projects`` reads the copy's investment projects in its own indices; assigning it (as
    :func:`sim.economy.order_investment` does, with the new rows appended) adds the new rows
    to the stacked state's projects."""

    def __init__(self, stacked: World, state: State, copy: int) -> None:
        object.__setattr__(self, "_state", state)
        n_p, n_f = stacked.n_products // stacked.copies, stacked.n_firms // stacked.copies
        object.__setattr__(self, "_products", slice(copy * n_p, (copy + 1) * n_p))
        object.__setattr__(self, "_firms", slice(copy * n_f, (copy + 1) * n_f))
        object.__setattr__(self, "_bg_inputs", _copy_rows(stacked.bg_in_product, copy * n_p, n_p))
        object.__setattr__(self, "_offsets", (copy * n_p, copy * n_f))

    @property
    def day(self) -> int:
        return self._state.day

    @property
    def projects(self) -> np.ndarray:
        rows = self._state.projects
        p0, f0 = self._offsets
        mine = rows[(rows[:, _PJ["product"]] >= p0) & (rows[:, _PJ["product"]] < p0 + self._products.stop - self._products.start)]
        mine = mine.copy()
        mine[:, _PJ["product"]] -= p0
        mine[:, _PJ["payer_firm"]] = np.where(mine[:, _PJ["payer_firm"]] >= 0, mine[:, _PJ["payer_firm"]] - f0, -1)
        return mine

    def __getattr__(self, name: str) -> np.ndarray | None:
        layout = _STATE_LAYOUT.get(name)
        if layout is None:
            raise AttributeError(name)
        x = getattr(self._state, name)
        if x is None:
            return None
        p, f = self._products, self._firms
        if layout == "cell":
            return x[..., p]
        if layout == "firm":
            return x[f]
        if layout == "firm,product":
            return x[f, p]
        if layout == "importer,product":
            return x[:, p]
        return x[:, self._bg_inputs]  # bg_input

    def __setattr__(self, name: str, value: object) -> None:
        if name != "projects":
            raise AttributeError(f"a copy's state is a view: set {name!r} on the stacked state")
        mine = self.projects
        new = np.array(value, dtype=float)[len(mine):].copy()
        p0, f0 = self._offsets
        new[:, _PJ["product"]] += p0
        new[:, _PJ["payer_firm"]] = np.where(new[:, _PJ["payer_firm"]] >= 0, new[:, _PJ["payer_firm"]] + f0, -1)
        self._state.projects = np.vstack([self._state.projects, new])


def copy_result(stacked: World, result: DayResult, copy: int) -> DayResult:
    """Copy ``copy``'s part of a stacked day's result, as views."""
    n_p, n_f = stacked.n_products // stacked.copies, stacked.n_firms // stacked.copies
    p, f = slice(copy * n_p, (copy + 1) * n_p), slice(copy * n_f, (copy + 1) * n_f)

    def cells(x: np.ndarray | None) -> np.ndarray | None:
        return None if x is None else x[..., p]

    return DayResult(
        shipments=result.shipments[..., p],
        demand=result.demand[..., p],
        fill=result.fill[..., p],
        output=result.output[f],
        revenue=result.revenue[f],
        input_cost=result.input_cost[f],
        profit=result.profit[f],
        received=result.received[f, p],
        gdp_loss=result.gdp_loss if stacked.copies == 1 else result.gdp_loss[copy],
        pool_sold=result.pool_sold[:, p],
        spot=cells(result.spot),
        stockpile_release=cells(result.stockpile_release),
        stockpile_refill=cells(result.stockpile_refill),
        leaked=cells(result.leaked),
    )


__all__ = ["CopyState", "copy_result", "stack_policies", "stack_world"]
