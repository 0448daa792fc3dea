"""Event metadata (actor, idempotency key, request id), columns reserved for a hash chain, the
outcome a command gateway answered, and the versions of read models.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JsonDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("events") as table:
        table.add_column(sa.Column("metadata", JsonDocument, nullable=True))
        table.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        table.add_column(sa.Column("hash", sa.String(64), nullable=True))
    with op.batch_alter_table("tracking") as table:
        table.add_column(sa.Column("outcome", JsonDocument, nullable=True))
    op.create_table(
        "read_model_versions",
        sa.Column("projector", sa.String(100), primary_key=True),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("read_model_versions")
    with op.batch_alter_table("tracking") as table:
        table.drop_column("outcome")
    with op.batch_alter_table("events") as table:
        table.drop_column("hash")
        table.drop_column("prev_hash")
        table.drop_column("metadata")
