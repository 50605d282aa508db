//! The metadata store: one MetaStore trait with SQLite and PostgreSQL implementations and migrations.
