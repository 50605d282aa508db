//! Logical access (逻辑接入): a resource served from its source (a department database query or
//! an HTTP API) without copying. Every read goes to the source under the source's timeout and is
//! recorded (ok, latency, rows, message), so the platform knows each source's availability and
//! latency.
//!
//! Filters are equality conditions on the entry's items only, bound as parameters: a filter on
//! anything else is refused, so a caller cannot reach columns or SQL the entry does not describe.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use zs_catalog::Entry;
use zs_identity::policy::{Authorized, ResourceManage, ResourceRead};
use zs_meta::resources::{LiveSource, ProbeStats};
use zs_types::{Error, ErrorCode, Outcome, Result, Role};

use crate::pull::check_http;
use crate::service::IngestService;
use crate::source::{base_select, cell, read_database, read_http, redact_http_url, DbEvent, Dialect, Select};

/// Where a live resource is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LiveSpec {
    /// A department database: a table or a single SELECT.
    Database {
        /// `postgres://…` or `mysql://…`.
        url: String,
        /// A table (`name` or `schema.name`); give this or `query`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<String>,
        /// A single SELECT statement; give this or `table`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        query: Option<String>,
    },
    /// An HTTP JSON API, called with the filters as query parameters.
    Http {
        /// `http://…` or `https://…`.
        url: String,
        /// JSON pointer to the array of records; the whole body by default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        records_path: Option<String>,
        /// Request headers, e.g. an API key.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
    },
}

impl LiveSpec {
    /// Parse and check a spec.
    pub fn parse(spec: &serde_json::Value) -> Result<Self> {
        let s: Self = serde_json::from_value(spec.clone())
            .map_err(|e| Error::invalid("spec", format!("the live source is not valid: {e}")))?;
        match &s {
            Self::Database { url, table, query } => {
                base_select(Dialect::of(url)?, table.as_deref(), query.as_deref())?;
            }
            Self::Http { url, headers, records_path } => {
                check_http(url, headers)?;
                if records_path.as_deref().is_some_and(|p| !p.is_empty() && !p.starts_with('/')) {
                    return Err(Error::invalid("spec.records_path", "give a JSON pointer such as /data/items"));
                }
            }
        }
        Ok(s)
    }

    /// `database` or `http`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Database { .. } => "database",
            Self::Http { .. } => "http",
        }
    }

    /// The spec as shown: no password, no header values, no query values.
    pub fn redacted(&self) -> serde_json::Value {
        let shown = match self.clone() {
            Self::Database { url, table, query } => Self::Database { url: zs_meta::redact_url(&url), table, query },
            Self::Http { url, records_path, headers } => Self::Http {
                url: redact_http_url(&url),
                records_path,
                headers: headers.into_keys().map(|k| (k, "***".to_owned())).collect(),
            },
        };
        serde_json::to_value(shown).unwrap_or_default()
    }
}

/// A live source as shown.
#[derive(Debug, Clone, Serialize)]
pub struct LiveView {
    /// Resource code.
    pub code: String,
    /// database | http.
    pub kind: String,
    /// The source, credentials redacted.
    pub spec: serde_json::Value,
    /// Read timeout (ms).
    pub timeout_ms: i64,
    /// When it was registered (Unix ms).
    pub created_at: i64,
}

impl From<&LiveSource> for LiveView {
    fn from(s: &LiveSource) -> Self {
        let spec = serde_json::from_str::<serde_json::Value>(&s.spec)
            .ok()
            .and_then(|v| LiveSpec::parse(&v).ok())
            .map_or(serde_json::Value::Null, |p| p.redacted());
        Self { code: s.code.clone(), kind: s.kind.clone(), spec, timeout_ms: s.timeout_ms, created_at: s.created_at }
    }
}

/// Availability and latency of a live source since a time.
#[derive(Debug, Clone, Serialize)]
pub struct LiveStatus {
    /// The source.
    pub source: LiveView,
    /// Start of the window (Unix ms).
    pub since: i64,
    /// Reads recorded.
    pub calls: i64,
    /// Reads that failed or timed out.
    pub failures: i64,
    /// Share of reads that succeeded (none without reads).
    pub availability: Option<f64>,
    /// Mean latency (ms).
    pub mean_latency_ms: f64,
    /// Highest latency (ms).
    pub max_latency_ms: i64,
}

/// Shortest and longest read timeout.
const TIMEOUT_RANGE: std::ops::RangeInclusive<i64> = 50..=60_000;
/// Most rows one read returns.
pub const MAX_LIVE_ROWS: i64 = 1000;

type Record = serde_json::Map<String, serde_json::Value>;

