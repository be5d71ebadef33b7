"""The Mesa model: builds the economy and the agents from a scenario, runs the clocks, applies the
agents' actions as logged events, and records daily series as numpy snapshots.

A replication is a plain function of (scenario, seed): :func:`run_replication` reads no files.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np

from agents import FirmAgent, GovernmentAgent, RuleContext
from agents.base import IMPOSE, INVEST, LIFT, Action, Move, Window, build_rule
from agents.firm import lobbying_pressure
from sim.config import RuleSpec, Scenario
from sim.economy import Measure, World, initial_state, policy_from_measures, step
from sim.world import build_world, measure_index

LOSS_MEMORY_DAYS = 30.0  # firms lobby on their recent (about a month's) profit loss
# The outcome row reads the shipments of the last days only (final import shares); an outcomes-only
# recorder keeps just these days in a ring buffer.
OUTCOME_WINDOW_DAYS = 30


def stream(seed: np.random.SeedSequence, name: str) -> np.random.Generator:
    """A named random stream derived from the replication seed: one per random process, so that
    changing one process leaves the others' draws unchanged (common random numbers)."""
    key = zlib.crc32(name.encode())
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key))))


@dataclass
class ActiveMeasure:
    key: str
    actor: str
    label: str
    spec: Any
    index: Measure
    since: int


@dataclass
class Recorder:
    """Preallocated daily arrays; converted to tables once, after the run."""

    price: np.ndarray
    shipments: np.ndarray
    gdp_loss: np.ndarray
    pressure: np.ndarray
    measures: np.ndarray
    bg_capacity: np.ndarray
    output: np.ndarray | None
    profit: np.ndarray | None
    cover: np.ndarray | None  # (T, K) days of cover for the firms' (firm, input) pairs
    cover_pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    # Outcomes-only recording (batch runs that keep no daily series): ``price`` holds the running
    # maximum (1, C, P), ``shipments`` a ring buffer of the last OUTCOME_WINDOW_DAYS days, and
    # ``bg_capacity`` is not kept. :meth:`CoercionModel.run` puts the ring in day order at the end.
    outcomes_only: bool = False


