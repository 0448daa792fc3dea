"""Scrape-time refreshers (bounded cost, failures kept out of the scrape) and the HTTP RED middleware
(route templates, never paths; unknown methods and unmatched paths folded into fixed labels)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY

from acikkapi_shared.observability.http_metrics import HttpMetricsMiddleware
from acikkapi_shared.observability.scrape import ScrapeRefreshers


async def test_a_refresher_runs_at_most_once_per_interval_and_a_failure_is_counted_not_raised() -> None:
    now = [100.0]
    calls: list[str] = []
    refreshers = ScrapeRefreshers("svc-test", monotonic=lambda: now[0])

    async def counting() -> None:
        calls.append("ok")

    async def failing() -> None:
        raise RuntimeError("database gone")

    refreshers.add("counting", counting, min_interval=10)
    refreshers.add("failing", failing, min_interval=10)
    await refreshers.run_due()
    now[0] += 5
    await refreshers.run_due()  # within the interval: the last values are served
    now[0] += 6
    await refreshers.run_due()
    assert calls == ["ok", "ok"]
    failures = REGISTRY.get_sample_value(
        "acikkapi_metrics_refresh_failures_total", {"service": "svc-test", "refresher": "failing"}
    )
    assert failures == 2


async def test_requests_are_counted_by_route_template_and_status_class() -> None:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    app.add_middleware(HttpMetricsMiddleware, service="mw-test")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/things/2026-000001-N")).status_code == 200
        assert (await client.get("/no/such/path/123")).status_code == 404
        await client.request("BREW", "/things/x")

    def count(method: str, route: str, status: str) -> float | None:
        labels = {"service": "mw-test", "method": method, "route": route, "status": status}
        return REGISTRY.get_sample_value("acikkapi_http_requests_total", labels)

    assert count("GET", "/things/{thing_id}", "2xx") == 1
    assert count("GET", "unmatched", "4xx") == 1
    assert count("OTHER", "/things/{thing_id}", "4xx") == 1  # 405 on a matched path
    latency = REGISTRY.get_sample_value(
        "acikkapi_http_request_duration_seconds_count",
        {"service": "mw-test", "method": "GET", "route": "/things/{thing_id}"},
    )
    assert latency == 1
