"""``GovernmentAgent``: perceives through a read-only view and decides by its configured rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from agents.base import Action, Rule, WorldView, logit_choice

if TYPE_CHECKING:
    import numpy as np


class GovernmentAgent(mesa.Agent):
    """A state. Rules flagged ``every_day`` are evaluated daily (scripted measures fire on their
    day); the others only on the decision clock (every ``decision_interval_days``). Mandatory
    proposals are all carried out; of the others, one is chosen by a logit over utilities with
    ``temperature`` (0 = always the best)."""

    def __init__(
        self,
        model: mesa.Model,
        country: str,
        rules: list[Rule],
        decision_interval_days: int,
        temperature: float,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(model)
        self.country = country
        self.rules = rules
        self.decision_interval_days = decision_interval_days
        self.temperature = temperature
        self.choice_rng = rng

    def decide(self, view: WorldView) -> list[Action]:
        decision_day = view.day % self.decision_interval_days == 0
        mandatory: list[Action] = []
        optional: list[Action] = []
        for rule in self.rules:
            if not (rule.every_day or decision_day):
                continue
            for action in rule.propose(view):
                (mandatory if action.mandatory else optional).append(action)
        chosen, considered = logit_choice(optional, self.temperature, self.choice_rng)
        if chosen is None:
            return mandatory
        return [*mandatory, _with_alternatives(chosen, considered)]

    def step(self) -> None:  # Mesa API; the model drives decide() with its view.
        pass


def _with_alternatives(action: Action, considered: tuple[tuple[str, float], ...]) -> Action:
    from dataclasses import replace

    return replace(action, alternatives=considered)
