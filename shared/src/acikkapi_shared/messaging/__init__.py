"""Kafka side: consumer batches with exactly-once effect, the broker, topics."""
