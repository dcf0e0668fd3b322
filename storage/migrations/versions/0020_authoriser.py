"""authoriser: who authorises an information request, and when, where the data owner requires it

Revision ID: 0020_authoriser
Revises: 0019_catalogue
Create Date: 2026-11-30 02:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0020_authoriser"
down_revision: str | None = "0019_catalogue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("information_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "authoriser_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("authorised_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_information_request_authoriser_id"), ["authoriser_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_information_request_authoriser_id_person"),
            "person",
            ["authoriser_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("information_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_information_request_authoriser_id_person"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_information_request_authoriser_id"))
        batch_op.drop_column("authorised_at")
        batch_op.drop_column("authoriser_id")
