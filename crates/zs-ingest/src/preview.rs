//! A steward's look at the department's own data: the first rows of the current version, of
//! version N or as of a time (time travel), with sensitive items (L3 and above) masked and the
//! read recorded. Sharing data with others is the data API's job, under grants.

use std::collections::BTreeMap;

use arrow_cast::display::{ArrayFormatter, FormatOptions};
use serde::Serialize;
use zs_identity::policy::{Authorized, ResourcePreview};
use zs_types::{Error, Outcome, Result};

use crate::error::tables_error;
use crate::service::IngestService;

/// Rows a preview shows at most.
pub const MAX_PREVIEW_ROWS: usize = 200;

/// Rows of one version.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The version read (none: the resource holds no data yet).
    pub version: Option<u64>,
    /// Rows in that version.
    pub total_rows: u64,
    /// Item names, in order.
    pub columns: Vec<String>,
    /// The rows: item → value as text (masked for L3+ items), null when empty.
    pub rows: Vec<BTreeMap<String, Option<String>>>,
}

impl IngestService {
    /// The first `limit` rows of the resource's current version, of `version`, or of the version
    /// current at `as_of` (Unix ms).
    pub async fn preview(
        &self,
        pass: &Authorized<ResourcePreview>,
        code: &str,
        version: Option<u64>,
        as_of: Option<i64>,
        limit: usize,
    ) -> Result<Preview> {
        let entry = self.own_published_entry(&pass.principal_arc(), code).await?;
        let table = self.open_table(&entry)?;
        let limit = limit.clamp(1, MAX_PREVIEW_ROWS);
        let preview = tokio::task::spawn_blocking(move || -> Result<Preview> {
            let version = match (version, as_of) {
                (Some(v), _) => Some(v),
                (None, Some(t)) => Some(
                    table
                        .as_of_time(zs_types::clock::from_ms(t))
                        .map_err(tables_error)?
                        .ok_or_else(|| Error::not_found("a version at that time"))?,
                ),
                (None, None) => None,
            };
            let manifest = table.manifest(version).map_err(tables_error)?;
            if version.is_some() && manifest.is_none() {
                return Err(Error::not_found("version"));
            }
            let columns = table.schema().columns().to_vec();
            let mut rows = Vec::new();
            for batch in table.scan(version).map_err(tables_error)? {
                let batch = batch.map_err(tables_error)?;
                let opts = FormatOptions::default();
                let fmts: Vec<ArrayFormatter<'_>> = batch
                    .columns()
                    .iter()
                    .map(|a| ArrayFormatter::try_new(a.as_ref(), &opts))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| Error::internal(format!("formatting rows: {e}")))?;
                for r in 0..batch.num_rows() {
                    if rows.len() == limit {
                        break;
                    }
                    let mut row = BTreeMap::new();
                    for (i, c) in columns.iter().enumerate() {
                        let v = (!batch.column(i).is_null(r)).then(|| {
                            let raw = fmts[i].value(r).to_string();
                            if c.is_sensitive() {
                                zs_tables::shown_value(c, &raw)
                            } else {
                                raw
                            }
                        });
                        row.insert(c.name.clone(), v);
                    }
                    rows.push(row);
                }
                if rows.len() == limit {
                    break;
                }
            }
            Ok(Preview {
                version: manifest.as_ref().map(|m| m.version),
                total_rows: manifest.as_ref().map_or(0, |m| m.rows),
                columns: columns.iter().map(|c| c.name.clone()).collect(),
                rows,
            })
        })
        .await
        .map_err(|_| Error::internal("reading rows"))??;
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.preview",
            &entry.code,
            Outcome::Succeeded,
            serde_json::json!({ "version": preview.version, "rows": preview.rows.len() }),
        )
        .await?;
        Ok(preview)
    }
}
