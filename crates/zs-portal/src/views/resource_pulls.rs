//! The resource page's scheduled pulls (定时抽取) and logical access (逻辑接入): the schedules
//! with their last outcome (failures, retries and the reason are shown), the forms to create a
//! schedule or register a live source, the buttons to enable, disable, run and delete, and the
//! live-read preview page for stewards.
//!
//! Credentials never come back: a password is typed into its own field and joined into the
//! connection URL only for the service; a header value is never shown; after a failed submit the
//! form keeps every other value, with any password stripped from a URL and HTTP query values
//! hidden. The services redact what they return.

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{is_form_error, redirect, render, Chrome, CsrfOnly, FormError, Opt, PageResult};
use crate::session::Ctx;
use crate::views::resource::{code_of, fmt_ms, page, resource_href, Failed, ResourceQuery};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::BTreeMap;
use zs_catalog::Entry;
use zs_http::AppState;
use zs_identity::policy::{CatalogRead, ResourceManage, ResourcePreview, ResourceRead};
use zs_ingest::{LiveStatus, ScheduleView};
use zs_types::{Error, ErrorCode, Role};

/// Default read timeout of a live source offered by the form (ms).
const DEFAULT_TIMEOUT_MS: &str = "3000";
/// Rows read by the live preview.
const LIVE_PREVIEW_ROWS: i64 = 20;
/// The window of the live status (ms).
const STATUS_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// The schedule form (one form for every kind; fields that do not apply are ignored).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ScheduleForm {
    csrf: String,
    /// `pull.database`, `pull.http` or `materialise`.
    pub(crate) kind: String,
    /// `postgres://user@host:port/db`, `mysql://…` or `http(s)://…`.
    pub(crate) url: String,
    /// The database password (never shown back).
    password: String,
    pub(crate) table: String,
    pub(crate) query: String,
    /// `full` or `incremental`.
    pub(crate) mode: String,
    pub(crate) watermark_column: String,
    pub(crate) records_path: String,
    pub(crate) header_name: String,
    /// Never shown back.
    header_value: String,
    pub(crate) cron: String,
}

/// The live-source form.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct LiveForm {
    csrf: String,
    /// `database` or `http`.
    pub(crate) kind: String,
    pub(crate) url: String,
    /// Never shown back.
    password: String,
    pub(crate) table: String,
    pub(crate) query: String,
    pub(crate) records_path: String,
    pub(crate) header_name: String,
    /// Never shown back.
    header_value: String,
    pub(crate) timeout_ms: String,
}

/// The values a failed form shows again: no password, no header value, no credentials in URLs.
#[derive(Debug, Default, Clone)]
pub struct Kept {
    pub(crate) kind: String,
    pub(crate) url: String,
    pub(crate) table: String,
    pub(crate) query: String,
    pub(crate) mode: String,
    pub(crate) watermark_column: String,
    pub(crate) records_path: String,
    pub(crate) header_name: String,
    pub(crate) cron: String,
    pub(crate) timeout_ms: String,
}

/// A failed pulls form: which one, and its values as shown again.
#[derive(Debug, Clone)]
pub enum PullsKept {
    /// The schedule form.
    Schedule(Kept),
    /// The live-source form.
    Live(Kept),
}

