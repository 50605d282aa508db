//! Searching the catalogue: Chinese full text with facets, sorting and paging.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zs_catalog::{EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, UpdateCycle};
use zs_catalog_search::{Filters, SearchQuery, SearchResults, Sort, Visibility};
use zs_identity::policy::CatalogRead;

/// Search parameters; every filter is optional.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchParams {
    /// Free text (Chinese, English or a resource code).
    q: Option<String>,
    /// Providing department (organisation id).
    org_id: Option<i64>,
    /// Area (city or district name).
    area: Option<String>,
    /// 类: basic, theme, department.
    class: Option<ResourceClass>,
    /// Prefix of the classification code (1-9 digits), e.g. `101` = 基础 / 人口.
    classification: Option<String>,
    /// 共享类型.
    sharing: Option<SharingKind>,
    /// 开放属性.
    open: Option<OpenKind>,
    /// 信息资源格式.
    format: Option<FormatKind>,
    /// 更新周期.
    update_cycle: Option<UpdateCycle>,
    /// 安全级别.
    security_level: Option<SecurityLevel>,
    /// Status.
    status: Option<EntryStatus>,
    /// relevance (default), name, updated_desc, code.
    sort: Option<Sort>,
    /// Hits to skip.
    offset: Option<usize>,
    /// Hits per page (default 20, at most 1,000).
    limit: Option<usize>,
}

/// Search the catalogue: published entries for everyone, drafts only within the caller's
/// scope. Returns the page of hits and facet counts over all matches.
#[utoipa::path(get, path = "/api/v1/catalog/entries", operation_id = "catalog.read#search", tag = "catalog", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 422, body = ErrorBody)))]
pub(crate) async fn search(
    State(s): State<AppState>,
    Auth(pass): Auth<CatalogRead>,
    Query(p): Query<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    let q = SearchQuery {
        text: p.q.unwrap_or_default(),
        filters: Filters {
            org_id: p.org_id,
            area: p.area,
            class: p.class,
            classification: p.classification,
            sharing: p.sharing,
            open: p.open,
            format: p.format,
            update_cycle: p.update_cycle,
            security_level: p.security_level,
            status: p.status,
        },
        sort: p.sort.unwrap_or_default(),
        offset: p.offset.unwrap_or(0),
        limit: p.limit.unwrap_or(20),
    };
    let vis = Visibility::scope(pass.principal().scope_path());
    let index = s.search.clone();
    let res = tokio::task::spawn_blocking(move || index.search(&q, &vis))
        .await
        .map_err(|e| zs_types::Error::internal(format!("search task failed: {e}")))?
        .map_err(zs_types::Error::from)?;
    Ok(Json(res))
}
