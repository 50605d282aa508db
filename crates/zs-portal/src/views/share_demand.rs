//! Supply–demand matching pages (供需对接): the demand board every department sees with the form
//! to post a demand, and a demand's page with its history and the forms its reader may use:
//! routing (platform operator), answering (the provider's stewards), closing or re-opening (the
//! requesting department).

use std::collections::HashMap;

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{fmt_time, is_form_error, redirect, render, Chrome, FormError, Opt, PageResult};
use crate::session::Ctx;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::{DemandAnswer, DemandClose, DemandPost, DemandRead, DemandRoute, OrgRead};
use zs_share::{AnswerInput, BoardFilter, DemandDetail, DemandInput, DemandView, NoteInput, RouteInput};
use zs_types::model::OrgKind;
use zs_types::{Error, ErrorCode};

/// A demand as a board row.
pub struct DemandRow {
    d: DemandView,
    state_key: &'static str,
    state_class: &'static str,
    answer_key: &'static str,
    posted: String,
    highlight: bool,
}

fn state_of(d: &DemandView) -> (&'static str, &'static str) {
    match (d.state.as_str(), d.overdue) {
        ("routed", true) => ("demand.state.overdue", "red"),
        ("routed", false) => ("demand.state.routed", "amber"),
        ("answered", _) => ("demand.state.answered", "green"),
        ("closed", _) => ("demand.state.closed", "muted"),
        _ => ("demand.state.posted", "blue"),
    }
}

fn answer_key(kind: Option<&str>) -> &'static str {
    match kind {
        Some("catalogued") => "demand.answer.catalogued",
        Some("pointed") => "demand.answer.pointed",
        Some("declined") => "demand.answer.declined",
        _ => "",
    }
}

fn row(d: DemandView, highlight: Option<i64>) -> DemandRow {
    let (state_key, state_class) = state_of(&d);
    DemandRow {
        answer_key: answer_key(d.answer_kind.as_deref()),
        posted: fmt_time(zs_types::clock::from_ms(d.created_at)),
        highlight: highlight == Some(d.id),
        state_key,
        state_class,
        d,
    }
}

/// A filter tab of the board.
pub struct Tab {
    href: &'static str,
    label: &'static str,
    current: bool,
}

#[derive(Template)]
#[template(path = "share_demands.html")]
struct BoardPage {
    c: Chrome,
    tabs: Vec<Tab>,
    rows: Vec<DemandRow>,
    can_post: bool,
    departments: Vec<Opt>,
    form: HashMap<String, String>,
    error: Option<FormError>,
}

impl BoardPage {
    fn v(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
}

/// `?state=&mine=&created=` of the board.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    state: String,
    mine: String,
    created: String,
}

/// Departments as options (within `scope`), the one given preselected.
async fn departments(s: &AppState, ctx: &Ctx, scope: &str, selected: &str) -> Result<Vec<Opt>, crate::page::Reject> {
    let pass = ctx.authorize::<OrgRead>(s).await?;
    let orgs = s.identity.list_orgs(&pass).await.map_err(|e| ctx.fail(e))?;
    Ok(orgs
        .into_iter()
        .filter(|o| o.kind == OrgKind::Department && o.path.starts_with(scope))
        .map(|o| {
            let value = o.id.0.to_string();
            Opt { selected: value == selected, value, label: o.name }
        })
        .collect())
}

