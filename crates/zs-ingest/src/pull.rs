//! Scheduled pulls (定时抽取): from a department's PostgreSQL or MySQL database (a table or a
//! query, full or incremental by a watermark column) and from an HTTP JSON API.
//!
//! Rows are streamed from the source into a temporary CSV under `<data>/uploads` (every value as
//! text) and handed in through [`IngestService::run_hand_in`] with channel `pull.database` or
//! `pull.http`, so row checks, rejected rows, the hand-in record and the audit event apply as for
//! any other channel. Identifiers are quoted, values (the watermark, filters) are bound as
//! parameters, and the source is read in a read-only transaction. Connection passwords are never
//! logged or shown: messages name the source by its redacted URL.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zs_catalog::Entry;
use zs_identity::policy::DataIngest;
use zs_meta::jobs::JobRow;
use zs_meta::redact_url;
use zs_meta::resources::Schedule;
use zs_types::{Error, Result, UserId};

use crate::handin::{HandInRequest, Mode};
use crate::schedule::retryable;
use crate::service::IngestService;
use crate::source::{
    base_select, cell, read_database, read_http, redact_http_url, source_error, DbEvent, Dialect, Select,
};

/// Full (全量: the rows replace the current version) or incremental (增量: upsert by key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PullMode {
    /// Replace the whole content.
    #[default]
    Full,
    /// Upsert by key; database pulls read only rows above the last watermark.
    Incremental,
}

impl PullMode {
    fn hand_in_mode(self) -> Mode {
        match self {
            Self::Full => Mode::Replace,
            Self::Incremental => Mode::Upsert,
        }
    }
}

/// A pull from a department database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabasePull {
    /// `postgres://user:password@host:port/db` or `mysql://…`.
    pub url: String,
    /// A table (`name` or `schema.name`); give this or `query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// A single SELECT statement; give this or `table`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// full (default) or incremental.
    #[serde(default)]
    pub mode: PullMode,
    /// Incremental pulls: the column whose value only grows (e.g. an update time or id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark_column: Option<String>,
}

/// A pull from an HTTP JSON API (GET).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpPull {
    /// `http://…` or `https://…`.
    pub url: String,
    /// JSON pointer to the array of records, e.g. `/data/items`; the whole body by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_path: Option<String>,
    /// Request headers, e.g. an API key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// full (default) or incremental (upsert by key).
    #[serde(default)]
    pub mode: PullMode,
}

/// What a schedule pulls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullSpec {
    /// `pull.database`.
    Database(DatabasePull),
    /// `pull.http`.
    Http(HttpPull),
    /// `materialise`: rebuild a theme library from its sources (no parameters: the target
    /// entry's name selects the definition).
    Materialise,
}

/// How a failed pull continues.
#[derive(Debug)]
pub(crate) struct PullFailure {
    pub(crate) error: Error,
    /// Whether a later attempt may succeed (the source was down), or not (bad parameters).
    pub(crate) retry: bool,
}

impl From<Error> for PullFailure {
    fn from(error: Error) -> Self {
        let retry = retryable(&error);
        Self { error, retry }
    }
}

fn io_error(e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "writing a pulled file");
    Error::internal("the pulled rows could not be saved")
}

impl PullSpec {
    /// Parse the spec of a schedule of `kind` (`pull.database` or `pull.http`) and check it.
    pub fn parse(kind: &str, spec: &serde_json::Value) -> Result<Self> {
        let bad = |e: serde_json::Error| Error::invalid("spec", format!("the {kind} parameters are not valid: {e}"));
        let p = match kind {
            "pull.database" => Self::Database(serde_json::from_value(spec.clone()).map_err(bad)?),
            "pull.http" => Self::Http(serde_json::from_value(spec.clone()).map_err(bad)?),
            "materialise" => Self::Materialise,
            other => {
                return Err(Error::invalid(
                    "kind",
                    format!("unknown schedule kind '{other}': use pull.database, pull.http or materialise"),
                ))
            }
        };
        p.check()?;
        Ok(p)
    }

