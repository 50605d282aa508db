//! CSRF protection for portal forms.
//!
//! Logged-in forms carry `hex(HMAC-SHA256(key = session token hash, "csrf"))`: it is bound to the
//! session, needs no storage and changes when the session does. The login form has no session yet,
//! so it uses a double-submit cookie ([`LOGIN_COOKIE`], random, HttpOnly, SameSite=Strict) whose
//! value must equal the hidden field. All comparisons run in constant time.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Name of the double-submit cookie of the login form.
pub const LOGIN_COOKIE: &str = "zs_csrf";

/// Name of the hidden form field every POST form carries.
pub const FIELD: &str = "csrf";

type HmacSha256 = Hmac<Sha256>;

fn mac(token_hash: &str) -> Option<HmacSha256> {
    let mut m = HmacSha256::new_from_slice(token_hash.as_bytes()).ok()?;
    m.update(b"csrf");
    Some(m)
}

/// The CSRF token of the session whose token hash is `token_hash`.
pub fn session_token(token_hash: &str) -> String {
    mac(token_hash).map(|m| hex::encode(m.finalize().into_bytes())).unwrap_or_default()
}

/// Whether `submitted` is the CSRF token of the session (constant time; missing or malformed
/// tokens fail).
pub fn verify_session(token_hash: &str, submitted: &str) -> bool {
    if token_hash.is_empty() {
        return false;
    }
    let Ok(bytes) = hex::decode(submitted.trim()) else {
        return false;
    };
    mac(token_hash).is_some_and(|m| m.verify_slice(&bytes).is_ok())
}

/// A fresh random value for the login form's double-submit cookie.
pub fn new_login_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `Set-Cookie` value carrying the login form's token (one hour, login page only).
pub fn login_cookie(value: &str, secure: bool) -> String {
    format!(
        "{LOGIN_COOKIE}={value}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` value removing the login form's token.
pub fn clear_login_cookie(secure: bool) -> String {
    format!(
        "{LOGIN_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Whether the login form's hidden field equals its cookie (both present, non-empty, constant time).
pub fn verify_login(cookie: Option<&str>, submitted: &str) -> bool {
    match cookie {
        Some(c) if !c.is_empty() && !submitted.is_empty() => ct_eq(c.as_bytes(), submitted.as_bytes()),
        _ => false,
    }
}

/// Constant-time equality: the time depends only on the lengths.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "3b7a1f0c9d2e4b5a6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d";

    #[test]
    fn session_token_good_wrong_missing() {
        let t = session_token(HASH);
        assert_eq!(t.len(), 64);
        assert!(verify_session(HASH, &t));
        assert!(verify_session(HASH, &format!(" {t} ")), "surrounding blanks are ignored");
        // Wrong: another session's token, a flipped character, garbage, truncated.
        assert!(!verify_session(HASH, &session_token("another-session")));
        let mut flipped = t.clone().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        assert!(!verify_session(HASH, &String::from_utf8(flipped).unwrap()));
        assert!(!verify_session(HASH, "not hex"));
        assert!(!verify_session(HASH, &t[..32]));
        // Missing.
        assert!(!verify_session(HASH, ""));
        assert!(!verify_session("", &t));
    }

    #[test]
    fn token_is_stable_per_session_and_differs_between_sessions() {
        assert_eq!(session_token(HASH), session_token(HASH));
        assert_ne!(session_token(HASH), session_token("x"));
    }

    #[test]
    fn login_double_submit() {
        let v = new_login_token();
        assert_eq!(v.len(), 64);
        assert_ne!(v, new_login_token());
        assert!(verify_login(Some(&v), &v));
        assert!(!verify_login(Some(&v), &new_login_token()));
        assert!(!verify_login(Some(&v), ""));
        assert!(!verify_login(None, &v));
        assert!(!verify_login(Some(""), ""));
        assert!(!verify_login(Some(&v), &v[..10]));
        let c = login_cookie(&v, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("; Secure"));
        assert!(clear_login_cookie(false).contains("Max-Age=0"));
    }
}
