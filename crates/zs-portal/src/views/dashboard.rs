//! The dashboard: counts in the caller's scope and quick links for the caller's role.

use crate::forms::PortalQuery;
use crate::i18n::{self, Lang};
use crate::page::{notice_key, render, Chrome, NoticeQuery, PageResult};
use crate::session::Ctx;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use zs_http::AppState;
use zs_identity::policy::StatsRead;
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
    ("org-tree", "/orgs", "tile.org_tree", "tile.org_tree_desc", "org.read"),
];

/// Later capabilities shown as disabled tiles, per role: (id, title, description).
fn coming_soon(role: Role) -> &'static [(&'static str, &'static str, &'static str)] {
    const CATALOG: (&str, &str, &str) = ("catalog", "soon.catalog", "soon.catalog_desc");
    const INGEST: (&str, &str, &str) = ("ingest", "soon.ingest", "soon.ingest_desc");
    const SHARE: (&str, &str, &str) = ("share", "soon.share", "soon.share_desc");
    const GOVERN: (&str, &str, &str) = ("govern", "soon.govern", "soon.govern_desc");
    const APPLY: (&str, &str, &str) = ("apply", "soon.apply", "soon.apply_desc");
    const LEDGER: (&str, &str, &str) = ("ledger", "soon.ledger", "soon.ledger_desc");
    match role {
        Role::PlatformOperator => &[CATALOG, INGEST, SHARE, GOVERN],
        Role::Steward => &[CATALOG, INGEST, GOVERN],
        Role::DataUser => &[CATALOG, APPLY],
        Role::SystemAdmin | Role::SecurityAdmin => &[],
        Role::AuditAdmin => &[LEDGER],
    }
}

/// Which working tiles a role sees: one per destination, the most specific first.
fn tiles_for(role: Role) -> Vec<Tile> {
    let mut out: Vec<Tile> = Vec::new();
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
        assert_eq!(ids(Role::AuditAdmin), vec!["audit", "org-tree"]);
        for r in [Role::Steward, Role::DataUser] {
            assert!(ids(r).contains(&"credentials"), "{r:?}");
            assert!(!ids(r).contains(&"users"));
        }
        assert!(tiles_for(Role::PlatformOperator).iter().any(|t| !t.enabled && t.id == "catalog"));
    }
}
