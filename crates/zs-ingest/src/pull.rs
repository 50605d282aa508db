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
use zs_types::{Error, ErrorCode, Result, UserId};

use crate::handin::{HandInRequest, Mode};
use crate::schedule::retryable;
use crate::service::IngestService;

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

/// An error of a source that did not answer or failed (retried by scheduled pulls).
pub(crate) fn source_error(message: String) -> Error {
    Error::new(ErrorCode::StoreUnavailable, message)
}

/// The message of a source error, with the connection URL's password replaced.
pub(crate) fn scrub(message: &str, url: &str) -> String {
    let mut m = message.replace(url, &redact_url(url));
    if let (Some(s), Some(at)) = (url.find("://"), url.rfind('@')) {
        if at > s {
            if let Some((_, pw)) = url[s + 3..at].split_once(':') {
                if !pw.is_empty() {
                    m = m.replace(pw, "***");
                }
            }
        }
    }
    m
}

/// An HTTP URL with query values hidden (they often carry keys).
pub(crate) fn redact_http_url(url: &str) -> String {
    let base = redact_url(url);
    match base.split_once('?') {
        Some((path, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| kv.split_once('=').map_or(kv.to_owned(), |(k, _)| format!("{k}=***")))
                .collect();
            format!("{path}?{}", q.join("&"))
        }
        None => base,
    }
}

/// The SQL dialect of a department database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    MySql,
}

impl Dialect {
    pub(crate) fn of(url: &str) -> Result<Self> {
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
        match scheme.as_str() {
            "postgres" | "postgresql" => Ok(Self::Postgres),
            "mysql" => Ok(Self::MySql),
            _ => Err(Error::invalid(
                "spec.url",
                format!("'{}' is not a database URL: use postgres://… or mysql://…", redact_url(url)),
            )),
        }
    }

    /// Quote an identifier (`schema.name` is quoted part by part).
    pub(crate) fn quote(self, name: &str, field: &str) -> Result<String> {
        let parts: Vec<&str> = name.split('.').collect();
        if name.trim().is_empty() || parts.len() > 2 || parts.iter().any(|p| p.is_empty() || p.contains('\0')) {
            return Err(Error::invalid(field, format!("'{name}' is not a table or column name")));
        }
        let q = match self {
            Self::Postgres => '"',
            Self::MySql => '`',
        };
        Ok(parts.iter().map(|p| format!("{q}{}{q}", p.replace(q, &format!("{q}{q}")))).collect::<Vec<_>>().join("."))
    }

    fn placeholder(self, n: usize) -> String {
        match self {
            Self::Postgres => format!("${n}"),
            Self::MySql => "?".into(),
        }
    }

    fn text_type(self) -> &'static str {
        match self {
            Self::Postgres => "text",
            Self::MySql => "CHAR",
        }
    }
}

/// Where a database read starts: a table or a query.
pub(crate) fn base_select(dialect: Dialect, table: Option<&str>, query: Option<&str>) -> Result<String> {
    match (table.map(str::trim).filter(|t| !t.is_empty()), query.map(str::trim).filter(|q| !q.is_empty())) {
        (Some(t), None) => Ok(format!("SELECT * FROM {}", dialect.quote(t, "spec.table")?)),
        (None, Some(q)) => {
            let q = q.trim_end_matches(';').trim();
            if q.contains(';') {
                return Err(Error::invalid("spec.query", "give a single SELECT statement (no ';')"));
            }
            let head = q.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
            if head != "select" && head != "with" {
                return Err(Error::invalid("spec.query", "the query must be a SELECT (or WITH … SELECT) statement"));
            }
            Ok(q.to_owned())
        }
        (Some(_), Some(_)) => Err(Error::invalid("spec", "give a table or a query, not both")),
        (None, None) => Err(Error::invalid("spec", "give the table or the query to read")),
    }
}

