"""The router's entry points: Kafka translators."""
