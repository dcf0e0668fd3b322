"""decisions: a decision made after an upheld challenge supersedes the earlier one; fulfilment

Every decision on a request is kept: the newest is the one in force, and `supersedes_id` names the
one it replaced. Marking a request fulfilled records, on the decision in force, what was sent (a
description, never the data), by which route, on which date and by whom. Requests fulfilled
before this revision have no fulfilment record.

Revision ID: 0017_decisions
Revises: 0014_followups
Create Date: 2026-11-30 01:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0017_decisions"
down_revision: str | None = "0014_followups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("request_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supersedes_id", ID, nullable=True))
        batch_op.add_column(
            sa.Column("sent_description", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("sent_route", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("sent_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("fulfilled_by_id", ID, nullable=True))
        batch_op.add_column(
            sa.Column("fulfilled_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_request_decision_supersedes_id_request_decision"),
            "request_decision",
            ["supersedes_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_request_decision_fulfilled_by_id_person"),
            "person",
            ["fulfilled_by_id"],
            ["id"],
        )
    with op.batch_alter_table("request_decision", schema=None) as batch_op:
        batch_op.alter_column("sent_description", existing_type=sa.Text(), server_default=None)
        batch_op.alter_column(
            "sent_route", existing_type=sa.String(length=200), server_default=None
        )


def downgrade() -> None:
    with op.batch_alter_table("request_decision", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_request_decision_fulfilled_by_id_person"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_request_decision_supersedes_id_request_decision"), type_="foreignkey"
        )
        batch_op.drop_column("fulfilled_at")
        batch_op.drop_column("fulfilled_by_id")
        batch_op.drop_column("sent_on")
        batch_op.drop_column("sent_route")
        batch_op.drop_column("sent_description")
        batch_op.drop_column("supersedes_id")
