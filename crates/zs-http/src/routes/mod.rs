//! Route table: one module per resource, each declaring its handlers with their OpenAPI
//! annotations; they are mounted here.

mod audit;
mod auth;
mod catalog;
mod catalog_exchange;
mod catalog_history;
mod catalog_search;
mod classification;
mod credentials;
mod destruction;
mod govern;
mod ledger;
mod me;
mod ops;
mod orgs;
pub mod pulls;
pub mod reports;
pub mod resources;
mod security;
mod share;
mod share_delivery;
mod share_demand;
mod share_evaluation;
mod standards;
mod stats;
mod trace;
mod users;

use crate::state::AppState;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn split() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(me::me))
        .routes(routes!(me::change_password))
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::get))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::reset_password))
        .routes(routes!(users::disable))
        .routes(routes!(users::enable))
        .routes(routes!(credentials::list, credentials::issue))
        .routes(routes!(credentials::revoke))
        .routes(routes!(audit::list))
        .routes(routes!(stats::get))
        .routes(routes!(catalog::create, catalog_search::search))
        .routes(routes!(catalog::get, catalog::edit))
        .routes(routes!(catalog::submit))
        .routes(routes!(catalog::withdraw))
        .routes(routes!(catalog::approve))
        .routes(routes!(catalog::return_for_correction))
        .routes(routes!(catalog::review_queue))
        .routes(routes!(catalog_history::history))
        .routes(routes!(catalog_history::version))
        .routes(routes!(catalog_history::diff))
        .routes(routes!(catalog_history::raise_obligation))
        .routes(routes!(catalog_history::deadlines))
        .routes(routes!(catalog_history::calendar, catalog_history::set_calendar_day))
        .routes(routes!(catalog_exchange::export))
        .routes(routes!(catalog_exchange::import))
        .routes(routes!(resources::get))
        .routes(routes!(resources::hand_ins))
        .routes(routes!(resources::jobs))
        .routes(routes!(resources::job))
        .routes(routes!(resources::upload))
        .routes(routes!(resources::push))
        .routes(routes!(resources::rejects))
        .routes(routes!(resources::settings))
        .routes(routes!(pulls::list, pulls::create))
        .routes(routes!(pulls::get))
        .routes(routes!(pulls::enable))
        .routes(routes!(pulls::disable))
        .routes(routes!(pulls::delete))
        .routes(routes!(pulls::run))
        .routes(routes!(pulls::read_live, pulls::register_live))
        .routes(routes!(pulls::delete_live))
        .routes(routes!(pulls::live_status))
        .routes(routes!(resources::materialise))
        .routes(routes!(resources::rows))
        .routes(routes!(reports::aggregation))
        .routes(routes!(govern::quality))
        .routes(routes!(govern::set_rules))
        .routes(routes!(govern::check))
        .routes(routes!(govern::report_error))
        .routes(routes!(govern::dashboard))
        .routes(routes!(govern::department_report))
        .routes(routes!(govern::tickets))
        .routes(routes!(govern::ticket))
        .routes(routes!(govern::act))
        .routes(routes!(govern::authorities, govern::designate_authority))
        .routes(routes!(govern::remove_authority))
        .routes(routes!(share::apply, share::my_applications))
        .routes(routes!(share::application))
        .routes(routes!(share::review))
        .routes(routes!(share::review_queue))
        .routes(routes!(share::overdue))
        .routes(routes!(share::grants))
        .routes(routes!(share::grant))
        .routes(routes!(share::revoke))
        .routes(routes!(share::issue_credential))
        .routes(routes!(share::rows))
        .routes(routes!(share::lookup))
        .routes(routes!(share::count))
        .routes(routes!(share_delivery::deliver, share_delivery::deliveries))
        .routes(routes!(share_delivery::delivery))
        .routes(routes!(share_delivery::download))
        .routes(routes!(share_delivery::create_plan, share_delivery::plans))
        .routes(routes!(share_delivery::run_plan))
        .routes(routes!(share_delivery::disable_plan))
        .routes(routes!(share_delivery::subscribe, share_delivery::subscriptions))
        .routes(routes!(share_delivery::unsubscribe))
        .routes(routes!(share_delivery::notifications))
        .routes(routes!(share_delivery::webhook_key))
        .routes(routes!(share_delivery::replay))
        .routes(routes!(share_delivery::feed))
        .routes(routes!(share_demand::board, share_demand::post))
        .routes(routes!(share_demand::get))
        .routes(routes!(share_demand::route))
        .routes(routes!(share_demand::answer))
        .routes(routes!(share_demand::close))
        .routes(routes!(share_demand::reopen))
        .routes(routes!(share_evaluation::evaluation))
        .routes(routes!(standards::list, standards::create))
        .routes(routes!(standards::get, standards::edit))
        .routes(routes!(standards::deprecate))
        .routes(routes!(standards::activate))
        .routes(routes!(standards::conformance))
        .routes(routes!(standards::summary))
        .routes(routes!(classification::resource))
        .routes(routes!(classification::set_level))
        .routes(routes!(classification::scan))
        .routes(routes!(classification::accept))
        .routes(routes!(classification::dismiss))
        .routes(routes!(classification::overview))
        .routes(routes!(ledger::checkpoint))
        .routes(routes!(ledger::inclusion))
        .routes(routes!(ledger::consistency))
        .routes(routes!(ledger::entry))
        .routes(routes!(trace::resource))
        .routes(routes!(trace::department))
        .routes(routes!(trace::grant))
        .routes(routes!(trace::person))
        .routes(routes!(security::list))
        .routes(routes!(security::get))
        .routes(routes!(security::respond))
        .routes(routes!(destruction::request))
        .routes(routes!(destruction::list))
        .routes(routes!(destruction::get))
        .routes(routes!(destruction::approve))
        .routes(routes!(destruction::refuse))
        .routes(routes!(destruction::keys))
        .routes(routes!(destruction::rotate))
        .routes(routes!(destruction::backups, destruction::record_backup))
        .split_for_parts()
}

/// The `/api/v1` routes plus `/api/openapi.json`, with a JSON 404 for unknown API paths.
pub fn api_router() -> Router<AppState> {
    let (router, _) = split();
    router
        .route("/api/openapi.json", axum::routing::get(ops::openapi))
        .route("/api/{*rest}", axum::routing::any(ops::api_not_found))
}

/// `/healthz`, `/readyz`, `/metrics`.
pub fn ops_router() -> Router<AppState> {
    Router::new()
        .route("/healthz", axum::routing::get(ops::healthz))
        .route("/readyz", axum::routing::get(ops::readyz))
        .route("/metrics", axum::routing::get(ops::metrics))
}
