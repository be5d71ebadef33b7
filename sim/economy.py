"""The trade-and-production economy: numpy arrays and the daily step.

Knows nothing of Mesa, files or policy rules: it takes a :class:`World` (static structure), keeps
a :class:`State`, and advances one day under a :class:`Policy` (the trade measures in force, already
turned into arrays by :func:`policy_from_measures`).

Indices: ``c``/``e``/``i`` countries (exporter ``e``, importer ``i``), ``p`` products, ``f`` firms.
Quantities are product units per day; money is USD per day.

The daily step (:func:`step`), one function per stage (DESIGN.md "Firms", "Markets and prices"):

1. *Capacity* (``_capacity``): each firm can make ``min(capacity, critical inventory / recipe)`` from its stock
   at the start of the day; background producers of a product with a recipe (``World.bg_input_days``)
   likewise, up to the days of each critical input they have on hand.
2. *Orders* (``_orders``): final-goods firms plan output for the markets still open to them; pool firms plan on
   yesterday's sales. Orders = recipe x plan + inventory gap / ``replenish_days`` (restocking
   slowed in proportion to a price above baseline; the gap widened by precautionary buying,
   ``Policy.target_cover``), split across
   supplier countries by each firm's supplier mix. Background buyers' demand responds to price.
3. *Measures and supply* (``_supply``): bans, licensing (see :func:`licensed_share`) and import bans scale what may ship (``allow``); duties
   raise costs. Licensing that approves by buyer passes a named firm's orders at its own share
   (``Policy.pair_allow``, :class:`_BuyerShares`). A country's pool of a product = its firms' offers + background producers'
   capacity, scaled down when the price obtainable in the markets still open is below baseline.
4. *Rationing* (``_ration``): a pool short of supply fills allowed orders within contracts first
   (a buyer's baseline volume from that supplier), pro rata, then orders beyond them
   (restocking, panic buying) from what is left; quotas then cap flows.
   *Leakage* (``_leakage``): a share of the orders export bans, licensing and quotas turn away
   reaches the target through third countries, after a delay and at a cost (see the stage).
   *Spot market* (``_spot_market``): orders a short pool could not fill are offered, the same day, to the pools that
   still have supply to spare and are fully open to the buyer (not restricted, not under a quota),
   in proportion to their spare supply; each pool fills its spot orders pro rata. Every buyer gets
   the same share of its rationed orders (its importer's spot rate), so a glut in one country (e.g.
   behind a ban just lifted) reaches the short ones at once rather than through slow switching.
   *National stockpiles* (``_release_stockpiles``): by rule, a state releases its stockpile (held
   apart from firms' working stocks) to cover its buyers' contracted orders left unserved, up to a
   daily rate (when they are short, or only while a foreign measure restricts the product); after
   the episode it buys the stockpile back up from supply to spare, paying the market price.
5. *Receipts, production* (``_receive_and_produce``): firms receive their share, produce up to the binding critical input
   (Leontief); a missing non-critical input is substituted at ``substitution_premium``.
   *Background producers' inputs* (``_background_inputs``): their stocks of critical inputs are
   drawn down by what they made and refilled at the share of its orders their country's
   background buyers of the input received (a magnet maker outside the model needs rare earths
   as much as one in it).
6. *Sales and profit* (``_accounts``): pool firms sell their share of pool shipments, each unit
   paid at its destination's price (duties are paid by the importer on top), so exporters earn
   the rents of a shortage abroad; final-goods firms sell into open markets. Profit is booked
   against the baseline.
7. *Prices* (``_prices``): per country and pool product, a multiplicative price adjustment towards clearing the
   local market (received + supply stuck at home vs the orders that can be served), with the
   demand elasticity (the product's, plus the backstop's above the backstop price). Before it,
   *buyers' response* (``_respond_to_price``): intensity of use moves towards its long-run
   response to price (thrifting, backstop substitution) over ``thrift_days``.
   Export restrictions thus open a wedge: supply stuck inside the restricting country lowers the
   price there while shortage raises it outside. Arbitrage closes the wedge where trade is free:
   a price above the landed price (price x (1 + duty)) of a foreign pool that has supply left over
   on a fully open route is pulled towards it at the same speed (so a price that rose behind a
   ban comes down once the ban is lifted, even when the local market already clears).
8. *Adaptation* (``_adapt_suppliers``, ``_grow_capacity``): firms' trust in each supplier falls quickly to its fill rate and recovers slowly;
   supplier mixes move towards trusted suppliers over ``switching_days`` (the ramp-up delay), and
   back towards the incumbent mix by ``incumbent_pull`` only while it is cheaper by more than the
   ``switching_cost`` and its routes are open (diversification lasts). Background producers order new
   capacity against unmet demand, which arrives after the product's ``ramp_up_days``, up to a cap.
   *Investment* (``_invest``, at the end of ``_grow_capacity``): capacity where little or none existed,
   ordered by price-driven investors (a sustained local price signal) or by a government's or firm's
   move (:func:`order_investment`): it produces after its lead time, is paid for while built (the
   payer's GDP-loss proxy and profit), and may come with an offtake contract for the payer's buyers.
9. *GDP-loss proxy* (``_gdp_loss``, computed before prices move) per country: lost domestic value
   added of firms (split by where their plants are; revenue less modelled and bought-in inputs,
   so value added is the product's national-accounts share of output) and of background
   producers (sales at destination prices, so export rents included), the domestic value added
   in the bought-in inputs of output lost or gained (``bought_in_domestic_share``: the plant
   country's parts and materials makers), buyers' lost inputs and higher prices, less duty revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

try:  # np.einsum without its Python wrapper (the very call np.einsum makes when optimize=False)
    from numpy._core.multiarray import c_einsum as _einsum
except ImportError:  # numpy < 2
    _einsum = np.einsum

EXPORT_BAN, EXPORT_LICENSING, EXPORT_QUOTA, TARIFF, IMPORT_BAN, BOYCOTT = (
    "export_ban",
    "export_licensing",
    "export_quota",
    "tariff",
    "import_ban",
    "boycott",
)
EXPORT_MEASURES = (EXPORT_BAN, EXPORT_LICENSING, EXPORT_QUOTA)


@dataclass(frozen=True)
class EconomyParams:
    price_adjustment: float = 0.15
    max_price_multiple: float = 1000.0
    min_price_multiple: float = 0.2
    replenish_days: float = 20.0
    trust_loss: float = 0.2
    trust_recovery: float = 0.005
    switching_days: float = 120.0
    incumbent_pull: float = 0.002
    substitution_premium: float = 1.5
    switching_cost: float = 0.1
    supply_elasticity: float = 1.0
    thrift_days: float = 365.0
    backstop_steepness: float = 2.0
    leakage_days: float = 60.0
    leakage_premium: float = 0.3
    investment_signal_days: float = 90.0


@dataclass
class World:
    """Static structure of the economy (built once from a scenario).

    Treat the arrays as read-only once built: ``__post_init__`` derives baseline quantities and
    index arrays from them, and :func:`step` caches policy-derived arrays on the world."""

    countries: list[str]
    products: list[str]
    tiers: list[str]  # per product
    final: np.ndarray  # (P,) bool: sold by firms to markets, not through pools
    base_price: np.ndarray  # (P,) USD per unit
    elasticity: np.ndarray  # (P,)
    downstream_multiplier: np.ndarray  # (P,)
    ramp_up_days: np.ndarray  # (P,) int
    gdp_daily: np.ndarray  # (C,) USD per day
    flow0: np.ndarray  # (E, I, P) baseline flows, units per day
    bg_demand0: np.ndarray  # (E, I, P) baseline purchases of unmodelled buyers
    bg_output0: np.ndarray  # (C, P) baseline output of unmodelled producers
    bg_capacity0: np.ndarray  # (C, P)
    bg_max_capacity: np.ndarray  # (C, P) cap on capacity growth (>= bg_capacity0)
    expansion_response: np.ndarray  # (C, P) share of the capacity gap ordered per day
    firm_names: list[str]
    firm_home: np.ndarray  # (F,) int
    firm_product: np.ndarray  # (F,) int
    firm_final: np.ndarray  # (F,) bool
    base_output: np.ndarray  # (F,) units per day
    capacity: np.ndarray  # (F,) units per day
    recipe: np.ndarray  # (F, P) input units per output unit
    critical: np.ndarray  # (F, P) bool (only where recipe > 0)
    target_days: np.ndarray  # (F, P) days of cover
    mix0: np.ndarray  # (F, P, C) supplier shares (rows with recipe > 0 sum to 1)
    sales0: np.ndarray  # (F, C) final-goods market shares (zeros for pool firms)
    margin: np.ndarray  # (F,)
    fixed_cost_share: np.ndarray  # (F,)
    influence: np.ndarray  # (F,)
    params: EconomyParams = field(default_factory=EconomyParams)
    # Per-product price adjustment speed (default: params.price_adjustment for every product).
    product_price_adjustment: np.ndarray | None = None
    # Value added as a share of output per product (national accounts), NaN where unknown: then a
    # firm's value added is its revenue less its modelled inputs, and background producers' is
    # their sales. Where known, the rest of the intermediate inputs (parts, materials, services
    # not modelled) is bought in at a fixed cost per unit.
    value_added_ratio: np.ndarray | None = None  # (P,)
    # Share of those bought-in inputs that is value added in the producing plant's own country
    # (its domestic parts makers, steel, services and their suppliers, by input-output tables):
    # a unit not made there loses it too, a unit more earns it. The rest is imported or unknown
    # and counted nowhere. Only the unmodelled (bought-in) inputs: modelled products' value added
    # is already in their makers' accounts. Default 0 (the producer's own value added only).
    bought_in_domestic_share: np.ndarray | None = None  # (C, P)
    # Price-driven investors (stage 8c): capacity, units per day, that background investors in a
    # country build where little or none existed, once the local price has stayed at or above
    # ``invest_trigger`` x baseline (an exponential average over ``investment_signal_days``), at
    # ``capex`` USD per unit/day of capacity, paid by that country over the product's ramp-up.
    new_capacity: np.ndarray | None = None  # (C, P) units per day (0: none)
    invest_trigger: np.ndarray | None = None  # (C, P) price multiple
    capex: np.ndarray | None = None  # (C, P) USD per unit/day of capacity
    # Where firms produce: share of each firm's output (and value added) made in each country
    # (default: all at home). Only value added is split; firms still buy and sell from home.
    plant_share: np.ndarray | None = None  # (F, C)
    # National stockpiles (held by the state, not by firms as working inventory): units held at
    # the start and the most released per day (a release rule: released only to cover what the
    # country's buyers ordered and could not get, at contract or spot). Default: none.
    stockpile0: np.ndarray | None = None  # (C, P) units
    stockpile_release: np.ndarray | None = None  # (C, P) units per day at most
    # Release trigger: True = only while a foreign export measure restricts the product to the
    # country (Policy.restricted), False = whenever its buyers are short. Default: all False.
    release_on_measure: np.ndarray | None = None  # (C, P) bool
    # Refill after the episode: units per day the state buys back towards stockpile0, from supply
    # to spare on open routes, while nothing is released and no measure restricts it. Default 0.
    stockpile_refill: np.ndarray | None = None  # (C, P) units per day at most
    # Buyers' response to price over time (stage 7b): intensity of use moves towards
    # max(1 - max_thrift, min(1, relative price ** -long_run_elasticity)) x the backstop factor
    # min(1, (backstop_multiple / relative price) ** backstop_steepness), over params.thrift_days.
    # Defaults: no thrifting, no backstop (intensity stays 1).
    long_run_elasticity: np.ndarray | None = None  # (P,)
    max_thrift: np.ndarray | None = None  # (P,) share of baseline intensity thrifting can shed
    backstop_multiple: np.ndarray | None = None  # (P,) price multiple of a substitute technology (inf: none)
    # (P,) days with the price above the backstop before buyers have qualified the substitute,
    # then the days over which they may switch to it (0: at once; see _use_target).
    substitution_days: np.ndarray | None = None
    # (P,) days over which buyers' intensity of use moves to its long-run response (stage 7b), by
    # product: rare-earth users shed use at their own cited pace, not at that of photoresist users.
    # Default: params.thrift_days for every product.
    thrift_days: np.ndarray | None = None
    # Share of orders blocked by export bans / licensing that reach the target through third
    # countries once the route is organised (stage 4a); default none.
    leakage_share: np.ndarray | None = None  # (P,)
    # Background producers' critical inputs (stage 1 and stage 5b): days of cover they hold, by
    # (product, input), NaN where the product's technology does not use the input. Default: the
    # modelled firms' recipes (a product's background producers need what the modelled firms
    # making it treat as critical, with their output-weighted days of cover); none for products
    # no modelled firm makes. A magnet maker outside the model needs rare earths as much as one in it.
    bg_input_days: np.ndarray | None = None  # (P, P)
    # Replications stacked as independent copies of one world (sim.stacking): copy b's products
    # are b * P' .. (b + 1) * P' - 1 and its firms likewise. Only the country totals of the
    # GDP-loss proxy (stage 9) need to know: they are summed per copy. 1: a plain world.
    copies: int = 1

    # Derived baseline quantities (filled by __post_init__).
    base_use: np.ndarray = field(init=False)  # (F, P) input units per day at baseline
    base_revenue: np.ndarray = field(init=False)  # (F,)
    base_input_cost: np.ndarray = field(init=False)  # (F,)
    base_profit: np.ndarray = field(init=False)  # (F,)
    fixed_cost: np.ndarray = field(init=False)  # (F,) USD per day
    other_cost_per_unit: np.ndarray = field(init=False)  # (F,)
    home_onehot: np.ndarray = field(init=False)  # (F, C)
    pool_firm_baseline: np.ndarray = field(init=False)  # (C, P) modelled pool firms' baseline output
    base_spare: np.ndarray = field(init=False)  # (C, P) a pool's idle capacity at baseline
    bg_total0: np.ndarray = field(init=False)  # (I, P) background buyers' baseline purchases
    # 1/recipe on critical inputs (0 elsewhere) and +inf on the others, so "units makeable from
    # each critical input" is one multiply-add and a min over a firm's row (the dense form; the
    # step itself uses crit_per_input on the critical pairs below).
    critical_per_input: np.ndarray = field(init=False)  # (F, P)
    not_critical_inf: np.ndarray = field(init=False)  # (F, P)
    # The (firm, input) pairs that use or buy anything (most of the F x P grid does neither, and
    # stays zero): orders, receipts, stocks, costs and supplier mixes are worked on these K pairs
    # only, as (K,) vectors and (K, E) supplier rows, sorted by firm then input.
    pair_firm: np.ndarray = field(init=False)  # (K,)
    pair_product: np.ndarray = field(init=False)  # (K,)
    pair_home: np.ndarray = field(init=False)  # (K,)
    pair_row: np.ndarray = field(init=False)  # (K,) flat index into (F, P); row of the pair in a (F * P, E) view
    pair_cell: np.ndarray = field(init=False)  # (K,) flat index of (home, input) into (C, P)
    pair_mix0: np.ndarray = field(init=False)  # (K, E)
    pair_recipe: np.ndarray = field(init=False)  # (K,)
    pair_critical: np.ndarray = field(init=False)  # (K,) bool
    pair_stock_target: np.ndarray = field(init=False)  # (K,) target_days x base_use
    pair_base_use: np.ndarray = field(init=False)  # (K,) baseline use: the volume the firm has contracted
    pair_demand_bin: np.ndarray = field(init=False)  # (K * E,) flat index into (E, I, P) of each (pair, source)
    # Critical pairs, for "the binding critical input" as one minimum.at over them.
    crit_pair: np.ndarray = field(init=False)  # (Kc,) positions in the pair list
    crit_per_input: np.ndarray = field(init=False)  # (Kc,) 1 / recipe
    crit_firm: np.ndarray = field(init=False)  # (Kc,) the pair's firm
    crit_cell: np.ndarray = field(init=False)  # (Kc,) flat (home, input) index of the pair
    thrift_floor: np.ndarray = field(init=False)  # (P,) lowest intensity thrifting alone reaches
    any_response: bool = field(init=False)  # some product's buyers thrift or have a backstop
    # Firms split by how they sell: final-goods firms into markets, the others through pools.
    final_firms: np.ndarray = field(init=False)  # (F_final,)
    pool_firms: np.ndarray = field(init=False)  # (F_pool,)
    firm_pool: np.ndarray = field(init=False)  # (F,) flat index of (home, product) into (C, P)
    final_price_index: np.ndarray = field(init=False)  # (F_final, M) flat index of (market, product) into (C, P)
    # A pool's producers (its modelled firms, then one background producer per pool) and the
    # share of the pool's sales each gets in the first, baseline-proportional round.
    producers_pool: np.ndarray = field(init=False)
    producers_base_share: np.ndarray = field(init=False)
    base_value_added: np.ndarray = field(init=False)  # (F,)
    bought_in_per_unit: np.ndarray = field(init=False)  # (F,) unmodelled intermediate inputs per unit
    bg_base_value: np.ndarray = field(init=False)  # (C, P) background producers' baseline sales
    bg_bought_in: np.ndarray = field(init=False)  # (P,) their intermediate inputs per unit (USD)
    bg_base_value_added: np.ndarray = field(init=False)  # (C, P)
    upstream_per_unit: np.ndarray = field(init=False)  # (F, C) domestic value added in bought-in inputs
    bg_upstream_per_unit: np.ndarray = field(init=False)  # (C, P) the same for background producers
    has_stockpiles: bool = field(init=False)  # any stockpile that may be released
    has_refill: bool = field(init=False)  # any of them refilled after the episode
    cross_border: np.ndarray = field(init=False)  # (E, I, 1) 1 off the diagonal
    pool_cell: np.ndarray = field(init=False)  # (C, P) flat index c * P + p
    bg_mix0: np.ndarray = field(init=False)  # (I, P, E) their baseline supplier shares
    price_speed: np.ndarray = field(init=False)  # (P,) share of the gap to clearing closed per day
    # Supplier switching (stage 8a) works on one (N, E) block of buyers' supplier rows: the K
    # firm pairs, then the I x P background buyers (cell order). Their rows of any (E, I, P)
    # array are one flat take at switch_bins.
    switch_bins: np.ndarray = field(init=False)  # (N * E,)
    switch_mix0: np.ndarray = field(init=False)  # (N, E) incumbent (baseline) mixes
    # The last policy's derived arrays, reused while the policy's arrays are unchanged.
    _policy_cache: tuple | None = field(init=False, default=None, repr=False, compare=False)
    # Constants of the daily step derived from the arrays above (see _StepConstants), worked out
    # on the first step rather than every day.
    _step_constants: _StepConstants | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        n_c, n_p = len(self.countries), len(self.products)
        self.base_use = self.recipe * self.base_output[:, None]
        self.base_revenue = self.base_output * self.base_price[self.firm_product]
        self.base_input_cost = (self.base_use * self.base_price[None, :]).sum(axis=1)
        self.base_profit = self.margin * self.base_revenue
        other = np.maximum(self.base_revenue - self.base_profit - self.base_input_cost, 0.0)
        self.fixed_cost = self.fixed_cost_share * other
        with np.errstate(divide="ignore", invalid="ignore"):
            self.other_cost_per_unit = np.where(
                self.base_output > 0, (1 - self.fixed_cost_share) * other / self.base_output, 0.0
            )
        self.home_onehot = np.zeros((self.n_firms, n_c))
        self.home_onehot[np.arange(self.n_firms), self.firm_home] = 1.0
        pool = ~self.firm_final
        self.pool_firm_baseline = np.bincount(
            self.firm_home[pool] * n_p + self.firm_product[pool],
            weights=self.base_output[pool],
            minlength=n_c * n_p,
        ).reshape(n_c, n_p)
        firm_capacity_pool = np.bincount(
            self.firm_home[pool] * n_p + self.firm_product[pool],
            weights=self.capacity[pool],
            minlength=n_c * n_p,
        ).reshape(n_c, n_p)
        self.base_spare = (firm_capacity_pool - self.pool_firm_baseline) + (self.bg_capacity0 - self.bg_output0)
        self.bg_total0 = self.bg_demand0.sum(axis=0)
        critical = self.critical & (self.recipe > 0)
        with np.errstate(divide="ignore"):
            self.critical_per_input = np.where(critical, 1.0 / np.where(critical, self.recipe, 1.0), 0.0)
        self.not_critical_inf = np.where(critical, 0.0, np.inf)

        # Pairs: every cell with a recipe or a supplier mix. Off these cells orders, receipts,
        # use and substitution are all zero, so nothing is lost by skipping them.
        self.pair_firm, self.pair_product = np.nonzero((self.recipe > 0) | (self.mix0.sum(axis=2) > 0))
        self.pair_home = self.firm_home[self.pair_firm]
        self.pair_row = self.pair_firm * n_p + self.pair_product
        self.pair_cell = self.pair_home * n_p + self.pair_product
        self.pair_mix0 = self.mix0[self.pair_firm, self.pair_product]
        self.pair_recipe = self.recipe[self.pair_firm, self.pair_product]
        self.pair_critical = critical[self.pair_firm, self.pair_product]
        self.pair_stock_target = (self.target_days * self.base_use)[self.pair_firm, self.pair_product]
        self.pair_base_use = self.base_use[self.pair_firm, self.pair_product]
        # Bin of pair k's orders from source e in a flat (E, I, P) array: e * C * P + cell.
        self.pair_demand_bin = (self.pair_cell[:, None] + n_c * n_p * np.arange(n_c)[None, :]).ravel()
        self.crit_pair = np.flatnonzero(self.pair_critical)
        self.crit_per_input = self.critical_per_input.ravel()[self.pair_row[self.crit_pair]]
        self.crit_firm = self.pair_firm[self.crit_pair]
        self.crit_cell = self.pair_cell[self.crit_pair]
        zeros = np.zeros(n_p)
        self.long_run_elasticity = zeros if self.long_run_elasticity is None else np.asarray(self.long_run_elasticity, float)
        self.max_thrift = zeros if self.max_thrift is None else np.asarray(self.max_thrift, float)
        self.backstop_multiple = (
            np.full(n_p, np.inf) if self.backstop_multiple is None else np.asarray(self.backstop_multiple, float)
        )
        self.leakage_share = zeros if self.leakage_share is None else np.asarray(self.leakage_share, float)
        self.substitution_days = zeros if self.substitution_days is None else np.asarray(self.substitution_days, float)
        self.thrift_days = (
            np.full(n_p, float(self.params.thrift_days)) if self.thrift_days is None else np.asarray(self.thrift_days, float)
        )
        self.thrift_floor = 1.0 - self.max_thrift
        if self.bg_input_days is None:
            self.bg_input_days = _background_cover(self, critical, pool)
        # The (product, input) pairs background producers need (R of them).
        self.bg_in_product, self.bg_in_input = np.nonzero(~np.isnan(self.bg_input_days))
        self.bg_in_days = self.bg_input_days[self.bg_in_product, self.bg_in_input]
        self.any_response = bool(
            ((self.long_run_elasticity > 0) & (self.max_thrift > 0)).any() or np.isfinite(self.backstop_multiple).any()
        )

        self.final_firms = np.flatnonzero(self.firm_final)
        self.pool_firms = np.flatnonzero(pool)
        self.firm_pool = self.firm_home * n_p + self.firm_product
        self.final_price_index = np.arange(n_c)[None, :] * n_p + self.firm_product[self.final_firms, None]
        self.producers_pool = np.concatenate([self.firm_pool[self.pool_firms], np.arange(n_c * n_p)])
        producers_base = np.concatenate([self.base_output[self.pool_firms], self.bg_output0.ravel()])
        base_total = np.bincount(self.producers_pool, weights=producers_base, minlength=n_c * n_p)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.producers_base_share = np.where(
                base_total[self.producers_pool] > 0, producers_base / base_total[self.producers_pool], 0.0
            )
        ratio = np.full(n_p, np.nan) if self.value_added_ratio is None else np.asarray(self.value_added_ratio, float)
        self.value_added_ratio = ratio
        firm_ratio = ratio[self.firm_product]
        with np.errstate(divide="ignore", invalid="ignore"):
            unit_inputs = np.where(self.base_output > 0, self.base_input_cost / self.base_output, 0.0)
        # Bought-in inputs per unit so that baseline value added = ratio x revenue (none if the
        # modelled inputs already leave less than that).
        self.bought_in_per_unit = np.where(
            np.isnan(firm_ratio), 0.0,
            np.maximum(self.base_price[self.firm_product] * (1.0 - np.nan_to_num(firm_ratio)) - unit_inputs, 0.0),
        )
        self.base_value_added = self.base_revenue - self.base_input_cost - self.bought_in_per_unit * self.base_output
        self.bg_base_value = self.bg_output0 * self.base_price
        self.bg_bought_in = np.where(np.isnan(ratio), 0.0, (1.0 - np.nan_to_num(ratio)) * self.base_price)
        self.bg_base_value_added = self.bg_output0 * (self.base_price - self.bg_bought_in)[None, :]
        if self.plant_share is None:
            self.plant_share = np.zeros((self.n_firms, n_c))
            self.plant_share[np.arange(self.n_firms), self.firm_home] = 1.0
        if self.bought_in_domestic_share is None:
            self.bought_in_domestic_share = np.zeros((n_c, n_p))
        # Upstream domestic value added per unit of each firm's output, by plant country (F, C),
        # and per unit of background output (C, P).
        self.upstream_per_unit = (
            self.bought_in_per_unit[:, None] * self.plant_share * self.bought_in_domestic_share[:, self.firm_product].T
        )
        self.bg_upstream_per_unit = self.bg_bought_in[None, :] * self.bought_in_domestic_share
        if self.stockpile0 is None:
            self.stockpile0 = np.zeros((n_c, n_p))
        if self.stockpile_release is None:
            self.stockpile_release = np.zeros((n_c, n_p))
        if self.release_on_measure is None:
            self.release_on_measure = np.zeros((n_c, n_p), dtype=bool)
        if self.stockpile_refill is None:
            self.stockpile_refill = np.zeros((n_c, n_p))
        self.has_stockpiles = bool((self.stockpile0 > 0).any() and (self.stockpile_release > 0).any())
        self.has_refill = self.has_stockpiles and bool((self.stockpile_refill > 0).any())
        self.cross_border = 1.0 - np.eye(n_c)[:, :, None]
        self.pool_cell = np.arange(n_c * n_p).reshape(n_c, n_p)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.bg_mix0 = np.where(
                self.bg_total0[:, :, None] > 0, self.bg_demand0.transpose(1, 2, 0) / self.bg_total0[:, :, None], 0.0
            )
        self.price_speed = (
            np.full(n_p, self.params.price_adjustment)
            if self.product_price_adjustment is None
            else np.asarray(self.product_price_adjustment, dtype=float)
        )
        n_cp = (n_c, n_p)
        self.new_capacity = np.zeros(n_cp) if self.new_capacity is None else np.asarray(self.new_capacity, float)
        self.invest_trigger = np.full(n_cp, np.inf) if self.invest_trigger is None else np.asarray(self.invest_trigger, float)
        self.capex = np.zeros(n_cp) if self.capex is None else np.asarray(self.capex, float)
        buyer_cells = np.concatenate([self.pair_cell, np.arange(n_c * n_p)])
        self.switch_bins = (buyer_cells[:, None] + n_c * n_p * np.arange(n_c)[None, :]).ravel()
        self.switch_mix0 = np.concatenate([self.pair_mix0, self.bg_mix0.reshape(n_c * n_p, n_c)])
        self._policy_cache = None
        self._step_constants = None

    @property
    def n_firms(self) -> int:
        return len(self.firm_names)

    @property
    def n_countries(self) -> int:
        return len(self.countries)

    @property
    def n_products(self) -> int:
        return len(self.products)


@dataclass
class Measure:
    """A trade measure in force, in index form (see :func:`policy_from_measures`)."""

    kind: str
    actor: int
    targets: np.ndarray  # (C,) bool: the importers (export measures) or exporters (import measures)
    products: np.ndarray  # (P,) bool
    enforcement: float = 1.0
    start_day: int = 0
    review_delay_days: int = 0
    approval_rate: float | np.ndarray = 1.0  # licensing: a share, or (P,) one per product (approval by grade)
    quota_share: float = 1.0
    rate: float = 0.0
    extraterritorial: float = 0.0  # share of re-exports through third countries the actor's rules reach
    # Licensing as it is administered: once reviews begin (after ``review_delay_days``) the
    # backlog of applications is worked through over ``backlog_days`` (0: all decided at once);
    # ``general_licence_share`` of the route's trade is exempt (general or bulk licences).
    backlog_days: int = 0
    general_licence_share: float = 0.0
    # Announced but not applied (e.g. suspended for a year): in force on paper, no effect on flows.
    suspended: bool = False
    # Licensing: approval rate by buyer, (F,) one per modelled firm, NaN for firms not named (they,
    # and background buyers, get ``approval_rate``); None: no buyer is named.
    buyer_approval: np.ndarray | None = None


def _background_cover(world: World, critical: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """(P, P) days of cover of each critical input of a product's background producers: the
    output-weighted days of cover of the modelled pool firms that make the product and treat the
    input as critical; NaN where none does (see ``World.bg_input_days``)."""
    n_p = world.n_products
    uses = critical & pool[:, None] & (world.base_output > 0)[:, None]  # (F, P)
    weight = np.zeros((n_p, n_p))
    days = np.zeros((n_p, n_p))
    np.add.at(weight, world.firm_product, uses * world.base_output[:, None])
    np.add.at(days, world.firm_product, uses * (world.base_output[:, None] * world.target_days))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weight > 0, days / weight, np.nan)


def licensed_share(m: Measure, day: int) -> np.ndarray | float:
    """Share of a licensing measure's restricted trade holding a licence on ``day``.

    Every buyer on the route applies when the measure starts; no decision comes before
    ``review_delay_days`` (the statutory review); then the backlog is decided at an even pace over
    ``backlog_days``, each decision approved with probability ``approval_rate``. So the day
    reviews begin, ``approval_rate / backlog_days`` of the trade is licensed, and all the approved
    share after ``backlog_days``. The clock is the measure's start: changing its approval rate or
    enforcement in place (tightening, loosening) re-scores the decisions made, it does not
    restart the review; replacing the measure (e.g. a ban loosened back to licensing) does."""
    return m.approval_rate * decided_share(m, day)


def decided_share(m: Measure, day: int) -> float:
    """Share of a licensing measure's applications decided by ``day`` (see :func:`licensed_share`)."""
    reviewed_days = day - m.start_day - m.review_delay_days + 1
    if reviewed_days <= 0:
        return 0.0
    return 1.0 if m.backlog_days <= 0 else min(reviewed_days / m.backlog_days, 1.0)


