"""``FirmAgent``: a major firm. Its daily operations (orders, inventories, supplier switching) are
vectorised in :mod:`sim.economy`; the agent holds its index there and its political influence."""

from __future__ import annotations

import mesa
import numpy as np

from agents.base import WorldView


def lobbying_pressure(influence: np.ndarray, loss_share: np.ndarray) -> np.ndarray:
    """Pressure each firm puts on its government: influence x share of baseline profit being
    lost (gains do not lobby). Vectorised over firms; :meth:`FirmAgent.lobbying` is one firm."""
    return influence * np.maximum(loss_share, 0.0)


class FirmAgent(mesa.Agent):
    """Lobbies its government in proportion to its losses and its influence (DESIGN.md "Firms";
    seed 000_*: Toyota and Sony press Tokyo to keep access to China's market)."""

    def __init__(self, model: mesa.Model, name: str, country: str, index: int, influence: float) -> None:
        super().__init__(model)
        self.name = name
        self.country = country
        self.index = index
        self.influence = influence

    def lobbying(self, view: WorldView) -> float:
        """Pressure on the home government: influence x share of baseline profit being lost."""
        return float(lobbying_pressure(np.float64(self.influence), np.float64(view.firm_loss_share(self.name))))

    def step(self) -> None:  # Mesa API; the model drives lobbying() with its view.
        pass
