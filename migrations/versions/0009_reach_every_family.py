"""every family and adviser is reached: the post tray, interpreter and accessibility
needs, the young person's copies, sensory needs for the educational advice, and
existing advice agreed sufficient (Regs 6(4))

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_language", _text(60), nullable=True))
        batch_op.add_column(
            sa.Column("interpreter_needed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("accessibility_needs", _text(1000), nullable=True))
        batch_op.add_column(
            sa.Column("hearing_impairment", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("vision_impairment", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        # The column held the day the coordinator served the draft: the council's act. The
        # day service took effect (the family's 15 days) is now read from the outbox.
        batch_op.alter_column("draft_served_on", new_column_name="draft_issued_on", existing_type=sa.Date())
    with op.batch_alter_table("family_contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("receives_copies", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("existing_advice_source", _text(300), nullable=True))
        batch_op.add_column(sa.Column("existing_advice_agreed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", _text(10), nullable=False, server_default="email"))
        batch_op.add_column(sa.Column("postal_address", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("posted_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        for column in ("posted_on", "postal_address", "channel"):
            batch_op.drop_column(column)
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.drop_column("existing_advice_agreed_on")
        batch_op.drop_column("existing_advice_source")
    with op.batch_alter_table("family_contact", schema=None) as batch_op:
        batch_op.drop_column("receives_copies")
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.alter_column("draft_issued_on", new_column_name="draft_served_on", existing_type=sa.Date())
        for column in (
            "vision_impairment",
            "hearing_impairment",
            "accessibility_needs",
            "interpreter_needed",
            "contact_language",
        ):
            batch_op.drop_column(column)