/// A URL as shown again: database URLs without their password, HTTP URLs with query values
/// hidden.
fn shown_url(url: &str) -> String {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return zs_ingest::redact_http_url(url);
    }
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Percent-encode a password for the user-info part of a URL.
fn encode_userinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Join a password typed into its own field into a database URL `scheme://user@host/…`.
fn with_password(url: &str, password: &str) -> Result<String, Error> {
    let url = url.trim();
    if password.is_empty() {
        return Ok(url.to_owned());
    }
    let bad = |m: &str| Error::invalid("password", m);
    let (Some(s), Some(at)) = (url.find("://"), url.rfind('@')) else {
        return Err(bad("give the user name in the URL (postgres://user@host:port/db) to use a password"));
    };
    if at < s {
        return Err(bad("give the user name in the URL (postgres://user@host:port/db) to use a password"));
    }
    let user = &url[s + 3..at];
    if user.contains(':') {
        return Err(bad("the URL already holds a password: give it in one place only"));
    }
    if user.is_empty() {
        return Err(bad("give the user name in the URL (postgres://user@host:port/db) to use a password"));
    }
    Ok(format!("{}{user}:{}{}", &url[..s + 3], encode_userinfo(password), &url[at..]))
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn headers(name: &str, value: &str) -> Result<BTreeMap<String, String>, Error> {
    let mut h = BTreeMap::new();
    match (name.trim(), value) {
        ("", "") => {}
        ("", _) => return Err(Error::invalid("spec.headers", "give the header's name with its value")),
        (n, v) => {
            h.insert(n.to_owned(), v.to_owned());
        }
    }
    Ok(h)
}

impl ScheduleForm {
    fn kept(&self) -> Kept {
        Kept {
            kind: self.kind.clone(),
            url: shown_url(&self.url),
            table: self.table.clone(),
            query: self.query.clone(),
            mode: self.mode.clone(),
            watermark_column: self.watermark_column.clone(),
            records_path: self.records_path.clone(),
            header_name: self.header_name.clone(),
            cron: self.cron.clone(),
            timeout_ms: String::new(),
        }
    }

    /// The spec the service takes.
    fn spec(&self) -> Result<serde_json::Value, Error> {
        let mode = match self.mode.trim() {
            "" | "full" => "full",
            "incremental" => "incremental",
            other => {
                return Err(Error::invalid("spec.mode", format!("unknown mode '{other}': use full or incremental")))
            }
        };
        Ok(match self.kind.trim() {
            "pull.database" => {
                let mut spec = serde_json::json!({ "url": with_password(&self.url, &self.password)?, "mode": mode });
                for (k, v) in
                    [("table", &self.table), ("query", &self.query), ("watermark_column", &self.watermark_column)]
                {
                    if let Some(v) = opt(v) {
                        spec[k] = v.into();
                    }
                }
                spec
            }
            "pull.http" => {
                let mut spec = serde_json::json!({
                    "url": self.url.trim(),
                    "mode": mode,
                    "headers": headers(&self.header_name, &self.header_value)?,
                });
                if let Some(p) = opt(&self.records_path) {
                    spec["records_path"] = p.into();
                }
                spec
            }
            _ => serde_json::json!({}),
        })
    }
}

impl LiveForm {
    fn kept(&self) -> Kept {
        Kept {
            kind: self.kind.clone(),
            url: shown_url(&self.url),
            table: self.table.clone(),
            query: self.query.clone(),
            records_path: self.records_path.clone(),
            header_name: self.header_name.clone(),
            timeout_ms: self.timeout_ms.clone(),
            ..Kept::default()
        }
    }

    fn spec(&self) -> Result<(serde_json::Value, i64), Error> {
        let timeout = self
            .timeout_ms
            .trim()
            .parse::<i64>()
            .map_err(|_| Error::invalid("timeout_ms", "give the timeout as a whole number of milliseconds"))?;
        let spec = match self.kind.trim() {
            "database" => {
                let mut spec =
                    serde_json::json!({ "kind": "database", "url": with_password(&self.url, &self.password)? });
                for (k, v) in [("table", &self.table), ("query", &self.query)] {
                    if let Some(v) = opt(v) {
                        spec[k] = v.into();
                    }
                }
                spec
            }
            "http" => {
                let mut spec = serde_json::json!({
                    "kind": "http",
                    "url": self.url.trim(),
                    "headers": headers(&self.header_name, &self.header_value)?,
                });
                if let Some(p) = opt(&self.records_path) {
                    spec["records_path"] = p.into();
                }
                spec
            }
            other => {
                return Err(Error::invalid("kind", format!("unknown source kind '{other}': use database or http")))
            }
        };
        Ok((spec, timeout))
    }
}

/// The form field a service error points at, and the key of its Chinese/English explanation.
fn field_of(e: &Error) -> (&'static str, &'static str) {
    match e.field.as_deref().unwrap_or("") {
        "kind" => ("kind", "sched.fe.kind"),
        "spec.url" | "url" => ("url", "sched.fe.url"),
        "password" => ("password", "sched.fe.password"),
        "spec.table" | "spec.query" => ("table", "sched.fe.table_or_query"),
        "spec" if e.message.contains("could not be read") => ("url", "sched.fe.source"),
        "spec" => ("table", "sched.fe.table_or_query"),
        "spec.watermark_column" => ("watermark_column", "sched.fe.watermark"),
        "spec.mode" => ("mode", "sched.fe.mode"),
        "spec.records_path" => ("records_path", "sched.fe.records_path"),
        "spec.headers" => ("header_name", "sched.fe.headers"),
        "cron" => ("cron", "sched.fe.cron"),
        "timeout_ms" => ("timeout_ms", "sched.fe.timeout"),
        _ => ("", ""),
    }
}

/// Text key and badge colour of a schedule's last outcome.
fn status_badge(status: Option<&str>) -> (&'static str, &'static str) {
    match status {
        Some("succeeded") => ("sched.st.succeeded", "green"),
        Some("retrying") => ("sched.st.retrying", "amber"),
        Some("failed") => ("sched.st.failed", "red"),
        Some(_) => ("sched.st.other", "muted"),
        None => ("sched.st.never", "muted"),
    }
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "pull.database" => "res.ch.pull_database",
        "pull.http" => "res.ch.pull_http",
        "materialise" => "res.ch.materialise",
        _ => "res.ch.other",
    }
}

