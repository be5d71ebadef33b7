"""``schedule``: measures scripted in the scenario's ``[[schedule]]`` fire on their day.

Used to replay an episode as it happened (e.g. the informal 2010 hold on shipments to Japan) or
to pose a what-if ("day 30: CN bans rare earths to JP") before strategic rules take over.
"""

from __future__ import annotations

from agents.base import Action, Rule, WorldView


def measure_label(item: object) -> str:
    """Short name for paths: the spec's label, else ``<measure>_<first product or tier>``."""
    return item.name  # type: ignore[attr-defined]


def schedule_key(item: object, index: int) -> str:
    return f"schedule[{index}]"


class ScheduleRule(Rule):
    name = "schedule"
    every_day = True

    def propose(self, view: WorldView) -> list[Action]:
        actions: list[Action] = []
        for index, item in self.context.schedule:
            label = measure_label(item)
            if item.day == view.day:
                actions.append(
                    Action(
                        kind="impose",
                        label=label,
                        rule=self.name,
                        reason=f"scripted for day {item.day}" + (" (announced, suspended: not applied)" if item.suspended else ""),
                        target=item.target_label,
                        measure=item,
                        measure_key=schedule_key(item, index),
                        mandatory=True,
                    )
                )
            # A suspension (announced, not applied) and its end change the measure in place: the
            # same key, so a licence review under way keeps its clock.
            for day, suspended, what in (
                (item.suspended_from_day, True, f"suspended from day {item.suspended_from_day}"),
                (item.suspended_until_day, False, f"suspension ends on day {item.suspended_until_day}"),
            ):
                if day is not None and day == view.day:
                    actions.append(
                        Action(
                            kind="impose",
                            label=f"{'suspend' if suspended else 'resume'}_{label}",
                            rule=self.name,
                            reason=f"scripted: {what} (announced, {'not applied' if suspended else 'applied again'})",
                            target=item.target_label,
                            measure=item.model_copy(update={"suspended": suspended}),
                            measure_key=schedule_key(item, index),
                            mandatory=True,
                        )
                    )
            if item.until_day is not None and item.until_day == view.day:
                actions.append(
                    Action(
                        kind="lift",
                        label=f"lift_{label}",
                        rule=self.name,
                        reason=f"scripted to end on day {item.until_day}",
                        target=item.target_label,
                        measure=item,
                        measure_key=schedule_key(item, index),
                        mandatory=True,
                    )
                )
        return actions
