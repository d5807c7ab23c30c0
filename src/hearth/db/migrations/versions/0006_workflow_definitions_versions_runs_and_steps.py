"""workflow definitions, versions, runs and steps

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:51:48.188459
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearth.db.types  # noqa: F401  (autogenerate renders UTCDateTime by path)


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workflow_definitions',
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_workflow_definitions_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_definitions'))
    )
    with op.batch_alter_table('workflow_definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_definitions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_definitions_owner_id'), ['owner_id'], unique=False)

    op.create_table('workflow_definition_versions',
    sa.Column('definition_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['workflow_definitions.id'], name=op.f('fk_workflow_definition_versions_definition_id_workflow_definitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_definition_versions')),
    sa.UniqueConstraint('definition_id', 'version', name='uq_workflow_definition_versions_version')
    )
    with op.batch_alter_table('workflow_definition_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_definition_versions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_definition_versions_definition_id'), ['definition_id'], unique=False)

    op.create_table('workflow_runs',
    sa.Column('definition_id', sa.String(length=36), nullable=False),
    sa.Column('definition_version', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('started_at', hearth.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', hearth.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['workflow_definitions.id'], name=op.f('fk_workflow_runs_definition_id_workflow_definitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_workflow_runs_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_runs'))
    )
    with op.batch_alter_table('workflow_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_runs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_runs_definition_id'), ['definition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_runs_owner_id'), ['owner_id'], unique=False)

    op.create_table('workflow_run_steps',
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('step_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('output', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('started_at', hearth.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', hearth.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['workflow_runs.id'], name=op.f('fk_workflow_run_steps_run_id_workflow_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_run_steps')),
    sa.UniqueConstraint('run_id', 'step_id', name='uq_workflow_run_steps_run_step')
    )
    with op.batch_alter_table('workflow_run_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_run_steps_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workflow_run_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_run_steps_run_id'))

    op.drop_table('workflow_run_steps')
    with op.batch_alter_table('workflow_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_runs_owner_id'))
        batch_op.drop_index(batch_op.f('ix_workflow_runs_definition_id'))
        batch_op.drop_index(batch_op.f('ix_workflow_runs_created_at'))

    op.drop_table('workflow_runs')
    with op.batch_alter_table('workflow_definition_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_definition_versions_definition_id'))
        batch_op.drop_index(batch_op.f('ix_workflow_definition_versions_created_at'))

    op.drop_table('workflow_definition_versions')
    with op.batch_alter_table('workflow_definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_definitions_owner_id'))
        batch_op.drop_index(batch_op.f('ix_workflow_definitions_created_at'))

    op.drop_table('workflow_definitions')
