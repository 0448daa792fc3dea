"""The operators' view, tested against a real Prometheus (Debian's package) scraping the running system.

The system runs on the real broker with a fast clock (one real second is RATE seconds for every
service, as in test_sla_timers.py), so a case breaches within seconds. The stack's Prometheus scrapes
every service and evaluates the alert rules each second, with every `for:` shortened to ALERT_FOR in its
rendered copy of the rules (ACIKKAPI_PROMETHEUS_ALERT_FOR). Real traffic: applications through the
portal topic (one of them concluded through the staff API, one rejected), their SMS, the breach. Then:
promtool accepts each service's /metrics, every dashboard panel's query succeeds through Prometheus's
HTTP API and returns data, and the breach alert goes pending, then firing.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from acikkapi_shared.clock import configured_clock
from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from acikkapi_shared.testing import free_port, repo_root
from acikkapi_shared.testing.prometheus import bin_dir, check_metrics
from tests.conftest import SERVICE_NAMES, RunningSystem, publish, submission, system_running

pytestmark = pytest.mark.kafka

RATE = 50_000.0
ALERT_FOR = "3s"
BREACH_ALERT = "AcikKapiSlaBreachesRising"
DASHBOARDS = sorted((repo_root() / "deploy" / "grafana" / "dashboards").glob("*.json"))


@pytest.fixture(scope="module")
def observed_system(
    kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    bin_dir()  # installs Debian's prometheus package when missing (deploy/prometheus/ensure.sh)
    settings = {
        "ACIKKAPI_PROMETHEUS_PORT": str(free_port()),
        "ACIKKAPI_PROMETHEUS_INTERVAL": "1s",
        "ACIKKAPI_PROMETHEUS_ALERT_FOR": ALERT_FOR,
        "ACIKKAPI_SMS_REPORT_INTERVAL_SECONDS": "1",
    }
    var = tmp_path_factory.mktemp("observed")
    with system_running(kafka_bootstrap_servers, var, clock_rate=RATE, prometheus=settings) as system:
        wait_until_scraped(system)
        yield system


def wait_until_scraped(system: RunningSystem, within: float = 60.0) -> None:
    """Waits for Prometheus's first scrape of every service (its discovery starts a few seconds after
    it is ready): a counter must be seen before the traffic, or its first increase is not one."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{prometheus_url(system)}/api/v1/query", params={"query": 'up{job="acikkapi"} == 1'}, timeout=5
        ).json()
        if len(answer["data"]["result"]) == len(SERVICE_NAMES):
            return
        time.sleep(0.5)
    pytest.fail(f"Prometheus did not scrape every service within {within} s")


def prometheus_url(system: RunningSystem) -> str:
    return system.stack.prometheus.url


def staff_token(system: RunningSystem, subject: str, *roles: Role, institution: str | None = None) -> str:
    """A token from the stack's local issuer, on the stack's fast clock (its lifetime is simulated time)."""
    clock = configured_clock(
        system.stack.clock["ACIKKAPI_CLOCK_OFFSET"],
        float(system.stack.clock["ACIKKAPI_CLOCK_RATE"]),
        system.stack.clock["ACIKKAPI_CLOCK_EPOCH"],
    )
    issuer = LocalIssuer(system.data_dir.parent / "staff", clock=clock)
    issuer.add_user(StaffUser(subject, subject, roles, institution))
    return issuer.issue_token(subject, hours=24 * 365)


def staff_command(system: RunningSystem, token: str, number: str, name: str, body: dict[str, Any]) -> None:
    response = httpx.post(
        f"{system.url('router')}/api/v1/cases/{number}/{name}",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    assert response.status_code == 200, f"{name}: {response.status_code} {response.text}"


def dashboard_queries() -> list[tuple[str, str]]:
    """Every panel's query of every committed dashboard, with its constant variables put in."""
    queries = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text("utf-8"))
        constants = {
            v["name"]: v["query"] for v in dashboard["templating"]["list"] if v["type"] == "constant"
        }
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                expr = re.sub(r"\$(\w+)", lambda m, c=constants: c[m.group(1)], target["expr"])
                queries.append((f"{dashboard['uid']} / {panel['title']} / {target['refId']}", expr))
    return queries


def query_range(system: RunningSystem, expr: str, seconds: int = 30) -> dict[str, Any]:
    end = time.time()
    response = httpx.get(
        f"{prometheus_url(system)}/api/v1/query_range",
        params={"query": expr, "start": end - seconds, "end": end, "step": "1s"},
        timeout=10,
    )
    answer: dict[str, Any] = response.json()
    return answer


