//! One authoritative source (一数一源): the platform operator names, for a standard data element,
//! the resource whose values are authoritative and the key element matching records across
//! resources. Every other resource carrying both elements then gets a derived consistency rule
//! (`authority.<element>`, warning severity) comparing its values with the authoritative ones by
//! key; divergences are listed with both values and counted in the consistency score.

use serde::{Deserialize, Serialize};
use zs_catalog::Entry;
use zs_identity::policy::{AuthorityManage, Authorized, GovernRead};
use zs_meta::govern::AuthorityRow;
use zs_types::{Error, Outcome, Result};

use super::GovernService;
use crate::engine::Failure;
use crate::rules::{Check, Rule, Severity, Target};

/// Prefix of the ids of derived authority rules.
pub const AUTHORITY_RULE_PREFIX: &str = "authority.";

/// A designation request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AuthorityRequest {
    /// The data element (数据元) identifier, e.g. `DE01002` (姓名).
    pub element: String,
    /// Code of the authoritative resource (published, carrying the element and the key element).
    pub resource: String,
    /// The element matching records, e.g. `DE01001` (公民身份号码).
    pub key_element: String,
    /// Why this source (legal basis, duty).
    #[serde(default)]
    pub note: String,
}

/// A designation with what it compares and what diverges.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuthorityView {
    /// The data element.
    pub element: String,
    /// The authoritative resource's code.
    pub resource: String,
    /// Its name.
    pub resource_name: String,
    /// The key element.
    pub key_element: String,
    /// Why this source.
    pub note: String,
    /// When designated (Unix ms).
    pub designated_at: i64,
    /// The other resources compared with it, with their latest divergences.
    pub compared: Vec<Comparison>,
}

/// One resource compared with the authoritative source, from its latest quality run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// Resource code.
    pub resource: String,
    /// Its name.
    pub resource_name: String,
    /// The item compared.
    pub item: String,
    /// Version of the latest run (none: not checked since the designation).
    pub version: Option<i64>,
    /// Values compared.
    pub checked: u64,
    /// Values differing from the authoritative source.
    pub diverging: u64,
    /// The first divergences: row, this value and the authoritative one (masked when sensitive).
    #[schema(value_type = Vec<Object>)]
    pub samples: Vec<Failure>,
}

/// The item of `entry` following `element`, if any.
fn item_of<'a>(entry: &'a Entry, element: &str) -> Option<&'a str> {
    entry.body.items.iter().find(|i| i.element.as_deref() == Some(element)).map(|i| i.name.as_str())
}

/// The rule comparing `entry` with the authoritative source `auth` (entry `source`), if `entry`
/// carries both elements and is not the source itself.
fn derived_rule(entry: &Entry, a: &AuthorityRow, source: &Entry) -> Option<Rule> {
    if entry.code == source.code {
        return None;
    }
    let (item, key) = (item_of(entry, &a.element)?, item_of(entry, &a.key_element)?);
    let (column, remote_key) = (item_of(source, &a.element)?, item_of(source, &a.key_element)?);
    Some(Rule {
        id: format!("{AUTHORITY_RULE_PREFIX}{}", a.element),
        target: Target::Item(item.to_owned()),
        check: Check::SameAs {
            key: key.to_owned(),
            resource: source.code.clone(),
            remote_key: remote_key.to_owned(),
            column: column.to_owned(),
        },
        severity: Severity::Warning,
        note: Some(format!("一数一源: {} 以 {} 为准 (authoritative source)", a.element, source.code)),
    })
}

impl GovernService {
    /// The rules derived from the designations for `entry` (see the module documentation).
    pub(crate) async fn authority_rules(&self, entry: &Entry, all: &[Entry]) -> Result<Vec<Rule>> {
        let designations = self.store.list_authorities().await?;
        Ok(designations
            .iter()
            .filter_map(|a| {
                let source = all.iter().find(|e| e.code == a.resource)?;
                derived_rule(entry, a, source)
            })
            .collect())
    }

