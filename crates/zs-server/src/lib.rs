//! Composition root: open and migrate the store, start the audit writer, build the services,
//! mount the API, the operational endpoints and the portal with the global layers, and serve
//! (plain HTTP or TLS) until shutdown. No business logic lives here.

mod headers;
pub mod keys;
mod logging;
mod search;

use anyhow::Context;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use zs_audit::StoreSink;
use zs_config::{Config, Mode};
use zs_http::AppState;
use zs_identity::{IdentityService, IdentitySettings};
use zs_meta::DynStore;
use zs_types::{Clock, SystemClock};

pub use logging::init_tracing;
pub use search::rebuild as rebuild_search;

/// Open the configured store and apply migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<DynStore> {
    let url = config.database_url();
    let store =
        zs_meta::open(&url).await.with_context(|| format!("opening metadata store {}", zs_meta::redact_url(&url)))?;
    let applied = store.migrate().await.context("applying migrations")?;
    tracing::info!(
        backend = store.backend(),
        applied,
        version = store.schema_version().await.unwrap_or(0),
        "metadata store ready"
    );
    Ok(store)
}

/// Where resource tables live, from the `tables_*` settings (credentials from the environment).
pub fn table_root(config: &Config) -> anyhow::Result<zs_tables::TableRoot> {
    Ok(match config.tables_store.as_str() {
        "s3" => {
            let settings = zs_tables::S3Settings {
                bucket: config.tables_s3_bucket.clone(),
                endpoint: config.tables_s3_endpoint.clone(),
                region: config.tables_s3_region.clone(),
                prefix: config.tables_s3_prefix.clone(),
                allow_http: config.tables_s3_allow_http,
                access_key_id: String::new(),
                secret_access_key: String::new(),
            };
            let root = zs_tables::ObjectRoot::s3(&settings).context("the tables_s3_* settings")?;
            tracing::info!(tables = %root.url(), "resource tables in an S3-compatible bucket");
            let scratch = config.data_dir.join("tmp");
            std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
            zs_tables::TableRoot::Object(root.with_scratch_dir(scratch))
        }
        _ => zs_tables::TableRoot::Local(config.data_dir.join("tables")),
    })
}

/// Build the shared state: audit writer, identity and catalogue services, search index.
/// How often the ledger's checkpoint is signed again when nothing is appended.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// How often data keys made or destroyed by other nodes are loaded.
const KEYS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The node's public host (for key names), else `zhengshu.local`.
fn node_host(config: &Config) -> String {
    let host = config.public_url.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("");
    let host: String = host.chars().filter(|c| !c.is_whitespace() && *c != '+').collect();
    if host.is_empty() {
        "zhengshu.local".into()
    } else {
        host
    }
}

/// The origin (name) of a new node ledger.
fn ledger_origin(config: &Config) -> String {
    format!("{}/ledger", node_host(config))
}

