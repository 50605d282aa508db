//! The server-rendered web portal: pages, templates, static assets, CSRF, i18n.
//!
//! [`router`] returns every portal route; the server merges it with the JSON API. Pages are askama
//! templates (`templates/`) rendered on the server and work without JavaScript; `static/` holds the
//! one stylesheet and a small script for progressive enhancement (no external resources, no inline
//! scripts or styles, so a `default-src 'self'` CSP holds).
//!
//! Handlers are thin: the [`session::Ctx`] extractor finds the signed-in user, each handler
//! obtains its `Authorized<A>` pass with one call to [`session::Ctx::authorize`], calls one
//! identity-service function and renders the result. Business rules stay in the services; this
//! crate owns presentation, CSRF and languages only.

pub mod assets;
pub mod csrf;
pub mod forms;
pub mod i18n;
pub mod page;
pub mod session;
pub mod views;

use axum::routing::{get, post};
use axum::Router;
use zs_http::AppState;

/// Every portal route, with a 404 page as fallback and a 405 page for wrong methods.
///
/// The server merges this with the API router (which must not set a fallback of its own) and
/// wraps both with the request-id middleware (`zs_http::request_id::middleware`), so error pages
/// can name the request.
pub fn router() -> Router<AppState> {
    use views::{
        audit, auth, authorities, catalog_deadlines, catalog_diff, catalog_entry, catalog_exchange, catalog_form,
        catalog_review, catalog_search, catalog_tree, classification, credentials, dashboard, destruction, errors,
        keys, orgs, quality, report, resource, resource_pulls, security, share, share_delivery, share_demand,
        share_evaluation, standards, trace, users,
    };
    Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/password", get(auth::password_form).post(auth::change_password))
        .route("/lang/{code}", get(auth::set_lang))
        .route("/orgs", get(orgs::show).post(orgs::create))
        .route("/users", get(users::show).post(users::create))
        .route("/users/{id}/reset-password", post(users::reset_password))
        .route("/users/{id}/disable", post(users::disable))
        .route("/users/{id}/enable", post(users::enable))
        .route("/credentials", get(credentials::show).post(credentials::issue))
        .route("/credentials/{id}/revoke", post(credentials::revoke))
        .route("/audit", get(audit::show))
        .route("/trace", get(trace::show))
        .route("/trace/bundle", get(trace::bundle))
        .route("/trace/person", post(trace::person))
        .route("/security/alerts", get(security::list))
        .route("/security/alerts/{id}", get(security::show))
        .route("/security/alerts/{id}/respond", post(security::respond))
        .route("/security/destructions", get(destruction::list))
        .route("/security/destructions/{id}", get(destruction::show))
        .route("/security/destructions/{id}/approve", post(destruction::approve))
        .route("/security/destructions/{id}/refuse", post(destruction::refuse))
        .route("/resources/{class}/{seq}/destroy", get(destruction::request_form).post(destruction::request))
        .route("/security/keys", get(keys::keys))
        .route("/security/keys/rotate", post(keys::rotate))
        .route("/security/backups", get(keys::backups).post(keys::record))
        .route("/catalog", get(catalog_search::show))
        .route("/catalog/tree", get(catalog_tree::show))
        .route("/catalog/review", get(catalog_review::show))
        .route("/catalog/deadlines", get(catalog_deadlines::show))
        .route("/catalog/deadlines/calendar", post(catalog_deadlines::set_day))
        .route("/catalog/entries/{id}/diff", get(catalog_diff::show))
        .route("/catalog/exchange", get(catalog_exchange::show))
        .route("/catalog/exchange/import", post(catalog_exchange::import))
        .route("/catalog/export.xlsx", get(catalog_exchange::export_xlsx))
        .route("/catalog/export.csv", get(catalog_exchange::export_csv))
        .route("/catalog/export.json", get(catalog_exchange::export_json))
        .route("/catalog/template.xlsx", get(catalog_exchange::template))
        .route("/catalog/new", get(catalog_form::new_form).post(catalog_form::create))
        .route("/catalog/by-code", get(catalog_entry::by_code))
        .route("/catalog/entries/{id}", get(catalog_entry::show))
        .route("/catalog/entries/{id}/edit", get(catalog_form::edit_form).post(catalog_form::edit))
        .route("/catalog/entries/{id}/submit", post(catalog_entry::submit))
        .route("/catalog/entries/{id}/withdraw", post(catalog_entry::withdraw))
        .route("/catalog/entries/{id}/obligation", post(catalog_entry::obligation))
        .route("/catalog/entries/{id}/approve", post(catalog_entry::approve))
        .route("/catalog/entries/{id}/return", post(catalog_entry::return_for_correction))
        .route("/ingest", get(resource::list))
        .route("/resources/{class}/{seq}", get(resource::show))
        .route(
            "/resources/{class}/{seq}/upload",
            // The file is streamed to disk under `max_upload_bytes` (see `resource::upload`),
            // not held under the general body limit.
            post(resource::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/resources/{class}/{seq}/policy", post(resource::policy))
        .route("/resources/{class}/{seq}/schedules", post(resource_pulls::create_schedule))
        .route("/schedules/{id}/enable", post(resource_pulls::enable))
        .route("/schedules/{id}/disable", post(resource_pulls::disable))
        .route("/schedules/{id}/delete", post(resource_pulls::delete))
        .route("/schedules/{id}/run", post(resource_pulls::run))
        .route("/resources/{class}/{seq}/live", get(resource_pulls::live_preview).post(resource_pulls::register_live))
        .route("/resources/{class}/{seq}/live/delete", post(resource_pulls::delete_live))
        .route("/hand-ins/{id}/rejects.csv", get(resource::rejects_csv))
        .route("/hand-ins/{id}/rejects.xlsx", get(resource::rejects_xlsx))
        .route("/jobs/{id}", get(resource::job))
        .route("/quality", get(quality::dashboard))
        .route("/quality/authorities", get(authorities::list).post(authorities::designate))
        .route("/quality/authorities/remove", post(authorities::remove))
        .route("/quality/departments/{id}/report.xlsx", get(quality::department_report))
        .route("/resources/{class}/{seq}/quality", get(quality::resource))
        .route("/resources/{class}/{seq}/quality/check", post(quality::check))
        .route("/resources/{class}/{seq}/quality/rules", post(quality::rules))
        .route("/resources/{class}/{seq}/corrections", post(quality::report_error))
        .route("/tickets", get(quality::tickets))
        .route("/tickets/{id}", get(quality::ticket))
        .route("/tickets/{id}/action", post(quality::act))
        .route("/share/apply", get(share::apply_form).post(share::apply))
        .route("/share/applications", get(share::applications))
        .route("/share/applications/{id}/review", post(share::review))
        .route("/share/reviews", get(share::reviews))
        .route("/share/overdue", get(share::overdue))
        .route("/share/grants", get(share::grants))
        .route("/share/grants/{id}/revoke", post(share::revoke))
        .route("/share/grants/{id}/credential", post(share::issue))
        .route("/share/grants/{id}/exchange", get(share_delivery::page))
        .route("/share/grants/{id}/deliveries", post(share_delivery::deliver))
        .route("/share/grants/{id}/plans/{plan}/run", post(share_delivery::run_plan))
        .route("/share/grants/{id}/subscriptions", post(share_delivery::subscribe))
        .route("/share/grants/{id}/subscriptions/{sub}/disable", post(share_delivery::unsubscribe))
        .route("/share/grants/{id}/subscriptions/{sub}/notifications/{n}/replay", post(share_delivery::replay))
        .route("/share/demands", get(share_demand::board).post(share_demand::post))
        .route("/share/demands/{id}", get(share_demand::demand))
        .route("/share/demands/{id}/route", post(share_demand::route))
        .route("/share/demands/{id}/answer", post(share_demand::answer))
        .route("/share/demands/{id}/close", post(share_demand::close))
        .route("/share/demands/{id}/reopen", post(share_demand::reopen))
        .route("/share/evaluation", get(share_evaluation::page))
        .route("/share/evaluation.xlsx", get(share_evaluation::xlsx))
        .route("/reports/aggregation", get(report::show))
        .route("/reports/aggregation.xlsx", get(report::xlsx))
        .route("/standards/elements", get(standards::list).post(standards::create))
        .route("/standards/elements/new", get(standards::new_form))
        .route("/standards/elements/{id}", get(standards::show).post(standards::edit))
        .route("/standards/elements/{id}/status", post(standards::set_status))
        .route("/standards/conformance", get(standards::conformance))
        .route("/standards/conformance.xlsx", get(standards::conformance_xlsx))
        .route("/classification", get(classification::overview))
        .route("/classification/resources/{class}/{seq}", get(classification::resource))
        .route("/classification/resources/{class}/{seq}/levels", post(classification::set_level))
        .route("/classification/resources/{class}/{seq}/scan", post(classification::scan))
        .route("/classification/resources/{class}/{seq}/suggestions/{id}/{decision}", post(classification::decide))
        .route("/static/{file}", get(assets::serve))
        .method_not_allowed_fallback(errors::method_not_allowed)
        .fallback(errors::not_found)
}

#[cfg(test)]
mod tests;
