"""``GovernmentAgent``: perceives through a read-only view and decides by its configured rules."""

from __future__ import annotations

import math
from dataclasses import replace

import mesa
import numpy as np

from agents.base import Action, Rule, Tastes, WorldView, decide, taste_margins

# How far ahead a government keeps an eye on a move gaining on holding, in clock periods: it
# watches the move daily when its trend since the previous decision would bring it level with
# holding within this many periods. Two, not one: the lead of a move (a concession, say) grows
# faster as losses mount and beliefs firm, so a straight line drawn through two decisions
# foresees the crossing late.
WATCH_PERIODS = 2.0


class GovernmentAgent(mesa.Agent):
    """A state. Rules flagged ``every_day`` are evaluated daily (scripted measures fire on their
    day); the others when news arrives (:meth:`news`) and otherwise on the slow decision clock
    (every ``decision_interval_days`` from ``first_decision_day``). Mandatory proposals are all
    carried out; of the others, one is chosen by a logit over utilities with ``temperature`` (in %
    of its GDP; 0 = always the best) and the government's persistent tastes
    (:class:`agents.base.Tastes`: drawn once per episode, afresh after a change of government), and
    carries the list of alternatives considered and what brought the decision about.

    **A threshold crossed is news.** After each decision the government notes each move's lead
    over holding (tastes included, :func:`agents.base.taste_margins`). A move still behind holding
    but gaining on it since the previous decision, at a pace that would bring it level within
    :data:`WATCH_PERIODS` clock periods, is watched: each day its rule alone is asked again (no
    full decision), and the day the move's lead turns positive the government decides. So a
    government concedes (say) on the day its expected cost of holding out passes its cost of giving
    in, not on the next tick of its clock."""

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
        self.tastes = Tastes(rng)
        self.first_decision_day = first_decision_day
        self.decide_on_news = decide_on_news
        self.seen_moves = 0  # moves of the public record already considered at a decision
        self.last_rate = 0.0  # own cost rate at the last decision (to notice a threshold crossed)
        self.last_decision_day = -1
        # Each move's lead over holding at the last two decisions that weighed it: label -> (day, lead).
        self.leads: dict[str, tuple[int, float]] = {}
        self.previous_leads: dict[str, tuple[int, float]] = {}
        self.watched: dict[str, tuple[int, float]] = {}  # label -> (day, lead) of moves watched daily
        self.origins: dict[str, Rule] = {}  # the rule that proposed each move (by label) at the last decision
        self._tastes_day = -1  # day of the last change of government whose tastes were drawn
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

    def news(self, view: WorldView, moves: tuple, rate: float) -> str:
        """What is new since its last decision ("" if nothing): a move by another actor concerning
        a country it cares about, a calendar window opening for it, a rule's deadline, its own cost
        rate doubling, or a watched move drawing level with holding (:meth:`crossing`)."""
        if not self.decide_on_news or view.day < self.first_decision_day:
            return ""
        interests = self.interests()
        for mv in moves:
            if mv.actor != self.country and (mv.target in interests or mv.actor in interests):
                return f"news: {mv.actor} {mv.label}" + (f" ({mv.target})" if mv.target else "")
        day = view.day
        opening = next((w for w in view.windows_open(self.country) if w.start_day == day), None)
        if opening is not None:
            return f"news: {opening.name} opens"
        if rate > 2.0 * max(self.last_rate, 0.005):
            return f"news: own cost rate {rate:.3f}%/yr, more than double the {self.last_rate:.3f}%/yr of day {self.last_decision_day}"
        if self._due_checks is None:  # the rules' deadline checks, in rule order (rules are fixed, as for interests)
            self._due_checks = tuple(rule.due for rule in self.rules if hasattr(rule, "due"))
        if any(due(view) for due in self._due_checks):
            return "news: a deadline falls due"
        return self.crossing(view)

    def has_news(self, view: WorldView, moves: tuple, rate: float) -> bool:
        return bool(self.news(view, moves, rate))

    def crossing(self, view: WorldView) -> str:
        """A watched move now ahead of holding ("" if none): its rule alone is asked (cheap: one
        rule, not a decision), and its lead compared with holding's, tastes included."""
        if not self.watched:
            return ""
        rules = {id(rule): rule for label, rule in self.origins.items() if label in self.watched}
        for rule in rules.values():
            proposals = [a for a in rule.propose(view) if not a.mandatory and a.label in self.watched]
            if not proposals:
                continue
            considered = (*((a.label, a.utility) for a in proposals), ("hold", 0.0))
            for label, lead in taste_margins(considered, self.temperature, self.tastes).items():
                if lead > 0:
                    day, before = self.watched[label]
                    return (f"threshold crossed: {label} now leads holding by {lead:.4f}% of GDP "
                            f"(it trailed by {-before:.4f} on day {day})")
        return ""

    def _watch(self, day: int, considered: tuple[tuple[str, float], ...]) -> None:
        """After a decision: note each move's lead over holding, and watch those gaining on holding
        fast enough to draw level within :data:`WATCH_PERIODS` clock periods."""
        self.previous_leads.update(self.leads)
        self.leads = {label: (day, lead) for label, lead in taste_margins(considered, self.temperature, self.tastes).items()}
        self.watched = {}
        reach = WATCH_PERIODS * self.decision_interval_days
        for label, (_, lead) in self.leads.items():
            earlier = self.previous_leads.get(label)
            if lead >= 0 or earlier is None or earlier[0] >= day:
                continue
            pace = (lead - earlier[1]) / (day - earlier[0])  # % of GDP a day
            if pace > 0 and math.isfinite(pace) and -lead / pace <= reach:
                self.watched[label] = (day, lead)

    def decide(self, view: WorldView, news_moves: tuple = (), rate: float = 0.0) -> list[Action]:
        """One decision if the clock ticks or news arrived (a watched threshold crossed included);
        mandatory moves (scripts) every day. The chosen move's reason says what brought the
        decision about."""
        for mv in news_moves:  # a new government has tastes of its own
            if mv.actor == self.country and mv.kind == "leadership_change" and mv.day > self._tastes_day:
                self._tastes_day = mv.day
                self.tastes.redraw()
                self.leads, self.previous_leads, self.watched = {}, {}, {}
        day = view.day
        trigger = f"{self.decision_interval_days}-day clock" if self.is_decision_day(day) else self.news(view, news_moves, rate)
        if not trigger:
            return decide(self.rules, view, False, self.temperature, self.choice_rng, self.tastes)
        self.last_rate, self.last_decision_day = rate, day
        self.origins = {}
        actions = decide(self.rules, view, True, self.temperature, self.choice_rng, self.tastes, self.origins)
        out, considered = [], ()
        for action in actions:
            if action.alternatives:  # the choice (mandatory moves carry none)
                considered = action.alternatives
                action = replace(action, reason=f"{action.reason} [decided on {trigger}]")
            out.append(action)
        self._watch(day, considered)
        return out

    def step(self) -> None:  # Mesa API; the model drives decide() with its view.
        pass
