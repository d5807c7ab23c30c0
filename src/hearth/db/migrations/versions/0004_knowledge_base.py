"""knowledge base

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 21:58:08.418857
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearth.db.types  # noqa: F401  (autogenerate renders UTCDateTime by path)


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_embedding_cache',
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('model', 'text_sha256', name=op.f('pk_kb_embedding_cache'))
    )
    op.create_table('kb_collections',
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('embedding_model', sa.String(length=200), nullable=False),
    sa.Column('embedding_dimensions', sa.Integer(), nullable=False),
    sa.Column('chunk_target_tokens', sa.Integer(), nullable=False),
    sa.Column('chunk_overlap_tokens', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_kb_collections_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_collections')),
    sa.UniqueConstraint('owner_id', 'name', name='uq_kb_collections_owner_name')
    )
    with op.batch_alter_table('kb_collections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_collections_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_collections_owner_id'), ['owner_id'], unique=False)

    op.create_table('kb_documents',
    sa.Column('collection_id', sa.String(length=36), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('filename', sa.String(length=500), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('detected_type', sa.String(length=20), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('blob_path', sa.String(length=1000), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hearth.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['kb_collections.id'], name=op.f('fk_kb_documents_collection_id_kb_collections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_kb_documents_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_documents'))
    )
    with op.batch_alter_table('kb_documents', schema=None) as batch_op:
        batch_op.create_index('ix_kb_documents_collection_hash', ['collection_id', 'content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_documents_collection_id'), ['collection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_documents_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_documents_owner_id'), ['owner_id'], unique=False)

    op.create_table('kb_chunks',
    sa.Column('document_id', sa.String(length=36), nullable=False),
    sa.Column('collection_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('heading_path', sa.JSON(), nullable=False),
    sa.Column('token_count', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['kb_collections.id'], name=op.f('fk_kb_chunks_collection_id_kb_collections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['kb_documents.id'], name=op.f('fk_kb_chunks_document_id_kb_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_chunks')),
    sa.UniqueConstraint('document_id', 'position', name='uq_kb_chunks_document_position')
    )
    with op.batch_alter_table('kb_chunks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_chunks_collection_id'), ['collection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_chunks_document_id'), ['document_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('kb_chunks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_chunks_document_id'))
        batch_op.drop_index(batch_op.f('ix_kb_chunks_collection_id'))

    op.drop_table('kb_chunks')
    with op.batch_alter_table('kb_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_documents_owner_id'))
        batch_op.drop_index(batch_op.f('ix_kb_documents_created_at'))
        batch_op.drop_index(batch_op.f('ix_kb_documents_collection_id'))
        batch_op.drop_index('ix_kb_documents_collection_hash')

    op.drop_table('kb_documents')
    with op.batch_alter_table('kb_collections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_collections_owner_id'))
        batch_op.drop_index(batch_op.f('ix_kb_collections_created_at'))

    op.drop_table('kb_collections')
    op.drop_table('kb_embedding_cache')
