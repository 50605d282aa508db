//! The resource page (数据资源): the current version of a published entry's data, its version
//! history, hand-ins with rejected rows, jobs, and for the providing department's steward the
//! upload form (streamed to disk under the upload limit, queued as a job) and the hand-in policy.
//! Scheduled pulls and the live source are sections of their own (`resource_pulls`).
//! Also the job page (progress refreshing every second while the job runs) and the rejected-rows
//! downloads.

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{fmt_time, is_form_error, redirect, render, Chrome, FormError, Opt, PageResult, Reject};
use crate::session::Ctx;
use crate::views::catalog_common::Vocab;
use crate::views::resource_pulls::{self, PullsKept, PullsSection};
use askama::Template;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zs_catalog::{Entry, EntryStatus};
use zs_http::AppState;
use zs_identity::policy::{CatalogRead, DataIngest, ResourceManage, ResourceRead, ResourceRejects};
use zs_ingest::{HandIn, HandInRequest, Mode, RejectsFormat};
use zs_types::{Error, ErrorCode, Role};

/// Hand-ins listed on the page.
const HAND_INS_SHOWN: i64 = 50;
/// Jobs listed on the page.
const JOBS_SHOWN: i64 = 20;
/// Rejected rows previewed.
const PREVIEW_ROWS: usize = 20;
/// Largest accepted value of a small form field of the upload form.
const MAX_FIELD_BYTES: usize = 1024;

/// A time in Unix ms as Beijing time.
pub fn fmt_ms(ms: i64) -> String {
    zs_ingest::fmt_beijing_ms(ms)
}

/// The text key of a hand-in channel.
pub fn channel_key(channel: &str) -> &'static str {
    match channel {
        "upload" => "res.ch.upload",
        "cli" => "res.ch.cli",
        "push" => "res.ch.push",
        "pull.database" => "res.ch.pull_database",
        "pull.http" => "res.ch.pull_http",
        "materialise" => "res.ch.materialise",
        "seed" => "res.ch.seed",
        _ => "res.ch.other",
    }
}

/// The text key of a hand-in mode (`append`, … or a table commit mode such as `DeleteByKey`).
pub fn mode_key(mode: &str) -> &'static str {
    match mode {
        "append" | "Append" => "res.mode.append",
        "replace" | "Replace" => "res.mode.replace",
        "upsert" | "Upsert" => "res.mode.upsert",
        "delete" | "DeleteByKey" => "res.mode.delete",
        _ => "res.mode.other",
    }
}

/// Text key and badge colour of a hand-in outcome.
pub fn outcome_badge(outcome: &str) -> (&'static str, &'static str) {
    match outcome {
        "committed" => ("res.outcome.committed", "green"),
        "batch_rejected" => ("res.outcome.batch_rejected", "amber"),
        _ => ("res.outcome.failed", "red"),
    }
}

/// Text key and badge colour of a job state.
pub fn job_badge(state: &str) -> (&'static str, &'static str) {
    match state {
        "queued" => ("res.job.queued", "muted"),
        "running" => ("res.job.running", "blue"),
        "succeeded" => ("res.job.succeeded", "green"),
        _ => ("res.job.failed", "red"),
    }
}

/// One version as shown.
pub struct VersionRow {
    version: u64,
    rows: u64,
    added: u64,
    removed: u64,
    actor: String,
    channel: &'static str,
    mode: &'static str,
    at: String,
}

/// One hand-in as shown.
pub struct HandInRow {
    id: i64,
    at: String,
    channel: &'static str,
    mode: &'static str,
    actor: String,
    outcome: &'static str,
    outcome_class: &'static str,
    version: String,
    read: i64,
    written: i64,
    rejected: i64,
    message: String,
    has_rejects: bool,
    job_id: Option<i64>,
}

impl HandInRow {
    fn new(h: &HandIn) -> Self {
        let (outcome, outcome_class) = outcome_badge(&h.outcome);
        Self {
            id: h.id,
            at: fmt_ms(h.finished_at),
            channel: channel_key(&h.channel),
            mode: mode_key(&h.mode),
            actor: h.actor_name.clone(),
            outcome,
            outcome_class,
            version: h.version.map(|v| v.to_string()).unwrap_or_default(),
            read: h.rows_read,
            written: h.rows_written,
            rejected: h.rows_rejected,
            message: h.message.clone().unwrap_or_default(),
            has_rejects: h.rejects_file.is_some(),
            job_id: h.job_id,
        }
    }
}

