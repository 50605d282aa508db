//! Organisations, accounts, roles, credentials, passwords and the authorisation policy.
