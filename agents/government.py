"""``GovernmentAgent``: perceives through a read-only view and decides by its configured rules."""

from __future__ import annotations

import mesa
import numpy as np

from agents.base import Action, Rule, WorldView, decide


class GovernmentAgent(mesa.Agent):
    """A state. Rules flagged ``every_day`` are evaluated daily (scripted measures fire on their
    day); the others only on the decision clock (every ``decision_interval_days`` from
    ``first_decision_day``). Mandatory proposals are all carried out; of the others, one is chosen
    by a logit over utilities with ``temperature`` (0 = always the best), and carries the list of
    alternatives considered."""

    def __init__(
        self,
        model: mesa.Model,
        country: str,
        rules: list[Rule],
        decision_interval_days: int,
        temperature: float,
        rng: np.random.Generator,
        first_decision_day: int = 0,
    ) -> None:
        super().__init__(model)
        self.country = country
        self.rules = rules
        self.decision_interval_days = decision_interval_days
        self.temperature = temperature
        self.choice_rng = rng
        self.first_decision_day = first_decision_day

    def is_decision_day(self, day: int) -> bool:
        return day >= self.first_decision_day and (day - self.first_decision_day) % self.decision_interval_days == 0

    def decide(self, view: WorldView) -> list[Action]:
        return decide(self.rules, view, self.is_decision_day(view.day), self.temperature, self.choice_rng)

    def step(self) -> None:  # Mesa API; the model drives decide() with its view.
        pass

