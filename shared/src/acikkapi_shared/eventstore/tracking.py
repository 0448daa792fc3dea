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


async def processed_digests(
    connection: AsyncConnection, consumer: str, message_keys: Sequence[str]
) -> dict[str, str | None]:
    """Returns, for each of message_keys this consumer has committed, the digest of the content it was
    committed with (None: none was recorded)."""
    if not message_keys:
        return {}
    query = sa.select(tracking.c.message_key, tracking.c.outcome).where(
        tracking.c.consumer == consumer, tracking.c.message_key.in_(list(set(message_keys)))
    )
    return {row.message_key: (row.outcome or {}).get("digest") for row in await connection.execute(query)}


async def record_processed(
    connection: AsyncConnection,
    consumer: str,
    processed: Sequence[tuple[str, str, str | None]],
    at: datetime,
) -> None:
    """Records, in the caller's transaction, (message key, source, digest of its content or None)
    whose effects commit with it.

    Another writer that recorded one of the keys first (a second instance, a rebalance) makes this a
    ConcurrencyConflict: the retry finds the key done.
    """
    if not processed:
        return
    rows = [
        {
            "consumer": consumer,
            "message_key": key,
            "source": source,
            "processed_at": at,
            "outcome": {"digest": digest} if digest else None,
        }
        for key, source, digest in processed
    ]
    try:
        await connection.execute(sa.insert(tracking), rows)
    except IntegrityError as error:
        raise ConcurrencyConflict(f"tracking:{consumer}", 0) from error


async def recorded_outcomes(
    connection: AsyncConnection, consumer: str, keys: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Returns what was answered for each of the keys already processed, in one query."""
    if not keys:
        return {}
    query = sa.select(tracking.c.message_key, tracking.c.outcome).where(
        tracking.c.consumer == consumer, tracking.c.message_key.in_(list(set(keys)))
    )
    return {row.message_key: dict(row.outcome or {}) for row in await connection.execute(query)}


async def record_outcomes(
    connection: AsyncConnection,
    consumer: str,
    answered: Sequence[tuple[str, str, dict[str, Any]]],
    at: datetime,
) -> None:
    """Records (key, source, outcome) triples in one statement; a key taken first is a conflict."""
    if not answered:
        return
    rows = [
        {"consumer": consumer, "message_key": key, "source": source, "processed_at": at, "outcome": outcome}
        for key, source, outcome in answered
    ]
    try:
        await connection.execute(sa.insert(tracking), rows)
    except IntegrityError as error:
        raise ConcurrencyConflict(f"tracking:{consumer}", 0) from error