def policy_phase(m: Measure, day: int) -> tuple:
    """What of ``m``'s effect depends on ``day``: the policy arrays need rebuilding only when this
    (or the set of measures) changes. Licensing changes when reviews begin and daily while its
    backlog is being decided; the other measures do not change with time."""
    if m.kind != EXPORT_LICENSING or m.suspended:
        return ()
    reviewed_days = day - m.start_day - m.review_delay_days + 1
    return (min(max(reviewed_days, 0), max(m.backlog_days, 1)),)


@dataclass
class Quota:
    exporter: int
    importers: np.ndarray  # (C,) bool
    products: np.ndarray  # (P,) bool
    cap: np.ndarray  # (P,) units per day allowed to the importers together


@dataclass
class Policy:
    """Measures in force on one day, as arrays."""

    allow: np.ndarray  # (E, I, P) share of ordered flow that may ship
    duty: np.ndarray  # (E, I, P) ad valorem duty paid by the importer
    brand_access: np.ndarray  # (H, M, P) share of a home country's final goods a market still buys
    quotas: list[Quota]
    # Precautionary buying: each firm's target cover (days of stock) as a multiple of its usual
    # one (None: all 1). A firm that fears a cut raises it and orders the gap on top of its use;
    # those orders are beyond its contracts, so a short supplier serves them last (stage 4).
    # Set by the model (sim.model.CoercionModel.set_target_cover) from firms' moves or a threat.
    target_cover: np.ndarray | None = None  # (F,)
    # (E, I, P) share of the orders an export ban or licensing blocks that can reach the importer
    # through third countries (leakage, stage 4a); None = no leakage anywhere.
    leak: np.ndarray | None = None
    # (I, P) bool: importer-product cells under a foreign export measure in force (ban, licensing,
    # quota; not suspended); None = none. Stockpile release triggered by a measure and refills
    # after the episode read it (stage 4c).
    restricted: np.ndarray | None = None
    # Licences by buyer: (K, E) share of each modelled firm's orders of an input from each source
    # that may ship, where licensing names buyers (approval_by_buyer) and so a firm's share differs
    # from its route's ``allow`` (which background buyers and firms not named get); None = none.
    pair_allow: np.ndarray | None = None

    @classmethod
    def free_trade(cls, world: World) -> Policy:
        c, p = world.n_countries, world.n_products
        return cls(np.ones((c, c, p)), np.zeros((c, c, p)), np.ones((c, c, p)), [])


