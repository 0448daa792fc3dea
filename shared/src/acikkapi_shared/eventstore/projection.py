"""Read models as pure functions of events: each event yields row writes, executed in batches.

Writes of a batch are executed in as few statements as order allows: a write waits only for earlier
writes of the same row (or, for a write not keyed by the table's primary key, for every earlier write
of its table); writes that are free at the same time and share a shape run as one executemany.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateTable

from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import EventEnvelope


class _SetNull:
    def __repr__(self) -> str:
        return "SET_NULL"


SET_NULL: Final = _SetNull()
"""An Update value that clears the column (None keeps the column as it is)."""


@dataclass(frozen=True)
class Insert:
    """Insert one row."""

    table: sa.Table
    values: dict[str, Any]


@dataclass(frozen=True)
class Update:
    """Update the rows whose column `key` equals `key_value`; None keeps a column, SET_NULL clears it."""

    table: sa.Table
    key: str
    key_value: Any
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Delete:
    """Delete the rows whose column `key` equals `key_value`."""

    table: sa.Table
    key: str
    key_value: Any


Write = Insert | Update | Delete
WriteRule = Callable[[EventEnvelope], Iterable[Write]]
Event = TypeVar("Event", bound=EventPayload)


def on(kind: type[Event], write: Callable[[Event, EventEnvelope], Iterable[Write]]) -> tuple[str, WriteRule]:
    """Returns a rule entry: events of this kind, decoded (and upcast), give these writes."""

    def rule(event: EventEnvelope) -> Iterable[Write]:
        return write(kind.from_payload(event.payload, event.schema_version), event)

    return kind.TYPE, rule


class TableProjector:
    """Base of a service's read models: `rules` map an event type to the row writes it causes.

    The tables in `metadata` are disposable: replay rebuilds them, and so does the service's start
    when `version` (the projector's own VERSION plus its tables' schema) differs from the one built.
    """

    metadata: ClassVar[sa.MetaData]
    rules: ClassVar[dict[str, WriteRule]]
    VERSION: ClassVar[str] = "1"

    @property
    def name(self) -> str:
        """Returns the name its version is recorded under."""
        return type(self).__name__

    @property
    def version(self) -> str:
        """Returns VERSION and a digest of the tables' schema: either changing means a rebuild."""
        ddl = "\n".join(str(CreateTable(table)) for table in self.metadata.sorted_tables)
        return f"{self.VERSION}-{hashlib.sha256(ddl.encode()).hexdigest()[:12]}"

    def create_tables(self, connection: sa.Connection) -> None:
        """Creates the read-model tables if missing."""
        self.metadata.create_all(connection)

    def drop_tables(self, connection: sa.Connection) -> None:
        """Drops the read-model tables (before they are rebuilt in a new shape)."""
        self.metadata.drop_all(connection)

    async def reset(self, connection: AsyncConnection) -> None:
        """Empties the read models before a replay."""
        for table in reversed(self.metadata.sorted_tables):
            await connection.execute(sa.delete(table))

    def writes(self, events: Sequence[EventEnvelope]) -> list[Write]:
        """Returns the row writes the events cause, in order."""
        return [write for event in events if (rule := self.rules.get(event.type)) for write in rule(event)]

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None:
        """Executes the events' writes in order, batched where order allows."""
        for statement_group in schedule(self.writes(events)):
            await _execute(connection, statement_group)


def _row(write: Write) -> tuple[str, Any] | None:
    """Returns the primary-key value a write touches, or None if it is not keyed by the primary key."""
    primary = [column.name for column in write.table.primary_key]
    if isinstance(write, Insert):
        if all(name in write.values for name in primary):
            return write.table.name, tuple(write.values[name] for name in primary)
        return None
    if primary == [write.key]:
        return write.table.name, (write.key_value,)
    return None


def _shape(write: Write) -> tuple[Any, ...]:
    if isinstance(write, Update):
        nulls = tuple(sorted(n for n, v in write.values.items() if v is SET_NULL))
        return (write.table.name, Update, write.key, tuple(sorted(write.values)), nulls)
    if isinstance(write, Delete):
        return (write.table.name, Delete, write.key)
    return (write.table.name, Insert, tuple(sorted(write.values)))


def schedule(writes: Sequence[Write]) -> list[list[Write]]:
    """Returns the writes as groups to execute in order, each group one statement's rows."""
    row_layer: dict[tuple[str, Any], int] = {}
    table_layer: dict[str, int] = {}  # the layer after which every write of the table is done
    barrier: dict[str, int] = {}  # writes of a table must come after this layer (an unkeyed write)
    layers: list[dict[tuple[Any, ...], list[Write]]] = []
    for write in writes:
        table = write.table.name
        row = _row(write)
        if row is None:
            layer = table_layer.get(table, -1) + 1
            barrier[table] = layer
        else:
            layer = max(row_layer.get(row, -1), barrier.get(table, -1)) + 1
            row_layer[row] = layer
        table_layer[table] = max(table_layer.get(table, -1), layer)
        while len(layers) <= layer:
            layers.append({})
        layers[layer].setdefault(_shape(write), []).append(write)
    return [group for layer in layers for group in layer.values()]


async def _execute(connection: AsyncConnection, group: list[Write]) -> None:
    first = group[0]
    if isinstance(first, Insert):
        await connection.execute(sa.insert(first.table), [w.values for w in group if isinstance(w, Insert)])
        return
    key_column = first.table.c[first.key]
    if isinstance(first, Delete):
        statement: Any = sa.delete(first.table).where(key_column == sa.bindparam("_key"))
        await connection.execute(statement, [{"_key": w.key_value} for w in group if isinstance(w, Delete)])
        return
    assert isinstance(first, Update)
    assignments: dict[str, Any] = {}
    for name, value in first.values.items():
        column = first.table.c[name]
        # None keeps what the row has; SET_NULL and real values are written as they are.
        # Typed as the column, so its type's bind processing applies (UtcDateTime stores naive UTC on
        # SQLite; an untyped parameter would store the offset too, and compare wrongly with others).
        new_value = sa.bindparam(f"new_{name}", type_=column.type)
        assignments[name] = None if value is SET_NULL else sa.func.coalesce(new_value, column)
    statement = sa.update(first.table).where(key_column == sa.bindparam("_key")).values(assignments)
    rows = [
        {
            **{f"new_{name}": value for name, value in write.values.items() if value is not SET_NULL},
            "_key": write.key_value,
        }
        for write in group
        if isinstance(write, Update)
    ]
    await connection.execute(statement, rows)
