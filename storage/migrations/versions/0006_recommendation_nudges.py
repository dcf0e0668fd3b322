"""recommendation nudges: snooze end and the owner's own RAG rating

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("snoozed_until", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("owner_rag", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_column("owner_rag")
        batch_op.drop_column("snoozed_until")
