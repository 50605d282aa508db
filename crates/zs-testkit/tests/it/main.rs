//! The one integration test binary: real servers on free ports, real SQLite and PostgreSQL,
//! real HTTP, and a real headless Chromium for the portal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, missing_docs)]

mod authz_matrix;
mod bad_input;
mod browser;
mod catalog;
mod catalog_exchange;
mod catalog_search;
mod credentials;
mod govern;
mod kept_files;
mod login;
mod ops;
mod pulls;
mod report;
mod resources;
mod scope;
mod security;
mod security_alerts;
mod security_pages;
mod share;
mod share_delivery;
mod share_demand;
mod share_evaluation;
mod trace;
