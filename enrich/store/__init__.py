"""The store: SQLAlchemy Core tables, Alembic migrations and the queries the rest of leadscore uses."""
