"""`acikkapi audit case <application number | submission id> [--json]`: one application's history
across the four services' event logs, in the order it happened."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from acikkapi_cli.services import service_settings
from acikkapi_shared.access_log import log_personal_data_access
from acikkapi_shared.application_numbers import InvalidApplicationNumber, parse_application_number
from acikkapi_shared.clock import SystemClock
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.topics import SERVICES
from acikkapi_shared.eventstore.database import create_engine
from acikkapi_shared.eventstore.schema import events as events_table
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from intake.domain.validation import mask_phone, mask_tckn


def database_url(service: str, data_dir: Path) -> str:
    """Returns a service's database as the service itself resolves it from its settings."""
    return service_settings(service, data_dir).resolved_database_url()


async def case_history(identifier: str, data_dir: Path) -> list[EventEnvelope]:
    """Returns every event of the application (or rejected submission), ordered by when it was recorded."""
    correlation_ids = await _correlation_ids(identifier, data_dir)
    found: list[EventEnvelope] = []
    for service in SERVICES:
        found.extend(await _read(service, data_dir, correlation_ids))
    order = {service: index for index, service in enumerate(SERVICES)}
    return sorted(found, key=lambda e: (e.recorded_at, order[e.service], e.position))


async def _correlation_ids(identifier: str, data_dir: Path) -> list[str]:
    text = identifier.strip()
    try:
        submission_id = str(uuid.UUID(text))
    except ValueError:
        try:
            return [str(parse_application_number(text))]
        except InvalidApplicationNumber as invalid:
            raise SystemExit(f"not an application number or submission id: {invalid}") from invalid
    ids = [submission_id]
    engine = create_engine(database_url("intake", data_dir), read_only=True)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(events_table.c.correlation_id).where(
                    events_table.c.type == "ApplicationNumberIssued",
                    events_table.c.causation_id == submission_id,
                )
            )
            ids.extend(row.correlation_id for row in rows)
    except OperationalError:
        pass
    finally:
        await engine.dispose()
    return ids


async def _read(service: str, data_dir: Path, correlation_ids: list[str]) -> list[EventEnvelope]:
    url = database_url(service, data_dir)
    if url.startswith("sqlite") and not (data_dir / f"{service}.db").exists():
        return []
    engine = create_engine(url, read_only=True)
    try:
        async with engine.connect() as connection:
            store = SqlAlchemyEventStore(service, SystemClock())
            return await store.read_correlated(connection, correlation_ids)
    except OperationalError:
        return []  # a service that never started has no log yet
    finally:
        await engine.dispose()


# Free text and raw bodies often carry health, family or religious details: shown by size only. That
# is the applicant's text and what staff write back about it (questions, answers, notes, reasons), and
# the address an application is about (often the applicant's own).
_BY_SIZE = frozenset(
    {"text", "body", "answer", "question", "note", "reason", "reasons", "objection", "address"}
)
# Events whose reason is the system's own (error kinds, fields, code places; never values): shown.
_SYSTEM_REASONS = frozenset(
    {
        "MessageDeadLettered",
        "SmsWithheld",
        "SmsFailed",
        "SmsDeliveryFailed",
        "SmsJobAttemptFailed",
        "SmsJobFailed",
    }
)


def masked(payload: dict[str, Any], event_type: str = "") -> dict[str, Any]:
    """Returns the payload with personal data masked (KVKK: displays show no full identifiers)."""
    by_size = _BY_SIZE - {"reason"} if event_type in _SYSTEM_REASONS else _BY_SIZE
    result: dict[str, Any] = {}
    for key, value in payload.items():
        if key == "location" and isinstance(value, dict):
            result[key] = "[a point]"  # where the applicant pointed: often their home
        elif isinstance(value, dict):
            result[key] = masked(value, event_type)
        elif key == "phone" and isinstance(value, str) and value.startswith("+90"):
            result[key] = mask_phone(value)
        elif key == "tckn" and isinstance(value, str) and len(value) == 11:
            result[key] = mask_tckn(value)
        elif key == "name" and isinstance(value, str):
            result[key] = " ".join(part[:1] + "." for part in value.split())
        elif key == "tracking_code" and isinstance(value, str):
            result[key] = "****-****-" + value[-4:]
        elif key == "attachments" and isinstance(value, list):
            result[key] = f"[{len(value)} links]"  # photographs and documents of the applicant
        elif key in by_size and isinstance(value, str):
            result[key] = f"[{len(value)} characters]"
        else:
            result[key] = value
    return result


def as_json(event: EventEnvelope, *, unmasked: bool) -> dict[str, Any]:
    """Returns one event as the audit's JSON item."""
    item = event.model_dump(mode="json")
    item["payload"] = event.payload if unmasked else masked(event.payload, event.type)
    return item


def _summary(event: EventEnvelope) -> str:
    payload = event.payload
    keys = (
        "application_number",
        "institution",
        "rule",
        "due_at",
        "template",
        "provider_message_id",
        "stage",
        "code",
        "reason",
    )
    parts = [f"{key}={payload[key]}" for key in keys if payload.get(key) not in (None, "")]
    if event.type == "SubmissionRejected":
        parts.append("problems=" + ",".join(p["code"] for p in payload.get("problems", [])))
    return " ".join(parts)


def audit_case_command(args: argparse.Namespace) -> int:
    """Prints one application's history (`acikkapi audit case`, declared in event_logs)."""
    data_dir = args.data_dir or Path(os.environ.get("ACIKKAPI_DATA_DIR", "var/data"))
    unmasked = args.unmasked is not None
    if unmasked:
        if not args.unmasked.strip():
            raise SystemExit("--unmasked needs a reason (it is written to the access log)")
        log_personal_data_access(args.identifier, args.unmasked.strip(), data_dir.parent / "logs")
    history = asyncio.run(case_history(args.identifier, data_dir))
    if args.json:
        json.dump([as_json(e, unmasked=unmasked) for e in history], sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for event in history:
            print(
                f"{event.recorded_at.isoformat()}  {event.service:<11}  {event.stream_id}#"
                f"{event.stream_version:<3} {event.type:<24} {_summary(event)}"
            )
    if not history:
        print(f"no events found for {args.identifier} in {data_dir}", file=sys.stderr)
        return 1
    return 0
