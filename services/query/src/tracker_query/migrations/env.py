"""Alembic environment: runs on the connection handed over by `tracker_query.migrate`."""

from alembic import context

from tracker_query.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `python -m tracker_query.migrate`.")

context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
