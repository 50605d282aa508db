//! Test kit: starts a real server on a free port against temp SQLite or PostgreSQL.
