"""section J from a record: the personal budget the family asked for (s.49 CFA 2014)
and the council's decision on it and on direct payments

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from ehcp.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "personal_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("amount_per_year", sa.Integer(), nullable=True),
        sa.Column("covers", _text(1000), nullable=True),
        sa.Column("direct_payments_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("direct_payments", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("reasons", _text(2000), nullable=True),
        sa.Column("recorded_by", _text(100), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["ehc_case.id"],
            name=op.f("fk_personal_budget_case_id_ehc_case"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_budget")),
        sa.UniqueConstraint("case_id", name=op.f("uq_personal_budget_case_id")),
    )


def downgrade() -> None:
    op.drop_table("personal_budget")
