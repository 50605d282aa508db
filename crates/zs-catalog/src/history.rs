//! Every version is kept with who did what, when and why; any two versions can be compared
//! field by field.

use crate::model::EntryBody;
use crate::service::{parse_body, CatalogService};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use zs_identity::policy::CatalogRead;
use zs_identity::Authorized;
use zs_types::{Error, Result};

/// One version in the history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionInfo {
    /// Version number.
    pub version: i64,
    /// draft | submitted | returned | published | superseded | withdrawn | discarded.
    pub state: String,
    /// Whether it asked for withdrawal.
    pub withdrawal: bool,
    /// Author (user id).
    pub author_id: i64,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Submitter.
    pub submitted_by: Option<i64>,
    /// Reviewer.
    pub reviewed_by: Option<i64>,
    /// Reviewer's note or reason.
    pub review_note: Option<String>,
    /// Name in this version.
    pub name: String,
}

/// One event: who did what, when and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEvent {
    /// Version concerned.
    pub version: i64,
    /// What happened.
    pub action: String,
    /// Who (user id).
    pub actor_id: Option<i64>,
    /// Display name of the actor, when known.
    pub actor: Option<String>,
    /// When, RFC 3339.
    pub at: String,
    /// Why.
    pub reason: Option<String>,
}

/// The history of an entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct History {
    /// Versions, oldest first.
    pub versions: Vec<VersionInfo>,
    /// Events, oldest first.
    pub events: Vec<HistoryEvent>,
}

/// One changed element between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldChange {
    /// Element path, e.g. `sharing.kind` or `items.id_number.length`.
    pub field: String,
    /// Value in the first version (absent: the element did not exist).
    pub before: Option<String>,
    /// Value in the second version.
    pub after: Option<String>,
}

fn rfc3339(ms: i64) -> String {
    zs_types::clock::from_ms(ms).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Flatten a body to element path → value; items are keyed by their name so a reordering is
/// not reported as a change of every item.
fn flatten(body: &EntryBody) -> BTreeMap<String, String> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(&p, v, out);
                }
            }
            Value::Array(a) if prefix == "items" => {
                for item in a {
                    let key = item.get("name").and_then(Value::as_str).unwrap_or("?").to_owned();
                    walk(&format!("items.{key}"), item, out);
                }
            }
            Value::Array(a) => {
                let joined: Vec<String> =
                    a.iter().map(|x| x.as_str().map(str::to_owned).unwrap_or_else(|| x.to_string())).collect();
                out.insert(prefix.to_owned(), joined.join("; "));
            }
            Value::Null => {}
            Value::String(s) => {
                out.insert(prefix.to_owned(), s.clone());
            }
            other => {
                out.insert(prefix.to_owned(), other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", &serde_json::to_value(body).unwrap_or(Value::Null), &mut out);
    out
}

/// Field-by-field differences from `a` to `b`.
pub fn diff(a: &EntryBody, b: &EntryBody) -> Vec<FieldChange> {
    let (fa, fb) = (flatten(a), flatten(b));
    let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (fa.get(k), fb.get(k));
            (x != y).then(|| FieldChange { field: k.clone(), before: x.cloned(), after: y.cloned() })
        })
        .collect()
}

impl CatalogService {
    /// Versions and events of an entry the caller may see. Outside the owner's scope only
    /// published history is shown.
    pub async fn history(&self, pass: &Authorized<CatalogRead>, id: i64) -> Result<History> {
        let p = pass.principal();
        let dir = self.directory().await?;
        let row = self.visible_row(p, &dir, id).await?;
        let insider = dir.org(row.org_id).is_some_and(|o| p.can_see(o));
        let users: BTreeMap<i64, String> =
            self.store.list_users("/").await?.into_iter().map(|u| (u.id.0, u.display_name)).collect();
        let mut versions = Vec::new();
        for v in self.store.list_versions(row.id).await? {
            if !insider && !matches!(v.state.as_str(), "published" | "superseded") {
                continue;
            }
            let name = parse_body(&v)?.name;
            versions.push(VersionInfo {
                version: v.version,
                state: v.state,
                withdrawal: v.withdrawal,
                author_id: v.author_id,
                created_at: rfc3339(v.created_at),
                submitted_by: v.submitted_by,
                reviewed_by: v.reviewed_by,
                review_note: v.review_note,
                name,
            });
        }
        let shown: Vec<i64> = versions.iter().map(|v| v.version).collect();
        let events = self
            .store
            .list_events(row.id)
            .await?
            .into_iter()
            .filter(|e| insider || shown.contains(&e.version))
            .map(|e| HistoryEvent {
                version: e.version,
                action: e.action,
                actor: e.actor_id.and_then(|a| users.get(&a).cloned()),
                actor_id: e.actor_id,
                at: rfc3339(e.at),
                reason: e.reason,
            })
            .collect();
        Ok(History { versions, events })
    }

    /// The body of one version (drafts only within the owner's scope).
    pub async fn version_body(&self, pass: &Authorized<CatalogRead>, id: i64, version: i64) -> Result<EntryBody> {
        let p = pass.principal();
        let dir = self.directory().await?;
        let row = self.visible_row(p, &dir, id).await?;
        let v = self.version(row.id, version).await?;
        let insider = dir.org(row.org_id).is_some_and(|o| p.can_see(o));
        if !insider && !matches!(v.state.as_str(), "published" | "superseded") {
            return Err(Error::not_found("entry version"));
        }
        parse_body(&v)
    }

    /// Field-by-field diff between two versions the caller may see.
    pub async fn diff(&self, pass: &Authorized<CatalogRead>, id: i64, a: i64, b: i64) -> Result<Vec<FieldChange>> {
        let (x, y) = (self.version_body(pass, id, a).await?, self.version_body(pass, id, b).await?);
        Ok(diff(&x, &y))
    }
}
