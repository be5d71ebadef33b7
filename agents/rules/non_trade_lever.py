"""``non_trade_lever``: coercion beyond trade — suspending a security or exchange agreement, a
tourism or consumer boycott encouraged by the state, detentions — as a move with costs.

Seed 001_05a93871f1046ccc.txt: the 2010 collision and the 2012 nationalisation of the islands took
relations to their lowest point, with measures well beyond trade; seed 002_f60684ffc0d8cd14.txt:
China's answer to the Prime Minister's remarks is a set of steps of which trade curbs are only
one. No trade flow moves: while in force the lever costs the target ``target_cost_pct`` and the
mover ``own_cost_pct`` (% of their GDP a year; assumptions per lever, e.g. lost tourism receipts),
and both governments feel it like any other cost. In % of the mover's GDP, present value: worth
``stake_pct`` (x its own type) times the rise in the target's chance of giving in (by the mover's
belief about it) less its own cost over the target's believed resolve. It is lifted once the
target concedes or the mover's measures against it are all lifted (the dispute is over).
``against`` may name several countries (one lever against each); once ended, a lever may be
pulled again when a dispute resumes (a truce broke), up to ``max_rounds`` times per country.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import CONCEDE, LEVER, LIFT, Action, Rule, WorldView, measure_key, pct
from agents.leverage import in_force_against, open_threats
from agents.strategy import (
    StrategicParams,
    describe,
    expected_holding_cost,
    give_in_probability,
    own_type_text,
)


class NonTradeLeverParams(StrategicParams):
    country_fields = ("against",)
    against: str | list[str] = Field(description="the country it aims at, or several (one lever against each)")
    label: str = Field("suspend_exchanges", description="e.g. 'tourism_boycott', 'suspend_security_talks', 'detentions'")
    target_cost_pct: float = Field(0.05, ge=0, description="cost to the target, % of its GDP a year (assumption)")
    own_cost_pct: float = Field(0.005, ge=0, description="cost to the mover, % of its GDP a year (assumption)")
    stake_pct: float = Field(0.5, ge=0, description="worth of the target's concession, % of own GDP (assumption)")
    after: str | None = Field(None, description="only once this own move (label) against the target has been made")
    max_rounds: int = Field(1, ge=1, description="times the lever may be pulled against a country (a new round after it ended)")

    @property
    def targets(self) -> list[str]:
        return [self.against] if isinstance(self.against, str) else list(self.against)


class NonTradeLever(Rule):
    name = "non_trade_lever"
    Params = NonTradeLeverParams

    def propose(self, view: WorldView) -> list[Action]:
        return [a for target in self.params.targets for a in self.propose_to(view, target)]  # type: ignore[attr-defined]

    def propose_to(self, view: WorldView, target: str) -> list[Action]:
        prm: NonTradeLeverParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        key = measure_key(me, target, prm.label)
        in_force = key in view.levers_in_force(actor=me, target=target)
        dispute = bool(in_force_against(view, me, target) or open_threats(view, me, target))
        conceded = bool(view.moves(actor=target, kind=CONCEDE, target=me))
        if in_force:
            if conceded or not dispute:
                why = f"{target} conceded" if conceded else f"no measure or threat of its own against {target} remains"
                return [Action(LIFT, f"end_{prm.label}", self.name, f"{why}: end {prm.label}", target=target,
                               measure_keys=(key,), mandatory=True)]
            return []
        if conceded or not dispute or len(view.moves(actor=me, target=target, label=prm.label)) >= prm.max_rounds:
            return []
        if prm.after and not view.moves(actor=me, target=target, label=prm.after):
            return []
        belief, weight = view.belief(me, target), view.resolve_weight(me)
        rate = view.perceived_cost_rate(me, target)
        rise = (give_in_probability(belief, rate + prm.target_cost_pct, prm.horizon_days)
                - give_in_probability(belief, rate, prm.horizon_days))
        cost = expected_holding_cost(belief, prm.own_cost_pct, rate + prm.target_cost_pct,
                                     prm.discount_per_year, prm.horizon_days).cost_pct
        gain = prm.stake_pct * weight * rise
        return [Action(LEVER, prm.label, self.name,
                       f"{prm.label}: costs {target} {prm.target_cost_pct:.3f}%/yr of its GDP and itself {prm.own_cost_pct:.3f}%/yr; "
                       f"chance {target} gives in +{rise:.1%} (belief {target}: {describe(belief)}) x stake "
                       f"{pct(prm.stake_pct * weight)} ({own_type_text(weight)}) = {pct(gain)} - own cost {pct(cost)}",
                       target=target, measure_key=key, amount=prm.target_cost_pct, own_cost_pct=prm.own_cost_pct,
                       utility=gain - cost)]
