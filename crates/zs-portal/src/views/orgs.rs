//! The organisation tree: city → districts and counties → departments, and the form to add a
//! district or department.

use crate::forms::{PortalForm, PortalQuery};
use crate::i18n::{self, Lang};
use crate::page::{is_form_error, notice_key, redirect, render, Chrome, FormError, NoticeQuery, Opt, PageResult};
use crate::session::Ctx;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use zs_http::AppState;
use zs_identity::policy::{OrgCreate, OrgRead};
use zs_identity::CreateOrg;
use zs_types::model::{Org, OrgKind};
use zs_types::{Error, OrgId};

/// One node of the tree, in depth-first order.
#[derive(Debug)]
pub struct TreeRow {
    id: OrgId,
    name: String,
    kind: &'static str,
    kind_key: &'static str,
    code_key: &'static str,
    code: String,
    depth: usize,
    has_children: bool,
    closes: usize,
    highlight: bool,
}

impl TreeRow {
    /// Markup closing the subtrees that end after this node.
    pub fn closing(&self) -> String {
        "</ul></details></li>".repeat(self.closes)
    }
}

/// The add-organisation form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgForm {
    csrf: String,
    parent_id: String,
    kind: String,
    name: String,
    code: String,
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    c: Chrome,
    notice: String,
    count: usize,
    rows: Vec<TreeRow>,
    can_create: bool,
    parents: Vec<Opt>,
    kinds: Vec<Opt>,
    form: OrgForm,
    error: Option<FormError>,
}

fn kind_keys(kind: OrgKind) -> (&'static str, &'static str) {
    match kind {
        OrgKind::City => ("kind.city", "orgs.code_division"),
        OrgKind::District => ("kind.district", "orgs.code_division"),
        OrgKind::Department => ("kind.department", "orgs.code_credit"),
    }
}

/// Depth-first rows: children of a node are its departments, then its districts, each by id.
pub fn tree_rows(orgs: &[Org], highlight: Option<OrgId>) -> Vec<TreeRow> {
    let ids: std::collections::HashSet<OrgId> = orgs.iter().map(|o| o.id).collect();
    let mut children: HashMap<Option<OrgId>, Vec<&Org>> = HashMap::new();
    for o in orgs {
        // A node whose parent is not in the list is shown as a root.
        let parent = o.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(o);
    }
    for list in children.values_mut() {
        list.sort_by_key(|o| (o.kind != OrgKind::Department, o.id));
    }
    let mut rows = Vec::with_capacity(orgs.len());
    let mut stack: Vec<(&Org, usize)> =
        children.get(&None).map(|r| r.iter().rev().map(|o| (*o, 0)).collect()).unwrap_or_default();
    while let Some((o, depth)) = stack.pop() {
        let kids = children.get(&Some(o.id)).map(Vec::as_slice).unwrap_or(&[]);
        let (kind_key, code_key) = kind_keys(o.kind);
        rows.push(TreeRow {
            id: o.id,
            name: o.name.clone(),
            kind: o.kind.as_str(),
            kind_key,
            code_key,
            code: o.code.clone(),
            depth,
            has_children: !kids.is_empty(),
            closes: 0,
            highlight: highlight == Some(o.id),
        });
        stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
    }
    for i in 0..rows.len() {
        let next_depth = rows.get(i + 1).map(|r| r.depth).unwrap_or(0);
        rows[i].closes = rows[i].depth.saturating_sub(next_depth);
    }
    rows
}

