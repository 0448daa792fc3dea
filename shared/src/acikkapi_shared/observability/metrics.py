"""Prometheus metrics every service has: transport, store and command path (Prometheus naming).

A service's own business metrics live in its `metrics.py`, counted from committed events.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info

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
CONSUMER_LAG = Gauge(
    "acikkapi_consumer_lag_records",
    "Records of a partition not yet handled: its last stable offset (else high watermark) less the "
    "consumer's position, as the last fetch response told",
    ["service", "topic", "partition"],
)
RELAY_OLDEST_AGE = Gauge(
    "acikkapi_relay_oldest_unpublished_age_seconds",
    "Age of the oldest recorded event the relay has not yet published (0 when caught up)",
    ["service"],
)
APPEND_SECONDS = Histogram(
    "acikkapi_eventstore_append_seconds",
    "Time to write one batch of events to the log (lock and insert, inside its transaction)",
    ["service"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)
HTTP_REQUESTS = Counter(
    "acikkapi_http_requests_total",
    "HTTP requests answered, by method, route template and status class",
    ["service", "method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "acikkapi_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["service", "method", "route"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
BUILD_INFO = Info(
    "acikkapi_build", "The running service's package version and Python version (value 1)", ["service"]
)