    fn check(&self) -> Result<()> {
        match self {
            Self::Database(d) => {
                let dialect = Dialect::of(&d.url)?;
                base_select(dialect, d.table.as_deref(), d.query.as_deref())?;
                match (d.mode, &d.watermark_column) {
                    (PullMode::Incremental, None) => Err(Error::invalid(
                        "spec.watermark_column",
                        "an incremental pull needs the column whose value only grows (e.g. updated_at)",
                    )),
                    (_, Some(c)) => dialect.quote(c, "spec.watermark_column").map(|_| ()),
                    _ => Ok(()),
                }
            }
            Self::Http(h) => {
                check_http(&h.url, &h.headers)?;
                if let Some(p) = &h.records_path {
                    if !p.is_empty() && !p.starts_with('/') {
                        return Err(Error::invalid("spec.records_path", "give a JSON pointer such as /data/items"));
                    }
                }
                Ok(())
            }
            Self::Materialise => Ok(()),
        }
    }

    /// Check the spec against the target entry: incremental pulls upsert by the entry's key.
    pub(crate) fn check_against(&self, entry: &Entry) -> Result<()> {
        let mode = match self {
            Self::Database(d) => d.mode,
            Self::Http(h) => h.mode,
            Self::Materialise => {
                return match crate::theme::theme_library(&entry.body.name) {
                    Some(_) => Ok(()),
                    None => Err(Error::invalid(
                        "kind",
                        format!(
                            "{} ({}) is not a theme library defined over other resources",
                            entry.code, entry.body.name
                        ),
                    )),
                }
            }
        };
        if mode == PullMode::Incremental && !entry.body.items.iter().any(|i| i.key) {
            return Err(Error::invalid(
                "spec.mode",
                format!("{} has no key item, so an incremental pull cannot upsert; use mode full", entry.code),
            ));
        }
        Ok(())
    }

    /// `pull.database` or `pull.http`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Database(_) => "pull.database",
            Self::Http(_) => "pull.http",
            Self::Materialise => "materialise",
        }
    }

    /// The spec as stored.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Database(d) => serde_json::to_value(d),
            Self::Http(h) => serde_json::to_value(h),
            Self::Materialise => Ok(serde_json::json!({})),
        }
        .unwrap_or_default()
    }

    /// The spec as shown: no password, no header values, no query values.
    pub fn redacted(&self) -> serde_json::Value {
        match self {
            Self::Database(d) => {
                serde_json::to_value(DatabasePull { url: redact_url(&d.url), ..d.clone() }).unwrap_or_default()
            }
            Self::Http(h) => serde_json::to_value(HttpPull {
                url: redact_http_url(&h.url),
                headers: h.headers.keys().map(|k| (k.clone(), "***".to_owned())).collect(),
                ..h.clone()
            })
            .unwrap_or_default(),
            Self::Materialise => serde_json::json!({}),
        }
    }
}

/// Check an HTTP source's URL and headers.
pub(crate) fn check_http(url: &str, headers: &BTreeMap<String, String>) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.len() < 10 {
        return Err(Error::invalid(
            "spec.url",
            format!("'{}' is not an http:// or https:// URL", redact_http_url(url)),
        ));
    }
    for (k, v) in headers {
        reqwest::header::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| Error::invalid("spec.headers", format!("'{k}' is not a valid header name")))?;
        reqwest::header::HeaderValue::from_str(v)
            .map_err(|_| Error::invalid("spec.headers", format!("the value of header '{k}' is not valid")))?;
    }
    Ok(())
}

/// Rows pulled into a file.
struct Pulled {
    rows: u64,
    watermark: Option<String>,
}