async fn board_page(
    s: &AppState,
    ctx: &Ctx,
    q: &BoardQuery,
    form: HashMap<String, String>,
    error: Option<FormError>,
    status: StatusCode,
) -> PageResult {
    let pass = ctx.authorize::<DemandRead>(s).await?;
    let mine = q.mine == "1";
    let state = Some(q.state.clone()).filter(|s| !s.is_empty());
    let list =
        s.share.demand_board(&pass, BoardFilter { state: state.clone(), mine }).await.map_err(|e| ctx.fail(e))?;
    let hl = q.created.parse().ok();
    let tab = |href, label, current| Tab { href, label, current };
    let tabs = vec![
        tab("/share/demands", "demand.tab.all", state.is_none() && !mine),
        tab("/share/demands?mine=1", "demand.tab.mine", mine),
        tab("/share/demands?state=posted", "demand.state.posted", state.as_deref() == Some("posted")),
        tab("/share/demands?state=routed", "demand.state.routed", state.as_deref() == Some("routed")),
        tab("/share/demands?state=overdue", "demand.state.overdue", state.as_deref() == Some("overdue")),
        tab("/share/demands?state=answered", "demand.state.answered", state.as_deref() == Some("answered")),
        tab("/share/demands?state=closed", "demand.state.closed", state.as_deref() == Some("closed")),
    ];
    let can_post = ctx.allows("demand.post");
    let departments = if can_post {
        departments(s, ctx, "/", form.get("guessed_provider_id").map(String::as_str).unwrap_or("")).await?
    } else {
        Vec::new()
    };
    let page = BoardPage {
        c: ctx.chrome("share-demands"),
        tabs,
        rows: list.into_iter().map(|d| row(d, hl)).collect(),
        can_post,
        departments,
        form,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /share/demands`: the demand board (需求看板).
pub async fn board(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<BoardQuery>) -> PageResult {
    board_page(&s, &ctx, &q, HashMap::new(), None, StatusCode::OK).await
}

fn form_status(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

/// `POST /share/demands`: post a demand.
pub async fn post(
    State(s): State<AppState>,
    ctx: Ctx,
    PortalForm(f): PortalForm<HashMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let pass = ctx.authorize::<DemandPost>(&s).await?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = (|| -> Result<DemandInput, Error> {
        let guessed = get("guessed_provider_id");
        let guessed = match guessed.trim() {
            "" => None,
            g => Some(g.parse().map_err(|_| Error::invalid("guessed_provider_id", "choose a department"))?),
        };
        Ok(DemandInput {
            title: get("title"),
            description: get("description"),
            purpose: get("purpose"),
            guessed_provider_id: guessed,
        })
    })();
    let r = match input {
        Ok(i) => s.share.post_demand(&pass, i).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(d) => Ok(redirect(&format!("/share/demands?mine=1&created={}#demand-{}", d.id, d.id))),
        Err(e) if is_form_error(&e) => {
            let fe = FormError::new(ctx.lang, &e);
            board_page(&s, &ctx, &BoardQuery::default(), f, Some(fe), form_status(&e)).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// A history line.
pub struct EventRow {
    at: String,
    action_key: &'static str,
    answer_key: &'static str,
    actor: String,
    provider: String,
    due: String,
    note: String,
}

#[derive(Template)]
#[template(path = "share_demand.html")]
struct DemandPage {
    c: Chrome,
    r: DemandRow,
    events: Vec<EventRow>,
    notice: &'static str,
    can_route: bool,
    can_answer: bool,
    can_close: bool,
    can_reopen: bool,
    providers: Vec<Opt>,
    default_days: u32,
    error_for: &'static str,
    error: Option<FormError>,
}

/// `?notice=` after a transition.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    notice: String,
}

async fn demand_page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    notice: &str,
    failed: Option<(&'static str, Error)>,
) -> PageResult {
    let pass = ctx.authorize::<DemandRead>(s).await?;
    let DemandDetail { demand, events } = s.share.demand(&pass, id).await.map_err(|e| ctx.fail(e))?;
    let me = &ctx.principal;
    let own = demand.requester_org_id == me.org.id.0;
    let can_route = ctx.allows("demand.route") && matches!(demand.state.as_str(), "posted" | "routed");
    let can_answer =
        ctx.allows("demand.answer") && demand.state == "routed" && demand.provider_org_id == Some(me.org.id.0);
    let can_close = ctx.allows("demand.close") && own && demand.state == "answered";
    let can_reopen = ctx.allows("demand.close") && own && matches!(demand.state.as_str(), "answered" | "closed");
    let providers = if can_route {
        let selected = demand.provider_org_id.map(|p| p.to_string()).unwrap_or_default();
        departments(s, ctx, me.scope_path(), &selected).await?
    } else {
        Vec::new()
    };
    let events = events
        .into_iter()
        .map(|e| EventRow {
            at: fmt_time(zs_types::clock::from_ms(e.at)),
            action_key: match e.action.as_str() {
                "post" => "demand.ev.post",
                "route" => "demand.ev.route",
                "answer" => "demand.ev.answer",
                "close" => "demand.ev.close",
                "escalate" => "demand.ev.escalate",
                _ => "demand.ev.reopen",
            },
            answer_key: answer_key(e.answer_kind.as_deref()),
            actor: e.actor_org,
            provider: e.provider.unwrap_or_default(),
            due: e.due_date.unwrap_or_default(),
            note: e.note.unwrap_or_default(),
        })
        .collect();
    let notice = match notice {
        "posted" => "demand.notice.posted",
        "routed" => "demand.notice.routed",
        "answered" => "demand.notice.answered",
        "closed" => "demand.notice.closed",
        "reopened" => "demand.notice.reopened",
        _ => "",
    };
    let (error_for, error, status) = match failed {
        Some((form, e)) => (form, Some(FormError::new(ctx.lang, &e)), form_status(&e)),
        None => ("", None, StatusCode::OK),
    };
    let page = DemandPage {
        c: ctx.chrome("share-demands"),
        r: row(demand, None),
        events,
        notice,
        can_route,
        can_answer,
        can_close,
        can_reopen,
        providers,
        default_days: s.share.demand_days(),
        error_for,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /share/demands/{id}`.
pub async fn demand(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalQuery(q): PortalQuery<DoneQuery>,
) -> PageResult {
    demand_page(&s, &ctx, id, &q.notice, None).await
}

/// After a transition: back to the demand with a notice, or the form's error on its page.
async fn after(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &'static str,
    notice: &str,
    r: Result<DemandView, Error>,
) -> PageResult {
    match r {
        Ok(_) => Ok(redirect(&format!("/share/demands/{id}?notice={notice}"))),
        Err(e) if is_form_error(&e) || matches!(e.code, ErrorCode::Conflict | ErrorCode::Forbidden) => {
            demand_page(s, ctx, id, "", Some((form, e))).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

fn opt(f: &HashMap<String, String>, k: &str) -> Option<String> {
    f.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `POST /share/demands/{id}/route` (platform operator).
pub async fn route(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<HashMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let pass = ctx.authorize::<DemandRoute>(&s).await?;
    let input = (|| -> Result<RouteInput, Error> {
        let provider = opt(&f, "provider_org_id")
            .ok_or_else(|| Error::invalid("provider_org_id", "choose the provider department"))?
            .parse()
            .map_err(|_| Error::invalid("provider_org_id", "choose the provider department"))?;
        let days = opt(&f, "working_days")
            .map(|d| d.parse().map_err(|_| Error::invalid("working_days", "working_days must be a whole number 1-60")))
            .transpose()?;
        Ok(RouteInput { provider_org_id: provider, working_days: days, note: opt(&f, "note") })
    })();
    let r = match input {
        Ok(i) => s.share.route_demand(&pass, id, i).await,
        Err(e) => Err(e),
    };
    after(&s, &ctx, id, "route", "routed", r).await
}

/// `POST /share/demands/{id}/answer` (the provider's stewards).
pub async fn answer(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<HashMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let pass = ctx.authorize::<DemandAnswer>(&s).await?;
    let input = AnswerInput { kind: opt(&f, "kind").unwrap_or_default(), code: opt(&f, "code"), note: opt(&f, "note") };
    let r = s.share.answer_demand(&pass, id, input).await;
    after(&s, &ctx, id, "answer", "answered", r).await
}

/// `POST /share/demands/{id}/close` (the requesting department).
pub async fn close(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<HashMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let pass = ctx.authorize::<DemandClose>(&s).await?;
    let r = s.share.close_demand(&pass, id, NoteInput { note: opt(&f, "note") }).await;
    after(&s, &ctx, id, "close", "closed", r).await
}

/// `POST /share/demands/{id}/reopen` (the requesting department).
pub async fn reopen(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<HashMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let pass = ctx.authorize::<DemandClose>(&s).await?;
    let r = s.share.reopen_demand(&pass, id, NoteInput { note: opt(&f, "note") }).await;
    after(&s, &ctx, id, "reopen", "reopened", r).await
}