    /// Designate the authoritative source of an element (platform operators); audited as
    /// `govern.authority`.
    pub async fn designate_authority(
        &self,
        pass: &Authorized<AuthorityManage>,
        req: &AuthorityRequest,
    ) -> Result<AuthorityRow> {
        let element = req.element.trim();
        let key_element = req.key_element.trim();
        if element.is_empty() || key_element.is_empty() || element == key_element {
            return Err(Error::invalid("key_element", "name two different data elements: the value and the key"));
        }
        let all = self.catalog.all_entries().await?;
        let source =
            all.iter().find(|e| e.code == req.resource.trim() && e.published_version.is_some()).ok_or_else(|| {
                Error::invalid("resource", format!("{} is not a published resource", req.resource.trim()))
            })?;
        for (field, el) in [("element", element), ("key_element", key_element)] {
            if item_of(source, el).is_none() {
                return Err(Error::invalid(
                    field,
                    format!("{} has no data item following data element {el}", source.code),
                ));
            }
        }
        let row = AuthorityRow {
            element: element.to_owned(),
            resource: source.code.clone(),
            key_element: key_element.to_owned(),
            note: req.note.trim().chars().take(500).collect(),
            designated_by: Some(pass.principal().user.id.0),
            designated_at: self.now_ms(),
        };
        self.store.put_authority(&row).await?;
        self.record(
            Some(pass.principal()),
            pass.request_id(),
            "govern.authority",
            format!("element:{element}"),
            Outcome::Succeeded,
            serde_json::json!({ "resource": row.resource, "key_element": row.key_element }),
        )
        .await?;
        Ok(row)
    }

    /// Designate a source without a caller check, unless the element already has one: for the
    /// demo seed and tests. Callers with a pass use [`GovernService::designate_authority`].
    pub async fn seed_authority(&self, element: &str, resource: &str, key_element: &str, note: &str) -> Result<bool> {
        if self.store.list_authorities().await?.iter().any(|a| a.element == element) {
            return Ok(false);
        }
        let row = AuthorityRow {
            element: element.to_owned(),
            resource: resource.to_owned(),
            key_element: key_element.to_owned(),
            note: note.to_owned(),
            designated_by: None,
            designated_at: self.now_ms(),
        };
        self.store.put_authority(&row).await?;
        Ok(true)
    }

    /// Remove a designation (platform operators); audited.
    pub async fn remove_authority(&self, pass: &Authorized<AuthorityManage>, element: &str) -> Result<()> {
        if !self.store.delete_authority(element).await? {
            return Err(Error::not_found("authoritative source"));
        }
        self.record(
            Some(pass.principal()),
            pass.request_id(),
            "govern.authority.remove",
            format!("element:{element}"),
            Outcome::Succeeded,
            serde_json::json!({}),
        )
        .await
    }

    /// Every designation with the resources compared against it and their latest divergences
    /// (resources the caller may see in the catalogue).
    pub async fn authorities(&self, pass: &Authorized<GovernRead>) -> Result<Vec<AuthorityView>> {
        let designations = self.store.list_authorities().await?;
        let all = self.catalog.all_entries().await?;
        let latest = self.store.latest_runs().await?;
        let mut out = Vec::new();
        for a in designations {
            let Some(source) = all.iter().find(|e| e.code == a.resource) else { continue };
            let mut compared = Vec::new();
            for e in &all {
                let Some(rule) = derived_rule(e, &a, source) else { continue };
                if e.published_version.is_none() || self.visible_entry(pass, &e.code).await.is_err() {
                    continue;
                }
                let run = latest.iter().find(|r| r.code == e.code);
                let result = run.map(super::check::results_of).unwrap_or_default();
                let r = result.get(&rule.id);
                compared.push(Comparison {
                    resource: e.code.clone(),
                    resource_name: e.body.name.clone(),
                    item: item_of(e, &a.element).unwrap_or_default().to_owned(),
                    version: run.filter(|_| r.is_some()).map(|r| r.version),
                    checked: r.map_or(0, |r| r.checked),
                    diverging: r.map_or(0, |r| r.failed),
                    samples: r.map(|r| r.samples.clone()).unwrap_or_default(),
                });
            }
            out.push(AuthorityView {
                element: a.element,
                resource: a.resource,
                resource_name: source.body.name.clone(),
                key_element: a.key_element,
                note: a.note,
                designated_at: a.designated_at,
                compared,
            });
        }
        Ok(out)
    }
}
