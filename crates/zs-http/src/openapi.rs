//! The OpenAPI 3.1 document, generated from the handlers' annotations. The committed copy at
//! `docs/openapi.json` is compared with it by a test, so it cannot drift.
//!
//! Convention: an operation's `operationId` is the stable action name it is authorised as,
//! optionally followed by `#variant` when one action covers several routes (e.g. `org.read#list`).
//! Operations in [`PUBLIC_OPERATIONS`] need no authorisation. The authorisation matrix test walks
//! this document, so a new route without a rule fails it.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Operations anyone may call.
pub const PUBLIC_OPERATIONS: &[&str] = &["auth.login"];

/// The action an operation id is authorised as.
pub fn action_of(operation_id: &str) -> &str {
    operation_id.split('#').next().unwrap_or(operation_id)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zhengshu (政数) API",
        description = "City government data platform: organisations, accounts, credentials; \
            catalogue, hand-in, governance, sharing and audit in later versions. Authenticate with \
            `Authorization: Bearer <token>` from `/api/v1/auth/login` or an API credential. Errors are \
            `{code, message, field?, request_id}` with a stable code.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "auth", description = "Login and sessions"),
        (name = "me", description = "The caller's own account"),
        (name = "orgs", description = "Organisation tree (组织机构)"),
        (name = "users", description = "Accounts (用户)"),
        (name = "credentials", description = "API credentials for programs"),
        (name = "audit", description = "Audit trail (审计)"),
        (name = "stats", description = "Platform statistics"),
        (name = "catalog", description = "Data catalogue (数据目录): entries, review workflow, history, deadlines"),
        (name = "governance", description = "Governance (数据治理): quality rules, scores, problem tickets, corrections"),
        (name = "share", description = "Sharing (共享): applications, review, grants, and the data API over a grant"),
        (name = "standards", description = "Data standards (数据标准): standard data elements (数据元) and the conformance report"),
        (name = "classification", description = "Classification and grading (数据分类分级): levels, categories, value detectors"),
        (name = "ledger", description = "Verifiable ledger (可验证账本): signed checkpoint, inclusion and consistency proofs, entries"),
        (name = "trace", description = "Full-process tracing (全流程监管): a resource's, department's, grant's and person's record's events with proofs; evidence bundles"),
        (name = "security", description = "Security operations: anomaly detection and response (异常监测与处置: alerts and their handling), encryption at rest and secure destruction (数据安全销毁: destruction requests, approval and certificates, data keys and their rotation, the backup register)")
    )
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn document() -> String {
    let (_, api) = crate::routes::split();
    let mut s = api.to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