/// A short description of a (redacted) spec: where it reads from.
fn describe(spec: &serde_json::Value) -> String {
    let s = |k: &str| spec.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let mut parts = Vec::new();
    if !s("url").is_empty() {
        parts.push(s("url").to_owned());
    }
    if !s("table").is_empty() {
        parts.push(s("table").to_owned());
    }
    if !s("query").is_empty() {
        parts.push(s("query").to_owned());
    }
    if !s("records_path").is_empty() {
        parts.push(s("records_path").to_owned());
    }
    if let Some(h) = spec.get("headers").and_then(|h| h.as_object()).filter(|h| !h.is_empty()) {
        parts.push(h.keys().map(|k| format!("{k}: ***")).collect::<Vec<_>>().join(", "));
    }
    parts.join(" · ")
}

/// One schedule as shown.
pub struct ScheduleRow {
    pub(crate) id: i64,
    pub(crate) kind: &'static str,
    pub(crate) source: String,
    pub(crate) mode: &'static str,
    pub(crate) watermark: String,
    pub(crate) cron: String,
    pub(crate) enabled: bool,
    pub(crate) next_run: String,
    pub(crate) last_run: String,
    pub(crate) status: &'static str,
    pub(crate) status_class: &'static str,
    pub(crate) status_raw: String,
    pub(crate) message: String,
    pub(crate) failures: i64,
}

impl ScheduleRow {
    fn new(v: &ScheduleView) -> Self {
        let (status, status_class) = status_badge(v.last_status.as_deref());
        let mode = match v.spec.get("mode").and_then(|m| m.as_str()) {
            Some("incremental") => "sched.mode.incremental",
            Some(_) => "sched.mode.full",
            None => "",
        };
        Self {
            id: v.id,
            kind: kind_key(&v.kind),
            source: describe(&v.spec),
            mode,
            watermark: v.watermark.clone().unwrap_or_default(),
            cron: v.cron.clone(),
            enabled: v.enabled,
            next_run: if v.enabled { fmt_ms(v.next_run_at) } else { String::new() },
            last_run: v.last_run_at.map(fmt_ms).unwrap_or_default(),
            status,
            status_class,
            status_raw: v.last_status.clone().unwrap_or_default(),
            message: v.last_message.clone().unwrap_or_default(),
            failures: v.failures,
        }
    }
}

/// A live source with its status as shown.
pub struct LiveBox {
    pub(crate) kind: &'static str,
    pub(crate) source: String,
    pub(crate) timeout_ms: i64,
    pub(crate) registered: String,
    pub(crate) calls: i64,
    pub(crate) failures: i64,
    pub(crate) availability: String,
    pub(crate) mean_latency: String,
    pub(crate) max_latency: i64,
}