def policy_from_measures(world: World, measures: list[Measure], day: int) -> Policy:
    """Combine the measures in force into arrays. Overlapping restrictions multiply; duties add.

    Licensing: of the enforced share of a route's trade, the share exempt under general licences
    and the share holding a licence (:func:`licensed_share`: nothing until the review closes,
    then the backlog decided at a steady pace) pass. Suspended measures are skipped. Licensing
    that names buyers (``buyer_approval``) passes each named firm's orders at its own rate
    (``Policy.pair_allow``), the route's other buyers at the measure's rate.
    """
    policy = Policy.free_trade(world)
    by_buyer = any(m.buyer_approval is not None and m.kind == EXPORT_LICENSING and not m.suspended for m in measures)
    # Each firm pair's share from each source, built alongside the routes' (only when buyers are named).
    pair = np.ones((world.pair_row.size, world.n_countries)) if by_buyer else None  # (K, E)
    for m in measures:
        if m.suspended:
            continue
        x = m.enforcement
        pmask = m.products
        if m.kind in EXPORT_MEASURES:
            block = np.outer(m.targets, pmask)  # (I, P)
            if world.leakage_share.any():  # leakage (stage 4a): bans, licensing and quotas alike
                _add_leak(world, policy, m, block)
            _add_restricted(policy, m)
            if m.kind == EXPORT_BAN:
                policy.allow[m.actor] *= np.where(block, 1.0 - x, 1.0)
                if pair is not None:
                    pair[:, m.actor] *= np.where(block, 1.0 - x, 1.0)[world.pair_home, world.pair_product]
            elif m.kind == EXPORT_LICENSING:
                g = m.general_licence_share
                passing = (1.0 - x) + x * (g + (1.0 - g) * np.broadcast_to(licensed_share(m, day), pmask.shape))
                policy.allow[m.actor] *= np.where(block, passing[None, :], 1.0)
                if pair is not None:
                    pair[:, m.actor] *= _pair_passing(world, m, day, block, passing)
            else:  # quota: a cap on the flow to the targets together, relative to baseline
                allowed_share = 1.0 - x * (1.0 - m.quota_share)
                base = world.flow0[m.actor][m.targets].sum(axis=0)  # (P,)
                policy.quotas.append(
                    Quota(m.actor, m.targets.copy(), pmask.copy(), np.where(pmask, allowed_share * base, np.inf))
                )
        else:
            block = np.outer(m.targets, pmask)  # (E, P): exporters hit by the importer `actor`
            if m.kind == TARIFF:
                policy.duty[:, m.actor, :] += np.where(block, m.rate * x, 0.0)
            elif m.kind == IMPORT_BAN:
                policy.allow[:, m.actor, :] *= np.where(block, 1.0 - x, 1.0)
                if pair is not None:  # the importer's firms: (E, P) rows at their inputs
                    home = world.pair_home == m.actor
                    pair[home] *= np.where(block, 1.0 - x, 1.0)[:, world.pair_product[home]].T
                if policy.leak is not None:  # the importer's own ban stops re-exports too
                    policy.leak[:, m.actor, :] *= np.where(block, 1.0 - x, 1.0)
            elif m.kind == BOYCOTT:
                # Consumers shun the target's brands wherever they are made: final goods only.
                policy.brand_access[:, m.actor, :] *= np.where(block & world.final[None, :], 1.0 - x, 1.0)
            else:
                raise ValueError(f"unknown measure kind {m.kind!r}")
    if policy.leak is not None:
        policy.leak = np.nan_to_num(policy.leak, nan=0.0)
    if pair is not None and not np.array_equal(pair, policy.allow.take(world.pair_demand_bin).reshape(pair.shape)):
        policy.pair_allow = pair  # (before reviews begin every buyer passes alike: nothing to track)
    return policy


def _pair_passing(world: World, m: Measure, day: int, block: np.ndarray, passing: np.ndarray) -> np.ndarray:
    """(K,) the share of each firm pair's orders a licensing measure ``m`` lets through from its
    actor: the route's ``passing`` share (P,), or, for a firm ``m`` names, the same terms at the
    firm's own approval rate; 1 off the measure's routes."""
    on_route = block[world.pair_home, world.pair_product]
    share = passing[world.pair_product]
    if m.buyer_approval is not None:
        own = m.buyer_approval[world.pair_firm]
        named = ~np.isnan(own)
        g, x = m.general_licence_share, m.enforcement
        own_passing = (1.0 - x) + x * (g + (1.0 - g) * np.nan_to_num(own) * decided_share(m, day))
        share = np.where(named, own_passing, share)
    return np.where(on_route, share, 1.0)


def _add_restricted(policy: Policy, m: Measure) -> None:
    """Mark the (importer, product) cells an export measure in force restricts: a national
    stockpile with ``release_when = "measure"`` is released only on these (stage 4c), and refills
    wait until none is left (the episode is over)."""
    if policy.restricted is None:
        policy.restricted = np.zeros(policy.allow.shape[1:], dtype=bool)
    policy.restricted |= np.outer(m.targets, m.products)


def _add_leak(world: World, policy: Policy, m: Measure, block: np.ndarray) -> None:
    """An export ban, licensing or quota on ``block`` (I, P) opens leakage on its routes: the
    product's leakage share of the orders it turns away, less the share the actor's
    extraterritorial rules reach. Overlapping measures on a route: the tighter one (the lower
    share) holds. Quotas leak too: orders beyond a quota's cap are smuggled out like banned
    ones (2011: exports recorded abroad exceeded China's recorded, quota-bound exports, facts
    ``ree_foreign_over_chinese_customs_ratio_2011``)."""
    if policy.leak is None:
        policy.leak = np.full(policy.allow.shape, np.nan)
    share = world.leakage_share[None, :] * (1.0 - m.extraterritorial)
    route = policy.leak[m.actor]
    route[block] = np.fmin(route, np.broadcast_to(share, route.shape))[block]


@dataclass
class State:
    day: int
    inventory: np.ndarray  # (F, P)
    mix: np.ndarray  # (F, P, C)
    trust: np.ndarray  # (E, I, P)
    price: np.ndarray  # (C, P)
    bg_capacity: np.ndarray  # (C, P)
    pipeline: np.ndarray  # (R, C, P) capacity arriving on day d at slot d % R
    last_output: np.ndarray  # (F,)
    bg_mix: np.ndarray  # (I, P, E) background buyers' supplier shares
    stockpile: np.ndarray | None = None  # (C, P) national stockpiles (units), None: world.stockpile0
    intensity: np.ndarray | None = None  # (C, P) buyers' input use per unit, 1 at baseline (stage 7b)
    leak_ramp: np.ndarray | None = None  # (E, I, P) how far leakage routes are organised, 0..1 (stage 4a)
    # (C, P) days buyers have spent qualifying the substitute technology: days on which the
    # price stood above the backstop price (stage 7b). Never falls: a redesign, once made, stays.
    qualifying: np.ndarray | None = None
    # Investment projects (stage 8c), one row each, columns PROJECT_COLUMNS; capacity they have
    # added so far; the price signal investors watch; whether price-driven investors have ordered.
    projects: np.ndarray = None  # type: ignore[assignment]  # (N, len(PROJECT_COLUMNS))
    built: np.ndarray = None  # type: ignore[assignment]  # (C, P) units per day added by projects
    price_signal: np.ndarray = None  # type: ignore[assignment]  # (C, P) smoothed price / baseline
    price_invested: np.ndarray = None  # type: ignore[assignment]  # (C, P) 1 once price-driven investors ordered
    # (C, R) background producers' stocks of their critical inputs (World.bg_in_*), in days of
    # use at capacity (stage 5b); None: at their cover.
    bg_input_stock: np.ndarray | None = None

    def __post_init__(self) -> None:
        c, p = self.price.shape
        if self.projects is None:
            self.projects = np.zeros((0, len(PROJECT_COLUMNS)))
        if self.built is None:
            self.built = np.zeros((c, p))
        if self.price_signal is None:
            self.price_signal = np.ones((c, p))
        if self.price_invested is None:
            self.price_invested = np.zeros((c, p))

    def copy(self) -> State:
        return State(
            self.day,
            self.inventory.copy(),
            self.mix.copy(),
            self.trust.copy(),
            self.price.copy(),
            self.bg_capacity.copy(),
            self.pipeline.copy(),
            self.last_output.copy(),
            self.bg_mix.copy(),
            None if self.stockpile is None else self.stockpile.copy(),
            None if self.intensity is None else self.intensity.copy(),
            None if self.leak_ramp is None else self.leak_ramp.copy(),
            None if self.qualifying is None else self.qualifying.copy(),
            self.projects.copy(),
            self.built.copy(),
            self.price_signal.copy(),
            self.price_invested.copy(),
            None if self.bg_input_stock is None else self.bg_input_stock.copy(),
        )


# Columns of State.projects. A project ordered on day ``start`` with lead time L adds ``capacity``
# (units/day) to the background producers of (country, product) from day start + L (``arrival``)
# on: it is in place at the end of day arrival - 1 and first offers on day ``arrival``. Its cost
# is paid in equal daily instalments ``daily_cost`` on days start .. arrival - 1 by the payer
# country (GDP-loss proxy) and, if ``payer_firm`` >= 0, out of that firm's profit. On arrival,
# buyers in ``offtake`` (a country index, -1 for none) move ``offtake_share`` of their supplier
# mix for the product to the new source (the supply contract that came with the financing).
PROJECT_COLUMNS = (
    "start", "arrival", "country", "product", "capacity", "daily_cost", "payer", "payer_firm", "offtake", "offtake_share",
)
_PJ = {name: k for k, name in enumerate(PROJECT_COLUMNS)}


def order_investment(
    world: World,
    state: State,
    country: int,
    product: int,
    capacity: float,
    lead_days: int,
    cost: float = 0.0,
    payer: int | None = None,
    payer_firm: int = -1,
    offtake: int = -1,
    offtake_share: float = 0.0,
) -> None:
    """Order new capacity today (the explicit investment move of a government or firm, and what
    price-driven investors do): ``capacity`` units/day of ``product`` in ``country`` after
    ``lead_days`` (at least 1), costing ``cost`` USD in all, paid by country ``payer`` (default:
    ``country``) and firm ``payer_firm`` (-1: no firm). See :data:`PROJECT_COLUMNS`."""
    if not (capacity >= 0 and np.isfinite(capacity) and cost >= 0 and np.isfinite(cost)):
        raise ValueError(f"expected finite, non-negative capacity and cost; got {capacity!r}, {cost!r}")
    if not 0.0 <= offtake_share <= 1.0:
        raise ValueError(f"expected an offtake share in [0, 1]; got {offtake_share!r}")
    lead = max(int(lead_days), 1)
    row = np.zeros(len(PROJECT_COLUMNS))
    row[[_PJ["start"], _PJ["arrival"], _PJ["country"], _PJ["product"]]] = (state.day, state.day + lead, country, product)
    row[_PJ["capacity"]] = capacity
    row[_PJ["daily_cost"]] = cost / lead
    row[_PJ["payer"]] = country if payer is None else payer
    row[[_PJ["payer_firm"], _PJ["offtake"], _PJ["offtake_share"]]] = (payer_firm, offtake, offtake_share)
    state.projects = np.vstack([state.projects, row[None, :]])


def initial_state(world: World) -> State:
    c, p = world.n_countries, world.n_products
    slots = int(world.ramp_up_days.max(initial=0)) + 2
    return State(
        day=0,
        inventory=world.target_days * world.base_use,
        mix=world.mix0.copy(),
        trust=np.ones((c, c, p)),
        price=np.tile(world.base_price, (c, 1)),
        bg_capacity=world.bg_capacity0.copy(),
        pipeline=np.zeros((slots, c, p)),
        last_output=world.base_output.copy(),
        bg_mix=world.bg_mix0.copy(),
        stockpile=world.stockpile0.copy(),
        intensity=np.ones((c, p)),
        leak_ramp=np.zeros((c, c, p)),
        qualifying=np.zeros((c, p)),
        bg_input_stock=np.tile(world.bg_in_days, (c, 1)),
    )


@dataclass
class DayResult:
    """What happened on one day (everything the model records)."""

    shipments: np.ndarray  # (E, I, P) units
    demand: np.ndarray  # (E, I, P) orders before measures
    fill: np.ndarray  # (E, I, P) share of orders delivered
    output: np.ndarray  # (F,)
    revenue: np.ndarray  # (F,)
    input_cost: np.ndarray  # (F,)
    profit: np.ndarray  # (F,)
    received: np.ndarray  # (F, P)
    gdp_loss: np.ndarray  # (C,) USD; (copies, C) for a stacked world (sim.stacking)
    pool_sold: np.ndarray  # (C, P)
    spot: np.ndarray | None = None  # (E, I, P) the part of shipments bought on the spot market
    stockpile_release: np.ndarray | None = None  # (C, P) units released from national stockpiles
    stockpile_refill: np.ndarray | None = None  # (E, I, P) units states bought to refill them (part of shipments; None: none)
    leaked: np.ndarray | None = None  # (E, I, P) part of shipments routed through third countries (None: none)


def _pool_allocation(
    pool_of: np.ndarray, baseline: np.ndarray, offered: np.ndarray, sold: np.ndarray
) -> np.ndarray:
    """Split each pool's sales among its producers: first in proportion to baseline output (capped
    by what each can offer), then the remainder in proportion to the room left. Exact and
    pro rata; at baseline every producer sells its baseline output."""
    n_pools = sold.size
    base_total = np.bincount(pool_of, weights=baseline, minlength=n_pools)
    with np.errstate(divide="ignore", invalid="ignore"):
        base_share = np.where(base_total[pool_of] > 0, baseline / base_total[pool_of], 0.0)
        return _pool_split(pool_of, base_share, offered, sold)


def _pool_split(pool_of: np.ndarray, base_share: np.ndarray, offered: np.ndarray, sold: np.ndarray) -> np.ndarray:
    """:func:`_pool_allocation` given each producer's baseline share of its pool (a constant of
    the world, precomputed). Call with division warnings silenced."""
    n_pools = sold.size
    first = np.minimum(base_share * sold.take(pool_of), offered)  # (take: fancy indexing, cheaper)
    leftover = np.maximum(sold - np.bincount(pool_of, weights=first, minlength=n_pools), 0.0)
    room = np.maximum(offered - first, 0.0)
    room_total = np.bincount(pool_of, weights=room, minlength=n_pools).take(pool_of)
    return first + _share(leftover.take(pool_of) * room, room_total)  # (no room in a pool: room 0 for each)


