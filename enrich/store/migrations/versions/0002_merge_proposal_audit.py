"""merge proposals: version, run, reason, merged CRM ids, result

The scheduled cleanup (``leadscore cleanup``) proposes merges and a reviewer or the cleanup applies
them. Reviewers claim a proposal with optimistic locking (``version``, as ``field_value`` has); each
proposal names the cleanup run that made it, why it was decided as it was, which CRM ids were merged,
and what the merge moved (contacts, activities, field values), so the audit trail is complete.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('merge_proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('merged_crm_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_merge_proposal_run_id_run'), 'run', ['run_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('merge_proposal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_merge_proposal_run_id_run'), type_='foreignkey')
        batch_op.drop_column('result')
        batch_op.drop_column('merged_crm_ids')
        batch_op.drop_column('reason')
        batch_op.drop_column('run_id')
        batch_op.drop_column('version')
