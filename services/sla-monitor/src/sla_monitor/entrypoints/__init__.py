"""The sla-monitor's entry points: Kafka translators."""