@dataclass
class _PolicyTerms:
    """What the daily step needs from a policy that does not change from day to day while the
    policy stays the same (it changes only when a measure starts, ends or leaves review)."""

    one_plus_duty: np.ndarray  # (E, I, P)
    any_duty: bool
    final_plan: np.ndarray  # (F,) base output x open-market factor (final-goods firms; 0 for the others)
    market_split: np.ndarray  # (F_final, M) share of a final-goods firm's sales going to each market
    open_route: np.ndarray  # (E, I, P) bool: unrestricted and not under a quota (spot market, arbitrage)
    arbitrage_route: np.ndarray  # (E, I, P) bool: open_route across a border
    # Supplier switching (stage 8a): whether any of a buyer's incumbent routes is closed (rows
    # as World.switch_mix0: firm pairs, then background buyers).
    incumbent_closed: np.ndarray  # (N,) bool
    incumbent_open: np.ndarray = None  # type: ignore[assignment]  # (N,) bool: ~incumbent_closed
    duty_rows: np.ndarray = None  # type: ignore[assignment]  # (N, E) one_plus_duty on those rows
    pair_duty_rows: np.ndarray = None  # type: ignore[assignment]  # (K, E) one_plus_duty on firm pairs' rows (_pair_rows)


def _policy_terms(world: World, policy: Policy) -> _PolicyTerms:
    """The policy's derived arrays, cached on the world and keyed by the policy arrays' bytes (not
    the object, so a policy edited in place is never served stale terms)."""
    allow, duty, brand = policy.allow, policy.duty, policy.brand_access
    quotas = tuple((q.exporter, q.importers.tobytes(), q.products.tobytes()) for q in policy.quotas)
    pair_allow = b"" if policy.pair_allow is None else policy.pair_allow.tobytes()
    key = (allow.shape, allow.dtype, duty.dtype, brand.dtype, allow.tobytes(), duty.tobytes(), brand.tobytes(), quotas, pair_allow)
    cached = world._policy_cache
    if cached is not None and cached[0] == key:
        return cached[1]
    one_plus_duty = 1.0 + policy.duty
    market_access = policy.allow * policy.brand_access * one_plus_duty ** (-world.elasticity)  # (H, M, P)
    ff = world.final_firms
    # Share of each market still open to a final-goods firm: its (home, product) row of market_access.
    access = market_access.transpose(0, 2, 1)[world.firm_home[ff], world.firm_product[ff]]  # (F_final, M)
    sales = world.sales0[ff] * access
    market_factor = sales.sum(axis=1)
    final_plan = np.zeros(world.n_firms)
    final_plan[ff] = world.base_output[ff] * market_factor
    with np.errstate(divide="ignore", invalid="ignore"):
        market_split = np.where(market_factor[:, None] > 0, sales / market_factor[:, None], 0.0)
    open_route = (policy.allow >= 1.0) & ~_quota_routes(world, policy)
    if policy.pair_allow is not None:  # a route is open only if every buyer on it may buy freely
        named_closed = np.zeros(open_route.size, dtype=bool)
        named_closed[world.pair_demand_bin[(policy.pair_allow < 1.0).ravel()]] = True
        open_route = open_route & ~named_closed.reshape(open_route.shape)
    arbitrage_route = open_route & (world.cross_border > 0)
    closed_rows = (~open_route).take(world.switch_bins).reshape(world.switch_mix0.shape)  # restricted or under a quota
    terms = _PolicyTerms(
        one_plus_duty, bool(policy.duty.any()), final_plan, market_split, open_route, arbitrage_route,
        incumbent_closed=((world.switch_mix0 > 0) & closed_rows).any(axis=1),
    )
    terms.incumbent_open = ~terms.incumbent_closed
    terms.duty_rows = one_plus_duty.take(world.switch_bins).reshape(world.switch_mix0.shape)
    terms.pair_duty_rows = one_plus_duty.take(world.pair_demand_bin).reshape(world.pair_mix0.shape)
    world._policy_cache = (key, terms)
    return terms


@dataclass
class _StepConstants:
    """Arrays the daily step would otherwise recompute every day from the world's (read-only)
    arrays: index arrays, the signs and logs of constant parameters. Each is the very value the
    step computed inline before (the same operation on the same inputs), so results keep their
    bits; they only cost one computation per world instead of one per day.

    Per-product constants come spread over the (country, product) cells, or the (exporter,
    importer, product) routes, of the daily arrays they meet: on arrays this small numpy's
    broadcasting of a (P,) row costs several times the arithmetic itself (same values, same bits)."""

    pool_of_firm: np.ndarray  # (F_pool,) flat (home, product) pool of each pool firm
    pair_base_price: np.ndarray  # (K,) baseline price of each pair's input
    base_price: np.ndarray  # (C, P) world.base_price in every country
    base_price_routes: np.ndarray  # (E, I, P) the same on every route
    downstream_routes: np.ndarray  # (E, I, P) world.downstream_multiplier on every route
    bg_bought_in: np.ndarray  # (C, P) world.bg_bought_in in every country
    bg_total0: np.ndarray  # (I, P, E) world.bg_total0 for every source (background buyers' orders)
    neg_elasticity: np.ndarray  # (E, I, P) -elasticity
    elasticity: np.ndarray  # (C, P)
    neg_long_run_elasticity: np.ndarray  # (C, P)
    thrift_floor: np.ndarray  # (C, P) world.thrift_floor
    backstop_multiple: np.ndarray  # (C, P) world.backstop_multiple
    price_speed: np.ndarray  # (C, P) world.price_speed
    neg_price_speed: np.ndarray  # (C, P)
    pool_product: np.ndarray  # (C, P) bool: not a final good (priced by its pool market)
    backstop_price: np.ndarray  # (C, P) backstop_multiple x base_price
    log_price_floor: np.ndarray  # (C, P) log of the lowest price allowed
    log_price_cap: np.ndarray  # (C, P) log of the highest
    any_substitution_days: bool  # some product's substitute has a lead time (stage 7b)
    arrival_days: np.ndarray  # (P,) ramp-up days, at least 1 (stage 8b)
    unit_supply_elasticity: bool  # supply_elasticity == 1: x ** 1 is x, no power taken
    no_limit: np.ndarray  # (F,) +inf: each firm's output limit before its critical inputs (copied)
    no_pair_limit: np.ndarray  # (K,) +inf: the same per pair (stage 2's plan)
    # Critical pairs come sorted by firm: the firms that have any, and where each one's run starts.
    crit_firms: np.ndarray
    crit_segments: np.ndarray
    mix_record: np.dtype  # one (pair, all sources) row of supplier shares as an opaque record (stage 8a)
    switch_price_bins: np.ndarray  # (N * E,) flat (source, product) price of each switching row's sources (stage 8a)
    substitution_lead: np.ndarray  # (C, P) bool: substitution_days > 0
    substitution_divisor: np.ndarray  # (C, P) substitution_days, 1 where 0
    # Background producers' inputs (World.bg_in_*, sorted by product): the products that need
    # any, where each one's run starts, and the inputs' baseline prices (stages 1 and 5b).
    bg_in_products: np.ndarray
    bg_in_segments: np.ndarray
    bg_in_base_price: np.ndarray  # (C, R)
    bg_in_days: np.ndarray  # (C, R) world.bg_in_days in every country
    any_release_on_measure: bool  # some stockpile is released only under a foreign measure (stage 4c)
    investable: np.ndarray  # (C, P) bool: price-driven investors would build there (stage 8c)
    growing: np.ndarray  # (C, P) bool: background capacity grows against unmet demand (stage 8b)
    any_growing: bool
    any_investable: bool


