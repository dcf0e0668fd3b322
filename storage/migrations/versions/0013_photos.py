"""photos: uploaded photos kept in the hub, the original (hashed, for evidence) and a copy
without metadata, both encrypted

Revision ID: 0013_photos
Revises: 0012_gazetteer
Create Date: 2026-11-29 21:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0013_photos"
down_revision: str | None = "0012_gazetteer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("record_reference", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("cleaned", sa.Text(), nullable=False),
        sa.Column("cleaned_mime_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_photo_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["dialog_session.id"],
            name=op.f("fk_photo_session_id_dialog_session"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
    )
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_record_reference"), ["record_reference"])
        batch_op.create_index(batch_op.f("ix_photo_session_id"), ["session_id"])


def downgrade() -> None:
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_session_id"))
        batch_op.drop_index(batch_op.f("ix_photo_record_reference"))
    op.drop_table("photo")
