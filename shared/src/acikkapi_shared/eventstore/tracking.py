"""Consumer tracking: which upstream messages' effects are already committed (exactly-once effect)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

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
    connection: AsyncConnection, consumer: str, processed: Sequence[tuple[str, str]], at: datetime
) -> None:
    """Records, in the caller's transaction, (message key, source) pairs whose effects commit with it."""
    if not processed:
        return
    rows = [
        {"consumer": consumer, "message_key": key, "source": source, "processed_at": at}
        for key, source in processed
    ]
    await connection.execute(sa.insert(tracking), rows)
