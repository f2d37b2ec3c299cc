"""the setting's address from the council's directory (its URN, and whether a
coordinator must confirm it), the coordinator's decision on what of the family's
request advisers are sent (Regs 6(2)), and a date of receipt to confirm

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("setting_urn", _text(7), nullable=True))
        # Cases already open keep writing to the address they were opened with.
        batch_op.add_column(
            sa.Column("setting_address_confirmed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("share_decision", _text(30), nullable=True))
        batch_op.add_column(sa.Column("share_decided_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("received_on_confirmed", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        for column in (
            "received_on_confirmed",
            "share_decided_on",
            "share_decision",
            "setting_address_confirmed",
            "setting_urn",
        ):
            batch_op.drop_column(column)