def _step_constants(world: World) -> _StepConstants:
    """The world's :class:`_StepConstants`, worked out on first use and kept on the world."""
    constants = world._step_constants
    if constants is None:
        prm = world.params
        n_c = world.n_countries

        def cells(row: np.ndarray) -> np.ndarray:  # (P,) -> (C, P)
            return np.tile(row, (n_c, 1))

        def routes(row: np.ndarray) -> np.ndarray:  # (P,) -> (E, I, P)
            return np.tile(row, (n_c, n_c, 1))

        constants = _StepConstants(
            pool_of_firm=world.firm_pool[world.pool_firms],
            pair_base_price=world.base_price.take(world.pair_product),
            base_price=cells(world.base_price),
            base_price_routes=routes(world.base_price),
            downstream_routes=routes(world.downstream_multiplier),
            bg_bought_in=cells(world.bg_bought_in),
            bg_total0=np.repeat(world.bg_total0[:, :, None], n_c, axis=2),
            neg_elasticity=routes(-world.elasticity),
            elasticity=cells(world.elasticity),
            neg_long_run_elasticity=cells(-world.long_run_elasticity),
            thrift_floor=cells(world.thrift_floor),
            backstop_multiple=cells(world.backstop_multiple),
            price_speed=cells(world.price_speed),
            neg_price_speed=cells(-world.price_speed),
            pool_product=cells(~world.final),
            backstop_price=cells(world.backstop_multiple * world.base_price),
            log_price_floor=cells(np.log(world.base_price * prm.min_price_multiple)),
            log_price_cap=cells(np.log(world.base_price * prm.max_price_multiple)),
            any_substitution_days=bool((world.substitution_days > 0).any()),
            arrival_days=np.maximum(world.ramp_up_days, 1),
            unit_supply_elasticity=prm.supply_elasticity == 1.0,
            no_limit=np.full(world.n_firms, np.inf),
            no_pair_limit=np.full(world.pair_firm.size, np.inf),
            crit_firms=np.unique(world.crit_firm),
            crit_segments=np.flatnonzero(np.diff(world.crit_firm, prepend=-1)),
            mix_record=np.dtype((np.void, 8 * world.n_countries)),
            switch_price_bins=(
                (world.switch_bins % (world.n_countries * world.n_products)) % world.n_products
                + world.n_products * (world.switch_bins // (world.n_countries * world.n_products))
            ),
            substitution_lead=cells(world.substitution_days > 0),
            substitution_divisor=cells(np.where(world.substitution_days > 0, world.substitution_days, 1.0)),
            bg_in_products=np.unique(world.bg_in_product),
            bg_in_segments=np.flatnonzero(np.diff(world.bg_in_product, prepend=-1)),
            bg_in_base_price=cells(world.base_price[world.bg_in_input]),
            bg_in_days=cells(world.bg_in_days),
            any_release_on_measure=bool(world.release_on_measure.any()),
            investable=world.new_capacity > 0,
            any_investable=bool((world.new_capacity > 0).any()),
            growing=world.expansion_response > 0,
            any_growing=bool((world.expansion_response > 0).any()),
        )
        world._step_constants = constants
    return constants


def _quota_routes(world: World, policy: Policy) -> np.ndarray:
    """(E, I, P) bool: routes under an export quota (kept out of the spot market, whose extra
    shipments would otherwise pass the cap)."""
    routes = np.zeros((world.n_countries, world.n_countries, world.n_products), dtype=bool)
    for q in policy.quotas:
        routes[q.exporter] |= q.importers[:, None] & q.products[None, :]
    return routes


def _fill_share(available: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The share of ``wanted`` that ``available`` can fill (both >= 0): available / wanted where
    more is wanted than available, else 1. Bit for bit ``np.where(wanted > available, available /
    wanted, 1.0)`` in two calls instead of three: a ratio >= 1 (x / 0 included) is capped at
    exactly 1 and np.fmin drops the NaN of 0 / 0. (Call under step()'s silenced warnings.)"""
    return np.fmin(available / wanted, 1.0)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part / whole``, 0 where the whole is 0, for part >= 0 that is 0 where the whole is (e.g.
    part <= whole): bit for bit ``np.where(whole > 0, part / whole, 0.0)`` in two calls instead
    of three (np.fmax drops the NaN of 0 / 0). (Call with division warnings silenced.)"""
    return np.fmax(part / whole, 0.0)


def _any(x: np.ndarray) -> bool:
    """``x.any()``: whether any element is non-zero (True), at a quarter of the cost on the step's
    small arrays (ndarray.any goes through a Python wrapper and a reduction; count_nonzero does not)."""
    return np.count_nonzero(x) > 0


def _all(x: np.ndarray) -> bool:
    """``x.all()``, as cheaply as :func:`_any`."""
    return np.count_nonzero(x) == x.size


def _row_sums(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=1)`` for a (N, n) array, bit for bit, but fast for many short rows.

    numpy reduces each short row in a slow per-row loop; for n < 8 it adds the row left to right,
    so adding whole columns left to right gives identical sums (numpy's pairwise summation only
    regroups from 8 terms up, where we let numpy do it). Few rows: numpy's one call is cheaper."""
    n_rows, n = x.shape
    if n >= 8 or n == 0 or n_rows < 256:
        return np.add.reduce(x, axis=1)  # (x.sum(axis=1) without its Python wrapper)
    total = x[:, 0].copy()
    for j in range(1, n):
        total += x[:, j]
    return total


def _pair_rows(world: World, day: _Day, per_route: np.ndarray, contracted: bool, rationed: bool = False) -> np.ndarray:
    """(K, E) a route share ``per_route`` (E, I, P) from each pair's suppliers into its home country:
    the routes' fill rates (``rationed``: the shares rationed) of the pair's tier of orders
    (``contracted`` or beyond contracts); under licences by buyer (``day.buyers``) each firm's own
    share of them. Row k of an array gathered at pair_demand_bin is x[:, home(k), input(k)]."""
    bins = world.pair_demand_bin
    rows = per_route.take(bins).reshape(day.pair_mix.shape)
    if day.buyers is not None:
        rows = day.buyers.own(day.buyers.pair_allow, rows, contracted, rationed, bins)
    return rows


def _pair_weighted(day: _Day, rows_c: np.ndarray, rows_x: np.ndarray | None = None) -> np.ndarray:
    """(K,) each pair's contracted orders times the mix-weighted ``rows_c`` (K, E) of its suppliers,
    plus its other orders times the mix-weighted ``rows_x`` (None: contracted orders only): e.g.
    units received, with the fill rates of each tier (:func:`_pair_rows`)."""
    got = day.pair_contracted * _einsum("ke,ke->k", day.pair_mix, rows_c)
    if rows_x is None:
        return got
    return got + day.pair_extra * _einsum("ke,ke->k", day.pair_mix, rows_x)


@dataclass(slots=True)
class _BuyerShares:
    """Licences by buyer (``Policy.pair_allow``): buyers on one route pass different shares of their
    orders. The route arrays stay exact totals over its buyers: each tier of orders passes its
    buyers' order-weighted share (``allow_c``, ``allow_x``); a short pool fills the passing orders
    pro rata, a quota scales them, and blocked orders leak alike. So a buyer passing ``a`` of its
    orders gets ``a`` x (the route's fill of passing orders) + (1 - a x scale) x the leak rate, and
    is rationed ``a`` x the route's rationed share of passing orders (:meth:`own`)."""

    pair_allow: np.ndarray  # (K, E)
    allow_c: np.ndarray  # (E, I, P) contracted orders' passing share on the route (its buyers' average)
    allow_x: np.ndarray  # (E, I, P) the same for orders beyond contracts
    scale: np.ndarray  # (E, I, P) quota scale on passing orders (1: none)
    leak: np.ndarray  # (E, I, P) share of a blocked order that leaks through third countries (stage 4a)

    def own(
        self, a: np.ndarray, route: np.ndarray, contracted: bool, rationed: bool, bins: np.ndarray | None = None
    ) -> np.ndarray:
        """A buyer's own share given its passing share ``a`` and the route's share ``route`` (its
        fill rate or, ``rationed``, its share rationed), for the contracted tier or the other;
        ``bins``: ``a`` and ``route`` are (K, E) pair rows gathered there, else (E, I, P)."""
        allow, scale, leak = (self.allow_c if contracted else self.allow_x), self.scale, self.leak
        if bins is not None:
            allow, scale, leak = (x.take(bins).reshape(route.shape) for x in (allow, scale, leak))
        passing = allow > 0
        if rationed:
            return a * np.where(passing, route / np.where(passing, allow, 1.0), 0.0)
        leaked = (1.0 - allow * scale) * leak
        served = np.where(passing, (route - leaked) / np.where(passing, allow, 1.0), 0.0)
        return a * served + (1.0 - a * scale) * leak


def _passing_orders(world: World, day: _Day, policy: Policy, pair_orders: np.ndarray, bg_orders: np.ndarray) -> np.ndarray:
    """(E, I, P) orders that may ship under licences by buyer: each firm's ``pair_orders`` (K,) by
    its supplier mix times its own passing share, plus background buyers' at the route's."""
    n_c, n_p = world.n_countries, world.n_products
    firms = np.bincount(
        world.pair_demand_bin, weights=(pair_orders[:, None] * day.pair_mix * policy.pair_allow).ravel(),
        minlength=n_c * n_c * n_p,
    ).reshape(n_c, n_c, n_p)
    return firms + bg_orders * policy.allow


def _binding_input(
    world: World, stock: np.ndarray, intensity: np.ndarray | None = None, per_input: np.ndarray | None = None
) -> np.ndarray:
    """(F,) units each firm can make from ``stock`` (K,) of its inputs: the minimum over its
    critical inputs of stock / (recipe x its country's intensity of use) (+inf for a firm
    without critical inputs). ``per_input``: that 1 / (recipe x intensity) on the critical
    pairs, if already worked out (the day's, :func:`_capacity`)."""
    consts = _step_constants(world)
    limit = consts.no_limit.copy()
    if per_input is None:
        per_input = world.crit_per_input if intensity is None else world.crit_per_input / intensity.take(world.crit_cell)
    if consts.crit_segments.size:  # the minimum over each firm's run of critical pairs (minimum.at, faster)
        limit[consts.crit_firms] = np.minimum.reduceat(stock.take(world.crit_pair) * per_input, consts.crit_segments)
    return limit


def step(world: World, state: State, policy: Policy) -> DayResult:
    """Advance ``state`` by one day in place and return the day's flows and accounts.

    One named function per stage of the module docstring, in this order; each reads what the
    earlier stages left on the day's scratchpad (:class:`_Day`) and adds its own results."""
    # Divisions below guard their own zero denominators with np.where; silence the warnings once.
    with np.errstate(divide="ignore", invalid="ignore"):
        day = _Day(terms=_policy_terms(world, policy))
        _capacity(world, state, day)
        _orders(world, state, policy, day)
        _supply(world, state, policy, day)
        _ration(world, state, policy, day)
        _leakage(world, state, policy, day)
        _spot_market(world, day)
        _route_fill(day)
        _release_stockpiles(world, state, policy, day)
        _receive_and_produce(world, state, day)
        _background_inputs(world, state, policy, day)
        _accounts(world, state, policy, day)
        _gdp_loss(world, state, policy, day)
        _respond_to_price(world, state, day)
        _prices(world, state, day)
        _adapt_suppliers(world, state, day)
        _grow_capacity(world, state, day)
        state.last_output = day.output
        state.day += 1
        return DayResult(
            shipments=day.shipments,
            demand=day.demand,
            fill=day.fill,
            output=day.output,
            revenue=day.revenue,
            input_cost=day.input_cost,
            profit=day.profit,
            received=day.received,
            gdp_loss=day.gdp_loss,
            pool_sold=day.pool_sold,
            spot=day.spot,
            stockpile_release=day.released,
            stockpile_refill=day.refill,
            leaked=day.leaked,
        )


@dataclass(slots=True)
class _Day:
    """The day's intermediate arrays, filled stage by stage (shapes as in :class:`DayResult`).

    Firm x input quantities are worked on the K (firm, input) pairs (``pair_*``, see World), not
    on the mostly empty (F, P) grid. Sums keep the order of the earlier dense formulation (same
    einsum over (K, E) rows, input costs summed over dense (F, P) rows), so results are
    bit-identical to it; only the work skipped is work on zeros."""

    terms: _PolicyTerms
    buyers: _BuyerShares | None = None  # licences by buyer (stage 4), None: every buyer on a route alike
    stock: np.ndarray = None  # type: ignore[assignment]  # (K,) inputs on hand at the start of the day
    input_limit: np.ndarray = None  # type: ignore[assignment]  # (F,) output the critical inputs on hand allow
    crit_per_input: np.ndarray = None  # type: ignore[assignment]  # (Kc,) 1 / (recipe x intensity of use) on the critical pairs
    can_make: np.ndarray = None  # type: ignore[assignment]  # (F,)
    planned: np.ndarray = None  # type: ignore[assignment]  # (F,)
    pair_orders: np.ndarray = None  # type: ignore[assignment]  # (K,)
    pair_mix: np.ndarray = None  # type: ignore[assignment]  # (K, E)
    mix_rows: np.ndarray = None  # type: ignore[assignment]  # (F * P, E) view of state.mix
    bg_demand: np.ndarray = None  # type: ignore[assignment]  # (E, I, P)
    bg_orders: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) background buyers' orders at baseline volumes (their contracts)
    rel_price: np.ndarray = None  # type: ignore[assignment]  # (I, P) price / baseline at the start of the day
    backstop: np.ndarray | None = None  # (I, P) background buyers' backstop factor at that price (None: not worked out)
    demand: np.ndarray = None  # type: ignore[assignment]  # (E, I, P)
    ordered: np.ndarray | None = None  # (E, I, P) bool: demand > 0 (see _ordered)
    open_total: np.ndarray = None  # type: ignore[assignment]  # (E, P) orders on allowed routes
    offered: np.ndarray = None  # type: ignore[assignment]  # (F_pool,)
    bg_offer: np.ndarray = None  # type: ignore[assignment]  # (C, P)
    supply: np.ndarray = None  # type: ignore[assignment]  # (E, P)
    fill: np.ndarray = None  # type: ignore[assignment]  # (E, I, P)
    contract: np.ndarray = None  # type: ignore[assignment]  # (E, I, P)
    pair_contracted: np.ndarray = None  # type: ignore[assignment]  # (K,) orders within the contracted (baseline) volume
    pair_extra: np.ndarray = None  # type: ignore[assignment]  # (K,) orders beyond it (restocking, expansion)
    demand_contracted: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) orders within contracts
    demand_extra: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) the rest
    bg_contracted: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) background buyers' part of demand_contracted
    fill_contracted: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) fill of contracted orders
    fill_extra: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) fill of the rest
    any_rationed: bool = False
    rationed_contracted: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) share rationed at a short pool
    rationed_extra: np.ndarray = None  # type: ignore[assignment]  # (E, I, P)
    rationed: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) units rationed after buyers gave way (stage 4b)
    pool_short: np.ndarray = None  # type: ignore[assignment]  # (E, P) pools that could not fill every order
    intensity: np.ndarray | None = None  # (C, P) buyers' intensity of use today (None: all 1)
    pair_recipe: np.ndarray = None  # type: ignore[assignment]  # (K,) recipe x today's intensity of use
    pair_intensity: np.ndarray | None = None  # (K,) today's intensity of use in each pair's country (None: all 1)
    servable: np.ndarray = None  # type: ignore[assignment]  # (E, I, P) share of orders a supplier may serve
    leaked: np.ndarray | None = None  # (E, I, P) units reaching importers through third countries
    pair_saved: np.ndarray | None = None  # (K,) input units thrifted or replaced by a substitute today
    bg_input_share: np.ndarray | None = None  # (C, P) share of capacity background producers' inputs allow (None: all)
    bg_received: np.ndarray | None = None  # (E, I, P) background buyers' receipts (stage 5b on; _background_received)
    spot: np.ndarray = None  # type: ignore[assignment]  # (E, I, P)
    spot_total: np.ndarray = None  # type: ignore[assignment]  # (I, P)
    spot_rate: np.ndarray = None  # type: ignore[assignment]  # (I, P)
    released: np.ndarray = None  # type: ignore[assignment]  # (C, P) released from national stockpiles
    any_released: bool = False
    stock_rate: np.ndarray = None  # type: ignore[assignment]  # (I, P) share of unserved contracted orders the stockpile covers
    refill: np.ndarray | None = None  # (E, I, P) bought by states to refill their stockpiles (part of shipments)
    pair_stock: np.ndarray = None  # type: ignore[assignment]  # (K,) units received from the stockpile
    shipments: np.ndarray = None  # type: ignore[assignment]  # (E, I, P)
    pair_received: np.ndarray = None  # type: ignore[assignment]  # (K,)
    fill_rows: tuple = None  # type: ignore[assignment]  # (K, E) each pair's fill rates of its two tiers (_pair_rows)
    rationed_rows: tuple = None  # type: ignore[assignment]  # (K, E) the shares of them rationed
    pair_spot: np.ndarray = None  # type: ignore[assignment]  # (K,)
    received: np.ndarray = None  # type: ignore[assignment]  # (F, P)
    pool_sold: np.ndarray = None  # type: ignore[assignment]  # (E, P)
    output: np.ndarray = None  # type: ignore[assignment]  # (F,)
    bg_sold: np.ndarray = None  # type: ignore[assignment]  # (C, P)
    substituted: np.ndarray = None  # type: ignore[assignment]  # (K,)
    revenue: np.ndarray = None  # type: ignore[assignment]  # (F,)
    input_cost: np.ndarray = None  # type: ignore[assignment]  # (F,)
    profit: np.ndarray = None  # type: ignore[assignment]  # (F,)
    gdp_loss: np.ndarray = None  # type: ignore[assignment]  # (C,)
    unit_value: np.ndarray = None  # type: ignore[assignment]  # (E, P) what a pool's producers earn per unit sold
    importer_price: np.ndarray | None = None  # (E, I, P) today's price of each route's importer (_route_prices)
    exporter_price: np.ndarray | None = None  # (E, I, P) ... and of its exporter


def _route_prices(state: State, day: _Day) -> tuple[np.ndarray, np.ndarray]:
    """(E, I, P) today's price of each route's importer and of its exporter, spread over the routes
    once a day: several stages multiply route arrays by them, and numpy's broadcasting of a
    (C, P) array costs more each time than the arithmetic (same values, same bits). Prices move
    only at the end of stage 7, after their last use."""
    if day.importer_price is None:
        price = state.price
        shape = (price.shape[0],) + price.shape
        day.importer_price, day.exporter_price = np.empty(shape), np.empty(shape)
        day.importer_price[...] = price
        day.exporter_price[...] = price[:, None, :]
    return day.importer_price, day.exporter_price


def _capacity(world: World, state: State, day: _Day) -> None:
    """Stage 1: what each producer could make today, from inputs on hand at the start of the day."""
    day.stock = state.inventory.take(world.pair_row)  # (K,)
    # Inputs per unit of output today: the recipe, less what buyers in the firm's country have
    # learnt to do without (thrifting, backstop substitution: stage 7b).
    day.intensity = state.intensity if world.any_response and state.intensity is not None else None
    if day.intensity is None:
        day.pair_recipe = world.pair_recipe
    else:
        day.pair_intensity = day.intensity.take(world.pair_cell)
        day.pair_recipe = world.pair_recipe * day.pair_intensity
    # 1 / (recipe x intensity) on the critical pairs: the same all day (here, in the plan, at receipt).
    day.crit_per_input = (
        world.crit_per_input if day.intensity is None else world.crit_per_input / day.intensity.take(world.crit_cell)
    )
    day.input_limit = _binding_input(world, day.stock, day.intensity, day.crit_per_input)
    day.can_make = np.minimum(world.capacity, day.input_limit)
    # Background producers likewise: a day of each critical input on hand per day at capacity.
    if world.bg_in_product.size and state.bg_input_stock is not None:
        # The least over each product's inputs (World.bg_in_* come sorted by product), 1 for the
        # products that need none.
        consts = _step_constants(world)
        share = np.ones((world.n_countries, world.n_products))
        share[:, consts.bg_in_products] = np.minimum.reduceat(
            np.minimum(state.bg_input_stock, 1.0), consts.bg_in_segments, axis=1
        )
        day.bg_input_share = share


def _orders(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 2: plans and orders of modelled firms (by supplier mix) and background buyers.

    Firms order today's use (Leontief in the short run: the recipe, times the intensity of use
    that thrifting and substitution have reached, stage 7b) plus a share of their stock gap.
    Restocking is discretionary: a firm spends no more on it than at the baseline price, so at k
    times the price it rebuilds stock k times more slowly. Background buyers' orders fall with
    the price they pay (the short-run elasticity) and with their intensity of use (long run)."""
    prm = world.params
    n_c, n_p = world.n_countries, world.n_products
    day.planned = np.minimum(world.capacity, np.where(world.firm_final, day.terms.final_plan, state.last_output))
    # Precautionary buying raises the cover a firm aims for (policy.target_cover); thrifting
    # lowers it with its use per unit (stage 7b).
    target = world.pair_stock_target if policy.target_cover is None else world.pair_stock_target * policy.target_cover.take(world.pair_firm)
    if day.intensity is not None:
        target = target * day.pair_intensity
    gap = np.maximum(target - day.stock, 0.0)
    # Use is near-Leontief, restocking discretionary: a firm spends on rebuilding stock no more
    # than at the baseline price, so at k times the price it restocks k times more slowly. (With
    # contracts served first, unserved restocking would otherwise stand as panic demand.)
    restock = np.minimum(_step_constants(world).pair_base_price / state.price.take(world.pair_cell), 1.0)
    day.pair_orders = day.pair_recipe * _use_plan(world, state, day) + gap * restock / prm.replenish_days  # (K,)
    if not state.mix.flags.c_contiguous or state.mix.dtype != np.float64:
        state.mix = np.ascontiguousarray(state.mix, dtype=np.float64)
    day.mix_rows = state.mix.reshape(-1, n_c)  # (F * P, E) view: pairs are written back through it
    day.pair_mix = day.mix_rows.take(world.pair_row, axis=0)  # (K, E)
    # Orders by (pair, source) summed into (E, I, P) in one bincount (each cell adds its pairs in
    # ascending order, as a per-source bincount would).
    firm_demand = np.bincount(
        world.pair_demand_bin, weights=(day.pair_orders[:, None] * day.pair_mix).ravel(), minlength=n_c * n_c * n_p
    ).reshape(n_c, n_c, n_p)
    consts = _step_constants(world)
    rel_price = state.price / consts.base_price  # (I, P)
    day.rel_price = rel_price
    # Background buyers' orders at their contracted (baseline) volumes: also their contracts (stage 4).
    day.bg_orders = bg_orders = (consts.bg_total0 * state.bg_mix).transpose(2, 0, 1)  # (E, I, P)
    day.bg_demand = bg_orders * (rel_price[None, :, :] * day.terms.one_plus_duty) ** consts.neg_elasticity
    if day.intensity is not None:
        # Background buyers' marginal uses go at once when the price passes the backstop
        # (demand destruction); their thrifting, like firms', takes thrift_days.
        backstop = np.minimum((consts.backstop_multiple / rel_price) ** prm.backstop_steepness, 1.0)
        day.backstop = backstop  # the same factor stage 7b works out from the same price
        day.bg_demand = day.bg_demand * (day.intensity * backstop)[None, :, :]
    day.demand = firm_demand + day.bg_demand


def _use_plan(world: World, state: State, day: _Day) -> np.ndarray:
    """(K,) output each firm orders each input for (its use part): the plan for its binding
    critical input, and for its other inputs only the output it expects to be able to make.

    Production is input-limited Leontief, as in the production-network models of Inoue & Todo
    (2019, Nature Sustainability 2: 841-847) and Pichler, Pangallo, del Rio-Chanona, Lafond &
    Farmer (2022, J. Econ. Dyn. Control 144: 104527): output is the least of capacity, demand and
    what each critical input on hand allows, and inputs are used in fixed proportion to output
    made. A producer short of one critical input therefore cannot use the others at its planned
    rate, and it does not buy them for output it cannot make (those models order on demand and
    let the excess pile up as stock, which here made carmakers hold months of magnets' co-inputs
    in a shortage). It expects to make what its binding input allows: the stock on hand, or, once
    that is drawn down, what the input's deliveries let it make yesterday (its previous output).
    The binding input itself is still ordered for the whole plan: that is the shortage the firm
    tries to close. Unchanged whenever stocks cover a day of the plan (then expected = planned)."""
    planned = day.planned
    expected = np.minimum(planned, np.maximum(day.input_limit, state.last_output))
    if _all(expected >= planned):
        return planned.take(world.pair_firm)
    # Each critical input's own limit; the binding one(s) are those at the firm's limit.
    per_input = day.crit_per_input
    own = _step_constants(world).no_pair_limit.copy()
    own[world.crit_pair] = day.stock[world.crit_pair] * per_input
    binding = own <= day.input_limit.take(world.pair_firm)
    return np.where(binding, planned.take(world.pair_firm), expected.take(world.pair_firm))


def _supply(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 3: supply offered to each pool.

    Pool producers offer less when the price they can get has fallen below baseline (short-run
    supply elasticity). That price is the average over the markets still open to them, weighted
    by what those markets order: a producer whose exports are blocked to one country still sells
    at full price to the others, so a ban does not starve third markets; only the home glut of a
    restricting country depresses its producers' offers."""
    n_c, n_p = world.n_countries, world.n_products
    price = state.price
    if policy.pair_allow is None:
        open_orders = day.demand * policy.allow  # (E, I, P)
    else:  # licences by buyer: each firm's orders pass at its own share
        open_orders = _passing_orders(world, day, policy, day.pair_orders, day.bg_demand)
    day.open_total = np.add.reduce(open_orders, axis=1)  # (E, P)
    obtainable = np.where(
        day.open_total > 0, np.add.reduce(open_orders * _route_prices(state, day)[0], axis=1) / day.open_total, price
    )
    willing = np.minimum(obtainable / _step_constants(world).base_price, 1.0)  # (E, P)
    if not _step_constants(world).unit_supply_elasticity:  # (x ** 1 is x: no power to take at the default)
        willing = willing ** world.params.supply_elasticity
    pool_of_firm = _step_constants(world).pool_of_firm
    day.offered = day.can_make.take(world.pool_firms) * willing.take(pool_of_firm)  # (F_pool,) only pool firms offer
    firm_offer_pool = np.bincount(pool_of_firm, weights=day.offered, minlength=n_c * n_p)
    day.bg_offer = state.bg_capacity * willing
    if day.bg_input_share is not None:
        day.bg_offer = day.bg_offer * day.bg_input_share
    day.supply = firm_offer_pool.reshape(n_c, n_p) + day.bg_offer  # (E, P)


