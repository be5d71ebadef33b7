"""``lobby`` (a firm's rule): press the home government to settle when losing profit, or for a
hard line when gaining.

Seed 000_f8354e40555b0262.txt: Toyota and Sony press Tokyo to keep stable access to China, where
Honda and Toyota earn about a third of their profits. The pressure itself is computed every day
for all firms at once (:func:`agents.firm.lobbying_pressure`, with this rule's ``dead_zone`` and
``gain_weight``), but a firm with this rule is heard only while its declared stance is to lobby:
its decisions — lobbying for relief (settle), lobbying for a hard line (retaliation), or staying
quiet — are its own moves, logged when they change with the loss that moved them, and its
government reads them.
"""

from __future__ import annotations

from pydantic import Field

from agents.base import Action, Rule, RuleParams, WorldView


class LobbyParams(RuleParams):
    dead_zone: float = Field(0.02, ge=0, le=1, description="share of baseline profit lost before the firm lobbies")
    gain_weight: float = Field(0.0, ge=0, description="weight of gains lobbying for a hard line (0 = gains are silent)")


class Lobby(Rule):
    name = "lobby"
    Params = LobbyParams

    def lobbying_terms(self) -> tuple[float, float]:
        prm: LobbyParams = self.params  # type: ignore[assignment]
        return prm.dead_zone, prm.gain_weight

    def propose(self, view: WorldView) -> list[Action]:
        prm: LobbyParams = self.params  # type: ignore[assignment]
        me = self.context.actor
        home = view.firm_country(me)
        loss = view.firm_loss_share(me)
        disputes = [k for k, s in view.measures_in_force().items() if home in (s.actor, s.target)]
        if not disputes:
            if view.moves(actor=me, kind="lobby"):
                return [Action("quiet", "quiet", self.name, f"no measure in force involves {home}", target=home, utility=1.0)]
            return []
        if loss > prm.dead_zone:
            return [Action("lobby", "lobby_settle", self.name,
                           f"profit loss {loss:.1%} of baseline > {prm.dead_zone:.1%}: presses {home} to settle",
                           target=home, utility=1.0)]
        if prm.gain_weight > 0 and -loss > prm.dead_zone:
            return [Action("lobby", "lobby_hard_line", self.name,
                           f"profit gain {-loss:.1%} of baseline > {prm.dead_zone:.1%}: backs a hard line",
                           target=home, utility=1.0)]
        if view.moves(actor=me, kind="lobby"):
            return [Action("quiet", "quiet", self.name, f"profit loss {loss:.1%} within {prm.dead_zone:.1%}",
                           target=home, utility=1.0)]
        return []