def breach_alert_states(system: RunningSystem) -> set[str]:
    alerts = httpx.get(f"{prometheus_url(system)}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    return {a["state"] for a in alerts if a["labels"]["alertname"] == BREACH_ALERT}


async def concluded_case(system: RunningSystem, producer: AIOKafkaProducer) -> None:
    document = submission()
    await publish(producer, system.portal_topic, document)
    outcome = system.submission(document["submission_id"])
    number = outcome["application_number"]
    system.wait_for_sms(document["applicant"]["phone"])  # routed, clocks started
    officer = staff_token(system, "kars-belediye-1", Role.INSTITUTION_OFFICER, institution="BELEDIYE_KARS")
    reviewer = staff_token(system, "acikkapi-reviewer-1", Role.OFFICE_REVIEWER)
    staff_command(system, officer, number, "acknowledge", {})
    staff_command(system, officer, number, "answer", {"answer": "Arıza giderildi, su verildi."})
    staff_command(system, reviewer, number, "approve-answer", {"outcome": "RESOLVED"})


async def test_prometheus_sees_the_system_every_panel_has_data_and_the_breach_alert_fires(
    observed_system: RunningSystem,
) -> None:
    system = observed_system
    assert system.stack.prometheus.running_pid() is not None
    epoch = system.stack.clock["ACIKKAPI_CLOCK_EPOCH"]
    states_seen: list[set[str]] = []

    producer = AIOKafkaProducer(bootstrap_servers=system.bootstrap, acks="all")
    await producer.start()
    try:
        simulated_now = (
            datetime.fromisoformat(epoch) + (datetime.now(UTC) - datetime.fromisoformat(epoch)) * RATE
        )
        received = (simulated_now - timedelta(minutes=5)).isoformat()
        # The case that breaches: nobody acts on it.
        await publish(producer, system.portal_topic, submission(submitted_at=received))
        # One registered and withheld, one that cannot be registered, one concluded by the office.
        hidden = submission(submitted_at=received)
        hidden["applicant"]["identity_hidden"] = True
        await publish(producer, system.portal_topic, hidden)
        await publish(producer, system.portal_topic, submission(district="ATLANTIS", submitted_at=received))
        await concluded_case(system, producer)
    finally:
        await producer.stop()

    # The breach alert: pending, then firing (polled well inside ALERT_FOR).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "firing" not in (states_seen[-1] if states_seen else set()):
        states_seen.append(breach_alert_states(system))
        await asyncio.sleep(0.2)
    seen = [state for states in states_seen for state in sorted(states)]
    assert "pending" in seen and "firing" in seen, seen
    assert seen.index("pending") < seen.index("firing")

    # Each service's /metrics passes promtool's lint.
    for service in SERVICE_NAMES:
        text = httpx.get(f"{system.url(service)}/metrics", timeout=5).text
        assert check_metrics(text) == [], service

    # Every dashboard panel's query succeeds and returns data (polled: rates need two scrapes).
    queries = dashboard_queries()
    assert len(queries) > 40
    missing: list[str] = []
    deadline = time.monotonic() + 90
    while True:
        missing = []
        for name, expr in queries:
            answer = query_range(system, expr)
            assert answer["status"] == "success", f"{name}: {expr}: {answer}"
            if not answer["data"]["result"]:
                missing.append(f"{name}: {expr}")
        if not missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(2)
    assert missing == [], "panels without data:\n" + "\n".join(missing)

    # And what they show is the traffic sent: a breach, open cases, a conclusion, SMS segments.
    def latest(expr: str) -> float:
        result = query_range(system, expr, seconds=5)["data"]["result"]
        return max(float(value) for series in result for _, value in series["values"])

    assert latest("sum(increase(acikkapi_sla_breaches_total[10m]))") >= 1
    assert latest("sum(acikkapi_cases_open)") >= 2
    assert latest("sum(acikkapi_cases_closed_total)") >= 1
    assert latest("sum(acikkapi_case_time_to_conclusion_seconds_count)") >= 1
    assert latest("sum(acikkapi_sms_segments_total)") >= 1
    assert latest('sum(acikkapi_sms_withheld_total{reason="IDENTITY_HIDDEN"})') >= 1
    assert latest("sum(acikkapi_submissions_rejected_total)") >= 1
    assert latest('count(up{job="acikkapi"} == 1)') == len(SERVICE_NAMES)
