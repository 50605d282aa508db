//! Bulk delivery (库表/文件交换) over a grant: a full extract of the current version, or the
//! changes since the last delivered version, as a CSV, Parquet or Excel file in the consumer
//! department's download area, or straight into a table of the consumer's own PostgreSQL
//! database — on demand or on a plan's schedule. Deliveries are queued in the store and run by
//! the exchange runner (a stopped process's running deliveries are queued again at start).
//! Granted items, row restriction and masking apply exactly as in the data API; every delivery
//! is recorded (store row + `share.delivery` audit event) with its version range, row counts
//! and a SHA-256 digest of what was delivered. Files are kept encrypted under the resource's
//! data key (`zs_ingest::files`), downloaded decrypted (the digest is the plaintext's), and
//! deleted when the resource's data is destroyed.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use zs_identity::policy::{Authorized, ShareData, ShareRead};
use zs_meta::delivery::{Delivery, DeliveryPlan, DeliveryResult, NewDelivery, NewDeliveryPlan};
use zs_meta::share::Grant;
use zs_types::{AuditEvent, Error, ErrorCode, OrgId, Outcome, Result, UserId};

use crate::diff::{self, Op, Row};
use crate::exchange::Terms;
use crate::masking::{mask, Technique};
use crate::output::{sync_dir, FileFormat, FileWriter};
use crate::quota::Limits;
use crate::service::ShareService;

/// Ask for one delivery of a grant's data as a file.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverInput {
    /// `full` (the whole current version) or `changes` (since the last file delivered on
    /// demand; the first one is a full extract).
    pub kind: String,
    /// `csv` (UTF-8), `parquet` or `xlsx`.
    pub format: String,
}

/// A delivery plan to make: a target and, optionally, a schedule.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// `full` or `changes` (since the plan's last delivered version).
    pub kind: String,
    /// `csv`, `parquet`, `xlsx` (files in the download area) or `postgres` (the consumer's database).
    pub format: String,
    /// For `postgres`: the consumer database's URL (`postgres://user:password@host:port/db`),
    /// stored sealed and never shown again.
    #[serde(default)]
    pub database_url: Option<String>,
    /// For `postgres`: the target table, `name` or `schema.name` (created when missing).
    #[serde(default)]
    pub table: Option<String>,
    /// Minutes between runs (5 to 44640); none: run on demand only.
    #[serde(default)]
    pub every_minutes: Option<i64>,
}

/// A delivery as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Identifier.
    pub id: i64,
    /// The grant.
    pub grant_id: i64,
    /// The plan it ran for.
    pub plan_id: Option<i64>,
    /// 信息资源代码.
    pub code: String,
    /// `full` or `changes`.
    pub kind: String,
    /// `csv` | `parquet` | `xlsx` | `postgres`.
    pub format: String,
    /// `queued` | `running` | `succeeded` | `failed`.
    pub state: String,
    /// Changes after this version (none: a full extract).
    pub from_version: Option<i64>,
    /// The version delivered.
    pub to_version: Option<i64>,
    /// Rows delivered.
    pub rows: i64,
    /// Rows added.
    pub added: i64,
    /// Rows changed.
    pub changed: i64,
    /// Rows deleted.
    pub deleted: i64,
    /// SHA-256 (hex): of the file, or of the rows written into the consumer's database.
    pub digest: Option<String>,
    /// File name in the download area.
    pub file_name: Option<String>,
    /// File size (of the plaintext, as downloaded).
    pub bytes: i64,
    /// Where to download it (consumer department only).
    pub download: Option<String>,
    /// Why it failed, or a note.
    pub message: Option<String>,
    /// Queued (Unix ms).
    pub created_at: i64,
    /// Ended (Unix ms).
    pub finished_at: Option<i64>,
}

/// A delivery plan as shown (the database URL never is).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    /// Identifier.
    pub id: i64,
    /// The grant.
    pub grant_id: i64,
    /// `full` or `changes`.
    pub kind: String,
    /// `csv` | `parquet` | `xlsx` | `postgres`.
    pub format: String,
    /// The database without its password.
    pub target: Option<String>,
    /// The target table.
    pub table: Option<String>,
    /// Minutes between runs.
    pub every_minutes: Option<i64>,
    /// Next run (Unix ms).
    pub next_run_at: Option<i64>,
    /// Whether it runs.
    pub enabled: bool,
    /// Made (Unix ms).
    pub created_at: i64,
}

