//! SM2 signatures on webhook notifications (国密签名), beside the HMAC-SHA256 one.
//!
//! The HMAC proves a notification came from someone holding the subscription's secret; the SM2
//! signature proves it came from this platform, with a public key anyone may hold (published at
//! `GET /api/v1/share/webhook-key`) and national cryptography throughout. The key is the node's
//! own (`<data>/keys/webhook.key`, SM2, made on first start, mode 0600) and signs nothing else.
//!
//! Header: `X-Zhengshu-Signature-SM2: t=<unix seconds>,sig=<base64 of key id ‖ SM2 signature>`
//! over the text `zhengshu-webhook/v1\n<event id>\n<t>\n<hex SM3 of the raw body>\n` — the key
//! format and signature are those of the ledger's signed notes (`docs/ledger.md`).

use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use sm3::Digest as _;
use zs_ledger::note::{Algorithm, Role, Signature, Signer, Verifier};

/// The header carrying the SM2 signature.
pub const SM2_SIGNATURE_HEADER: &str = "X-Zhengshu-Signature-SM2";

/// The node's webhook key from `<data>/keys/webhook.key`, made (named `name`) when missing.
pub fn load_or_create_webhook_key(data_dir: &Path, name: &str) -> Result<Arc<Signer>, String> {
    let keys = data_dir.join("keys");
    let path = keys.join("webhook.key");
    if !path.exists() {
        std::fs::create_dir_all(&keys).map_err(|e| format!("creating {}: {e}", keys.display()))?;
        let signer = Signer::generate(name, Algorithm::Sm2, Role::Note).map_err(|e| e.to_string())?;
        zs_ledger::note::write_secret_file(&path, &signer.to_key_string())
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    Signer::from_key_string(text.trim()).map(Arc::new).map_err(|e| format!("{}: {e}", path.display()))
}

/// The text the signature covers.
pub fn signed_text(event_id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("zhengshu-webhook/v1\n{event_id}\n{timestamp}\n{}\n", hex::encode(sm3::Sm3::digest(body)))
}

/// The header value for a notification sent at `timestamp`.
pub fn sm2_signature(key: &Signer, event_id: &str, timestamp: i64, body: &[u8]) -> String {
    let sig = key.sign_text(&signed_text(event_id, timestamp, body));
    format!("t={timestamp},sig={}", base64::engine::general_purpose::STANDARD.encode(sig.bytes))
}

/// Check a received notification against the platform's published key: the signing time when
/// the signature holds. (The receiver also rejects a time too far from its clock.)
pub fn verify_sm2_signature(key: &Verifier, header: &str, event_id: &str, body: &[u8]) -> Result<i64, String> {
    let mut t = None;
    let mut sig = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("sig", v)) => sig = base64::engine::general_purpose::STANDARD.decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(bytes)) = (t, sig) else { return Err("the header needs t= and sig=".into()) };
    let id = bytes.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(u32::from_be_bytes);
    if id != Some(key.key_id()) {
        return Err("signed with another key".into());
    }
    let sig = Signature { name: key.name().to_owned(), id: key.key_id(), bytes };
    key.verify(&signed_text(event_id, t, body), &sig).map(|_| t).map_err(|_| "the signature does not verify".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_the_key_file_is_kept() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let key = load_or_create_webhook_key(dir.path(), "zhengshu.test/webhooks").unwrap_or_else(|e| panic!("{e}"));
        let again = load_or_create_webhook_key(dir.path(), "other").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.verifier().to_key_string(), again.verifier().to_key_string(), "made once, then read");
        let vk = key.verifier();
        let body = br#"{"event_id":"e1","version":3}"#;
        let h = sm2_signature(&key, "e1", 1_780_000_000, body);
        assert_eq!(verify_sm2_signature(&vk, &h, "e1", body), Ok(1_780_000_000));
        assert!(verify_sm2_signature(&vk, &h, "e2", body).is_err(), "another event");
        assert!(verify_sm2_signature(&vk, &h, "e1", br#"{"event_id":"e1","version":4}"#).is_err(), "another body");
        let later = h.replace("t=1780000000", "t=1780000001");
        assert!(verify_sm2_signature(&vk, &later, "e1", body).is_err(), "another time");
        let stranger = Signer::generate("zhengshu.test/webhooks", Algorithm::Sm2, Role::Note)
            .unwrap_or_else(|e| panic!("{e}"))
            .verifier();
        assert!(verify_sm2_signature(&stranger, &h, "e1", body).is_err(), "another key");
        assert!(verify_sm2_signature(&vk, "t=1", "e1", body).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("keys/webhook.key")).map(|m| m.permissions().mode());
            assert_eq!(mode.map(|m| m & 0o777).ok(), Some(0o600));
        }
    }
}
