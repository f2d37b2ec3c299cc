"""the final plan is decided and limits are met when the family is told: section I's
type and address, the family's requested school and meeting, advice gaps,
and exceptions recorded against one limit

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("named_setting_type", _text(60), nullable=True))
        batch_op.add_column(sa.Column("named_setting_email", _text(320), nullable=True))
        batch_op.add_column(sa.Column("requested_school", _text(200), nullable=True))
        batch_op.add_column(sa.Column("meeting_requested_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("meeting_held_on", sa.Date(), nullable=True))
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gap_reason", _text(60), nullable=True))
    with op.batch_alter_table("statutory_exception", schema=None) as batch_op:
        batch_op.add_column(sa.Column("limit_key", _text(80), nullable=True))
        batch_op.add_column(sa.Column("evidence_path", _text(500), nullable=True))
    # An exception recorded before now excused whatever it overlapped; it is kept against
    # the limit it most plausibly concerned (its advice request's, else the final plan's),
    # for a coordinator to review.
    op.execute(
        "UPDATE statutory_exception SET limit_key = COALESCE("
        "(SELECT 'advice:' || advice_request.key FROM advice_request "
        "WHERE advice_request.id = statutory_exception.advice_request_id), 'final_plan')"
    )
    with op.batch_alter_table("statutory_exception", schema=None) as batch_op:
        batch_op.alter_column("limit_key", existing_type=_text(80), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("statutory_exception", schema=None) as batch_op:
        batch_op.drop_column("evidence_path")
        batch_op.drop_column("limit_key")
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.drop_column("gap_reason")
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        for column in (
            "meeting_held_on",
            "meeting_requested_on",
            "requested_school",
            "named_setting_email",
            "named_setting_type",
        ):
            batch_op.drop_column(column)
