//! Whether a lookup's key follows the previous lookup's key through the same grant (a small step
//! in the number the key ends with, same text before it): the data API records that as a fact
//! (`sequential`) so anomaly detection can tell an enumeration of keys from ordinary lookups
//! without the keys themselves ever being recorded. The previous key of each grant is held in
//! memory only, as its prefix's hash and its numeric tail.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

/// Largest difference of the numeric tails that still counts as the next key (a walk may skip
/// a few keys).
const MAX_STEP: u128 = 10;

/// Grants remembered at most; beyond that the memory is cleared (a missed step is harmless).
const MAX_GRANTS: usize = 100_000;

/// The previous key per grant.
#[derive(Default)]
pub(crate) struct KeySteps {
    last: Mutex<HashMap<i64, (u64, u128)>>,
}

/// The key as (hash of the text before its trailing digits, the trailing digits as a number);
/// the check character of an 18-character ID number (17 digits and a check digit or `X`), and
/// trailing letters of other keys, are ignored.
fn split(key: &str) -> Option<(u64, u128)> {
    let key = key.trim();
    let id_number = key.len() == 18 && key.bytes().take(17).all(|b| b.is_ascii_digit());
    let body = if id_number { &key[..17] } else { key.trim_end_matches(|c: char| c.is_ascii_alphabetic()) };
    let head = body.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &body[head.len()..];
    if digits.is_empty() {
        return None;
    }
    // At most 30 digits: enough for any code, and it keeps the number in a u128.
    let digits = &digits[digits.len().saturating_sub(30)..];
    let mut h = DefaultHasher::new();
    (head, body.len()).hash(&mut h);
    Some((h.finish(), digits.parse().ok()?))
}

impl KeySteps {
    /// Remember `key` as the grant's latest lookup; true when it is a small step from the previous one.
    pub(crate) fn step(&self, grant: i64, key: &str) -> bool {
        let Some(now) = split(key) else { return false };
        let Ok(mut last) = self.last.lock() else { return false };
        if last.len() >= MAX_GRANTS {
            last.clear();
        }
        match last.insert(grant, now) {
            Some((head, n)) => head == now.0 && n != now.1 && n.abs_diff(now.1) <= MAX_STEP,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        let k = KeySteps::default();
        assert!(!k.step(1, "630102199001011235"));
        assert!(k.step(1, "630102199001011243"), "next sequence number, new check digit");
        assert!(!k.step(1, "630102199001011243"), "the same key again is no step");
        assert!(!k.step(1, "630102198507150022"), "an unrelated key");
        assert!(!k.step(2, "630102198507150031"), "another grant starts afresh");
        assert!(k.step(1, "63010219850715003X"), "check character X ignored");
        assert!(!k.step(1, "ABC"), "no digits: never sequential");
        assert!(!k.step(3, "91630100MA0001234X") && k.step(3, "91630100MA0001235X"));
        assert!(!k.step(3, "91630100MB0001236X"), "different text before the digits");
    }
}
