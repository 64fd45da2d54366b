"""The device's local store: one SQLite database (sqlmodel, WAL) holding the
event outbox, the transaction journal, caches and the audit trail, with
Alembic migrations for in-place upgrades."""
