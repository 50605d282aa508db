//! The data API over a grant: lookup by key, filtered listing with cursor paging and field
//! projection, and count; JSON or CSV. Every call is checked against the grant (department,
//! credential binding, revocation, period, items, row restriction, quotas), masked per item,
//! and recorded with its fields, row count, data version and a SHA-256 digest of what was
//! returned — never the data itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use zs_catalog::EntryStatus;
use zs_identity::policy::{grant_of_scope, Authorized, ShareData};
use zs_identity::AuthVia;
use zs_meta::share::Grant;
use zs_tables::{Table, VersionWatch};
use zs_types::{Error, ErrorCode, Outcome, Result};

use crate::masking::{mask, Technique};
use crate::model::RowCondition;
use crate::quota::Limits;
use crate::read::{indexed_row, read, IndexedRead, TableRead};
use crate::service::{names, ShareService};
use crate::serving::Serving;

/// Rows one listing returns at most.
pub const MAX_PAGE_ROWS: usize = 1000;

/// A listing request.
#[derive(Debug, Clone, Default)]
pub struct RowsRequest {
    /// Items to return (all granted when none); each must be granted.
    pub fields: Option<Vec<String>>,
    /// Equality filters item → value; each item must be granted.
    pub filters: Vec<(String, String)>,
    /// The cursor of the previous page.
    pub cursor: Option<String>,
    /// Rows per page (1-1000, default 100).
    pub limit: Option<usize>,
}

/// Rows that left through a grant.
#[derive(Debug, Clone, Serialize)]
pub struct DataPage {
    /// The grant.
    pub grant: i64,
    /// 信息资源代码.
    pub code: String,
    /// The data version read (none: a live source, or no data yet).
    pub version: Option<u64>,
    /// Read from the live source (逻辑接入).
    pub live: bool,
    /// Items, in order.
    pub fields: Vec<String>,
    /// The rows, values in field order (masked), null when empty.
    pub rows: Vec<Vec<Option<String>>>,
    /// Cursor of the next page, if there may be more.
    pub next_cursor: Option<String>,
    /// SHA-256 (hex) of what was returned, as recorded in the audit trail.
    pub digest: String,
    /// Keyed digests of the returned rows' keys (数据主体摘要), recorded for tracing; never sent.
    #[serde(skip)]
    pub subjects: Vec<String>,
}

impl DataPage {
    /// The rows as JSON objects (item → value).
    pub fn objects(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        self.rows
            .iter()
            .map(|r| {
                self.fields
                    .iter()
                    .zip(r)
                    .map(|(f, v)| (f.clone(), v.clone().map_or(serde_json::Value::Null, serde_json::Value::String)))
                    .collect()
            })
            .collect()
    }

    /// The rows as CSV (UTF-8, header of item names).
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |_| Error::internal("writing CSV");
        w.write_record(&self.fields).map_err(fail)?;
        for r in &self.rows {
            w.write_record(r.iter().map(|v| v.as_deref().unwrap_or(""))).map_err(fail)?;
        }
        w.into_inner().map_err(|_| Error::internal("writing CSV"))
    }
}

/// A checked grant, ready to read through, with the rows reserved for this call.
struct Use {
    s: Arc<Serving>,
    /// The day (Beijing) the call counts on.
    day: String,
    /// Rows reserved from the day's quota (at most this many may be returned).
    reserved: i64,
}

impl std::ops::Deref for Use {
    type Target = Serving;
    fn deref(&self) -> &Serving {
        &self.s
    }
}

/// Which operation, for the audit record, with the facts anomaly detection reads (never keys or
/// filter values).
#[derive(Clone, Copy)]
enum Op {
    /// `sequential`: the key follows the grant's previous lookup key ([`crate::key_steps`]).
    Lookup {
        sequential: bool,
    },
    /// `paged`: a later page (a cursor was given); `filtered`: equality filters were given.
    List {
        paged: bool,
        filtered: bool,
    },
    Count,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Lookup { .. } => "lookup",
            Op::List { .. } => "list",
            Op::Count => "count",
        }
    }

    /// The detail of the call's audit record: the operation, its facts, the credential used.
    fn detail(self, pass: &Authorized<ShareData>) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("op".into(), json!(self.as_str()));
        match self {
            Op::Lookup { sequential } => {
                m.insert("sequential".into(), json!(sequential));
            }
            Op::List { paged, filtered } => {
                m.insert("paged".into(), json!(paged));
                m.insert("filtered".into(), json!(filtered));
            }
            Op::Count => {}
        }
        if let AuthVia::Credential { id, .. } = &pass.principal().via {
            m.insert("credential".into(), json!(id.0));
        }
        m
    }
}

