"""email outbox

Revision ID: 0003_outbox
Revises: 0002_incidents
Create Date: 2026-11-21 14:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

import api.db


# revision identifiers, used by Alembic.
revision = "0003_outbox"
down_revision = "0002_incidents"
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
KINDS = (
    'registration_received', 'registration_waiting', 'account_approved', 'account_rejected',
    'sign_in_alert', 'password_reset', 'task_assigned', 'task_completed', 'incident_reported',
    'incident_alert', 'incident_response', 'incident_status', 'daily_reminder', 'summary_report',
)


def upgrade():
    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='emailkind', native_enum=False, length=40), nullable=False),
    sa.Column('dedupe_key', sa.String(length=191), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body_text', LONG_TEXT, nullable=False),
    sa.Column('body_html', LONG_TEXT, nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'dead', name='outboxstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('locked_until', api.db.UTCDateTime(), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('provider_message_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('sent_at', api.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_outbox_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_email_outbox_dedupe_key'))
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_outbox_claim_token'), ['claim_token'], unique=False)
        batch_op.create_index('ix_email_outbox_kind_created_at', ['kind', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_outbox_recipient'), ['recipient'], unique=False)
        batch_op.create_index('ix_email_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_email_outbox_user_id_created_at', ['user_id', 'created_at'], unique=False)


def downgrade():
    # Dropping the table drops its indexes; dropping them one by one first fails on MySQL, where
    # an index can be the one a foreign key needs.
    op.drop_table('email_outbox')
