"""``GovernmentAgent``: perceives through a read-only view and decides by its configured rules."""

from __future__ import annotations

import mesa
import numpy as np

from agents.base import Action, Rule, WorldView, decide


class GovernmentAgent(mesa.Agent):
    """A state. Rules flagged ``every_day`` are evaluated daily (scripted measures fire on their
    day); the others when news arrives (:meth:`has_news`) and otherwise on the slow decision
    clock (every ``decision_interval_days`` from ``first_decision_day``). Mandatory proposals are all carried out; of the others, one is chosen
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
        decide_on_news: bool = True,
    ) -> None:
        super().__init__(model)
        self.country = country
        self.rules = rules
        self.decision_interval_days = decision_interval_days
        self.temperature = temperature
        self.choice_rng = rng
        self.first_decision_day = first_decision_day
        self.decide_on_news = decide_on_news
        self.seen_moves = 0  # moves of the public record already considered at a decision
        self.last_rate = 0.0  # own cost rate at the last decision (to notice a threshold crossed)
        self.last_decision_day = -1
        self._interests: frozenset[str] | None = None
        self._due_checks: tuple | None = None

    def is_decision_day(self, day: int) -> bool:
        return day >= self.first_decision_day and (day - self.first_decision_day) % self.decision_interval_days == 0

    def interests(self) -> frozenset[str]:
        """Countries its rules are about (their country parameters): moves by or against them are
        news. Rules' parameters are frozen, so this is worked out once (it was a tenth of a
        replication's time when recomputed daily)."""
        if self._interests is None:
            found = {self.country}
            for rule in self.rules:
                refs = getattr(rule.params, "references", None)
                if refs is not None:
                    found.update(name for _, kind, name in refs() if kind == "country")
            self._interests = frozenset(found)
        return self._interests

    def has_news(self, view: WorldView, moves: tuple, rate: float) -> bool:
        """News since its last decision: a move by another actor concerning a country it cares
        about, a calendar window opening for it, a rule's deadline, or its own cost rate doubling."""
        if not self.decide_on_news or view.day < self.first_decision_day:
            return False
        interests = self.interests()
        if moves and any(mv.actor != self.country and (mv.target in interests or mv.actor in interests) for mv in moves):
            return True
        day = view.day
        if any(w.start_day == day for w in view.windows_open(self.country)):
            return True
        if rate > 2.0 * max(self.last_rate, 0.005):
            return True
        if self._due_checks is None:  # the rules' deadline checks, in rule order (rules are fixed, as for interests)
            self._due_checks = tuple(rule.due for rule in self.rules if hasattr(rule, "due"))
        return any(due(view) for due in self._due_checks)

    def decide(self, view: WorldView, news_moves: tuple = (), rate: float = 0.0) -> list[Action]:
        """One decision if the clock ticks or news arrived; mandatory moves (scripts) every day."""
        decision_day = self.is_decision_day(view.day) or self.has_news(view, news_moves, rate)
        if decision_day:
            self.last_rate, self.last_decision_day = rate, view.day
        return decide(self.rules, view, decision_day, self.temperature, self.choice_rng)

    def step(self) -> None:  # Mesa API; the model drives decide() with its view.
        pass

