"""Board histograms: members per points value on every board, for O(distinct points) ranks.

Revision ID: 0005
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_point_counts",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("departed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_board_point_counts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "community_id",
            "scope",
            "scope_id",
            "period",
            "period_start",
            "points",
            name=op.f("pk_board_point_counts"),
        ),
    )
    # Existing boards get their histograms from the rows already aggregated.
    op.execute(
        "INSERT INTO board_point_counts (community_id, scope, scope_id, period, period_start, "
        "points, members, departed) "
        "SELECT b.community_id, b.scope, b.scope_id, b.period, b.period_start, b.points, "
        "COUNT(*), SUM(CASE WHEN m.left_at IS NULL THEN 0 ELSE 1 END) "
        "FROM board_totals b JOIN members m ON m.id = b.member_id "
        "GROUP BY b.community_id, b.scope, b.scope_id, b.period, b.period_start, b.points"
    )


def downgrade() -> None:
    op.drop_table("board_point_counts")
