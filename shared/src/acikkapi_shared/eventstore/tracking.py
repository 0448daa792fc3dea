"""Tracking: which messages' or requests' effects are already committed (exactly-once effect)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.schema import tracking


async def already_processed(
    connection: AsyncConnection, consumer: str, message_keys: Sequence[str]
) -> set[str]:
    """Returns the subset of message_keys whose effects this consumer has committed."""
    if not message_keys:
        return set()
    query = sa.select(tracking.c.message_key).where(
        tracking.c.consumer == consumer, tracking.c.message_key.in_(list(set(message_keys)))
    )
    return {row.message_key for row in await connection.execute(query)}


async def record_processed(
    connection: AsyncConnection,
    consumer: str,
    processed: Sequence[tuple[str, str]],
    at: datetime,
    outcome: dict[str, Any] | None = None,
) -> None:
    """Records, in the caller's transaction, (message key, source) pairs whose effects commit with it.

    Another writer that recorded one of the keys first (a second instance, a rebalance) makes this a
    ConcurrencyConflict: the retry finds the key done.
    """
    if not processed:
        return
    rows = [
        {"consumer": consumer, "message_key": key, "source": source, "processed_at": at, "outcome": outcome}
        for key, source in processed
    ]
    try:
        await connection.execute(sa.insert(tracking), rows)
    except IntegrityError as error:
        raise ConcurrencyConflict(f"tracking:{consumer}", 0) from error


async def recorded_outcome(connection: AsyncConnection, consumer: str, key: str) -> dict[str, Any] | None:
    """Returns what was answered for a key already processed (None if it was not)."""
    query = sa.select(tracking.c.outcome).where(
        tracking.c.consumer == consumer, tracking.c.message_key == key
    )
    row = (await connection.execute(query)).first()
    if row is None:
        return None
    outcome: dict[str, Any] = row.outcome or {}
    return outcome
