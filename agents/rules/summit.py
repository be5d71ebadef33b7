"""``summit``: a scheduled leaders' meeting opens a window in which both sides may de-escalate.

Seed 001_05a93871f1046ccc.txt: leaders' meetings on the margins of APEC (Lima 2024, Beijing
2014) were where China and Japan agreed to manage their differences themselves; seed
002_f60684ffc0d8cd14.txt: the next scheduled meeting of the two leaders in the curbs episode is
the APEC summit in Shenzhen in November, months away. In a calendar window both parties attend,
while a dispute is live, each side weighs an off-ramp (lift its own measures against the other):
worth more with its own pain and lobbying pressure, and much more once the other side has
offered one in the same window (reciprocity).

In % of own GDP, present value (:mod:`agents.strategy`): the off-ramp is a settlement in which
both step back part way — the coercer suspends its measures, the target makes a gesture. For
each side it is worth the expected cost of holding out against the other (its own cost rate,
plus ``backlash_pct`` abroad for each of its own measures in force, borne for the other's believed
remaining resolve — the belief updated by the other's persistence since the dispute began,
:func:`agents.strategy.persistence`) less, for a side that coerces (``stake_pct`` > 0), the stake
it forgoes (stake x the chance the other gives in within the horizon) and plus the gesture it
gets (``gesture_share`` of the stake) — for certain once the other side has offered an off-ramp
in the window, otherwise times ``reciprocity_chance`` (an assumption) — less ``offramp_cost_pct``,
the audience cost of stepping back at a summit (lower than conceding: both sides move; an
assumption). Stake and audience cost are times the weight of its own resolve type.

An off-ramp is first an **offer**: it lifts nothing and stands until the other side answers it
(:func:`agents.strategy.offramps`); the **answer** settles — it lifts both sides' measures
against each other (the coercer's suspension for the target's gesture). So a settlement is taken
only when both sides' expected cost of holding out exceeds what it costs them, and an offer the
other side rejects leaves the dispute where it was (the ladder and the threat go on; a round ends
only with a settlement).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from agents.base import OFFRAMP, Action, Rule, WorldView, pct
from agents.leverage import in_force_against, open_threats
from agents.strategy import (
    StrategicParams,
    expected_holding_cost,
    give_in_probability,
    offramps,
    own_type_text,
    persistence,
)


class SummitParams(StrategicParams):
    country_fields = ("counterpart",)
    calendar_fields = ("window",)
    counterpart: str
    window: str | None = Field(None, description="calendar window name (default: any window both attend)")
    offramp_cost_pct: float = Field(0.1, ge=0, description="audience cost of stepping back at a summit, % of GDP (assumption)")
    reciprocity_chance: float = Field(0.5, ge=0, le=1, description="chance the other side answers an off-ramp in kind (assumption)")
    stake_pct: float = Field(
        0.0, ge=0,
        description="while it coerces: worth of the other's full concession, % of own GDP (as its ladder's); "
        "the settlement forgoes the chance of winning it",
    )
    gesture_share: float = Field(
        0.0, ge=0, le=1, description="share of that stake the other's gesture in a settlement is worth to it (assumption)"
    )
    backlash_pct: dict[str, float] = Field(
        default_factory=dict,
        description="cost abroad of each of its own measures (by label) while in force, % of own GDP per year "
        "(as its ladder's rungs)",
    )

    @field_validator("backlash_pct")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in value.values()):
            raise ValueError("costs abroad must be >= 0")
        return value
    label: str = "summit_offramp"


class Summit(Rule):
    name = "summit"
    Params = SummitParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: SummitParams = self.params  # type: ignore[assignment]
        me, other = self.context.actor, prm.counterpart
        windows = [w for w in view.windows_open(me) if other in w.parties and (prm.window in (None, w.name))]
        if not windows:
            return []
        window = windows[0]
        standing, _ = offramps(view, me, other)
        offered = standing is not None and standing.actor == other
        coercing = bool(in_force_against(view, me, other) or open_threats(view, me, other))
        dispute = coercing or in_force_against(view, other, me) or open_threats(view, other, me)
        if not dispute or (standing is not None and standing.actor == me):
            return []  # nothing to settle, or its own offer stands unanswered
        pair = view.moves(actor=me, target=other) + view.moves(actor=other, target=me)
        seen = persistence(view, me, other, min((mv.day for mv in pair), default=view.day))
        weight = view.resolve_weight(me)
        own = tuple(view.measures_in_force(actor=me, target=other))
        theirs = tuple(view.measures_in_force(actor=other, target=me))
        abroad = sum(prm.backlash_pct.get(key.rpartition(":")[2], 0.0) for key in own)
        rate = view.cost_rate_pct(me) + abroad
        other_rate = view.perceived_cost_rate(me, other)
        hold = expected_holding_cost(seen.belief, rate, other_rate, prm.discount_per_year, prm.horizon_days)
        stake = prm.stake_pct * weight if coercing else 0.0
        p_now = give_in_probability(seen.belief, other_rate, prm.horizon_days) if stake else 0.0
        forgone, gesture = stake * p_now, stake * prm.gesture_share
        chance = 1.0 if offered else prm.reciprocity_chance
        cost = prm.offramp_cost_pct * weight
        deal = hold.cost_pct - forgone + gesture
        utility = chance * deal - cost
        if offered:
            what = f"accepts {other}'s off-ramp offer of day {standing.day}: both step back"  # type: ignore[union-attr]
            lifts = f"lifts {len(own)} own and {len(theirs)} of {other}'s measure(s)"
        else:
            what = "offers an off-ramp (it stands until answered; nothing is lifted before)"
            lifts = "lifts nothing yet"
        terms = (f" - stake forgone {pct(stake)} x chance {other} gives in {p_now:.0%} + its gesture "
                 f"{prm.gesture_share:.0%} of the stake" if stake else "")
        return [Action(OFFRAMP, prm.label, self.name,
                       f"{window.name} (days {window.start_day}-{window.end_day}): {what}; {seen.text(other)}; "
                       f"{hold.text(other)}{f' (incl. {abroad:.3f}%/yr abroad)' if abroad else ''}"
                       f"{terms}: settlement worth {pct(deal)}, x {chance:.0%} - audience {pct(cost)} "
                       f"({own_type_text(weight)}) = {pct(utility)}; {lifts}",
                       target=other, measure_keys=own + theirs if offered else (), utility=utility)]
