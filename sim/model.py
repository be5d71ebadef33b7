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
from agents.base import Action, build_rule
from agents.firm import lobbying_pressure
from sim.config import Scenario
from sim.economy import Measure, World, initial_state, policy_from_measures, step
from sim.world import build_world, measure_index

LOSS_MEMORY_DAYS = 30.0  # firms lobby on their recent (about a month's) profit loss


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


class CoercionModel(mesa.Model):
    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence | int = 0,
        world: World | None = None,
        record_firms: bool = True,
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

        self.governments: list[GovernmentAgent] = []
        scripted = {item.actor for item in scenario.schedule}
        configured = dict(scenario.governments)
        for country in w.countries:
            if country not in configured and country not in scripted:
                continue
            gov_cfg = configured.get(country)
            specs = gov_cfg.rules if gov_cfg else []
            if not gov_cfg or not any(s.rule == "schedule" for s in specs):
                from sim.config import RuleSpec

                specs = [*specs, RuleSpec(rule="schedule")] if country in scripted else list(specs)
            own_schedule = tuple((k, item) for k, item in enumerate(scenario.schedule) if item.actor == country)
            rules = [
                build_rule(
                    spec.rule,
                    spec.params,
                    RuleContext(actor=country, rng=stream(seed_seq, f"rule:{country}:{j}:{spec.rule}"), schedule=own_schedule),
                )
                for j, spec in enumerate(specs)
            ]
            self.governments.append(
                GovernmentAgent(
                    self,
                    country,
                    rules,
                    gov_cfg.decision_interval_days if gov_cfg else 1,
                    gov_cfg.temperature if gov_cfg else 0.0,
                    stream(seed_seq, f"choice:{country}"),
                )
            )
        self.firms = [
            FirmAgent(self, name, w.countries[w.firm_home[f]], f, float(w.influence[f]))
            for f, name in enumerate(w.firm_names)
        ]

        horizon = scenario.horizon_days
        pairs = np.argwhere(w.recipe > 0) if record_firms else np.zeros((0, 2), dtype=np.int64)
        self.rec = Recorder(
            price=np.zeros((horizon, n_c, n_p)),
            shipments=np.zeros((horizon, n_c, n_c, n_p)),
            gdp_loss=np.zeros((horizon, n_c)),
            pressure=np.zeros((horizon, n_c)),
            measures=np.zeros((horizon, n_c)),
            bg_capacity=np.zeros((horizon, n_c, n_p)),
            output=np.zeros((horizon, n_f)) if record_firms else None,
            profit=np.zeros((horizon, n_f)) if record_firms else None,
            cover=np.zeros((horizon, len(pairs))) if record_firms else None,
            cover_pairs=pairs,
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
            w.firm_home, weights=lobbying_pressure(w.influence, self.recent_profit_loss), minlength=w.n_countries
        )

        rec = self.rec
        rec.price[day] = self.state.price
        rec.shipments[day] = result.shipments
        rec.gdp_loss[day] = result.gdp_loss
        rec.pressure[day] = self.pressure
        rec.bg_capacity[day] = self.state.bg_capacity
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

    # ------------------------------------------------------------------ actions and events

    def _apply(self, actor: str, action: Action) -> None:
        spec = action.measure
        if action.kind == "impose":
            if action.measure_key in self.active:
                return  # already in force: nothing happens, nothing to log
            self.active[action.measure_key] = ActiveMeasure(
                action.measure_key, actor, action.label, spec, measure_index(self.world, spec, self.day), self.day
            )
        elif action.kind == "lift" and self.active.pop(action.measure_key, None) is None:
            return  # nothing in force under that key: nothing to log
        self.events.append(
            {
                "day": self.day,
                "actor": actor,
                "action": action.label,
                "kind": action.kind,
                "measure": getattr(spec, "measure", "") if spec is not None else "",
                "target": action.target,
                "products": ",".join(getattr(spec, "products", []) or []) if spec is not None else "",
                "tiers": ",".join(getattr(spec, "tiers", []) or []) if spec is not None else "",
                "enforcement": float(getattr(spec, "enforcement", np.nan)) if spec is not None else np.nan,
                "rule": action.rule,
                "reason": action.reason,
                "alternatives": json.dumps([{"action": a, "utility": u} for a, u in action.alternatives]),
            }
        )


class ModelView:
    """Read-only window on the model for agents (the :class:`agents.base.WorldView` protocol)."""

    def __init__(self, model: CoercionModel) -> None:
        self._m = model
        self.countries = tuple(model.world.countries)
        self.products = tuple(model.world.products)

    @property
    def day(self) -> int:
        return self._m.day

    def gdp_loss_pct(self, country: str) -> float:
        c = self._m.country_index[country]
        return float(100.0 * self._m.cum_gdp_loss[c] / (self._m.world.gdp_daily[c] * 365.0))

    def lobbying_pressure(self, country: str) -> float:
        return float(self._m.pressure[self._m.country_index[country]])

    def price_multiple(self, country: str, product: str) -> float:
        m = self._m
        p = m.product_index[product]
        return float(m.state.price[m.country_index[country], p] / m.world.base_price[p])

    def measures_in_force(self, actor: str | None = None) -> Mapping[str, Any]:
        return {k: m.spec for k, m in self._m.active.items() if actor is None or m.actor == actor}

    def firm_loss_share(self, firm: str) -> float:
        return float(self._m.recent_profit_loss[self._m.firm_index[firm]])
