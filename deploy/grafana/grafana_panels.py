"""The four dashboards' panels: what operators, the office and the SMS budget holder look at."""

from __future__ import annotations

from grafana_model import Board, PanelSpec, Query, q

R = "[5m]"  # rate window of the flow panels
BY_SERVICE = "{{service}}"


def stat(title: str, description: str, expr: str, *, unit: str = "short", width: int = 4) -> PanelSpec:
    """Returns a single-number panel of a top row."""
    return PanelSpec(title, description, unit, (q(expr, title),), kind="stat", width=width, height=4)


def series(
    title: str, description: str, unit: str, *queries: Query, width: int = 12, kind: str = "timeseries"
) -> PanelSpec:
    """Returns a panel over time (or a table) of one or more queries."""
    return PanelSpec(title, description, unit, queries, kind=kind, width=width, height=8)


def p95(histogram: str) -> Query:
    """Returns the 95th percentile of a per-service histogram over the rate window."""
    return q(f"histogram_quantile(0.95, sum by (service, le) (rate({histogram}_bucket{R})))", BY_SERVICE)


def operations_board() -> Board:
    """Flow through each service, lag, errors, dead letters, the log and the outbox."""
    services = [
        stat(
            "Services up",
            "1: Prometheus reads the service's /metrics; 0: it does not (alert AcikKapiServiceDown).",
            'min by (service) (up{job="acikkapi"})',
            unit="none",
            width=12,
        ),
        stat(
            "Unreadable partitions",
            "Partitions a consumer cannot read and retries (alert AcikKapiPartitionUnreadable).",
            "sum(acikkapi_consumer_partition_unreadable) or vector(0)",
            unit="none",
            width=6,
        ),
        series(
            "Running versions",
            "Package and Python version of each running service.",
            "none",
            q("acikkapi_build_info", as_table=True),
            width=6,
            kind="table",
        ),
    ]
    consumers = [
        series(
            "Messages handled",
            "Consumed messages per second by service and outcome (applied, duplicate, rejected, "
            "dead_lettered, ignored).",
            "ops",
            q(
                f"sum by (service, outcome) (rate(acikkapi_messages_consumed_total{R}))",
                "{{service}} {{outcome}}",
            ),
        ),
        series(
            "Consumer lag",
            "Records waiting per service and topic: the partition's end less the position, measured by the "
            "service (alerts AcikKapiConsumerLagging, AcikKapiConsumerStalled).",
            "short",
            q("sum by (service, topic) (acikkapi_consumer_lag_records)", "{{service}} {{topic}}"),
        ),
        series(
            "Batch duration p95",
            "Time to apply one consumed batch in one transaction.",
            "s",
            p95("acikkapi_consumer_batch_seconds"),
        ),
        series(
            "Dead letters (last hour)",
            "Messages set aside to the dead-letter topic, by service and topic (runbook: dead letters).",
            "short",
            q(
                "sum by (service, topic) "
                '(increase(acikkapi_messages_consumed_total{outcome="dead_lettered"}[1h]))',
                "{{service}} {{topic}}",
            ),
        ),
        series(
            "Retries and failures",
            "Batches retried after a transient failure, handler failures, offset commit failures.",
            "ops",
            q(f"sum by (service) (rate(acikkapi_consumer_retries_total{R}))", "{{service}} retry"),
            q(f"sum by (service) (rate(acikkapi_consumer_handler_failures_total{R}))", "{{service}} handler"),
            q(f"sum by (service) (rate(acikkapi_consumer_commit_failures_total{R}))", "{{service}} commit"),
            width=24,
        ),
    ]
    http = [
        series(
            "Requests",
            "HTTP requests per second by service and status class.",
            "reqps",
            q(f"sum by (service, status) (rate(acikkapi_http_requests_total{R}))", "{{service}} {{status}}"),
        ),
        series(
            "Latency p95",
            "95th percentile of the time to answer, by service.",
            "s",
            p95("acikkapi_http_request_duration_seconds"),
        ),
    ]
    log = [
        series(
            "Append latency p95",
            "Time to write a batch of events to the log (lock and insert).",
            "s",
            p95("acikkapi_eventstore_append_seconds"),
            width=8,
        ),
        series(
            "Outbox backlog",
            "Recorded events not yet published to Kafka (alert AcikKapiOutboxBacklogGrowing).",
            "short",
            q("sum by (service) (acikkapi_relay_lag_events)", BY_SERVICE),
            width=8,
        ),
        series(
            "Oldest unpublished event",
            "Age of the oldest event the relay has not published (alert AcikKapiOutboxStale).",
            "s",
            q("max by (service) (acikkapi_relay_oldest_unpublished_age_seconds)", BY_SERVICE),
            width=8,
        ),
    ]
    return Board(
        "acikkapi-operations",
        "Açık Kapı — operations",
        "Flow through each service, consumer lag, errors, dead letters, event log and outbox.",
        [
            ("Services", services),
            ("Kafka consumers", consumers),
            ("HTTP", http),
            ("Event log and outbox", log),
        ],
    )


