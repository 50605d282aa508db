//! The PostgreSQL store for production and multi-node deployments.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use std::str::FromStr;
use std::time::Duration;

/// PostgreSQL implementation of [`crate::MetaStore`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    sealing: crate::sealing::Sealing,
}

impl PgStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

    /// A write transaction (PostgreSQL's row locks need no special `BEGIN`; the SQLite store's
    /// takes the write lock up front).
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    /// Connect to `url`. With `schema`, every connection uses (and first creates) that schema:
    /// tests use it to run in isolation inside one database.
    pub async fn connect(url: &str, schema: Option<&str>) -> zs_types::Result<Self> {
        let mut opts = PgConnectOptions::from_str(url).map_err(|e| {
            zs_types::Error::invalid("database_url", format!("invalid PostgreSQL URL {}: {e}", crate::redact_url(url)))
        })?;
        if let Some(schema) = schema {
            if !schema.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(zs_types::Error::invalid("schema", "schema names are limited to letters, digits and _"));
            }
            let admin =
                PgPoolOptions::new().max_connections(1).connect_with(opts.clone()).await.map_err(crate::error::map)?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&admin)
                .await
                .map_err(crate::error::map)?;
            admin.close().await;
            // Named after the schema, so a test can see which connections are its own.
            opts = opts.options([("search_path", schema)]).application_name(schema);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(crate::error::map)?;
        Ok(Self { pool, sealing: crate::sealing::Sealing::default() })
    }
}

crate::queries::impl_meta_store!(
    PgStore,
    PgRow,
    "postgres",
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
);

crate::catalog_queries::impl_catalog_store!(PgStore, PgRow);

crate::jobs_queries::impl_job_store!(
    PgStore,
    PgRow,
    "SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $2 ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED"
);

crate::resources_queries::impl_resource_store!(PgStore, PgRow);

crate::standards_queries::impl_standards_store!(PgStore, PgRow);
crate::govern_queries::impl_govern_store!(PgStore, PgRow);
crate::share_queries::impl_share_store!(PgStore, PgRow);
crate::delivery_queries::impl_delivery_store!(PgStore, PgRow);
crate::demand_queries::impl_demand_store!(
    PgStore,
    PgRow,
    "CASE WHEN outcome = 'failed' THEN (detail::jsonb ->> 'code') END",
    "COALESCE((detail::jsonb ->> 'rows')::bigint, 0)"
);
crate::trace_queries::impl_trace_store!(PgStore, PgRow);
crate::alert_queries::impl_alert_store!(PgStore, PgRow, "COALESCE((detail::jsonb ->> 'rows')::bigint, 0)");
crate::keys_queries::impl_key_store!(PgStore, PgRow);
