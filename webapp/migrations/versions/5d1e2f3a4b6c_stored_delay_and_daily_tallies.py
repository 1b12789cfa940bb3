"""Stored recording delay on timeliness_check, and per-team daily tallies for the team pages

Revision ID: 5d1e2f3a4b6c
Revises: 1e9f9aa40dd4
Create Date: 2026-11-29 09:45:00

Self-contained: nothing here imports the app, so later changes to its models cannot change
what this migration does. `delay_seconds` is backfilled in SQL (whole seconds from event_at
to received_at, rounded down); the tallies are then counted from the rows through table
definitions of this revision, with the delay buckets and the London day as they stood here.
The tests compare the result with the app's own recount from the raw rows.
"""
from bisect import bisect_right
from collections import Counter
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1e2f3a4b6c'
down_revision = '1e9f9aa40dd4'
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")

# Delay buckets: below a minute, then each 5 % wider than the one before, up to 60 years.
# Bucket b holds delays in [BUCKET_STARTS[b], BUCKET_STARTS[b + 1]).
BUCKET_STARTS = [-(2**62), 60]
while BUCKET_STARTS[-1] < 60 * 365 * 86400:
    BUCKET_STARTS.append(max(BUCKET_STARTS[-1] + 1, round(BUCKET_STARTS[-1] * 1.05)))
BUCKET_STARTS.append(2**62)

# SQLite holds instants as naive UTC text "YYYY-MM-DD HH:MM:SS.ffffff": whole seconds from
# strftime('%s') of the text without its fraction (SQLite would round a fraction to
# milliseconds, and .999999 up to the next second), then one second less when the
# microseconds run backwards.
DELAY_SQL = {
    "sqlite": (
        "(CAST(strftime('%s', substr(received_at, 1, 19)) AS INTEGER)"
        " - CAST(strftime('%s', substr(event_at, 1, 19)) AS INTEGER))"
        " + ((CAST(substr(received_at, 21, 6) AS INTEGER) - CAST(substr(event_at, 21, 6) AS INTEGER)"
        " + 1000000) / 1000000) - 1"
    ),
    "postgresql": "CAST(floor(extract(epoch FROM received_at - event_at)) AS INTEGER)",
}

_meta = sa.MetaData()
CHECK = sa.Table(
    'timeliness_check', _meta,
    sa.Column('team_id', sa.Integer), sa.Column('received_at', sa.DateTime(timezone=True)),
    sa.Column('record_type', sa.String(60)), sa.Column('author_id', sa.Integer),
    sa.Column('verdict', sa.String(10)), sa.Column('cause', sa.String(20)),
    sa.Column('delay_seconds', sa.Integer),
)
TALLY_KEY = ('team_id', 'day', 'record_type', 'author_id', 'verdict', 'cause')
DELAY_KEY = ('team_id', 'day', 'bucket')
TALLY = sa.Table('timeliness_tally', _meta, *(sa.Column(name) for name in TALLY_KEY), sa.Column('records'))
DELAYS = sa.Table('delay_tally', _meta, *(sa.Column(name) for name in DELAY_KEY), sa.Column('records'))


def _london_day(received_at):
    """The London date an instant falls on, as date.toordinal(); SQLite gives naive UTC."""
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=ZoneInfo("UTC"))
    return received_at.astimezone(LONDON).date().toordinal()


def _count_tallies(bind):
    """Fill both tallies from every timeliness_check row."""
    tallies, delays = Counter(), Counter()
    rows = bind.execute(sa.select(CHECK).execution_options(yield_per=10_000))
    for team, received_at, record_type, author, verdict, cause, delay in rows:
        day = _london_day(received_at)
        tallies[team, day, record_type, author, verdict, cause or ""] += 1
        delays[team, day, bisect_right(BUCKET_STARTS, delay) - 1] += 1
    for table, key, counts in ((TALLY, TALLY_KEY, tallies), (DELAYS, DELAY_KEY, delays)):
        values = [{**dict(zip(key, group)), 'records': n} for group, n in sorted(counts.items())]
        for start in range(0, len(values), 10_000):
            bind.execute(table.insert(), values[start:start + 10_000])


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('timeliness_check', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delay_seconds', sa.Integer(), nullable=True))
        batch_op.drop_index('ix_timeliness_team_received_covering')
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
    _count_tallies(bind)


def downgrade():
    op.drop_index('ix_delay_tally_covering', table_name='delay_tally')
    op.drop_index('ix_timeliness_tally_covering', table_name='timeliness_tally')
    op.drop_table('delay_tally')
    op.drop_table('timeliness_tally')
    with op.batch_alter_table('timeliness_check', schema=None) as batch_op:
        batch_op.drop_index('ix_timeliness_team_delay_received')
        batch_op.create_index('ix_timeliness_team_received_covering', ['team_id', 'received_at', 'verdict', 'cause', 'record_type', 'author_id', 'event_at'], unique=False)
        batch_op.drop_column('delay_seconds')