def sla_board() -> Board:
    """Per institution: open, due soon, breached, paused; share within the SLA."""
    concluded = 'acikkapi_cases_closed_total{reason="CONCLUDED"'
    now = [
        stat("Open cases", "Cases neither concluded nor withdrawn.", "sum(acikkapi_cases_open)"),
        *(
            stat(title, description, f'sum(acikkapi_cases_open{{sla_state="{state}"}})')
            for state, title, description in (
                ("on_time", "On time", "Open cases within their time."),
                (
                    "due_soon",
                    "Due soon",
                    "Open cases in their warning window (alert AcikKapiManyCasesDueSoon).",
                ),
                ("breached", "Breached", "Open cases past a due moment."),
                ("paused", "Paused", "Open cases waiting for the applicant's information (clocks stopped)."),
            )
        ),
        stat(
            "Concluded within 7 business days (30 days)",
            "Share of the cases concluded in the last 30 days whose office clock was kept.",
            f'sum(increase({concluded},on_time="true"}}[30d])) / sum(increase({concluded}}}[30d]))',
            unit="percentunit",
        ),
    ]
    by_institution = [
        series(
            "Open cases by institution and SLA state",
            "One row per institution and state; the inbox shows the cases themselves.",
            "short",
            q("sum by (institution, sla_state) (acikkapi_cases_open) > 0", as_table=True),
            kind="table",
        ),
        series(
            "Breached and due soon by institution",
            "Open cases past due or in their warning window, over time.",
            "short",
            q(
                'sum by (institution, sla_state) (acikkapi_cases_open{sla_state=~"breached|due_soon"})',
                "{{institution}} {{sla_state}}",
            ),
        ),
    ]
    timers = [
        series(
            "Warnings, breaches, escalations (last hour)",
            "Timers fired by the sla-monitor in the last hour (alert AcikKapiSlaBreachesRising).",
            "short",
            q("sum(increase(acikkapi_sla_warnings_total[1h]))", "warnings"),
            q("sum by (institution) (increase(acikkapi_sla_breaches_total[1h]))", "breaches {{institution}}"),
            q("sum by (level) (increase(acikkapi_sla_escalations_total[1h]))", "escalations {{level}}"),
        ),
        series(
            "Time to conclusion",
            "Median and 90th percentile from receipt (or reopening) to conclusion, last 7 days.",
            "s",
            *(
                q(
                    f"histogram_quantile({quantile}, sum by (le) "
                    "(increase(acikkapi_case_time_to_conclusion_seconds_bucket[7d])))",
                    legend,
                )
                for quantile, legend in (("0.5", "median"), ("0.9", "p90"))
            ),
        ),
        series(
            "Routed by institution and kind (last hour)",
            "Cases assigned by the routing table (rule), to triage, or by the office (by_hand).",
            "short",
            q(
                "sum by (institution, kind) (increase(acikkapi_cases_routed_total[1h])) > 0",
                "{{institution}} {{kind}}",
            ),
            width=24,
        ),
    ]
    return Board(
        "acikkapi-sla",
        "Açık Kapı — SLA board",
        "Open cases by institution and SLA state, breaches and escalations, and the share concluded "
        "within 7 business days.",
        [("Now", now), ("By institution", by_institution), ("Timers and conclusions", timers)],
    )


