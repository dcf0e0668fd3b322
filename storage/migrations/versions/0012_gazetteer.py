"""gazetteer: the area's named places with coordinates; tension areas get a place and a radius

Revision ID: 0012_gazetteer
Revises: 0011_removal
Create Date: 2026-11-29 22:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_gazetteer"
down_revision: str | None = "0011_removal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACE_COLUMNS = ("latitude", "longitude", "radius_m")


def upgrade() -> None:
    op.create_table(
        "gazetteer_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("postcode_district", sa.String(length=4), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gazetteer_entry")),
    )
    with op.batch_alter_table("gazetteer_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gazetteer_entry_key"), ["key"], unique=False)
    with op.batch_alter_table("tension_area", schema=None) as batch_op:
        for column in PLACE_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tension_area", schema=None) as batch_op:
        for column in reversed(PLACE_COLUMNS):
            batch_op.drop_column(column)
    with op.batch_alter_table("gazetteer_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gazetteer_entry_key"))
    op.drop_table("gazetteer_entry")
