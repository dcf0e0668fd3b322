"""retention: when a concern or request was anonymised; an anonymised concern has no reporter

Revision ID: 0010_retention
Revises: 0009_encrypted_columns
Create Date: 2026-11-29 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010_retention"
down_revision: str | None = "0009_encrypted_columns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("concern", "information_request"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("anonymised_at", storage.types.UTCDateTime(timezone=True), nullable=True)
            )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.alter_column("reporter_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.alter_column("reporter_id", existing_type=sa.BigInteger(), nullable=False)
    for table in ("concern", "information_request"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("anonymised_at")
