"""Alembic environment: runs on the connection the service passes in (see database.migrate)."""

from __future__ import annotations

from alembic import context

from acikkapi_shared.eventstore.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