/// The key items, if rows can be told apart by them after masking: all granted, each shown as
/// it is or as a keyed hash of at least 16 characters (a partly masked ID number is not a key).
fn by_key(terms: &Terms, field: &str) -> Result<Vec<String>> {
    let keys = terms.keys();
    if keys.is_empty() {
        return Err(Error::invalid(
            field,
            format!("{} has no key items: deliver full extracts as files", terms.entry.code),
        ));
    }
    for k in &keys {
        if !terms.fields.contains(k) {
            return Err(Error::invalid(
                field,
                format!("rows are delivered by key, and the key item '{k}' is not granted"),
            ));
        }
        match terms.masking.get(k) {
            Some(Technique::None) => {}
            Some(Technique::Hash { length, .. }) if *length >= 16 => {}
            _ => {
                return Err(Error::invalid(
                    field,
                    format!("rows are delivered by key, and the key item '{k}' is masked so that keys may collide (grant it as is or as a keyed hash of 16+ characters)"),
                ))
            }
        }
    }
    Ok(keys)
}

fn kind_of(s: &str) -> Result<&'static str> {
    match s {
        "full" => Ok("full"),
        "changes" => Ok("changes"),
        _ => Err(Error::invalid("kind", "kind is full or changes")),
    }
}

impl ShareService {
    /// Queue a file delivery of a grant held by the caller's department.
    pub async fn deliver(&self, pass: &Authorized<ShareData>, id: i64, input: DeliverInput) -> Result<DeliveryView> {
        let p = pass.principal();
        let grant = self.held(p, id).await?;
        let kind = kind_of(input.kind.trim())?;
        let format = FileFormat::parse(input.format.trim()).ok_or_else(|| {
            Error::invalid("format", "format is csv, parquet or xlsx (a database target needs a plan)")
        })?;
        self.check_deliverable(&grant, kind, false).await?;
        let d = self.queue(&grant, None, kind, format.ext(), Some(p.user.id.0)).await?;
        self.record(
            p,
            pass.request_id(),
            "share.deliver",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "delivery": d.id, "kind": kind, "format": d.format }),
        )
        .await?;
        Ok(self.present_delivery(&d))
    }

    /// Whether the grant's data can be delivered this way at all (answered at once, before queuing).
    async fn check_deliverable(&self, grant: &Grant, kind: &str, database: bool) -> Result<()> {
        if self.store.live_source(&grant.code).await?.is_some() {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("{} is read from its live source (逻辑接入); use the data API", grant.code),
            ));
        }
        let terms = self.terms(grant).await?;
        if kind == "changes" || database {
            by_key(&terms, if kind == "changes" { "kind" } else { "format" })?;
        }
        Ok(())
    }

    async fn queue(
        &self,
        grant: &Grant,
        plan: Option<i64>,
        kind: &str,
        format: &str,
        by: Option<i64>,
    ) -> Result<Delivery> {
        let d = self
            .store
            .enqueue_delivery(&NewDelivery {
                id: 0,
                grant_id: grant.id,
                plan_id: plan,
                code: grant.code.clone(),
                provider_org_id: grant.provider_org_id,
                consumer_org_id: grant.consumer_org_id,
                kind: kind.into(),
                format: format.into(),
                state: "queued".into(),
                from_version: None,
                to_version: None,
                rows_total: 0,
                rows_added: 0,
                rows_changed: 0,
                rows_deleted: 0,
                digest: None,
                file_name: None,
                bytes: 0,
                message: None,
                worker: None,
                requested_by: by,
                created_at: self.now_ms(),
                started_at: None,
                finished_at: None,
            })
            .await?;
        self.exchange.wake.notify_waiters();
        Ok(d)
    }

    /// A grant's deliveries, newest first: for the consumer department, the provider
    /// department and operators of the area (as the grant itself).
    pub async fn deliveries(&self, pass: &Authorized<ShareRead>, id: i64) -> Result<Vec<DeliveryView>> {
        self.grant(pass, id).await?;
        Ok(self.store.list_deliveries(id, 200).await?.iter().map(|d| self.present_delivery(d)).collect())
    }

    /// One delivery of a grant the caller may see.
    pub async fn delivery(&self, pass: &Authorized<ShareRead>, id: i64, delivery: i64) -> Result<DeliveryView> {
        self.grant(pass, id).await?;
        let d = self.store.get_delivery(delivery).await?.filter(|d| d.grant_id == id);
        Ok(self.present_delivery(&d.ok_or_else(|| Error::not_found("delivery"))?))
    }

    /// The file of a succeeded delivery, for the consumer department only (and only while the
    /// grant is usable), opened for reading its plaintext (it is kept encrypted). The download
    /// is recorded. After the resource's secure destruction: `data_destroyed`.
    pub async fn delivery_file(
        &self,
        pass: &Authorized<ShareData>,
        id: i64,
        delivery: i64,
    ) -> Result<(DeliveryView, zs_ingest::FileReader, FileFormat)> {
        let p = pass.principal();
        self.held(p, id).await?;
        let d = self
            .store
            .get_delivery(delivery)
            .await?
            .filter(|d| d.grant_id == id && d.state == "succeeded")
            .ok_or_else(|| Error::not_found("delivery file"))?;
        let (Some(name), Some(format)) = (d.file_name.as_deref(), FileFormat::parse(&d.format)) else {
            return Err(Error::not_found("delivery file"));
        };
        let path = self.download_dir(d.consumer_org_id).join(name);
        if !path.is_file() {
            let destroyed = self.entry_of_grant(&d.code).await.is_ok_and(|e| self.ingest.is_destroyed(&e));
            return Err(if destroyed {
                Error::new(
                    ErrorCode::DataDestroyed,
                    format!("the data of {} was destroyed (数据安全销毁), its delivered files with it", d.code),
                )
            } else {
                Error::new(ErrorCode::NotFound, "the delivery file is no longer kept; deliver again")
            });
        }
        let files = self.ingest.file_opener();
        let file = tokio::task::spawn_blocking(move || files.open(&path))
            .await
            .map_err(|_| Error::internal("opening a delivery file"))??;
        self.record(
            p,
            pass.request_id(),
            "share.download",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "delivery": d.id, "digest": d.digest, "rows": d.rows_total }),
        )
        .await?;
        Ok((self.present_delivery(&d), file, format))
    }

    /// Make a delivery plan for a grant held by the caller's department.
    pub async fn create_plan(&self, pass: &Authorized<ShareData>, id: i64, input: PlanInput) -> Result<PlanView> {
        let p = pass.principal();
        let grant = self.held(p, id).await?;
        let kind = kind_of(input.kind.trim())?;
        let format = input.format.trim();
        let (secret, hint, table) = if format == "postgres" {
            let url = input.database_url.as_deref().unwrap_or("").trim();
            let hint = crate::pg_target::check_url(url)?;
            crate::pg_target::check_reachable(url, &self.exchange.egress().0).await?;
            let table = input.table.as_deref().ok_or_else(|| Error::invalid("table", "give the target table"))?;
            crate::pg_target::parse_table(table)?;
            (Some(self.exchange.seal(url)), Some(hint), Some(table.trim().to_owned()))
        } else {
            FileFormat::parse(format)
                .ok_or_else(|| Error::invalid("format", "format is csv, parquet, xlsx or postgres"))?;
            if input.database_url.is_some() || input.table.is_some() {
                return Err(Error::invalid("database_url", "a file plan takes no database"));
            }
            (None, None, None)
        };
        if let Some(m) = input.every_minutes {
            if !(5..=44_640).contains(&m) {
                return Err(Error::invalid("every_minutes", "run every 5 minutes to 31 days"));
            }
        }
        self.check_deliverable(&grant, kind, format == "postgres").await?;
        let now = self.now_ms();
        let plan = self
            .store
            .create_delivery_plan(&NewDeliveryPlan {
                id: 0,
                grant_id: id,
                consumer_org_id: grant.consumer_org_id,
                kind: kind.into(),
                format: format.into(),
                secret,
                target_hint: hint,
                target_table: table,
                every_minutes: input.every_minutes,
                next_run_at: input.every_minutes.map(|_| now),
                enabled: true,
                created_by: Some(p.user.id.0),
                created_at: now,
            })
            .await?;
        self.record(
            p,
            pass.request_id(),
            "share.plan",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "plan": plan.id, "kind": kind, "format": format, "table": plan.target_table,
                    "every_minutes": plan.every_minutes }),
        )
        .await?;
        self.exchange.wake.notify_waiters();
        Ok(present_plan(&plan))
    }

    /// A grant's delivery plans (consumer and provider departments, operators of the area).
    pub async fn plans(&self, pass: &Authorized<ShareRead>, id: i64) -> Result<Vec<PlanView>> {
        self.grant(pass, id).await?;
        Ok(self.store.list_delivery_plans(id).await?.iter().map(present_plan).collect())
    }

    async fn own_plan(&self, pass: &Authorized<ShareData>, id: i64, plan: i64) -> Result<(Grant, DeliveryPlan)> {
        let grant = self.held(pass.principal(), id).await?;
        let plan = self
            .store
            .get_delivery_plan(plan)
            .await?
            .filter(|p| p.grant_id == id)
            .ok_or_else(|| Error::not_found("delivery plan"))?;
        Ok((grant, plan))
    }

    /// Run a plan now ("deliver now").
    pub async fn run_plan(&self, pass: &Authorized<ShareData>, id: i64, plan: i64) -> Result<DeliveryView> {
        let (grant, plan) = self.own_plan(pass, id, plan).await?;
        if !plan.enabled {
            return Err(Error::new(ErrorCode::Conflict, "the plan is switched off"));
        }
        let d = self.queue(&grant, Some(plan.id), &plan.kind, &plan.format, Some(pass.principal().user.id.0)).await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "share.deliver",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "delivery": d.id, "plan": plan.id, "kind": d.kind, "format": d.format }),
        )
        .await?;
        Ok(self.present_delivery(&d))
    }

    /// Switch a plan off (its history stays).
    pub async fn disable_plan(&self, pass: &Authorized<ShareData>, id: i64, plan: i64) -> Result<PlanView> {
        let (_, plan) = self.own_plan(pass, id, plan).await?;
        self.store.set_delivery_plan_enabled(plan.id, false).await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "share.plan",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "plan": plan.id, "enabled": false }),
        )
        .await?;
        let plan = self.store.get_delivery_plan(plan.id).await?.ok_or_else(|| Error::not_found("delivery plan"))?;
        Ok(present_plan(&plan))
    }

    /// Queue the deliveries of plans whose time has come (once per plan and run time, whatever
    /// the number of nodes). Returns how many were queued.
    pub async fn schedule_due(&self) -> Result<usize> {
        let now = self.now_ms();
        let mut n = 0;
        for plan in self.store.due_delivery_plans(now).await? {
            let (Some(at), Some(every)) = (plan.next_run_at, plan.every_minutes) else { continue };
            let mut next = at + every * 60_000;
            if next <= now {
                // Missed runs (the platform was down) are not made up one by one.
                next = now + every * 60_000;
            }
            if !self.store.advance_delivery_plan(plan.id, at, next).await? {
                continue;
            }
            let Some(grant) = self.store.get_grant(plan.grant_id).await? else { continue };
            if self.usable(&grant).is_err() {
                continue;
            }
            self.queue(&grant, Some(plan.id), &plan.kind, &plan.format, None).await?;
            n += 1;
        }
        Ok(n)
    }

    /// Claim and run one queued delivery; false when none was queued.
    pub async fn run_one_delivery(&self, worker: &str) -> Result<bool> {
        let Some(d) = self.store.claim_delivery(worker, self.now_ms()).await? else { return Ok(false) };
        let r = self.execute(&d).await;
        let (ok, result) = match r {
            Ok(r) => (true, r),
            Err(e) => (false, DeliveryResult { message: Some(e.message.clone()), ..Default::default() }),
        };
        self.store.finish_delivery(d.id, ok, &result, self.now_ms()).await?;
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: None,
                actor_user: d.requested_by.map(UserId),
                actor_org: Some(OrgId(d.consumer_org_id)),
                action: "share.delivery".into(),
                target: Some(format!("grant:{}", d.grant_id)),
                outcome: if ok { Outcome::Succeeded } else { Outcome::Failed },
                detail: json!({ "delivery": d.id, "plan": d.plan_id, "code": d.code, "kind": d.kind,
                    "format": d.format, "from_version": result.from_version, "to_version": result.to_version,
                    "rows": result.rows_total, "added": result.rows_added, "changed": result.rows_changed,
                    "deleted": result.rows_deleted, "digest": result.digest, "message": result.message }),
            })
            .await?;
        Ok(true)
    }

    /// After the secure destruction of `code`'s data (one version, or all of it when `version`
    /// is none): delete the files delivered of it from every download area (with one version,
    /// those that delivered that version), and name the data keys the remaining ones use.
    pub async fn destroy_delivered_files(&self, code: &str, version: Option<u64>) -> Result<zs_ingest::KeptFiles> {
        let root = self.exchange.data_dir().join("share").join("downloads");
        let listed = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<(PathBuf, i64)>> {
            let mut out = Vec::new();
            let areas = match std::fs::read_dir(&root) {
                Ok(d) => d,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                Err(e) => return Err(e),
            };
            for area in areas {
                let area = area?.path();
                if !area.is_dir() {
                    continue;
                }
                for f in std::fs::read_dir(&area)? {
                    let path = f?.path();
                    let id = path.file_name().and_then(|n| n.to_str()).and_then(delivery_of_file_name);
                    if let (Some(id), true) = (id, path.is_file()) {
                        out.push((path, id));
                    }
                }
            }
            Ok(out)
        })
        .await
        .map_err(|_| Error::internal("listing delivered files"))?
        .map_err(|e| Error::internal(format!("listing delivered files: {e}")))?;
        let mut delete = Vec::new();
        let mut keep = Vec::new();
        for (path, id) in listed {
            let Some(d) = self.store.get_delivery(id).await? else { continue };
            if d.code != code {
                continue;
            }
            let of_version = version.is_none_or(|v| d.to_version == i64::try_from(v).ok());
            if of_version {
                delete.push(path);
            } else {
                keep.push(path);
            }
        }
        tokio::task::spawn_blocking(move || -> std::io::Result<zs_ingest::KeptFiles> {
            let mut done = zs_ingest::KeptFiles::default();
            for p in &delete {
                done.merge(zs_ingest::files::delete_file(p)?);
            }
            for p in &keep {
                done.keys_in_use.extend(zs_ingest::files::key_id_of_file(p));
            }
            Ok(done)
        })
        .await
        .map_err(|_| Error::internal("deleting delivered files"))?
        .map_err(|e| Error::internal(format!("deleting delivered files: {e}")))
    }

    /// The consumer department's download area.
    pub(crate) fn download_dir(&self, org: i64) -> PathBuf {
        self.exchange.data_dir().join("share").join("downloads").join(org.to_string())
    }

    async fn execute(&self, d: &Delivery) -> Result<DeliveryResult> {
        let grant = self.store.get_grant(d.grant_id).await?.ok_or_else(|| Error::not_found("grant"))?;
        self.usable(&grant)?;
        let terms = self.terms(&grant).await?;
        if self.store.live_source(&grant.code).await?.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "live sources (逻辑接入) are not delivered in bulk"));
        }
        let table = self.ingest.open_table(&terms.entry)?;
        let current = table
            .current()
            .map_err(zs_ingest::tables_error)?
            .ok_or_else(|| Error::new(ErrorCode::Conflict, format!("{} has no data yet", grant.code)))?;
        let to = current.version;
        let changes = d.kind == "changes";
        if changes || d.format == "postgres" {
            by_key(&terms, "kind")?;
        }
        let mut from = if changes { self.store.last_delivered_version(grant.id, d.plan_id).await? } else { None };
        let mut note = None;
        if let Some(f) = from {
            let f = u64::try_from(f).unwrap_or(0);
            if f > to || table.manifest(Some(f)).is_err() {
                note = Some(format!("version {f} is no longer kept: a full extract was delivered"));
                from = None;
            }
        }
        let shape = terms.shape(&table)?;
        let masks: Vec<Option<Technique>> = terms.fields.iter().map(|f| terms.masking.get(f).cloned()).collect();
        let from = from.and_then(|f| u64::try_from(f).ok());
        let quota = self.reserve_delivery(&grant, &table, from, &current).await?;
        let job = Job {
            table,
            shape,
            from,
            to,
            masks,
            masker: self.masker.clone(),
            spill: self.exchange.data_dir().join("share").join("tmp"),
            row_limit: quota.rows,
            grant_id: grant.id,
        };
        let result = self.write_delivery(d, &grant, &terms, job, from, changes).await;
        // Rows reserved but not delivered (all of them when the delivery failed) go back.
        let delivered = result.as_ref().map_or(0, |r| r.rows_total);
        self.quotas.release(grant.id, &quota.day, quota.rows - delivered);
        let mut result = result?;
        result.from_version = from.map(|f| i64::try_from(f).unwrap_or(i64::MAX));
        result.to_version = Some(i64::try_from(to).unwrap_or(i64::MAX));
        result.message = note;
        Ok(result)
    }

    /// Count a delivery as one call of the grant's day and reserve the rows it may deliver: a
    /// full extract needs all of the version's rows, a change set at most the rows of both
    /// versions (each row added, changed or deleted once). A delivery that would need more than
    /// the rows left today fails with nothing placed (the file removed, the database transaction
    /// rolled back).
    async fn reserve_delivery(
        &self,
        grant: &Grant,
        table: &zs_tables::Table,
        from: Option<u64>,
        current: &zs_tables::Manifest,
    ) -> Result<DeliveryQuota> {
        let day = self.today().to_string();
        let limits = Limits { calls: grant.calls_per_day, rows: grant.rows_per_day };
        let before = match from {
            Some(f) => table.manifest(Some(f)).map_err(zs_ingest::tables_error)?.map_or(0, |m| m.rows),
            None => 0,
        };
        let want = i64::try_from(current.rows.saturating_add(before)).unwrap_or(i64::MAX);
        let rows = self.quotas.reserve(&self.store, grant.id, &day, limits, want).await?;
        self.quotas.maybe_flush(&self.store, &day);
        Ok(DeliveryQuota { day, rows })
    }

    async fn write_delivery(
        &self,
        d: &Delivery,
        grant: &Grant,
        terms: &Terms,
        job: Job,
        from: Option<u64>,
        changes: bool,
    ) -> Result<DeliveryResult> {
        let to = job.to;
        if d.format == "postgres" {
            self.execute_postgres(d, terms, job).await
        } else {
            let format = FileFormat::parse(&d.format).ok_or_else(|| Error::internal("unknown delivery format"))?;
            let dir = self.download_dir(d.consumer_org_id);
            let name = format!(
                "grant{}-delivery{}-{}-v{}-v{to}.{}",
                d.grant_id,
                d.id,
                grant.code.replace('/', "_"),
                from.unwrap_or(0),
                format.ext()
            );
            let mut header = terms.fields.clone();
            if changes {
                header.insert(0, "_op".into());
            }
            // Encrypted at rest under the resource's data key, as its tables are.
            let key = self.ingest.file_key(&grant.code).await?;
            tokio::task::spawn_blocking(move || job.to_file(format, &dir, &name, header, changes, &key))
                .await
                .map_err(|_| Error::internal("writing a delivery file"))?
        }
    }

    async fn execute_postgres(&self, d: &Delivery, terms: &Terms, job: Job) -> Result<DeliveryResult> {
        let plan = match d.plan_id {
            Some(p) => self.store.get_delivery_plan(p).await?,
            None => None,
        }
        .ok_or_else(|| Error::new(ErrorCode::Conflict, "a database delivery needs its plan"))?;
        let url = self.exchange.open(plan.secret.as_deref().unwrap_or(""))?;
        crate::pg_target::check_reachable(&url, &self.exchange.egress().0).await?;
        let table = plan.target_table.clone().unwrap_or_default();
        let keys = by_key(terms, "format")?;
        let replace_all = job.from.is_none();
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        let producer = tokio::task::spawn_blocking(move || job.to_channel(tx));
        let applied = crate::pg_target::apply(&url, &table, &terms.fields, &keys, replace_all, rx).await;
        let counted = producer.await.map_err(|_| Error::internal("reading a delivery"))?;
        applied?;
        counted
    }
}