/// What to read from a database source.
#[derive(Debug, Default)]
pub(crate) struct Select {
    /// Keep only these columns (matched case-insensitively; output under these names); all when
    /// `None`.
    pub(crate) columns: Option<Vec<String>>,
    /// Read rows above this watermark (column, last value), ordered by the column.
    pub(crate) watermark: Option<(String, Option<String>)>,
    /// Equality filters (column, value), compared as text.
    pub(crate) filters: Vec<(String, String)>,
    /// At most this many rows.
    pub(crate) limit: Option<i64>,
}

enum Bind {
    Text(String),
    Int(i64),
}

struct Plan {
    sql: String,
    binds: Vec<Bind>,
    header: Vec<String>,
}

/// Build the read statement from the source's columns (name, type).
fn plan(dialect: Dialect, base: &str, cols: &[(String, String)], sel: &Select) -> Result<Plan> {
    let find = |name: &str, field: &str| -> Result<&(String, String)> {
        cols.iter().find(|(c, _)| c.eq_ignore_ascii_case(name)).ok_or_else(|| {
            let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
            Error::invalid(field, format!("the source has no column '{name}' (it has: {})", names.join(", ")))
        })
    };
    let mut chosen: Vec<(&str, String)> = Vec::new();
    match &sel.columns {
        None => chosen.extend(cols.iter().map(|(c, _)| (c.as_str(), c.clone()))),
        Some(wanted) => {
            for w in wanted {
                if let Some((c, _)) = cols.iter().find(|(c, _)| c.eq_ignore_ascii_case(w)) {
                    chosen.push((c.as_str(), w.clone()));
                }
            }
            if chosen.is_empty() {
                return Err(Error::invalid("spec", "the source has none of the resource's items as columns"));
            }
        }
    }
    let t = dialect.text_type();
    let mut list = Vec::with_capacity(chosen.len());
    for (c, out) in &chosen {
        list.push(format!("CAST(zs_src.{} AS {t}) AS {}", dialect.quote(c, "spec")?, dialect.quote(out, "spec")?));
    }
    let mut sql = format!("SELECT {} FROM ({base}) AS zs_src", list.join(", "));
    let mut binds = Vec::new();
    let mut conds = Vec::new();
    let mut order = None;
    if let Some((wm, last)) = &sel.watermark {
        let (name, ty) = find(wm, "spec.watermark_column")?;
        let q = dialect.quote(name, "spec.watermark_column")?;
        if let Some(v) = last {
            binds.push(Bind::Text(v.clone()));
            let p = dialect.placeholder(binds.len());
            conds.push(match dialect {
                Dialect::Postgres => {
                    if ty.is_empty() || !ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ') {
                        return Err(Error::invalid(
                            "spec.watermark_column",
                            format!("column '{name}' of type {ty} cannot serve as a watermark"),
                        ));
                    }
                    format!("zs_src.{q} > CAST({p} AS {ty})")
                }
                Dialect::MySql => format!("zs_src.{q} > {p}"),
            });
        }
        order = Some(format!("zs_src.{q}"));
    }
    for (col, value) in &sel.filters {
        let (name, _) = find(col, "filter")?;
        binds.push(Bind::Text(value.clone()));
        let p = dialect.placeholder(binds.len());
        conds.push(format!("CAST(zs_src.{} AS {t}) = {p}", dialect.quote(name, "filter")?));
    }
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    if let Some(o) = order {
        sql.push_str(" ORDER BY ");
        sql.push_str(&o);
    }
    if let Some(n) = sel.limit {
        binds.push(Bind::Int(n));
        sql.push_str(&format!(" LIMIT {}", dialect.placeholder(binds.len())));
    }
    Ok(Plan { sql, binds, header: chosen.into_iter().map(|(_, o)| o).collect() })
}

/// Longest wait for a database connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

