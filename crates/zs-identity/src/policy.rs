//! The authorisation policy: every operation has a stable name and a rule saying which roles may
//! perform it. A handler proves the check happened by holding an [`Authorized`] pass, which only
//! [`crate::IdentityService::authorize`] can create.

use crate::principal::Principal;
use std::marker::PhantomData;
use std::sync::Arc;
use zs_types::model::Org;
use zs_types::{Error, Role};

/// An operation that needs authorisation.
pub trait Action: Send + Sync + 'static {
    /// Stable name, used in audit records, credential scopes and the OpenAPI operation id.
    const NAME: &'static str;
    /// Roles allowed to perform it (scope is checked separately, per object).
    const ROLES: &'static [Role];
    /// Allowed while a generated password still has to be changed.
    const DURING_PASSWORD_CHANGE: bool = false;
    /// The service performing the action writes one audit record per call naming the caller
    /// (the data API's `share.data`), so an allowed decision is not recorded separately; a
    /// denial always is.
    const ALLOW_RECORDED_BY_SERVICE: bool = false;
}

use Role::*;
const ALL: &[Role] = &[PlatformOperator, Steward, DataUser, SystemAdmin, SecurityAdmin, AuditAdmin];

macro_rules! actions {
    ($( $(#[$doc:meta])* $ty:ident = $name:literal => $roles:expr $(, pw_change = $pw:literal)? $(, recorded_by_service = $rec:literal)? ;)+) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $ty;
            impl Action for $ty {
                const NAME: &'static str = $name;
                const ROLES: &'static [Role] = $roles;
                $(const DURING_PASSWORD_CHANGE: bool = $pw;)?
                $(const ALLOW_RECORDED_BY_SERVICE: bool = $rec;)?
            }
        )+
        /// Every action: (name, roles allowed). The authorisation matrix test walks it.
        pub const ACTIONS: &[(&str, &[Role])] = &[$(($name, $roles)),+];
    };
}

actions! {
    /// Read one's own account.
    MeRead = "me.read" => ALL, pw_change = true;
    /// Change one's own password.
    MeChangePassword = "me.change_password" => ALL, pw_change = true;
    /// End one's own session.
    Logout = "auth.logout" => ALL, pw_change = true;
    /// See the organisation tree (names and official codes are public facts).
    OrgRead = "org.read" => ALL;
    /// Add a district or department (in scope).
    OrgCreate = "org.create" => &[PlatformOperator, SystemAdmin];
    /// List accounts in scope.
    UserRead = "user.read" => &[PlatformOperator, SystemAdmin, SecurityAdmin];
    /// Create an account in scope (administrator roles only through the CLI).
    UserCreate = "user.create" => &[SystemAdmin];
    /// Reset another account's password to a generated one.
    UserResetPassword = "user.reset_password" => &[SystemAdmin];
    /// Disable or re-enable an account.
    UserDisable = "user.disable" => &[SystemAdmin, SecurityAdmin];
    /// List API credentials (own; administrators: in scope).
    CredentialRead = "credential.read" => ALL;
    /// Issue an API credential for oneself.
    CredentialIssue = "credential.issue" => &[PlatformOperator, Steward, DataUser, SystemAdmin];
    /// Revoke or suspend a credential (own; security and system administrators: in scope).
    CredentialRevoke = "credential.revoke" => ALL;
    /// Read the audit trail.
    AuditRead = "audit.read" => &[AuditAdmin];
    /// See platform-wide statistics on the dashboard.
    StatsRead = "stats.read" => ALL;
    /// Search and read the catalogue (drafts only within one's scope).
    CatalogRead = "catalog.read" => ALL;
    /// Write, correct and submit the own department's entries; ask for withdrawal (下架).
    CatalogEdit = "catalog.edit" => &[Steward];
    /// Review submissions (approve or return) within one's area; never one's own.
    CatalogReview = "catalog.review" => &[PlatformOperator];
    /// Import entries from the Excel template (all or nothing).
    CatalogImport = "catalog.import" => &[Steward];
    /// Export the catalogue (一本账) as Excel, CSV or JSON.
    CatalogExport = "catalog.export" => ALL;
    /// Raise a change obligation (法律法规调整, 职责变化, 系统更新) with a 20-working-day deadline.
    CatalogObligation = "catalog.obligation" => &[Steward, PlatformOperator];
    /// Extend the working-day calendar (holidays and 调休).
    CalendarManage = "calendar.manage" => &[PlatformOperator];
    /// Hand in data (归集) for a published entry of one's own department.
    DataIngest = "data.ingest" => &[Steward];
    /// See a resource's versions, hand-ins, jobs and schedules (resources one may see in the catalogue).
    ResourceRead = "resource.read" => ALL;
    /// Download the rejected rows of a hand-in (the providing department and operators).
    ResourceRejects = "resource.rejects" => &[Steward, PlatformOperator];
    /// Preview a resource's rows (own department's data, sensitive items masked), at a version or time.
    ResourcePreview = "resource.preview" => &[Steward];
    /// Change a resource's hand-in settings, pull schedules and logical-access source.
    ResourceManage = "resource.manage" => &[Steward];
    /// See quality scores, trends, failures (values masked) and the quality dashboard of resources
    /// one may see in the catalogue; departments' Excel quality reports in scope.
    GovernRead = "govern.read" => &[PlatformOperator, Steward, DataUser, AuditAdmin];
    /// Write a resource's quality rules and re-check it now (its department's stewards, operators).
    GovernManage = "govern.manage" => &[Steward, PlatformOperator];
    /// Designate the authoritative source of a standard data element (一数一源).
    AuthorityManage = "govern.authority" => &[PlatformOperator];
    /// See problem tickets: one's department's (stewards), one's area's (operators), one's own reports.
    TicketRead = "ticket.read" => &[Steward, PlatformOperator, DataUser];
    /// Act on a ticket: acknowledge, dispute, fix (provider); uphold, dismiss, verify (operator).
    TicketHandle = "ticket.handle" => &[Steward, PlatformOperator, DataUser];
    /// Report an error in a record one can see (纠错); it becomes a ticket for the provider.
    TicketReport = "ticket.report" => &[DataUser, Steward, PlatformOperator];
    /// Read the aggregation report (归集通报).
    ReportAggregation = "report.aggregation" => &[PlatformOperator, Steward, SystemAdmin, AuditAdmin];
    /// Read the registry of standard data elements (数据元).
    ElementRead = "element.read" => ALL;
    /// Create, edit and deprecate standard data elements.
    ElementManage = "element.manage" => &[PlatformOperator];
    /// Read the data-element conformance report (own department; operators: their area).
    ConformanceRead = "conformance.read" => &[PlatformOperator, Steward, SecurityAdmin];
    /// See items' security levels and categories (数据分类分级), suggestions and the overview.
    ClassificationRead = "classification.read" => &[PlatformOperator, Steward, SecurityAdmin, AuditAdmin];
    /// Change an item's security level, scan a resource's values for suggestions, accept or
    /// dismiss them (stewards: own department; security administrators: in scope).
    ClassificationChange = "classification.change" => &[Steward, SecurityAdmin];
    /// Apply (共享申请) for a published resource's data on behalf of one's department.
    ShareApply = "share.apply" => &[DataUser];
    /// See applications and grants: one's department's (as applicant or provider), operators: their area's.
    ShareRead = "share.read" => &[PlatformOperator, Steward, DataUser];
    /// See overdue applications escalated to the platform operator (providers within one's area).
    ShareOverdue = "share.overdue" => &[PlatformOperator];
    /// Answer applications addressed to one's department: grant (possibly narrower) or refuse with reasons.
    ShareReview = "share.review" => &[Steward];
    /// Revoke a grant (the providing department, or an operator of its area).
    ShareRevoke = "share.revoke" => &[Steward, PlatformOperator];
    /// Issue an API credential bound to one of one's department's grants (shown once).
    ShareCredential = "share.credential" => &[DataUser];
    /// Read data through a grant (the data API); credentials need the grant's scope `share.grant:<id>`.
    /// Allowed calls are recorded once, by the data API's own `share.data` record.
    ShareData = "share.data" => &[DataUser], recorded_by_service = true;
    /// Post a demand (供需对接) for data not in the catalogue on behalf of one's department.
    DemandPost = "demand.post" => &[DataUser, Steward];
    /// See the demand board (every department's demands; not the public).
    DemandRead = "demand.read" => &[PlatformOperator, Steward, DataUser];
    /// Route a posted demand to a provider department within one's area, with a deadline.
    DemandRoute = "demand.route" => &[PlatformOperator];
    /// Answer a demand routed to one's department: catalogue it, point to an entry, or decline with reasons.
    DemandAnswer = "demand.answer" => &[Steward];
    /// Close an answered demand of one's department, or re-open it with reasons.
    DemandClose = "demand.close" => &[DataUser, Steward];
    /// See the sharing evaluation (共享评估): departments' monthly figures, scores and ranking, and its Excel export.
    EvaluationRead = "evaluation.read" => &[PlatformOperator, Steward, DataUser, AuditAdmin];
    /// Read the verifiable ledger (可验证账本): the signed checkpoint and consistency proofs (anyone);
    /// entries and inclusion proofs of one's own department's events (security and audit
    /// administrators: every entry).
    LedgerRead = "ledger.read" => ALL;
    /// Full-process tracing (全流程监管) with proofs: a resource's events (its providing department,
    /// operators of its area, security and audit administrators), what a department received
    /// (itself and the same), a grant's calls; evidence bundles of them.
    TraceRead = "trace.read" => &[PlatformOperator, Steward, DataUser, SecurityAdmin, AuditAdmin];
    /// Trace one person's record by ID number (可追溯到数据): which departments received it and when.
    TracePerson = "trace.person" => &[SecurityAdmin, AuditAdmin];
    /// See security alerts (异常告警) raised by anomaly detection in one's area, with their evidence
    /// (security administrators; audit administrators read them).
    AlertRead = "alert.read" => &[SecurityAdmin, AuditAdmin];
    /// Answer a security alert in one's area: acknowledge, dismiss with a reason, or suspend the
    /// credential or grant it concerns (security administrators only: 三员分立).
    AlertHandle = "alert.handle" => &[SecurityAdmin];
    /// Ask for a resource's data (or one version) to be destroyed (数据安全销毁): the providing
    /// department's steward, for its own resources only. Nothing is destroyed until a security
    /// administrator approves (two people, two roles).
    DestroyRequest = "data.destroy_request" => &[Steward];
    /// Approve (and so carry out) or refuse a destruction request: security administrators
    /// only — not the requester's role, and not the system administrator who runs the machine.
    DestroyApprove = "data.destroy" => &[SecurityAdmin];
    /// See destruction requests and certificates: the steward (own department), operators,
    /// security and audit administrators.
    DestroyRead = "destruction.read" => &[Steward, PlatformOperator, SecurityAdmin, AuditAdmin];
    /// See the data keys (ids, states, master key ids; never key bytes).
    KeyRead = "keys.read" => &[SecurityAdmin, AuditAdmin];
    /// Rotate a data key (a resource's, or the metadata columns' key).
    KeyManage = "keys.manage" => &[SecurityAdmin];
    /// Register a backup taken outside the platform (listed on destruction certificates).
    BackupRecord = "backup.record" => &[SystemAdmin];
    /// See the backup register.
    BackupRead = "backup.read" => &[SystemAdmin, SecurityAdmin, AuditAdmin];
}

/// Prefix of the credential scope that binds a credential to one grant: `share.grant:<id>`. Such a
/// scope covers the data API ([`ShareData`]) for that grant only.
pub const GRANT_SCOPE_PREFIX: &str = "share.grant:";

/// The grant a scope binds to, if it is a grant scope.
pub fn grant_of_scope(scope: &str) -> Option<i64> {
    scope.strip_prefix(GRANT_SCOPE_PREFIX).and_then(|id| id.parse().ok()).filter(|id: &i64| *id > 0)
}

/// Whether `role` may perform the named action (by the static rule table).
pub fn role_allows(action: &str, role: Role) -> bool {
    ACTIONS.iter().any(|(n, roles)| *n == action && roles.contains(&role))
}

/// Whether a credential scope list covers an action: exact names or `prefix.*`.
pub fn scope_covers(scopes: &[String], action: &str) -> bool {
    scopes.iter().any(|s| {
        (action == ShareData::NAME && grant_of_scope(s).is_some())
            || s == "*"
            || s == action
            || s.strip_suffix(".*").is_some_and(|p| action.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
    })
}

/// Proof that the principal may perform `A`. Only the identity service constructs it.
pub struct Authorized<A: Action> {
    principal: Arc<Principal>,
    request_id: Option<String>,
    _action: PhantomData<A>,
}

impl<A: Action> std::fmt::Debug for Authorized<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authorized<{}>({})", A::NAME, self.principal.user.username)
    }
}

