//! Delivery into a table of the consumer's own PostgreSQL database: upsert by key (inserted and
//! changed rows), deletes applied, a full extract replacing the table's rows — all in one
//! transaction, so the consumer sees the whole delivery or none of it. The table is created
//! (text columns, the key as primary key) when missing; an existing table's column types are
//! honoured (values are cast from text). The connection URL is a secret: it is never logged and
//! never part of an error message.

use std::collections::HashSet;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Row as _};
use tokio::sync::mpsc::Receiver;
use zs_types::{Error, ErrorCode, Result};

use crate::diff::{Op, Row};

/// Values bound per statement at most (PostgreSQL allows 65,535).
const MAX_BINDS: usize = 60_000;
/// Rows per statement at most.
const MAX_ROWS: usize = 1000;

/// Check a target table name: `table` or `schema.table`, lower-case letters, digits and `_`.
pub fn parse_table(s: &str) -> Result<(Option<String>, String)> {
    let ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 63
            && p.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let bad = || Error::invalid("table", "give the table as name or schema.name (lower-case letters, digits, _)");
    match s.trim().split_once('.') {
        Some((schema, table)) if ok(schema) && ok(table) => Ok((Some(schema.to_owned()), table.to_owned())),
        None if ok(s.trim()) => Ok((None, s.trim().to_owned())),
        _ => Err(bad()),
    }
}

/// Check a PostgreSQL URL without connecting; returns the URL without its password, for display.
pub fn check_url(url: &str) -> Result<String> {
    let bad = || Error::invalid("database_url", "give a postgres:// URL of the consumer's database");
    let parsed = url::Url::parse(url.trim()).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") || parsed.host_str().is_none() {
        return Err(bad());
    }
    PgConnectOptions::from_str(url.trim()).map_err(|_| bad())?;
    Ok(zs_meta::redact_url(url.trim()))
}

/// Check that the platform may connect to the URL's database: a TCP host the egress policy
/// allows, never a local socket (`?host=/var/run/postgresql` would reach the platform's own).
pub(crate) async fn check_reachable(url: &str, egress: &crate::egress::EgressPolicy) -> Result<()> {
    let opts =
        PgConnectOptions::from_str(url.trim()).map_err(|_| Error::invalid("database_url", "not a PostgreSQL URL"))?;
    if opts.get_socket().is_some() || opts.get_host().starts_with('/') {
        return Err(Error::invalid("database_url", "a delivery connects over TCP, not a local socket"));
    }
    egress.check_host(opts.get_host(), opts.get_port(), "database_url").await
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// What was applied.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Applied {
    pub upserted: u64,
    pub deleted: u64,
}

