"""agencyyear.numbers_pending: published, but a found document is still being processed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agencyyear', schema=None) as batch_op:
        # existing rows were evaluated on parsed reports only: nothing pending to say
        batch_op.add_column(sa.Column('numbers_pending', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('agencyyear', schema=None) as batch_op:
        batch_op.drop_column('numbers_pending')
