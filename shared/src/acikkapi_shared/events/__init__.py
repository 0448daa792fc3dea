"""Public integration events: the envelope, topics, and one module per producing service."""
