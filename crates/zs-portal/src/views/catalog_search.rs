//! The catalogue home: full-text search with facets (department, area, classification, sharing,
//! openness, format, update cycle, security level, status), sorting and paging. The query string
//! holds the whole state (`q`, the filters, `sort`, `page`), so every result page can be linked.

use crate::forms::PortalQuery;
use crate::i18n::Lang;
use crate::page::{render, urlencode, Chrome, PageResult};
use crate::session::Ctx;
use crate::views::catalog_common::{status_badge, tabs, Tab, Vocab};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use zs_catalog::{
    classification, EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, UpdateCycle,
};
use zs_catalog_search::{Count, Filters, SearchQuery, SearchResults, Sort, Visibility};
use zs_http::AppState;
use zs_identity::policy::CatalogRead;
use zs_types::Error;

/// Hits per page.
const PAGE_SIZE: usize = 20;

/// The query string of the search page; every value as given.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    q: String,
    org_id: String,
    area: String,
    class: String,
    classification: String,
    sharing: String,
    open: String,
    format: String,
    cycle: String,
    level: String,
    status: String,
    sort: String,
    page: String,
}

/// The filter keys in the order they appear in links.
const FILTER_KEYS: [&str; 10] =
    ["org_id", "area", "class", "classification", "sharing", "open", "format", "cycle", "level", "status"];

impl SearchParams {
    fn get(&self, key: &str) -> &str {
        match key {
            "q" => &self.q,
            "org_id" => &self.org_id,
            "area" => &self.area,
            "class" => &self.class,
            "classification" => &self.classification,
            "sharing" => &self.sharing,
            "open" => &self.open,
            "format" => &self.format,
            "cycle" => &self.cycle,
            "level" => &self.level,
            "status" => &self.status,
            "sort" => &self.sort,
            _ => "",
        }
    }

    /// A link to the search with `key` set to `value` (removed when `None`), back on page 1.
    fn with(&self, key: &str, value: Option<&str>) -> String {
        let mut parts = Vec::new();
        for k in std::iter::once("q").chain(FILTER_KEYS).chain(std::iter::once("sort")) {
            let v = if k == key { value.unwrap_or("") } else { self.get(k).trim() };
            if !v.is_empty() {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        if parts.is_empty() {
            "/catalog".to_owned()
        } else {
            format!("/catalog?{}", parts.join("&"))
        }
    }

    /// The same search on another page.
    fn page_href(&self, page: usize) -> String {
        let base = self.with("page", None);
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}page={page}")
    }
}

fn bad(field: &str, message: &str) -> Error {
    Error::invalid(field, message)
}

fn vocab_filter<V: Vocab>(raw: &str, field: &str) -> Result<Option<V>, Error> {
    match raw.trim() {
        "" => Ok(None),
        v => V::from_code(v).map(Some).ok_or_else(|| bad(field, "unknown value")),
    }
}

/// The search the parameters ask for.
fn query(p: &SearchParams) -> Result<(SearchQuery, usize), Error> {
    let page = match p.page.trim() {
        "" => 1,
        v => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| bad("page", "page must be 1 or more"))?,
    };
    let org_id = match p.org_id.trim() {
        "" => None,
        v => Some(v.parse::<i64>().map_err(|_| bad("org_id", "org_id must be a number"))?),
    };
    let filters = Filters {
        org_id,
        area: Some(p.area.trim().to_owned()).filter(|a| !a.is_empty()),
        class: vocab_filter::<ResourceClass>(&p.class, "class")?,
        classification: Some(p.classification.trim().to_owned()).filter(|c| !c.is_empty()),
        sharing: vocab_filter::<SharingKind>(&p.sharing, "sharing")?,
        open: vocab_filter::<OpenKind>(&p.open, "open")?,
        format: vocab_filter::<FormatKind>(&p.format, "format")?,
        update_cycle: vocab_filter::<UpdateCycle>(&p.cycle, "cycle")?,
        security_level: vocab_filter::<SecurityLevel>(&p.level, "level")?,
        status: vocab_filter::<EntryStatus>(&p.status, "status")?,
    };
    let sort = match p.sort.trim() {
        "" | "relevance" => Sort::Relevance,
        "name" => Sort::Name,
        "updated" => Sort::UpdatedDesc,
        "code" => Sort::Code,
        _ => return Err(bad("sort", "sort must be relevance, name, updated or code")),
    };
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    Ok((SearchQuery { text: p.q.trim().to_owned(), filters, sort, offset, limit: PAGE_SIZE }, page))
}

/// One value of a facet.
pub struct FacetValue {
    label: String,
    count: usize,
    href: String,
    selected: bool,
}

/// Facet values shown before "more".
const FACET_SHOWN: usize = 8;

/// One facet: the first values, and the rest behind "more".
pub struct FacetGroup {
    id: &'static str,
    title: &'static str,
    values: Vec<FacetValue>,
    more: Vec<FacetValue>,
}

