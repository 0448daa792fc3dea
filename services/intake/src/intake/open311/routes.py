"""The Open311 GeoReport v2 routes under /open311/v2: discovery, services, a service's definition,
POST and GET requests, one request, a token, and the servicerequestupdates extension; each in XML or
JSON by the path's extension. Errors are the specification's `errors` shape (400, 403, 404)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from acikkapi_shared.application_numbers import InvalidApplicationNumber, parse_application_number
from acikkapi_shared.reference import ReferenceData
from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.stages import CLOSED_STAGES
from intake.entrypoints.timeline_notes import NOTE_EVENT_TYPES
from intake.open311.catalogue import Service, definition, find_service, service_entry, services
from intake.open311.post import FORM_OPENAPI, Poster
from intake.open311.posting import same_jurisdiction
from intake.open311.render import FORMATS, OPENAPI_RESPONSES, errors, jurisdiction_unknown, render
from intake.open311.requests_view import request_entry, update_entry
from intake.projections import applications, submissions, timeline

PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime.fromisoformat("2026-12-02T00:00:00+03:00")
MAX_SPAN = timedelta(days=90)
# Dates a query may name: far enough from datetime's limits that a range of 90 days around them, or
# their UTC value, is still a date (year 1 at +14:00 would be year 0 in UTC).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
UPDATES_DEFAULT_SPAN = timedelta(days=1)
MAX_RESULTS = 1000
_UNENCODED_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
MAX_IDS = 100
QUERY_MAX_LEN = 2000
SERVICE_CODE_BLANK_TR = (
    "service_code: Hizmet kodu boş ya da yalnızca boşluk veya görünmeyen karakterlerden oluşamaz. Tüm "
    "hizmetler için service_code'u göndermeyin ya da boş bırakın; hizmetlerin listesi için GET services "
    "kullanın."
)
IDS_TOO_MANY_TR = f"service_request_id: En fazla {MAX_IDS} başvuru numarası sorulabilir."
# The timeline's lines the updates feed shows: each moves a stage (notes stay the applicant's own).
STAGE_LINE = timeline.c.event_type.not_in(sorted(NOTE_EVENT_TYPES))
Fmt = Annotated[str, Path(description="xml or json", json_schema_extra={"enum": ["xml", "json"]})]
Text = Annotated[str | None, Query()]


class BadQuery(ValueError):
    """A query parameter that cannot be read: a stable code and a Turkish description."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(code)
        self.code = code
        self.description = description