class CoercionModel(mesa.Model):
    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence | int = 0,
        world: World | None = None,
        record_firms: bool = True,
        outcomes_only: bool = False,
    ) -> None:
        seed_seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        super().__init__(rng=stream(seed_seq, "mesa"))
        self.scenario = scenario
        self.seed_seq = seed_seq
        self.world = world if world is not None else build_world(scenario)
        self.state = initial_state(self.world)
        self.day = 0
        self.active: dict[str, ActiveMeasure] = {}
        self.events: list[dict[str, Any]] = []
        w = self.world
        n_c, n_p, n_f = w.n_countries, w.n_products, w.n_firms
        self.country_index = {c: i for i, c in enumerate(w.countries)}
        self.product_index = {p: i for i, p in enumerate(w.products)}
        self.firm_index = {f: i for i, f in enumerate(w.firm_names)}
        self.cum_gdp_loss = np.zeros(n_c)
        self.recent_profit_loss = np.zeros(n_f)  # share of baseline profit, smoothed
        self.pressure = np.zeros(n_c)

        self.moves: list[Move] = []  # the public record of logged decisions
        self._last_move: dict[str, str] = {}  # actor -> label of its last logged move
        self.investment_usd = np.zeros(n_f)
        self.last_shipments: np.ndarray | None = None  # yesterday's (E, I, P) shipments, for the view

        self.governments: list[GovernmentAgent] = []
        self.perception: dict[str, tuple[float, np.random.Generator]] = {}
        scripted = {item.actor for item in scenario.schedule}
        configured = dict(scenario.governments)
        for country in w.countries:
            if country not in configured and country not in scripted:
                continue
            gov_cfg = configured.get(country)
            specs = list(gov_cfg.rules) if gov_cfg else []
            if country in scripted and not any(s.rule == "schedule" for s in specs):
                specs.append(RuleSpec(rule="schedule"))
            own_schedule = tuple((k, item) for k, item in enumerate(scenario.schedule) if item.actor == country)
            rules = [
                build_rule(
                    spec.rule,
                    spec.params,
                    RuleContext(actor=country, rng=stream(seed_seq, f"rule:{country}:{j}:{spec.rule}"), schedule=own_schedule),
                )
                for j, spec in enumerate(specs)
            ]
            self.perception[country] = (
                gov_cfg.perception_noise if gov_cfg else 0.0,
                stream(seed_seq, f"perception:{country}"),
            )
            self.governments.append(
                GovernmentAgent(
                    self,
                    country,
                    rules,
                    gov_cfg.decision_interval_days if gov_cfg else 1,
                    gov_cfg.temperature if gov_cfg else 0.0,
                    stream(seed_seq, f"choice:{country}"),
                    gov_cfg.first_decision_day if gov_cfg else 0,
                )
            )
        self.firms = []
        for f, name in enumerate(w.firm_names):
            firm_cfg = scenario.firms.get(name)
            specs = list(firm_cfg.rules) if firm_cfg else []
            rules = [
                build_rule(spec.rule, spec.params, RuleContext(actor=name, rng=stream(seed_seq, f"rule:{name}:{j}:{spec.rule}")))
                for j, spec in enumerate(specs)
            ]
            self.firms.append(
                FirmAgent(
                    self,
                    name,
                    w.countries[w.firm_home[f]],
                    f,
                    float(w.influence[f]),
                    rules=rules,
                    decision_interval_days=firm_cfg.decision_interval_days if firm_cfg else 7,
                    rng=stream(seed_seq, f"choice:{name}"),
                )
            )
        self.deciding_firms = [firm for firm in self.firms if firm.rules]
        # Lobbying terms per firm (vectorised daily): a dead zone below which losses do not lobby,
        # and the weight with which gains lobby the other way (for a hard line).
        terms = np.array([firm.lobbying_terms() for firm in self.firms]).reshape(n_f, 2)
        self.lobby_dead_zone, self.lobby_gain_weight = terms[:, 0].copy(), terms[:, 1].copy()

        horizon = scenario.horizon_days
        pairs = np.argwhere(w.recipe > 0) if record_firms else np.zeros((0, 2), dtype=np.int64)
        kept_days = min(OUTCOME_WINDOW_DAYS, horizon) if outcomes_only else horizon
        self.rec = Recorder(
            price=np.zeros((1 if outcomes_only else horizon, n_c, n_p)),
            shipments=np.zeros((kept_days, n_c, n_c, n_p)),
            gdp_loss=np.zeros((horizon, n_c)),
            pressure=np.zeros((horizon, n_c)),
            measures=np.zeros((horizon, n_c)),
            bg_capacity=np.zeros((0 if outcomes_only else horizon, n_c, n_p)),
            output=np.zeros((horizon, n_f)) if record_firms else None,
            profit=np.zeros((horizon, n_f)) if record_firms else None,
            cover=np.zeros((horizon, len(pairs))) if record_firms else None,
            cover_pairs=pairs,
            outcomes_only=outcomes_only,
        )
        # Days of cover are read for the recorded pairs as a flat take (cheaper than 2-d fancy indexing).
        self._cover_index = pairs[:, 0] * n_p + pairs[:, 1]
        self._cover_base = w.base_use[pairs[:, 0], pairs[:, 1]]
        self.view = ModelView(self)
        self._policy_key: tuple | None = None
        self._policy = None

    # ------------------------------------------------------------------ the daily clock

    def step(self) -> None:
        day = self.day
        for gov in self.governments:
            for action in gov.decide(self.view):
                self._apply(gov.country, action)
        for firm in self.deciding_firms:
            for action in firm.decide(self.view):
                self._apply(firm.name, action)
        # The policy arrays change only when a measure starts or ends or a licence review closes.
        under_review = tuple(
            m.index.kind == "export_licensing" and day - m.index.start_day < m.index.review_delay_days
            for m in self.active.values()
        )
        key = (tuple(self.active), under_review)
        if key != self._policy_key:
            self._policy = policy_from_measures(self.world, [m.index for m in self.active.values()], day)
            self._policy_key = key
        policy = self._policy
        result = step(self.world, self.state, policy)

        w = self.world
        self.cum_gdp_loss += result.gdp_loss
        with np.errstate(divide="ignore", invalid="ignore"):
            loss_share = np.where(w.base_profit > 0, (w.base_profit - result.profit) / w.base_profit, 0.0)
        self.recent_profit_loss += (loss_share - self.recent_profit_loss) / LOSS_MEMORY_DAYS
        # Every firm lobbies (FirmAgent.lobbying); summed per country in one vectorised pass.
        self.pressure = np.bincount(
            w.firm_home,
            weights=lobbying_pressure(w.influence, self.recent_profit_loss, self.lobby_dead_zone, self.lobby_gain_weight),
            minlength=w.n_countries,
        )
        self.last_shipments = result.shipments

        rec = self.rec
        if rec.outcomes_only:
            if day:
                np.maximum(rec.price[0], self.state.price, out=rec.price[0])
            else:
                rec.price[0] = self.state.price
            rec.shipments[day % len(rec.shipments)] = result.shipments
        else:
            rec.price[day] = self.state.price
            rec.shipments[day] = result.shipments
            rec.bg_capacity[day] = self.state.bg_capacity
        rec.gdp_loss[day] = result.gdp_loss
        rec.pressure[day] = self.pressure
        for m in self.active.values():
            rec.measures[day, self.country_index[m.actor]] += 1
        if rec.output is not None:
            rec.output[day] = result.output
            rec.profit[day] = result.profit
            np.divide(self.state.inventory.take(self._cover_index), self._cover_base, out=rec.cover[day])
        self.day += 1

    def run(self) -> None:
        while self.day < self.scenario.horizon_days:
            self.step()
        rec = self.rec
        if rec.outcomes_only and len(rec.shipments):
            # The ring's oldest day sits at ``day % len``: roll it to the front (day order).
            rec.shipments = np.roll(rec.shipments, -(self.day % len(rec.shipments)), axis=0)

    # ------------------------------------------------------------------ actions and events

    def _apply(self, actor: str, action: Action) -> None:
        """Carry out one action and log it as an event (a move that changes nothing is not logged:
        re-imposing a measure already in force, lifting one that is not, repeating the stance
        the actor last declared)."""
        spec = action.measure
        if action.kind == IMPOSE:
            current = self.active.get(action.measure_key)
            if current is not None and current.spec == spec:
                return
            for key in action.measure_keys:  # measures this one replaces (e.g. licensing -> ban)
                self.active.pop(key, None)
            self.active[action.measure_key] = ActiveMeasure(
                action.measure_key, actor, action.label, spec, measure_index(self.world, spec, self.day), self.day
            )
        elif action.kind == INVEST:
            self._invest(actor, action)
        else:
            lifted = [self.active.pop(k) for k in action.keys_to_lift() if k in self.active]
            if action.kind == LIFT:
                if not lifted:
                    return
                spec = lifted[0].spec if spec is None else spec
            elif not lifted and self._last_move.get(actor) == action.label:
                return  # the same stance as before: nothing new to record
        self._last_move[actor] = action.label
        self.moves.append(Move(self.day, actor, action.kind, action.label, action.target, action.rule, action.rung))
        self.events.append(
            {
                "day": self.day,
                "actor": actor,
                "action": action.label,
                "kind": action.kind,
                "measure": spec.measure if spec is not None else "",
                "target": action.target,
                "products": ",".join(spec.products if spec is not None else [action.product] if action.product else []),
                "tiers": ",".join(spec.tiers) if spec is not None else "",
                "enforcement": float(spec.enforcement) if spec is not None else np.nan,
                "rule": action.rule,
                "reason": action.reason,
                "alternatives": json.dumps([{"action": a, "utility": round(u, 6)} for a, u in action.alternatives]),
                "rung": int(action.rung),
            }
        )

    def _invest(self, firm_name: str, action: Action) -> None:
        """A firm finances ``amount`` units/day of capacity for ``product`` in country ``target``;
        it arrives after the product's ramp-up delay (the Sojitz-JOGMEC-Lynas deal of 2010-11 is
        the model: financing in exchange for supply, DESIGN.md "Historical episodes")."""
        w, state = self.world, self.state
        c, p = self.country_index[action.target], self.product_index[action.product]
        slots = state.pipeline.shape[0]
        slot = (state.day + max(int(w.ramp_up_days[p]), 1)) % slots
        state.pipeline[slot, c, p] += action.amount
        # Valued, like the event's reason, as a year's output of the financed capacity at baseline price.
        self.investment_usd[self.firm_index[firm_name]] += action.amount * 365.0 * w.base_price[p]

