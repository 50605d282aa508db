//! The JSON API under `/api/v1`, its OpenAPI 3.1 document, and the operational endpoints
//! (`/healthz`, `/readyz`, `/metrics`).
//!
//! Handlers are thin: extract, call one service function, map the error. Authorisation happens in
//! the [`extract::Auth`] extractor before any work; errors become `{code, message, request_id}`
//! through [`error::ApiError`]. This crate holds no business rules and no SQL.

pub mod client;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod request_id;
mod routes;
pub mod session;
pub mod state;

pub use routes::resources::save_body;
pub use routes::{api_router, ops_router};
pub use state::AppState;
