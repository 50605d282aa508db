//! Page handlers, one module per area.

pub mod audit;
pub mod auth;
pub mod catalog_common;
pub mod catalog_deadlines;
pub mod catalog_diff;
pub mod catalog_entry;
pub mod catalog_exchange;
pub mod catalog_form;
pub mod catalog_form_model;
pub mod catalog_review;
pub mod catalog_search;
pub mod catalog_tree;
pub mod classification;
pub mod credentials;
pub mod dashboard;
pub mod errors;
pub mod orgs;
pub mod quality;
pub mod report;
pub mod resource;
pub mod resource_pulls;
pub mod secret;
pub mod share;
pub mod standards;
pub mod trace;
pub mod users;
