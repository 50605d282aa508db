//! The one table of error codes. Every failure that reaches a caller carries one of these codes;
//! the HTTP status and the CLI exit message are derived from it here and nowhere else.

use serde::Serialize;

/// Declares every error code once: name, HTTP status and a short English description.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal) ),+ $(,)?) => {
        /// A stable, documented error code. The string form is part of the public API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant ),+
        }

        impl ErrorCode {
            /// Every code, in table order (used by docs and tests).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The stable snake_case name sent to clients.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            /// The HTTP status this code is answered with.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),+ }
            }
        }
    };
}

error_codes! {
    /// The request body is not well-formed JSON or form data.
    MalformedBody = ("malformed_body", 400),
    /// A field is missing, of the wrong type, unknown, or fails validation.
    InvalidInput = ("invalid_input", 422),
    /// A unified social credit code (统一社会信用代码) fails the GB 32100 rules.
    InvalidCreditCode = ("invalid_credit_code", 422),
    /// An administrative division code (行政区划代码) fails the GB/T 2260 rules.
    InvalidDivisionCode = ("invalid_division_code", 422),
    /// A password does not meet the password policy.
    WeakPassword = ("weak_password", 422),
    /// The request body exceeds the configured size limit.
    PayloadTooLarge = ("payload_too_large", 413),
    /// No credentials were presented for an operation that needs them.
    Unauthenticated = ("unauthenticated", 401),
    /// User name or password is wrong.
    InvalidCredentials = ("invalid_credentials", 401),
    /// The session has expired or was ended.
    SessionExpired = ("session_expired", 401),
    /// The API credential has passed its expiry time.
    CredentialExpired = ("credential_expired", 401),
    /// The API credential was revoked.
    CredentialRevoked = ("credential_revoked", 401),
    /// The API credential is suspended in answer to a security alert until a security
    /// administrator reinstates it.
    CredentialSuspended = ("credential_suspended", 403),
    /// Too many failed logins: the account is locked for a while.
    AccountLocked = ("account_locked", 423),
    /// The account is disabled.
    AccountDisabled = ("account_disabled", 403),
    /// A generated password must be changed before anything else is allowed.
    PasswordChangeRequired = ("password_change_required", 403),
    /// The caller's role or scope does not allow this operation.
    Forbidden = ("forbidden", 403),
    /// The API credential's scopes do not include this operation.
    ScopeNotGranted = ("scope_not_granted", 403),
    /// The CSRF token of a portal form is missing or wrong.
    CsrfMismatch = ("csrf_mismatch", 403),
    /// The object does not exist or the caller may not see it.
    NotFound = ("not_found", 404),
    /// The HTTP method is not supported on this path.
    MethodNotAllowed = ("method_not_allowed", 405),
    /// An object with the same unique name or code already exists.
    AlreadyExists = ("already_exists", 409),
    /// The operation conflicts with the object's current state.
    Conflict = ("conflict", 409),
    /// Another writer holds the object (e.g. a hand-in to the same resource is running); retry later.
    ResourceBusy = ("resource_busy", 409),
    /// 不予共享: the resource (or an item asked for) is not shared; the message gives the legal basis.
    NotShareable = ("not_shareable", 403),
    /// No grant with that id is held by the caller's department (or the credential is bound to another grant).
    NoGrant = ("no_grant", 404),
    /// The grant's period of use has ended (or not yet begun).
    GrantExpired = ("grant_expired", 403),
    /// The grant was revoked.
    GrantRevoked = ("grant_revoked", 403),
    /// The grant is suspended in answer to a security alert until a security administrator
    /// reinstates it.
    GrantSuspended = ("grant_suspended", 403),
    /// The grant's daily quota of calls or rows is used up; it renews at midnight (Beijing).
    QuotaExceeded = ("quota_exceeded", 429),
    /// An item asked for (field, filter or key) is not among the grant's items.
    FieldNotGranted = ("field_not_granted", 403),
    /// The resource was withdrawn from the catalogue (下架); its grants give no data.
    ResourceWithdrawn = ("resource_withdrawn", 410),
    /// The data was destroyed (数据安全销毁): its key was shredded and its files deleted.
    DataDestroyed = ("data_destroyed", 410),
    /// The media type of the request is not supported.
    UnsupportedMediaType = ("unsupported_media_type", 415),
    /// The metadata store cannot be reached or failed.
    StoreUnavailable = ("store_unavailable", 503),
    /// An unexpected internal failure; the request id identifies it in the logs.
    Internal = ("internal", 500),
}

/// An error with a stable code and a human-readable message saying what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({})", code.as_str())]
pub struct Error {
    /// The stable code.
    pub code: ErrorCode,
    /// A precise message: which field, which value, why.
    pub message: String,
    /// The offending field, when there is one (e.g. `code`, `parent_id`).
    pub field: Option<String>,
}

/// Result with the shared [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    /// An `invalid_input` error about one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self { code: ErrorCode::InvalidInput, message: message.into(), field: Some(field.to_owned()) }
    }

    /// Attach the offending field name.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// `not_found` for a kind of object.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// `forbidden` with a reason.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// `internal` with a message that is logged but safe to show.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate error code name");
        for c in ErrorCode::ALL {
            assert!((400..600).contains(&c.http_status()), "{c:?}");
            assert_eq!(serde_json::to_value(c).ok(), Some(serde_json::json!(c.as_str())));
        }
    }
}
