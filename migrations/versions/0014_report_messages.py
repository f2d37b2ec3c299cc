"""the outbox of the reports to managers (the weekly report): one row per report,
recipient and week, sent once

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from ehcp.db.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "report_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", _text(300), nullable=False),
        sa.Column("report", _text(40), nullable=False),
        sa.Column("period", _text(20), nullable=False),
        sa.Column("recipient_address", _text(320), nullable=False),
        sa.Column("subject", _text(300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("attachment_name", _text(200), nullable=True),
        sa.Column("attachment_media_type", _text(100), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("smtp_message_id", _text(200), nullable=False),
        sa.Column("state", _text(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("queued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_message")),
        sa.UniqueConstraint("key", name=op.f("uq_report_message_key")),
        sa.UniqueConstraint("smtp_message_id", name=op.f("uq_report_message_smtp_message_id")),
    )
    with op.batch_alter_table("report_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_message_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_message_state"))
    op.drop_table("report_message")
