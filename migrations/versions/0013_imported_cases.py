"""cases imported from a council's previous system (`ehcp import`)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        # The previous system's reference: unique, so a second import of a file skips it.
        batch_op.add_column(
            sa.Column("imported_ref", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.add_column(
            sa.Column("imported_week20_exception", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("imported_exception_ground", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_ehc_case_imported_ref"), ["imported_ref"])


def downgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_ehc_case_imported_ref"), type_="unique")
        batch_op.drop_column("imported_exception_ground")
        batch_op.drop_column("imported_week20_exception")
        batch_op.drop_column("imported_ref")
