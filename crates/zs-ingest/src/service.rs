//! The ingest service: resource lookups and the rules of who may hand in what, shared by the
//! API, the portal, the CLI and the job worker.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use zs_catalog::{CatalogService, Entry, EntryStatus};
use zs_identity::policy::{Authorized, CatalogRead, ResourceManage, ResourceRead, ResourceRejects};
use zs_identity::{IdentityService, Principal};
use zs_meta::resources::{HandIn, ResourceSettings, Schedule};
use zs_meta::DynStore;
use zs_tables::{Table, TableRoot, TableSchema, VersionInfo};
use zs_types::{AuditEvent, AuditSink, Clock, Error, ErrorCode, Outcome, Result};

use crate::error::tables_error;
use crate::rejects::{self, RejectsFormat};

/// Everything shown about one resource: its entry, its versions and hand-ins, its settings.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceView {
    /// 信息资源代码.
    pub code: String,
    /// The catalogue entry's id.
    pub entry_id: i64,
    /// 信息资源名称.
    pub name: String,
    /// Providing department.
    pub provider: String,
    /// The current version, if any data was handed in.
    pub current: Option<VersionInfo>,
    /// Versions, newest first.
    pub versions: Vec<VersionInfo>,
    /// Remembered column mapping (file header → item name).
    pub mapping: std::collections::BTreeMap<String, String>,
    /// The batch policy: reject the whole hand-in above this rejected-row rate.
    pub max_error_rate: Option<f64>,
    /// Versions kept by compaction.
    pub keep_versions: Option<i64>,
}

/// Hand-in, versions, rejected rows and settings of resources.
#[derive(Clone)]
pub struct IngestService {
    pub(crate) store: DynStore,
    pub(crate) identity: IdentityService,
    pub(crate) catalog: CatalogService,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) data_dir: PathBuf,
    /// Where resource tables live: `<data_dir>/tables` by default, or an object store.
    pub(crate) tables: TableRoot,
    pub(crate) wake: Arc<tokio::sync::Notify>,
    /// Versions kept when a resource sets no retention (operator setting); none keeps all.
    pub(crate) default_keep_versions: Option<usize>,
    /// Told about every committed version (governance).
    pub(crate) hook: crate::hook::HookSlot,
    /// Data keys: with them, tables are encrypted at rest (none: plain files).
    pub(crate) keys: Option<Arc<crate::keys::KeyService>>,
}

/// The folder (or object prefix) name of a resource's table.
fn table_name(code: &str) -> String {
    code.replace('/', "_")
}

impl IngestService {
    /// A service keeping tables, uploads and rejected rows under `data_dir`.
    pub fn new(
        store: DynStore,
        identity: IdentityService,
        catalog: CatalogService,
        audit: Arc<dyn AuditSink>,
        clock: Arc<dyn Clock>,
        data_dir: &Path,
    ) -> Self {
        Self {
            store,
            identity,
            catalog,
            audit,
            clock,
            data_dir: data_dir.to_path_buf(),
            tables: TableRoot::Local(data_dir.join("tables")),
            wake: Arc::default(),
            default_keep_versions: None,
            hook: crate::hook::HookSlot::default(),
            keys: None,
        }
    }