/// The delivery a file in a download area holds: `grant{g}-delivery{d}-…`, also while it is
/// written (`.tmp-grant{g}-delivery{d}-…`).
fn delivery_of_file_name(name: &str) -> Option<i64> {
    let name = name.strip_prefix(".tmp-").unwrap_or(name);
    let rest = name.strip_prefix("grant")?;
    let (_, rest) = rest.split_once("-delivery")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The blocking part of a delivery: read the version (or the diff), mask, write.
struct Job {
    table: zs_tables::Table,
    shape: diff::Shape,
    from: Option<u64>,
    to: u64,
    masks: Vec<Option<Technique>>,
    masker: std::sync::Arc<crate::masking::Masker>,
    spill: PathBuf,
    /// Rows the grant's quota lets this delivery send.
    row_limit: i64,
    grant_id: i64,
}

/// What a delivery holds of the grant's day.
struct DeliveryQuota {
    day: String,
    rows: i64,
}

impl Job {
    /// Feed masked rows to `f`, counting them.
    fn each(&self, f: &mut dyn FnMut(Op, Row) -> Result<()>) -> Result<DeliveryResult> {
        let mut r = DeliveryResult::default();
        let mut emit = |op: Op, row: Row| -> Result<()> {
            let masked: Row = row
                .iter()
                .zip(&self.masks)
                .map(|(v, t)| match t {
                    Some(t) => mask(&self.masker, t, v.as_deref()),
                    // A granted item without a stored technique is never shown in clear.
                    None => None,
                })
                .collect();
            if r.rows_total >= self.row_limit {
                return Err(Error::new(
                    ErrorCode::QuotaExceeded,
                    format!("grant {} has {} rows left today; this delivery needs more", self.grant_id, self.row_limit),
                ));
            }
            match op {
                Op::Insert => r.rows_added += 1,
                Op::Update => r.rows_changed += 1,
                Op::Delete => r.rows_deleted += 1,
            }
            r.rows_total += 1;
            f(op, masked)
        };
        match self.from {
            Some(from) if from == self.to => {}
            Some(from) => diff::changes(&self.table, from, self.to, &self.shape, &self.spill, &mut emit)?,
            None => {
                diff::full(&self.table, self.to, &self.shape, &mut emit)?;
            }
        }
        Ok(r)
    }

    fn to_file(
        &self,
        format: FileFormat,
        dir: &std::path::Path,
        name: &str,
        header: Vec<String>,
        with_op: bool,
        key: &zs_ingest::FileKey,
    ) -> Result<DeliveryResult> {
        std::fs::create_dir_all(dir).map_err(|e| Error::internal(format!("creating the download area: {e}")))?;
        let tmp = dir.join(format!(".tmp-{name}"));
        let out = (|| {
            let mut w = FileWriter::create(format, &tmp, &header, key)?;
            let mut r = self.each(&mut |op, row| {
                if with_op {
                    let mut full = Vec::with_capacity(row.len() + 1);
                    full.push(Some(op.as_str().to_owned()));
                    full.extend(row);
                    w.write(&full)
                } else {
                    w.write(&row)
                }
            })?;
            let (digest, bytes) = w.finish()?;
            let path = dir.join(name);
            std::fs::rename(&tmp, &path).map_err(|e| Error::internal(format!("placing the delivery file: {e}")))?;
            sync_dir(dir)?;
            r.digest = Some(digest);
            r.bytes = bytes;
            r.file_name = Some(name.to_owned());
            Ok(r)
        })();
        if out.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        out
    }

    /// Send masked rows to the database writer; the digest covers `[op, row]` JSON lines.
    fn to_channel(&self, tx: tokio::sync::mpsc::Sender<Result<(Op, Row)>>) -> Result<DeliveryResult> {
        let mut h = Sha256::new();
        let out = self.each(&mut |op, row| {
            h.update(serde_json::to_vec(&(op.as_str(), &row)).unwrap_or_default());
            h.update(b"\n");
            tx.blocking_send(Ok((op, row))).map_err(|_| Error::internal("the database writer stopped"))
        });
        let mut r = match out {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Err(e.clone()));
                return Err(e);
            }
        };
        r.digest = Some(hex::encode(h.finalize()));
        Ok(r)
    }
}

