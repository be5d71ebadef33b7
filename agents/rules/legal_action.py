"""``legal_action``: file a complaint (e.g. at the WTO) against measures in force — cheap, slow,
and mainly a signal.

Seed 000_f8354e40555b0262.txt and 001_05a93871f1046ccc.txt: Japan frames its diplomacy around an
international order based on rules and law rather than following Washington. A complaint changes
no trade flow within the horizon; it is a public move that the coercer's escalation ladder counts
as condemnation (a cost to it), filed once the measures have been in force ``min_days_in_force``;
worth ``value_pct`` of GDP (an assumption: cheap, and more than a statement).
"""

from __future__ import annotations

from pydantic import Field

from agents.base import Action, Rule, RuleParams, WorldView


class LegalParams(RuleParams):
    country_fields = ("against",)
    against: str
    min_days_in_force: int = Field(30, ge=0)
    label: str = "wto_complaint"
    value_pct: float = Field(0.01, description="worth of the complaint as a public signal, % of GDP (assumption; it costs little)")


class LegalAction(Rule):
    name = "legal_action"
    Params = LegalParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: LegalParams = self.params  # type: ignore[assignment]
        me, other = self.context.actor, prm.against
        if view.moves(actor=me, kind="legal_action", target=other):
            return []
        imposed = [mv for mv in view.moves(actor=other, kind="impose", target=me)]
        in_force = view.measures_in_force(actor=other, target=me)
        if not imposed or not in_force:
            return []
        since = view.day - imposed[0].day
        if since < prm.min_days_in_force:
            return []
        return [Action("legal_action", prm.label, self.name,
                       f"{len(in_force)} measure(s) by {other} in force for {since} days >= {prm.min_days_in_force}",
                       target=other, utility=prm.value_pct)]
