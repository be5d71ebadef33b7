"""Government and firm agents and the policy-rule library.

Agents see the world only through :class:`agents.base.WorldView` (read-only) and return
:class:`agents.base.Action` objects with reasons; the model applies them. Nothing here reads files
or knows about the command line.
"""

from agents.base import Action, Rule, RuleContext, WorldView, rule_params, rule_registry
from agents.firm import FirmAgent
from agents.government import GovernmentAgent

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
