"""``FirmAgent``: a major firm. Its daily operations (orders, inventories, supplier switching) are
vectorised in :mod:`sim.economy`; the agent holds its index there, its political influence and
its decision rules (lobbying, diversification investment)."""

from __future__ import annotations

import mesa
import numpy as np

from agents.base import Action, Rule, WorldView, decide


def lobbying_pressure(
    influence: np.ndarray,
    loss_share: np.ndarray,
    dead_zone: np.ndarray | float = 0.0,
    gain_weight: np.ndarray | float = 0.0,
    size_pct: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Pressure each firm puts on its government to settle, in % of the home country's GDP per
    year: the profit it is losing beyond a dead zone (a share of its baseline profit, times
    ``size_pct``, its baseline profit in % of home GDP per year) times its political weight
    ``influence``. A firm that gains (negative loss) pushes the other way, for a hard line, with
    ``gain_weight``. So a small chemical maker weighs by its small profit, a carmaker by its large
    one. Vectorised over firms (DESIGN.md "Firms"; seed 000_*: Toyota and Sony press Tokyo to keep
    access to China)."""
    losing = np.maximum(loss_share - dead_zone, 0.0)
    gaining = np.maximum(-loss_share, 0.0)
    return influence * size_pct * (losing - gain_weight * gaining)


class FirmAgent(mesa.Agent):
    """Lobbies its government in proportion to its losses and its influence; with rules
    configured, decides on its own clock (e.g. the ``lobby`` and ``diversify`` rules)."""

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        country: str,
        index: int,
        influence: float,
        rules: list[Rule] | None = None,
        decision_interval_days: int = 7,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.country = country
        self.index = index
        self.influence = influence
        self.rules = list(rules or [])
        self.decision_interval_days = decision_interval_days
        self.choice_rng = rng if rng is not None else np.random.default_rng(0)

    def lobbying_terms(self) -> tuple[float, float]:
        """(dead zone, gain weight) of the firm's lobbying: from its ``lobby`` rule if it has one."""
        for rule in self.rules:
            terms = getattr(rule, "lobbying_terms", None)
            if terms is not None:
                return terms()
        return 0.0, 0.0

    def lobbying(self, view: WorldView) -> float:
        """Pressure on the home government, % of its GDP per year (one firm of :func:`lobbying_pressure`)."""
        if not view.firm_heard(self.name):
            return 0.0
        dead_zone, gain_weight = self.lobbying_terms()
        return float(
            lobbying_pressure(
                np.float64(self.influence), np.float64(view.firm_loss_share(self.name)), dead_zone, gain_weight,
                view.firm_size_pct(self.name),
            )
        )

    def decide(self, view: WorldView) -> list[Action]:
        decision_day = view.day % self.decision_interval_days == 0
        if not decision_day and not any(rule.every_day for rule in self.rules):
            # Off its clock only daily rules are asked: with none, :func:`decide` would look at no
            # rule, make no draw and return nothing (most days of most firms; skipped outright).
            return []
        return decide(self.rules, view, decision_day, 0.0, self.choice_rng)

    def step(self) -> None:  # Mesa API; the model drives decide() with its view.
        pass