macro_rules! read_db {
    ($conn:ty, $dialect:expr, $url:expr, $base:expr, $sel:expr, $sink:expr) => {{
        use futures::TryStreamExt;
        use sqlx::{Column, Connection, Executor, Row, Statement, TypeInfo};
        let url: &str = $url;
        let failed = |what: &str, e: sqlx::Error| source_error(scrub(&format!("{what} {}: {e}", redact_url(url)), url));
        let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, <$conn>::connect(url))
            .await
            .map_err(|_| source_error(format!("cannot connect to {}: no answer within 15 s", redact_url(url))))?
            .map_err(|e| failed("cannot connect to", e))?;
        let begin = match $dialect {
            Dialect::Postgres => "BEGIN READ ONLY",
            Dialect::MySql => "START TRANSACTION READ ONLY",
        };
        conn.execute(begin).await.map_err(|e| failed("cannot start a read on", e))?;
        let probe = format!("SELECT * FROM ({}) AS zs_src", $base);
        let cols: Vec<(String, String)> = conn
            .prepare(&probe)
            .await
            .map_err(|e| failed("the query failed on", e))?
            .columns()
            .iter()
            .map(|c| (c.name().to_owned(), c.type_info().name().to_owned()))
            .collect();
        let plan = plan($dialect, $base, &cols, $sel)?;
        $sink(DbEvent::Header(&plan.header))?;
        let n = plan.header.len();
        let mut q = sqlx::query(&plan.sql);
        for b in &plan.binds {
            q = match b {
                Bind::Text(s) => q.bind(s.as_str()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        {
            let mut rows = q.fetch(&mut conn);
            while let Some(row) = rows.try_next().await.map_err(|e| failed("reading rows failed on", e))? {
                let mut values = Vec::with_capacity(n);
                for i in 0..n {
                    values.push(
                        row.try_get_unchecked::<Option<String>, _>(i)
                            .map_err(|e| failed("a value could not be read as text from", e))?,
                    );
                }
                $sink(DbEvent::Row(values))?;
            }
        }
        let _ = conn.execute("ROLLBACK").await;
        let _ = conn.close().await;
        Ok(())
    }};
}

/// What a database read delivers, in order: the output column names once, then each row.
pub(crate) enum DbEvent<'a> {
    /// Output column names.
    Header(&'a [String]),
    /// One row's values as text (`None` for NULL), as they stream in.
    Row(Vec<Option<String>>),
}

/// Read a database source into `sink`.
pub(crate) async fn read_database(
    url: &str,
    base: &str,
    sel: &Select,
    sink: &mut (dyn FnMut(DbEvent<'_>) -> Result<()> + Send),
) -> Result<()> {
    match Dialect::of(url)? {
        Dialect::Postgres => read_db!(sqlx::PgConnection, Dialect::Postgres, url, base, sel, sink),
        Dialect::MySql => read_db!(sqlx::MySqlConnection, Dialect::MySql, url, base, sel, sink),
    }
}

/// Largest HTTP body read (the JSON is parsed in memory).
const MAX_HTTP_BYTES: usize = 256 * 1024 * 1024;

/// GET an HTTP JSON source and return the records at `records_path`.
pub(crate) async fn read_http(
    url: &str,
    headers: &BTreeMap<String, String>,
    records_path: Option<&str>,
    query: &[(String, String)],
    timeout: Duration,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let shown = redact_http_url(url);
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|_| Error::internal("the HTTP client could not be built"))?;
    let mut req = client.get(url);
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if !query.is_empty() {
        req = req.query(query);
    }
    let fail = |e: reqwest::Error| {
        if e.is_timeout() {
            source_error(format!("{shown} did not answer within {} ms", timeout.as_millis()))
        } else {
            source_error(format!("cannot read {shown}: {}", e.without_url()))
        }
    };
    let mut resp = req.send().await.map_err(fail)?;
    let status = resp.status();
    if !status.is_success() {
        return Err(source_error(format!("{shown} answered {status}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(fail)? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_HTTP_BYTES {
            return Err(source_error(format!("{shown} sent more than {} MiB", MAX_HTTP_BYTES >> 20)));
        }
    }
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        source_error(format!("{shown} did not send JSON (line {} column {}): {e}", e.line(), e.column()))
    })?;
    let path = records_path.unwrap_or("");
    let array = value
        .pointer(path)
        .ok_or_else(|| source_error(format!("{shown}: nothing at records_path '{path}'")))?
        .as_array()
        .ok_or_else(|| source_error(format!("{shown}: records_path '{path}' is not an array")))?;
    array
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.as_object().cloned().ok_or_else(|| source_error(format!("{shown}: record {i} is not a JSON object")))
        })
        .collect()
}

/// A JSON value as a CSV cell: strings as they are, null empty, nested values as JSON text.
pub(crate) fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
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
        let file = self.data_dir.join("uploads").join(format!("pull-{}.csv", uuid::Uuid::now_v7()));
        let items: Vec<(String, String)> = entry.body.items.iter().map(|i| (i.name.clone(), i.label.clone())).collect();
        let pulled = self.pull_to_file(&spec, sched.watermark.as_deref(), &items, &file).await;
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

    /// Stream the source's rows into a CSV file.
    async fn pull_to_file(
        &self,
        spec: &PullSpec,
        watermark: Option<&str>,
        items: &[(String, String)],
        file: &Path,
    ) -> Result<Pulled> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(io_error)?;
        }
        let out = std::fs::File::create(file).map_err(io_error)?;
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(out));
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
        let inner = w.into_inner().map_err(io_error)?;
        inner.into_inner().map_err(io_error)?.sync_all().map_err(io_error)?;
        Ok(pulled)
    }
}

