"""Netgsm's delivery-report query (POST /sms/rest/v2/report, HTTP Basic auth): which of a job's SMS
reached the handset.

The query names job ids and a date range on Turkish time ("dd.MM.yyyy HH:mm:ss"), pages of at most
100 rows; the answer has one row per number of each job. Code 60 means no row matched (an empty
report, not an error); any other refusal, an HTTP error or no answer raises ReportUnavailable, and
the poller asks again at its next round.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from notifier.domain.reports import ReportRow

REPORT_PATH = "/sms/rest/v2/report"
TURKEY = ZoneInfo("Europe/Istanbul")
DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
PAGE_SIZE = 100
NO_RECORDS = "60"
# Pages read at most per query: a query names at most PAGE_SIZE SMS, so one page is the rule.
MOST_PAGES = 10
_NATIONAL_MOBILE = re.compile(r"(5\d{9})$")


class ReportUnavailable(Exception):
    """The report could not be read this time (network, provider error, rate limit)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"delivery report unavailable ({code}): {reason}")
        self.code = code
        self.reason = reason


class NetgsmReportClient:
    """Asks Netgsm's report API about jobs; implements the poller's DeliveryReports port."""

    def __init__(self, *, base_url: str, usercode: str, password: str, client: httpx.AsyncClient) -> None:
        self._url = base_url.rstrip("/") + REPORT_PATH
        self._auth = httpx.BasicAuth(usercode, password)
        self._client = client

    async def report(self, jobids: Sequence[str], *, start: datetime, stop: datetime) -> list[ReportRow]:
        """Returns every row of these jobs sent between start and stop."""
        rows: list[ReportRow] = []
        for page in range(MOST_PAGES):
            answer = await self._page(jobids, start, stop, page)
            rows += answer
            if len(answer) < PAGE_SIZE:
                break
        return rows

    async def _page(
        self, jobids: Sequence[str], start: datetime, stop: datetime, page: int
    ) -> list[ReportRow]:
        body = {
            "jobids": list(jobids),
            "startdate": start.astimezone(TURKEY).strftime(DATE_FORMAT),
            "stopdate": stop.astimezone(TURKEY).strftime(DATE_FORMAT),
            "pagenumber": page,
            "pagesize": PAGE_SIZE,
        }
        try:
            response = await self._client.post(self._url, json=body, auth=self._auth)
        except httpx.HTTPError as failure:
            raise ReportUnavailable("network", type(failure).__name__) from failure
        try:
            answer = response.json()
        except ValueError:
            answer = None
        code = str(answer.get("code")) if isinstance(answer, dict) else None
        if code == NO_RECORDS:
            return []
        if response.status_code != 200 or code != "00" or not isinstance(answer, dict):
            raise ReportUnavailable(code or f"http_{response.status_code}", "the provider refused the query")
        jobs = answer.get("jobs") or []
        return [row for item in jobs if isinstance(item, dict) and (row := _row(item)) is not None]


def _row(item: dict[str, Any]) -> ReportRow | None:
    """Returns one report row, or None when it is not one (no job id, number or status)."""
    number = _NATIONAL_MOBILE.search(str(item.get("number") or item.get("telno") or ""))
    try:
        status = int(item["status"])
    except (KeyError, TypeError, ValueError):
        return None
    if not item.get("jobid") or number is None:
        return None
    error_code = item.get("errorCode")
    return ReportRow(
        jobid=str(item["jobid"]),
        number=number.group(1),
        status=status,
        error_code=int(error_code) if isinstance(error_code, int) and error_code else None,
        delivered_at=_delivered_at(item.get("deliveredDate")),
    )


def _delivered_at(text: Any) -> datetime | None:
    """Returns the moment (UTC) a "dd.MM.yyyy HH:mm:ss" Turkish date names: when the handset got the
    SMS, by the provider; None when there is none (a row not delivered gives it empty)."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), DATE_FORMAT).replace(tzinfo=TURKEY).astimezone(UTC)
    except ValueError:
        return None
