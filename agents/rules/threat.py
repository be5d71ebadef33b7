"""``threat``: announce a measure before imposing it; at the deadline carry it out, extend it or
quietly drop it — each valued in % of the coercer's GDP (:mod:`agents.strategy`).

Seed 002_f60684ffc0d8cd14.txt: alongside its first measures Beijing threatened tighter
rare-earth controls, the lever that matters most to Japan's carmakers, without yet using it. A
target can concede while the threat is pending (the threat has then succeeded, and no measure is
ever imposed: the target's ``concede`` rule weighs the threatened cost times the threat's
credibility, its belief that this coercer carries threats out).

- **issue**: ``stake_pct`` x the rise in the chance the target gives in (by the coercer's belief
  about it) that the threatened measure's leverage would bring — words cost nothing now;
- at the deadline the threat has been **called**: the target held out through it, which is news
  of its resolve (:func:`agents.strategy.persistence`, from the day the threat was issued). Then
  **carry out**: the same gain, by the updated belief, less the measure's own cost — exports
  lost plus ``backlash_pct``, its cost abroad (buyers elsewhere diversify, the lever's worth
  erodes), % of own GDP per year — borne for the target's expected remaining resolve; **let it
  lapse** (a ``drop_threat`` move): loses ``reputation_pct`` (a bluff called); **extend**: loses
  half of it (an assumption), at most ``max_extensions`` times. Past the deadline the status quo
  is the lapse, so utilities are measured against it (carry out: gain - cost + reputation;
  extend: half the reputation; lapse: 0). When carrying out costs more than the credibility a
  lapse loses, the threat lapses — a move of its own with the values compared, not a silent hold:
  TIES counts such threats among those never imposed (fact ties_threats_not_imposed_share).
Stake and reputation are times the weight of its own resolve type.

**Several targets, several rounds.** ``target`` may name several countries: the threat is weighed
and issued against each on its own (its own deadline, beliefs and concession). After the
coercer's back-down or off-ramp against a target the truce may break: with ``max_rounds`` > 1 the
threat may be issued anew once ``truce_days`` have passed (not after a concession: the stake was
won), counting only the moves of the new round.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import (
    ACCEPT,
    BACK_DOWN,
    CONCEDE,
    IMPOSE,
    Action,
    Move,
    Rule,
    WorldView,
    measure_key,
    pct,
)
from agents.leverage import exposure_aimed_pct, leverage_pct
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


class ThreatParams(StrategicParams):
    country_fields = ("target",)
    target: str | list[str] = Field(description="the country threatened, or several (each on its own)")
    measure: MeasureTemplate
    issue_day: int = Field(0, ge=0, description="earliest day to issue the threat")
    after: str | None = Field(None, description="issue only after this own move (label) against the target")
    deadline_days: int = Field(30, ge=1)
    max_extensions: int = Field(1, ge=0)
    rung: int = Field(0, ge=0, description="escalation rung the measure stands for (0: none)")
    stake_pct: float = Field(0.5, ge=0, description="worth of the target's concession, % of own GDP (assumption)")
    target_cost_pct: float | None = Field(
        None, ge=0,
        description="its estimate of what the measure would cost the target, % of its GDP per year "
        "(default: the static estimate of agents.leverage.leverage_pct)",
    )
    reputation_pct: float = Field(0.1, ge=0, description="credibility lost by letting a called threat lapse, % of own GDP (assumption)")
    backlash_pct: float = Field(
        0.0, ge=0,
        description="cost abroad of carrying the measure out, % of own GDP per year while in force: buyers diversify "
        "away, the lever's worth for later coercion erodes (assumption; as the ladder rung's)",
    )
    max_rounds: int = Field(1, ge=1, description="rounds: after a back-down or off-ramp the truce may break and the threat return")
    truce_days: int = Field(180, ge=0, description="days after a round ends before the threat may be issued again")

    @property
    def targets(self) -> list[str]:
        return [self.target] if isinstance(self.target, str) else list(self.target)


class Threat(Rule):
    name = "threat"
    Params = ThreatParams

    def round_moves(self, view: WorldView, target: str) -> tuple[int, tuple[Move, ...]] | None:
        """(first day, own moves against ``target``) of the current round, or None while no round is
        open (after a concession; in a truce; once ``max_rounds`` are spent)."""
        prm: ThreatParams = self.params  # type: ignore[assignment]
        mine = view.moves(actor=self.context.actor, target=target)
        # A round ends with an accepted concession, a back-down or a settlement (an off-ramp offer
        # answered by the other side; an offer alone ends nothing).
        ends = sorted([mv for mv in mine if mv.kind in (ACCEPT, BACK_DOWN)]
                      + list(offramps(view, self.context.actor, target)[1]),
                      key=lambda mv: mv.day)
        if not ends:
            return 0, mine
        if ends[-1].kind == ACCEPT or len(ends) >= prm.max_rounds or view.day - ends[-1].day < prm.truce_days:
            return None
        return ends[-1].day + 1, tuple(mv for mv in mine if mv.day > ends[-1].day)

    def deadline(self, view: WorldView, target: str | None = None) -> int | None:
        """Day the pending threat against ``target`` (default: the first) falls due (None if none is pending)."""
        prm: ThreatParams = self.params  # type: ignore[assignment]
        open_round = self.round_moves(view, target or prm.targets[0])
        mine = open_round[1] if open_round else ()
        label = prm.measure.name
        issued = [mv for mv in mine if mv.kind == "threaten" and mv.label == f"threaten_{label}"]
        if not issued:
            return None
        extensions = [mv for mv in mine if mv.label == f"extend_{label}"]
        return (extensions[-1].day if extensions else issued[0].day) + prm.deadline_days

    def due(self, view: WorldView) -> bool:
        """A deadline is news: the coercer decides on the day one falls."""
        return any(self.deadline(view, t) == view.day for t in self.params.targets)  # type: ignore[attr-defined]

    def gain(self, view: WorldView, target: str,
             belief: tuple[float, ...] | None = None) -> tuple[float, float, float, float, tuple[float, ...]]:
        """(stake x rise in the chance the target gives in, that rise, leverage, own cost, belief):
        by ``belief`` (default: its belief from moves); the own cost counts exports lost and the
        cost abroad (``backlash_pct``)."""
        prm: ThreatParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        belief = view.belief(me, target) if belief is None else belief
        rate = view.perceived_cost_rate(me, target)
        lev = prm.target_cost_pct if prm.target_cost_pct is not None else leverage_pct(view, me, target, prm.measure)
        rise = (give_in_probability(belief, rate + lev, prm.horizon_days)
                - give_in_probability(belief, rate, prm.horizon_days))
        cost = expected_holding_cost(belief, exposure_aimed_pct(view, me, target, prm.measure) + prm.backlash_pct, rate + lev,
                                     prm.discount_per_year, prm.horizon_days).cost_pct
        return prm.stake_pct * view.resolve_weight(me) * rise, rise, lev, cost, belief

    def propose(self, view: WorldView) -> list[Action]:
        return [a for target in self.params.targets for a in self.propose_to(view, target)]  # type: ignore[attr-defined]

    def propose_to(self, view: WorldView, target: str) -> list[Action]:
        prm: ThreatParams = self.params  # type: ignore[assignment]
        me, label = self.context.actor, prm.measure.name
        open_round = self.round_moves(view, target)
        if open_round is None:
            return []
        start, mine = open_round
        closed = any((mv.kind == IMPOSE and mv.label == label) or mv.label == f"drop_{label}" for mv in mine)
        if closed:
            return []
        deadline = self.deadline(view, target)
        if deadline is None:
            if view.day < prm.issue_day or (prm.after and not any(mv.label == prm.after for mv in mine)):
                return []
            gain, rise, lev, _, belief = self.gain(view, target)
            return [Action("threaten", f"threaten_{label}", self.name,
                           f"threatens {label} ({lev:.3f}%/yr of {target}'s GDP at stake) with a {prm.deadline_days}-day "
                           f"deadline: chance {target} gives in +{rise:.1%} (belief {target}: {describe(belief)}) x stake "
                           f"{pct(prm.stake_pct * view.resolve_weight(me))} ({own_type_text(view.resolve_weight(me))}) = {pct(gain)}",
                           target=target, utility=gain)]
        if any(mv.day >= start for mv in view.moves(actor=target, kind=CONCEDE, target=me)):
            return []  # the threat worked: the ladder's acceptance ends the episode
        if view.day < deadline:
            return []
        issued = min(mv.day for mv in mine if mv.kind == "threaten" and mv.label == f"threaten_{label}")
        called = persistence(view, me, target, issued)  # the target held out through the threat
        gain, rise, lev, cost, belief = self.gain(view, target, called.belief)
        # Once the deadline has passed the status quo is the lapse (a called threat left hanging is
        # a bluff called): utilities are measured against it, and when nothing beats it, it is chosen.
        extensions = [mv for mv in mine if mv.label == f"extend_{label}"]
        reputation = prm.reputation_pct * view.resolve_weight(me)
        spec = prm.measure.spec(me, target)
        actions = [
            Action(IMPOSE, label, self.name,
                   f"deadline of day {deadline} passed without concession ({called.text(target)}): carry out — "
                   f"chance {target} gives in +{rise:.1%} (belief {target}: {describe(belief)}) x stake "
                   f"{pct(prm.stake_pct * view.resolve_weight(me))} ({own_type_text(view.resolve_weight(me))}) = "
                   f"{pct(gain)} - own cost {pct(cost)} (exports lost"
                   f"{f' + {prm.backlash_pct:.3f}%/yr abroad' if prm.backlash_pct else ''}) = {pct(gain - cost)}, "
                   f"vs a lapse's lost reputation {pct(reputation)}",
                   target=target, measure=spec, measure_key=measure_key(me, target, label),
                   utility=gain - cost + reputation, rung=prm.rung),
            Action("drop_threat", f"drop_{label}", self.name,
                   f"deadline of day {deadline} passed, threat called ({called.text(target)}): let it lapse, losing reputation "
                   f"{pct(reputation)} ({own_type_text(view.resolve_weight(me))}) vs carrying it out "
                   f"{pct(gain)} - own cost {pct(cost)}"
                   f"{f' (incl. {prm.backlash_pct:.3f}%/yr abroad)' if prm.backlash_pct else ''} = {pct(gain - cost)}",
                   target=target, utility=0.0),
        ]
        if len(extensions) < prm.max_extensions:
            actions.append(Action("extend_threat", f"extend_{label}", self.name,
                                  f"deadline of day {deadline} passed: extend by {prm.deadline_days} days "
                                  f"({len(extensions) + 1} of {prm.max_extensions}), losing half the reputation "
                                  f"{pct(reputation / 2)} rather than all of it",
                                  target=target, utility=reputation / 2))
        lapse = actions[1]
        if lapse.utility >= max(a.utility for a in actions):
            # A called threat left hanging is a threat that lapsed: when nothing beats letting it
            # lapse, the lapse is the decision (an event, with the values compared), not a silent hold.
            others = "; ".join(f"{a.label} {pct(a.utility)}" for a in actions if a is not lapse)
            return [Action(lapse.kind, lapse.label, self.name, f"{lapse.reason} (alternatives: {others})",
                           target=target, utility=lapse.utility, mandatory=True,
                           alternatives=tuple((a.label, a.utility) for a in actions))]
        return actions
