"""Government and firm agents and the policy-rule library.

Agents see the world only through :class:`agents.base.WorldView` (read-only) and return
:class:`agents.base.Action` objects with reasons; the model applies them. Nothing here reads files
or knows about the command line.
"""

from typing import Any

from agents.base import Action, Rule, RuleContext, WorldView, rule_params, rule_registry


def __getattr__(name: str) -> Any:
    # The Mesa agents are imported on first use: `import mesa` takes about a second, and
    # validating a scenario (which needs the rule registry) should not pay for it.
    if name == "FirmAgent":
        from agents.firm import FirmAgent

        return FirmAgent
    if name == "GovernmentAgent":
        from agents.government import GovernmentAgent

        return GovernmentAgent
    raise AttributeError(f"module 'agents' has no attribute {name!r}")

__all__ = [
    "Action",
    "FirmAgent",
    "GovernmentAgent",
    "Rule",
    "RuleContext",
    "WorldView",
    "rule_params",
    "rule_registry",
]