/// One job as shown.
pub struct JobLine {
    id: i64,
    state: &'static str,
    state_class: &'static str,
    percent: i64,
    created: String,
    message: String,
}

/// The rejected rows previewed on the page.
pub struct Preview {
    hand_in: i64,
    total: i64,
    rows: Vec<[String; 5]>,
}

#[derive(Template)]
#[template(path = "resource.html")]
struct ResourcePage {
    c: Chrome,
    notice: String,
    /// The steward of the providing department may ask for the data's destruction.
    can_destroy: bool,
    code: String,
    entry_id: i64,
    name: String,
    provider: String,
    update_cycle: &'static str,
    published: bool,
    current: Option<VersionRow>,
    versions: Vec<VersionRow>,
    hand_ins: Vec<HandInRow>,
    jobs: Vec<JobLine>,
    can_rejects: bool,
    preview: Option<Preview>,
    can_upload: bool,
    can_manage: bool,
    modes: Vec<Opt>,
    encodings: Vec<Opt>,
    max_error_rate: String,
    keep_versions: String,
    /// The form whose action failed (`upload`, `policy`, `schedule` or `live`).
    error_form: &'static str,
    /// Scheduled pulls and the live source (see `resource_pulls`).
    pulls: PullsSection,
    error: Option<FormError>,
    max_upload_mib: u64,
}

/// Query of the resource page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResourceQuery {
    notice: String,
    /// The hand-in whose rejected rows are previewed.
    rejects: String,
}

/// A resource code from the path, or the 404 page.
pub(crate) fn code_of(ctx: &Ctx, class: &str, seq: &str) -> Result<String, Reject> {
    let ok = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok(class) && ok(seq) {
        Ok(format!("{class}/{seq}"))
    } else {
        Err(ctx.fail(Error::not_found("resource")))
    }
}

/// The page address of a resource.
pub fn resource_href(code: &str) -> String {
    format!("/resources/{code}")
}

fn notice_text(ctx: &Ctx, name: &str) -> String {
    let key = match name {
        "policy_saved" => "res.notice.policy_saved",
        "schedule_created" => "sched.notice.created",
        "schedule_enabled" => "sched.notice.enabled",
        "schedule_disabled" => "sched.notice.disabled",
        "schedule_deleted" => "sched.notice.deleted",
        "live_registered" => "live.notice.registered",
        "live_deleted" => "live.notice.deleted",
        _ => return String::new(),
    };
    ctx.t(key).to_owned()
}

/// What the caller may do on a resource's page.
struct Rights {
    own: bool,
    published: bool,
}

fn rights(ctx: &Ctx, e: &Entry) -> Rights {
    Rights {
        own: e.org_id == ctx.principal.org.id.0,
        published: e.status == EntryStatus::Published && e.published_version.is_some(),
    }
}

fn mode_options(ctx: &Ctx, selected: &str) -> Vec<Opt> {
    ["append", "replace", "upsert", "delete"]
        .into_iter()
        .map(|m| Opt { value: m.into(), label: ctx.t(mode_key(m)).into(), selected: m == selected })
        .collect()
}

fn encoding_options(ctx: &Ctx, selected: &str) -> Vec<Opt> {
    [("auto", "res.enc.auto"), ("utf-8", "res.enc.utf8"), ("gb18030", "res.enc.gb18030")]
        .into_iter()
        .map(|(v, k)| Opt { value: v.into(), label: ctx.t(k).into(), selected: v == selected })
        .collect()
}

fn version_row(v: &zs_tables::VersionInfo) -> VersionRow {
    VersionRow {
        version: v.version,
        rows: v.rows,
        added: v.rows_added,
        removed: v.rows_removed,
        actor: v.actor.clone(),
        channel: channel_key(&v.channel),
        mode: mode_key(&format!("{:?}", v.mode)),
        at: fmt_time(v.created_at),
    }
}

