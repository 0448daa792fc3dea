"""Routing tables kept as data (YAML), read with importlib.resources."""
