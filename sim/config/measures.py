"""Trade measures: templates that policy rules put in force, measures in force (actor and target),
and measures a scenario schedules by day."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from sim.config.limits import RESERVED_COUNTRY, Name, Share, Strict, _check_name, _days, _ranged


class MeasureTemplate(Strict):
    """A trade measure without its actor and target: what a policy rule may put in force (a rung of
    an escalation ladder, a retaliation tool), filled in by :meth:`spec`."""

    measure: Literal["export_ban", "export_licensing", "export_quota", "tariff", "import_ban", "boycott"]
    products: list[Name] = Field(default_factory=list)
    tiers: list[Literal["advanced", "mature", "dual_use", "civilian"]] = Field(default_factory=list)
    enforcement: Share = Field(1.0, description="0 = on paper only, 1 = fully enforced")
    review_delay_days: _days() = Field(0, description="licensing: days before first approvals")
    approval_rate: Share = Field(1.0, description="licensing: share of applications approved")
    approval_by_tier: dict[Literal["advanced", "mature", "dual_use", "civilian"], Share] = Field(
        default_factory=dict,
        description="licensing: approval rate by grade (product tier), overriding approval_rate for that tier",
    )
    backlog_days: _days() = Field(
        0, description="licensing: days to work through the backlog of applications once reviews begin (0 = at once)"
    )
    general_licence_share: Share = Field(
        0.0, description="licensing: share of the trade exempt under general (bulk) licences"
    )
    approval_by_buyer: dict[Name, Share] = Field(
        default_factory=dict,
        exclude_if=lambda v: not v,  # left out of the resolved scenario (and its digest) unless used
        description="licensing: approval rate by buyer, a modelled firm's name to the share of its applications "
        "approved (e.g. { toyota = 1, sony = 0 }: licences granted to named firms and not others); buyers not "
        "listed, and unmodelled (background) buyers, get approval_rate (or approval_by_tier)",
    )
    suspended: bool = Field(False, description="announced but not applied (in force on paper, no effect on trade)")
    destinations: Literal["target", "all"] | Annotated[list[Name], Field(min_length=1, max_length=1000)] = Field(
        "target",
        exclude_if=lambda v: v == "target",  # left out of the resolved scenario (and its digest) unless used
        description="measure templates in rules: whom the measure is aimed at — 'target' (the rule's target), 'all' "
        "(every other country: a global regime) or a list of countries (the rule's target and these, e.g. "
        "['KR', 'TW'])",
    )
    quota_share: Share = Field(1.0, description="quota: allowed exports as a share of baseline exports to the target")
    extraterritorial: Share = Field(
        0.0, description="export measures: share of re-exports through third countries the actor's rules reach (no leakage at 1)"
    )
    rate: _ranged(0.0, 100.0) = Field(0.0, description="tariff / anti-dumping duty, ad valorem (0.25 = 25%); 0 to 100")
    label: Annotated[str, AfterValidator(lambda v: v and _check_name(v))] = Field(
        "", description="short name in escalation paths, e.g. 'ree_licensing' (default: '<measure>_<first product or tier>')"
    )

    @model_validator(mode="after")
    def _needs_scope(self) -> Self:
        if not self.products and not self.tiers:
            raise ValueError("a measure needs 'products' or 'tiers' (or both)")
        if self.measure == "tariff" and self.rate <= 0:
            raise ValueError("a tariff needs a positive 'rate'")
        licensing_only = ("approval_by_tier", "approval_by_buyer", "backlog_days", "general_licence_share")
        used = [k for k in licensing_only if getattr(self, k)]
        if self.measure != "export_licensing" and used:
            raise ValueError(f"{', '.join(used)}: only for measure = 'export_licensing', not {self.measure!r}")
        if isinstance(self.destinations, list):
            if RESERVED_COUNTRY in self.destinations:
                raise ValueError(f"destinations: {RESERVED_COUNTRY!r} stands alone (destinations = 'all'), not inside a list")
            seen = [c for i, c in enumerate(self.destinations) if c in self.destinations[:i]]
            if seen:
                raise ValueError(f"destinations: country {seen[0]!r} listed twice")
        return self

    def aimed_at(self, actor: str, target: str | list[str]) -> str | list[str]:
        """The concrete target of this template put in force by ``actor`` against the rule's
        ``target`` (a country, a list or 'all'): widened by :attr:`destinations`."""
        if self.destinations == RESERVED_COUNTRY or target == RESERVED_COUNTRY:
            return RESERVED_COUNTRY
        named = [target] if isinstance(target, str) else list(target)
        if isinstance(self.destinations, list):
            named += [c for c in self.destinations if c not in named and c != actor]
        return named[0] if len(named) == 1 else named

    def reach(self, actor: str, target: str | list[str], countries: Iterable[str]) -> list[str]:
        """The countries (of ``countries``) the measure reaches once aimed (:meth:`aimed_at`)."""
        aimed = self.aimed_at(actor, target)
        if aimed == RESERVED_COUNTRY:
            return [c for c in countries if c != actor]
        return [aimed] if isinstance(aimed, str) else list(aimed)

    @property
    def name(self) -> str:
        """The label, or ``<measure>_<first product or tier>`` without one."""
        if self.label:
            return self.label
        return f"{self.measure}_{(self.products or self.tiers)[0]}"

    def spec(self, actor: str, target: str | list[str], **changes: Any) -> MeasureSpec:
        """The concrete measure ``actor`` imposes on ``target`` (a country, a list of countries or
        'all'; ``changes`` override fields)."""
        data = {**self.model_dump(), "label": self.name, **changes}
        aimed = self.aimed_at(actor, target)
        data["destinations"] = "target"  # resolved into the spec's target
        return MeasureSpec(actor=actor, target=aimed, **data)


class MeasureSpec(MeasureTemplate):
    """One trade measure. ``actor`` imposes it; for export measures ``target`` is the importing
    country, for import measures (tariff, import_ban, boycott) it is the exporting country."""

    actor: Name
    target: Name | Annotated[list[Name], Field(max_length=1000)] = Field(
        "all",
        description="a country code, a list of country codes (several destinations) or 'all' (every other country)",
    )

    @model_validator(mode="after")
    def _no_destinations(self) -> Self:
        if self.destinations != "target":
            raise ValueError("destinations: only for measure templates in rules; a measure in force names its countries in 'target'")
        return self

    @field_validator("target")
    @classmethod
    def _target_list(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            if not value:
                raise ValueError("expected at least one country in the list (or 'all')")
            if RESERVED_COUNTRY in value:
                raise ValueError(f"{RESERVED_COUNTRY!r} stands alone (target = 'all'), not inside a list")
            seen = [c for i, c in enumerate(value) if c in value[:i]]
            if seen:
                raise ValueError(f"country {seen[0]!r} listed twice")
        return value

    @property
    def target_names(self) -> tuple[str, ...]:
        """The target countries as named (``("all",)`` for every other country)."""
        return tuple(self.target) if isinstance(self.target, list) else (self.target,)

    @property
    def target_label(self) -> str:
        """The target as events and explanations show it: 'all', 'JPN' or 'JPN,KOR'."""
        return ",".join(self.target_names)

    def targets(self, country: str) -> bool:
        """Whether the measure reaches ``country`` (named in its target, or target = 'all')."""
        return self.target == RESERVED_COUNTRY or country in self.target_names


class ScheduledMeasure(MeasureSpec):
    day: _days()
    until_day: _days(1) | None = Field(None, description="lifted on this day (exclusive)")
    suspended_from_day: _days(1) | None = Field(
        None, description="from this day the measure stays announced but is not applied (a suspension)"
    )
    suspended_until_day: _days(1) | None = Field(None, description="the suspension ends on this day (exclusive)")

    @model_validator(mode="after")
    def _until_after_day(self) -> ScheduledMeasure:
        if self.until_day is not None and self.until_day <= self.day:
            raise ValueError(f"until_day ({self.until_day}) must be after day ({self.day})")
        start, end = self.suspended_from_day, self.suspended_until_day
        if end is not None and start is None and not self.suspended:
            raise ValueError("suspended_until_day needs suspended_from_day (or suspended = true from the start)")
        if end is not None and end <= self.day:
            raise ValueError(f"suspended_until_day ({end}) must be after day ({self.day})")
        if start is not None and start <= self.day:
            raise ValueError(f"suspended_from_day ({start}) must be after day ({self.day})")
        if start is not None and end is not None and end <= start:
            raise ValueError(f"suspended_until_day ({end}) must be after suspended_from_day ({start})")
        return self
