//! The review queue (operators): submissions awaiting review in the operator's area, oldest
//! first. Approving and returning happen on the entry page.

use crate::page::{render, Chrome, PageResult};
use crate::session::Ctx;
use crate::views::catalog_common::{fmt_rfc3339, tabs, Tab};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use zs_catalog::Entry;
use zs_http::AppState;
use zs_identity::policy::CatalogReview;

/// One submission in the queue.
pub struct QueueRow {
    id: i64,
    code: String,
    name: String,
    provider: String,
    area: String,
    submitted: String,
    kind_key: &'static str,
    kind_class: &'static str,
}

#[derive(Template)]
#[template(path = "catalog_review.html")]
struct ReviewPage {
    c: Chrome,
    tabs: Vec<Tab>,
    rows: Vec<QueueRow>,
}

/// What a submission asks for: (text key, badge colour).
pub fn submission_kind(e: &Entry) -> (&'static str, &'static str) {
    if e.pending_withdrawal {
        ("cat.review.kind_withdrawal", "red")
    } else if e.published_version.is_some() {
        ("cat.review.kind_change", "amber")
    } else {
        ("cat.review.kind_new", "blue")
    }
}

/// `GET /catalog/review`.
pub async fn show(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let pass = ctx.authorize::<CatalogReview>(&s).await?;
    let queue = s.catalog.review_queue(&pass).await.map_err(|e| ctx.fail(e))?;
    let rows = queue
        .iter()
        .map(|e| {
            let (kind_key, kind_class) = submission_kind(e);
            QueueRow {
                id: e.id,
                code: e.code.clone(),
                name: e.body.name.clone(),
                provider: e.provider.clone(),
                area: e.area.clone(),
                submitted: fmt_rfc3339(&e.updated_at),
                kind_key,
                kind_class,
            }
        })
        .collect();
    let page = ReviewPage { c: ctx.chrome("review"), tabs: tabs(&ctx, "review"), rows };
    Ok(render(StatusCode::OK, &page))
}