impl LiveBox {
    fn new(s: &LiveStatus) -> Self {
        Self {
            kind: if s.source.kind == "http" { "live.kind.http" } else { "live.kind.database" },
            source: describe(&s.source.spec),
            timeout_ms: s.source.timeout_ms,
            registered: fmt_ms(s.source.created_at),
            calls: s.calls,
            failures: s.failures,
            availability: s.availability.map(|a| format!("{:.1}%", a * 100.0)).unwrap_or_default(),
            mean_latency: format!("{:.0}", s.mean_latency_ms),
            max_latency: s.max_latency_ms,
        }
    }
}

/// Everything the pulls part of the resource page shows.
pub struct PullsSection {
    /// Whether the part is shown at all (the providing department, or a platform operator).
    pub show: bool,
    /// Whether the caller may create and change schedules and the live source.
    pub can_manage: bool,
    /// Whether the caller may read through the live source.
    pub can_read_live: bool,
    /// Whether the resource is a theme library (materialise applies).
    pub theme: bool,
    pub(crate) schedules: Vec<ScheduleRow>,
    pub(crate) live: Option<LiveBox>,
    pub(crate) sf: Kept,
    pub(crate) lf: Kept,
    pub(crate) kinds: Vec<Opt>,
    pub(crate) modes: Vec<Opt>,
    pub(crate) live_kinds: Vec<Opt>,
    /// The form field in error (`s-cron`, `l-url`, …) and its explanation.
    pub(crate) bad_field: String,
    pub(crate) bad_text: &'static str,
}

impl PullsSection {
    /// Whether the form field `id` is the one in error.
    pub fn bad(&self, id: &str) -> bool {
        self.bad_field == id
    }
}

fn options(ctx: &Ctx, pairs: &[(&str, &str)], selected: &str) -> Vec<Opt> {
    pairs.iter().map(|(v, k)| Opt { value: (*v).into(), label: ctx.t(k).into(), selected: *v == selected }).collect()
}

/// Build the pulls part of the page for `entry`; `own` says the caller's department provides it.
pub(crate) async fn section(
    s: &AppState,
    ctx: &Ctx,
    pass: &zs_identity::Authorized<ResourceRead>,
    entry: &Entry,
    own: bool,
    published: bool,
    failed: Option<(&PullsKept, &Error)>,
) -> Result<PullsSection, crate::page::Reject> {
    let show = own || ctx.role() == Role::PlatformOperator;
    let theme = zs_ingest::theme_library(&entry.body.name).is_some();
    let (schedules, live) = if show {
        let views = s.ingest.schedule_views(pass, &entry.code).await.map_err(|e| ctx.fail(e))?;
        let since = zs_types::clock::to_ms(s.catalog.now()) - STATUS_WINDOW_MS;
        let live = match s.ingest.live_status_as(pass, &entry.code, since).await {
            Ok(st) => Some(LiveBox::new(&st)),
            Err(e) if e.code == ErrorCode::NotFound => None,
            Err(e) => return Err(ctx.fail(e)),
        };
        (views.iter().map(ScheduleRow::new).collect(), live)
    } else {
        (Vec::new(), None)
    };
    let (mut sf, mut lf) = (Kept::default(), Kept::default());
    let (mut bad_field, mut bad_text) = (String::new(), "");
    if let Some((kept, e)) = failed {
        let (field, text) = field_of(e);
        let prefix = match kept {
            PullsKept::Schedule(k) => {
                sf = k.clone();
                "s-"
            }
            PullsKept::Live(k) => {
                lf = k.clone();
                "l-"
            }
        };
        if !field.is_empty() {
            bad_field = format!("{prefix}{field}");
            bad_text = ctx.t(text);
        }
    }
    if sf.cron.is_empty() {
        sf.cron = "30 2 * * *".into();
    }
    if lf.timeout_ms.is_empty() {
        lf.timeout_ms = DEFAULT_TIMEOUT_MS.into();
    }
    let mut kinds = vec![("pull.database", "res.ch.pull_database"), ("pull.http", "res.ch.pull_http")];
    if theme {
        kinds.push(("materialise", "res.ch.materialise"));
    }
    let kind = if sf.kind.is_empty() { "pull.database" } else { sf.kind.as_str() };
    let section = PullsSection {
        show,
        can_manage: ctx.allows("resource.manage") && own && published,
        can_read_live: ctx.allows("resource.preview") && own && ctx.role() == Role::Steward,
        theme,
        schedules,
        live,
        kinds: options(ctx, &kinds, kind),
        modes: options(ctx, &[("full", "sched.mode.full"), ("incremental", "sched.mode.incremental")], &sf.mode),
        live_kinds: options(ctx, &[("database", "live.kind.database"), ("http", "live.kind.http")], &lf.kind),
        sf,
        lf,
        bad_field,
        bad_text,
    };
    Ok(section)
}

