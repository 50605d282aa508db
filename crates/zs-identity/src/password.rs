//! Passwords: Argon2id hashing, the minimum policy and generated passwords.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;
use zs_types::{Error, ErrorCode};

/// Minimum length of a chosen password.
pub const MIN_LEN: usize = 10;

/// Hash with Argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane; OWASP's recommendation).
pub fn hash(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
}

/// Verify against a stored PHC string. A malformed stored hash never verifies.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of a random password, verified against when the user name is unknown so that timing
/// does not reveal which accounts exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default())
}

/// Check the minimum policy: at least [`MIN_LEN`] characters, three of four character classes,
/// not containing the user name.
pub fn check_policy(password: &str, username: &str) -> Result<(), Error> {
    let weak = |m: &str| Error::new(ErrorCode::WeakPassword, m.to_owned()).with_field("new_password");
    if password.chars().count() < MIN_LEN {
        return Err(weak(&format!("password must have at least {MIN_LEN} characters")));
    }
    if password.chars().count() > 256 {
        return Err(weak("password must have at most 256 characters"));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|&&b| b).count() < 3 {
        return Err(weak("password must mix at least three of: lower-case, upper-case, digits, symbols"));
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(weak("password must not contain the user name"));
    }
    Ok(())
}

/// A random 16-character password that meets the policy (no look-alike characters).
pub fn generate() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"-_.!@#%+=";
    let mut rng = rand::rngs::OsRng;
    let sets = [LOWER, UPPER, DIGIT, SYMBOL];
    let mut out: Vec<u8> = sets.iter().map(|s| s[rng.gen_range(0..s.len())]).collect();
    let all: Vec<u8> = [LOWER, UPPER, DIGIT].concat();
    while out.len() < 16 {
        out.push(all[rng.gen_range(0..all.len())]);
    }
    // Shuffle so the class order is not predictable.
    for i in (1..out.len()).rev() {
        out.swap(i, rng.gen_range(0..=i));
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("Correct-Horse-9").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Correct-Horse-9", &h));
        assert!(!verify("correct-horse-9", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn policy() {
        assert!(check_policy("short1A!", "u").is_err());
        assert!(check_policy("alllowercaseletters", "u").is_err());
        assert!(check_policy("Zhangsan-2026x", "zhangsan").is_err());
        assert!(check_policy("Qinghai-Xining-2026", "zhangsan").is_ok());
        for _ in 0..50 {
            let p = generate();
            assert_eq!(p.len(), 16);
            assert!(check_policy(&p, "operator").is_ok(), "{p}");
        }
    }
}
