"""The decision calculus every strategic rule shares: one unit, forward-looking costs, beliefs.

**One unit.** Every utility is an expected cost or gain in % of the decider's GDP, as a present
value over the rule's ``horizon_days`` (continuous discounting at ``discount_per_year``). Rates
are in % of GDP per year; a cost rate of 0.365 %/yr borne for 100 days, undiscounted, is 0.1%.

**Types.** Each government is one of three resolve types — ``soft``, ``firm``, ``resolute`` —
standing for how long it keeps up a confrontation (its measures, or its refusal to give in): the
remaining time is exponential (memoryless: what has been borne is sunk) with mean
``TYPE_HOLD_DAYS / (1 + rate / TYPE_TOLERANCE_PCT)`` — its hold days when the confrontation costs
it nothing (politics, attention and events end confrontations too), half that at its tolerance
rate, less the more it bears. The means, tolerances and move likelihoods below are
modelling assumptions, to be calibrated to sanctions data (TIES) with the sweep tool.

**Holding out.** Bearing a cost rate while the opponent keeps going is worth, in present value,
``rate x (1 - exp(-(1/D + d) H)) / (1/D + d)`` (``D`` its expected remaining days, ``d`` the daily
discount rate, ``H`` the horizon), averaged over the decider's belief about the opponent's type.
The chance that an opponent gives in within the horizon is ``1 - exp(-H / D)`` per type.

**Learning.** Beliefs are updated by Bayes' rule from observed moves: escalating — the more so
while the mover is itself in pain — is likelier for resolute types; backing down, dropping a
threat or conceding, against anyone, is likelier for soft ones. A resolute coercer also carries out
its threats more often (:data:`CARRY_OUT_PROBABILITY`): that is a threat's credibility.

**Learning from persistence.** Not giving in is news too. Under the type model above an opponent
of type ``t`` that has kept up a confrontation for ``T`` days while feeling a cumulative cost ``F``
(% of a year's GDP) had the chance ``exp(-(T + 365 F / tolerance_t) / hold_t)`` of doing so (the
survival of its exponential hazard ``(1 + rate / tolerance_t) / hold_t``, integrated). A decider
weighs that evidence (:func:`learn_from_persistence`) on top of its belief from moves, so a target
that stands firm for months comes to be seen as firm or resolute — the coercer's expected gain
from holding on falls, and a coercer bearing costs tires of its measures (and symmetrically).

**Scaled patience.** A government's scenario may scale the hold days and tolerances its beliefs
assume for each type (``hold_days_scale``, ``tolerance_scale``): a :class:`Belief` carries them, and
every function here that takes a belief reads them from it (a plain tuple means scale 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from agents.base import OFFRAMP, Move, RuleParams, WorldView

TYPES = ("soft", "firm", "resolute")
# Mean remaining days a type keeps up a confrontation that costs it nothing (assumptions to be
# swept: two months, half a year, two years — sanctions episodes range from weeks to decades)...
TYPE_HOLD_DAYS = (60.0, 180.0, 720.0)
# ... and the cost rate that halves it, % of own GDP per year (assumptions to be swept). A scenario
# scales both in each government's beliefs (hold_days_scale, tolerance_scale: :class:`Belief`); the
# ranges the sanctions data leave for those factors are in docs/calibration_ties.md (scripts/calibrate_ties.py).
TYPE_TOLERANCE_PCT = (0.1, 0.5, 2.0)
MAX_DAYS = 36500.0  # "for ever" where a rule needs it (a measure kept for the whole horizon): a century
# Chance that a coercer of each type carries out a threat that is called (assumptions to be swept).
CARRY_OUT_PROBABILITY = (0.3, 0.6, 0.9)
# The common prior over types (soft, firm, resolute): how often a government is of each type, and
# what each believes of the others before it sees a move. Calibrated, not assumed: fitted by
# scripts/calibrate_ties.py on three pooled scenarios (rare_earth_curb, photoresist_retaliation,
# dual_use_ban, equal weights) to the shares of threats never imposed (ties_threats_not_imposed_share),
# of targets conceding (aspi_most_targets_stood_firm_2023, csis_china_coercion_eight_cases_2023) and of
# episodes unresolved after 540 days (ties_episodes_under_a_year): the prior on a 0.05 grid nearest
# those ranges; docs/calibration_ties.md shows the fit. sim/config/agents.py's ``resolve_prior`` default
# repeats it (config sits below agents/; a test keeps the two equal).
DEFAULT_PRIOR = (0.3, 0.4, 0.3)
# How much a government of each type values prevailing: its stake, audience and reputation costs
# are multiplied by this (an assumption: at the default spread; governments.<C>.type_weight_spread
# widens or narrows it, swept in docs/decision_sensitivity.md). Each government's own type is drawn once per
# replication (common prior) and known only to itself; the others hold beliefs about it.
TYPE_WEIGHT = (0.5, 1.0, 2.0)
# Likelihood of a move of each class at a decision, under each type (assumptions: how strongly a
# government reads them, governments.<C>.evidence_weight, their exponent in Bayes' rule, is swept
# in docs/decision_sensitivity.md).
ESCALATE_LIKELIHOOD = (0.3, 0.5, 0.7)  # a measure or threat from a mover that bears no cost
COSTLY_ESCALATE_LIKELIHOOD = (0.1, 0.4, 0.8)  # ... from a mover already in pain: a costly signal
YIELD_LIKELIHOOD = (0.6, 0.3, 0.1)  # backing down, dropping a threat, conceding
ESCALATING_KINDS = ("impose", "threaten")
YIELDING_KINDS = ("back_down", "drop_threat", "concede")
IN_PAIN_RATE_PCT = 0.01  # % of GDP per year above which a mover counts as "in pain"


class Belief(tuple):
    """A belief over an opponent's types (a tuple of shares, soft/firm/resolute) that also carries
    the factors on :data:`TYPE_HOLD_DAYS` and :data:`TYPE_TOLERANCE_PCT` its holder assumes (the
    holder's ``hold_days_scale`` and ``tolerance_scale``), so that the scales follow the belief
    through Bayes' rule and the rules without a global. Compares equal to the plain tuple."""

    hold_scale: float
    tolerance_scale: float

    def __new__(cls, shares: Sequence[float], hold_scale: float = 1.0, tolerance_scale: float = 1.0) -> Belief:
        self = super().__new__(cls, shares)
        self.hold_scale, self.tolerance_scale = float(hold_scale), float(tolerance_scale)
        return self


def scales(belief: Sequence[float]) -> tuple[float, float]:
    """(hold-days factor, tolerance factor) a belief assumes: 1, 1 unless it is a :class:`Belief`."""
    return (belief.hold_scale, belief.tolerance_scale) if isinstance(belief, Belief) else (1.0, 1.0)


def _like(template: Sequence[float], shares: tuple[float, ...]) -> tuple[float, ...]:
    """``shares`` carrying ``template``'s scales (a plain tuple if the template has none)."""
    return Belief(shares, *scales(template)) if isinstance(template, Belief) else shares


def type_hold_days(belief: Sequence[float]) -> tuple[float, ...]:
    """Each type's hold days as the belief's holder assumes them (the constants x its factor)."""
    h = scales(belief)[0]
    return tuple(d * h for d in TYPE_HOLD_DAYS)


def type_tolerance_pct(belief: Sequence[float]) -> tuple[float, ...]:
    """Each type's tolerance (% of GDP a year) as the belief's holder assumes it."""
    t = scales(belief)[1]
    return tuple(x * t for x in TYPE_TOLERANCE_PCT)


def normalise(weights: Sequence[float]) -> tuple[float, ...]:
    total = float(sum(weights))
    if not total > 0:
        raise ValueError("beliefs must have positive total weight")
    return _like(weights, tuple(float(w) / total for w in weights))


def bayes(prior: Sequence[float], likelihood: Sequence[float]) -> tuple[float, ...]:
    """Posterior over types: prior x likelihood of what was seen, normalised (keeping its scales)."""
    return _like(prior, normalise([p * q for p, q in zip(prior, likelihood, strict=True)]))


def move_likelihood(kind: str, mover_in_pain: bool, evidence_weight: float = 1.0) -> tuple[float, ...] | None:
    """Likelihood of a move of this kind under each type, or None if it says nothing of resolve;
    raised to ``evidence_weight`` (the observer's: how much a move tells it; 0 nothing, 1 the
    tables as stated, 2 as much as two such moves)."""
    if kind in ESCALATING_KINDS:
        table = COSTLY_ESCALATE_LIKELIHOOD if mover_in_pain else ESCALATE_LIKELIHOOD
    elif kind in YIELDING_KINDS:
        table = YIELD_LIKELIHOOD
    else:
        return None
    return table if evidence_weight == 1.0 else tuple(x**evidence_weight for x in table)


def remaining_days(belief_type: int, opponent_rate_pct: float, hold_scale: float = 1.0, tolerance_scale: float = 1.0) -> float:
    """Mean remaining days a type keeps going while bearing ``rate`` (% of its GDP per year), its
    hold days and tolerance scaled by the believer's factors."""
    return (TYPE_HOLD_DAYS[belief_type] * hold_scale
            / (1.0 + max(opponent_rate_pct, 0.0) / (TYPE_TOLERANCE_PCT[belief_type] * tolerance_scale)))


def discounted_days(mean_days: float, discount_per_year: float, horizon_days: float) -> float:
    """Present value, in days, of one day's cost per day borne until the opponent stops (an
    exponential time with mean ``mean_days``) or the horizon: ``(1 - exp(-k H)) / k`` with
    ``k = 1 / mean + daily discount``."""
    k = 1.0 / max(mean_days, 1e-9) + discount_per_year / 365.0
    return (1.0 - math.exp(-k * horizon_days)) / k


def holding_cost_pct(rate_pct_per_year: float, mean_days: float, discount_per_year: float, horizon_days: float) -> float:
    """Present cost, % of GDP, of bearing ``rate`` (% of GDP per year) until the opponent stops."""
    return max(rate_pct_per_year, 0.0) / 365.0 * discounted_days(mean_days, discount_per_year, horizon_days)


@dataclass(frozen=True)
class Holdout:
    """What holding out against an opponent is expected to cost (the numbers a reason quotes)."""

    cost_pct: float  # expected present cost, % of own GDP
    days: float  # expected remaining days of the opponent's confrontation
    own_rate_pct: float
    opponent_rate_pct: float
    belief: tuple[float, ...]

    def text(self, opponent: str) -> str:
        return (f"holding out costs {self.own_rate_pct:.3f}%/yr x ~{self.days:.0f} days of {opponent}'s resolve "
                f"= {self.cost_pct:.3f}% (belief {opponent}: {describe(self.belief)}; "
                f"its cost ~{self.opponent_rate_pct:.3f}%/yr)")


def expected_holding_cost(
    belief: Sequence[float], own_rate_pct: float, opponent_rate_pct: float, discount_per_year: float, horizon_days: float
) -> Holdout:
    """Expected present cost of bearing ``own_rate`` while an opponent of unknown type keeps going."""
    days = [remaining_days(t, opponent_rate_pct, *scales(belief)) for t in range(len(TYPES))]
    cost = sum(b * holding_cost_pct(own_rate_pct, d, discount_per_year, horizon_days) for b, d in zip(belief, days, strict=True))
    mean = sum(b * d for b, d in zip(belief, days, strict=True))
    return Holdout(cost, mean, own_rate_pct, opponent_rate_pct, tuple(belief))


def give_in_probability(belief: Sequence[float], rate_pct: float, horizon_days: float) -> float:
    """Chance that an opponent bearing ``rate`` gives in within the horizon: ``1 - exp(-H / D)``."""
    return sum(b * (1.0 - math.exp(-horizon_days / remaining_days(t, rate_pct, *scales(belief)))) for t, b in enumerate(belief))


def persistence_likelihood(days: float, felt_pct: float, hold_scale: float = 1.0, tolerance_scale: float = 1.0) -> tuple[float, ...]:
    """Chance, under each type, of keeping up a confrontation for ``days`` while feeling a
    cumulative cost ``felt_pct`` (% of a year's GDP): ``exp(-(days + 365 felt / tolerance) / hold)``
    (the survival of :func:`remaining_days`'s hazard, integrated over the cost actually borne)."""
    days, felt = max(float(days), 0.0), max(float(felt_pct), 0.0)
    return tuple(math.exp(-(days + 365.0 * felt / (tol * tolerance_scale)) / (hold * hold_scale))
                 for hold, tol in zip(TYPE_HOLD_DAYS, TYPE_TOLERANCE_PCT, strict=True))


def learn_from_persistence(belief: Sequence[float], days: float, felt_pct: float) -> tuple[float, ...]:
    """Belief over an opponent's type once it is seen to have held out ``days`` days at a cumulative
    cost ``felt_pct``: Bayes' rule with :func:`persistence_likelihood`, computed in logs (a long
    confrontation drives the soft type's chance far below what floats hold)."""
    days, felt = max(float(days), 0.0), max(float(felt_pct), 0.0)
    logs = [math.log(b) - (days + 365.0 * felt / tol) / hold if b > 0 else -math.inf
            for b, hold, tol in zip(belief, type_hold_days(belief), type_tolerance_pct(belief), strict=True)]
    top = max(logs)
    if top == -math.inf:
        raise ValueError("beliefs must have positive total weight")
    return _like(belief, normalise([math.exp(v - top) for v in logs]))


@dataclass(frozen=True)
class Persistence:
    """What a decider has seen of an opponent holding out, and the belief it then holds."""

    belief: tuple[float, ...]  # after learning from the persistence (and from moves before)
    days: float
    felt_pct: float

    def text(self, opponent: str) -> str:
        return f"{opponent} held out {self.days:.0f} days at a felt cost ~{self.felt_pct:.3f}%"


def persistence(view: WorldView, observer: str, opponent: str, since_day: int) -> Persistence:
    """``observer``'s belief about ``opponent`` once it has seen it hold out since ``since_day``
    (its belief from moves, then :func:`learn_from_persistence` with the opponent's perceived felt cost)."""
    days = max(view.day - since_day, 0)
    felt = max(view.perceived_felt_cost(observer, opponent), 0.0)
    return Persistence(learn_from_persistence(view.belief(observer, opponent), days, felt), float(days), felt)


def offramps(view: WorldView, a: str, b: str) -> tuple[Move | None, tuple[Move, ...]]:
    """(the off-ramp offer standing between ``a`` and ``b``, the settlements): off-ramp moves
    between the two in order, where one answering the other side's standing offer settles (both
    step back) and any other is an offer that stands until answered (or renewed by its maker)."""
    standing: Move | None = None
    settled: list[Move] = []
    for mv in sorted(view.moves(actor=a, kind=OFFRAMP, target=b) + view.moves(actor=b, kind=OFFRAMP, target=a),
                     key=lambda m: m.day):
        if standing is not None and standing.actor != mv.actor:
            settled.append(mv)
            standing = None
        else:
            standing = mv
    return standing, tuple(settled)


def credibility(belief: Sequence[float]) -> float:
    """Chance that a coercer carries out a called threat, as the observer believes."""
    return sum(b * q for b, q in zip(belief, CARRY_OUT_PROBABILITY, strict=True))


def type_weight(type_index: int, spread: float = 1.0) -> float:
    """How much a government of type ``type_index`` (0 soft, 1 firm, 2 resolute) weighs its stakes,
    audience and reputation costs: ``2 ** ((type_index - 1) * spread)``, so :data:`TYPE_WEIGHT` at the
    default spread 1 (exactly 0.5, 1, 2), one weight for all types at 0. The spread is an assumption
    (``governments.<C>.type_weight_spread``), swept in docs/decision_sensitivity.md."""
    return 2.0 ** ((type_index - 1) * spread)


def own_type_text(weight: float) -> str:
    """``resolve firm (x1.0)``: a government's own type, for reasons."""
    name = TYPES[TYPE_WEIGHT.index(weight)] if weight in TYPE_WEIGHT else "set"
    return f"own resolve {name} (x{weight:g})"


def describe(belief: Sequence[float]) -> str:
    """``soft 30% / firm 40% / resolute 30%``: a belief for reasons."""
    return " / ".join(f"{t} {p:.0%}" for t, p in zip(TYPES, belief, strict=True))


class StrategicParams(RuleParams):
    """Parameters every expected-cost rule shares: the horizon and discount of its present values."""

    horizon_days: int = Field(365, ge=1, description="horizon of the present values its utilities are (days)")
    discount_per_year: float = Field(
        0.05, ge=0, le=1, description="continuous discount rate per year (an assumption: a government's time preference)"
    )