/// Show the resource page again with a failed pulls form, or the error page.
async fn form_failed(s: &AppState, ctx: &Ctx, code: &str, e: Error, kept: PullsKept) -> PageResult {
    // A source that cannot be reached is the form's problem too (the reason is shown there).
    if is_form_error(&e) || matches!(e.code, ErrorCode::Conflict | ErrorCode::StoreUnavailable) {
        let form = match kept {
            PullsKept::Schedule(_) => "schedule",
            PullsKept::Live(_) => "live",
        };
        return page(s, ctx, code, &ResourceQuery::default(), Some(Failed::pulls(form, e, kept))).await;
    }
    Err(ctx.fail(e))
}

fn back(code: &str, notice: &str, anchor: &str) -> axum::response::Response {
    redirect(&format!("{}?notice={notice}#{anchor}", resource_href(code)))
}

/// `POST /resources/{class}/{seq}/schedules`: create a pull schedule.
pub async fn create_schedule(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<ScheduleForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let code = code_of(&ctx, &class, &seq)?;
    let pass = ctx.authorize::<ResourceManage>(&s).await?;
    let result = match f.spec() {
        Ok(spec) => s.ingest.create_schedule(&pass, &code, f.kind.trim(), &spec, &f.cron).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(back(&code, "schedule_created", "schedules")),
        Err(e) => form_failed(&s, &ctx, &code, e, PullsKept::Schedule(f.kept())).await,
    }
}

fn schedule_id(ctx: &Ctx, raw: &str) -> Result<i64, crate::page::Reject> {
    raw.parse::<i64>().map_err(|_| ctx.fail(Error::not_found("schedule")))
}

/// `POST /schedules/{id}/enable`.
pub async fn enable(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    set_enabled(s, ctx, raw, f, true).await
}

/// `POST /schedules/{id}/disable`.
pub async fn disable(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    set_enabled(s, ctx, raw, f, false).await
}

async fn set_enabled(s: AppState, ctx: Ctx, raw: String, f: CsrfOnly, enabled: bool) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let id = schedule_id(&ctx, &raw)?;
    let pass = ctx.authorize::<ResourceManage>(&s).await?;
    let v = s.ingest.set_schedule_enabled(&pass, id, enabled).await.map_err(|e| ctx.fail(e))?;
    let notice = if enabled { "schedule_enabled" } else { "schedule_disabled" };
    Ok(back(&v.code, notice, &format!("schedule-{id}")))
}

/// `POST /schedules/{id}/delete`.
pub async fn delete(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let id = schedule_id(&ctx, &raw)?;
    let read = ctx.authorize::<ResourceRead>(&s).await?;
    let v = s.ingest.schedule_view(&read, id).await.map_err(|e| ctx.fail(e))?;
    let pass = ctx.authorize::<ResourceManage>(&s).await?;
    s.ingest.delete_schedule(&pass, id).await.map_err(|e| ctx.fail(e))?;
    Ok(back(&v.code, "schedule_deleted", "schedules"))
}

/// `POST /schedules/{id}/run`: queue a run now; the job page follows.
pub async fn run(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let id = schedule_id(&ctx, &raw)?;
    let pass = ctx.authorize::<ResourceManage>(&s).await?;
    let job = s.ingest.run_schedule_now(&pass, id).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/jobs/{}", job.id)))
}

/// `POST /resources/{class}/{seq}/live`: register (or replace) the live source after one read.
pub async fn register_live(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<LiveForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let code = code_of(&ctx, &class, &seq)?;
    let pass = ctx.authorize::<ResourceManage>(&s).await?;
    let result = match f.spec() {
        Ok((spec, timeout)) => s.ingest.register_live(&pass, &code, &spec, timeout).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(back(&code, "live_registered", "live")),
        Err(e) => form_failed(&s, &ctx, &code, e, PullsKept::Live(f.kept())).await,
    }
}