impl IngestService {
    /// Run one pull of a schedule as its creator; returns the result message and, for incremental
    /// database pulls, the new watermark.
    pub(crate) async fn run_pull(
        &self,
        sched: &Schedule,
        job: &JobRow,
    ) -> std::result::Result<(String, Option<String>), PullFailure> {
        let actor = sched.created_by.ok_or_else(|| Error::forbidden("the schedule has no creator to act for"))?;
        let user =
            self.store.get_user(UserId(actor)).await?.ok_or_else(|| Error::not_found("the schedule's creator"))?;
        if user.disabled {
            return Err(Error::forbidden(format!("{}, who created the schedule, is disabled", user.username)).into());
        }
        let who = self.identity.principal_of(user).await?;
        // Decide again at run time: the creator may have lost the role since.
        let pass = self.identity.authorize::<DataIngest>(&who, None).await?;
        let entry = self.own_published_entry(&pass.principal_arc(), &sched.code).await?;
        let spec: serde_json::Value = serde_json::from_str(&sched.spec)
            .map_err(|_| Error::invalid("spec", "the schedule's parameters cannot be read"))?;
        let spec = PullSpec::parse(&sched.kind, &spec)?;
        spec.check_against(&entry)?;
        if spec == PullSpec::Materialise {
            let h = self.materialise(&pass, &entry.code, Some(job.id)).await?;
            return Ok((format!("version {}: {}", h.version.unwrap_or(0), h.message.unwrap_or_default()), None));
        }
        let file = self.uploads_dir(&entry.code).join(format!("pull-{}.csv", uuid::Uuid::now_v7()));
        let items: Vec<(String, String)> = entry.body.items.iter().map(|i| (i.name.clone(), i.label.clone())).collect();
        let key = self.file_key(&entry.code).await?;
        let pulled = self.pull_to_file(&spec, sched.watermark.as_deref(), &items, &file, &key).await;
        let pulled = match pulled {
            Ok(p) => p,
            Err(e) => {
                let _ = std::fs::remove_file(&file);
                return Err(e.into());
            }
        };
        let (mode, channel) = match &spec {
            PullSpec::Database(d) => (d.mode, "pull.database"),
            PullSpec::Http(h) => (h.mode, "pull.http"),
            PullSpec::Materialise => return Err(Error::internal("a materialisation has no file to pull").into()),
        };
        if pulled.rows == 0 && mode == PullMode::Incremental {
            let _ = std::fs::remove_file(&file);
            let since = sched.watermark.as_deref().map(|w| format!(" since {w}")).unwrap_or_default();
            return Ok((format!("no new rows{since}; nothing handed in"), None));
        }
        let req = HandInRequest {
            code: entry.code.clone(),
            mode: mode.hand_in_mode(),
            file: file.clone(),
            file_name: "pull.csv".into(),
            encoding: Some("utf-8".into()),
            channel: channel.into(),
            max_error_rate: None,
            mapping: None,
            remove_file: true,
        };
        let h = self.run_hand_in(&pass.principal_arc(), None, &req, Some(job.id), Arc::new(AtomicU64::new(0))).await?;
        match h.outcome.as_str() {
            "committed" => {
                Ok((format!("version {}: {}", h.version.unwrap_or(0), h.message.unwrap_or_default()), pulled.watermark))
            }
            _ => Err(PullFailure {
                error: Error::invalid("rows", h.message.unwrap_or_else(|| "the pulled rows were rejected".into())),
                retry: false,
            }),
        }
    }