impl ShareService {
    fn present_delivery(&self, d: &Delivery) -> DeliveryView {
        DeliveryView {
            id: d.id,
            grant_id: d.grant_id,
            plan_id: d.plan_id,
            code: d.code.clone(),
            kind: d.kind.clone(),
            format: d.format.clone(),
            state: d.state.clone(),
            from_version: d.from_version,
            to_version: d.to_version,
            rows: d.rows_total,
            added: d.rows_added,
            changed: d.rows_changed,
            deleted: d.rows_deleted,
            digest: d.digest.clone(),
            file_name: d.file_name.clone(),
            bytes: d.bytes,
            download: (d.state == "succeeded" && d.file_name.is_some())
                .then(|| format!("{}/deliveries/{}/file", crate::grants::api_base(d.grant_id), d.id)),
            message: d.message.clone(),
            created_at: d.created_at,
            finished_at: d.finished_at,
        }
    }
}

fn present_plan(p: &DeliveryPlan) -> PlanView {
    PlanView {
        id: p.id,
        grant_id: p.grant_id,
        kind: p.kind.clone(),
        format: p.format.clone(),
        target: p.target_hint.clone(),
        table: p.target_table.clone(),
        every_minutes: p.every_minutes,
        next_run_at: p.next_run_at,
        enabled: p.enabled,
        created_at: p.created_at,
    }
}
