"""Adapters of the notifier's ports to real technology (SMS providers)."""
