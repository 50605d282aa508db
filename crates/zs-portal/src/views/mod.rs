//! Page handlers, one module per area.

pub mod audit;
pub mod auth;
pub mod credentials;
pub mod dashboard;
pub mod errors;
pub mod orgs;
pub mod secret;
pub mod users;
