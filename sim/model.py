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
from agents.base import (
    IMPOSE,
    INVEST,
    LEVER,
    LIFT,
    RELOCATE,
    STOCKPILE,
    Action,
    Move,
    Window,
    build_rule,
)
from agents.firm import lobbying_pressure
from agents.strategy import (
    DEFAULT_PRIOR,
    IN_PAIN_RATE_PCT,
    TYPES,
    Belief,
    bayes,
    move_likelihood,
    type_weight,
)
from sim.config import MeasureSpec, RuleSpec, Scenario
from sim.economy import (
    DayResult,
    Measure,
    Policy,
    World,
    initial_state,
    order_investment,
    policy_from_measures,
    policy_phase,
    step,
)
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
    # Days on which each product's price sat at the economy's cap in some country (both modes).
    cap_days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


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
        self.pressure = np.zeros(n_c)  # firms' lobbying, % of home GDP per year
        self.recent_gdp_loss = np.zeros(n_c)  # USD per day, smoothed like the firms' losses
        self.felt_cost = np.zeros(n_c)  # cumulative GDP loss + lobbying + levers, % of a year's GDP
        # Non-trade levers in force: key -> (actor, target, cost to target, cost to actor), % GDP a year.
        self.levers: dict[str, tuple[str, str, float, float]] = {}
        self.lever_rate = np.zeros(n_c)  # what levers in force cost each country, % of GDP a year
        gdp_year = w.gdp_daily * 365.0
        # Each firm's baseline profit in % of its home GDP per year: its weight when it lobbies.
        self.firm_size_pct = 100.0 * w.base_profit * 365.0 / gdp_year[w.firm_home]

        self.moves: list[Move] = []  # the public record of logged decisions
        self._last_move: dict[str, str] = {}  # actor -> label of its last logged move
        self.investment_usd = np.zeros(n_f)
        self.last_shipments: np.ndarray | None = None  # yesterday's (E, I, P) shipments, for the view

        self.governments: list[GovernmentAgent] = []
        self.perception: dict[str, tuple[float, np.random.Generator]] = {}
        # Persistent perception errors: each observer misjudges each other country's pain by a
        # log-normal factor drawn once per replication from its own named stream.
        self.perception_bias: dict[tuple[str, str], float] = {}
        self.beliefs: dict[tuple[str, str], tuple[float, ...]] = {}
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
            noise = gov_cfg.perception_noise if gov_cfg else 0.0
            perception_rng = stream(seed_seq, f"perception:{country}")
            self.perception[country] = (noise, perception_rng)
            for other in w.countries:  # drawn in a fixed order whatever the noise, for common random numbers
                factor = float(np.exp(perception_rng.normal(0.0, 1.0) * noise))
                self.perception_bias[(country, other)] = 1.0 if other == country else factor
            self.governments.append(
                GovernmentAgent(
                    self,
                    country,
                    rules,
                    gov_cfg.decision_interval_days if gov_cfg else 1,
                    gov_cfg.temperature if gov_cfg else 0.0,
                    stream(seed_seq, f"choice:{country}"),
                    gov_cfg.first_decision_day if gov_cfg else 0,
                    gov_cfg.decide_on_news if gov_cfg else False,
                )
            )
        # Each government's prior about the others, carrying the factors it applies to the types'
        # hold days and tolerances (its hold_days_scale, tolerance_scale): Bayes' rule keeps them.
        prior = {c: Belief(configured[c].resolve_prior, configured[c].hold_days_scale, configured[c].tolerance_scale)
                 if c in configured else DEFAULT_PRIOR for c in w.countries}
        self._prior = prior
        self._leadership_rng: dict[str, np.random.Generator] = {}
        for gov in self.governments:
            for other in self.governments:
                if other is not gov:
                    self.beliefs[(gov.country, other.country)] = prior[gov.country]
        # Each government's own resolve type: set in the scenario, or drawn once per replication
        # from the others' average prior about it (its own stream, so other draws are unchanged).
        self.resolve_type: dict[str, int] = {}
        self.type_weight_spread = {c: g.type_weight_spread for c, g in configured.items()}
        # How strongly each government reads the others' moves as evidence of their type (Bayes' rule).
        self.evidence_weight = {c: g.evidence_weight for c, g in configured.items()}
        for gov in self.governments:
            cfg = configured.get(gov.country)
            others = [prior[o.country] for o in self.governments if o is not gov]
            common = np.mean(others, axis=0) if others else np.array(DEFAULT_PRIOR)
            draw = int(stream(seed_seq, f"type:{gov.country}").choice(len(TYPES), p=common / common.sum()))
            self.resolve_type[gov.country] = TYPES.index(cfg.resolve_type) if cfg and cfg.resolve_type else draw
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
        # A firm with a lobby rule is heard only while its declared stance is to lobby (its own
        # move, read by its government); firms without one lobby silently, always.
        self.voiced = np.array([not any(getattr(r, "lobbying_terms", None) for r in firm.rules) for firm in self.firms],
                               dtype=float).reshape(n_f)

        horizon = scenario.horizon_days
        # (T, E, P) exports that leaked through third countries (part of shipments): customs
        # records see them as third countries' trade (the 2010 back-test reads them).
        self.leaked_exports = np.zeros((horizon, n_c, n_p))
        pairs = np.argwhere(w.recipe > 0) if record_firms else np.zeros((0, 2), dtype=np.int64)
        kept_days = min(OUTCOME_WINDOW_DAYS, horizon) if outcomes_only else horizon
        # Outcomes-only runs keep firms' profit (the outcome row sums it) but not their output or
        # days of cover, which only the timeseries table shows.
        firm_series = record_firms and not outcomes_only
        self.rec = Recorder(
            price=np.zeros((1 if outcomes_only else horizon, n_c, n_p)),
            shipments=np.zeros((kept_days, n_c, n_c, n_p)),
            gdp_loss=np.zeros((horizon, n_c)),
            pressure=np.zeros((horizon, n_c)),
            measures=np.zeros((horizon, n_c)),
            bg_capacity=np.zeros((0 if outcomes_only else horizon, n_c, n_p)),
            output=np.zeros((horizon, n_f)) if firm_series else None,
            profit=np.zeros((horizon, n_f)) if record_firms else None,
            cover=np.zeros((horizon, len(pairs))) if firm_series else None,
            cover_pairs=pairs,
            outcomes_only=outcomes_only,
            cap_days=np.zeros(n_p, dtype=np.int64),
        )
        # A price at or (to rounding) above this sits at the economy's guard rail.
        self._cap_price = (1.0 - 1e-9) * w.params.max_price_multiple * w.base_price
        # Days of cover are read for the recorded pairs as a flat take (cheaper than 2-d fancy indexing).
        self._cover_index = pairs[:, 0] * n_p + pairs[:, 1]
        self._cover_base = w.base_use[pairs[:, 0], pairs[:, 1]]
        self.view = ModelView(self)
        self._policy_key: tuple | None = None
        self._measures_version = 0  # bumped when a measure in force is replaced or changed in place
        self._policy = None
        # Precautionary buying: each firm's target cover, as a multiple of its usual one, set by a
        # threat to its critical inputs (scenario: firms.<name>.precautionary_cover) or by a move
        # (set_target_cover); the larger of the two applies.
        self._precautionary = np.array(
            [scenario.firms[name].precautionary_cover if name in scenario.firms else 1.0 for name in w.firm_names]
        ).reshape(n_f)
        self._threat_cover = np.ones(n_f)
        self._move_cover = np.ones(n_f)
        self._critical_inputs = w.critical & (w.recipe > 0)  # (F, P)
        self._releasing = np.zeros((n_c, n_p), dtype=bool)  # national stockpiles being released
        self._refilling = np.zeros((n_c, n_p), dtype=bool)  # ... being bought back after the episode
        # Constants of the daily bookkeeping, worked out once (the same values, so the same bits).
        self._gdp_year = w.gdp_daily * 365.0
        self._profit_positive = w.base_profit > 0
        self._profit_divisor = np.where(self._profit_positive, w.base_profit, 1.0)  # no 0/0 to silence
        self._all_profit_positive = bool(self._profit_positive.all())  # (then no masking to do daily)
        # Governments whose leadership can change (most scenarios: none, and no daily check).
        self._changing_leaders = [
            gov for gov in self.governments
            if (cfg := scenario.governments.get(gov.country)) is not None
            and (cfg.leadership_changes or cfg.leadership_change_per_year > 0)
        ]
        self._measure_count = np.zeros(n_c)  # measures in force per actor (recorded daily)

    # ------------------------------------------------------------------ the daily clock

    def step(self) -> None:
        """One day: the agents decide (:meth:`decide_day`), the economy steps under the policy
        in force, and the day is recorded (:meth:`record_day`). Replications stepped in lockstep
        (:mod:`sim.lockstep`) call the two halves around one economy step for all of them."""
        self.record_day(step(self.world, self.state, self.decide_day()))

    def decide_day(self) -> Policy:
        """The day's decisions and the policy in force after them (the economy has not moved)."""
        day = self.day
        if day >= self.scenario.horizon_days:
            raise RuntimeError(
                f"the run has reached its horizon ({self.scenario.horizon_days} days); "
                "build a new model to run again"
            )
        if self._changing_leaders:
            self._leadership(day)
        for gov in self.governments:
            news = tuple(self.moves[gov.seen_moves:])
            actions = gov.decide(self.view, news, self.view.cost_rate_pct(gov.country))
            if gov.last_decision_day == day:
                gov.seen_moves = len(self.moves)
            for action in actions:
                self._apply(gov.country, action)
        for firm in self.deciding_firms:
            for action in firm.decide(self.view):
                self._apply(firm.name, action)
        # The policy arrays change only when a measure starts, ends or changes (each bumps the
        # version, a measure replaced under its key included), or a licence review opens or works
        # through its backlog (economy.policy_phase).
        key = (self._measures_version, tuple(policy_phase(m.index, day) for m in self.active.values()))
        if key != self._policy_key:
            self._policy = policy_from_measures(self.world, [m.index for m in self.active.values()], day)
            self._precaution()
            cover = np.maximum(self._threat_cover, self._move_cover)
            self._policy.target_cover = cover if (cover != 1.0).any() else None
            if key[0] != (self._policy_key or (None,))[0]:
                counts = np.zeros(len(self._measure_count))
                for m in self.active.values():
                    counts[self.country_index[m.actor]] += 1
                self._measure_count = counts
            self._policy_key = key
        return self._policy

    def record_day(self, result: DayResult) -> None:
        """What the day's economy did, booked: losses, lobbying, the recorder; then the clock."""
        day = self.day
        # (Without national stockpiles nothing is ever released or refilled: nothing to log.)
        if result.stockpile_release is not None and self.world.has_stockpiles:
            self._log_releases(result.stockpile_release)
        if result.stockpile_refill is not None:
            self._log_refills(result.stockpile_refill.sum(axis=0))
        elif self.world.has_refill and self._refilling.any():
            self._log_refills(np.zeros(self._refilling.shape))

        w = self.world
        self.cum_gdp_loss += result.gdp_loss
        self.recent_gdp_loss += (result.gdp_loss - self.recent_gdp_loss) / LOSS_MEMORY_DAYS
        loss_share = (w.base_profit - result.profit) / self._profit_divisor
        if not self._all_profit_positive:
            loss_share = np.where(self._profit_positive, loss_share, 0.0)
        self.recent_profit_loss += (loss_share - self.recent_profit_loss) / LOSS_MEMORY_DAYS
        # Every firm lobbies (FirmAgent.lobbying); summed per country in one vectorised pass.
        self.pressure = np.bincount(
            w.firm_home,
            weights=lobbying_pressure(
                w.influence, self.recent_profit_loss, self.lobby_dead_zone, self.lobby_gain_weight, self.firm_size_pct
            ) * self.voiced,
            minlength=w.n_countries,
        )
        self.felt_cost += 100.0 * result.gdp_loss / self._gdp_year + (self.pressure + self.lever_rate) / 365.0
        self.last_shipments = result.shipments
        if result.leaked is not None:  # exports through third countries, by exporter (records' eyes miss them)
            self.leaked_exports[day] = result.leaked.sum(axis=1)

        rec = self.rec
        rec.cap_days += np.logical_or.reduce(self.state.price >= self._cap_price, axis=0)  # (.any(), less overhead)
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
        rec.measures[day] = self._measure_count
        if rec.profit is not None:
            rec.profit[day] = result.profit
        if rec.output is not None:
            rec.output[day] = result.output
            np.divide(self.state.inventory.take(self._cover_index), self._cover_base, out=rec.cover[day])
        self.day += 1
        # Mesa's convention: ``run_model()`` steps while ``running``; the run ends at the horizon.
        self.running = self.day < self.scenario.horizon_days
        if not self.running and rec.outcomes_only and len(rec.shipments):
            # The ring's oldest day sits at ``day % len``: roll it to the front (day order).
            rec.shipments = np.roll(rec.shipments, -(self.day % len(rec.shipments)), axis=0)

    def run(self) -> None:
        """Step to the horizon: Mesa's ``run_model()`` loop (step while ``running``, counting
        ``steps``) without its per-step wrapper, which formats a log message every day."""
        step = self._user_step
        while self.running:
            self.steps += 1
            step()

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
            # Tightened, loosened or suspended in place (same measure, new terms): its clock, and
            # so a licence review under way, carries on; a new or replacing measure starts today.
            since = current.since if current is not None and current.spec.measure == spec.measure else self.day
            self.active[action.measure_key] = ActiveMeasure(
                action.measure_key, actor, action.label, spec, measure_index(self.world, spec, since), since
            )
            self._measures_version += 1
        elif action.kind == INVEST:
            self._invest(actor, action)
        elif action.kind == STOCKPILE:
            if not self._stockpile(actor, action):
                return
        elif action.kind == RELOCATE:
            if not self._relocate(actor, action):
                return
        elif action.kind == LEVER:
            if action.measure_key in self.levers:
                return
            self.levers[action.measure_key] = (actor, action.target, action.amount, action.own_cost_pct)
            self._lever_rates()
        else:
            lifted = [self.active.pop(k) for k in action.keys_to_lift() if k in self.active]
            if lifted:
                self._measures_version += 1
            levers = [self.levers.pop(k) for k in action.keys_to_lift() if k in self.levers]
            if levers:
                self._lever_rates()
            if action.kind == LIFT:
                if not lifted and not levers:
                    return
                if lifted and spec is None:
                    spec = lifted[0].spec
            elif not lifted and not levers and self._last_move.get(actor) == action.label:
                return  # the same stance as before: nothing new to record
        self._last_move[actor] = action.label
        if actor in self.firm_index and action.kind in ("lobby", "quiet"):
            self.voiced[self.firm_index[actor]] = 1.0 if action.kind == "lobby" else 0.0
        self.moves.append(Move(self.day, actor, action.kind, action.label, action.target, action.rule, action.rung))
        self._learn(actor, action.kind)
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
                "reason": action.reason + (_aimed_note(action.target, spec) if action.kind == IMPOSE else ""),
                "alternatives": json.dumps([{"action": a, "utility": round(u, 6)} for a, u in action.alternatives]),
                "rung": int(action.rung),
            }
        )

    def set_target_cover(self, firm: str, multiple: float, reason: str, rule: str = "") -> None:
        """A firm's move: target ``multiple`` times its usual days of cover of every input
        (precautionary buying; 1 to stop). Logged as a ``stockpile`` event; takes effect on today's
        orders if made before the economy steps. For agents' firm rules (e.g. a ``stockpile`` move)."""
        f = self.firm_index[firm]
        multiple = float(max(multiple, 1.0))
        if multiple == self._move_cover[f]:
            return
        self._move_cover[f] = multiple
        self._measures_version += 1  # rebuild the policy (its target_cover) before today's step
        self._log_event(firm, "stockpile", f"target_cover_x{multiple:g}", "", reason, rule)

    def _precaution(self) -> None:
        """Firms with ``precautionary_cover`` raise their target cover while a measure of another
        country, in force or only announced (suspended), covers one of their critical inputs
        bound for their home country; they go back to their usual cover once none does."""
        if not (self._precautionary > 1.0).any():
            return
        w = self.world
        threatened = np.zeros((w.n_countries, w.n_products), dtype=bool)  # (home, input)
        for m in self.active.values():
            idx = m.index
            if idx.kind in ("export_ban", "export_licensing", "export_quota"):  # another country's curbs
                threatened |= idx.targets[:, None] & idx.products[None, :]
        at_risk = (self._critical_inputs & threatened[w.firm_home]).any(axis=1)
        new = np.where(at_risk, self._precautionary, 1.0)
        for f in np.flatnonzero(new != self._threat_cover):
            name = w.firm_names[f]
            inputs = [w.products[p] for p in np.flatnonzero(self._critical_inputs[f] & threatened[w.firm_home[f]])]
            reason = (
                f"a measure covers its critical input(s) {', '.join(inputs)}: targets {new[f]:g}x its usual cover"
                if at_risk[f]
                else "no measure threatens its critical inputs any more: back to its usual cover"
            )
            self._log_event(name, "stockpile", f"target_cover_x{new[f]:g}", ",".join(inputs), reason, "precautionary_cover")
        self._threat_cover = new

    def _log_releases(self, released: np.ndarray) -> None:
        """Log the day a national stockpile starts (or stops) being released."""
        releasing = released > 0
        if (releasing == self._releasing).all():
            return
        w = self.world
        for c, p in np.argwhere(releasing != self._releasing):
            started = bool(releasing[c, p])
            left = float(self.state.stockpile[c, p]) if self.state.stockpile is not None else 0.0
            reason = (
                f"its buyers cannot get {w.products[p]} under contract or on the spot market: releases up to "
                f"{w.stockpile_release[c, p]:.4g} units a day ({left:.4g} left)"
                if started
                else f"release of {w.products[p]} ends ({'stockpile exhausted' if left <= 0 else 'buyers served again'})"
            )
            self._log_event(
                w.countries[c], "release_stockpile" if started else "end_release", f"{'release' if started else 'end_release'}_stockpile_{w.products[p]}",
                w.products[p], reason, "stockpile_release",
            )
        self._releasing = releasing

    def _log_refills(self, bought: np.ndarray) -> None:
        """Log the day a state starts (or stops) buying its stockpile back after the episode."""
        refilling = bought > 0
        if (refilling == self._refilling).all():
            return
        w = self.world
        for c, p in np.argwhere(refilling != self._refilling):
            started = bool(refilling[c, p])
            held, full = float(self.state.stockpile[c, p]), float(w.stockpile0[c, p])
            reason = (
                f"no measure restricts {w.products[p]} and its buyers are served: buys the stockpile back at up to "
                f"{w.stockpile_refill[c, p]:.4g} units a day from supply to spare ({held:.4g} of {full:.4g} held)"
                if started
                else f"refill of {w.products[p]} stops ({'stockpile full again' if held >= full * (1 - 1e-9) else 'no supply to spare, or a new shortage or measure'})"
            )
            self._log_event(
                w.countries[c], "refill_stockpile" if started else "end_refill",
                f"{'refill' if started else 'end_refill'}_stockpile_{w.products[p]}", w.products[p], reason, "stockpile_release",
            )
        self._refilling = refilling

    def _log_event(self, actor: str, kind: str, label: str, products: str, reason: str, rule: str) -> None:
        """An economic decision (not a move others react to) in the event log."""
        self.events.append(
            {
                "day": self.day, "actor": actor, "action": label, "kind": kind, "measure": "", "target": "",
                "products": products, "tiers": "", "enforcement": np.nan, "rule": rule, "reason": reason,
                "alternatives": "[]", "rung": 0,
            }
        )

    def _lever_rates(self) -> None:
        self.lever_rate[:] = 0.0
        for actor, target, on_target, on_actor in self.levers.values():
            if target in self.country_index:
                self.lever_rate[self.country_index[target]] += on_target
            self.lever_rate[self.country_index[actor]] += on_actor

    def _leadership(self, day: int) -> None:
        """Changes of government, scheduled or random: the new government's resolve type is drawn
        afresh and every other government's belief about it goes back to its prior. Each country
        draws from its own stream (one uniform a day when changes are random)."""
        for gov in self._changing_leaders:
            cfg = self.scenario.governments[gov.country]
            rng = self._leadership_rng.setdefault(gov.country, stream(self.seed_seq, f"leadership:{gov.country}"))
            scheduled = day in cfg.leadership_changes
            rate = cfg.leadership_change_per_year
            unscheduled = rate > 0 and rng.random() < 1.0 - np.exp(-rate / 365.0)
            if not (scheduled or unscheduled):
                continue
            priors = self._priors_about(gov.country)
            common = np.mean(np.array(priors), axis=0) if priors else np.array(DEFAULT_PRIOR)
            old = TYPES[self.resolve_type[gov.country]]
            self.resolve_type[gov.country] = int(rng.choice(len(TYPES), p=common / common.sum()))
            for other in self.governments:
                if other is not gov:
                    self.beliefs[(other.country, gov.country)] = self._prior[other.country]
            self._last_move.pop(gov.country, None)  # a change of government is always news
            self._apply(gov.country, Action(
                "leadership_change", "new_government", "leadership",
                f"{'scheduled' if scheduled else 'unscheduled'} change of government: resolve {old} -> "
                f"{TYPES[self.resolve_type[gov.country]]}; others' beliefs about {gov.country} reset to their priors",
                target=gov.country))

    def _priors_about(self, country: str) -> list[tuple[float, ...]]:
        return [self._prior[o.country] for o in self.governments if o.country != country]

    def _learn(self, actor: str, kind: str) -> None:
        """Every other government updates its belief about the mover's resolve by Bayes' rule:
        escalating (the more so while the mover is, as the observer sees it, in pain) makes a
        resolute type likelier, backing down a soft one — whoever the move was aimed at."""
        for gov in self.governments:
            key = (gov.country, actor)
            if key not in self.beliefs:
                continue
            in_pain = self.view.perceived_cost_rate(gov.country, actor) > IN_PAIN_RATE_PCT
            likelihood = move_likelihood(kind, in_pain, self.evidence_weight.get(gov.country, 1.0))
            if likelihood is not None:
                self.beliefs[key] = bayes(self.beliefs[key], likelihood)

    def _invest(self, actor: str, action: Action) -> None:
        """A firm or a government finances ``amount`` units/day of capacity for ``product`` in
        country ``target`` (the Sojitz-JOGMEC-Lynas deal of 2010-11 is the model: financing in
        exchange for supply, DESIGN.md "Historical episodes").

        The investment hook: with a lead time, a cost or an offtake contract (or from a
        government) the move is an economy project (:func:`sim.economy.order_investment`): the
        capacity produces from day + lead time, the cost is paid by the actor's country (and
        firm) while it is built. A firm's move without them keeps the ramp-up pipeline, valued
        as a year's output of the financed capacity at baseline price."""
        w, state = self.world, self.state
        c, p = self.country_index[action.target], self.product_index[action.product]
        firm = self.firm_index.get(actor, -1)
        if firm < 0 or action.lead_days > 0 or action.cost_usd > 0 or action.offtake:
            payer = self.country_index[actor] if firm < 0 else int(w.firm_home[firm])
            order_investment(
                w, state, c, p, action.amount, action.lead_days or int(w.ramp_up_days[p]), action.cost_usd,
                payer=payer, payer_firm=firm,
                offtake=self.country_index[action.offtake] if action.offtake else -1, offtake_share=action.offtake_share,
            )
            if firm >= 0:
                self.investment_usd[firm] += action.cost_usd
            return
        slots = state.pipeline.shape[0]
        slot = (state.day + max(int(w.ramp_up_days[p]), 1)) % slots
        state.pipeline[slot, c, p] += action.amount
        self.investment_usd[firm] += action.amount * 365.0 * w.base_price[p]


    def _pair(self, firm_name: str, product: str) -> int:
        w = self.world
        f, p = self.firm_index[firm_name], self.product_index[product]
        hits = np.flatnonzero((w.pair_firm == f) & (w.pair_product == p))
        if not len(hits):
            raise ValueError(f"firm {firm_name!r} does not buy {product!r}")
        return int(hits[0])

    def _stockpile(self, firm_name: str, action: Action) -> bool:
        """A firm aims for ``amount`` days of cover of ``product``: precautionary buying through the
        economy's target-cover hook (``Policy.target_cover``, a multiple of the firm's usual cover,
        ordered beyond its contracts, so a short supplier serves it last). The multiple applies to
        the firm's inputs alike; the same hook as :meth:`set_target_cover`."""
        f, p = self.firm_index[firm_name], self.product_index[action.product]
        usual = float(self.world.target_days[f, p])
        if usual <= 0:
            return False
        multiple = max(action.amount / usual, 1.0)
        if multiple == self._move_cover[f]:
            return False
        self._move_cover[f] = multiple
        self._measures_version += 1  # rebuild the policy (its target_cover) before today's step
        return True

    def _relocate(self, firm_name: str, action: Action) -> bool:
        """A firm moves the share ``amount`` of its purchases of ``product`` from ``origin`` to
        ``target``: its supplier mix (run state), which the economy's adaptation then works on."""
        f, p = self.firm_index[firm_name], self.product_index[action.product]
        o, c = self.country_index[action.origin], self.country_index[action.target]
        moved = self.state.mix[f, p, o] * action.amount
        if moved <= 0:
            return False
        self.state.mix[f, p, o] -= moved
        self.state.mix[f, p, c] += moved
        return True


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
        # Answers of moves() while the public record is unchanged: rules ask the same questions
        # every day (a threat's deadline, whether a concession came), and the record only grows
        # (CoercionModel._apply appends), so a new length means new answers.
        self._moves_answers: dict[tuple, tuple[Move, ...]] = {}
        self._moves_record: list[Move] | None = None  # the record (and its length) the answers are from
        self._moves_length = -1
        # Calendar windows open today, per party: governments ask every day whether one opened.
        self._windows_answers: dict[str | None, tuple[Window, ...]] = {}
        self._windows_day = -1

    @property
    def day(self) -> int:
        return self._m.day

    def gdp_loss_pct(self, country: str) -> float:
        c = self._m.country_index[country]
        return float(100.0 * self._m.cum_gdp_loss[c] / (self._m.world.gdp_daily[c] * 365.0))

    def perceived_pain(self, observer: str, country: str) -> float:
        """``observer``'s estimate of ``country``'s pain: the truth times a persistent error."""
        return self.gdp_loss_pct(country) * self._m.perception_bias.get((observer, country), 1.0)

    def lobbying_pressure(self, country: str) -> float:
        """Its firms' lobbying, % of its GDP per year (lost profit weighted by influence)."""
        return float(self._m.pressure[self._m.country_index[country]])

    def loss_rate_pct(self, country: str) -> float:
        """Its GDP-loss proxy now (the last month, smoothed), % of GDP per year."""
        c = self._m.country_index[country]
        return float(100.0 * self._m.recent_gdp_loss[c] / self._m.world.gdp_daily[c])

    def cost_rate_pct(self, country: str) -> float:
        """The cost its government feels now, % of GDP per year: GDP loss rate + lobbying + the
        non-trade levers in force against it or by it."""
        m = self._m
        c = m.country_index[country]
        # (loss_rate_pct + lobbying_pressure + levers, the same operations, inlined: it is asked daily)
        return float(100.0 * m.recent_gdp_loss[c] / m.world.gdp_daily[c]) + float(m.pressure[c]) + float(m.lever_rate[c])

    def levers_in_force(self, actor: str | None = None, target: str | None = None) -> tuple[str, ...]:
        return tuple(k for k, (a, t, _, _) in self._m.levers.items()
                     if (actor is None or a == actor) and (target is None or t == target))

    def felt_cost_pct(self, country: str) -> float:
        """The cost it has felt so far (GDP loss + lobbying), % of a year's GDP."""
        return float(self._m.felt_cost[self._m.country_index[country]])

    def perceived_cost_rate(self, observer: str, country: str) -> float:
        return self.cost_rate_pct(country) * self._m.perception_bias.get((observer, country), 1.0)

    def perceived_felt_cost(self, observer: str, country: str) -> float:
        return self.felt_cost_pct(country) * self._m.perception_bias.get((observer, country), 1.0)

    def belief(self, observer: str, country: str) -> tuple[float, ...]:
        """``observer``'s belief over ``country``'s resolve types (soft, firm, resolute)."""
        return self._m.beliefs.get((observer, country), DEFAULT_PRIOR)

    def firm_heard(self, firm: str) -> bool:
        """Whether the firm's lobbying reaches its government now (its declared stance is to lobby,
        or it has no lobby rule and lobbies silently)."""
        return bool(self._m.voiced[self._m.firm_index[firm]])

    def resolve_weight(self, country: str) -> float:
        """Weight of its own type (stake, audience and reputation costs x this); private to it."""
        return type_weight(self._m.resolve_type.get(country, 1), self._m.type_weight_spread.get(country, 1.0))

    def firm_size_pct(self, firm: str) -> float:
        """The firm's baseline profit, % of its home country's GDP per year."""
        return float(self._m.firm_size_pct[self._m.firm_index[firm]])

    def price_multiple(self, country: str, product: str) -> float:
        m = self._m
        p = m.product_index[product]
        return float(m.state.price[m.country_index[country], p] / m.world.base_price[p])

    def measures_in_force(self, actor: str | None = None, target: str | None = None) -> Mapping[str, Any]:
        return {
            k: m.spec
            for k, m in self._m.active.items()
            if (actor is None or m.actor == actor) and (target is None or m.spec.targets(target))
        }

    def moves(
        self, actor: str | None = None, kind: str | None = None, target: str | None = None, label: str | None = None
    ) -> tuple[Move, ...]:
        record = self._m.moves
        if record is not self._moves_record or len(record) != self._moves_length:
            self._moves_answers.clear()
            self._moves_record, self._moves_length = record, len(record)
        key = (actor, kind, target, label)
        found = self._moves_answers.get(key)
        if found is None:
            found = self._moves_answers[key] = tuple([
                mv
                for mv in record
                if (actor is None or mv.actor == actor)
                and (kind is None or mv.kind == kind)
                and (target is None or mv.target == target or target in mv.target.split(","))
                and (label is None or mv.label == label)
            ])
        return found

    def windows_open(self, party: str | None = None) -> tuple[Window, ...]:
        day = self._m.day
        if day != self._windows_day:
            self._windows_answers.clear()
            self._windows_day = day
        found = self._windows_answers.get(party)
        if found is None:
            found = self._windows_answers[party] = tuple(
                w for w in self._windows if w.start_day <= day <= w.end_day and (party is None or party in w.parties)
            )
        return found

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

    def target_cover_days(self, firm: str, product: str, baseline: bool = False) -> float:
        """Days of use a firm aims to hold of an input: now, or as the scenario set it."""
        m = self._m
        f = m.firm_index[firm]
        usual = float(m.world.target_days[f, m.product_index[product]])
        if baseline:
            return usual
        return usual * float(max(m._threat_cover[f], m._move_cover[f]))

    def firm_supplier_share(self, firm: str, product: str, country: str) -> float:
        """Share of a firm's purchases of an input that goes to a supplier country (its mix)."""
        m = self._m
        return float(m.state.mix[m.firm_index[firm], m.product_index[product], m.country_index[country]])


def _aimed_note(target: str, spec: MeasureSpec | None) -> str:
    """A rule's measure aimed wider than the rule's target (its template's ``destinations``): the
    event keeps the rule's target (the dispute it belongs to) and its reason says where it reaches."""
    if spec is None or spec.target_label == target:
        return ""
    return f" (aimed at {spec.target_label.replace(',', ', ')})"