class ModelView:
    """Read-only window on the model for agents (the :class:`agents.base.WorldView` protocol)."""

    def __init__(self, model: CoercionModel) -> None:
        self._m = model
        w = model.world
        self.countries = tuple(w.countries)
        self.products = tuple(w.products)
        self.firms = tuple(w.firm_names)
        total = w.flow0.sum(axis=0)  # (I, P) each importer's total baseline supply
        with np.errstate(divide="ignore", invalid="ignore"):
            self._supply_share = np.where(total[None] > 0, w.flow0 / total[None], 0.0)
        self._base_exports = (w.flow0 * w.cross_border * w.base_price[None, None, :]).sum(axis=(1, 2))
        windows = model.scenario.calendar
        self._windows = tuple(
            Window(x.name, x.start_day, x.end_day, tuple(x.parties) or self.countries) for x in windows
        )

    @property
    def day(self) -> int:
        return self._m.day

    def gdp_loss_pct(self, country: str) -> float:
        c = self._m.country_index[country]
        return float(100.0 * self._m.cum_gdp_loss[c] / (self._m.world.gdp_daily[c] * 365.0))

    def perceived_pain(self, observer: str, country: str) -> float:
        true = self.gdp_loss_pct(country)
        noise, rng = self._m.perception.get(observer, (0.0, None))
        if observer == country or noise <= 0 or rng is None:
            return true
        return float(true * np.exp(rng.normal(0.0, noise)))

    def lobbying_pressure(self, country: str) -> float:
        return float(self._m.pressure[self._m.country_index[country]])

    def price_multiple(self, country: str, product: str) -> float:
        m = self._m
        p = m.product_index[product]
        return float(m.state.price[m.country_index[country], p] / m.world.base_price[p])

    def measures_in_force(self, actor: str | None = None, target: str | None = None) -> Mapping[str, Any]:
        return {
            k: m.spec
            for k, m in self._m.active.items()
            if (actor is None or m.actor == actor) and (target is None or m.spec.target in (target, "all"))
        }

    def moves(
        self, actor: str | None = None, kind: str | None = None, target: str | None = None, label: str | None = None
    ) -> tuple[Move, ...]:
        return tuple(
            mv
            for mv in self._m.moves
            if (actor is None or mv.actor == actor)
            and (kind is None or mv.kind == kind)
            and (target is None or mv.target == target)
            and (label is None or mv.label == label)
        )

    def windows_open(self, party: str | None = None) -> tuple[Window, ...]:
        day = self.day
        return tuple(
            w for w in self._windows if w.start_day <= day <= w.end_day and (party is None or party in w.parties)
        )

    def tier(self, product: str) -> str:
        return self._m.world.tiers[self._m.product_index[product]]

    def supply_share(self, importer: str, exporter: str, product: str) -> float:
        """Share of ``importer``'s baseline supply of ``product`` (domestic included) from ``exporter``."""
        m = self._m
        return float(self._supply_share[m.country_index[exporter], m.country_index[importer], m.product_index[product]])

    def trade_value(self, exporter: str, importer: str, product: str) -> float:
        """Baseline flow, USD per year."""
        m = self._m
        e, i, p = m.country_index[exporter], m.country_index[importer], m.product_index[product]
        return float(m.world.flow0[e, i, p] * m.world.base_price[p] * 365.0)

    def downstream_multiplier(self, product: str) -> float:
        return float(self._m.world.downstream_multiplier[self._m.product_index[product]])

    def gdp(self, country: str) -> float:
        """USD per year."""
        return float(self._m.world.gdp_daily[self._m.country_index[country]] * 365.0)

    def export_change_pct(self, country: str) -> float:
        """Yesterday's cross-border exports at baseline prices vs baseline, in %."""
        m = self._m
        shipped = m.last_shipments
        c = m.country_index[country]
        base = self._base_exports[c]
        if shipped is None or base <= 0:
            return 0.0
        now = float((shipped[c] * m.world.cross_border[c] * m.world.base_price[None, :]).sum())
        return 100.0 * (now - base) / base

    def firm_loss_share(self, firm: str) -> float:
        return float(self._m.recent_profit_loss[self._m.firm_index[firm]])

    def firm_country(self, firm: str) -> str:
        w = self._m.world
        return w.countries[w.firm_home[self._m.firm_index[firm]]]

    def firm_product(self, firm: str) -> str:
        w = self._m.world
        return w.products[w.firm_product[self._m.firm_index[firm]]]

    def days_of_cover(self, firm: str, product: str) -> float:
        m = self._m
        f, p = m.firm_index[firm], m.product_index[product]
        base = m.world.base_use[f, p]
        return float(m.state.inventory[f, p] / base) if base > 0 else float("inf")

    def ramp_up_days(self, product: str) -> int:
        return int(self._m.world.ramp_up_days[self._m.product_index[product]])

    def base_price(self, product: str) -> float:
        return float(self._m.world.base_price[self._m.product_index[product]])

    def baseline_use(self, firm: str, product: str) -> float:
        """A firm's baseline use of an input, units per day."""
        m = self._m
        return float(m.world.base_use[m.firm_index[firm], m.product_index[product]])
