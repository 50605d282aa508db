//! Browsing the catalogue: by classification (类 → 项) and by provider (areas → departments),
//! each node with the number of entries the caller can see and a link to the search page with
//! that filter set.

use crate::page::{render, urlencode, Chrome, PageResult};
use crate::session::Ctx;
use crate::views::catalog_common::{tabs, Tab, Vocab};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::BTreeMap;
use zs_catalog::{classification, Entry, ResourceClass};
use zs_http::AppState;
use zs_identity::policy::CatalogRead;

/// A 项 of a 类.
pub struct ItemNode {
    code: String,
    label: String,
    count: usize,
    href: String,
}

/// A 类 with its 项.
pub struct ClassNode {
    code: &'static str,
    label: &'static str,
    count: usize,
    href: String,
    items: Vec<ItemNode>,
}

/// A department.
pub struct DeptNode {
    org_id: i64,
    name: String,
    count: usize,
    href: String,
}

/// An area (city or district) with its providing departments.
pub struct AreaNode {
    name: String,
    count: usize,
    href: String,
    departments: Vec<DeptNode>,
}

#[derive(Template)]
#[template(path = "catalog_tree.html")]
struct TreePage {
    c: Chrome,
    tabs: Vec<Tab>,
    total: usize,
    classes: Vec<ClassNode>,
    areas: Vec<AreaNode>,
}

/// The classification tree with counts.
pub fn class_tree(lang: crate::i18n::Lang, entries: &[Entry]) -> Vec<ClassNode> {
    let mut by_prefix: BTreeMap<String, usize> = BTreeMap::new();
    for e in entries {
        let p = classification::prefix(&e.body.classification);
        *by_prefix.entry(p[..3].to_owned()).or_default() += 1;
    }
    ResourceClass::ALL
        .iter()
        .map(|class| {
            let digit = classification::class_digit(*class);
            let items: Vec<ItemNode> = classification::items_of(*class)
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let code = format!("{digit}{:02}", i + 1);
                    ItemNode {
                        count: by_prefix.get(&code).copied().unwrap_or(0),
                        href: format!("/catalog?classification={code}"),
                        label: format!("{:02} {name}", i + 1),
                        code,
                    }
                })
                .collect();
            ClassNode {
                code: class.code(),
                label: class.label(lang),
                count: items.iter().map(|i| i.count).sum(),
                href: format!("/catalog?class={}", class.code()),
                items,
            }
        })
        .collect()
}

/// Areas and their departments with counts, the largest first.
pub fn provider_tree(entries: &[Entry]) -> Vec<AreaNode> {
    let mut areas: BTreeMap<&str, BTreeMap<i64, (&str, usize)>> = BTreeMap::new();
    for e in entries {
        let d = areas.entry(e.area.as_str()).or_default().entry(e.org_id).or_insert((e.provider.as_str(), 0));
        d.1 += 1;
    }
    let mut out: Vec<AreaNode> = areas
        .into_iter()
        .map(|(area, deps)| {
            let mut departments: Vec<DeptNode> = deps
                .into_iter()
                .map(|(org_id, (name, count))| DeptNode {
                    org_id,
                    name: name.to_owned(),
                    count,
                    href: format!("/catalog?org_id={org_id}"),
                })
                .collect();
            departments.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
            AreaNode {
                name: area.to_owned(),
                count: departments.iter().map(|d| d.count).sum(),
                href: format!("/catalog?area={}", urlencode(area)),
                departments,
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    out
}

/// `GET /catalog/tree`.
pub async fn show(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.authorize::<CatalogRead>(&s).await?;
    let entries = s.catalog.visible_entries(&ctx.principal).await.map_err(|e| ctx.fail(e))?;
    let page = TreePage {
        c: ctx.chrome("catalog"),
        tabs: tabs(&ctx, "tree"),
        total: entries.len(),
        classes: class_tree(ctx.lang, &entries),
        areas: provider_tree(&entries),
    };
    Ok(render(StatusCode::OK, &page))
}
