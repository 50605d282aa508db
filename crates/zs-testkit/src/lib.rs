//! Test kit: starts a real zhengshu server on a free port, backed by a temporary SQLite file or by
//! PostgreSQL (`ZS_TEST_PG_URL`, one fresh schema per server), with an injected clock.
//!
//! Tests that need PostgreSQL or Chromium fail when `CI=true` and the dependency is missing, and
//! are reported as not run otherwise; they never pass silently.
#![allow(clippy::print_stderr)]

use anyhow::Context;
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use zs_config::{Config, Mode};
use zs_http::AppState;
use zs_identity::seed::DemoLogin;
use zs_meta::{DynStore, PgStore, SqliteStore};
use zs_types::{Clock, ManualClock};

/// Which metadata store a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Temporary SQLite file.
    Sqlite,
    /// PostgreSQL from `ZS_TEST_PG_URL`.
    Postgres,
}

/// Whether tests run in CI, where missing PostgreSQL or Chromium is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The PostgreSQL URL for tests, or `None` (and a note) when not configured outside CI.
pub fn pg_url(test: &str) -> Option<String> {
    match std::env::var("ZS_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(!in_ci(), "CI=true but ZS_TEST_PG_URL is not set: {test} must run against PostgreSQL");
            eprintln!("note: ZS_TEST_PG_URL not set; PostgreSQL half of {test} NOT RUN");
            None
        }
    }
}

static SERVERS: AtomicU32 = AtomicU32::new(0);

/// A running server for one test.
pub struct TestServer {
    /// Base URL, e.g. `http://127.0.0.1:43121`.
    pub url: String,
    /// The server's state (services, config).
    pub state: AppState,
    /// The injected clock; advance it to test expiry and lockouts.
    pub clock: Arc<ManualClock>,
    /// The store.
    pub store: DynStore,
    running: zs_server::Running,
    pg_schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.running.stop();
        // Break the one cycle between services (ingest → hook → governance/sharing → ingest),
        // so that when the test's runtime ends nothing holds the store and its pool closes.
        self.state.ingest.clear_version_hook();
    }
}

/// The store of one test server, and its PostgreSQL schema.
async fn open_store(
    backend: Backend,
    dir: &std::path::Path,
    test: &str,
) -> anyhow::Result<Option<(DynStore, Option<String>)>> {
    let (store, schema): (DynStore, _) = match backend {
        Backend::Sqlite => (Arc::new(SqliteStore::open(&dir.join("meta.db")).await?), None),
        Backend::Postgres => {
            let Some(url) = pg_url(test) else { return Ok(None) };
            let n = SERVERS.fetch_add(1, Ordering::SeqCst);
            let schema = format!("zs_it_{}_{n}", std::process::id());
            drop_stale_schemas(&url).await?;
            (Arc::new(PgStore::connect(&url, Some(&schema)).await?), Some(schema))
        }
    };
    store.migrate().await?;
    Ok(Some((store, schema)))
}

/// Remove schemas left by earlier test processes that are no longer running.
async fn drop_stale_schemas(url: &str) -> anyhow::Result<()> {
    static DONE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    DONE.get_or_try_init(|| async {
        let pool = sqlx::PgPool::connect(url).await?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'zs\\_it\\_%' OR nspname LIKE 'conf\\_%'",
        )
        .fetch_all(&pool)
        .await?;
        for name in names {
            let pid = name
                .rsplit('_')
                .nth(if name.starts_with("zs_it_") { 1 } else { 0 })
                .and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
            if !alive {
                let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).execute(&pool).await;
            }
        }
        pool.close().await;
        Ok::<(), anyhow::Error>(())
    })
    .await?;
    Ok(())
}

impl TestServer {
    /// Start a server in the given mode; `None` if the backend is not available outside CI.
    pub async fn start_with(backend: Backend, test: &str, configure: impl FnOnce(&mut Config)) -> Option<TestServer> {
        match Self::try_start(backend, test, configure).await {
            Ok(s) => s,
            Err(e) => panic!("test server for {test} failed to start: {e:#}"),
        }
    }

    /// Start a demo-mode server (generated passwords need no change).
    pub async fn start(backend: Backend, test: &str) -> Option<TestServer> {
        Self::start_with(backend, test, |_| {}).await
    }

