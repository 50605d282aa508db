//! The page that shows a generated password or a new API token exactly once. It is always sent
//! with `Cache-Control: no-store` by its callers.

use crate::page::{render, Chrome};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

/// A labelled fact shown under the secret.
pub struct Fact {
    /// Text key of the label.
    pub key: &'static str,
    /// Value.
    pub value: String,
}

#[derive(Template)]
#[template(path = "secret.html")]
struct SecretPage {
    c: Chrome,
    title: &'static str,
    subject: String,
    warning: &'static str,
    secret: String,
    facts: Vec<Fact>,
    back: String,
}

/// Render the page (the caller adds `no_store`).
pub fn secret_page(
    c: Chrome,
    title: &'static str,
    subject: String,
    warning: &'static str,
    secret: String,
    facts: Vec<Fact>,
    back: String,
) -> Response {
    render(StatusCode::OK, &SecretPage { c, title, subject, warning, secret, facts, back })
}
