"""Stored recording delay on timeliness_check, and per-team daily tallies for the team pages

Revision ID: 5d1e2f3a4b6c
Revises: 1e9f9aa40dd4
Create Date: 2026-11-29 09:45:00

`delay_seconds` is backfilled in SQL, exactly as `webapp.models.delay_seconds` computes it
(whole seconds from event_at to received_at, rounded down); the tallies are then counted from
the rows by `webapp.manager.tallies.recount`, the same code the tests compare them with.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1e2f3a4b6c'
down_revision = '1e9f9aa40dd4'
branch_labels = None
depends_on = None

def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('timeliness_check', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delay_seconds', sa.Integer(), nullable=True))
        batch_op.drop_index('ix_timeliness_team_received_covering')
    from webapp.manager.tallies import DELAY_SQL, recount

    op.execute(f"UPDATE timeliness_check SET delay_seconds = {DELAY_SQL[bind.dialect.name]}")
    with op.batch_alter_table('timeliness_check', schema=None) as batch_op:
        batch_op.create_index('ix_timeliness_team_delay_received', ['team_id', 'delay_seconds', 'received_at'], unique=False)

    op.create_table('timeliness_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=60), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_timeliness_tally_author_id_user')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_timeliness_tally_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timeliness_tally')),
    sa.UniqueConstraint('team_id', 'day', 'record_type', 'author_id', 'verdict', 'cause', name='uq_timeliness_tally_group')
    )
    op.create_table('delay_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_delay_tally_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delay_tally')),
    sa.UniqueConstraint('team_id', 'day', 'bucket', name='uq_delay_tally_group')
    )

    op.create_index('ix_timeliness_tally_covering', 'timeliness_tally', ['team_id', 'day', 'record_type', 'author_id', 'verdict', 'cause', 'records'], unique=False)
    op.create_index('ix_delay_tally_covering', 'delay_tally', ['team_id', 'day', 'bucket', 'records'], unique=False)
    recount(bind)


def downgrade():
    op.drop_index('ix_delay_tally_covering', table_name='delay_tally')
    op.drop_index('ix_timeliness_tally_covering', table_name='timeliness_tally')
    op.drop_table('delay_tally')
    op.drop_table('timeliness_tally')
    with op.batch_alter_table('timeliness_check', schema=None) as batch_op:
        batch_op.drop_index('ix_timeliness_team_delay_received')
        batch_op.create_index('ix_timeliness_team_received_covering', ['team_id', 'received_at', 'verdict', 'cause', 'record_type', 'author_id', 'event_at'], unique=False)
        batch_op.drop_column('delay_seconds')
