"""Alembic environment: runs on the connection handed over by `tracker_notify.migrate`, with
its version table in the schema `notify`."""

from alembic import context
from sqlalchemy import text

from tracker_notify.models import SCHEMA, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `python -m tracker_notify.migrate`.")

connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
context.configure(
    connection=connection,
    target_metadata=metadata,
    compare_type=True,
    include_schemas=True,
    version_table_schema=SCHEMA,
)
with context.begin_transaction():
    context.run_migrations()