/// `POST /resources/{class}/{seq}/live/delete`.
pub async fn delete_live(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let code = code_of(&ctx, &class, &seq)?;
    let pass = ctx.authorize::<ResourceManage>(&s).await?;
    s.ingest.delete_live(&pass, &code).await.map_err(|e| ctx.fail(e))?;
    Ok(back(&code, "live_deleted", "live"))
}

/// Query of the live preview page: one equality filter on an item.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiveQuery {
    item: String,
    value: String,
}

#[derive(Template)]
#[template(path = "resource_live.html")]
struct LivePage {
    c: Chrome,
    code: String,
    name: String,
    items: Vec<Opt>,
    value: String,
    columns: Vec<(String, String)>,
    rows: Vec<Vec<String>>,
    error: Option<FormError>,
    limit: i64,
}

/// `GET /resources/{class}/{seq}/live[?item=…&value=…]`: the first rows read through the live
/// source (stewards of the providing department; every read is audited by the service).
pub async fn live_preview(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((class, seq)): Path<(String, String)>,
    PortalQuery(q): PortalQuery<LiveQuery>,
) -> PageResult {
    let code = code_of(&ctx, &class, &seq)?;
    let read = ctx.authorize::<CatalogRead>(&s).await?;
    let entry = s.catalog.get_by_code(&read, &code).await.map_err(|e| ctx.fail(e))?;
    let pass = ctx.authorize::<ResourcePreview>(&s).await?;
    let filter: Vec<(String, String)> = match (q.item.trim(), q.value.trim()) {
        ("", _) | (_, "") => Vec::new(),
        (i, v) => vec![(i.to_owned(), v.to_owned())],
    };
    let columns: Vec<(String, String)> = entry.body.items.iter().map(|i| (i.name.clone(), i.label.clone())).collect();
    let (rows, error, status) = match s.ingest.read_live_as(&pass, &entry.code, &filter, LIVE_PREVIEW_ROWS).await {
        Ok(records) => {
            let rows = records
                .iter()
                .map(|r| {
                    columns
                        .iter()
                        .map(|(n, _)| match r.get(n) {
                            Some(serde_json::Value::String(v)) => v.clone(),
                            Some(serde_json::Value::Null) | None => String::new(),
                            Some(other) => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (rows, None, StatusCode::OK)
        }
        Err(e) if is_form_error(&e) || e.code == ErrorCode::StoreUnavailable => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            (Vec::new(), Some(FormError::new(ctx.lang, &e)), status)
        }
        Err(e) => return Err(ctx.fail(e)),
    };
    let mut items =
        vec![Opt { value: String::new(), label: ctx.t("live.no_filter").into(), selected: q.item.is_empty() }];
    items.extend(columns.iter().map(|(n, l)| Opt {
        value: n.clone(),
        label: format!("{l}（{n}）"),
        selected: q.item.trim() == n,
    }));
    let page = LivePage {
        c: ctx.chrome("ingest"),
        code: entry.code.clone(),
        name: entry.body.name.clone(),
        items,
        value: q.value,
        columns,
        rows,
        error,
        limit: LIVE_PREVIEW_ROWS,
    };
    Ok(render(status, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_join_the_url_and_never_come_back() {
        assert_eq!(
            with_password("postgres://dept@db.example:5432/hr", "p@ss:w/rd").unwrap(),
            "postgres://dept:p%40ss%3Aw%2Frd@db.example:5432/hr"
        );
        assert_eq!(with_password("postgres://dept@h/db", "").unwrap(), "postgres://dept@h/db");
        for bad in ["postgres://h/db", "postgres://a:b@h/db", "postgres://@h/db"] {
            assert_eq!(with_password(bad, "x").unwrap_err().field.as_deref(), Some("password"), "{bad}");
        }
        assert_eq!(shown_url("postgres://dept:secret@h:5432/db"), "postgres://dept@h:5432/db");
        assert_eq!(shown_url("mysql://root@h/db"), "mysql://root@h/db");
        let http = shown_url("https://api.example/x?key=secret&page=1");
        assert!(!http.contains("secret"), "{http}");
    }
}