impl ShareService {
    /// The row whose key is `key` (key items joined by `,` for composite keys), from the
    /// resource's current version through its key index.
    pub async fn lookup(
        &self,
        pass: &Authorized<ShareData>,
        grant: i64,
        key: &str,
        fields: Option<Vec<String>>,
    ) -> Result<DataPage> {
        let sequential = self.key_steps.step(grant, key);
        let r = async {
            let u = self.begin(pass, grant, 1).await?;
            let r = self.lookup_inner(&u, key, fields).await;
            self.settle(&u, &r);
            r
        }
        .await;
        self.finish(pass, grant, Op::Lookup { sequential }, r).await
    }

    async fn lookup_inner(&self, u: &Use, key: &str, fields: Option<Vec<String>>) -> Result<DataPage> {
        let keys: Vec<String> = u.entry.body.items.iter().filter(|i| i.key).map(|i| i.name.clone()).collect();
        if keys.is_empty() {
            return Err(Error::new(ErrorCode::Conflict, format!("{} has no key items; use the listing", u.entry.code)));
        }
        let parts: Vec<&str> = if keys.len() == 1 { vec![key] } else { key.split(',').collect() };
        if parts.len() != keys.len() {
            return Err(Error::invalid("key", format!("give the key as {}", keys.join(","))));
        }
        let filters: Vec<(String, String)> = keys.into_iter().zip(parts.into_iter().map(str::to_owned)).collect();
        let page = match &u.table {
            Some(table) if !u.live => self.lookup_indexed(u, table, fields, filters).await?,
            _ => self.read_rows(u, fields, filters, None, 1).await?,
        };
        if page.rows.is_empty() {
            return Err(Error::not_found("row with that key"));
        }
        let subjects = vec![self.masker.subject_digest(key)];
        Ok(DataPage { next_cursor: None, subjects, ..page })
    }

    /// A lookup through the key index of the current version: one row read, never a scan. The
    /// index is built on the first lookup of a version (off the async threads) and the indexes of
    /// older versions are dropped then.
    async fn lookup_indexed(
        &self,
        u: &Use,
        table: &Arc<Table>,
        fields: Option<Vec<String>>,
        key: Vec<(String, String)>,
    ) -> Result<DataPage> {
        let fields = match fields {
            Some(f) if !f.is_empty() => f,
            _ => u.granted.clone(),
        };
        self.check_granted(u, &fields, "fields")?;
        self.check_granted(u, key.iter().map(|(k, _)| k), "filter")?;
        let index = |name: &str| table.schema().columns().iter().position(|c| c.name == name);
        let conditions = u
            .filter
            .iter()
            .map(|c| (c.item.clone(), c.value.clone()))
            .chain(key.iter().cloned())
            .map(|(k, v)| {
                index(&k).map(|i| (i, v)).ok_or_else(|| Error::invalid("filter", format!("'{k}' is not an item")))
            })
            .collect::<Result<Vec<_>>>()?;
        let projection = fields
            .iter()
            .map(|f| index(f).ok_or_else(|| Error::invalid("fields", format!("'{f}' is not an item"))))
            .collect::<Result<Vec<_>>>()?;
        let Some(version) = u.version.current(table).map_err(zs_ingest::tables_error)? else {
            return Ok(self.page(u, None, false, fields, vec![], None));
        };
        let q = IndexedRead { key: key.into_iter().map(|(_, v)| v).collect(), conditions, projection };
        let row = match self.indexes.peek(table, version) {
            Some(ix) => indexed_row(&ix, &q)?,
            None => {
                let (indexes, table) = (Arc::clone(&self.indexes), Arc::clone(table));
                tokio::task::spawn_blocking(move || {
                    let ix = indexes.get(&table, version).map_err(zs_ingest::tables_error)?;
                    indexes.forget_other_versions(&table, version);
                    indexed_row(&ix, &q)
                })
                .await
                .map_err(|_| Error::internal("looking a row up"))??
            }
        };
        let rows = row
            .into_iter()
            .map(|r| fields.iter().zip(r).map(|(f, v)| self.masked(u, f, v.as_deref())).collect())
            .collect();
        Ok(self.page(u, Some(version), false, fields, rows, None))
    }

