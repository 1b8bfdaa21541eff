"""field_value.latency_s: how long the LLM call behind a value took

Provenance of a model value names the model, the prompt (name, version, sha256), tokens, cost and
now the call's latency in seconds (the call that produced the answer, also when a later run took it
from the cache). NULL for values that no model produced.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('field_value', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latency_s', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('field_value', schema=None) as batch_op:
        batch_op.drop_column('latency_s')