def intake_board() -> Board:
    """Applications by channel, topic, type and district; rejected submissions."""
    received = "increase(acikkapi_applications_received_total[1h])"
    panels = [
        stat(
            "Applications today (24 h)",
            "Applications registered in the last 24 hours.",
            "sum(increase(acikkapi_applications_received_total[24h]))",
            width=8,
        ),
        stat(
            "Rejected submissions today (24 h)",
            "Problems found in submissions that could not be registered, last 24 hours.",
            "sum(increase(acikkapi_submissions_rejected_total[24h])) or vector(0)",
            width=8,
        ),
        stat(
            "Registrations per minute",
            "Applications registered per minute over the last 5 minutes.",
            "sum(rate(acikkapi_applications_received_total[5m])) * 60",
            width=8,
        ),
        *(
            series(
                f"Applications by {label} (last hour)",
                f"Applications registered in the last hour, by {label}.",
                "short",
                q(f"sum by ({label}) ({received})", f"{{{{{label}}}}}"),
            )
            for label in ("channel", "topic", "type", "district")
        ),
        series(
            "Rejections by reason (last hour)",
            "Problems of the submissions intake could not register, by stable code.",
            "short",
            q("sum by (reason) (increase(acikkapi_submissions_rejected_total[1h]))", "{{reason}}"),
            width=24,
        ),
    ]
    return Board(
        "acikkapi-intake",
        "Açık Kapı — intake",
        "Applications received by channel, topic, type and district, and submissions that could not be "
        "registered.",
        [("Received", panels)],
    )


def sms_board() -> Board:
    """SMS volume, failures, delivery, segments and the cost of a month."""
    now = [
        stat(
            "Waiting to be sent",
            "SMS recorded and not yet accepted by the provider.",
            "sum(acikkapi_sms_outbox_pending)",
            width=6,
        ),
        stat(
            "Provider refuses the account",
            "1 while sending is paused because the provider refuses the account "
            "(alert AcikKapiSmsProviderRefusesAccount).",
            "max(acikkapi_sms_provider_account_refused) or vector(0)",
            unit="none",
            width=6,
        ),
        stat(
            "Failed for good (1 h)",
            "Share of SMS outcomes that failed for good, last hour.",
            'sum(increase(acikkapi_sms_total{outcome="failed"}[1h])) / '
            "clamp_min(sum(increase(acikkapi_sms_total[1h])), 1)",
            unit="percentunit",
            width=6,
        ),
        stat(
            "Cost, last 30 days (TRY)",
            "Segments sent in the last 30 days times the constant segment_price.",
            "sum(increase(acikkapi_sms_segments_total[30d])) * $segment_price",
            unit="currencyTRY",
            width=6,
        ),
    ]
    volume = [
        series(
            title,
            description,
            "short",
            q(f"sum by ({label}) (increase({metric}[{window}]))", f"{{{{{label}}}}}"),
        )
        for title, description, metric, label, window in (
            (
                "SMS decided by template (last hour)",
                "SMS intents recorded, by template.",
                "acikkapi_sms_requested_total",
                "template",
                "1h",
            ),
            (
                "Outcomes (last hour)",
                "Accepted by the provider or failed for good.",
                "acikkapi_sms_total",
                "outcome",
                "1h",
            ),
            (
                "Delivery reports (last hour)",
                "Final reports: delivered, undelivered, unmatched.",
                "acikkapi_sms_delivery_reports_total",
                "outcome",
                "1h",
            ),
            (
                "Provider job attempts (last hour)",
                "Attempts: accepted, transient, account, split, failed.",
                "acikkapi_sms_job_attempts_total",
                "outcome",
                "1h",
            ),
            (
                "Segments by encoding (30 days)",
                "What is billed: segments per encoding.",
                "acikkapi_sms_segments_total",
                "encoding",
                "30d",
            ),
            (
                "Withheld at the applicant's wish (last hour)",
                "No SMS: identity hidden or SMS refused.",
                "acikkapi_sms_withheld_total",
                "reason",
                "1h",
            ),
        )
    ]
    return Board(
        "acikkapi-sms",
        "Açık Kapı — SMS",
        "SMS volume by template, failures, delivery reports, segments by encoding and the cost of the "
        "last 30 days.",
        [("Now", now), ("Volume and delivery", volume)],
    )


def boards() -> list[Board]:
    """Returns the four dashboards."""
    return [operations_board(), sla_board(), intake_board(), sms_board()]
