"""longer document kinds: a kind may name the advice request or exception it is about,
and an email may carry several documents

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=60),
            type_=sqlmodel.sql.sqltypes.AutoString(length=120),
            existing_nullable=False,
        )
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.alter_column(
            "attach_document",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=60),
            type_=sqlmodel.sql.sqltypes.AutoString(length=250),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.alter_column(
            "attach_document",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=250),
            type_=sqlmodel.sql.sqltypes.AutoString(length=60),
            existing_nullable=True,
        )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=120),
            type_=sqlmodel.sql.sqltypes.AutoString(length=60),
            existing_nullable=False,
        )