def _ration(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 4: measures scale what may ship; a short pool fills allowed orders within contracts
    first, pro rata, and orders beyond contracts (restocking, panic buying) from what is left,
    pro rata; quotas then cap flows."""
    n_c, n_p = world.n_countries, world.n_products
    # A firm's contract with each supplier is its baseline use, split by its current supplier mix
    # (a qualified supplier is a contracted one); background buyers' contracts are their baseline
    # purchases by their current mix. Orders beyond contracts (restocking, hoarding, a plan above
    # baseline) are served only from what contracts leave.
    day.pair_contracted = np.minimum(day.pair_orders, world.pair_base_use)
    day.pair_extra = day.pair_orders - day.pair_contracted
    firm_contracted = np.bincount(
        world.pair_demand_bin, weights=(day.pair_contracted[:, None] * day.pair_mix).ravel(), minlength=n_c * n_c * n_p
    ).reshape(n_c, n_c, n_p)
    bg_contract = day.bg_orders  # (E, I, P) worked out with the orders (stage 2), from the same mix
    day.bg_contracted = np.minimum(day.bg_demand, bg_contract)
    day.demand_contracted = firm_contracted + day.bg_contracted
    day.demand_extra = np.maximum(day.demand - day.demand_contracted, 0.0)
    allow = policy.allow
    d_c, d_x = day.demand_contracted, day.demand_extra
    allow_c = allow_x = allow
    if policy.pair_allow is not None:  # licences by buyer: each tier passes its buyers' average share
        passing_c = _passing_orders(world, day, policy, day.pair_contracted, day.bg_contracted)
        passing_x = _passing_orders(world, day, policy, day.pair_extra, day.bg_demand - day.bg_contracted)
        allow_c = np.where(d_c > 0, passing_c / np.where(d_c > 0, d_c, 1.0), allow)
        allow_x = np.where(d_x > 0, passing_x / np.where(d_x > 0, d_x, 1.0), allow)
        day.buyers = _BuyerShares(policy.pair_allow, allow_c, allow_x, np.ones_like(allow), np.zeros_like(allow))
    supply = day.supply
    contracted_total = np.add.reduce(d_c * allow_c, axis=1)  # (E, P)
    extra_total = np.add.reduce(d_x * allow_x, axis=1)
    fill_contracted_pool = _fill_share(supply, contracted_total)
    left = np.maximum(supply - contracted_total, 0.0)
    fill_extra_pool = _fill_share(left, extra_total)
    # Each tier's fill and (on days a pool is short) share rationed: the passing share times the
    # pool's fill of that tier, or 1 less it. One multiply over the four stacked (E, 1, P) pool
    # shares (the same products, a quarter of the calls: broadcasting is the cost on these arrays).
    pool_shares = np.empty((4, n_c, 1, n_p))
    pool_shares[0, :, 0], pool_shares[1, :, 0] = fill_contracted_pool, fill_extra_pool
    np.subtract(1.0, pool_shares[:2], out=pool_shares[2:])
    by_tier = (allow_c if allow_c is allow_x else np.stack([allow_c, allow_x, allow_c, allow_x])) * pool_shares
    fill_c, fill_x = by_tier[0], by_tier[1]
    # Share of each order a supplier may serve on allowed routes, quotas included: what the price
    # of the importer's market clears on (stage 7), whatever the supplier's pool can spare.
    servable = allow
    for q in policy.quotas:
        shipped = (d_c[q.exporter] * fill_c[q.exporter] + d_x[q.exporter] * fill_x[q.exporter])[q.importers].sum(axis=0)
        scale = np.where(q.products & (shipped > q.cap), q.cap / shipped, 1.0)
        fill_c[q.exporter][q.importers] *= scale[None, :]
        fill_x[q.exporter][q.importers] *= scale[None, :]
        if servable is allow:
            servable = allow.copy()
        servable[q.exporter][q.importers] *= scale[None, :]
        if day.buyers is not None:
            day.buyers.scale[q.exporter][q.importers] *= scale[None, :]
    if day.buyers is not None:  # each order's passing share, averaged over the route's buyers
        ordered = day.demand > 0
        servable = np.where(ordered, (d_c * allow_c + d_x * allow_x) / np.where(ordered, day.demand, 1.0), allow)
        servable = servable * day.buyers.scale
    day.servable = servable
    day.fill_contracted, day.fill_extra = fill_c, fill_x
    day.contract = d_c * fill_c + d_x * fill_x
    day.pool_short = (fill_contracted_pool < 1.0) | (fill_extra_pool < 1.0)  # (E, P)
    day.any_rationed = _any(day.pool_short)
    if day.any_rationed:
        day.rationed_contracted, day.rationed_extra = by_tier[2], by_tier[3]


def _route_fill(day: _Day) -> None:
    """Each route's fill rate from its shipments under both tiers of orders: shipped / ordered
    where anything was ordered, the contracted tier's rate elsewhere. Worked out once, when the
    shipments of stage 4 are final (after the spot market: nothing reads it before). (Divisions by
    zero are discarded by the np.where; step() silences their warnings.)"""
    day.fill = np.where(_ordered(day), day.contract / day.demand, day.fill_contracted)


def _ordered(day: _Day) -> np.ndarray:
    """(E, I, P) bool: routes with orders today (the orders are fixed from stage 2 on: worked out once)."""
    if day.ordered is None:
        day.ordered = day.demand > 0
    return day.ordered


def _leakage(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 4a: restricted goods reach the target through third countries.

    Of the orders an export ban, licensing or quota turns away on a route (1 - servable share:
    blocked by the measure, or beyond the quota's cap), ``policy.leak`` (the product's
    leakage share, less what the actor's extraterritorial rules reach) can be re-routed, once the
    route is organised: ``state.leak_ramp`` grows by 1 / leakage_days a day while the route is
    blocked and unwinds as fast once it is open (the delay). Re-routing costs the
    leakage_premium: it flows only while the importer's price exceeds the exporter's by more than
    that, in full once the importer pays twice the landed cost (1 + premium) x exporter's price,
    linearly in between. Leaked goods come out of the exporter's supply left after its allowed
    orders, pro rata if short, and are delivered and paid like the route's other shipments."""
    leak = policy.leak
    ramp = state.leak_ramp
    if ramp is None:
        return
    step_ramp = 1.0 / world.params.leakage_days
    if leak is None or not _any(leak):
        if _any(ramp):  # routes no longer blocked unwind
            state.leak_ramp = np.maximum(ramp - step_ramp, 0.0)
        return
    open_to_leak = leak > 0
    ramp = np.where(open_to_leak, np.minimum(ramp + step_ramp, 1.0), np.maximum(ramp - step_ramp, 0.0))
    state.leak_ramp = ramp
    importer_price, exporter_price = _route_prices(state, day)
    landed = (1.0 + world.params.leakage_premium) * exporter_price  # (E, I, P) cost of the detour
    worth = np.minimum(np.maximum((importer_price - landed) / landed, 0.0), 1.0)
    # Share of each order that leaks. (Under licences by buyer the servable share is a ratio of
    # sums and may pass 1 by a rounding error: a blocked share of -1e-16 would make the exporter's
    # leak orders a speck below 0, and their fill (spare / ordered) a huge negative number.)
    rate = np.maximum(1.0 - day.servable, 0.0) * leak * ramp * worth
    leak_orders = day.demand * rate
    ordered = np.add.reduce(leak_orders, axis=1)  # (E, P)
    spare = np.maximum(day.supply - np.add.reduce(day.contract, axis=1), 0.0)
    leak_fill = _fill_share(spare, ordered)
    added = rate * leak_fill[:, None, :]
    # A blocked order is blocked whether within contracts or beyond them: both tiers leak alike.
    added_c = added_x = added
    if day.buyers is not None:  # licences by buyer: each tier leaks its own blocked share
        b = day.buyers
        b.leak = leak * ramp * worth * leak_fill[:, None, :]
        added_c = np.maximum(1.0 - b.allow_c * b.scale, 0.0) * b.leak
        added_x = np.maximum(1.0 - b.allow_x * b.scale, 0.0) * b.leak
    d_c, d_x = day.demand_contracted, day.demand_extra
    day.fill_contracted = day.fill_contracted + added_c
    day.fill_extra = day.fill_extra + added_x
    day.leaked = d_c * added_c + d_x * added_x
    day.contract = day.contract + day.leaked
    day.servable = day.servable + added


def _spot_market(world: World, day: _Day) -> None:
    """Stage 4b: orders rationed at a short pool (pro rata, not bans or quotas) go, the same day,
    to pools with supply to spare on fully open routes, in proportion to their spare supply. On
    most days no pool is short and there is nothing to re-route."""
    if not day.any_rationed:
        day.spot = np.zeros(day.contract.shape)  # (np.zeros_like costs five times as much)
        day.shipments = day.contract
        return
    supply = day.supply
    spare = np.maximum(supply - np.add.reduce(day.contract, axis=1), 0.0)  # (E, P)
    # Another source counts as an alternative only with spare supply beyond rounding noise.
    real_spare = np.where(spare > 1e-9 * supply, spare, 0.0)
    _give_way(day, np.add.reduce(np.where(day.terms.open_route, real_spare[:, None, :], 0.0), axis=0))
    day.rationed = rationed = day.demand_contracted * day.rationed_contracted + day.demand_extra * day.rationed_extra
    wanted = np.add.reduce(rationed, axis=0)  # (I, P) still wanted by each importer's buyers
    day.spot = _buy_from_spare(day.terms.open_route, spare, wanted)
    day.spot_total = np.add.reduce(day.spot, axis=0)  # (I, P)
    day.spot_rate = _share(day.spot_total, wanted)  # share of rationed orders served
    day.shipments = day.contract + day.spot


def _buy_from_spare(open_route: np.ndarray, spare: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """(E, I, P) what importers' ``wanted`` (I, P) units buy from pools' ``spare`` supply (E, P)
    on fully open routes: each importer's orders spread over those pools in proportion to their
    spare supply, and a pool asked for more than it can spare fills them pro rata (the spot
    market, stage 4b, and stockpile refills, stage 4c)."""
    weight = np.where(open_route, spare[:, None, :], 0.0)  # (E, I, P)
    weight_total = np.add.reduce(weight, axis=0)  # (I, P)
    orders = np.where(weight_total > 0, wanted / weight_total, 0.0)[None, :, :] * weight  # (0/0 discarded)
    ordered = np.add.reduce(orders, axis=1)  # (E, P)
    return orders * _fill_share(spare, ordered)[:, None, :]


def _release_stockpiles(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 4c: a national stockpile covers what its country's buyers ordered within their
    contracts and did not get (blocked by a measure, or rationed and not bought on the spot
    market), up to its daily release rate and what is left in it; hoarding and restocking orders
    beyond contracts get nothing from it. A stockpile with ``release_on_measure`` is released
    only while a foreign export measure restricts the product to its country. Every buyer of the
    country gets the same share of its contracted orders left unserved (``stock_rate``); released
    units are not shipments of any pool. Then the refills (:func:`_refill_stockpiles`)."""
    n_c, n_p = world.n_countries, world.n_products
    if state.stockpile is None:
        state.stockpile = world.stockpile0.copy()
    day.released = np.zeros((n_c, n_p))
    day.any_released = False
    if not world.has_stockpiles:
        return
    d_c = day.demand_contracted
    unserved = np.add.reduce(d_c * (1.0 - day.fill_contracted), axis=0)  # (I, P) contracted orders not shipped
    if day.any_rationed:  # less what the spot market served of them
        unserved = unserved - day.spot_rate * np.add.reduce(d_c * day.rationed_contracted, axis=0)
    # What rounding leaves of orders that were in fact served (a fill of 1 - 1e-16; a spot market
    # that covered every rationed order, less the same amount) is no shortage: it would release a
    # speck of the stockpile, log a release, and hold up the stockpile's refill for the day.
    unserved = np.where(unserved > 1e-12 * np.add.reduce(d_c, axis=0), unserved, 0.0)
    if _step_constants(world).any_release_on_measure:
        triggered = ~world.release_on_measure
        if policy.restricted is not None:
            triggered = triggered | policy.restricted
        unserved = np.where(triggered, unserved, 0.0)
    released = np.minimum(np.minimum(unserved, state.stockpile), world.stockpile_release)
    if _any(released > 0):
        state.stockpile = state.stockpile - released
        day.released = released
        day.any_released = True
        day.stock_rate = _share(released, unserved)
    if world.has_refill:
        _refill_stockpiles(world, state, policy, day)


def _refill_stockpiles(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 4c, second step: after the episode (nothing released today, no foreign export
    measure restricting the product) a state buys its stockpile back towards its starting level,
    at most ``stockpile_refill`` units a day, from the supply pools still have to spare on fully
    open routes to it, in proportion to that spare supply (so it never takes what firms ordered).
    The purchases are shipments like any other: sellers are paid the buyer's price, the state
    pays it (plus any duty) in its GDP-loss proxy (stage 9), and its orders count in its market's
    demand (stage 7)."""
    wanted = np.maximum(world.stockpile0 - state.stockpile, 0.0)
    wanted = np.minimum(wanted, world.stockpile_refill)
    if day.any_released:
        wanted = np.where(day.released > 0, 0.0, wanted)
    if policy.restricted is not None:
        wanted = np.where(policy.restricted, 0.0, wanted)
    if not _any(wanted > 0):
        return
    spare = np.maximum(day.supply - day.shipments.sum(axis=1), 0.0)  # (E, P)
    bought = _buy_from_spare(day.terms.open_route, spare, wanted)
    if not _any(bought):  # no supply to spare anywhere open to the buyers
        return
    day.refill = bought
    day.shipments = day.shipments + bought
    state.stockpile = state.stockpile + bought.sum(axis=0)


def _pair_from_stockpile(world: World, day: _Day) -> np.ndarray:
    """(K,) each firm's units from its country's stockpile: the stock rate times its contracted
    orders left unserved by pools and the spot market."""
    got_contracted = _pair_weighted(day, day.fill_rows[0])
    if day.any_rationed:
        got_contracted = got_contracted + _pair_weighted(day, day.rationed_rows[0]) * day.spot_rate.take(world.pair_cell)
    return np.maximum(day.pair_contracted - got_contracted, 0.0) * day.stock_rate.take(world.pair_cell)


def _give_way(day: _Day, alternative: np.ndarray) -> None:
    """Stage 4b, first step: at a short pool, buyers who can buy elsewhere give way to buyers who
    cannot. A short pool's supply is bid for; buyers whose importer has another open source with
    supply to spare (``alternative`` (I, P) > 0) would be outbid by buyers without one, so on
    open routes the pool's sales to the former move to the latter (up to their rationed orders,
    and up to what the former can find elsewhere), and the former take the spot market. Without
    this, pro-rata rationing would leave a blocked country short while its neighbours, who could
    buy from the restricting country, keep their share of the only other source."""
    d_c, d_x = day.demand_contracted, day.demand_extra
    f_c, f_x, r_c, r_x = day.fill_contracted, day.fill_extra, day.rationed_contracted, day.rationed_extra
    has_alt = alternative > 0  # (I, P)
    if _all(has_alt) or not _any(has_alt):  # nobody to give way to, or nobody able to
        return
    open_short = day.terms.open_route & day.pool_short[:, None, :]  # (E, I, P)
    gives = open_short & has_alt[None, :, :]
    takes = open_short ^ gives  # open_short & ~has_alt (gives is the rest of open_short)
    if not (_any(gives) and _any(takes)):
        return
    rationed = d_c * r_c + d_x * r_x  # (E, I, P) units rationed
    given = np.where(gives, day.contract, 0.0)  # (E, I, P) sales that could go to others
    # Each giving importer can move no more than the spare supply open to it (less its own rationed orders).
    room = np.maximum(alternative - np.add.reduce(rationed, axis=0), 0.0)
    given_total = np.add.reduce(given, axis=0)
    # (Divisions by zero below are discarded by their np.where; step() silences their warnings.)
    room_scale = _fill_share(room, given_total)[None, :, :]
    given = given * room_scale
    unmet = np.where(takes, rationed, 0.0)  # (E, I, P)
    freeable, short = np.add.reduce(given, axis=1), np.add.reduce(unmet, axis=1)  # (E, P)
    moved = np.minimum(freeable, short)
    give_share = _share(moved, freeable)[:, None, :]
    take_share = _share(moved, short)[:, None, :]
    # Each tier of an order (within contracts, beyond them) moves alike: a taker gets take_share
    # of what it was rationed, a giver gives up give_share of what it was sold (then rationed).
    with_orders = _ordered(day)
    take = np.where(takes & with_orders, take_share, 0.0)
    give = np.where(with_orders & (given > 0), give_share * room_scale, 0.0)  # (given > 0 only where gives)
    taken_c, taken_x, given_c, given_x = take * r_c, take * r_x, give * f_c, give * f_x  # each used twice
    day.fill_contracted = f_c + taken_c - given_c
    day.fill_extra = f_x + taken_x - given_x
    day.rationed_contracted = r_c - taken_c + given_c
    day.rationed_extra = r_x - taken_x + given_x
    day.contract = d_c * day.fill_contracted + d_x * day.fill_extra


def _receive_and_produce(world: World, state: State, day: _Day) -> None:
    """Stage 5: receipts, the pool's sales split among its producers, final-goods output up to the
    binding critical input (Leontief), substitution of missing non-critical inputs, stocks."""
    n_c, n_p, n_f = world.n_countries, world.n_products, world.n_firms
    k_cell, k_row = world.pair_cell, world.pair_row
    # A firm receives its orders times the mix-weighted fill rate of its suppliers into its home
    # country (contracted over suppliers without an (F, P, E) product).
    # (The pairs' rows of each tier's shares are kept for the stockpile's share and the accounts.)
    day.fill_rows = (_pair_rows(world, day, day.fill_contracted, True), _pair_rows(world, day, day.fill_extra, False))
    pair_received = _pair_weighted(day, *day.fill_rows)
    if day.any_rationed:  # each buyer gets its importer's spot rate on its rationed orders
        day.rationed_rows = (
            _pair_rows(world, day, day.rationed_contracted, True, rationed=True),
            _pair_rows(world, day, day.rationed_extra, False, rationed=True),
        )
        day.pair_spot = _pair_weighted(day, *day.rationed_rows) * day.spot_rate.take(k_cell)
        pair_received = pair_received + day.pair_spot
    if day.any_released:  # a national stockpile's share of each buyer's contracted orders left unserved
        day.pair_stock = _pair_from_stockpile(world, day)
        pair_received = pair_received + day.pair_stock
    day.pair_received = pair_received
    available = day.stock + pair_received
    input_limit = _binding_input(world, available, day.intensity, day.crit_per_input)
    day.pool_sold = np.add.reduce(day.shipments, axis=1)  # (E, P)
    # Pool producers (modelled firms and one background producer per pool) share the pool's sales.
    pf = world.pool_firms
    producers_offer = np.concatenate([day.offered, day.bg_offer.ravel()])
    sold_by_producer = _pool_split(world.producers_pool, world.producers_base_share, producers_offer, day.pool_sold.ravel())
    output = np.minimum(day.planned, input_limit)  # final-goods firms; pool firms' output is what they sold
    output[pf] = sold_by_producer[: pf.size]
    day.output = output
    day.bg_sold = sold_by_producer[pf.size :].reshape(n_c, n_p)
    pair_output = output.take(world.pair_firm)  # (K,) each pair's firm's output
    need = day.pair_recipe * pair_output
    day.pair_saved = None if day.intensity is None else (world.pair_recipe - day.pair_recipe) * pair_output
    used = np.where(world.pair_critical, need, np.minimum(need, available))
    day.substituted = need - used
    inventory = state.inventory.copy()  # a new array, as the step has always returned
    inventory.put(k_row, np.maximum(available - used, 0.0))
    state.inventory = inventory
    day.received = np.zeros((n_f, n_p))
    day.received.put(k_row, pair_received)


def _background_received(day: _Day, policy: Policy) -> np.ndarray:
    """(E, I, P) what background buyers received today: their orders at each route's fill, their
    rationed orders at the spot rate, and the national stockpile's share of their contracted
    orders left unserved. Under licences by buyer they get their own share (the route's allow).
    Worked out once a day (stages 5b and 9 read it; the fills are final after stage 4c)."""
    if day.bg_received is not None:
        return day.bg_received
    bg_extra = day.bg_demand - day.bg_contracted
    f_c, f_x, r_c, r_x = day.fill_contracted, day.fill_extra, day.rationed_contracted, day.rationed_extra
    if day.buyers is not None:
        b, a = day.buyers, policy.allow
        f_c, f_x = b.own(a, f_c, True, False), b.own(a, f_x, False, False)
        if day.any_rationed:
            r_c, r_x = b.own(a, r_c, True, True), b.own(a, r_x, False, True)
    bg_got_contracted = day.bg_contracted * f_c  # (each product below is worked out once)
    bg_received = bg_got_contracted + bg_extra * f_x
    if day.any_rationed:
        spot_rate, rationed_contracted = day.spot_rate[None, :, :], day.bg_contracted * r_c
        bg_received = bg_received + (rationed_contracted + bg_extra * r_x) * spot_rate
        if day.any_released:
            bg_got_contracted = bg_got_contracted + rationed_contracted * spot_rate
    if day.any_released:  # the national stockpile's share of their contracted orders not served
        bg_received = bg_received + np.maximum(day.bg_contracted - bg_got_contracted, 0.0) * day.stock_rate[None, :, :]
    day.bg_received = bg_received
    return bg_received


def _background_inputs(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 5b: background producers' stocks of their critical inputs (``World.bg_input_days``),
    in days of use at capacity. Their inputs come with their country's background purchases, at
    the share of its orders those buyers received today (all sources: contracts, spot market,
    national stockpile), like a modelled firm's: today's use plus the stock gap over
    ``replenish_days``, restocking slowed by a price above baseline. They use a day of stock per
    day at capacity; with less than a day on hand they make that share of capacity (stage 1)."""
    stock = state.bg_input_stock
    if stock is None or not world.bg_in_product.size:
        return
    ordered = np.add.reduce(day.bg_demand, axis=0)  # (I, P)
    received = np.add.reduce(_background_received(day, policy), axis=0)
    fill = np.where(ordered > 0, received / ordered, 1.0)  # (0/0 discarded; step() silences it)
    q, p = world.bg_in_input, world.bg_in_product
    capacity = state.bg_capacity.take(p, axis=1)  # (C, R) (take: 2-d fancy indexing is slower)
    used = np.where(capacity > 0, day.bg_sold.take(p, axis=1) / capacity, 0.0)
    restock = np.minimum(_step_constants(world).bg_in_base_price / state.price.take(q, axis=1), 1.0)
    gap = np.maximum(_step_constants(world).bg_in_days - stock, 0.0)
    ordered_days = used + gap * restock / world.params.replenish_days
    state.bg_input_stock = np.maximum(stock - used + fill.take(q, axis=1) * ordered_days, 0.0)


def _accounts(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 6: sales, revenue, input costs (duties included), profit.

    A pool's producers are paid what its buyers pay, less duties: each unit shipped to country
    ``i`` earns ``i``'s price (the importer pays the duty on top, to its own government). So a
    pool's unit value is its sales valued at destination prices over the units sold, and an
    exporter whose buyers abroad pay more in a shortage (a licence holder, a supplier outside the
    restricting country) earns that rent."""
    n_p, n_f = world.n_products, world.n_firms
    k_cell = world.pair_cell
    price, terms, output = state.price, day.terms, day.output
    sales_value = np.add.reduce(day.shipments * _route_prices(state, day)[0], axis=1)  # (E, P) at destination prices
    selling = day.pool_sold > 0
    day.unit_value = np.where(selling, sales_value / day.pool_sold, price)  # (0/0 discarded; step() silences it)
    revenue = output * day.unit_value.take(world.firm_pool)  # pool firms: the pool's unit value
    ff = world.final_firms
    final_prices = price.take(world.final_price_index)  # (F_final, M) price of the firm's product in each market
    revenue[ff] = output.take(ff) * _row_sums(terms.market_split * final_prices)
    if terms.any_duty:
        rows_c, rows_x = day.fill_rows  # units received from contracts, times (1 + duty)
        paid = _pair_weighted(day, rows_c * terms.pair_duty_rows, rows_x * terms.pair_duty_rows)
        # Spot purchases pay the duties of the sources they came from, on average.
        if day.any_rationed:
            spot_total = day.spot_total
            spot_duty = np.where(
                spot_total > 0,
                np.add.reduce(day.spot * terms.one_plus_duty, axis=0) / spot_total,  # (0/0 discarded)
                1.0,
            )
            paid = paid + day.pair_spot * spot_duty.take(k_cell)
        if day.any_released:
            paid = paid + day.pair_stock  # bought from the national stockpile: no duty
    else:
        paid = day.pair_received
    pair_cost = (paid + day.substituted * world.params.substitution_premium) * price.take(k_cell)
    if day.pair_saved is not None:  # thrifting and substitutes cost what they replace (stage 7b)
        pair_cost = pair_cost + day.pair_saved * _saving_cost(world, price).take(k_cell)
    dense_cost = np.zeros((n_f, n_p))  # summed as dense rows: the order (and bits) of the dense step
    dense_cost.put(world.pair_row, pair_cost)
    day.input_cost = np.add.reduce(dense_cost, axis=1)
    day.revenue = revenue
    day.profit = revenue - day.input_cost - world.other_cost_per_unit * output - world.fixed_cost


def _gdp_loss(world: World, state: State, policy: Policy, day: _Day) -> None:
    """Stage 9 (run before prices move): the GDP-loss proxy per country at today's prices ((C,);
    (copies, C) for stacked replications, each copy's sums over its own firms and products)."""
    price = state.price
    # Value added: revenue less modelled inputs less bought-in inputs (fixed per unit), counted in
    # the countries where the firm's plants are.
    value_added = day.revenue - day.input_cost - world.bought_in_per_unit * day.output
    loss = _by_plant(world, world.base_value_added - value_added, world.plant_share)  # (C,)
    consts = _step_constants(world)
    bg_value_added = day.bg_sold * (day.unit_value - consts.bg_bought_in)
    loss += _over_products(world, world.bg_base_value_added - bg_value_added)
    # Upstream: the domestic value added in the bought-in inputs of output lost (or gained) against
    # baseline, in the producing plant's country (its parts and materials suppliers).
    loss += _by_plant(world, world.base_output - day.output, world.upstream_per_unit)
    loss += _over_products(world, (world.bg_output0 - day.bg_sold) * world.bg_upstream_per_unit)
    bg_received = _background_received(day, policy)
    buyer_loss = _over_routes(world, (world.bg_demand0 - bg_received) * consts.base_price_routes * consts.downstream_routes)
    importer_price = _route_prices(state, day)[0]
    buyer_loss += _over_routes(world, bg_received * ((importer_price * day.terms.one_plus_duty) - consts.base_price_routes))
    loss += buyer_loss
    # (Export rents, destination price over home price, are in the producers' sales above.)
    if day.refill is not None:  # the state pays for refilling its stockpile at its market's price, duty included
        loss += _over_products(world, (day.refill * day.terms.one_plus_duty).sum(axis=0) * price, pairwise=False)
    if day.terms.any_duty:
        duty_paid = day.shipments * policy.duty * importer_price
        loss -= _over_routes(world, duty_paid)  # duty revenue of the importing country
    day.gdp_loss = loss


def _by_plant(world: World, per_firm: np.ndarray, by_country: np.ndarray) -> np.ndarray:
    """(C,) ``per_firm`` (F,) spread over countries by ``by_country`` (F, C): ``per_firm @
    by_country``; for stacked copies (copies, C), each copy over its own firms."""
    if world.copies == 1:
        return per_firm @ by_country
    b = world.copies
    return np.einsum("bf,bfc->bc", per_firm.reshape(b, -1), by_country.reshape(b, -1, by_country.shape[1]))


def _over_products(world: World, cells: np.ndarray, pairwise: bool = True) -> np.ndarray:
    """(C,) ``cells`` (C, P) summed over products; for stacked copies (copies, C), each over its own.
    (``pairwise=False``: as ``ndarray.sum``, the same sums, for the call sites that used it.)"""
    if world.copies == 1:
        return np.add.reduce(cells, axis=1) if pairwise else cells.sum(axis=1)
    return np.add.reduce(cells.reshape(cells.shape[0], world.copies, -1), axis=2).T


def _over_routes(world: World, routes: np.ndarray) -> np.ndarray:
    """(I,) ``routes`` (E, I, P) summed over exporters and products; for stacked copies (copies, I)."""
    if world.copies == 1:
        return np.add.reduce(routes, axis=(0, 2))
    n_e, n_i = routes.shape[:2]
    return np.add.reduce(routes.reshape(n_e, n_i, world.copies, -1), axis=(0, 3)).T


def _prices(world: World, state: State, day: _Day) -> None:
    """Stage 7: multiplicative adjustment towards clearing each local pool-product market, then
    arbitrage towards the cheapest landed price of a foreign pool with supply left over.

    The market clears on the orders that can be served: those on routes measures let through
    (and leakage, stage 4a). Orders to a blocked supplier do not bid the price up: they are lost
    inputs, not a price; buyers who move them to reachable suppliers (stage 8a) make them
    servable, and the scarcity of those suppliers' pools then raises the price."""
    prm = world.params
    price, one_plus_duty = state.price, day.terms.one_plus_duty
    received_market = np.add.reduce(day.shipments, axis=0)  # (I, P)
    demanded_market = np.add.reduce(day.demand * day.servable, axis=0)
    if day.refill is not None:  # states' refill orders bid for supply too (all served: bought from spare)
        demanded_market = demanded_market + day.refill.sum(axis=0)
    # Supply stuck at home beyond the pool's usual idle capacity (e.g. held back by the exporter's
    # own controls) weighs on the home price.
    unsold = day.supply - day.pool_sold  # (E, P)
    stuck_at_home = np.maximum(unsold - world.base_spare, 0.0)
    balance = np.where(demanded_market > 0, (received_market + stuck_at_home) / demanded_market, 1.0)
    balance = np.minimum(np.maximum(balance, 1e-9), 1e9)  # np.clip, without its Python overhead
    # The step towards clearing is the imbalance over the demand elasticity (a Newton step on log
    # demand); above a backstop price buyers switch to the substitute, so demand there is as
    # elastic as the backstop makes it and the price moves that much more slowly.
    consts = _step_constants(world)  # (the constants below, worked out once per world)
    elasticity = consts.elasticity
    if world.any_response:
        elasticity = elasticity + prm.backstop_steepness * (price > consts.backstop_price)
    step_log = consts.neg_price_speed * np.log(balance) / elasticity
    new_log = np.log(price) + np.where(consts.pool_product, step_log, 0.0)
    left_over = unsold > 1e-9 * day.supply  # (E, P) pools with supply still unsold
    landed = np.where(day.terms.arbitrage_route & left_over[:, None, :], _route_prices(state, day)[1] * one_plus_duty, np.inf)
    parity = np.log(np.minimum.reduce(landed, axis=0))  # (I, P) cheapest landed price from a pool with spare supply
    above = (new_log > parity) & consts.pool_product
    new_log = np.where(above, new_log - consts.price_speed * (new_log - parity), new_log)  # (inf - inf discarded)
    state.price = np.exp(np.minimum(np.maximum(new_log, consts.log_price_floor), consts.log_price_cap))


def _use_target(
    world: World, relative_price: np.ndarray, qualifying: np.ndarray | None = None, backstop: np.ndarray | None = None
) -> np.ndarray:
    """(C, P) the intensity of use buyers head for at ``relative_price`` (price / baseline):
    thrifting, ``relative ** -long_run_elasticity`` but no lower than 1 - max_thrift, times the
    backstop factor ``min(1, (backstop / relative) ** backstop_steepness)``; never above 1.

    The substitute has a lead time (``substitution_days`` S): buyers must first qualify it (a
    redesign: S days with the price above the backstop, ``qualifying``), then may move to it
    over S days more, a share ``clip(qualifying / S - 1, 0, 1)`` of their use at most. So the
    backstop factor is no lower than one less that share; with S = 0 it applies at once.
    ``backstop``: the factor before that floor, if already worked out at this relative price."""
    consts = _step_constants(world)
    thrift = np.maximum(np.minimum(relative_price ** consts.neg_long_run_elasticity, 1.0), consts.thrift_floor)
    if backstop is None:
        backstop = np.minimum((consts.backstop_multiple / relative_price) ** world.params.backstop_steepness, 1.0)
    if qualifying is not None and consts.any_substitution_days:
        # (np.minimum(np.maximum()) is np.clip, without its Python overhead.)
        qualified = np.minimum(np.maximum(qualifying / consts.substitution_divisor - 1.0, 0.0), 1.0)
        switchable = np.where(consts.substitution_lead, qualified, 1.0)
        backstop = np.maximum(backstop, 1.0 - switchable)
    return thrift * backstop


def _saving_cost(world: World, price: np.ndarray) -> np.ndarray:
    """(C, P) what a unit of input that buyers no longer use (thrifted, or replaced by a
    substitute) costs them: today's price, up to the backstop's price. A buyer saves a unit only
    where that is no dearer than buying it, and the substitute costs the backstop price."""
    return np.minimum(price, _step_constants(world).backstop_price)


def _respond_to_price(world: World, state: State, day: _Day | None = None) -> None:
    """Stage 7b (on the day's prices, before they move): buyers' intensity of use in each country
    moves 1 / its product's thrift_days of the way to its long-run target (:func:`_use_target`) each day. The
    response to a price shock thus grows over months from the short-run elasticity (Leontief for
    firms) towards the long-run one, CES-like, and is undone as slowly when prices fall back."""
    if not world.any_response or state.intensity is None:
        return
    # The day's relative price and backstop factor, if the orders (stage 2) worked them out from
    # this same price (it moves only in stage 7, after this).
    consts = _step_constants(world)
    relative = state.price / consts.base_price if day is None or day.rel_price is None else day.rel_price
    if state.qualifying is not None:  # a day of qualifying the substitute wherever it is dearer
        state.qualifying = state.qualifying + (relative > consts.backstop_multiple)
    target = _use_target(world, relative, state.qualifying, None if day is None else day.backstop)
    state.intensity = state.intensity + (target - state.intensity) / world.thrift_days[None, :]


def _adapt_suppliers(world: World, state: State, day: _Day) -> None:
    """Stage 8a: trust falls fast to each supplier's fill rate and recovers slowly; supplier mixes
    (firms' and background buyers') move towards trusted suppliers.

    Diversification lasts: a buyer drifts back towards its incumbent (baseline) mix only while
    that mix is cheaper, landed (price x (1 + duty)), than its current one by more than the
    switching cost, and none of its incumbent routes is restricted. A supplier it has qualified
    stays unless the incumbent undercuts it by more than the cost of switching back."""
    prm = world.params
    n_c, n_k = world.n_countries, world.pair_row.size
    terms = day.terms
    fill, trust = day.fill, state.trust
    rate = np.where(fill < trust, prm.trust_loss, prm.trust_recovery)
    trust = np.where(_ordered(day), trust + rate * (fill - trust), trust)
    state.trust = trust
    # Firms' pairs and unmodelled buyers switch alike (so a shortage at one source does not leave
    # background buyers short for ever while other sources have goods to sell): one (N, E) block.
    mix = np.concatenate([day.pair_mix, state.bg_mix.reshape(-1, n_c)])  # (N, E)
    shape = mix.shape
    attract = trust.take(world.switch_bins).reshape(shape)  # (N, E) trust / (1 + duty) of each source
    landed_rows = state.price.take(_step_constants(world).switch_price_bins).reshape(shape)  # price x (1 + duty)
    if terms.any_duty:  # (without duties x / 1 and x * 1 are x: nothing to do)
        attract = attract / terms.duty_rows
        landed_rows = landed_rows * terms.duty_rows
    weighted = mix * attract
    total = _row_sums(weighted)[:, None]
    # weighted / total, or the current mix where nothing attracts (0 / 0 there, discarded).
    target_mix = weighted / total
    attracting = total > 0
    if not _all(attracting):
        idle = ~attracting[:, 0]
        target_mix[idle] = mix[idle]
    # mix + (target - mix) / switching_days + pull * (mix0 - mix), in place.
    target_mix -= mix
    target_mix /= prm.switching_days
    target_mix += mix
    # (Whether an incumbent route is closed is a constant of the policy: in its terms.)
    drift = (_row_sums(world.switch_mix0 * landed_rows) < (1.0 - prm.switching_cost) * _row_sums(mix * landed_rows)) & (
        terms.incumbent_open
    )
    if _any(drift):  # (rows not drifting would add 0)
        pull = world.switch_mix0 - mix
        pull *= (prm.incumbent_pull * drift)[:, None]
        target_mix += pull
    # Back into the (F, P, E) state: each pair's E shares are one contiguous 8E-byte row, so
    # viewing rows as opaque records makes the scatter a plain 1-d put (much faster than
    # fancy row assignment).
    as_record = _step_constants(world).mix_record
    day.mix_rows.view(as_record).reshape(-1).put(world.pair_row, target_mix[:n_k].view(as_record).reshape(-1))
    state.bg_mix = target_mix[n_k:].reshape(state.bg_mix.shape)


def _grow_capacity(world: World, state: State, day: _Day) -> None:
    """Stage 8b: background producers order capacity against demand left unmet (rationed and not
    served by the spot market); it arrives after the product's ramp-up, up to a cap."""
    pipeline = state.pipeline
    if not pipeline.flags.c_contiguous or pipeline.dtype != np.float64:  # (flat views of it below write through)
        state.pipeline = pipeline = np.ascontiguousarray(pipeline, dtype=np.float64)
    slots = pipeline.shape[0]
    arriving = pipeline[state.day % slots].copy()
    pipeline[state.day % slots] = 0.0
    # A pool orders expansion_response x max(unmet - in pipeline, 0): nothing where no demand is
    # left unmet or capacity cannot grow, so with no pool rationed, or none that may grow, there is
    # nothing to order (adding 0 would leave the pipeline's bits as they are).
    if day.any_rationed and _step_constants(world).any_growing:
        unmet = np.add.reduce(day.rationed * (1.0 - day.spot_rate)[None, :, :], axis=1)  # (C, P)
        _order_capacity(world, state, unmet, arriving)
    state.bg_capacity = state.bg_capacity + arriving
    _invest(world, state, day)


def _order_capacity(world: World, state: State, unmet: np.ndarray, arriving: np.ndarray) -> None:
    """Stage 8b, the orders: each pool orders a share of its ``unmet`` demand (C, P) not already in
    the pipeline, up to the headroom left under its cap; the order joins the pipeline at its
    arrival slot. Only pools with unmet demand whose capacity may grow order (elsewhere the order
    is 0), so only their capacity in the pipeline is summed (:func:`_pipeline_total`: the same
    bits as the full sum), a few columns of the long pipeline."""
    cells = np.flatnonzero((unmet > 0) & _step_constants(world).growing)
    if cells.size == 0:
        return
    n_cells, slots = unmet.size, state.pipeline.shape[0]
    in_pipeline = np.zeros(n_cells)
    in_pipeline[cells] = _pipeline_total(state.pipeline.reshape(slots, n_cells), cells)
    in_pipeline = in_pipeline.reshape(unmet.shape)
    headroom = np.maximum(world.bg_max_capacity - state.bg_capacity - arriving - in_pipeline, 0.0)
    new_orders = np.minimum(world.expansion_response * np.maximum(unmet - in_pipeline, 0.0), headroom)
    arrival_slot = (state.day + _step_constants(world).arrival_days) % slots  # (P,)
    # pipeline[arrival_slot[p], c, p] += new_orders[c, p], as one flat scatter into a view.
    state.pipeline.reshape(-1)[arrival_slot * n_cells + world.pool_cell] += new_orders


def _pipeline_total(rows: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """(n,) capacity in the pipeline ``rows`` (R, C * P) of each pool in ``cells`` (n,), summed over
    the slots bit for bit as ``np.add.reduce(pipeline, axis=0)`` does: numpy adds C-contiguous
    rows one after the other, in slot order, a running sum that np.add.accumulate along a pool's
    column reproduces. That pass over all R rows costs as much for one pool as for all of them;
    a few pools' running sums cost a fraction of it. More pools (stacked replications order in
    many at once, sim.stacking): their columns gathered, then summed over the slots the same way
    (row after row); all of them once they are a quarter of the pools or more."""
    if cells.size <= 4:
        return np.add.accumulate(rows.T[cells], axis=1)[:, -1]
    if 4 * cells.size < rows.shape[1]:
        return np.add.reduce(rows.take(cells, axis=1), axis=0)
    return np.add.reduce(rows, axis=0)[cells]


def _invest(world: World, state: State, day: _Day) -> None:
    """Stage 8c (run at the end of stage 8b): investment where little or none existed.

    Price-driven investors watch the local price (an exponential average of price / baseline over
    ``investment_signal_days``); where it has reached ``invest_trigger`` they order their
    ``new_capacity`` once, as a project with the product's ramp-up as lead time. Projects (theirs
    and those ordered by governments or firms through :func:`order_investment`) are paid for
    while they are built, in the payer's GDP-loss proxy (and its firm's profit), and add capacity
    on arrival, with any offtake contract moving the offtaker's buyers to the new source."""
    state.price_signal = state.price_signal + (state.price / _step_constants(world).base_price - state.price_signal) / max(
        world.params.investment_signal_days, 1.0
    )
    consts = _step_constants(world)
    due = None
    if consts.any_investable:
        due = (state.price_signal >= world.invest_trigger) & consts.investable & (state.price_invested == 0)
    if due is not None and _any(due):
        for c, p in np.argwhere(due):
            capacity = float(world.new_capacity[c, p])
            order_investment(world, state, int(c), int(p), capacity, int(world.ramp_up_days[p]), capacity * world.capex[c, p])
        state.price_invested = np.where(due, 1.0, state.price_invested)
    projects = state.projects
    if projects.shape[0] == 0:
        return
    today = state.day
    paying = (projects[:, _PJ["start"]] <= today) & (today < projects[:, _PJ["arrival"]])
    if _any(paying):
        cost = projects[:, _PJ["daily_cost"]] * paying
        payer = projects[:, _PJ["payer"]].astype(np.int64)
        if world.copies == 1:
            day.gdp_loss = day.gdp_loss + np.bincount(payer, weights=cost, minlength=world.n_countries)
        else:  # each project's cost in its own copy (the copy of its product)
            copy = projects[:, _PJ["product"]].astype(np.int64) // (world.n_products // world.copies)
            by_copy = np.bincount(copy * world.n_countries + payer, weights=cost, minlength=world.copies * world.n_countries)
            day.gdp_loss = day.gdp_loss + by_copy.reshape(world.copies, world.n_countries)
        firm = projects[:, _PJ["payer_firm"]].astype(np.int64)
        by_firm = firm >= 0
        if _any(by_firm):
            day.profit = day.profit - np.bincount(firm[by_firm], weights=cost[by_firm], minlength=world.n_firms)
    # In place at the end of the day before arrival, so the new capacity produces from day `arrival`.
    arriving = projects[:, _PJ["arrival"]] == today + 1
    if not _any(arriving):
        return
    for row in projects[arriving]:  # few: a project arrives once
        c, p = int(row[_PJ["country"]]), int(row[_PJ["product"]])
        state.bg_capacity = state.bg_capacity.copy()
        state.bg_capacity[c, p] += row[_PJ["capacity"]]
        state.built[c, p] += row[_PJ["capacity"]]
        offtake, share = int(row[_PJ["offtake"]]), row[_PJ["offtake_share"]]
        if offtake >= 0 and share > 0:
            source = np.zeros(world.n_countries)
            source[c] = 1.0
            buyers = np.flatnonzero(
                (world.firm_home == offtake) & ((world.recipe[:, p] > 0) | (world.mix0[:, p].sum(axis=1) > 0))
            )
            state.mix[buyers, p] = (1.0 - share) * state.mix[buyers, p] + share * source[None, :]
            state.bg_mix = state.bg_mix.copy()
            state.bg_mix[offtake, p] = (1.0 - share) * state.bg_mix[offtake, p] + share * source
