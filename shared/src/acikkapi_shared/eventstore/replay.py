"""Rebuilding a service's read models from its log: drop what they hold, apply every event again."""

from __future__ import annotations

from typing import Protocol

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.eventstore.durability import transaction
from acikkapi_shared.eventstore.schema import read_model_versions
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import Projector

log = structlog.get_logger(__name__)


class VersionedProjector(Projector, Protocol):
    """A projector whose tables are rebuilt when its version changes."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def drop_tables(self, connection: sa.Connection) -> None: ...


async def _replay_into(
    connection: AsyncConnection, store: SqlAlchemyEventStore, projector: Projector, batch_size: int
) -> int:
    replayed = 0
    position = 0
    while batch := await store.read_after(connection, position, batch_size):
        await projector.apply(connection, batch)
        position = batch[-1].position
        replayed += len(batch)
    return replayed


async def rebuild_projections(
    engine: AsyncEngine, store: SqlAlchemyEventStore, projector: Projector, *, batch_size: int = 2000
) -> int:
    """Empties the read models and replays the whole log into them in one transaction; returns the
    number of events replayed. Run it with the service stopped (it holds the write lock throughout)."""
    async with transaction(engine) as connection:
        await store.lock_appends(connection)
        await connection.run_sync(projector.create_tables)
        await projector.reset(connection)
        return await _replay_into(connection, store, projector, batch_size)


async def ensure_read_models(
    engine: AsyncEngine, store: SqlAlchemyEventStore, projector: VersionedProjector, clock: Clock
) -> int | None:
    """Creates the read models, rebuilding them from the log when the projector's version changed.

    Returns the number of events replayed, or None when the tables were already current.
    """
    async with transaction(engine) as connection:
        await store.lock_appends(connection)
        query = sa.select(read_model_versions.c.version).where(
            read_model_versions.c.projector == projector.name
        )
        built = (await connection.execute(query)).scalar()
        if built == projector.version:
            await connection.run_sync(projector.create_tables)
            return None
        await connection.run_sync(projector.drop_tables)
        await connection.run_sync(projector.create_tables)
        replayed = await _replay_into(connection, store, projector, 2000)
        await connection.execute(
            sa.delete(read_model_versions).where(read_model_versions.c.projector == projector.name)
        )
        await connection.execute(
            sa.insert(read_model_versions).values(
                projector=projector.name, version=projector.version, rebuilt_at=clock.now()
            )
        )
    log.info("read_models_rebuilt", projector=projector.name, version=projector.version, events=replayed)
    return replayed