impl<A: Action> Authorized<A> {
    pub(crate) fn new(principal: Arc<Principal>, request_id: Option<String>) -> Self {
        Self { principal, request_id, _action: PhantomData }
    }

    /// The request this pass was issued for (carried into audit records).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Who is acting.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The shared principal.
    pub fn principal_arc(&self) -> Arc<Principal> {
        self.principal.clone()
    }

    /// Scope check for an object owned by `org`: outside the caller's scope it does not exist
    /// for them, so the answer is `not_found`, not `forbidden`.
    pub fn check_scope(&self, org: &Org, what: &str) -> Result<(), Error> {
        if self.principal.can_see(org) {
            Ok(())
        } else {
            Err(Error::not_found(what))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_unique_and_three_admins_separated() {
        let mut names: Vec<_> = ACTIONS.iter().map(|a| a.0).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
        // 三员分立: the system administrator never reads the audit trail; the auditor changes nothing.
        assert!(!role_allows("audit.read", SystemAdmin));
        // Security alerts are the security administrator's: the system administrator neither
        // reads nor answers them; the auditor reads them only.
        assert!(!role_allows("alert.read", SystemAdmin) && !role_allows("alert.handle", SystemAdmin));
        assert!(role_allows("alert.read", AuditAdmin) && !role_allows("alert.handle", AuditAdmin));
        assert!(role_allows("alert.handle", SecurityAdmin));
        for (name, roles) in ACTIONS {
            let writes = !(name.ends_with(".read")
                || name.ends_with(".export")
                || name.starts_with("report.")
                // Tracing (全流程监管) only reads the trail and the ledger.
                || name.starts_with("trace.")
                || name.starts_with("me.")
                || *name == "auth.logout"
                || *name == "credential.revoke");
            if writes {
                assert!(!roles.contains(&AuditAdmin), "audit admin must not be able to {name}");
            }
        }
        // Secure destruction: asked by the providing department, decided by the security
        // administrator alone (never the system administrator who runs the machine).
        let approvers: Vec<Role> = Role::ALL.into_iter().filter(|r| role_allows("data.destroy", *r)).collect();
        assert_eq!(approvers, vec![SecurityAdmin]);
        assert!(!role_allows("data.destroy_request", SecurityAdmin) && role_allows("data.destroy_request", Steward));
        assert!(!role_allows("keys.manage", SystemAdmin) && !role_allows("keys.read", SystemAdmin));
    }

    #[test]
    fn scopes() {
        let s = vec!["org.read".to_owned(), "user.*".to_owned()];
        assert!(scope_covers(&s, "org.read") && scope_covers(&s, "user.create"));
        assert!(!scope_covers(&s, "org.create") && !scope_covers(&s, "username.x"));
        assert!(!scope_covers(&[], "org.read"));
        let bound = vec!["share.grant:7".to_owned()];
        assert!(scope_covers(&bound, "share.data") && !scope_covers(&bound, "share.apply"));
        assert_eq!((grant_of_scope("share.grant:7"), grant_of_scope("share.grant:x")), (Some(7), None));
    }
}
