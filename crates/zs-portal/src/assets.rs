//! Static files (CSS, JS, icon), embedded in the binary and served under `/static/`.
//!
//! Pages link them as `/static/NAME?v=VERSION`, VERSION being a digest of all files: such
//! requests may be cached for a year; others must revalidate (ETag).

use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// (name, content type, content).
const FILES: &[(&str, &str, &str)] = &[
    ("portal.css", "text/css; charset=utf-8", include_str!("../static/portal.css")),
    ("portal.js", "text/javascript; charset=utf-8", include_str!("../static/portal.js")),
    ("favicon.svg", "image/svg+xml", include_str!("../static/favicon.svg")),
];

/// Digest of all static files (12 hex digits).
pub fn version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut h = Sha256::new();
        for (name, _, body) in FILES {
            h.update(name.as_bytes());
            h.update(body.as_bytes());
        }
        hex::encode(h.finalize())[..12].to_owned()
    })
}

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let Some((_, content_type, body)) = FILES.iter().find(|(n, _, _)| *n == file) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!("\"{}\"", version());
    let versioned = query.as_deref().is_some_and(|q| q.split('&').any(|kv| kv == format!("v={}", version())));
    let cache = if versioned { "public, max-age=31536000, immutable" } else { "public, no-cache" };
    let mut h = HeaderMap::new();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if matches {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    (StatusCode::OK, h, *body).into_response()
}