/// Apply a stream of rows to the consumer's table in one transaction.
pub(crate) async fn apply(
    url: &str,
    table: &str,
    fields: &[String],
    keys: &[String],
    replace_all: bool,
    mut rows: Receiver<Result<(Op, Row)>>,
) -> Result<Applied> {
    let password = url::Url::parse(url).ok().and_then(|u| u.password().map(str::to_owned)).unwrap_or_default();
    let scrub = move |e: sqlx::Error| {
        let mut m = e.to_string();
        if !password.is_empty() {
            m = m.replace(&password, "***");
        }
        Error::new(ErrorCode::Conflict, format!("the consumer database refused the delivery: {m}"))
    };
    let (schema, name) = parse_table(table)?;
    let qualified = match &schema {
        Some(s) => format!("{}.{}", quote(s), quote(&name)),
        None => quote(&name),
    };
    let opts = PgConnectOptions::from_str(url).map_err(|_| Error::invalid("database_url", "not a PostgreSQL URL"))?;
    let mut conn = PgConnection::connect_with(&opts).await.map_err(&scrub)?;
    let mut tx = conn.begin().await.map_err(&scrub)?;
    if let Some(s) = &schema {
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {}", quote(s))).execute(&mut *tx).await.map_err(&scrub)?;
    }
    let mut cols: Vec<String> = fields.iter().map(|f| format!("{} TEXT", quote(f))).collect();
    if !keys.is_empty() {
        cols.push(format!("PRIMARY KEY ({})", keys.iter().map(|k| quote(k)).collect::<Vec<_>>().join(", ")));
    }
    sqlx::query(&format!("CREATE TABLE IF NOT EXISTS {qualified} ({})", cols.join(", ")))
        .execute(&mut *tx)
        .await
        .map_err(&scrub)?;
    let types: Vec<(String, String)> = sqlx::query(
        "SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS ty FROM pg_attribute a \
         WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
    )
    .bind(&qualified)
    .fetch_all(&mut *tx)
    .await
    .map_err(&scrub)?
    .iter()
    .map(|r| (r.get::<String, _>("name"), r.get::<String, _>("ty")))
    .collect();
    let ty_of = |f: &str| types.iter().find(|(n, _)| n == f).map(|(_, t)| t.clone());
    let mut field_types = Vec::with_capacity(fields.len());
    for f in fields {
        field_types.push(ty_of(f).ok_or_else(|| {
            Error::new(ErrorCode::Conflict, format!("the table {table} in the consumer database has no column '{f}'"))
        })?);
    }
    if replace_all {
        sqlx::query(&format!("DELETE FROM {qualified}")).execute(&mut *tx).await.map_err(&scrub)?;
    }
    let key_pos: Vec<usize> = keys.iter().filter_map(|k| fields.iter().position(|f| f == k)).collect();
    let per_stmt = (MAX_BINDS / fields.len().max(1)).clamp(1, MAX_ROWS);
    let mut applied = Applied::default();
    let mut upserts: Vec<Row> = Vec::new();
    let mut upsert_keys: HashSet<Row> = HashSet::new();
    let mut deletes: Vec<Row> = Vec::new();

    let insert_sql = |n: usize| {
        let mut sql = format!(
            "INSERT INTO {qualified} ({}) VALUES ",
            fields.iter().map(|f| quote(f)).collect::<Vec<_>>().join(", ")
        );
        let mut p = 0;
        for r in 0..n {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (c, ty) in field_types.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                p += 1;
                sql.push_str(&format!("${p}::text::{ty}"));
            }
            sql.push(')');
        }
        if !key_pos.is_empty() {
            let others: Vec<String> = fields
                .iter()
                .enumerate()
                .filter(|(i, _)| !key_pos.contains(i))
                .map(|(_, f)| format!("{} = EXCLUDED.{}", quote(f), quote(f)))
                .collect();
            let conflict = key_pos.iter().map(|&i| quote(&fields[i])).collect::<Vec<_>>().join(", ");
            if others.is_empty() {
                sql.push_str(&format!(" ON CONFLICT ({conflict}) DO NOTHING"));
            } else {
                sql.push_str(&format!(" ON CONFLICT ({conflict}) DO UPDATE SET {}", others.join(", ")));
            }
        }
        sql
    };
    let delete_sql = |n: usize| {
        let cols = key_pos.iter().map(|&i| quote(&fields[i])).collect::<Vec<_>>().join(", ");
        let mut sql = format!("DELETE FROM {qualified} WHERE ({cols}) IN (VALUES ");
        let mut p = 0;
        for r in 0..n {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (c, &i) in key_pos.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                p += 1;
                sql.push_str(&format!("${p}::text::{}", field_types[i]));
            }
            sql.push(')');
        }
        sql.push(')');
        sql
    };

    loop {
        let next = rows.recv().await;
        let flush_upserts = match &next {
            None => true,
            Some(Ok((Op::Delete, _))) => !upserts.is_empty(),
            Some(Ok((_, row))) => {
                upserts.len() >= per_stmt
                    || (!key_pos.is_empty()
                        && upsert_keys.contains(&key_pos.iter().map(|&i| row[i].clone()).collect::<Row>()))
            }
            Some(Err(_)) => false,
        };
        if flush_upserts && !upserts.is_empty() {
            let sql = insert_sql(upserts.len());
            let mut q = sqlx::query(&sql);
            for r in &upserts {
                for v in r {
                    q = q.bind(v.clone());
                }
            }
            q.execute(&mut *tx).await.map_err(&scrub)?;
            applied.upserted += upserts.len() as u64;
            upserts.clear();
            upsert_keys.clear();
        }
        let flush_deletes = match &next {
            None => true,
            Some(Ok((Op::Delete, _))) => deletes.len() >= per_stmt,
            Some(Ok(_)) => !deletes.is_empty(),
            Some(Err(_)) => false,
        };
        if flush_deletes && !deletes.is_empty() {
            let sql = delete_sql(deletes.len());
            let mut q = sqlx::query(&sql);
            for r in &deletes {
                for &i in &key_pos {
                    q = q.bind(r[i].clone());
                }
            }
            let n = q.execute(&mut *tx).await.map_err(&scrub)?.rows_affected();
            applied.deleted += n;
            deletes.clear();
        }
        match next {
            None => break,
            Some(Err(e)) => return Err(e),
            Some(Ok((Op::Delete, row))) => {
                if key_pos.is_empty() {
                    return Err(Error::new(ErrorCode::Conflict, "deletes need the key items"));
                }
                deletes.push(row);
            }
            Some(Ok((_, row))) => {
                if !key_pos.is_empty() {
                    upsert_keys.insert(key_pos.iter().map(|&i| row[i].clone()).collect());
                }
                upserts.push(row);
            }
        }
    }
    tx.commit().await.map_err(&scrub)?;
    let _ = conn.close().await;
    Ok(applied)
}
