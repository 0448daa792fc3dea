"""A static member whose joins keep failing (fenced by a twin with its instance id) is reported,
though it never gets an assignment the rebalance count could see."""

from __future__ import annotations

import logging

import structlog

from acikkapi_shared.messaging.rebalance import REPEATED_ASSIGNMENTS, RebalanceListener


def _listener(instance_id: str | None) -> RebalanceListener:
    return RebalanceListener(
        service="t", group_id="group-x", group_instance_id=instance_id, changed=lambda: None
    )


def test_repeated_join_failures_of_a_static_member_are_reported() -> None:
    _listener("same-id")
    coordinator = logging.getLogger("aiokafka.consumer.group_coordinator")
    with structlog.testing.capture_logs() as logs:
        for _ in range(REPEATED_ASSIGNMENTS - 1):
            coordinator.error("Unexpected error in join group '%s' response: %s", "group-x", "UnknownError")
        assert not logs
        coordinator.error("Unexpected error in join group '%s' response: %s", "group-x", "UnknownError")
    (report,) = logs
    assert report["event"] == "consumer_rebalancing_repeatedly" and report["group"] == "group-x"


def test_other_coordinator_lines_are_not_counted() -> None:
    _listener("same-id")
    coordinator = logging.getLogger("aiokafka.consumer.group_coordinator")
    with structlog.testing.capture_logs() as logs:
        for _ in range(2 * REPEATED_ASSIGNMENTS):
            coordinator.error("Heartbeat session expired for group %s", "group-y")
    assert logs == []
