"""``escalation_ladder``: the coercer climbs ordered rungs while the target holds out.

Seed 002_f60684ffc0d8cd14.txt: after the Prime Minister's Taiwan remarks China moved in steps —
a ban on dual-use shipments for military end users, then an anti-dumping probe into a chip-making
material, with tighter rare-earth controls threatened — and commentators read the vaguely worded
first steps as a warning shot that leaves room to escalate. So: rungs in order, one at a time and
no faster than ``min_days_between_rungs`` (it may pass over ``max_skip`` rungs not worth
climbing); a rung may be partially enforced (its template's
``enforcement``: vague wording).

Every utility is in % of the coercer's GDP, present value over the horizon (:mod:`agents.strategy`):
- **climb**: ``stake_pct`` (what the target's concession is worth to it; an assumption) times the
  rise in the chance that the target gives in within the horizon — by its belief about the
  target's type, with the rung's leverage (:func:`agents.leverage.leverage_pct`) added to the
  target's (perceived) cost rate — less the rung's own cost (lost exports) borne for the
  target's expected remaining resolve;
- **back down** (lift everything): the expected cost of holding out against the target (own GDP
  loss + lobbying + ``condemnation_pct`` per year for each ally-support or legal move against it
  — seed 002_*: analysts want Washington to say Japan is not in the wrong) less the expected
  stake still to be won, less the audience and reputation cost of backing down;
- **accept** a concession: the stake, lifting everything.
With ``destinations = "all"`` each rung is a global regime (every destination; own exposure
counted over all of them) while the calculus is about the target.
- **suspend** the top rung in force, keeping the rest (a partial truce): its own cost saved, less
  the stake lost with the pressure it withdraws, less half the reputation of a back-down.
Stake, audience and reputation costs are times the weight of its own resolve type. After a
back-down or an off-ramp the truce may break: with ``max_rounds`` > 1 a new round starts from
the first rung once ``truce_days`` have passed (not after a concession: the stake was won).

**Costs abroad, and tiring.** A rung may carry ``backlash_pct``: what keeping it in force costs the
coercer abroad, % of its GDP per year — buyers elsewhere diversify away from it and the lever's
worth for later coercion erodes (in 2010-12 China's share of Japan's rare-earth imports fell from
over 90% to under half: facts japan_ree_import_share_china_pre2010, japan_ree_import_share_china_h1_2012).
It is counted in climbing (with the rung's exports lost), in suspending it (saved) and in the
running cost a back-down saves. The coercer's belief about the target is updated by the target's
persistence since the round began (:func:`agents.strategy.persistence`): a target that stands
firm for months comes to be seen as firm or resolute, the expected stake still to be won falls,
and a coercer bearing costs comes to prefer lifting (backing down, or suspending the top rung).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.base import ACCEPT, BACK_DOWN, IMPOSE, LIFT, Action, Rule, WorldView, measure_key, pct
from agents.leverage import exposure_aimed_pct, leverage_pct, open_threats
from agents.strategy import (
    StrategicParams,
    describe,
    expected_holding_cost,
    give_in_probability,
    offramps,
    own_type_text,
    persistence,
)
from sim.config import MeasureTemplate


class Rung(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    measure: MeasureTemplate | None = Field(None, description="the measure; none for a declaratory rung (e.g. a protest)")
    kind: str = Field("protest", description="kind of a declaratory rung")
    replaces: list[str] = Field(default_factory=list, description="labels of earlier rungs this one replaces")
    target_cost_pct: float | None = Field(
        None, ge=0,
        description="the coercer's estimate of what the rung costs the target, % of its GDP per year "
        "(default: the static estimate of agents.leverage.leverage_pct)",
    )
    backlash_pct: float = Field(
        0.0, ge=0,
        description="cost abroad of keeping the rung in force, % of own GDP per year: buyers diversify away, "
        "the lever's worth for later coercion erodes (assumption; see the scenario's notes)",
    )


class LadderParams(StrategicParams):
    country_fields = ("target",)
    target: str
    rungs: list[Rung] = Field(min_length=1)
    start_day: int = Field(0, ge=0)
    min_days_between_rungs: int = Field(14, ge=0)
    stake_pct: float = Field(0.5, ge=0, description="worth of the target's concession, % of own GDP (assumption)")
    audience_cost_pct: float = Field(0.1, ge=0, description="cost of backing down in public, % of own GDP (assumption)")
    reputation_pct: float = Field(0.1, ge=0, description="credibility lost for later coercion by backing down, % of own GDP (assumption)")
    max_skip: int = Field(1, ge=0, description="rungs it may pass over when the next is not worth climbing")
    destinations: Literal["target", "all"] = Field(
        "target", description="measures aimed at the target alone, or at every destination (a global regime)"
    )
    max_rounds: int = Field(1, ge=1, description="rounds of escalation: after a back-down or off-ramp the truce may break")
    truce_days: int = Field(180, ge=0, description="days after a round ends before a new one may start")
    condemnation_pct: float = Field(
        0.0, ge=0, description="cost per year of each ally-support or legal move against it, % of own GDP (assumption)"
    )

    @model_validator(mode="after")
    def _labels(self) -> LadderParams:
        labels = [r.label for r in self.rungs]
        if len(set(labels)) != len(labels):
            raise ValueError("rung labels must be unique")
        for rung in self.rungs:
            for old in rung.replaces:
                if old not in labels[: labels.index(rung.label)]:
                    raise ValueError(f"rung {rung.label!r} replaces {old!r}, which is not an earlier rung")
        return self


class EscalationLadder(Rule):
    name = "escalation_ladder"
    Params = LadderParams

    def rung_cost(self, view: WorldView, rung: Rung) -> float:
        """What a rung costs the target, % of its GDP per year, as the coercer estimates it."""
        if rung.measure is None:
            return 0.0
        if rung.target_cost_pct is not None:
            return rung.target_cost_pct
        return leverage_pct(view, self.context.actor, self.params.target, rung.measure)  # type: ignore[attr-defined]

    def exposure(self, view: WorldView, rung: Rung) -> float:
        """Own exporters' loss from a rung, % of GDP a year: to every country the rung reaches (the
        target; the rung's own ``destinations``; every country when the ladder is a global regime)."""
        me = self.context.actor
        if rung.measure is None:
            return 0.0
        return exposure_aimed_pct(view, me, self.aimed_at(), rung.measure)

    def aimed_at(self) -> str:
        """The target rungs are aimed at before their own ``destinations`` widen it: the rule's
        target, or 'all' when the ladder is a global regime (``destinations = "all"``)."""
        prm: LadderParams = self.params  # type: ignore[assignment]
        return "all" if prm.destinations == "all" else prm.target

    def backlash(self, view: WorldView) -> float:
        """Cost abroad of the rungs in force, % of own GDP per year."""
        prm: LadderParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        keys = view.measures_in_force(actor=me, target=prm.target)
        return sum(r.backlash_pct for r in prm.rungs if measure_key(me, prm.target, r.label) in keys)

    def own_rate(self, view: WorldView) -> tuple[float, int]:
        """Own cost rate (% of GDP per year) including condemnation and costs abroad, and the condemning moves."""
        prm: LadderParams = self.params  # type: ignore[assignment]
        me, target = self.context.actor, prm.target
        deterred = len(view.moves(kind="support", target=target)) + len(view.moves(kind="legal_action", target=me))
        return view.cost_rate_pct(me) + prm.condemnation_pct * deterred + self.backlash(view), deterred

    def propose(self, view: WorldView) -> list[Action]:
        prm: LadderParams = self.params  # type: ignore[assignment]
        me, target = self.context.actor, prm.target
        if view.day < prm.start_day:
            return []
        mine = view.moves(actor=me, target=target)
        # A round ends with an accepted concession, a back-down or a settlement (an off-ramp offer
        # answered by the other side; an offer alone ends nothing).
        ends = sorted([mv for mv in mine if mv.kind in (ACCEPT, BACK_DOWN)] + list(offramps(view, me, target)[1]),
                      key=lambda mv: mv.day)
        if ends:
            # A round is over. After a concession it stays over; after a back-down or an off-ramp
            # the truce may break: a new round from the first rung once ``truce_days`` have passed.
            rounds_left = len(ends) < prm.max_rounds and ends[-1].kind != ACCEPT
            if not rounds_left or view.day - ends[-1].day < prm.truce_days:
                return []
            mine = tuple(mv for mv in mine if mv.day > ends[-1].day)
        own_keys = tuple(k for k in view.measures_in_force(actor=me, target=target))
        if [mv for mv in view.moves(actor=target, kind="concede", target=me) if not ends or mv.day > ends[-1].day]:
            return [
                Action(ACCEPT, "accept_concession", self.name,
                       f"{target} conceded: stake {pct(prm.stake_pct * view.resolve_weight(me))} won; "
                       f"lifting {len(own_keys)} measure(s)",
                       target=target, measure_keys=own_keys, utility=prm.stake_pct * view.resolve_weight(me))
            ]
        # The target's persistence since the round began is evidence of its resolve.
        seen = persistence(view, me, target, min((mv.day for mv in mine), default=view.day))
        belief = seen.belief
        weight = view.resolve_weight(me)
        stake, backing_down = prm.stake_pct * weight, (prm.audience_cost_pct + prm.reputation_pct) * weight
        own_rate, deterred = self.own_rate(view)
        # The target's cost as it perceives it, but at least the estimated leverage of the rungs in
        # force (stocks and licence reviews delay a rung's bite): climbing, suspending and backing
        # down then weigh the same pressure, and a rung just climbed is not suspended before it bites.
        in_force = sum(self.rung_cost(view, r) for r in prm.rungs
                       if r.measure is not None and measure_key(me, target, r.label) in own_keys)
        target_rate = max(view.perceived_cost_rate(me, target), in_force)
        h, d = prm.horizon_days, prm.discount_per_year
        p_now = give_in_probability(belief, target_rate, h)
        actions: list[Action] = []
        top = [r for r in reversed(prm.rungs) if r.measure is not None and measure_key(me, target, r.label) in own_keys]
        if len(own_keys) > 1 and top:
            actions.append(self.step_down(view, top[0], belief, stake, target_rate, p_now, weight))
        if own_keys:
            hold = expected_holding_cost(belief, own_rate, target_rate, d, h)
            back = hold.cost_pct - stake * p_now - backing_down
            abroad = self.backlash(view)
            actions.append(Action(
                BACK_DOWN, "back_down", self.name,
                f"{seen.text(target)}; {hold.text(target)}{f' ({deterred} support/legal move(s) condemn it)' if deterred else ''}"
                f"{f' (incl. {abroad:.3f}%/yr abroad)' if abroad else ''}; "
                f"stake {pct(stake)} x chance {target} gives in {p_now:.0%}; backing down costs audience "
                f"{pct(prm.audience_cost_pct)} + reputation {pct(prm.reputation_pct)} ({own_type_text(weight)}): "
                f"{pct(hold.cost_pct)} - {pct(stake * p_now)} - {pct(backing_down)}",
                target=target, measure_keys=own_keys, utility=back))
        labels = [r.label for r in prm.rungs]
        taken = [labels.index(mv.label) for mv in mine if mv.label in labels]
        last_day = max((mv.day for mv in mine if mv.label in labels), default=None)
        if last_day is not None and view.day - last_day < prm.min_days_between_rungs:
            return actions
        threatened = set(open_threats(view, me, target))
        # The next rungs in order, up to a rung under threat (the threat rule's to carry out); it may
        # pass over up to ``max_skip`` rungs not worth climbing — passed-over rungs stay behind.
        ahead = [(i, r) for i, r in enumerate(prm.rungs) if i > max(taken, default=-1)]
        for index, rung in ahead[: prm.max_skip + 1]:
            if rung.label in threatened:
                break
            actions.append(self.climb(view, index, rung, belief, weight, stake, target_rate, p_now))
        return actions

    def step_down(self, view: WorldView, rung: Rung, belief: tuple[float, ...], stake: float, target_rate: float,
                  p_now: float, weight: float) -> Action:
        """A partial truce: suspend the top rung in force and keep the others (e.g. a tariff cut back
        from its peak) — saves its own cost, loses part of the pressure, and half the reputation
        a full back-down would cost."""
        prm: LadderParams = self.params  # type: ignore[assignment]
        me, target = self.context.actor, prm.target
        lev = self.rung_cost(view, rung)
        exp = self.exposure(view, rung) + rung.backlash_pct
        rate_after = max(target_rate - lev, 0.0)
        p_after = give_in_probability(belief, rate_after, prm.horizon_days)
        saved = expected_holding_cost(belief, exp, target_rate, prm.discount_per_year, prm.horizon_days).cost_pct
        lost = stake * (p_now - p_after)
        reputation = prm.reputation_pct * weight / 2
        return Action(LIFT, f"suspend_{rung.label}", self.name,
                      f"partial truce: suspend {rung.label}, keep the rest; saves own cost {pct(saved)}, chance {target} "
                      f"gives in {p_now:.0%} -> {p_after:.0%} (stake {pct(stake)}: -{pct(lost)}), half the reputation "
                      f"-{pct(reputation)}",
                      target=target, measure_keys=(measure_key(me, target, rung.label),), utility=saved - lost - reputation)

    def climb(self, view: WorldView, index: int, rung: Rung, belief: tuple[float, ...], weight: float,
              stake: float, target_rate: float, p_now: float) -> Action:
        """Climbing to ``rung``: stake x the rise in the target's chance of giving in, less own cost."""
        prm: LadderParams = self.params  # type: ignore[assignment]
        me, target = self.context.actor, prm.target
        h, d = prm.horizon_days, prm.discount_per_year
        if rung.measure is None:
            lev = exp = 0.0
        else:
            replaced = [r for r in prm.rungs if r.label in rung.replaces and r.measure is not None]
            lev = self.rung_cost(view, rung) - sum(self.rung_cost(view, r) for r in replaced)
            exp = (self.exposure(view, rung) + rung.backlash_pct
                   - sum(self.exposure(view, r) + r.backlash_pct for r in replaced))
        p_after = give_in_probability(belief, target_rate + max(lev, 0.0), h)
        cost = expected_holding_cost(belief, max(exp, 0.0), target_rate + max(lev, 0.0), d, h).cost_pct
        gain = stake * (p_after - p_now)
        why = (f"rung {index + 1}/{len(prm.rungs)}: leverage {lev:.3f}%/yr of {target}'s GDP (its cost ~{target_rate:.3f}%/yr); "
               f"chance it gives in {p_now:.0%} -> {p_after:.0%} (belief {target}: {describe(belief)}); "
               f"stake {pct(stake)} ({own_type_text(weight)}) x {p_after - p_now:.3f} = {pct(gain)} - own cost {pct(cost)}"
               f"{f' (exports lost and {rung.backlash_pct:.3f}%/yr abroad)' if rung.backlash_pct else ''}")
        if rung.measure is None:
            return Action(rung.kind, rung.label, self.name, why, target=target, utility=gain - cost, rung=index + 1)
        spec = rung.measure.spec(me, self.aimed_at(), label=rung.label)
        replaced_keys = tuple(measure_key(me, target, old) for old in rung.replaces)
        return Action(IMPOSE, rung.label, self.name, why, target=target, measure=spec,
                      measure_key=measure_key(me, target, rung.label), measure_keys=replaced_keys,
                      utility=gain - cost, rung=index + 1)
