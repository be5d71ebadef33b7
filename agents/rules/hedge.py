"""``hedge``: a third country stays out of a quarrel between its patron and its largest trading
partner, and captures the trade diverted to it; ``reward_hedgers``: the coercer rewards those who
stay out, to split allies.

Seed 003_cae70e9ca3c421da.txt: Korea's economic ties with China far outweigh those with the US,
and it will not lead a US effort to blockade China; seeds 000_* and 003_*: smaller states
"multi-balance" and neither Japan nor Korea will go zero-sum. Seed 002_f60684ffc0d8cd14.txt:
China's curbs on Japan came hours after Korea's President was warmly received in Beijing — read
as a wedge between US allies. In % of GDP, present value over the horizon: staying out keeps the
trade with the rival that aligning would put at risk (``retaliation_risk`` x that trade), the
exports diverted to it, and any reward; aligning is worth ``alliance_value_pct``, more once the
patron asks (assumptions).
"""

from __future__ import annotations

from pydantic import Field

from agents.base import IMPOSE, Action, Rule, RuleParams, WorldView, utilities_text
from agents.strategy import MAX_DAYS, StrategicParams, holding_cost_pct
from sim.config import MeasureTemplate


class HedgeParams(StrategicParams):
    country_fields = ("patron", "rival")
    patron: str
    rival: str
    retaliation_risk: float = Field(
        0.1, ge=0, le=1, description="chance the rival curbs trade with it if it aligns with the patron (assumption)"
    )
    alliance_value_pct: float = Field(0.1, ge=0, description="worth of aligning with the patron, % of GDP (assumption)")
    request_value_pct: float = Field(0.1, ge=0, description="extra worth once the patron asked, % of GDP (assumption)")
    reward_value_pct: float = Field(0.05, ge=0, description="worth of the rival's reward for staying out, % of GDP (assumption)")
    align_measure: MeasureTemplate | None = Field(None, description="what aligning means (e.g. controls on the rival)")


def _trade(view: WorldView, a: str, b: str) -> float:
    return sum(view.trade_value(a, b, p) + view.trade_value(b, a, p) for p in view.products)


class Hedge(Rule):
    name = "hedge"
    Params = HedgeParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: HedgeParams = self.params  # type: ignore[assignment]
        me, patron, rival = self.context.actor, prm.patron, prm.rival
        asked = view.moves(actor=patron, kind="request_alignment", target=me)
        coercing = view.measures_in_force(actor=rival)
        if not (asked or coercing):
            return []
        if view.moves(actor=me, kind="align"):
            return []
        gdp = view.gdp(me)
        at_risk = 100.0 * _trade(view, me, rival) / gdp  # % of GDP a year
        exports = 100.0 * sum(view.trade_value(me, c, p) for c in view.countries if c != me for p in view.products) / gdp
        years = holding_cost_pct(365.0, MAX_DAYS, prm.discount_per_year, prm.horizon_days)  # PV of 1 %/yr, in %
        gain = max(view.export_change_pct(me), 0.0) / 100.0 * exports
        rewarded = view.moves(actor=rival, kind="reward", target=me)
        stay = {"trade kept": prm.retaliation_risk * at_risk * years / 365.0, "diversion": gain * years / 365.0,
                "reward": prm.reward_value_pct if rewarded else 0.0}
        align = {"alliance": prm.alliance_value_pct, "asked": prm.request_value_pct if asked else 0.0}
        actions = [Action("stay_out", "stay_out", self.name,
                          f"trade with {rival} {at_risk:.1f}% of GDP a year, at risk {prm.retaliation_risk:.0%} if it aligns; "
                          f"exports {view.export_change_pct(me):+.2f}% on baseline ({utilities_text(stay, 3)}, % of GDP)",
                          target=rival, utility=sum(stay.values()))]
        reason = f"{patron} {'asked to align' if asked else 'is an ally'} ({utilities_text(align, 3)}, % of GDP)"
        if prm.align_measure is not None:
            actions.append(Action(IMPOSE, prm.align_measure.name, self.name, reason, target=rival,
                                  measure=prm.align_measure.spec(me, rival),
                                  measure_key=f"{me}>{rival}:{prm.align_measure.name}", utility=sum(align.values()), rung=1))
        else:
            actions.append(Action("align", "align_with_patron", self.name, reason, target=patron, utility=sum(align.values())))
        return actions


class RewardParams(RuleParams):
    country_fields = ("hedgers",)
    hedgers: list[str] = Field(min_length=1)
    reward_value_pct: float = Field(0.01, description="worth of splitting the allies, % of own GDP (assumption)")


class RewardHedgers(Rule):
    """The coercer answers a third country's staying out with a reward: it lifts the measures it
    has in force against that country (e.g. an exemption from licensing) and says so."""

    name = "reward_hedgers"
    Params = RewardParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: RewardParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        actions = []
        for hedger in prm.hedgers:
            stayed = view.moves(actor=hedger, kind="stay_out", target=me)
            if not stayed or view.moves(actor=me, kind="reward", target=hedger):
                continue
            own = tuple(k for k, s in view.measures_in_force(actor=me).items() if s.target == hedger)
            actions.append(Action("reward", f"reward_{hedger}", self.name,
                                  f"{hedger} stayed out on day {stayed[-1].day}: exempt it ({len(own)} measure(s) lifted)",
                                  target=hedger, measure_keys=own, utility=prm.reward_value_pct))
        return actions
