"""encrypted columns: free text and answers are stored as Fernet tokens, so they become text

Values already there stay readable as they are; `saferhub keys rotate` encrypts them.

Revision ID: 0009_encrypted_columns
Revises: 0006, 0007, 0008_outbox_attempt
Create Date: 2026-11-29 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_encrypted_columns"
down_revision: tuple[str, ...] | None = ("0006", "0007", "0008_outbox_attempt")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, the type it had)
BECOME_TEXT: tuple[tuple[str, str, sa.String | sa.JSON], ...] = (
    ("concern", "location_text", sa.String(length=300)),
    ("concern", "answers", sa.JSON()),
    ("information_request", "answers", sa.JSON()),
    ("dialog_session", "state", sa.JSON()),
    ("outbox", "payload", sa.JSON()),
)


def upgrade() -> None:
    for table, column, was in BECOME_TEXT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=was,
                type_=sa.Text(),
                existing_nullable=False,
                postgresql_using=f"{column}::text",
            )


def downgrade() -> None:
    for table, column, was in BECOME_TEXT:
        using = f"{column}::json" if isinstance(was, sa.JSON) else f"{column}::varchar"
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.Text(),
                type_=was,
                existing_nullable=False,
                postgresql_using=using,
            )
