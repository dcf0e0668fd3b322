"""web hub: one-time sign-in links, web sessions, and leavers marked inactive

Revision ID: 0021_web_hub
Revises: 0020_authoriser
Create Date: 2026-11-30 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0021_web_hub"
down_revision: str | None = "0020_authoriser"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _tokens(name: str, *extra: sa.Column[str]) -> None:
    op.create_table(
        name,
        sa.Column("id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", ID, nullable=False),
        *extra,
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f(f"fk_{name}_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{name}_token_hash")),
    )
    op.create_index(op.f(f"ix_{name}_person_id"), name, ["person_id"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False)
        )
    when = storage.types.UTCDateTime(timezone=True)
    _tokens(
        "sign_in_link",
        sa.Column("expires_at", when, nullable=False),
        sa.Column("used_at", when, nullable=True),
    )
    _tokens(
        "web_session",
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("seen_at", when, nullable=False),
        sa.Column("ended_at", when, nullable=True),
    )


def downgrade() -> None:
    for name in ("web_session", "sign_in_link"):
        op.drop_index(op.f(f"ix_{name}_person_id"), table_name=name)
        op.drop_table(name)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("active")