    /// Rows matching the filters (and the grant's row restriction), a page at a time.
    pub async fn rows(&self, pass: &Authorized<ShareData>, grant: i64, req: RowsRequest) -> Result<DataPage> {
        let op = Op::List { paged: req.cursor.is_some(), filtered: !req.filters.is_empty() };
        let r = async {
            let limit = req.limit.unwrap_or(100);
            if !(1..=MAX_PAGE_ROWS).contains(&limit) {
                return Err(Error::invalid("limit", format!("limit must be between 1 and {MAX_PAGE_ROWS}")));
            }
            let u = self.begin(pass, grant, limit as i64).await?;
            let r = self.read_rows(&u, req.fields, req.filters, req.cursor.as_deref(), limit).await;
            self.settle(&u, &r);
            r
        }
        .await;
        self.finish(pass, grant, op, r).await
    }

    /// How many rows match the filters (and the grant's row restriction).
    pub async fn count(
        &self,
        pass: &Authorized<ShareData>,
        grant: i64,
        filters: Vec<(String, String)>,
    ) -> Result<(DataPage, u64)> {
        let r = async {
            let u = self.begin(pass, grant, 0).await?;
            let (page, n) = self.count_rows(&u, filters).await?;
            Ok((page, n))
        }
        .await;
        match r {
            Ok((page, n)) => {
                let page = self.finish(pass, grant, Op::Count, Ok(page)).await?;
                Ok((page, n))
            }
            Err(e) => {
                Err(self.finish(pass, grant, Op::Count, Err(e)).await.err().unwrap_or_else(|| Error::internal("count")))
            }
        }
    }

    /// The grant ready to serve: from the cache, or read from the store (and kept) when it is not
    /// there, older than [`crate::MAX_AGE`] or the catalogue changed since.
    async fn serving(&self, pass: &Authorized<ShareData>, id: i64) -> Result<Arc<Serving>> {
        let catalog_generation = self.catalog.generation();
        if let Some(s) = self.serving.get(id, catalog_generation) {
            return Ok(s);
        }
        let started = self.serving.generation();
        let grant = self.store.get_grant(id).await?.ok_or_else(|| self.no_grant(pass, id))?;
        self.check_holder(pass, &grant)?;
        self.usable(&grant)?;
        let entry = self.entry_of_grant(&grant.code).await.map_err(|e| {
            if e.code == ErrorCode::NotFound {
                Error::new(ErrorCode::ResourceWithdrawn, format!("{} is no longer in the catalogue", grant.code))
            } else {
                e
            }
        })?;
        if entry.status != EntryStatus::Published {
            return Err(Error::new(ErrorCode::ResourceWithdrawn, format!("{} was withdrawn (下架)", entry.code)));
        }
        // Items no longer in the entry are no longer served.
        let granted: Vec<String> =
            names(&grant.fields).into_iter().filter(|f| entry.body.items.iter().any(|i| &i.name == f)).collect();
        let filter: Vec<RowCondition> = serde_json::from_str(&grant.row_filter).unwrap_or_default();
        let masking: BTreeMap<String, Technique> = serde_json::from_str(&grant.masking)
            .map_err(|_| Error::internal(format!("the masking of grant {id} cannot be read")))?;
        let live = self.store.live_source(&grant.code).await?.is_some();
        let table = if live { None } else { Some(Arc::new(self.ingest.open_table(&entry)?)) };
        let s = Arc::new(Serving {
            grant,
            entry,
            granted,
            filter,
            masking,
            live,
            table,
            version: VersionWatch::new(),
            catalog_generation,
            loaded: std::time::Instant::now(),
        });
        self.serving.put(id, started, Arc::clone(&s));
        Ok(s)
    }

    fn no_grant(&self, pass: &Authorized<ShareData>, id: i64) -> Error {
        Error::new(ErrorCode::NoGrant, format!("{} holds no grant {id}", pass.principal().org.name))
    }

    /// The grant is held by the caller's department and, for a credential, bound to it.
    fn check_holder(&self, pass: &Authorized<ShareData>, grant: &Grant) -> Result<()> {
        let p = pass.principal();
        if grant.consumer_org_id != p.org.id.0 {
            return Err(self.no_grant(pass, grant.id));
        }
        if let AuthVia::Credential { scopes, .. } = &p.via {
            if !scopes.iter().any(|s| grant_of_scope(s) == Some(grant.id)) {
                return Err(Error::new(
                    ErrorCode::NoGrant,
                    format!("this API credential is not bound to grant {}", grant.id),
                ));
            }
        }
        Ok(())
    }

