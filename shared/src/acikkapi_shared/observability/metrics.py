"""Prometheus metrics every service has: transport, store and command path (Prometheus naming).

A service's own business metrics live in its `metrics.py`, counted from committed events.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_APPENDED = Counter(
    "acikkapi_events_appended_total", "Events appended to the service's log", ["service", "type"]
)
EVENTS_PUBLISHED = Counter(
    "acikkapi_events_published_total", "Events the outbox relay published to Kafka", ["service"]
)
MESSAGES_CONSUMED = Counter(
    "acikkapi_messages_consumed_total",
    "Messages a consumer handled, by outcome (applied, duplicate, rejected, dead_lettered)",
    ["service", "topic", "outcome"],
)
BATCH_SECONDS = Histogram(
    "acikkapi_consumer_batch_seconds",
    "Time to apply one consumed batch in one database transaction",
    ["service"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
CONSUMER_RETRIES = Counter(
    "acikkapi_consumer_retries_total",
    "Batches retried after a transient failure (database, conflict)",
    ["service"],
)
CONSUMER_PARTITION_UNREADABLE = Gauge(
    "acikkapi_consumer_partition_unreadable",
    "1 while the consumer cannot read a partition (paused, retried with backoff), else 0",
    ["service", "topic", "partition"],
)
CONSUMER_READ_ERRORS = Counter(
    "acikkapi_consumer_read_errors_total",
    "Fetches from Kafka that raised (records are fetched again, never skipped), by error class",
    ["service", "error"],
)
CONSUMER_HANDLER_FAILURES = Counter(
    "acikkapi_consumer_handler_failures_total",
    "Batches whose handler raised: nothing committed, the batch is fetched again after a backoff",
    ["service"],
)
CONSUMER_COMMIT_FAILURES = Counter(
    "acikkapi_consumer_commit_failures_total",
    "Offset commits that failed after a batch was applied (it is redelivered and skipped by tracking)",
    ["service"],
)
CONSUMER_REBALANCES = Counter(
    "acikkapi_consumer_rebalances_total",
    "Partition revocations and assignments the consumer went through",
    ["service", "event"],
)
RELAY_LAG = Gauge("acikkapi_relay_lag_events", "Recorded events not yet published to Kafka", ["service"])
COMMANDS_HANDLED = Counter(
    "acikkapi_commands_total",
    "Commands from HTTP requests and timers, by outcome (applied, rejected, replayed)",
    ["service", "channel", "command", "outcome"],
)