impl IngestService {
    /// Register (or replace) the live source of a published resource of the caller's department,
    /// after one successful probe read.
    pub async fn register_live(
        &self,
        pass: &Authorized<ResourceManage>,
        code: &str,
        spec: &serde_json::Value,
        timeout_ms: i64,
    ) -> Result<LiveView> {
        let entry = self.own_published_entry(&pass.principal_arc(), code).await?;
        if !TIMEOUT_RANGE.contains(&timeout_ms) {
            return Err(Error::invalid(
                "timeout_ms",
                format!("give a timeout between {} and {} ms", TIMEOUT_RANGE.start(), TIMEOUT_RANGE.end()),
            ));
        }
        let parsed = LiveSpec::parse(spec)?;
        let stored = serde_json::to_string(&parsed).map_err(|_| Error::internal("encoding the source"))?;
        let source = LiveSource {
            code: entry.code.clone(),
            kind: parsed.kind().into(),
            spec: stored,
            timeout_ms,
            created_by: Some(pass.principal().user.id.0),
            created_at: self.now_ms(),
        };
        // Validate by one read, recorded like any other.
        self.timed_read(&entry, &source, &parsed, &[], 1).await.map_err(|e| {
            Error::invalid("spec", format!("the source could not be read, so it was not registered: {}", e.message))
        })?;
        self.store.put_live_source(&source).await?;
        let view = LiveView::from(&source);
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.manage",
            &entry.code,
            Outcome::Succeeded,
            serde_json::json!({ "op": "register_live", "kind": view.kind, "spec": view.spec, "timeout_ms": timeout_ms }),
        )
        .await?;
        Ok(view)
    }

    /// Remove the live source of a resource of the caller's department.
    pub async fn delete_live(&self, pass: &Authorized<ResourceManage>, code: &str) -> Result<()> {
        let entry = self.own_published_entry(&pass.principal_arc(), code).await?;
        if !self.store.delete_live_source(&entry.code).await? {
            return Err(Error::not_found("live source"));
        }
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.manage",
            &entry.code,
            Outcome::Succeeded,
            serde_json::json!({ "op": "delete_live" }),
        )
        .await
    }

    /// Read a live resource from its source: rows matching every `filter` (item name → value,
    /// compared as text), at most `limit`, keyed by item name. The read is bounded by the source's
    /// timeout and recorded. The caller has decided that the reader may see the data.
    pub async fn read_live(&self, code: &str, filter: &[(String, String)], limit: i64) -> Result<Vec<Record>> {
        let machine = self.identity.machine_operator().await?;
        let read = self.identity.authorize::<zs_identity::policy::CatalogRead>(&machine, Some("live-read")).await?;
        let entry = self.catalog.get_by_code(&read, code).await?;
        self.read_live_entry(&entry, filter, limit).await
    }

    async fn read_live_entry(&self, entry: &Entry, filter: &[(String, String)], limit: i64) -> Result<Vec<Record>> {
        let source = self
            .store
            .live_source(&entry.code)
            .await?
            .ok_or_else(|| Error::not_found("live source of this resource"))?;
        if !(1..=MAX_LIVE_ROWS).contains(&limit) {
            return Err(Error::invalid("limit", format!("give a limit between 1 and {MAX_LIVE_ROWS}")));
        }
        let mut checked = Vec::with_capacity(filter.len());
        for (k, v) in filter {
            let item = entry.body.items.iter().find(|i| i.name.eq_ignore_ascii_case(k)).ok_or_else(|| {
                let names: Vec<&str> = entry.body.items.iter().map(|i| i.name.as_str()).collect();
                Error::invalid(
                    "filter",
                    format!("'{k}' is not an item of {}; filter on: {}", entry.code, names.join(", ")),
                )
            })?;
            checked.push((item.name.clone(), v.clone()));
        }
        let spec: serde_json::Value = serde_json::from_str(&source.spec)
            .map_err(|_| Error::internal("the live source's parameters cannot be read"))?;
        let spec = LiveSpec::parse(&spec)?;
        self.timed_read(entry, &source, &spec, &checked, limit).await
    }

    /// A live read by a steward of the providing department (until the data API decides who may
    /// read what).
    pub async fn read_live_as(
        &self,
        pass: &Authorized<zs_identity::policy::ResourcePreview>,
        code: &str,
        filter: &[(String, String)],
        limit: i64,
    ) -> Result<Vec<Record>> {
        let read = self
            .identity
            .authorize::<zs_identity::policy::CatalogRead>(&pass.principal_arc(), pass.request_id())
            .await?;
        let entry = self.catalog.get_by_code(&read, code).await?;
        let p = pass.principal();
        if entry.org_id != p.org.id.0 || p.role() != Role::Steward {
            return Err(Error::forbidden(format!(
                "live data of {} is read by stewards of {} for now; other readers use the data API",
                entry.code, entry.provider
            )));
        }
        let rows = self.read_live_entry(&entry, filter, limit).await?;
        // A read of data: who, which resource, which filter items and how many rows (no values).
        let items: Vec<&str> = filter.iter().map(|(k, _)| k.as_str()).collect();
        self.record(
            p,
            pass.request_id(),
            "resource.preview",
            &entry.code,
            zs_types::Outcome::Succeeded,
            serde_json::json!({ "live": true, "filter_items": items, "rows": rows.len() }),
        )
        .await?;
        Ok(rows)
    }

    /// Availability and latency of a live source since `since` (Unix ms).
    pub async fn live_status(&self, code: &str, since: i64) -> Result<ProbeStats> {
        self.store.probe_stats(code, since).await
    }

    /// The live source of a visible resource with its availability and latency since `since`.
    pub async fn live_status_as(&self, pass: &Authorized<ResourceRead>, code: &str, since: i64) -> Result<LiveStatus> {
        // Visibility of the resource decides visibility of its source.
        self.schedules(pass, code).await?;
        let source =
            self.store.live_source(code).await?.ok_or_else(|| Error::not_found("live source of this resource"))?;
        let s = self.live_status(code, since).await?;
        Ok(LiveStatus {
            source: LiveView::from(&source),
            since,
            calls: s.calls,
            failures: s.failures,
            availability: (s.calls > 0).then(|| (s.calls - s.failures) as f64 / s.calls as f64),
            mean_latency_ms: s.mean_latency_ms,
            max_latency_ms: s.max_latency_ms,
        })
    }

    /// One read under the timeout, recorded as a probe.
    async fn timed_read(
        &self,
        entry: &Entry,
        source: &LiveSource,
        spec: &LiveSpec,
        filter: &[(String, String)],
        limit: i64,
    ) -> Result<Vec<Record>> {
        let ms = u64::try_from(source.timeout_ms).unwrap_or(1000);
        let started = Instant::now();
        let result =
            match tokio::time::timeout(Duration::from_millis(ms), read_source(entry, spec, filter, limit, ms)).await {
                Ok(r) => r,
                Err(_) => Err(Error::new(
                    ErrorCode::StoreUnavailable,
                    format!("the live source of {} did not answer within {ms} ms", entry.code),
                )),
            };
        let latency = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (ok, rows, msg) = match &result {
            Ok(r) => (true, r.len() as i64, None),
            Err(e) => (false, 0, Some(e.message.as_str())),
        };
        if let Err(e) = self.store.record_probe(&entry.code, self.now_ms(), ok, latency, rows, msg).await {
            tracing::error!(error = %e.message, resource = %entry.code, "recording a live read");
        }
        if let Err(e) = &result {
            tracing::warn!(resource = %entry.code, latency, error = %e.message, "live read failed");
        }
        result
    }
}

