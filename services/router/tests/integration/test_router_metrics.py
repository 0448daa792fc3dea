"""The router's /metrics in process: routings counted after commit, open cases by institution and SLA
state read from the read model at scrape time, HTTP RED metrics by route template; promtool accepts it."""

from __future__ import annotations

from prometheus_client import REGISTRY

from acikkapi_shared.testing.prometheus import check_metrics
from router import metrics

from .conftest import StaffApi, number_of


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_count_routings_once_and_show_open_cases_and_pass_promtool(api: StaffApi) -> None:
    routed = {"institution": "BELEDIYE_KARS", "kind": "rule"}
    before = sample("acikkapi_cases_routed_total", **routed)
    await api.register(number_of(1))
    await api.register(number_of(1))  # the same registration again: routed once, counted once
    assert (await api.http.get(f"/api/v1/cases/{number_of(1)}")).status_code == 401
    text = (await api.http.get("/metrics")).text
    assert sample("acikkapi_cases_routed_total", **routed) == before + 1
    assert 'acikkapi_cases_open{institution="BELEDIYE_KARS",sla_state="not_started"} 1.0' in text
    assert 'acikkapi_cases_open{institution="BELEDIYE_KARS",sla_state="breached"} 0.0' in text
    # The route's template, never the application number of the path.
    assert 'route="/api/v1/cases/{number}",service="router",status="4xx"' in text
    assert number_of(1) not in text
    assert "acikkapi_build_info{python=" in text
    assert 'acikkapi_eventstore_append_seconds_count{service="router"}' in text
    assert check_metrics(text) == []


def test_open_cases_are_summed_per_state_and_every_known_pair_is_set() -> None:
    metrics.set_open_cases(["X_INST", "Y_INST"], [("X_INST", "due_soon", 2), ("X_INST", None, 3)])
    assert sample("acikkapi_cases_open", institution="X_INST", sla_state="due_soon") == 2
    assert sample("acikkapi_cases_open", institution="X_INST", sla_state="not_started") == 3
    labels = {"institution": "Y_INST", "sla_state": "paused"}
    assert REGISTRY.get_sample_value("acikkapi_cases_open", labels) == 0
    metrics.set_open_cases(["X_INST", "Y_INST"], [])  # the last case concluded: back to 0, not stale
    assert sample("acikkapi_cases_open", institution="X_INST", sla_state="due_soon") == 0
