"""Read models as pure functions of events: each event yields row writes, executed in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.events.envelope import EventEnvelope


@dataclass(frozen=True)
class Insert:
    """Insert one row."""

    table: sa.Table
    values: dict[str, Any]


@dataclass(frozen=True)
class Update:
    """Update the row whose column `key` equals `key_value`; a None value keeps the column as it is."""

    table: sa.Table
    key: str
    key_value: Any
    values: dict[str, Any] = field(default_factory=dict)


Write = Insert | Update
WriteRule = Callable[[EventEnvelope], Iterable[Write]]


class TableProjector:
    """Base of a service's read models: `rules` map an event type to the row writes it causes.

    Writes of the same shape run as one executemany, so a batch of events costs a few statements, not
    one per event: per table, first its inserts, then its updates, each in event order. So that order
    holds, a projector gives all its updates of one table the same columns (None keeps a value).
    The tables in `metadata` are disposable: replay rebuilds them.
    """

    metadata: ClassVar[sa.MetaData]
    rules: ClassVar[dict[str, WriteRule]]

    def create_tables(self, connection: sa.Connection) -> None:
        """Creates the read-model tables if missing."""
        self.metadata.create_all(connection)

    async def reset(self, connection: AsyncConnection) -> None:
        """Empties the read models before a replay."""
        for table in reversed(self.metadata.sorted_tables):
            await connection.execute(sa.delete(table))

    def writes(self, events: Sequence[EventEnvelope]) -> list[Write]:
        """Returns the row writes the events cause, in order."""
        return [write for event in events if (rule := self.rules.get(event.type)) for write in rule(event)]

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None:
        """Executes the events' writes, grouped by table, kind and shape."""
        groups: dict[tuple[Any, ...], list[Write]] = {}
        for write in self.writes(events):
            groups.setdefault(_shape(write), []).append(write)
        tables = list(dict.fromkeys(shape[0] for shape in groups))
        for table in tables:
            for kind in (Insert, Update):
                for shape, group in groups.items():
                    if shape[0] == table and shape[1] is kind:
                        await _execute(connection, group)


def _shape(write: Write) -> tuple[Any, ...]:
    return (write.table.name, type(write), getattr(write, "key", None), tuple(sorted(write.values)))


async def _execute(connection: AsyncConnection, group: list[Write]) -> None:
    first = group[0]
    if isinstance(first, Insert):
        await connection.execute(sa.insert(first.table), [write.values for write in group])
        return
    assert isinstance(first, Update)
    key_column = first.table.c[first.key]
    columns = [(name, first.table.c[name]) for name in first.values]
    statement = (
        sa.update(first.table)
        .where(key_column == sa.bindparam("_key"))
        .values({name: sa.func.coalesce(sa.bindparam(f"new_{name}"), column) for name, column in columns})
    )
    rows = [
        {**{f"new_{name}": value for name, value in write.values.items()}, "_key": write.key_value}
        for write in group
        if isinstance(write, Update)
    ]
    await connection.execute(statement, rows)
