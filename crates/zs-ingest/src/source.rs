//! Reading a department's source: SQL on PostgreSQL or MySQL (identifiers quoted, values bound,
//! a read-only transaction, rows streamed) and JSON records from an HTTP API, with credentials
//! kept out of messages. Shared by scheduled pulls (`pull`) and logical access (`live`).

use std::collections::BTreeMap;
use std::time::Duration;

use zs_meta::redact_url;
use zs_types::{Error, ErrorCode, Result};
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
pub fn redact_http_url(url: &str) -> String {
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
}
