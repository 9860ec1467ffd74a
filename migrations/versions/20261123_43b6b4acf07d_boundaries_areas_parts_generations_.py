"""boundaries: areas, parts, generations, uploads, merges

Revision ID: 43b6b4acf07d
Revises: aaf672e81d7b
Create Date: 2026-11-23 08:03:30.737089

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '43b6b4acf07d'
down_revision = 'aaf672e81d7b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('generations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='draft', nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('layer', sa.String(length=32), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("level IN ('county', 'township', 'village', 'grid')", name=op.f('ck_generations_level_known')),
    sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name=op.f('ck_generations_status_known')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_generations_created_by_users')),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_generations_published_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generations'))
    )
    op.create_index(op.f('ix_generations_county_code'), 'generations', ['county_code'], unique=False)
    op.create_index('uq_generations_number', 'generations', ['number'], unique=True)
    op.create_geospatial_table('areas',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('layer', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=True),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('area_m2', sa.Float(), nullable=True),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('generation_id', sa.Integer(), nullable=False),
    sa.Column('gen_from', sa.Integer(), nullable=True),
    sa.Column('gen_to', sa.Integer(), nullable=True),
    sa.CheckConstraint("level IN ('county', 'township', 'village', 'grid')", name=op.f('ck_areas_level_known')),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], name=op.f('fk_areas_generation_id_generations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas'))
    )
    op.create_index('ix_areas_code', 'areas', ['code', 'gen_from'], unique=False)
    op.create_index(op.f('ix_areas_county_code'), 'areas', ['county_code'], unique=False)
    op.create_index('ix_areas_draft', 'areas', ['generation_id'], unique=False)
    op.create_geospatial_index('ix_areas_geom', 'areas', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_areas_parent', 'areas', ['parent_code', 'level'], unique=False)
    op.create_index('uq_areas_current_code', 'areas', ['layer', 'code'], unique=True, postgresql_where=sa.text('gen_from IS NOT NULL AND gen_to IS NULL'))
    op.create_table('boundary_uploads',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
    sa.Column('progress', sa.Float(), server_default='0', nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('layer', sa.String(length=32), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.Text(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('error', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('generation_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("level IN ('county', 'township', 'village', 'grid')", name=op.f('ck_boundary_uploads_level_known')),
    sa.CheckConstraint("status IN ('queued', 'processing', 'validated', 'invalid', 'failed', 'published')", name=op.f('ck_boundary_uploads_status_known')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_boundary_uploads_created_by_users')),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], name=op.f('fk_boundary_uploads_generation_id_generations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boundary_uploads'))
    )
    op.create_index(op.f('ix_boundary_uploads_county_code'), 'boundary_uploads', ['county_code'], unique=False)
    op.create_table('grid_merges',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('township_codes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('layers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('proposed_layer', sa.String(length=32), nullable=True),
    sa.Column('crosswalk', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('generation_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_grid_merges_created_by_users')),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], name=op.f('fk_grid_merges_generation_id_generations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_merges'))
    )
    op.create_index(op.f('ix_grid_merges_county_code'), 'grid_merges', ['county_code'], unique=False)
    op.create_geospatial_table('area_parts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('area_id', sa.BigInteger(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('layer', sa.String(length=32), nullable=False),
    sa.Column('gen_from', sa.Integer(), nullable=False),
    sa.Column('gen_to', sa.Integer(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_parts_area_id_areas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_parts'))
    )
    op.create_index(op.f('ix_area_parts_area_id'), 'area_parts', ['area_id'], unique=False)
    op.create_geospatial_index('ix_area_parts_geom', 'area_parts', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})


def downgrade():
    op.drop_geospatial_index('ix_area_parts_geom', table_name='area_parts', postgresql_using='gist', column_name='geom')
    op.drop_index(op.f('ix_area_parts_area_id'), table_name='area_parts')
    op.drop_geospatial_table('area_parts')
    op.drop_index(op.f('ix_grid_merges_county_code'), table_name='grid_merges')
    op.drop_table('grid_merges')
    op.drop_index(op.f('ix_boundary_uploads_county_code'), table_name='boundary_uploads')
    op.drop_table('boundary_uploads')
    op.drop_index('uq_areas_current_code', table_name='areas', postgresql_where=sa.text('gen_from IS NOT NULL AND gen_to IS NULL'))
    op.drop_index('ix_areas_parent', table_name='areas')
    op.drop_geospatial_index('ix_areas_geom', table_name='areas', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_areas_draft', table_name='areas')
    op.drop_index(op.f('ix_areas_county_code'), table_name='areas')
    op.drop_index('ix_areas_code', table_name='areas')
    op.drop_geospatial_table('areas')
    op.drop_index('uq_generations_number', table_name='generations')
    op.drop_index(op.f('ix_generations_county_code'), table_name='generations')
    op.drop_table('generations')
