//! The JSON API under /api/v1: routes, extractors, error mapping and the OpenAPI document.