/// Read from the source (no timeout here; the caller bounds it).
async fn read_source(
    entry: &Entry,
    spec: &LiveSpec,
    filter: &[(String, String)],
    limit: i64,
    timeout_ms: u64,
) -> Result<Vec<Record>> {
    let items: Vec<String> = entry.body.items.iter().map(|i| i.name.clone()).collect();
    match spec {
        LiveSpec::Database { url, table, query } => {
            let base = base_select(Dialect::of(url)?, table.as_deref(), query.as_deref())?;
            let sel =
                Select { columns: Some(items), filters: filter.to_vec(), limit: Some(limit), ..Select::default() };
            let mut header: Vec<String> = Vec::new();
            let mut out = Vec::new();
            read_database(url, &base, &sel, &mut |ev| {
                match ev {
                    DbEvent::Header(h) => header = h.to_vec(),
                    DbEvent::Row(values) => out.push(
                        header
                            .iter()
                            .zip(values)
                            .map(|(k, v)| (k.clone(), v.map_or(serde_json::Value::Null, serde_json::Value::String)))
                            .collect(),
                    ),
                }
                Ok(())
            })
            .await?;
            Ok(out)
        }
        LiveSpec::Http { url, records_path, headers } => {
            // The HTTP client's own timeout is a backstop; the caller's timeout decides.
            let backstop = Duration::from_millis(timeout_ms.saturating_add(1000));
            let records = read_http(url, headers, records_path.as_deref(), filter, backstop).await?;
            let item_of = |k: &str| {
                entry.body.items.iter().find(|i| i.name.eq_ignore_ascii_case(k) || i.label == k).map(|i| i.name.clone())
            };
            let mut out = Vec::new();
            for r in records {
                let rec: Record = r
                    .iter()
                    .filter_map(|(k, v)| item_of(k).map(|n| (n, serde_json::Value::String(cell(v)))))
                    .map(|(k, v)| {
                        if v == serde_json::Value::String(String::new()) {
                            (k, serde_json::Value::Null)
                        } else {
                            (k, v)
                        }
                    })
                    .collect();
                let matches = filter.iter().all(|(k, want)| rec.get(k).and_then(|v| v.as_str()) == Some(want.as_str()));
                if matches {
                    out.push(rec);
                    if out.len() as i64 >= limit {
                        break;
                    }
                }
            }
            Ok(out)
        }
    }
}