/// Compile-time guard: database reads must stay `Send` (HTTP handlers await them). `sqlx::raw_sql`
/// breaks this through a higher-ranked `Executor` bound, so plain `&str` statements are used.
#[allow(dead_code)]
fn _send_check(url: &str, base: &str, sel: &Select, sink: &mut (dyn FnMut(DbEvent<'_>) -> Result<()> + Send)) {
    fn is_send<T: Send>(_: T) {}
    is_send(read_database(url, base, sel, sink));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_and_values_bound() {
        let d = Dialect::Postgres;
        assert_eq!(d.quote("dept.people", "t").unwrap(), "\"dept\".\"people\"");
        assert_eq!(d.quote("a\"b", "t").unwrap(), "\"a\"\"b\"");
        assert_eq!(Dialect::MySql.quote("x`y", "t").unwrap(), "`x``y`");
        assert!(d.quote("a.b.c", "t").is_err() && d.quote("", "t").is_err());
        let cols = vec![("id".to_owned(), "INT8".to_owned()), ("updated_at".to_owned(), "TIMESTAMPTZ".to_owned())];
        let sel = Select {
            watermark: Some(("updated_at".into(), Some("2024-01-01'; DROP TABLE x; --".into()))),
            filters: vec![("id".into(), "1 OR 1=1".into())],
            limit: Some(10),
            ..Select::default()
        };
        let p = plan(d, "SELECT * FROM \"t\"", &cols, &sel).unwrap();
        assert!(!p.sql.contains("DROP") && !p.sql.contains("1=1"), "{}", p.sql);
        assert!(p.sql.contains("zs_src.\"updated_at\" > CAST($1 AS TIMESTAMPTZ)"), "{}", p.sql);
        assert!(p.sql.contains("CAST(zs_src.\"id\" AS text) = $2") && p.sql.ends_with("LIMIT $3"), "{}", p.sql);
        let e = plan(d, "x", &cols, &Select { filters: vec![("nope".into(), "1".into())], ..Select::default() });
        assert_eq!(e.err().unwrap().field.as_deref(), Some("filter"));
    }

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
            scrub("password authentication failed for s3cret", "postgres://u:s3cret@h/d"),
            "password authentication failed for ***"
        );
    }
}