impl FacetGroup {
    fn new(id: &'static str, title: &'static str, mut values: Vec<FacetValue>) -> Self {
        // A selected value stays in sight.
        if let Some(i) = values.iter().position(|v| v.selected).filter(|i| *i >= FACET_SHOWN) {
            let v = values.remove(i);
            values.insert(0, v);
        }
        let more = if values.len() > FACET_SHOWN { values.split_off(FACET_SHOWN) } else { Vec::new() };
        Self { id, title, values, more }
    }
}

/// An active filter, removable.
pub struct Chip {
    label: String,
    href: String,
}

/// One hit.
pub struct HitView {
    id: i64,
    code: String,
    name: String,
    provider: String,
    status_label: &'static str,
    status_class: &'static str,
}

/// A sort order link.
pub struct SortLink {
    label: &'static str,
    href: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "catalog_search.html")]
struct SearchPage {
    c: Chrome,
    tabs: Vec<Tab>,
    p: SearchParams,
    total: usize,
    relaxed: bool,
    hits: Vec<HitView>,
    facets: Vec<FacetGroup>,
    chips: Vec<Chip>,
    sorts: Vec<SortLink>,
    page: usize,
    pages: usize,
    prev_href: String,
    next_href: String,
    /// Filters other than the text, as hidden fields of the search box.
    hidden: Vec<(&'static str, String)>,
}

fn vocab_facet<V: Vocab>(
    lang: Lang,
    p: &SearchParams,
    id: &'static str,
    key: &'static str,
    title: &'static str,
    counts: &[Count<V>],
) -> FacetGroup {
    let current = p.get(key).trim();
    let values = counts
        .iter()
        .map(|c| {
            let selected = c.value.code() == current;
            FacetValue {
                label: c.value.label(lang).to_owned(),
                count: c.count,
                href: p.with(key, if selected { None } else { Some(c.value.code()) }),
                selected,
            }
        })
        .collect();
    FacetGroup::new(id, title, values)
}

/// The label of a classification prefix: 类 / 项 / 目 as far as given.
fn prefix_label(lang: Lang, prefix: &str) -> String {
    let class = match prefix.get(..1) {
        Some("1") => ResourceClass::Basic,
        Some("2") => ResourceClass::Theme,
        Some("3") => ResourceClass::Department,
        _ => return prefix.to_owned(),
    };
    let mut s = class.label(lang).to_owned();
    if let Some(item) = prefix.get(1..3).and_then(|i| i.parse::<u8>().ok()) {
        let c = zs_catalog::Classification { class, item, category: 1, subcategory: 0 };
        s.push_str(&format!(" / {}", classification::item_name(&c).unwrap_or("?")));
    }
    if let Some(cat) = prefix.get(3..6) {
        s.push_str(&format!(" / 目{cat}"));
    }
    s
}

fn facets(lang: Lang, p: &SearchParams, r: &SearchResults) -> Vec<FacetGroup> {
    let f = &r.facets;
    let department = FacetGroup::new(
        "department",
        "cat.el.provider",
        f.department
            .iter()
            .map(|d| {
                let selected = p.org_id.trim() == d.org_id.to_string();
                let id = d.org_id.to_string();
                FacetValue {
                    label: d.provider.clone(),
                    count: d.count,
                    href: p.with("org_id", if selected { None } else { Some(&id) }),
                    selected,
                }
            })
            .collect(),
    );
    let area = FacetGroup::new(
        "area",
        "cat.search.area",
        f.area
            .iter()
            .map(|a| {
                let selected = p.area.trim() == a.area;
                FacetValue {
                    label: a.area.clone(),
                    count: a.count,
                    href: p.with("area", if selected { None } else { Some(&a.area) }),
                    selected,
                }
            })
            .collect(),
    );
    vec![
        vocab_facet(lang, p, "class", "class", "cat.el.class", &f.class),
        department,
        area,
        vocab_facet(lang, p, "sharing", "sharing", "cat.el.sharing_kind", &f.sharing),
        vocab_facet(lang, p, "open", "open", "cat.el.open_kind", &f.open),
        vocab_facet(lang, p, "format", "format", "cat.el.format", &f.format),
        vocab_facet(lang, p, "cycle", "cycle", "cat.el.update_cycle", &f.update_cycle),
        vocab_facet(lang, p, "level", "level", "cat.el.security_level", &f.security_level),
        vocab_facet(lang, p, "status", "status", "cat.el.status", &f.status),
    ]
}

/// The active filters as removable chips.
fn chips(lang: Lang, p: &SearchParams, r: &SearchResults) -> Vec<Chip> {
    let mut out = Vec::new();
    for key in FILTER_KEYS {
        let v = p.get(key).trim();
        if v.is_empty() {
            continue;
        }
        let label = match key {
            "org_id" => r
                .facets
                .department
                .iter()
                .find(|d| d.org_id.to_string() == v)
                .map(|d| d.provider.clone())
                .unwrap_or_else(|| format!("#{v}")),
            "classification" => prefix_label(lang, v),
            "class" => label::<ResourceClass>(lang, v),
            "sharing" => label::<SharingKind>(lang, v),
            "open" => label::<OpenKind>(lang, v),
            "format" => label::<FormatKind>(lang, v),
            "cycle" => label::<UpdateCycle>(lang, v),
            "level" => label::<SecurityLevel>(lang, v),
            "status" => label::<EntryStatus>(lang, v),
            _ => v.to_owned(),
        };
        out.push(Chip { label, href: p.with(key, None) });
    }
    out
}

fn label<V: Vocab>(lang: Lang, code: &str) -> String {
    V::from_code(code).map(|v| v.label(lang).to_owned()).unwrap_or_else(|| code.to_owned())
}

/// `GET /catalog`: search the catalogue.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(p): PortalQuery<SearchParams>) -> PageResult {
    ctx.authorize::<CatalogRead>(&s).await?;
    let (q, page) = query(&p).map_err(|e| ctx.fail(e))?;
    let vis = Visibility::scope(ctx.principal.scope_path());
    let index = s.search.clone();
    let sort = q.sort;
    let r = tokio::task::spawn_blocking(move || index.search(&q, &vis))
        .await
        .map_err(|e| ctx.fail(Error::internal(format!("search task failed: {e}"))))?
        .map_err(|e| ctx.fail(e.into()))?;
    let lang = ctx.lang;
    let pages = r.total.div_ceil(PAGE_SIZE).max(1);
    let hits = r
        .hits
        .iter()
        .map(|h| {
            let (status_label, status_class) = status_badge(lang, h.status);
            HitView {
                id: h.id,
                code: h.code.clone(),
                name: h.name.clone(),
                provider: h.provider.clone(),
                status_label,
                status_class,
            }
        })
        .collect();
    let mut sorts = Vec::new();
    let orders: [(&str, &str, Sort); 4] = [
        ("relevance", "cat.search.sort_relevance", Sort::Relevance),
        ("code", "cat.search.sort_code", Sort::Code),
        ("name", "cat.search.sort_name", Sort::Name),
        ("updated", "cat.search.sort_updated", Sort::UpdatedDesc),
    ];
    for (key, label, order) in orders {
        if order == Sort::Relevance && p.q.trim().is_empty() {
            continue;
        }
        let effective = if sort == Sort::Relevance && p.q.trim().is_empty() { Sort::Code } else { sort };
        sorts.push(SortLink { label, href: p.with("sort", Some(key)), active: effective == order });
    }
    let hidden = FILTER_KEYS
        .iter()
        .chain(std::iter::once(&"sort"))
        .filter(|k| !p.get(k).trim().is_empty())
        .map(|k| (*k, p.get(k).trim().to_owned()))
        .collect();
    let page_view = SearchPage {
        c: ctx.chrome("catalog"),
        tabs: tabs(&ctx, "search"),
        total: r.total,
        relaxed: r.relaxed,
        hits,
        facets: facets(lang, &p, &r),
        chips: chips(lang, &p, &r),
        sorts,
        page,
        pages,
        prev_href: if page > 1 { p.page_href(page - 1) } else { String::new() },
        next_href: if page < pages { p.page_href(page + 1) } else { String::new() },
        hidden,
        p,
    };
    Ok(render(StatusCode::OK, &page_view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_state_and_reset_the_page() {
        let p = SearchParams {
            q: "人口 信息".into(),
            class: "basic".into(),
            sort: "name".into(),
            page: "3".into(),
            ..Default::default()
        };
        assert_eq!(
            p.with("sharing", Some("none")),
            "/catalog?q=%E4%BA%BA%E5%8F%A3%20%E4%BF%A1%E6%81%AF&class=basic&sharing=none&sort=name"
        );
        assert_eq!(p.with("class", None), "/catalog?q=%E4%BA%BA%E5%8F%A3%20%E4%BF%A1%E6%81%AF&sort=name");
        assert_eq!(SearchParams::default().with("q", None), "/catalog");
        assert!(p.page_href(4).ends_with("&sort=name&page=4"));
        assert_eq!(SearchParams::default().page_href(2), "/catalog?page=2");
    }

    #[test]
    fn queries_are_checked() {
        let (q, page) = query(&SearchParams { page: "2".into(), level: "L3".into(), ..Default::default() }).unwrap();
        assert_eq!((q.offset, q.limit, page), (20, 20, 2));
        assert_eq!(q.filters.security_level, Some(SecurityLevel::L3));
        for bad in [
            SearchParams { page: "0".into(), ..Default::default() },
            SearchParams { org_id: "x".into(), ..Default::default() },
            SearchParams { sharing: "maybe".into(), ..Default::default() },
            SearchParams { sort: "random".into(), ..Default::default() },
        ] {
            assert!(query(&bad).is_err(), "{bad:?}");
        }
        assert_eq!(prefix_label(Lang::Zh, "101"), "基础信息资源 / 人口");
        assert_eq!(prefix_label(Lang::Zh, "3"), "部门信息资源");
    }
}