    /// Encrypt resource tables with data keys from `keys` (one per resource).
    pub fn with_keys(mut self, keys: Arc<crate::keys::KeyService>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The data keys, when tables are encrypted.
    pub fn keys(&self) -> Option<&Arc<crate::keys::KeyService>> {
        self.keys.as_ref()
    }

    /// Keep resource tables in `root` instead of the data directory's `tables` folder (e.g. an
    /// S3-compatible bucket, from the `tables_store` settings).
    pub fn with_table_root(mut self, root: TableRoot) -> Self {
        self.tables = root;
        self
    }

    /// Where resource tables live.
    pub fn table_root(&self) -> &TableRoot {
        &self.tables
    }

    /// Keep this many versions of a resource whose steward set no retention (0 keeps all).
    pub fn with_default_keep_versions(mut self, keep: u64) -> Self {
        self.default_keep_versions = (keep > 0).then(|| usize::try_from(keep).unwrap_or(usize::MAX));
        self
    }

    /// Register the hook told about every committed version (replaces any earlier one; every
    /// clone of this service sees it).
    pub fn set_version_hook(&self, hook: Arc<dyn crate::hook::VersionHook>) {
        self.hook.set(hook);
    }

    /// Drop the registered hook. The hook's services hold this service, so the server clears it
    /// when it stops; otherwise the cycle keeps every service, and the store's connections, alive.
    pub fn clear_version_hook(&self) {
        self.hook.clear();
    }

    /// Tell the registered hook that `h` committed a version of `entry`'s table.
    pub(crate) async fn notify_committed(&self, entry: &Entry, table: &Table, h: &HandIn) {
        if h.outcome != "committed" || h.version.is_none() {
            return;
        }
        if let Some(hook) = self.hook.get() {
            hook.version_committed(entry, table, h).await;
        }
    }

    /// The folder of a resource's table (with the default local table root).
    pub fn table_dir(&self, code: &str) -> PathBuf {
        self.data_dir.join("tables").join(table_name(code))
    }

    /// Open a resource's table with the schema of its catalogue entry.
    pub fn open_table(&self, entry: &Entry) -> Result<Table> {
        let schema = TableSchema::from_items(&entry.body.items).map_err(tables_error)?;
        let name = table_name(&entry.code);
        let table = self.tables.open(&name, schema, self.clock.clone()).map_err(tables_error)?;
        Ok(match &self.keys {
            Some(k) => table.with_encryption(Arc::clone(k.keyring()), &name),
            None => table,
        })
    }

    /// Open a resource's table to write to it: with encryption, its data key exists first.
    pub async fn writable_table(&self, entry: &Entry) -> Result<Table> {
        if let Some(k) = &self.keys {
            k.ensure(&table_name(&entry.code)).await?;
        }
        self.open_table(entry)
    }

    /// The keyring scope (table name) of a resource.
    pub fn key_scope(code: &str) -> String {
        table_name(code)
    }

    pub(crate) fn now_ms(&self) -> i64 {
        zs_types::clock::to_ms(self.clock.now())
    }

    /// A published entry of the caller's own department, or why it cannot take data.
    pub(crate) async fn own_published_entry(&self, who: &Arc<Principal>, code: &str) -> Result<Entry> {
        let read = self.identity.authorize::<CatalogRead>(who, None).await?;
        let entry = self.catalog.get_by_code(&read, code).await?;
        if entry.org_id != who.org.id.0 {
            return Err(Error::forbidden(format!(
                "{} is provided by {}; only its own department hands in its data",
                entry.code, entry.provider
            )));
        }
        if entry.status != EntryStatus::Published || entry.published_version.is_none() {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("{} is not published; only published entries take data", entry.code),
            ));
        }
        Ok(entry)
    }

    async fn visible_entry<A: zs_identity::policy::Action>(&self, pass: &Authorized<A>, code: &str) -> Result<Entry> {
        let read = self.identity.authorize::<CatalogRead>(&pass.principal_arc(), pass.request_id()).await?;
        self.catalog.get_by_code(&read, code).await
    }

    /// A resource as its page shows it.
    pub async fn resource(&self, pass: &Authorized<ResourceRead>, code: &str) -> Result<ResourceView> {
        let entry = self.visible_entry(pass, code).await?;
        let settings = self.settings_of(&entry.code).await?;
        let table = self.open_table(&entry)?;
        let mut versions = tokio::task::spawn_blocking(move || table.history())
            .await
            .map_err(|_| Error::internal("reading versions"))?
            .map_err(tables_error)?;
        versions.reverse();
        // The manifest's job tag (`upload#job=12`) and a materialisation's lineage
        // (`sql:enterprise@3,…`, kept on the hand-in) are bookkeeping; show the channel.
        for v in &mut versions {
            if let Some((channel, _)) = v.channel.split_once(crate::handin::JOB_TAG) {
                v.channel = channel.to_owned();
            }
            if v.channel.starts_with("sql:") {
                v.channel = "materialise".into();
            }
        }
        Ok(ResourceView {
            code: entry.code.clone(),
            entry_id: entry.id,
            name: entry.body.name.clone(),
            provider: entry.provider.clone(),
            current: versions.first().cloned(),
            versions,
            mapping: serde_json::from_str(&settings.mapping).unwrap_or_default(),
            max_error_rate: settings.max_error_rate,
            keep_versions: settings.keep_versions,
        })
    }

    /// Hand-ins of a resource, newest first.
    pub async fn hand_ins(&self, pass: &Authorized<ResourceRead>, code: &str, limit: i64) -> Result<Vec<HandIn>> {
        let entry = self.visible_entry(pass, code).await?;
        self.store.list_hand_ins(Some(&entry.code), None, limit).await
    }

    /// Jobs of a resource, newest first.
    pub async fn jobs(
        &self,
        pass: &Authorized<ResourceRead>,
        code: &str,
        limit: i64,
    ) -> Result<Vec<zs_meta::jobs::JobRow>> {
        let entry = self.visible_entry(pass, code).await?;
        self.store.list_jobs(Some(&subject(&entry.code)), limit).await
    }

    /// One job, if it concerns a resource the caller may see.
    pub async fn job(&self, pass: &Authorized<ResourceRead>, id: i64) -> Result<zs_meta::jobs::JobRow> {
        let job = self.store.get_job(id).await?.ok_or_else(|| Error::not_found("job"))?;
        let code = job.subject.as_deref().and_then(|s| s.strip_prefix("resource:")).unwrap_or_default().to_owned();
        self.visible_entry(pass, &code).await.map_err(|_| Error::not_found("job"))?;
        Ok(job)
    }

    /// Pull schedules of a resource, with their raw specs (credentials included): for this crate
    /// only; callers outside get the redacted `schedule_views`.
    pub(crate) async fn schedules(&self, pass: &Authorized<ResourceRead>, code: &str) -> Result<Vec<Schedule>> {
        let entry = self.visible_entry(pass, code).await?;
        self.store.list_schedules(Some(&entry.code)).await
    }

    /// The rejected rows of a hand-in as a CSV or Excel report (the providing department, or an
    /// operator whose area covers it).
    pub async fn rejects(
        &self,
        pass: &Authorized<ResourceRejects>,
        hand_in: i64,
        format: RejectsFormat,
    ) -> Result<(HandIn, Vec<u8>)> {
        let (h, path) = self.rejects_file(pass, hand_in).await?;
        let files = self.file_opener();
        let bytes = tokio::task::spawn_blocking(move || rejects::render(&files, &path, format))
            .await
            .map_err(|_| Error::internal("rendering rejected rows"))??;
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.rejects",
            &h.code,
            Outcome::Succeeded,
            serde_json::json!({ "hand_in": h.id, "rows": h.rows_rejected }),
        )
        .await?;
        Ok((h, bytes))
    }

    /// The first rejected rows of a hand-in, for a page.
    pub async fn rejects_preview(
        &self,
        pass: &Authorized<ResourceRejects>,
        hand_in: i64,
        limit: usize,
    ) -> Result<(HandIn, Vec<[String; 5]>)> {
        let (h, path) = self.rejects_file(pass, hand_in).await?;
        let files = self.file_opener();
        let rows = tokio::task::spawn_blocking(move || rejects::preview(&files, &path, limit))
            .await
            .map_err(|_| Error::internal("reading rejected rows"))??;
        Ok((h, rows))
    }

    async fn rejects_file(&self, pass: &Authorized<ResourceRejects>, hand_in: i64) -> Result<(HandIn, PathBuf)> {
        let h = self.store.get_hand_in(hand_in).await?.ok_or_else(|| Error::not_found("hand-in"))?;
        let entry = self.visible_entry(pass, &h.code).await.map_err(|_| Error::not_found("hand-in"))?;
        let p = pass.principal();
        let own = entry.org_id == p.org.id.0;
        // Operators see them only for providers within their area (a district's operator does
        // not see a municipal department's rejected rows).
        let operator = p.role() == zs_types::Role::PlatformOperator && entry.owner_path.starts_with(p.scope_path());
        if !(own || operator) {
            return Err(Error::forbidden("only the providing department and operators of its area see rejected rows"));
        }
        let file = h.rejects_file.clone().ok_or_else(|| Error::not_found("rejected rows of this hand-in"))?;
        let path = self.data_dir.join(file);
        if !path.is_file() {
            // Deleted with the resource's data (secure destruction), or lost.
            return Err(self.gone_error(&entry, "the rejected rows of this hand-in"));
        }
        Ok((h, path))
    }

    pub(crate) async fn settings_of(&self, code: &str) -> Result<ResourceSettings> {
        Ok(self.store.resource_settings(code).await?.unwrap_or_else(|| ResourceSettings {
            code: code.to_owned(),
            mapping: "{}".into(),
            ..Default::default()
        }))
    }

    /// Change the batch policy and retention of a resource of one's own department.
    pub async fn set_policy(
        &self,
        pass: &Authorized<ResourceManage>,
        code: &str,
        max_error_rate: Option<f64>,
        keep_versions: Option<i64>,
    ) -> Result<ResourceSettings> {
        let entry = self.own_published_entry(&pass.principal_arc(), code).await?;
        if let Some(r) = max_error_rate {
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::invalid("max_error_rate", "the rejected-row limit is a share between 0 and 1"));
            }
        }
        if keep_versions.is_some_and(|k| k < 1) {
            return Err(Error::invalid("keep_versions", "keep at least one version"));
        }
        let mut s = self.settings_of(&entry.code).await?;
        s.max_error_rate = max_error_rate;
        s.keep_versions = keep_versions;
        s.updated_by = Some(pass.principal().user.id.0);
        s.updated_at = self.now_ms();
        self.store.put_resource_settings(&s).await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.manage",
            &entry.code,
            Outcome::Succeeded,
            serde_json::json!({ "max_error_rate": max_error_rate, "keep_versions": keep_versions }),
        )
        .await?;
        Ok(s)
    }

    /// Remember how file columns map to items for a resource of one's own department (header →
    /// item name); later hand-ins use it unless they bring their own.
    pub async fn set_mapping(
        &self,
        pass: &Authorized<ResourceManage>,
        code: &str,
        mapping: std::collections::BTreeMap<String, String>,
    ) -> Result<ResourceSettings> {
        let entry = self.own_published_entry(&pass.principal_arc(), code).await?;
        for (header, item) in &mapping {
            if !entry.body.items.iter().any(|i| &i.name == item) {
                return Err(Error::invalid(
                    &format!("mapping.{header}"),
                    format!(
                        "'{item}' is not an item of {}; use an item name such as '{}'",
                        entry.code,
                        entry.body.items.first().map(|i| i.name.as_str()).unwrap_or("")
                    ),
                ));
            }
        }
        let mut s = self.settings_of(&entry.code).await?;
        s.mapping = serde_json::to_string(&mapping).map_err(|_| Error::internal("encoding the mapping"))?;
        s.updated_by = Some(pass.principal().user.id.0);
        s.updated_at = self.now_ms();
        self.store.put_resource_settings(&s).await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.manage",
            &entry.code,
            Outcome::Succeeded,
            serde_json::json!({ "mapping": mapping.len() }),
        )
        .await?;
        Ok(s)
    }

    pub(crate) async fn record(
        &self,
        who: &Principal,
        request_id: Option<&str>,
        action: &str,
        code: &str,
        outcome: Outcome,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: request_id.map(str::to_owned),
                actor_user: Some(who.user.id),
                actor_org: Some(who.org.id),
                action: action.to_owned(),
                target: Some(format!("resource:{code}")),
                outcome,
                detail,
            })
            .await
    }
}

/// The job subject of a resource.
pub(crate) fn subject(code: &str) -> String {
    format!("resource:{code}")
}
