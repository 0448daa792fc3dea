"""The notifier's entry points: Kafka translators."""
