"""One daily tally per dimension of the team page: by record type, and by practitioner

Revision ID: 7a3c9e2b1d40
Revises: 5d1e2f3a4b6c
Create Date: 2026-11-29 11:10:00

The tally keyed by type, author, verdict and cause together is split into `type_tally`
(type, verdict, cause) and `author_tally` (author, verdict), each filled by summing the old
one in SQL, and the old one is dropped. Self-contained: nothing here imports the app.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3c9e2b1d40'
down_revision = '5d1e2f3a4b6c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('type_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=60), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_type_tally_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_type_tally')),
    sa.UniqueConstraint('team_id', 'day', 'record_type', 'verdict', 'cause', name='uq_type_tally_group')
    )
    op.create_table('author_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_author_tally_author_id_user')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_author_tally_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_author_tally')),
    sa.UniqueConstraint('team_id', 'day', 'author_id', 'verdict', name='uq_author_tally_group')
    )
    op.execute(
        "INSERT INTO type_tally (team_id, day, record_type, verdict, cause, records)"
        " SELECT team_id, day, record_type, verdict, cause, SUM(records) FROM timeliness_tally"
        " GROUP BY team_id, day, record_type, verdict, cause"
    )
    op.execute(
        "INSERT INTO author_tally (team_id, day, author_id, verdict, records)"
        " SELECT team_id, day, author_id, verdict, SUM(records) FROM timeliness_tally"
        " GROUP BY team_id, day, author_id, verdict"
    )
    op.create_index('ix_type_tally_covering', 'type_tally', ['team_id', 'day', 'record_type', 'verdict', 'cause', 'records'], unique=False)
    op.create_index('ix_author_tally_covering', 'author_tally', ['team_id', 'day', 'author_id', 'verdict', 'records'], unique=False)
    op.drop_index('ix_timeliness_tally_covering', table_name='timeliness_tally')
    op.drop_table('timeliness_tally')


def downgrade():
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
    # The full key cannot be rebuilt from the split tallies: the old tally comes back empty,
    # and the app of that revision rebuilds it from the rows with `tallies.recount`.
    op.create_index('ix_timeliness_tally_covering', 'timeliness_tally', ['team_id', 'day', 'record_type', 'author_id', 'verdict', 'cause', 'records'], unique=False)
    op.drop_index('ix_author_tally_covering', table_name='author_tally')
    op.drop_index('ix_type_tally_covering', table_name='type_tally')
    op.drop_table('author_tally')
    op.drop_table('type_tally')
