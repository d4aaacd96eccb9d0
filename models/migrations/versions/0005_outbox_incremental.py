"""The outbox planner reads only what is due: delivery.group_key and delivery.plan_after,
notificationlog.repeat_due_at (each indexed), filled from what the rows already say

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa
import models.tables


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_key', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('plan_after', models.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_delivery_group_key', ['group_key'])
        batch_op.create_index('ix_delivery_plan_after', ['plan_after'])
    with op.batch_alter_table('notificationlog', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_due_at', models.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_notificationlog_repeat_due_at', ['repeat_due_at'])
    bind = op.get_bind()
    delivery = sa.table('delivery', sa.column('id', sa.Integer), sa.column('payload', sa.JSON),
                        sa.column('group_key', sa.String), sa.column('state', sa.String))
    for row in bind.execute(sa.select(delivery.c.id, delivery.c.payload).where(delivery.c.state == 'pending')):
        key = str((row.payload or {}).get('group') or 'default:{}')
        bind.execute(delivery.update().where(delivery.c.id == row.id).values(group_key=key))
    log = sa.table('notificationlog', sa.column('id', sa.Integer), sa.column('firing', sa.JSON),
                   sa.column('last_sent_at', models.tables.UTCDateTime(timezone=True)),
                   sa.column('repeat_interval', sa.Float),
                   sa.column('repeat_due_at', models.tables.UTCDateTime(timezone=True)))
    for row in bind.execute(sa.select(log.c.id, log.c.firing, log.c.last_sent_at, log.c.repeat_interval)):
        if row.firing and row.last_sent_at is not None:
            due = row.last_sent_at + timedelta(seconds=row.repeat_interval)
            bind.execute(log.update().where(log.c.id == row.id).values(repeat_due_at=due))


def downgrade() -> None:
    with op.batch_alter_table('notificationlog', schema=None) as batch_op:
        batch_op.drop_index('ix_notificationlog_repeat_due_at')
        batch_op.drop_column('repeat_due_at')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_plan_after')
        batch_op.drop_index('ix_delivery_group_key')
        batch_op.drop_column('plan_after')
        batch_op.drop_column('group_key')
