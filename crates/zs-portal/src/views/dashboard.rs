//! The dashboard: counts in the caller's scope and quick links for the caller's role.

use crate::forms::PortalQuery;
use crate::i18n::{self, Lang};
use crate::page::{notice_key, render, Chrome, NoticeQuery, PageResult};
use crate::session::Ctx;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use zs_http::AppState;
use zs_identity::policy::{CatalogRead, CatalogReview, StatsRead};
use zs_types::Role;

/// A stat card.
pub struct Stat {
    id: &'static str,
    label: &'static str,
    value: usize,
}

/// A quick-link tile; disabled tiles stand for capabilities that come later.
pub struct Tile {
    id: &'static str,
    href: &'static str,
    title: &'static str,
    desc: &'static str,
    enabled: bool,
}

/// A label and a count.
pub struct LabelValue {
    label: &'static str,
    value: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Chrome,
    role: &'static str,
    welcome: String,
    scope: String,
    notice: String,
    stats: Vec<Stat>,
    tiles: Vec<Tile>,
    by_role: Vec<LabelValue>,
    catalogue: Option<CatalogueCard>,
}

/// The catalogue's to-do counts for operators and stewards.
pub struct CatalogueCard {
    due: usize,
    overdue: usize,
    /// Submissions awaiting review (operators only).
    awaiting: Option<usize>,
}

/// Deadlines due and overdue in the caller's scope, and for reviewers the review queue length.
async fn catalogue_card(s: &AppState, ctx: &Ctx) -> Result<Option<CatalogueCard>, crate::page::Reject> {
    if !matches!(ctx.role(), Role::PlatformOperator | Role::Steward) {
        return Ok(None);
    }
    let read = ctx.authorize::<CatalogRead>(s).await?;
    let (_, summary) = s.catalog.deadlines(&read, false).await.map_err(|e| ctx.fail(e))?;
    let awaiting = if ctx.allows("catalog.review") {
        let review = ctx.authorize::<CatalogReview>(s).await?;
        Some(s.catalog.review_queue(&review).await.map_err(|e| ctx.fail(e))?.len())
    } else {
        None
    };
    Ok(Some(CatalogueCard {
        due: summary.iter().map(|x| x.due).sum(),
        overdue: summary.iter().map(|x| x.overdue).sum(),
        awaiting,
    }))
}

/// Tiles of working pages: (id, path, title, description, action that must be allowed).
const LINKS: &[(&str, &str, &str, &str, &str)] = &[
    ("orgs", "/orgs", "tile.orgs", "tile.orgs_desc", "org.create"),
    ("users", "/users", "tile.users", "tile.users_desc", "user.create"),
    ("users-disable", "/users", "tile.users_security", "tile.users_security_desc", "user.disable"),
    ("credentials", "/credentials", "tile.credentials", "tile.credentials_desc", "credential.issue"),
    (
        "credentials-revoke",
        "/credentials",
        "tile.credentials_security",
        "tile.credentials_security_desc",
        "credential.revoke",
    ),
    ("audit", "/audit", "tile.audit", "tile.audit_desc", "audit.read"),
    ("trace", "/trace", "tile.trace", "tile.trace_desc", "trace.person"),
    ("security-destructions", "/security/destructions", "tile.destructions", "tile.destructions_desc", "data.destroy"),
    ("security-keys", "/security/keys", "tile.keys", "tile.keys_desc", "keys.manage"),
    ("security-backups", "/security/backups", "tile.backups", "tile.backups_desc", "backup.record"),
    ("org-tree", "/orgs", "tile.org_tree", "tile.org_tree_desc", "org.read"),
];

/// Catalogue tiles of the business roles (operators, stewards, data users): (id, path, title,
/// description, action that must be allowed).
const CATALOG_LINKS: &[(&str, &str, &str, &str, &str)] = &[
    ("catalog", "/catalog", "tile.catalog", "tile.catalog_desc", "catalog.read"),
    ("catalog-new", "/catalog/new", "tile.catalog_new", "tile.catalog_new_desc", "catalog.edit"),
    ("catalog-review", "/catalog/review", "tile.catalog_review", "tile.catalog_review_desc", "catalog.review"),
    (
        "catalog-deadlines",
        "/catalog/deadlines",
        "tile.catalog_deadlines",
        "tile.catalog_deadlines_desc",
        "catalog.obligation",
    ),
    ("catalog-exchange", "/catalog/exchange", "tile.catalog_exchange", "tile.catalog_exchange_desc", "catalog.export"),
    ("ingest", "/ingest", "tile.ingest", "tile.ingest_desc", "data.ingest"),
    ("report", "/reports/aggregation", "tile.report", "tile.report_desc", "report.aggregation"),
];

/// Whether a role works with the catalogue day to day (the three administrators do not).
fn catalogue_role(role: Role) -> bool {
    matches!(role, Role::PlatformOperator | Role::Steward | Role::DataUser)
}

