"""followups: a manager's questions to a concern's reporter, and the reporter's answers

Revision ID: 0014_followups
Revises: 0013_photos
Create Date: 2026-11-29 22:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0014_followups"
down_revision: str | None = "0013_photos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "concern_follow_up",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "concern_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "asked_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["person.id"], name=op.f("fk_concern_follow_up_asked_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concern.id"],
            name=op.f("fk_concern_follow_up_concern_id_concern"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_follow_up")),
    )
    with op.batch_alter_table("concern_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_concern_follow_up_concern_id"), ["concern_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("concern_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_follow_up_concern_id"))
    op.drop_table("concern_follow_up")
