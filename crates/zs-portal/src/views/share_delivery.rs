//! The exchange page of a grant (交换与订阅): delivery history with "deliver now" (a full extract
//! or the changes, as CSV, Parquet or Excel) and downloads, delivery plans with "run now", and
//! webhook subscriptions with their dead letters and replay (the signing secret shown once).

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{fmt_time, no_store, redirect, render, Chrome, CsrfOnly, PageResult};
use crate::session::Ctx;
use crate::views::secret::{secret_page, Fact};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::{ShareData, ShareRead};
use zs_share::{DeliverInput, DeliveryView, GrantView, NotificationView, PlanView, SubscribeInput, SubscriptionView};

/// A subscription with its dead letters.
struct SubRow {
    s: SubscriptionView,
    dead: Vec<NotificationView>,
}

#[derive(Template)]
#[template(path = "share_delivery.html")]
struct ExchangePage {
    c: Chrome,
    g: GrantView,
    notice: String,
    consumer: bool,
    usable: bool,
    deliveries: Vec<DeliveryView>,
    plans: Vec<PlanView>,
    subs: Vec<SubRow>,
}

impl ExchangePage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(zs_types::clock::from_ms(*ms))
    }

    fn short(&self, digest: &Option<String>) -> String {
        digest.as_deref().map(|d| d.chars().take(12).collect()).unwrap_or_default()
    }
}

/// `?notice=`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

/// `GET /share/grants/{id}/exchange`.
pub async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalQuery(q): PortalQuery<NoticeQuery>,
) -> PageResult {
    let pass = ctx.authorize::<ShareRead>(&s).await?;
    let g = s.share.grant(&pass, id).await.map_err(|e| ctx.fail(e))?;
    let deliveries = s.share.deliveries(&pass, id).await.map_err(|e| ctx.fail(e))?;
    let plans = s.share.plans(&pass, id).await.map_err(|e| ctx.fail(e))?;
    let consumer = g.consumer == ctx.principal.org.name;
    let mut subs = Vec::new();
    if consumer {
        for sub in s.share.subscriptions(&pass, id).await.map_err(|e| ctx.fail(e))? {
            let dead = s.share.notifications(&pass, id, sub.id, Some("dead")).await.map_err(|e| ctx.fail(e))?;
            subs.push(SubRow { s: sub, dead });
        }
    }
    let notice = match q.notice.as_str() {
        "queued" => ctx.t("share.dl.queued").to_owned(),
        "replayed" => ctx.t("share.dl.replayed").to_owned(),
        "disabled" => ctx.t("share.dl.disabled").to_owned(),
        _ => String::new(),
    };
    let usable = g.state == "active" && ctx.allows("share.data");
    let page = ExchangePage {
        c: ctx.chrome("share-grants"),
        g,
        notice,
        consumer,
        usable: usable && consumer,
        deliveries,
        plans,
        subs,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The "deliver now" form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeliverForm {
    csrf: String,
    kind: String,
    format: String,
}

/// `POST /share/grants/{id}/deliveries`.
pub async fn deliver(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<DeliverForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ShareData>(&s).await?;
    s.share.deliver(&pass, id, DeliverInput { kind: f.kind, format: f.format }).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/share/grants/{id}/exchange?notice=queued")))
}

/// `POST /share/grants/{id}/plans/{plan}/run`.
pub async fn run_plan(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, plan)): Path<(i64, i64)>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ShareData>(&s).await?;
    s.share.run_plan(&pass, id, plan).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/share/grants/{id}/exchange?notice=queued")))
}

/// The subscription form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SubscribeForm {
    csrf: String,
    url: String,
}

/// `POST /share/grants/{id}/subscriptions`: the signing secret is shown once.
pub async fn subscribe(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PortalForm(f): PortalForm<SubscribeForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ShareData>(&s).await?;
    let made = s.share.subscribe(&pass, id, SubscribeInput { url: f.url }).await.map_err(|e| ctx.fail(e))?;
    let facts = vec![
        Fact { key: "share.dl.url", value: made.subscription.url.clone() },
        Fact { key: "share.dl.header", value: zs_share::SIGNATURE_HEADER.to_owned() },
    ];
    Ok(no_store(secret_page(
        ctx.chrome("share-grants"),
        "share.dl.secret_title",
        ctx.t("share.dl.secret_intro").to_owned(),
        "share.dl.secret_warning",
        made.secret,
        facts,
        format!("/share/grants/{id}/exchange"),
    )))
}

/// `POST /share/grants/{id}/subscriptions/{sub}/notifications/{n}/replay`.
pub async fn replay(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, sub, n)): Path<(i64, i64, i64)>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ShareData>(&s).await?;
    s.share.replay(&pass, id, sub, n).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/share/grants/{id}/exchange?notice=replayed")))
}

/// `POST /share/grants/{id}/subscriptions/{sub}/disable`.
pub async fn unsubscribe(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, sub)): Path<(i64, i64)>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<ShareData>(&s).await?;
    s.share.unsubscribe(&pass, id, sub).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/share/grants/{id}/exchange?notice=disabled")))
}
