"""the coordinator a case is assigned to (`ehcp assign`)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        # Cases already open have no coordinator until one is assigned: the team inbox hears.
        batch_op.add_column(sa.Column("officer", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.create_index(batch_op.f("ix_ehc_case_officer"), ["officer"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ehc_case_officer"))
        batch_op.drop_column("officer")
