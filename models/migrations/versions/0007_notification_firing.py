"""notificationfiring: the alerts a receiver was last told are firing, one row each, instead
of the notificationlog.firing JSON list that every send read and rewrote whole (a burst of
20,000 agencies made it 1.3 MB per digest); the lists move into rows

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    log = sa.table('notificationlog', sa.column('id', sa.Integer), sa.column('firing', sa.JSON))
    lists = {row.id: list(dict.fromkeys(row.firing or [])) for row in bind.execute(sa.select(log.c.id, log.c.firing))}
    # the column goes first: on SQLite the batch rebuilds notificationlog, which it cannot
    # while rows of another table point at it
    with op.batch_alter_table('notificationlog', schema=None) as batch_op:
        batch_op.drop_column('firing')
    op.create_table('notificationfiring',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['log_id'], ['notificationlog.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('log_id', 'fingerprint')
    )
    firing = sa.table('notificationfiring', sa.column('log_id', sa.Integer), sa.column('fingerprint', sa.String))
    rows = [{"log_id": log_id, "fingerprint": fp} for log_id, fps in lists.items() for fp in fps]
    if rows:
        bind.execute(firing.insert(), rows)


def downgrade() -> None:
    bind = op.get_bind()
    firing = sa.table('notificationfiring', sa.column('id', sa.Integer), sa.column('log_id', sa.Integer),
                      sa.column('fingerprint', sa.String))
    lists: dict[int, list[str]] = {}
    for row in bind.execute(sa.select(firing.c.log_id, firing.c.fingerprint).order_by(firing.c.id)):
        lists.setdefault(row.log_id, []).append(row.fingerprint)
    op.drop_table('notificationfiring')  # first, for the same reason as above
    with op.batch_alter_table('notificationlog', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firing', sa.JSON(), nullable=False, server_default='[]'))
    log = sa.table('notificationlog', sa.column('id', sa.Integer), sa.column('firing', sa.JSON))
    for log_id, fingerprints in lists.items():
        bind.execute(log.update().where(log.c.id == log_id).values(firing=fingerprints))
