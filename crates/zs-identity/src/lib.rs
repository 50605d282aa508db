//! Identity: the organisation tree (R1), accounts and roles (incl. 三员分立), passwords, sessions,
//! API credentials and the authorisation policy.
//!
//! Every surface (API, portal, CLI) calls [`IdentityService`]; it authenticates tokens, decides
//! authorisation (recording every decision through the audit sink) and performs account and
//! organisation operations, each of which demands an [`Authorized`] pass for its action. This crate
//! owns no HTTP and no SQL: it talks to the store through `zs_meta::MetaStore`.

mod accounts;
mod credentials;
mod orgs;
pub mod password;
pub mod policy;
mod principal;
pub mod principal_cache;
pub mod seed;
mod service;
mod stats;
pub mod token;

pub use accounts::{CreateUser, LoginResult};
pub use credentials::IssueCredential;
pub use orgs::CreateOrg;
pub use policy::{Action, Authorized};
pub use principal::{AuthVia, Principal};
pub use service::{IdentityService, IdentitySettings};
pub use stats::Stats;
