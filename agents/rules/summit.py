"""``summit``: a scheduled leaders' meeting opens a window in which both sides may de-escalate.

Seed 001_05a93871f1046ccc.txt: leaders' meetings on the margins of APEC (Lima 2024, Beijing
2014) were where China and Japan agreed to manage their differences themselves; seed
002_f60684ffc0d8cd14.txt: the next scheduled meeting of the two leaders in the curbs episode is
the APEC summit in Shenzhen in November, months away. In a calendar window both parties attend,
while a dispute is live, each side weighs an off-ramp (lift its own measures against the other):
worth more with its own pain and lobbying pressure, and much more once the other side has
offered one in the same window (reciprocity); ``resolve`` weighs against it.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import OFFRAMP, Action, Rule, RuleParams, WorldView, pct, utilities_text
from agents.leverage import in_force_against, open_threats


class SummitParams(RuleParams):
    country_fields = ("counterpart",)
    calendar_fields = ("window",)
    counterpart: str
    window: str | None = Field(None, description="calendar window name (default: any window both attend)")
    offramp_utility: float = 0.5
    pain_weight: float = Field(1.0, ge=0, description="utility per % of GDP of own pain")
    pressure_weight: float = Field(1.0, ge=0, description="utility per unit of lobbying pressure")
    reciprocity_bonus: float = Field(3.0, ge=0, description="extra utility once the other side offered an off-ramp")
    resolve: float = Field(1.0, ge=0)
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
        pain, pressure = view.gdp_loss_pct(me), view.lobbying_pressure(me)
        parts = {"base": prm.offramp_utility, "pain": prm.pain_weight * max(pain, 0.0),
                 "pressure": prm.pressure_weight * pressure, "resolve": -prm.resolve}
        if offered:
            parts["reciprocity"] = prm.reciprocity_bonus
        own = tuple(view.measures_in_force(actor=me, target=other))
        what = f"{other} offered an off-ramp on day {offered[0].day}" if offered else "opens an off-ramp"
        return [Action(OFFRAMP, prm.label, self.name,
                       f"{window.name} (days {window.start_day}-{window.end_day}): {what}; own pain {pct(pain)}, "
                       f"pressure {pressure:.2f}; lifts {len(own)} own measure(s) ({utilities_text(parts)})",
                       target=other, measure_keys=own, utility=sum(parts.values()))]
