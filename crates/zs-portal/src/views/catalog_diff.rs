//! The diff page: what changed between two versions of an entry, element by element.

use crate::forms::PortalQuery;
use crate::page::{render, Chrome, Opt, PageResult};
use crate::session::Ctx;
use crate::views::catalog_common::{element_label, element_value, entry_id, tabs, version_state_key, Tab};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::CatalogRead;
use zs_types::Error;

/// Query of the diff page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DiffQuery {
    from: String,
    to: String,
}

/// One changed element.
pub struct DiffRow {
    path: String,
    element: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "catalog_diff.html")]
struct DiffPage {
    c: Chrome,
    tabs: Vec<Tab>,
    id: i64,
    code: String,
    name: String,
    from: i64,
    to: i64,
    from_opts: Vec<Opt>,
    to_opts: Vec<Opt>,
    rows: Vec<DiffRow>,
}

fn version_param(ctx: &Ctx, field: &str, raw: &str) -> Result<Option<i64>, crate::page::Reject> {
    match raw.trim() {
        "" => Ok(None),
        v => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ctx.fail(Error::invalid(field, format!("{field} must be a version number")))),
    }
}

/// `GET /catalog/entries/{id}/diff?from=&to=`.
pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    PortalQuery(q): PortalQuery<DiffQuery>,
) -> PageResult {
    let id = entry_id(&ctx, &raw)?;
    let read = ctx.authorize::<CatalogRead>(&s).await?;
    let e = s.catalog.get(&read, id).await.map_err(|e| ctx.fail(e))?;
    let h = s.catalog.history(&read, id).await.map_err(|e| ctx.fail(e))?;
    // The versions worth comparing: withdrawal requests repeat the published body.
    let shown: Vec<(i64, &str)> =
        h.versions.iter().filter(|v| !v.withdrawal).map(|v| (v.version, v.state.as_str())).collect();
    let last = shown.last().map(|v| v.0).unwrap_or(e.version);
    let to = match version_param(&ctx, "to", &q.to)? {
        Some(v) => v,
        None => e.pending_version.filter(|v| shown.iter().any(|s| s.0 == *v)).unwrap_or(last),
    };
    let from = match version_param(&ctx, "from", &q.from)? {
        Some(v) => v,
        None => match e.published_version.filter(|p| *p != to) {
            Some(p) => p,
            None => shown.iter().rev().map(|v| v.0).find(|v| *v < to).unwrap_or(to),
        },
    };
    let changes = s.catalog.diff(&read, id, from, to).await.map_err(|e| ctx.fail(e))?;
    let lang = ctx.lang;
    let rows = changes
        .into_iter()
        .map(|ch| DiffRow {
            element: element_label(lang, &ch.field),
            before: ch.before.map(|v| element_value(lang, &ch.field, &v)),
            after: ch.after.map(|v| element_value(lang, &ch.field, &v)),
            path: ch.field,
        })
        .collect();
    let opts = |selected: i64| -> Vec<Opt> {
        shown
            .iter()
            .map(|(v, state)| Opt {
                value: v.to_string(),
                label: format!("{} {v} · {}", ctx.t("cat.entry.version"), ctx.t(version_state_key(state))),
                selected: *v == selected,
            })
            .collect()
    };
    let page = DiffPage {
        c: ctx.chrome("catalog"),
        tabs: tabs(&ctx, ""),
        id,
        code: e.code.clone(),
        name: e.body.name.clone(),
        from,
        to,
        from_opts: opts(from),
        to_opts: opts(to),
        rows,
    };
    Ok(render(StatusCode::OK, &page))
}