    /// Stream the source's rows into a CSV file, encrypted under `key`.
    async fn pull_to_file(
        &self,
        spec: &PullSpec,
        watermark: Option<&str>,
        items: &[(String, String)],
        file: &Path,
        key: &crate::files::FileKey,
    ) -> Result<Pulled> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(io_error)?;
        }
        let mut w = csv::Writer::from_writer(key.create(file).map_err(io_error)?);
        let mut pulled = Pulled { rows: 0, watermark: None };
        match spec {
            PullSpec::Materialise => return Err(Error::internal("a materialisation has no rows to pull")),
            PullSpec::Database(d) => {
                let dialect = Dialect::of(&d.url)?;
                let base = base_select(dialect, d.table.as_deref(), d.query.as_deref())?;
                let sel = Select {
                    watermark: match d.mode {
                        PullMode::Incremental => d.watermark_column.clone().map(|c| (c, watermark.map(str::to_owned))),
                        PullMode::Full => None,
                    },
                    ..Select::default()
                };
                let mut wm_index = None;
                let wm_col = sel.watermark.as_ref().map(|(c, _)| c.clone());
                let wref = &mut w;
                let (rows, last) = (&mut pulled.rows, &mut pulled.watermark);
                read_database(&d.url, &base, &sel, &mut |ev| match ev {
                    DbEvent::Header(header) => {
                        wm_index = wm_col.as_ref().and_then(|c| header.iter().position(|h| h.eq_ignore_ascii_case(c)));
                        wref.write_record(header).map_err(io_error)
                    }
                    DbEvent::Row(values) => {
                        // Rows come ordered by the watermark: the last non-null value is the highest.
                        if let Some(v) = wm_index.and_then(|i| values.get(i)).and_then(|v| v.as_ref()) {
                            *last = Some(v.clone());
                        }
                        *rows += 1;
                        wref.write_record(values.iter().map(|v| v.as_deref().unwrap_or(""))).map_err(io_error)
                    }
                })
                .await?;
            }
            PullSpec::Http(h) => {
                let records =
                    read_http(&h.url, &h.headers, h.records_path.as_deref(), &[], Duration::from_secs(300)).await?;
                // Keys are item names (any case) or Chinese labels: normalise them to item names.
                let item_of = |k: &str| -> String {
                    items
                        .iter()
                        .find(|(n, l)| n.eq_ignore_ascii_case(k) || l == k)
                        .map_or_else(|| k.to_owned(), |(n, _)| n.clone())
                };
                let mut keys: Vec<String> = Vec::new();
                let mut normalised = Vec::with_capacity(records.len());
                for (i, r) in records.iter().enumerate() {
                    let mut rec: BTreeMap<String, &serde_json::Value> = BTreeMap::new();
                    for (k, v) in r {
                        let item = item_of(k);
                        if rec.insert(item.clone(), v).is_some() {
                            return Err(source_error(format!("record {i} gives item '{item}' twice")));
                        }
                        if !keys.contains(&item) {
                            keys.push(item);
                        }
                    }
                    normalised.push(rec);
                }
                w.write_record(&keys).map_err(io_error)?;
                for r in &normalised {
                    w.write_record(keys.iter().map(|k| r.get(k).map(|v| cell(v)).unwrap_or_default()))
                        .map_err(io_error)?;
                }
                pulled.rows = records.len() as u64;
            }
        }
        w.flush().map_err(io_error)?;
        w.into_inner().map_err(io_error)?.finish_and_sync().map_err(io_error)?;
        Ok(pulled)
    }
}

/// Compile-time guard: database reads must stay `Send` (HTTP handlers await them). `sqlx::raw_sql`
/// breaks this through a higher-ranked `Executor` bound, so plain `&str` statements are used.
#[allow(dead_code)]
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_checked_and_redacted() {
        let spec =
            serde_json::json!({"url": "postgres://dept:s3cret@db:5432/x", "table": "people", "mode": "incremental"});
        let e = PullSpec::parse("pull.database", &spec).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("spec.watermark_column"));
        let spec = serde_json::json!({"url": "postgres://dept:s3cret@db:5432/x", "table": "people"});
        let p = PullSpec::parse("pull.database", &spec).unwrap();
        assert!(!p.redacted().to_string().contains("s3cret"));
        assert!(PullSpec::parse("pull.database", &serde_json::json!({"url": "postgres://h/x"})).is_err());
        assert!(PullSpec::parse("pull.database", &serde_json::json!({"url": "oracle://h/x", "table": "t"})).is_err());
        let q = serde_json::json!({"url": "mysql://h/x", "query": "DELETE FROM t"});
        assert_eq!(PullSpec::parse("pull.database", &q).unwrap_err().field.as_deref(), Some("spec.query"));
        let h = serde_json::json!({"url": "https://api/x?key=abc", "headers": {"X-Key": "k123"}});
        let shown = PullSpec::parse("pull.http", &h).unwrap().redacted().to_string();
        assert!(!shown.contains("abc") && !shown.contains("k123"), "{shown}");
        assert_eq!(
            crate::source::scrub("password authentication failed for s3cret", "postgres://u:s3cret@h/d"),
            "password authentication failed for ***"
        );
    }
}
