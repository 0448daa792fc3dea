"""Entry points: HTTP (read models only) and Kafka consumers (see handlers)."""
