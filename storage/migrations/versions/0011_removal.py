"""removal: who was asked to remove a concern, where the request stands, its reminder and escalation

A concern whose removal was requested before this revision is marked requested, with no remover
recorded (only the Prevent managers can then answer it).

Revision ID: 0011_removal
Revises: 0010_retention
Create Date: 2026-11-29 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011_removal"
down_revision: str | None = "0010_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENTS = (
    "removal_requested_at",
    "removal_remind_at",
    "removal_reminded_at",
    "removal_escalated_at",
    "removed_at",
)


def upgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removal_by", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("removal_status", sa.String(length=20), nullable=True))
        for column in MOMENTS:
            batch_op.add_column(
                sa.Column(column, storage.types.UTCDateTime(timezone=True), nullable=True)
            )
        batch_op.add_column(sa.Column("removal_note", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index(
            "ix_concern_removal_due", ["removal_status", "removal_due_at"], unique=False
        )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.alter_column("removal_note", existing_type=sa.Text(), server_default=None)
    op.execute("UPDATE concern SET removal_status = 'requested' WHERE removal_due_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index("ix_concern_removal_due")
        batch_op.drop_column("removal_note")
        for column in reversed(MOMENTS):
            batch_op.drop_column(column)
        batch_op.drop_column("removal_status")
        batch_op.drop_column("removal_by")
