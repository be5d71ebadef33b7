"""coercion-sim: an agent-based simulator of economic coercion between states and their firms."""

__version__ = "0.1.0"