/// Later capabilities shown as disabled tiles, per role: (id, title, description).
fn coming_soon(role: Role) -> &'static [(&'static str, &'static str, &'static str)] {
    const SHARE: (&str, &str, &str) = ("share", "soon.share", "soon.share_desc");
    const GOVERN: (&str, &str, &str) = ("govern", "soon.govern", "soon.govern_desc");
    const APPLY: (&str, &str, &str) = ("apply", "soon.apply", "soon.apply_desc");
    match role {
        Role::PlatformOperator => &[SHARE, GOVERN],
        Role::Steward => &[GOVERN],
        Role::DataUser => &[APPLY],
        Role::SystemAdmin | Role::SecurityAdmin => &[],
        Role::AuditAdmin => &[],
    }
}

/// Which working tiles a role sees: one per destination, the most specific first.
fn tiles_for(role: Role) -> Vec<Tile> {
    let mut out: Vec<Tile> = Vec::new();
    if catalogue_role(role) {
        for (id, href, title, desc, action) in CATALOG_LINKS {
            if zs_identity::policy::role_allows(action, role) {
                out.push(Tile { id, href, title, desc, enabled: true });
            }
        }
    }
    for (id, href, title, desc, action) in LINKS {
        let allowed = zs_identity::policy::role_allows(action, role);
        // Security administrators get the revoke/disable tiles; others the plain ones.
        let security_variant = id.ends_with("-revoke") || id.ends_with("-disable");
        let wanted = allowed
            && match role {
                Role::SecurityAdmin => security_variant || *href == "/orgs",
                _ => !security_variant,
            };
        if wanted && !out.iter().any(|t| t.href == *href) {
            out.push(Tile { id, href, title, desc, enabled: true });
        }
    }
    // Everyone may revoke their own credentials; roles that may not issue still see them.
    if !out.iter().any(|t| t.href == "/credentials")
        && zs_identity::policy::role_allows("credential.read", role)
        && role != Role::AuditAdmin
    {
        out.push(Tile {
            id: "credentials",
            href: "/credentials",
            title: "tile.credentials",
            desc: "tile.credentials_desc",
            enabled: true,
        });
    }
    for (id, title, desc) in coming_soon(role) {
        out.push(Tile { id, href: "", title, desc, enabled: false });
    }
    out
}

/// `GET /`.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<NoticeQuery>) -> PageResult {
    let pass = ctx.authorize::<StatsRead>(&s).await?;
    let st = s.identity.stats(&pass).await.map_err(|e| ctx.fail(e))?;
    let p = &ctx.principal;
    let stats = vec![
        Stat { id: "districts", label: "stat.districts", value: st.districts },
        Stat { id: "departments", label: "stat.departments", value: st.departments },
        Stat { id: "users", label: "stat.users", value: st.users },
        Stat { id: "credentials", label: "stat.credentials", value: st.active_credentials },
        Stat { id: "locked", label: "stat.locked", value: st.locked_users },
    ];
    let admin_view = matches!(p.role(), Role::PlatformOperator | Role::SystemAdmin | Role::SecurityAdmin);
    let by_role = if admin_view {
        Role::ALL
            .iter()
            .map(|r| LabelValue {
                label: if ctx.lang == Lang::En { r.label_en() } else { r.label_zh() },
                value: st.users_by_role.iter().find(|(n, _)| n == r.as_str()).map(|(_, c)| *c).unwrap_or(0),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = DashboardPage {
        c: ctx.chrome("dashboard"),
        role: p.role().as_str(),
        welcome: i18n::fill(ctx.lang, "dash.welcome", &[("name", &p.user.display_name)]),
        scope: i18n::fill(ctx.lang, "dash.scope", &[("org", &p.org.name)]),
        notice: notice_key(&q.notice).map(|k| ctx.t(k).to_owned()).unwrap_or_default(),
        stats,
        tiles: tiles_for(p.role()),
        by_role,
        catalogue: catalogue_card(&s, &ctx).await?,
    };
    Ok(render(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(role: Role) -> Vec<&'static str> {
        tiles_for(role).iter().filter(|t| t.enabled).map(|t| t.id).collect()
    }

    #[test]
    fn tiles_follow_the_roles() {
        assert!(ids(Role::PlatformOperator).contains(&"orgs"));
        assert!(!ids(Role::PlatformOperator).contains(&"audit"));
        let sys = ids(Role::SystemAdmin);
        assert!(sys.contains(&"users") && sys.contains(&"credentials"));
        let sec = ids(Role::SecurityAdmin);
        assert!(sec.contains(&"credentials-revoke") && sec.contains(&"users-disable"), "{sec:?}");
        assert_eq!(ids(Role::AuditAdmin), vec!["audit", "trace", "org-tree"]);
        for r in [Role::Steward, Role::DataUser] {
            assert!(ids(r).contains(&"credentials"), "{r:?}");
            assert!(!ids(r).contains(&"users"));
        }
        assert!(tiles_for(Role::PlatformOperator).iter().all(|t| t.id != "catalog" || t.enabled));
        let op = ids(Role::PlatformOperator);
        assert!(op.contains(&"catalog") && op.contains(&"catalog-review") && !op.contains(&"catalog-new"));
        let st = ids(Role::Steward);
        assert!(st.contains(&"catalog-new") && st.contains(&"catalog-deadlines") && !st.contains(&"catalog-review"));
        assert!(ids(Role::DataUser).contains(&"catalog"));
        assert!(!ids(Role::SystemAdmin).contains(&"catalog"));
    }
}
