"""a failing case run is requeued with growing waits and then stopped: the count, the
earliest next requeue, and when the sweep stopped trying

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ehcp.db.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("run_retry_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("run_stopped_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        for column in ("run_stopped_at", "run_retry_at", "run_failures"):
            batch_op.drop_column(column)
