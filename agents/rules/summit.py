"""``summit``: a scheduled leaders' meeting opens a window in which both sides may de-escalate.

Seed 001_05a93871f1046ccc.txt: leaders' meetings on the margins of APEC (Lima 2024, Beijing
2014) were where China and Japan agreed to manage their differences themselves; seed
002_f60684ffc0d8cd14.txt: the next scheduled meeting of the two leaders in the curbs episode is
the APEC summit in Shenzhen in November, months away. In a calendar window both parties attend,
while a dispute is live, each side weighs an off-ramp (lift its own measures against the other):
worth more with its own pain and lobbying pressure, and much more once the other side has
offered one in the same window (reciprocity).

In % of own GDP, present value (:mod:`agents.strategy`): the off-ramp saves the expected cost of
holding out against the other side — for certain once the other side has offered one, otherwise
times ``reciprocity_chance`` (an assumption) — less ``offramp_cost_pct``, the audience cost of
stepping back at a summit (lower than conceding: both sides move; an assumption), times the
weight of its own resolve type.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import OFFRAMP, Action, Rule, WorldView, pct
from agents.leverage import in_force_against, open_threats
from agents.strategy import StrategicParams, expected_holding_cost, own_type_text


class SummitParams(StrategicParams):
    country_fields = ("counterpart",)
    calendar_fields = ("window",)
    counterpart: str
    window: str | None = Field(None, description="calendar window name (default: any window both attend)")
    offramp_cost_pct: float = Field(0.1, ge=0, description="audience cost of stepping back at a summit, % of GDP (assumption)")
    reciprocity_chance: float = Field(0.5, ge=0, le=1, description="chance the other side answers an off-ramp in kind (assumption)")
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
        dispute = (in_force_against(view, me, other) or in_force_against(view, other, me)
                   or open_threats(view, other, me) or open_threats(view, me, other))
        if not dispute:
            return []
        if [mv for mv in view.moves(actor=me, kind=OFFRAMP, target=other) if mv.day >= window.start_day]:
            return []
        offered = [mv for mv in view.moves(actor=other, kind=OFFRAMP, target=me) if mv.day >= window.start_day]
        hold = expected_holding_cost(view.belief(me, other), view.cost_rate_pct(me), view.perceived_cost_rate(me, other),
                                     prm.discount_per_year, prm.horizon_days)
        chance = 1.0 if offered else prm.reciprocity_chance
        cost = prm.offramp_cost_pct * view.resolve_weight(me)
        utility = chance * hold.cost_pct - cost
        own = tuple(view.measures_in_force(actor=me, target=other))
        what = f"{other} offered an off-ramp on day {offered[0].day}" if offered else "opens an off-ramp"
        return [Action(OFFRAMP, prm.label, self.name,
                       f"{window.name} (days {window.start_day}-{window.end_day}): {what}; {hold.text(other)}; "
                       f"saves {chance:.0%} of it - audience {pct(cost)} ({own_type_text(view.resolve_weight(me))}) = {pct(utility)}; "
                       f"lifts {len(own)} own measure(s)",
                       target=other, measure_keys=own, utility=utility)]
