"""The rule library: one module per rule; every module here is imported by the registry."""