/// A failed form: which one, the error, the values to keep.
pub(crate) struct Failed {
    form: &'static str,
    error: Error,
    mode: String,
    encoding: String,
    max_error_rate: String,
    keep_versions: String,
    /// The values of a failed schedule or live-source form (credentials already removed).
    pulls: Option<PullsKept>,
}

impl Failed {
    /// A failed schedule (`schedule`) or live-source (`live`) form.
    pub(crate) fn pulls(form: &'static str, error: Error, kept: PullsKept) -> Self {
        Self {
            form,
            error,
            mode: String::new(),
            encoding: String::new(),
            max_error_rate: String::new(),
            keep_versions: String::new(),
            pulls: Some(kept),
        }
    }
}

pub(crate) async fn page(s: &AppState, ctx: &Ctx, code: &str, q: &ResourceQuery, failed: Option<Failed>) -> PageResult {
    let read = ctx.authorize::<CatalogRead>(s).await?;
    let entry = s.catalog.get_by_code(&read, code).await.map_err(|e| ctx.fail(e))?;
    let pass = ctx.authorize::<ResourceRead>(s).await?;
    let view = s.ingest.resource(&pass, &entry.code).await.map_err(|e| ctx.fail(e))?;
    let hand_ins = s.ingest.hand_ins(&pass, &entry.code, HAND_INS_SHOWN).await.map_err(|e| ctx.fail(e))?;
    let jobs = s.ingest.jobs(&pass, &entry.code, JOBS_SHOWN).await.map_err(|e| ctx.fail(e))?;
    let r = rights(ctx, &entry);
    let can_rejects = ctx.allows("resource.rejects") && (r.own || ctx.role() == Role::PlatformOperator);
    let preview = if can_rejects {
        let wanted = q.rejects.trim().parse::<i64>().ok();
        let chosen = hand_ins.iter().find(|h| match wanted {
            Some(id) => h.id == id,
            None => h.rejects_file.is_some(),
        });
        match chosen.filter(|h| h.rejects_file.is_some()) {
            Some(h) => {
                let rp = ctx.authorize::<ResourceRejects>(s).await?;
                let (h, rows) = s.ingest.rejects_preview(&rp, h.id, PREVIEW_ROWS).await.map_err(|e| ctx.fail(e))?;
                Some(Preview { hand_in: h.id, total: h.rows_rejected, rows })
            }
            None => None,
        }
    } else {
        None
    };
    let pulls_failed = failed.as_ref().and_then(|f| f.pulls.as_ref().map(|k| (k, &f.error)));
    let pulls = resource_pulls::section(s, ctx, &pass, &entry, r.own, r.published, pulls_failed).await?;
    let (error_form, error, kept) = match failed {
        Some(f) => (f.form, Some(FormError::new(ctx.lang, &f.error)), Some(f)),
        None => ("", None, None),
    };
    let rate = |x: Option<f64>| x.map(|r| format!("{}", (r * 1000.0).round() / 10.0)).unwrap_or_default();
    let page = ResourcePage {
        c: ctx.chrome("ingest"),
        notice: notice_text(ctx, &q.notice),
        can_destroy: ctx.allows("data.destroy_request") && r.own,
        code: entry.code.clone(),
        entry_id: entry.id,
        name: entry.body.name.clone(),
        provider: entry.provider.clone(),
        update_cycle: entry.body.update_cycle.label(ctx.lang),
        published: r.published,
        current: view.current.as_ref().map(version_row),
        versions: view.versions.iter().map(version_row).collect(),
        hand_ins: hand_ins.iter().map(HandInRow::new).collect(),
        jobs: jobs
            .iter()
            .map(|j| {
                let (state, state_class) = job_badge(&j.state);
                JobLine {
                    id: j.id,
                    state,
                    state_class,
                    percent: j.progress / 10,
                    created: fmt_ms(j.created_at),
                    message: j.message.clone().unwrap_or_default(),
                }
            })
            .collect(),
        can_rejects,
        preview,
        can_upload: ctx.allows("data.ingest") && r.own && r.published,
        can_manage: ctx.allows("resource.manage") && r.own && r.published,
        modes: mode_options(ctx, kept.as_ref().map_or("append", |k| k.mode.as_str())),
        encodings: encoding_options(ctx, kept.as_ref().map_or("auto", |k| k.encoding.as_str())),
        max_error_rate: match &kept {
            Some(k) if k.form == "policy" => k.max_error_rate.clone(),
            _ => rate(view.max_error_rate),
        },
        keep_versions: match &kept {
            Some(k) if k.form == "policy" => k.keep_versions.clone(),
            _ => view.keep_versions.map(|k| k.to_string()).unwrap_or_default(),
        },
        error_form,
        pulls,
        error,
        max_upload_mib: s.config.max_upload_bytes / (1024 * 1024),
    };
    let status = match &page.error {
        Some(fe) => ErrorCode::ALL
            .iter()
            .find(|c| c.as_str() == fe.code)
            .and_then(|c| StatusCode::from_u16(c.http_status()).ok())
            .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        None => StatusCode::OK,
    };
    Ok(render(status, &page))
}

