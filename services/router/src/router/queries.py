"""Reads of the router's read model for the staff API: lists in a stable order, one case, counts.

Lists are ordered by the due moment (cases with none yet last), then the application number, and paged
by a cursor naming the last row returned, so a page never repeats or skips a row that stays put.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from router.domain.case_rules import OPEN
from router.projections import cases

OPEN_STAGES = frozenset(stage.value for stage in OPEN)


class InvalidCursor(ValueError):
    """A cursor this API did not give."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's due moment and number."""

    due_at: datetime | None
    number: str

    def encode(self) -> str:
        """Returns the cursor as the opaque text the API gives."""
        document = {"d": None if self.due_at is None else self.due_at.isoformat(), "n": self.number}
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Returns the cursor of a text the API gave; InvalidCursor for anything else."""
        try:
            document = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            due = document["d"]
            return cls(None if due is None else datetime.fromisoformat(due), str(document["n"]))
        except (binascii.Error, ValueError, KeyError, TypeError) as error:
            raise InvalidCursor(text) from error


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list shows (None: any)."""

    institution: str | None = None
    stages: Collection[str] | None = OPEN_STAGES
    sla_state: str | None = None
    due_before: datetime | None = None
    transfer_pending: bool | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """Returns the WHERE conditions."""
        found: list[sa.ColumnElement[bool]] = []
        if self.institution is not None:
            found.append(cases.c.institution == self.institution)
        if self.stages is not None:
            found.append(cases.c.stage.in_(sorted(self.stages)))
        if self.sla_state is not None:
            found.append(cases.c.sla_state == self.sla_state)
        if self.due_before is not None:
            found.append(cases.c.due_at < self.due_before)
        if self.transfer_pending is not None:
            found.append(cases.c.transfer_pending == self.transfer_pending)
        return found


def _after(cursor: Cursor) -> sa.ColumnElement[bool]:
    due, number = cases.c.due_at, cases.c.application_number
    if cursor.due_at is None:
        return sa.and_(due.is_(None), number > cursor.number)
    return sa.or_(due > cursor.due_at, sa.and_(due == cursor.due_at, number > cursor.number), due.is_(None))


async def list_cases(
    connection: AsyncConnection, where: CaseFilter, *, limit: int, after: Cursor | None = None
) -> tuple[Sequence[sa.Row[Any]], Cursor | None]:
    """Returns up to limit rows after the cursor, and the cursor of the next page (None at the end)."""
    conditions = where.conditions()
    if after is not None:
        conditions.append(_after(after))
    query = (
        sa.select(cases)
        .where(*conditions)
        .order_by(cases.c.due_at.is_(None), cases.c.due_at, cases.c.application_number)
        .limit(limit + 1)
    )
    rows = (await connection.execute(query)).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], Cursor(last.due_at, last.application_number)


async def case_row(connection: AsyncConnection, number: str) -> sa.Row[Any] | None:
    """Returns the case's row, or None."""
    query = sa.select(cases).where(cases.c.application_number == number)
    return (await connection.execute(query)).first()


async def open_counts(connection: AsyncConnection) -> dict[str, dict[str | None, int]]:
    """Returns, per institution, its open cases counted by SLA state (None: not told yet)."""
    query = (
        sa.select(cases.c.institution, cases.c.sla_state, sa.func.count())
        .where(cases.c.stage.in_(sorted(OPEN_STAGES)))
        .group_by(cases.c.institution, cases.c.sla_state)
    )
    counts: dict[str, dict[str | None, int]] = {}
    for institution, state, count in await connection.execute(query):
        counts.setdefault(institution, {})[state] = int(count)
    return counts