    async fn try_start(
        backend: Backend,
        test: &str,
        configure: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Option<TestServer>> {
        let dir = tempfile::tempdir()?;
        let Some((store, pg_schema)) = open_store(backend, dir.path(), test).await? else { return Ok(None) };
        let mut config = Config {
            mode: Mode::Demo,
            listen: "127.0.0.1:0".into(),
            data_dir: dir.path().to_owned(),
            // Webhook receivers and consumer databases of the tests run on this host.
            egress_allow_loopback: true,
            ..Config::default()
        };
        configure(&mut config);
        if config.mode == Mode::Production && config.encryption && config.master_key_file.as_os_str().is_empty() {
            // Production never makes a master key by itself: the operator's step, done here.
            let file = dir.path().join("keys").join("master.key");
            zs_crypto::LocalMasterKeys::create_file(&file).map_err(|e| anyhow::anyhow!("{e}"))?;
            config.master_key_file = file;
        }
        let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
        let state = zs_server::state(config, store.clone(), clock.clone())?;
        let running = zs_server::start(state.clone()).await?;
        let url = format!("http://{}", running.addr);
        Ok(Some(TestServer { url, state, clock, store, running, pg_schema, _dir: dir }))
    }

    /// The PostgreSQL schema of the server's store (also its connections' `application_name`).
    pub fn pg_schema(&self) -> Option<&str> {
        self.pg_schema.as_deref()
    }

    /// Seed the demo city; returns the demo logins.
    pub async fn seed_demo(&self) -> Vec<DemoLogin> {
        match zs_identity::seed::demo_city(&self.state.identity, &|_| {}).await {
            Ok(l) => l,
            Err(e) => panic!("seeding failed: {e}"),
        }
    }

    /// Seed the demo city and its catalogue; returns the demo logins.
    pub async fn seed_demo_catalogue(&self) -> Vec<DemoLogin> {
        let logins = self.seed_demo().await;
        if let Err(e) = zs_catalog::seed::demo_catalogue(&self.state.catalog, &self.state.identity, &|_| {}).await {
            panic!("seeding the catalogue failed: {e}");
        }
        if let Err(e) = zs_server::rebuild_search(&self.state).await {
            panic!("rebuilding the search index failed: {e:#}");
        }
        logins
    }

    /// The password of a demo login by user name.
    pub fn password_of<'a>(logins: &'a [DemoLogin], user: &str) -> &'a str {
        logins.iter().find(|l| l.username == user).map(|l| l.password.as_str()).unwrap_or("")
    }

    /// A client that does not follow redirects and keeps no cookies.
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default()
    }

    /// Log in through the API; returns the bearer token.
    pub async fn login(&self, user: &str, password: &str) -> anyhow::Result<String> {
        let r =
            self.post("/api/v1/auth/login", None, &serde_json::json!({"username": user, "password": password})).await?;
        anyhow::ensure!(r.0 == 200, "login of {user} failed: {} {}", r.0, r.1);
        r.1["token"].as_str().map(str::to_owned).context("no token")
    }

    /// GET a path; returns (status, JSON body or Null).
    pub async fn get(&self, path: &str, token: Option<&str>) -> anyhow::Result<(u16, Value)> {
        let mut req = Self::client().get(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        Ok((resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null)))
    }

    /// POST JSON; returns (status, JSON body or Null).
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> anyhow::Result<(u16, Value)> {
        let mut req = Self::client().post(format!("{}{path}", self.url)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        Ok((resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null)))
    }

    /// PUT JSON; returns (status, JSON body or Null).
    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> anyhow::Result<(u16, Value)> {
        let mut req = Self::client().put(format!("{}{path}", self.url)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        Ok((resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null)))
    }

    /// DELETE; returns (status, JSON body or Null).
    pub async fn delete(&self, path: &str, token: Option<&str>) -> anyhow::Result<(u16, Value)> {
        let mut req = Self::client().delete(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        Ok((resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null)))
    }

    /// Start a server whose clock stands at `at`.
    pub async fn start_at(backend: Backend, test: &str, at: time::OffsetDateTime) -> Option<TestServer> {
        let srv = Self::start(backend, test).await?;
        let now = srv.clock.now();
        srv.clock.advance(at - now);
        Some(srv)
    }

    /// POST raw bytes with a content type; returns (status, JSON body or Null).
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = Self::client().post(format!("{}{path}", self.url)).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        Ok((resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null)))
    }
}

/// Instantiate async test functions `fn(Backend)` once per backend, as modules `sqlite` and
/// `postgres` inside a module named after each function.
#[macro_export]
macro_rules! on_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() { super::$name($crate::Backend::Sqlite).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() { super::$name($crate::Backend::Postgres).await }
            }
        )+
    };
}