    /// Check everything a call needs, count the call against the day's quota and reserve up to
    /// `want_rows` of the day's rows.
    async fn begin(&self, pass: &Authorized<ShareData>, id: i64, want_rows: i64) -> Result<Use> {
        let s = self.serving(pass, id).await?;
        self.check_holder(pass, &s.grant)?;
        // Revocation empties the cache; the period is checked against the clock on every call.
        self.usable(&s.grant)?;
        let day = self.today().to_string();
        let limits = Limits { calls: s.grant.calls_per_day, rows: s.grant.rows_per_day };
        let reserved = self.quotas.reserve(&self.store, id, &day, limits, want_rows).await?;
        self.quotas.maybe_flush(&self.store, &day);
        Ok(Use { s, day, reserved })
    }

    /// Give back the reserved rows a call did not return.
    fn settle(&self, u: &Use, r: &Result<DataPage>) {
        let returned = r.as_ref().map_or(0, |p| p.rows.len() as i64);
        self.quotas.release(u.grant.id, &u.day, u.reserved - returned);
    }

    fn check_granted<'a>(&self, u: &Use, names: impl IntoIterator<Item = &'a String>, what: &str) -> Result<()> {
        for n in names {
            if !u.granted.contains(n) {
                return Err(Error::new(
                    ErrorCode::FieldNotGranted,
                    format!("{what} '{n}' is not granted by grant {}", u.grant.id),
                )
                .with_field(what));
            }
        }
        Ok(())
    }

    async fn read_rows(
        &self,
        u: &Use,
        fields: Option<Vec<String>>,
        filters: Vec<(String, String)>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<DataPage> {
        let fields = match fields {
            Some(f) if !f.is_empty() => f,
            _ => u.granted.clone(),
        };
        self.check_granted(u, &fields, "fields")?;
        self.check_granted(u, filters.iter().map(|(k, _)| k), "filter")?;
        let limit = limit.min(usize::try_from(u.reserved).unwrap_or(usize::MAX)).max(1);
        let mut conds = u.filter.iter().map(|c| (c.item.clone(), c.value.clone())).collect::<Vec<_>>();
        conds.extend(filters);
        if u.live {
            let limit = i64::try_from(limit).unwrap_or(1).min(zs_ingest::MAX_LIVE_ROWS);
            let records = self.ingest.read_live(&u.grant.code, &conds, limit).await?;
            let subjects = records
                .iter()
                .map(|r| {
                    let key: Vec<String> = key_items(u)
                        .iter()
                        .map(|k| match r.get(k) {
                            Some(serde_json::Value::String(s)) => s.clone(),
                            Some(serde_json::Value::Null) | None => String::new(),
                            Some(other) => other.to_string(),
                        })
                        .collect();
                    key.join(",")
                })
                .collect::<Vec<_>>();
            let rows = records
                .iter()
                .map(|r| {
                    fields
                        .iter()
                        .map(|f| {
                            let v = r.get(f).and_then(|v| match v {
                                serde_json::Value::Null => None,
                                serde_json::Value::String(s) => Some(s.clone()),
                                other => Some(other.to_string()),
                            });
                            self.masked(u, f, v.as_deref())
                        })
                        .collect()
                })
                .collect();
            return Ok(self.with_subjects(self.page(u, None, true, fields, rows, None), &subjects));
        }
        let (version, start) = match cursor {
            Some(c) => parse_cursor(c)?,
            None => (None, 0),
        };
        let cols = self.table_of(u)?;
        let index = |name: &str| cols.schema().columns().iter().position(|c| c.name == name);
        let conditions = conds
            .iter()
            .map(|(k, v)| {
                index(k)
                    .map(|i| (i, v.clone()))
                    .ok_or_else(|| Error::invalid("filter", format!("'{k}' is not an item")))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut projection = fields
            .iter()
            .map(|f| index(f).ok_or_else(|| Error::invalid("fields", format!("'{f}' is not an item"))))
            .collect::<Result<Vec<_>>>()?;
        // The key columns ride along after the returned ones (for the subject digests only).
        let shown = projection.len();
        projection.extend(key_items(u).iter().filter_map(|k| index(k)));
        let q = TableRead { version, conditions, projection, start, limit };
        let out = tokio::task::spawn_blocking(move || read(&cols, &q))
            .await
            .map_err(|_| Error::internal("reading rows"))??;
        let rows = out
            .rows
            .iter()
            .map(|r| fields.iter().zip(r).map(|(f, v)| self.masked(u, f, v.as_deref())).collect())
            .collect();
        let next = match (out.version, out.next) {
            (Some(v), Some(n)) => Some(format!("{v}.{n}")),
            _ => None,
        };
        let keys: Vec<String> = out
            .rows
            .iter()
            .map(|r| r.iter().skip(shown).map(|v| v.as_deref().unwrap_or("")).collect::<Vec<_>>().join(","))
            .collect();
        Ok(self.with_subjects(self.page(u, out.version, false, fields, rows, next), &keys))
    }

    async fn count_rows(&self, u: &Use, filters: Vec<(String, String)>) -> Result<(DataPage, u64)> {
        self.check_granted(u, filters.iter().map(|(k, _)| k), "filter")?;
        let mut conds = u.filter.iter().map(|c| (c.item.clone(), c.value.clone())).collect::<Vec<_>>();
        conds.extend(filters);
        if u.live {
            let n = self.ingest.read_live(&u.grant.code, &conds, zs_ingest::MAX_LIVE_ROWS).await?.len() as u64;
            return Ok((self.page(u, None, true, vec![], vec![vec![Some(n.to_string())]], None), n));
        }
        let cols = self.table_of(u)?;
        let index = |name: &str| cols.schema().columns().iter().position(|c| c.name == name);
        let conditions = conds
            .iter()
            .map(|(k, v)| {
                index(k)
                    .map(|i| (i, v.clone()))
                    .ok_or_else(|| Error::invalid("filter", format!("'{k}' is not an item")))
            })
            .collect::<Result<Vec<_>>>()?;
        let q = TableRead { version: None, conditions, projection: vec![], start: 0, limit: 0 };
        let out = tokio::task::spawn_blocking(move || read(&cols, &q))
            .await
            .map_err(|_| Error::internal("counting rows"))??;
        let page =
            self.page(u, out.version, false, vec!["count".into()], vec![vec![Some(out.matched.to_string())]], None);
        Ok((page, out.matched))
    }

    fn table_of(&self, u: &Use) -> Result<Arc<Table>> {
        u.table.clone().ok_or_else(|| Error::internal("a stored resource without its table"))
    }

    fn masked(&self, u: &Use, field: &str, v: Option<&str>) -> Option<String> {
        match u.masking.get(field) {
            Some(t) => mask(&self.masker, t, v),
            // A granted item without a stored technique is never shown in clear.
            None => None,
        }
    }

    fn page(
        &self,
        u: &Use,
        version: Option<u64>,
        live: bool,
        fields: Vec<String>,
        rows: Vec<Vec<Option<String>>>,
        next_cursor: Option<String>,
    ) -> DataPage {
        let mut h = Sha256::new();
        h.update(serde_json::to_vec(&(&fields, &rows)).unwrap_or_default());
        DataPage {
            grant: u.grant.id,
            code: u.grant.code.clone(),
            version,
            live,
            fields,
            rows,
            next_cursor,
            digest: hex::encode(h.finalize()),
            subjects: Vec::new(),
        }
    }

    /// Attach the keyed digests of the returned rows' keys (none when the entry has no key).
    fn with_subjects(&self, mut page: DataPage, keys: &[String]) -> DataPage {
        page.subjects = keys.iter().filter(|k| !k.is_empty()).map(|k| self.masker.subject_digest(k)).collect();
        page
    }

    /// Record the call (succeeded or refused): one audit record per call, through the
    /// group-committed sink (the allowed authorisation is not recorded separately).
    async fn finish(&self, pass: &Authorized<ShareData>, grant: i64, op: Op, r: Result<DataPage>) -> Result<DataPage> {
        let p = pass.principal();
        match &r {
            Ok(page) => {
                let rows = if matches!(op, Op::Count) { 0 } else { page.rows.len() as i64 };
                let mut detail = op.detail(pass);
                detail.extend(
                    json!({ "code": page.code, "fields": page.fields, "rows": rows,
                            "version": page.version, "live": page.live, "digest": page.digest,
                            "subject_digests": page.subjects })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                );
                let target = format!("grant:{grant}");
                self.record(p, pass.request_id(), "share.data", target, Outcome::Succeeded, detail.into()).await?;
            }
            Err(e) => {
                let mut detail = op.detail(pass);
                detail.insert("code".into(), json!(e.code.as_str()));
                let target = format!("grant:{grant}");
                self.record(p, pass.request_id(), "share.data", target, Outcome::Failed, detail.into()).await?;
            }
        }
        r
    }
}

/// The entry's key items, in order.
fn key_items(u: &Use) -> Vec<String> {
    u.entry.body.items.iter().filter(|i| i.key).map(|i| i.name.clone()).collect()
}

fn parse_cursor(c: &str) -> Result<(Option<u64>, u64)> {
    let bad = || Error::invalid("cursor", "the cursor is not one this API gave out");
    let (v, n) = c.split_once('.').ok_or_else(bad)?;
    Ok((Some(v.parse().map_err(|_| bad())?), n.parse().map_err(|_| bad())?))
}