def _moment(value: str | None, name: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    # A "+" left unencoded in a query string arrives as a space: "…T23:59:00 03:00" is "+03:00".
    text = _UNENCODED_PLUS.sub(r"\1+\2", value.strip())
    try:
        moment = datetime.fromisoformat(text) if len(value) <= 64 else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise BadQuery("DATE_INVALID", f"{name}: ISO 8601 biçiminde, saat dilimiyle yazılmalı.")
    if not EARLIEST <= moment <= LATEST:
        raise BadQuery("DATE_INVALID", f"{name}: 1900 ile 9000 yılları arasında bir tarih olmalı.")
    return moment


def window(
    start: str | None, end: str | None, now: datetime, default: timedelta
) -> tuple[datetime, datetime]:
    """Returns the date range asked for, at most 90 days: from start_date alone, the 90 days since it;
    from end_date alone, the `default` before it; from neither, the last `default` up to now."""
    begin, until = _moment(start, "start_date"), _moment(end, "end_date")
    if begin is None and until is None:
        until = now
    if begin is None:
        assert until is not None
        begin = until - default
    if until is None:
        until = begin + MAX_SPAN
    if begin > until:
        raise BadQuery("DATE_RANGE_INVALID", "start_date, end_date'den sonra olamaz.")
    if until - begin > MAX_SPAN:
        raise BadQuery("DATE_RANGE_TOO_LONG", "Tarih aralığı en fazla 90 gün olabilir.")
    return begin, until


def _statuses(value: str | None) -> set[str]:
    """Returns the statuses asked for (empty: either); a part of blanks or invisible characters only
    is unknown, never read as no filter (as for service_code)."""
    asked = {part.strip().lower() for part in (value or "").split(",") if part}
    if not asked <= {"open", "closed"}:
        raise BadQuery("STATUS_UNKNOWN", "status: open, closed ya da ikisi (virgülle) olmalı.")
    return asked


def _joined(request: Request, name: str) -> str | None:
    """Returns a query parameter's values joined by commas: the specification's lists are comma
    delimited, and a parameter sent twice means both values, not the last one (an empty one, none)."""
    values = [value for value in request.query_params.getlist(name) if value]
    return ",".join(values) if values else None


def _services_asked(reference: ReferenceData, value: str) -> list[Service]:
    """Returns the services of a comma-delimited service_code (empty: every service); BadQuery naming
    any code not known, or for a code of blanks or invisible characters only (never read as no filter)."""
    items = [item for item in value.split(",") if item]  # a trailing comma is no code
    codes = [item.strip() for item in items]
    if value and not (codes and all(codes)):
        raise BadQuery("SERVICE_CODE_UNKNOWN", SERVICE_CODE_BLANK_TR)
    unknown = [code for code in codes if find_service(reference, code) is None]
    if unknown:
        raise BadQuery("SERVICE_CODE_UNKNOWN", f"service_code tanınmadı: {', '.join(unknown[:5])}")
    return [service for code in codes if (service := find_service(reference, code)) is not None]


def _too_long(*values: str | None) -> bool:
    return any(value is not None and len(value) > QUERY_MAX_LEN for value in values)


def _requests() -> sa.Select[Any]:
    """Returns the query of applications, each with stage_at: the moment of its latest stage as the
    updates feed shows it (intake's own updated_at is when it read the event, a moment later, and a
    deadline moves it too), so GET requests' updated_datetime and the feed tell one time."""
    stage_at = (
        sa.select(sa.func.max(timeline.c.occurred_at))
        .where(timeline.c.application_number == applications.c.application_number, STAGE_LINE)
        .scalar_subquery()
    )
    return sa.select(applications, stage_at.label("stage_at"))


def open311_router(
    runtime: ServiceRuntime, poster: Poster, *, reference: ReferenceData, base_url: str, jurisdiction: str
) -> APIRouter:
    """Returns the Open311 routes."""
    router = APIRouter(prefix=PREFIX, tags=["open311"], responses=OPENAPI_RESPONSES)

    def wrong_format() -> Response:
        return errors("xml", 404, [("FORMAT_UNKNOWN", "Biçim .xml ya da .json olmalı.")])

    def refused(fmt: str, jurisdiction_id: str | None) -> Response | None:
        """Returns the answer to a format other than xml/json or another jurisdiction, else None."""
        if fmt not in FORMATS:
            return wrong_format()
        if not same_jurisdiction(jurisdiction_id, jurisdiction):
            return jurisdiction_unknown(fmt, jurisdiction)
        return None

    @router.get("/discovery.{fmt}")
    async def discovery(fmt: Fmt, request: Request) -> Response:
        """Where the GeoReport v2 endpoint is and which formats it speaks."""
        if answer := refused(fmt, None):
            return answer
        url = base_url or f"{request.base_url}{PREFIX.lstrip('/')}/"
        endpoint = {
            "specification": SPECIFICATION,
            "url": url,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
        document = {
            "changeset": CHANGESET,
            "contact": "Kars Valiliği Açık Kapı Şube Müdürlüğü",
            "key_service": "API anahtarı için Kars Valiliği Açık Kapı Şube Müdürlüğü'ne başvurun.",
            "endpoints": [endpoint],
        }
        return render(fmt, "discovery", document)

    @router.get("/services.{fmt}")
    async def list_services(fmt: Fmt, jurisdiction_id: Text = None) -> Response:
        """Every service: one per topic × application type."""
        if answer := refused(fmt, jurisdiction_id):
            return answer
        return render(fmt, "services", [service_entry(reference, s) for s in services(reference)])

    @router.get("/services/{service_code}.{fmt}")
    async def service_definition(service_code: str, fmt: Fmt, jurisdiction_id: Text = None) -> Response:
        """A service's attributes."""
        if answer := refused(fmt, jurisdiction_id):
            return answer
        service = find_service(reference, service_code)
        if service is None:
            return errors(fmt, 404, [("SERVICE_CODE_UNKNOWN", "Bu hizmet kodu tanınmadı.")])
        return render(fmt, "service_definition", definition(reference, service))

    @router.post("/requests.{fmt}", openapi_extra=FORM_OPENAPI)
    async def post_request(fmt: Fmt, request: Request) -> Response:
        """Registers an application (form-encoded; api_key required; Idempotency-Key or client_token)."""
        return refused(fmt, None) or await poster.post(fmt, request)

    @router.get("/requests.{fmt}")
    async def list_requests(
        fmt: Fmt,
        request: Request,
        service_request_id: Text = None,
        service_code: Text = None,
        start_date: Text = None,
        end_date: Text = None,
        status: Text = None,
        jurisdiction_id: Text = None,
    ) -> Response:
        """Applications by ids, or by services, date range (at most 90 days) and status; the lists
        comma delimited (or the parameter repeated)."""
        if answer := refused(fmt, jurisdiction_id):
            return answer
        service_request_id, service_code, status = (
            _joined(request, name) for name in ("service_request_id", "service_code", "status")
        )
        if _too_long(service_request_id, service_code, start_date, end_date, status):
            return errors(fmt, 400, [("QUERY_TOO_LONG", "Sorgu parametreleri çok uzun.")])
        query = _requests()
        if service_request_id:
            parts = [part for part in service_request_id.split(",") if part.strip()]
            if len(parts) > MAX_IDS:
                return errors(fmt, 400, [("SERVICE_REQUEST_ID_TOO_MANY", IDS_TOO_MANY_TR)])
            numbers = []
            for part in parts:
                try:
                    numbers.append(str(parse_application_number(part.strip())))
                except InvalidApplicationNumber:
                    continue
            query = query.where(applications.c.application_number.in_(numbers))
        else:
            try:
                begin, until = window(start_date, end_date, runtime.gateway.clock.now(), MAX_SPAN)
                asked = _statuses(status)
                wanted = _services_asked(reference, service_code or "")
            except BadQuery as bad:
                return errors(fmt, 400, [(bad.code, bad.description)])
            query = query.where(applications.c.received_at.between(begin, until))
            if wanted:
                query = query.where(
                    sa.or_(
                        *(
                            sa.and_(applications.c.topic == s.topic, applications.c.type == s.type)
                            for s in wanted
                        )
                    )
                )
            if asked == {"open"}:
                query = query.where(applications.c.stage.not_in(sorted(CLOSED_STAGES)))
            elif asked == {"closed"}:
                query = query.where(applications.c.stage.in_(sorted(CLOSED_STAGES)))
        query = query.order_by(applications.c.received_at.desc(), applications.c.application_number.desc())
        rows = await _rows(runtime, query.limit(MAX_RESULTS))
        return render(fmt, "service_requests", [request_entry(reference, row) for row in rows])

    @router.get("/requests/{service_request_id}.{fmt}")
    async def one_request(service_request_id: str, fmt: Fmt, jurisdiction_id: Text = None) -> Response:
        """One application, by its number."""
        if answer := refused(fmt, jurisdiction_id):
            return answer
        try:
            number = str(parse_application_number(service_request_id))
        except InvalidApplicationNumber:
            number = ""
        rows = await _rows(runtime, _requests().where(applications.c.application_number == number))
        if not rows:
            return errors(fmt, 404, [("REQUEST_NOT_FOUND", "Bu numarayla kayıtlı bir başvuru bulunamadı.")])
        return render(fmt, "service_requests", [request_entry(reference, rows[0])])

    @router.get("/tokens/{token}.{fmt}")
    async def token_of(token: str, fmt: Fmt, jurisdiction_id: Text = None) -> Response:
        """The application number a POST's token stands for."""
        if answer := refused(fmt, jurisdiction_id):
            return answer
        try:
            canonical = str(uuid.UUID(token)) if len(token) <= 64 else ""
        except ValueError:
            canonical = ""
        query = sa.select(submissions).where(submissions.c.submission_id == canonical)
        rows = await _rows(runtime, query)
        if not rows or not rows[0].application_number:
            return errors(fmt, 404, [("TOKEN_NOT_FOUND", "Bu jetonla kayıtlı bir başvuru bulunamadı.")])
        return render(
            fmt, "service_requests", [{"service_request_id": rows[0].application_number, "token": canonical}]
        )

    @router.get("/servicerequestupdates.{fmt}")
    async def request_updates(
        fmt: Fmt, start_date: Text = None, end_date: Text = None, jurisdiction_id: Text = None
    ) -> Response:
        """Extension: every stage recorded in the range (default: the last day), oldest first. Lines
        that move no stage (SMS delivery reports, refused requests) are the applicant's own: they stay on
        the tracking page, or the public feed would tell whose identity is hidden (they get no SMS)."""
        if answer := refused(fmt, jurisdiction_id):
            return answer
        if _too_long(start_date, end_date):
            return errors(fmt, 400, [("QUERY_TOO_LONG", "Sorgu parametreleri çok uzun.")])
        try:
            begin, until = window(start_date, end_date, runtime.gateway.clock.now(), UPDATES_DEFAULT_SPAN)
        except BadQuery as bad:
            return errors(fmt, 400, [(bad.code, bad.description)])
        # By the moment intake recorded each line, from start_date up to (not including) end_date: a
        # client polling with advancing windows sees every update once, a back-dated one too (a desk
        # entry's registration, dated its receipt days before); each still shows its stage's moment.
        query = (
            sa.select(timeline)
            .where(timeline.c.recorded_at >= begin, timeline.c.recorded_at < until, STAGE_LINE)
            .order_by(timeline.c.recorded_at, timeline.c.occurred_at, timeline.c.source_event_id)
            .limit(MAX_RESULTS)
        )
        rows = await _rows(runtime, query)
        return render(fmt, "service_request_updates", [update_entry(row) for row in rows])

    return router


async def _rows(runtime: ServiceRuntime, query: Any) -> list[Any]:
    async with runtime.read_engine.connect() as connection:
        return list((await connection.execute(query)).all())
