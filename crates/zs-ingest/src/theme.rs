//! Theme and topic libraries (主题库/专题库): SQL over other resources (`zs_query::themes`),
//! materialised as a new version of the library's own resource, with the lineage — every source
//! resource and the version read — kept on the hand-in record and in the version's manifest.

use zs_identity::policy::{Authorized, DataIngest};
use zs_meta::resources::HandIn;
use zs_query::themes::{ThemeLibrary, THEME_LIBRARIES};
use zs_types::{Error, ErrorCode, Result};

use crate::error::tables_error;
use crate::service::IngestService;

/// The definition of a theme library by its resource name.
pub fn theme_library(name: &str) -> Option<&'static ThemeLibrary> {
    THEME_LIBRARIES.iter().find(|t| t.name == name)
}

impl IngestService {
    /// Materialise the theme library held by resource `code` (a published entry of the caller's
    /// department whose name is a known library) from the current versions of its sources.
    pub async fn materialise(&self, pass: &Authorized<DataIngest>, code: &str, job_id: Option<i64>) -> Result<HandIn> {
        let who = pass.principal_arc();
        let started = self.now_ms();
        let entry = self.own_published_entry(&who, code).await?;
        let lib = theme_library(&entry.body.name).ok_or_else(|| {
            Error::invalid(
                "code",
                format!("{} ({}) is not a theme library defined over other resources", entry.code, entry.body.name),
            )
        })?;
        let all = self.catalog.all_entries().await?;
        let mut tables = Vec::new();
        let mut codes = Vec::new();
        for (sql_name, source) in lib.sources {
            let e = all.iter().find(|e| e.body.name == *source && e.published_version.is_some()).ok_or_else(|| {
                Error::new(ErrorCode::Conflict, format!("the source resource {source} is not published"))
            })?;
            tables.push((*sql_name, self.open_table(e)?));
            codes.push((*sql_name, e.code.clone()));
        }
        let target = self.writable_table(&entry).await?;
        let sources: Vec<(&str, &zs_tables::Table)> = tables.iter().map(|(n, t)| (*n, t)).collect();
        let result = zs_query::materialise(lib.sql, &sources, &target, &who.user.username).await;
        let base = self.failed_hand_in(&entry, &who, "materialise", crate::handin::Mode::Replace, job_id, started);
        match result {
            Ok(m) => {
                let lineage: Vec<serde_json::Value> = m
                    .lineage
                    .iter()
                    .map(|(n, v)| {
                        let code = codes.iter().find(|(c, _)| c == n).map(|(_, c)| c.clone()).unwrap_or_default();
                        serde_json::json!({ "name": n, "code": code, "version": v })
                    })
                    .collect();
                let h = HandIn {
                    outcome: "committed".into(),
                    version: Some(m.version.version as i64),
                    total_rows: Some(m.version.rows as i64),
                    rows_read: m.rows as i64,
                    rows_written: m.rows as i64,
                    message: Some(format!("{} rows from {}", m.rows, zs_query::lineage_channel(&m.lineage))),
                    lineage: Some(serde_json::Value::Array(lineage).to_string()),
                    ..base
                };
                let recorded = self.finish_hand_in(&who, pass.request_id(), &h).await?;
                self.notify_committed(&entry, &target, &recorded).await;
                Ok(recorded)
            }
            Err(e) => {
                let err = match e {
                    zs_query::QueryError::Tables(t) => tables_error(t),
                    other => Error::new(ErrorCode::Conflict, format!("materialising {}: {other}", lib.name)),
                };
                let h = HandIn { message: Some(err.message.clone()), ..base };
                self.finish_hand_in(&who, pass.request_id(), &h).await?;
                Err(err)
            }
        }
    }
}
