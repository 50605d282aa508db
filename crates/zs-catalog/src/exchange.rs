//! Import and export at the service level: authorisation, visibility, all-or-nothing commit.
//! File formats (Excel, CSV, JSON) are parsed and written by `zs-catalog-xlsx`.

use crate::model::{Entry, EntryBody};
use crate::service::CatalogService;
use crate::validate;
use zs_identity::policy::{CatalogExport, CatalogImport};
use zs_identity::Authorized;
use zs_types::{Error, Result};

impl CatalogService {
    /// Create drafts for every body in one transaction: if any body is invalid or its name is
    /// taken, nothing is created and the error names the entry (1-based position) and element.
    pub async fn import(
        &self,
        pass: &Authorized<CatalogImport>,
        bodies: Vec<EntryBody>,
        source: &str,
    ) -> Result<Vec<Entry>> {
        if bodies.is_empty() {
            return Err(Error::invalid("file", "the file holds no entries"));
        }
        for (i, b) in bodies.iter().enumerate() {
            if let Err(e) = validate::validate(b) {
                let field = e.field.clone().unwrap_or_default();
                return Err(Error::invalid(
                    &format!("entries[{i}].{field}"),
                    format!("entry {} ({}): {}", i + 1, b.name, e.message),
                ));
            }
        }
        let reason = Some(format!("imported from {}", source.chars().take(100).collect::<String>()));
        self.create_many(pass, bodies, reason).await
    }

    /// The entries the caller may see, optionally limited to one provider, for export.
    pub async fn export(&self, pass: &Authorized<CatalogExport>, org_id: Option<i64>) -> Result<Vec<Entry>> {
        let all = self.visible_entries(pass.principal()).await?;
        Ok(match org_id {
            Some(o) => all.into_iter().filter(|e| e.org_id == o).collect(),
            None => all,
        })
    }
}
