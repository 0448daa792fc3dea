"""Rebuilding a service's read models from its log: drop what they hold, apply every event again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import Projector


async def rebuild_projections(
    engine: AsyncEngine, store: SqlAlchemyEventStore, projector: Projector, *, batch_size: int = 2000
) -> int:
    """Empties the read models and replays the whole log into them in one transaction; returns the
    number of events replayed. Run it with the service stopped (it holds the write lock throughout)."""
    replayed = 0
    async with engine.begin() as connection:
        await connection.run_sync(projector.create_tables)
        await projector.reset(connection)
        position = 0
        while batch := await store.read_after(connection, position, batch_size):
            await projector.apply(connection, batch)
            position = batch[-1].position
            replayed += len(batch)
    return replayed
