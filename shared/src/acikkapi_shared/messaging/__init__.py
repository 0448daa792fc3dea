"""Kafka side: the consumer loop, batches applied with exactly-once effect, the producer, topics."""
