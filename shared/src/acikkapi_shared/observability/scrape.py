"""Gauges read from a service's own read models when Prometheus scrapes, at most once per interval.

prometheus_client's collectors are synchronous and the services' databases are asynchronous, so the
/metrics endpoint awaits each refresher first; a refresher sets ordinary gauges. A refresher runs at
most once per `min_interval` seconds (a scrape in between serves the last values), so the cost of a
query over a projection table is bounded whatever the number of scrapers, and a failing query leaves
the last values and counts `acikkapi_metrics_refresh_failures_total` instead of failing the scrape.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import Counter

log = structlog.get_logger(__name__)

Refresh = Callable[[], Coroutine[Any, Any, None]]

REFRESH_FAILURES = Counter(
    "acikkapi_metrics_refresh_failures_total",
    "Read-model queries behind scrape-time gauges that failed (the gauges keep their last values)",
    ["service", "refresher"],
)


@dataclass
class _Refresher:
    name: str
    refresh: Refresh
    min_interval: float
    last: float | None = None


@dataclass
class ScrapeRefreshers:
    """The refreshers of one service, run before each /metrics answer when due."""

    service: str
    monotonic: Callable[[], float] = time.monotonic
    _refreshers: list[_Refresher] = field(default_factory=list)

    def add(self, name: str, refresh: Refresh, *, min_interval: float = 5.0) -> None:
        """Adds a refresher, run at most once per min_interval seconds."""
        self._refreshers.append(_Refresher(name, refresh, min_interval))

    async def run_due(self) -> None:
        """Runs every refresher whose interval has passed since its last run."""
        for refresher in self._refreshers:
            now = self.monotonic()
            if refresher.last is not None and now - refresher.last < refresher.min_interval:
                continue
            refresher.last = now
            try:
                await refresher.refresh()
            except Exception as error:
                REFRESH_FAILURES.labels(self.service, refresher.name).inc()
                log.warning("metrics_refresh_failed", refresher=refresher.name, error=type(error).__name__)