fn kind_label(lang: Lang, kind: OrgKind) -> &'static str {
    i18n::t(lang, kind_keys(kind).0)
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    form: OrgForm,
    error: Option<FormError>,
    q: &NoticeQuery,
    status: StatusCode,
) -> PageResult {
    let read = ctx.authorize::<OrgRead>(s).await?;
    let orgs = s.identity.list_orgs(&read).await.map_err(|e| ctx.fail(e))?;
    let highlight = q.created.parse::<i64>().ok().map(OrgId);
    let p = &ctx.principal;
    let parents: Vec<Opt> = orgs
        .iter()
        .filter(|o| o.kind != OrgKind::Department && p.can_see(o))
        .map(|o| Opt {
            value: o.id.to_string(),
            label: format!("{} ({})", o.name, kind_label(ctx.lang, o.kind)),
            selected: form.parent_id == o.id.to_string(),
        })
        .collect();
    let kinds = [OrgKind::Department, OrgKind::District]
        .into_iter()
        .map(|k| Opt {
            value: k.as_str().to_owned(),
            label: kind_label(ctx.lang, k).to_owned(),
            selected: form.kind == k.as_str(),
        })
        .collect();
    let notice = match (notice_key(&q.notice), highlight.and_then(|id| orgs.iter().find(|o| o.id == id))) {
        (Some(k), Some(o)) => format!("{} {}", ctx.t(k), o.name),
        (Some(k), None) => ctx.t(k).to_owned(),
        _ => String::new(),
    };
    let page = OrgsPage {
        c: ctx.chrome("orgs"),
        notice,
        count: orgs.len(),
        rows: tree_rows(&orgs, highlight),
        can_create: ctx.allows("org.create") && !parents.is_empty(),
        parents,
        kinds,
        form,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /orgs`.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<NoticeQuery>) -> PageResult {
    page(&s, &ctx, OrgForm::default(), None, &q, StatusCode::OK).await
}

/// `POST /orgs`: add a district or department; errors re-render the form with the input kept.
pub async fn create(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<OrgForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<OrgCreate>(&s).await?;
    let input = parse(&f).map(|(parent_id, kind)| CreateOrg {
        parent_id,
        kind,
        name: f.name.clone(),
        code: f.code.trim().to_owned(),
    });
    let result = match input {
        Ok(input) => s.identity.create_org(&pass, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(org) => Ok(redirect(&format!("/orgs?notice=org_created&created={}#org-{}", org.id, org.id))),
        Err(e) if is_form_error(&e) => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let fe = FormError::new(ctx.lang, &e);
            page(&s, &ctx, f, Some(fe), &NoticeQuery::default(), status).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

fn parse(f: &OrgForm) -> Result<(OrgId, OrgKind), Error> {
    let parent =
        f.parent_id.trim().parse::<i64>().map_err(|_| Error::invalid("parent_id", "choose a parent organisation"))?;
    let kind = OrgKind::parse(f.kind.trim())
        .filter(|k| *k != OrgKind::City)
        .ok_or_else(|| Error::invalid("kind", "kind must be district or department"))?;
    Ok((OrgId(parent), kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, parent: Option<i64>, kind: OrgKind) -> Org {
        Org {
            id: OrgId(id),
            parent_id: parent.map(OrgId),
            kind,
            name: format!("o{id}"),
            code: String::new(),
            division_code: String::new(),
            path: String::new(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn tree_is_depth_first_and_balanced() {
        let orgs = vec![
            org(1, None, OrgKind::City),
            org(2, Some(1), OrgKind::District),
            org(3, Some(1), OrgKind::Department),
            org(4, Some(2), OrgKind::Department),
            org(5, Some(2), OrgKind::Department),
        ];
        let rows = tree_rows(&orgs, Some(OrgId(4)));
        let order: Vec<i64> = rows.iter().map(|r| r.id.0).collect();
        assert_eq!(order, vec![1, 3, 2, 4, 5], "departments before districts");
        let depths: Vec<usize> = rows.iter().map(|r| r.depth).collect();
        assert_eq!(depths, vec![0, 1, 1, 2, 2]);
        // Every opened subtree is closed exactly once.
        let opened = rows.iter().filter(|r| r.has_children).count();
        let closed: usize = rows.iter().map(|r| r.closes).sum();
        assert_eq!(opened, closed);
        assert_eq!(rows[4].closes, 2);
        assert!(rows[3].highlight && !rows[0].highlight);
    }
}
