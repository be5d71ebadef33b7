"""``relocate`` (a firm's rule): move purchases of an input away from a supplier country whose
measures have lasted, to another source — a durable change of its supplier mix, unlike
``diversify``'s new capacity.

DESIGN.md "Firms" and seed 000_f8354e40555b0262.txt: Japanese firms weigh moving supply chains out
of China against what they earn there; after 2010 Japan's buyers cut China's share of their
rare-earth purchases for good (japan_ree_import_share_china_h1_2012). Once a measure of
``away_from`` covering the input against the firm's home has been in force ``min_days_in_force``
days, the firm moves ``share`` of what it buys there to ``to`` (sim/model.py ``_relocate``: its
supplier mix in the run's state); the market then fills it as capacity allows, and the economy's
supplier adaptation goes on from the new mix. At most ``max_moves`` times, ``min_days_between``
apart.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import IMPOSE, RELOCATE, Action, Rule, RuleParams, WorldView
from agents.leverage import scope


class RelocateParams(RuleParams):
    country_fields = ("away_from", "to")
    product_fields = ("input",)
    input: str
    away_from: str
    to: str
    share: float = Field(0.5, gt=0, le=1, description="share of its purchases from away_from that it moves")
    min_days_in_force: int = Field(90, ge=0, description="days a covering measure must have lasted")
    max_moves: int = Field(1, ge=1)
    min_days_between: int = Field(180, ge=0)
    utility: float = 1.0


class Relocate(Rule):
    name = "relocate"
    Params = RelocateParams

    def propose(self, view: WorldView) -> list[Action]:
        prm: RelocateParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        home = view.firm_country(me)
        done = view.moves(actor=me, kind=RELOCATE)
        if len(done) >= prm.max_moves or (done and view.day - done[-1].day < prm.min_days_between):
            return []
        covering = {s.label for s in view.measures_in_force(actor=prm.away_from, target=home).values()
                    if prm.input in scope(view, s)}
        if not covering:
            return []
        since = min((mv.day for mv in view.moves(actor=prm.away_from, kind=IMPOSE, target=home) if mv.label in covering),
                    default=view.day)
        lasted = view.day - since
        share_now = view.firm_supplier_share(me, prm.input, prm.away_from)
        if lasted < prm.min_days_in_force or share_now <= 0:
            return []
        return [Action(RELOCATE, f"relocate_{prm.input}_{prm.to}", self.name,
                       f"{prm.away_from}'s measure(s) on {prm.input} ({', '.join(sorted(covering))}) in force {lasted} days "
                       f">= {prm.min_days_in_force}: move {prm.share:.0%} of its purchases there ({share_now:.0%} of its mix) "
                       f"to {prm.to}",
                       target=prm.to, origin=prm.away_from, product=prm.input, amount=prm.share, utility=prm.utility)]