/// `GET /resources/{class}/{seq}[?rejects={hand_in}]`.
pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalQuery(q): PortalQuery<ResourceQuery>,
) -> PageResult {
    let code = code_of(&ctx, &class, &seq)?;
    page(&s, &ctx, &code, &q, None).await
}

/// The small fields of the upload form.
#[derive(Default)]
struct UploadFields {
    csrf: String,
    mode: String,
    encoding: String,
}

fn multipart_error(ctx: &Ctx, e: axum::extract::multipart::MultipartError) -> Reject {
    let code =
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE { ErrorCode::PayloadTooLarge } else { ErrorCode::MalformedBody };
    ctx.fail(Error::new(code, e.body_text()))
}

/// Read a small text field, refusing more than [`MAX_FIELD_BYTES`].
async fn small_field(ctx: &Ctx, mut field: axum::extract::multipart::Field<'_>) -> Result<String, Reject> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(ctx, e))? {
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_FIELD_BYTES {
            return Err(ctx.fail(Error::new(ErrorCode::MalformedBody, "a form field is too long")));
        }
    }
    String::from_utf8(buf).map_err(|_| ctx.fail(Error::new(ErrorCode::MalformedBody, "a form field is not UTF-8")))
}

/// Stream a multipart file field to a new file under `<data>/uploads/<resource>` (encrypted) through the API's
/// [`zs_http::save_body`] (same limit, same clean-up of a partial file).
async fn save_field(
    s: &AppState,
    field: axum::extract::multipart::Field<'_>,
    file_name: &str,
    code: &str,
) -> Result<std::path::PathBuf, Error> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(4);
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let body = Body::from_stream(stream);
    let feed = async move {
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(bytes)) => {
                    // The receiver is gone when saving stopped (limit reached): stop reading.
                    if tx.send(Ok(bytes)).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.body_text()))).await;
                    break;
                }
            }
        }
    };
    let (saved, ()) = tokio::join!(zs_http::save_body(s, body, file_name, code), feed);
    saved.map_err(|e| e.0)
}