/// Build the shared state: audit writer feeding the node's ledger (`<data>/ledger`, key made on
/// first start), identity and catalogue services, search index.
pub fn state(config: Config, store: DynStore, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let ledger = zs_audit::NodeLedger::open_or_create(&config.data_dir, &ledger_origin(&config))
        .map_err(|e| anyhow::anyhow!("opening the ledger: {}", e.message))?;
    let sink = StoreSink::start_with_ledger(store.clone(), Some(ledger.clone()));
    let settings = IdentitySettings {
        session_ttl: time::Duration::minutes(config.session_ttl_minutes),
        max_failed_logins: config.max_failed_logins,
        lockout_base: time::Duration::seconds(config.lockout_base_seconds),
        demo_mode: config.mode == Mode::Demo,
    };
    let stats_sink = sink.clone();
    // Every record written while a request is handled carries the client's address.
    let audit: Arc<dyn zs_types::AuditSink> = Arc::new(zs_http::client::ClientAddrSink::new(Arc::new(sink)));
    let identity = IdentityService::new(store.clone(), audit.clone(), clock.clone(), settings);
    // An in-memory index, rebuilt from the store by `start` (the store is the truth).
    let search = Arc::new(zs_catalog_search::CatalogIndex::in_memory().context("creating the search index")?);
    let catalog = zs_catalog::CatalogService::new(
        store.clone(),
        audit.clone(),
        clock.clone(),
        Some(Arc::new(search::Adapter(search.clone()))),
    );
    let ingest = zs_ingest::IngestService::new(
        store.clone(),
        identity.clone(),
        catalog.clone(),
        audit.clone(),
        clock.clone(),
        &config.data_dir,
    )
    .with_default_keep_versions(config.keep_versions)
    .with_table_root(table_root(&config)?);
    // Encryption at rest: the keys are loaded from the store by `start` (or `keys::load`).
    let ingest = match keys::keyring(&config)? {
        Some(ring) => ingest.with_keys(zs_ingest::keys::KeyService::new(store.clone(), ring, clock.clone())),
        None => ingest,
    };
    let govern = zs_govern::GovernService::new(
        store.clone(),
        identity.clone(),
        catalog.clone(),
        ingest.clone(),
        audit.clone(),
        clock.clone(),
        &config.data_dir,
    );
    let masking_secret = zs_share::load_or_create_secret(&config.data_dir).context("reading the masking key")?;
    let share = zs_share::ShareService::new(
        store.clone(),
        identity.clone(),
        catalog.clone(),
        ingest.clone(),
        audit.clone(),
        clock.clone(),
        zs_share::ShareSettings {
            review_days: u32::try_from(config.share_review_working_days).unwrap_or(5),
            masking_secret: masking_secret.clone(),
        },
    )
    .with_delivery(zs_share::DeliverySettings {
        data_dir: config.data_dir.clone(),
        webhook: zs_share::WebhookPolicy::default(),
        egress: zs_share::EgressPolicy::new(
            config.egress_allow_loopback,
            &config.egress_denied_networks,
            "egress_denied_networks",
        )
        .map_err(|e| anyhow::anyhow!("{}", e.message))?,
        webhook_key: Some(
            zs_share::load_or_create_webhook_key(&config.data_dir, &format!("{}/webhooks", node_host(&config)))
                .map_err(|e| anyhow::anyhow!("the webhook signing key: {e}"))?,
        ),
    })
    .with_demand_days(u32::try_from(config.share_demand_working_days).unwrap_or(5));
    // Every committed version is checked (governance), then fed to sharing's change feed and
    // subscriptions — both reached through the hand-in hook.
    ingest.set_version_hook(Arc::new(zs_ingest::FanOutHook(vec![
        Arc::new(zs_govern::GovernHook(govern.clone())),
        Arc::new(zs_share::ShareHook(share.clone())),
    ])));
    let trace = zs_trace::TraceService::new(store.clone(), Some(ledger), &masking_secret, audit.clone(), clock.clone());
    let grading = zs_standards::Grading::from_names(&config.classification_categories)
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let anomaly = zs_anomaly::AnomalyService::new(
        store.clone(),
        identity.clone(),
        share.clone(),
        catalog.clone(),
        audit.clone(),
        clock.clone(),
        anomaly_settings(&config),
    );
    let tables = ingest.clone();
    let standards = zs_standards::StandardsService::new(
        store,
        identity.clone(),
        catalog.clone(),
        audit.clone(),
        clock,
        grading,
        Arc::new(move |e: &zs_catalog::Entry| tables.open_table(e)),
    );
    Ok(AppState::new(zs_http::state::Services {
        identity,
        catalog,
        ingest,
        govern,
        share,
        trace,
        standards,
        anomaly,
        search,
        audit,
        config: Arc::new(config),
        metrics: Arc::default(),
        audit_stats: Some(Arc::new(move || {
            use std::sync::atomic::Ordering::Relaxed;
            (stats_sink.stats().events.load(Relaxed), stats_sink.stats().batches.load(Relaxed))
        })),
    }))
}

/// Anomaly detection's thresholds from the `anomaly_*` settings.
pub fn anomaly_settings(config: &Config) -> zs_anomaly::AnomalySettings {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    zs_anomaly::AnomalySettings {
        enabled: config.anomaly_enabled,
        interval: std::time::Duration::from_secs(config.anomaly_interval_seconds.max(1)),
        volume_factor: config.anomaly_volume_factor,
        volume_min_rows: n(config.anomaly_volume_min_rows),
        baseline_days: n(config.anomaly_baseline_days),
        working_minutes: config.working_minutes(),
        off_hours_rows: n(config.anomaly_off_hours_rows),
        enumeration_calls: usize::try_from(config.anomaly_enumeration_calls).unwrap_or(usize::MAX),
        denial_burst: usize::try_from(config.anomaly_denial_burst).unwrap_or(usize::MAX),
        address_min_calls: n(config.anomaly_address_min_calls),
        auto_suspend: config.anomaly_auto_suspend,
    }
}

/// The whole application: API, operational endpoints and portal, with the global layers.
pub fn app(state: AppState) -> Router {
    let limit = usize::try_from(state.config.max_body_bytes).unwrap_or(usize::MAX);
    let hsts = state.config.tls() || state.config.public_url.starts_with("https://");
    let trust_forwarded_for = state.config.trust_forwarded_for;
    Router::new()
        .merge(zs_http::api_router())
        .merge(zs_http::ops_router())
        .merge(zs_portal::router())
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(move |req, next| headers::security_headers(hsts, req, next)))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(headers::panic_response))
        .layer(axum::middleware::from_fn(move |req, next| zs_http::client::middleware(trust_forwarded_for, req, next)))
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), zs_http::metrics::middleware))
        .layer(axum::middleware::from_fn(zs_http::request_id::middleware))
        .with_state(state)
}

/// A running server.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Resolves when the server has stopped.
    pub handle: tokio::task::JoinHandle<anyhow::Result<()>>,
    shutdown: tokio::sync::watch::Sender<bool>,
    ledger: Option<zs_audit::NodeLedger>,
}

