"""sharing life cycle: the decline reason, the lawful basis relied on and what was withheld

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("request_decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("decline_reason", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("lawful_basis", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("withheld", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("request_decision", schema=None) as batch_op:
        batch_op.drop_column("withheld")
        batch_op.drop_column("lawful_basis")
        batch_op.drop_column("decline_reason")
