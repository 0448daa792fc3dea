"""Alembic environment: runs on the connection the service passes in (see database.migrate)."""

from __future__ import annotations

from acikkapi_shared.eventstore.schema import metadata
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