impl Running {
    /// Sign the ledger's checkpoint once more (at shutdown, after the last request).
    pub async fn final_checkpoint(&self) {
        if let Some(l) = &self.ledger {
            match l.sign_checkpoint().await {
                Ok(()) => tracing::info!("ledger checkpoint signed"),
                Err(e) => tracing::error!(error = %e, "signing the ledger checkpoint at shutdown failed"),
            }
        }
    }

    /// Ask the server to stop gracefully.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }
}

/// Bind and serve `state` in the background; with TLS configured, serve HTTPS.
pub async fn start(state: AppState) -> anyhow::Result<Running> {
    keys::load(&state).await?;
    search::rebuild(&state).await?;
    // Jobs that were running when the process stopped are queued again or failed with a reason.
    state.ingest.recover().await.map_err(|e| anyhow::anyhow!("recovering jobs: {}", e.message))?;
    // The common standard data elements (数据元) in an empty registry.
    state.standards.ensure_seeded().await.map_err(|e| anyhow::anyhow!("seeding data elements: {}", e.message))?;
    let mut workers: Vec<_> = (0..state.config.ingest_workers.max(1))
        .map(|i| {
            tokio::spawn(
                zs_ingest::Worker::new(state.ingest.clone(), &format!("worker-{}-{i}", std::process::id())).run(),
            )
        })
        .collect();
    // Due pull schedules become jobs (safe on several nodes: one job per schedule and fire time).
    workers.push(tokio::spawn(zs_ingest::Scheduler::new(state.ingest.clone()).run()));
    // Bulk deliveries (queued and scheduled) and webhook notifications, from the store.
    workers.push(tokio::spawn(
        zs_share::ExchangeRunner::new(state.share.clone(), &format!("exchange-{}", std::process::id())).run(),
    ));
    // Keys made, rotated or shredded by other nodes are picked up within KEYS_EVERY.
    if let Some(k) = state.ingest.keys().cloned() {
        workers.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(KEYS_EVERY);
            loop {
                tick.tick().await;
                if let Err(e) = k.refresh().await {
                    tracing::error!(error = %e, "refreshing the data keys failed");
                }
            }
        }));
    }
    // The ledger's checkpoint is signed again periodically, so a quiet log still shows it lives.
    let ledger = state.trace.node_ledger().cloned();
    if let Some(l) = ledger.clone() {
        workers.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = l.sign_checkpoint().await {
                    tracing::error!(error = %e, "signing the ledger checkpoint failed");
                }
            }
        }));
    }
    // Anomaly detection over the audit trail (one node at a time holds its lease).
    if state.anomaly.settings().enabled {
        let runner = zs_anomaly::Runner::new(state.anomaly.clone(), &format!("anomaly-{}", std::process::id()));
        workers.push(tokio::spawn(runner.run()));
    }
    let config = state.config.clone();
    let share = state.share.clone();
    let addr: SocketAddr =
        config.listen.parse().with_context(|| format!("invalid listen address {}", config.listen))?;
    let app = app(state);
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let mut stop_workers = rx.clone();
    tokio::spawn(async move {
        let _ = stop_workers.changed().await;
        // A hand-in cut off here stays `running` and is recovered at the next start.
        workers.iter().for_each(|w| w.abort());
    });
    if config.tls() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&config.tls_cert, &config.tls_key)
            .await
            .with_context(|| {
                format!("loading TLS certificate {} and key {}", config.tls_cert.display(), config.tls_key.display())
            })?;
        let std_listener = std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
        std_listener.set_nonblocking(true)?;
        let bound = std_listener.local_addr()?;
        let handle = axum_server::Handle::new();
        let h2 = handle.clone();
        tokio::spawn(async move {
            let _ = rx.changed().await;
            h2.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        let server = axum_server::from_tcp_rustls(std_listener, tls).handle(handle);
        let join = tokio::spawn(async move {
            let served = server
                .serve(app.into_make_service_with_connect_info::<SocketAddr>())
                .await
                .context("TLS server failed");
            flush_usage(&share).await;
            served
        });
        return Ok(Running { addr: bound, handle: join, shutdown: tx, ledger });
    }
    let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    let join = tokio::spawn(async move {
        let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = rx.changed().await;
            })
            .await
            .context("server failed");
        flush_usage(&share).await;
        served
    });
    Ok(Running { addr: bound, handle: join, shutdown: tx, ledger })
}

/// Write the data API's quota counts still in memory (at shutdown).
async fn flush_usage(share: &zs_share::ShareService) {
    if let Err(e) = share.flush_usage().await {
        tracing::error!(error = %e.message, "writing the data API's quota counts at shutdown failed");
    }
}

/// Serve until Ctrl-C or SIGTERM, then shut down gracefully.
pub async fn serve_until_signal(state: AppState) -> anyhow::Result<()> {
    let mut running = start(state).await?;
    tracing::info!(addr = %running.addr, "listening");
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop();
    let r = (&mut running.handle).await.context("server task")?;
    running.final_checkpoint().await;
    r
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The real clock.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