/// `POST /resources/{class}/{seq}/upload` (multipart: `csrf`, `mode`, `encoding`, then `file`):
/// the file is streamed to disk under the upload limit and queued; the job page follows.
pub async fn upload(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    mut mp: Multipart,
) -> PageResult {
    let code = code_of(&ctx, &class, &seq)?;
    let mut f = UploadFields::default();
    let mut saved: Option<(std::path::PathBuf, String)> = None;
    let mut failure: Option<Error> = None;
    while let Some(field) = mp.next_field().await.map_err(|e| multipart_error(&ctx, e))? {
        match field.name().unwrap_or("") {
            "csrf" => f.csrf = small_field(&ctx, field).await?,
            "mode" => f.mode = small_field(&ctx, field).await?,
            "encoding" => f.encoding = small_field(&ctx, field).await?,
            "file" if saved.is_none() && failure.is_none() => {
                // Refuse before a byte is stored: the token, the role, the resource.
                ctx.check_csrf(&f.csrf)?;
                let pass = ctx.authorize::<DataIngest>(&s).await?;
                if let Err(e) = s.ingest.check_hand_in(&pass, &code).await {
                    failure = Some(e);
                    continue;
                }
                let name: String = field.file_name().unwrap_or("").chars().filter(|c| !c.is_control()).collect();
                let name = name.rsplit(['/', '\\']).next().unwrap_or("").to_owned();
                if name.is_empty() {
                    failure = Some(Error::invalid("file", "choose a file to upload"));
                    continue;
                }
                match save_field(&s, field, &name, &code).await {
                    Ok(path) => saved = Some((path, name)),
                    Err(e) => failure = Some(e),
                }
            }
            _ => {}
        }
    }
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<DataIngest>(&s).await?;
    let mode = if f.mode.trim().is_empty() { Ok(Mode::Append) } else { Mode::parse(f.mode.trim()) };
    let result = match (saved, failure, mode) {
        (Some((path, _)), _, Err(e)) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(e)
        }
        (_, Some(e), _) => Err(e),
        (None, None, _) => Err(Error::invalid("file", "choose a file to upload")),
        (Some((file, file_name)), None, Ok(mode)) => {
            let encoding = match f.encoding.trim() {
                "" | "auto" => None,
                other => Some(other.to_owned()),
            };
            let req = HandInRequest {
                code: code.clone(),
                mode,
                file: file.clone(),
                file_name,
                encoding,
                channel: "upload".into(),
                max_error_rate: None,
                mapping: None,
                remove_file: true,
            };
            match s.ingest.submit(&pass, req, None).await {
                Ok((job, _)) => Ok(job.id),
                Err(e) => {
                    let _ = tokio::fs::remove_file(&file).await;
                    Err(e)
                }
            }
        }
    };
    match result {
        Ok(job) => Ok(redirect(&format!("/jobs/{job}"))),
        Err(e) if is_form_error(&e) || matches!(e.code, ErrorCode::Conflict | ErrorCode::PayloadTooLarge) => {
            let failed = Failed {
                form: "upload",
                error: e,
                mode: f.mode,
                encoding: f.encoding,
                max_error_rate: String::new(),
                keep_versions: String::new(),
                pulls: None,
            };
            page(&s, &ctx, &code, &ResourceQuery::default(), Some(failed)).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// The policy form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    csrf: String,
    /// Percent (0–100); empty: no limit.
    max_error_rate: String,
    /// Versions kept; empty: all.
    keep_versions: String,
}

/// `POST /resources/{class}/{seq}/policy`: the batch policy (max rejected-row rate, in percent)
/// and the versions kept.
pub async fn policy(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<PolicyForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let code = code_of(&ctx, &class, &seq)?;
    let pass = ctx.authorize::<ResourceManage>(&s).await?;
    let rate = match f.max_error_rate.trim() {
        "" => Ok(None),
        v => v
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite())
            .map(|r| Some(r / 100.0))
            .ok_or_else(|| Error::invalid("max_error_rate", "give the limit as a percentage, e.g. 5")),
    };
    let keep = match f.keep_versions.trim() {
        "" => Ok(None),
        v => v.parse::<i64>().map(Some).map_err(|_| Error::invalid("keep_versions", "give a whole number of versions")),
    };
    let result = match (rate, keep) {
        (Ok(rate), Ok(keep)) => s.ingest.set_policy(&pass, &code, rate, keep).await.map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(()) => Ok(redirect(&format!("{}?notice=policy_saved", resource_href(&code)))),
        Err(e) if is_form_error(&e) || e.code == ErrorCode::Conflict => {
            let failed = Failed {
                form: "policy",
                error: e,
                mode: String::new(),
                encoding: String::new(),
                max_error_rate: f.max_error_rate,
                keep_versions: f.keep_versions,
                pulls: None,
            };
            page(&s, &ctx, &code, &ResourceQuery::default(), Some(failed)).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// A download no cache keeps.
pub fn download(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    (StatusCode::OK, h, bytes).into_response()
}

/// The Excel media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn rejects(s: AppState, ctx: Ctx, raw: String, format: RejectsFormat) -> PageResult {
    let id = raw.parse::<i64>().map_err(|_| ctx.fail(Error::not_found("hand-in")))?;
    let pass = ctx.authorize::<ResourceRejects>(&s).await?;
    let (h, bytes) = s.ingest.rejects(&pass, id, format).await.map_err(|e| ctx.fail(e))?;
    let base = format!("rejects-{}-{}", h.code.replace('/', "-"), h.id);
    Ok(match format {
        RejectsFormat::Csv => download("text/csv; charset=utf-8", &format!("{base}.csv"), bytes),
        RejectsFormat::Xlsx => download(XLSX, &format!("{base}.xlsx"), bytes),
    })
}

/// `GET /hand-ins/{id}/rejects.csv`.
pub async fn rejects_csv(State(s): State<AppState>, ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    rejects(s, ctx, raw, RejectsFormat::Csv).await
}

/// `GET /hand-ins/{id}/rejects.xlsx`.
pub async fn rejects_xlsx(State(s): State<AppState>, ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    rejects(s, ctx, raw, RejectsFormat::Xlsx).await
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    c: Chrome,
    id: i64,
    code: String,
    state: String,
    state_label: &'static str,
    state_class: &'static str,
    progress: i64,
    percent: String,
    running: bool,
    message: String,
    attempts: i64,
    created: String,
    finished: String,
    hand_in: Option<HandInRow>,
}

/// `GET /jobs/{id}`: progress, refreshed every second while the job is queued or running, and
/// the result with a link to the hand-in.
pub async fn job(State(s): State<AppState>, ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    let id = raw.parse::<i64>().map_err(|_| ctx.fail(Error::not_found("job")))?;
    let pass = ctx.authorize::<ResourceRead>(&s).await?;
    let j = s.ingest.job(&pass, id).await.map_err(|e| ctx.fail(e))?;
    let h = s.ingest.hand_in_of(&j).await.map_err(|e| ctx.fail(e))?;
    let (state_label, state_class) = job_badge(&j.state);
    let running = matches!(j.state.as_str(), "queued" | "running");
    let progress = if j.state == "succeeded" { 1000 } else { j.progress.clamp(0, 1000) };
    let page = JobPage {
        c: ctx.chrome("ingest"),
        id: j.id,
        code: j.subject.as_deref().and_then(|x| x.strip_prefix("resource:")).unwrap_or("").to_owned(),
        state_label,
        state_class,
        progress,
        percent: format!("{:.1}", progress as f64 / 10.0),
        running,
        message: j.message.clone().unwrap_or_default(),
        attempts: j.attempts,
        created: fmt_ms(j.created_at),
        finished: j.finished_at.map(fmt_ms).unwrap_or_default(),
        hand_in: h.as_ref().map(HandInRow::new),
        state: j.state,
    };
    let mut resp = render(StatusCode::OK, &page);
    if running {
        resp.headers_mut().insert(header::REFRESH, HeaderValue::from_static("1"));
    }
    Ok(resp)
}

/// One resource of the department as listed.
pub struct IngestRow {
    code: String,
    name: String,
    update_cycle: &'static str,
    last: Option<HandInRow>,
}

#[derive(Template)]
#[template(path = "ingest.html")]
struct IngestPage {
    c: Chrome,
    org: String,
    rows: Vec<IngestRow>,
    can_report: bool,
}

/// `GET /ingest`: the published resources of the caller's department with their last hand-in.
pub async fn list(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let pass = ctx.authorize::<ResourceRead>(&s).await?;
    let own = ctx.principal.org.id.0;
    let entries = s.catalog.visible_entries(&ctx.principal).await.map_err(|e| ctx.fail(e))?;
    let mut rows = Vec::new();
    for e in entries.iter().filter(|e| e.org_id == own && e.status == EntryStatus::Published) {
        let last = s.ingest.hand_ins(&pass, &e.code, 1).await.map_err(|e| ctx.fail(e))?;
        rows.push(IngestRow {
            code: e.code.clone(),
            name: e.body.name.clone(),
            update_cycle: e.body.update_cycle.label(ctx.lang),
            last: last.first().map(HandInRow::new),
        });
    }
    let page = IngestPage {
        c: ctx.chrome("ingest"),
        org: ctx.principal.org.name.clone(),
        rows,
        can_report: ctx.allows("report.aggregation"),
    };
    Ok(render(StatusCode::OK, &page))
}
