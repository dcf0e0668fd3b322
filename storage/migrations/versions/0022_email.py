"""email: a preferred channel and email digests per person, failing addresses, link requests

Revision ID: 0022_email
Revises: 0021_web_hub
Create Date: 2026-11-30 09:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0022_email"
down_revision: str | None = "0021_web_hub"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preferred_channel", sa.String(length=10), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "digests_by_email", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "email_failing_since", storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "email_failing_reason", sa.String(length=200), server_default="", nullable=False
            )
        )
    op.create_table(
        "link_request",
        sa.Column("id", ID, nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_request")),
    )
    op.create_index(
        op.f("ix_link_request_client_hash"), "link_request", ["client_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_link_request_client_hash"), table_name="link_request")
    op.drop_table("link_request")
    with op.batch_alter_table("person", schema=None) as batch_op:
        for column in (
            "email_failing_reason",
            "email_failing_since",
            "digests_by_email",
            "preferred_channel",
        ):
            batch_op.drop_column(column)
