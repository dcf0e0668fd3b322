"""delete_by: the date a requester said they would delete what was shared, and its reminder

Requests made before this revision keep the date only in their (encrypted) answers, so they get
no deletion reminder.

Revision ID: 0018_delete_by
Revises: 0017_decisions
Create Date: 2026-11-30 02:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0018_delete_by"
down_revision: str | None = "0017_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("information_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delete_by", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("delete_reminded_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_information_request_delete_by"), ["delete_by"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("information_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_information_request_delete_by"))
        batch_op.drop_column("delete_reminded_at")
        batch_op.drop_column("delete_by")
