//! Changing an item's security level (安全级别, 数据分级) in place. The level is a real attribute
//! of the item that masking and access depend on; the department's stewards and security
//! administrators change it without a new catalogue version. The change is written into every
//! live version of the entry (the published one and a change in progress, or the latest draft
//! of an entry never published) and recorded as a `classify` event in the entry's history.

use crate::model::{Entry, SecurityLevel};
use crate::service::{now_ms, parse_body, CatalogService};
use zs_identity::policy::ClassificationChange;
use zs_identity::Authorized;
use zs_meta::catalog::{EntryChange, EventRow};
use zs_types::{Error, Result, Role};

impl CatalogService {
    /// Set the level of item `item` of entry `entry_id`. Stewards change their own
    /// department's entries; security administrators any entry in their scope; for others an
    /// entry they can see is `forbidden` and one they cannot is `not_found`. Returns the entry
    /// after the change and the level before it (unchanged entries are returned as they are).
    pub async fn set_item_level(
        &self,
        pass: &Authorized<ClassificationChange>,
        entry_id: i64,
        item: &str,
        level: SecurityLevel,
    ) -> Result<(Entry, SecurityLevel)> {
        let p = pass.principal();
        let dir = self.directory().await?;
        let row = self.store.get_entry(entry_id).await?.ok_or_else(|| Error::not_found("catalogue entry"))?;
        let owner = dir.org(row.org_id).ok_or_else(|| Error::not_found("catalogue entry"))?;
        let allowed = match p.user.role {
            Role::Steward => row.org_id == p.org.id.0,
            Role::SecurityAdmin => p.can_see(owner),
            _ => false,
        };
        if !allowed {
            return Err(if Self::visible(p, &row, owner) {
                Error::forbidden(
                    "only the providing department's stewards and security administrators change security levels",
                )
            } else {
                Error::not_found("catalogue entry")
            });
        }
        let shown = self.version(row.id, Self::shown_version(&row)).await?;
        let shown_body = parse_body(&shown)?;
        let old = shown_body
            .items
            .iter()
            .find(|i| i.name == item)
            .map(|i| i.security_level)
            .ok_or_else(|| Error::not_found("data item"))?;
        let mut live: Vec<i64> = [row.published_version, row.pending_version].into_iter().flatten().collect();
        if live.is_empty() {
            live.push(row.latest_version);
        }
        live.dedup();
        let mut updates = Vec::new();
        for v in live {
            let mut ver = self.version(row.id, v).await?;
            let mut body = parse_body(&ver)?;
            let mut changed = false;
            for i in body.items.iter_mut().filter(|i| i.name == item && i.security_level != level) {
                i.security_level = level;
                changed = true;
            }
            if changed {
                ver.body = serde_json::to_string(&body).map_err(|e| Error::internal(e.to_string()))?;
                updates.push(ver);
            }
        }
        if updates.is_empty() {
            return Ok((self.view(&dir, &row, &shown)?, old));
        }
        let at = now_ms(self.clock.as_ref());
        let mut entry = row.clone();
        entry.updated_at = at;
        let change = EntryChange {
            entry,
            insert_versions: vec![],
            update_versions: updates,
            event: EventRow {
                entry_id: row.id,
                version: Self::shown_version(&row),
                action: "classify".into(),
                actor_id: Some(p.user.id.0),
                at,
                reason: Some(format!("{item}: {} → {}", old.as_str(), level.as_str())),
            },
            fulfil_obligations: None,
        };
        let row = self.store.apply_change(change).await?;
        Ok((self.refresh(&dir, &row).await?, old))
    }
}
