//! Master keys (主密钥) and the provider interface that wraps data keys with them.
//!
//! [`KeyProvider`] is all the keyring needs: wrap a data key under the current master key and
//! unwrap one by the master key id it names. [`LocalMasterKeys`] reads the master keys from a
//! file or an environment variable; an HSM or a KMS (a 密码机 behind GM/T 0018, a cloud KMS)
//! implements the same three methods and never lets the master key leave it.
//!
//! # The key text
//! One master key per line, 64 hex digits (256 bits); `#` starts a comment; in an environment
//! variable, keys may be separated by commas instead of newlines. The **first key is current**
//! (new wraps use it); the others are older keys kept so data keys wrapped under them can still
//! be unwrapped until they are re-wrapped (rotation). A key's id is its fingerprint: the first
//! 8 bytes of SM3("zhengshu master key" ‖ key), in hex, so the text needs no names.

use std::fmt;
use std::io::Write;
use std::path::Path;

use sm3::Digest;
use zeroize::Zeroizing;

use crate::cipher::{random, Algorithm, NONCE_LEN};
use crate::error::{CryptoError, Result};

/// Bytes of a master key.
pub const MASTER_KEY_LEN: usize = 32;

/// Wraps and unwraps data keys with master keys it holds (or reaches, for an HSM or KMS).
pub trait KeyProvider: Send + Sync + fmt::Debug {
    /// The id of the master key new wraps use.
    fn current_id(&self) -> String;
    /// Wrap `secret` (a data key of `alg`) under the current master key; `aad` binds the result
    /// to what the key is for. Returns the master key id used and the wrapped bytes.
    fn wrap(&self, alg: Algorithm, secret: &[u8], aad: &[u8]) -> Result<(String, Vec<u8>)>;
    /// Unwrap what [`KeyProvider::wrap`] returned under master key `master_id`.
    fn unwrap(&self, master_id: &str, alg: Algorithm, wrapped: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>>;
}

/// Master keys held in process memory, read from a file or an environment variable.
pub struct LocalMasterKeys {
    /// (id, key), current first.
    keys: Vec<(String, Zeroizing<Vec<u8>>)>,
}

impl fmt::Debug for LocalMasterKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("LocalMasterKeys").field("ids", &ids).finish_non_exhaustive()
    }
}

/// The id (fingerprint) of a master key.
pub fn master_key_id(key: &[u8]) -> String {
    let mut h = sm3::Sm3::new();
    h.update(b"zhengshu master key");
    h.update(key);
    hex::encode(&h.finalize()[..8])
}

impl LocalMasterKeys {
    /// Parse the key text (see the module documentation).
    pub fn from_text(text: &str) -> Result<Self> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            for word in line.split([',', ' ', '\t']).map(str::trim).filter(|w| !w.is_empty()) {
                let key =
                    Zeroizing::new(hex::decode(word).map_err(|_| {
                        CryptoError::MasterKey(format!("line {}: a master key is 64 hex digits", n + 1))
                    })?);
                if key.len() != MASTER_KEY_LEN {
                    return Err(CryptoError::MasterKey(format!(
                        "line {}: a master key is 64 hex digits (256 bits), not {}",
                        n + 1,
                        key.len() * 2
                    )));
                }
                let id = master_key_id(&key);
                if !keys.iter().any(|(k, _)| *k == id) {
                    keys.push((id, key));
                }
            }
        }
        if keys.is_empty() {
            return Err(CryptoError::MasterKey("no master key given".into()));
        }
        Ok(Self { keys })
    }

    /// Read the keys from a file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| CryptoError::MasterKey(format!("cannot read {}: {e}", path.display())))?,
        );
        Self::from_text(&text).map_err(|e| CryptoError::MasterKey(format!("{}: {e}", path.display())))
    }

    /// Read the keys from the environment variable `var`.
    pub fn from_env(var: &str) -> Result<Self> {
        let text = Zeroizing::new(
            std::env::var(var)
                .map_err(|_| CryptoError::MasterKey(format!("the environment variable {var} is not set")))?,
        );
        Self::from_text(&text).map_err(|e| CryptoError::MasterKey(format!("{var}: {e}")))
    }

    /// Create a key file holding one fresh master key (owner read/write only). Fails if the
    /// file exists.
    pub fn create_file(path: &Path) -> Result<Self> {
        let key = Zeroizing::new(random::<MASTER_KEY_LEN>().to_vec());
        write_key_file(path, &[&key], false)?;
        let id = master_key_id(&key);
        Ok(Self { keys: vec![(id, key)] })
    }

    /// Put a fresh master key first in the key file at `path` (older keys stay, so data keys
    /// wrapped under them still open until they are re-wrapped). Returns the keys now in it.
    pub fn rotate_file(path: &Path) -> Result<Self> {
        let old = Self::from_file(path)?;
        let key = Zeroizing::new(random::<MASTER_KEY_LEN>().to_vec());
        let mut all: Vec<&[u8]> = vec![&key];
        all.extend(old.keys.iter().map(|(_, k)| k.as_slice()));
        write_key_file(path, &all, true)?;
        Self::from_file(path)
    }

    /// Keep only the keys with these ids in the key file (after every data key was re-wrapped).
    pub fn retain_in_file(path: &Path, ids: &[String]) -> Result<Self> {
        let old = Self::from_file(path)?;
        let kept: Vec<&[u8]> = old.keys.iter().filter(|(id, _)| ids.contains(id)).map(|(_, k)| k.as_slice()).collect();
        if kept.is_empty() {
            return Err(CryptoError::MasterKey("refusing to remove every master key".into()));
        }
        write_key_file(path, &kept, true)?;
        Self::from_file(path)
    }

    /// The ids, current first.
    pub fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|(id, _)| id.clone()).collect()
    }

    fn key(&self, id: &str) -> Result<&[u8]> {
        self.keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, key)| key.as_slice())
            .ok_or_else(|| CryptoError::UnknownMasterKey(id.to_owned()))
    }
}

/// Label of the wrapping key derived from a master key.
const WRAP_LABEL: &[u8] = b"zhengshu/wrap/v1";

impl KeyProvider for LocalMasterKeys {
    fn current_id(&self) -> String {
        self.keys.first().map(|(id, _)| id.clone()).unwrap_or_default()
    }

    fn wrap(&self, alg: Algorithm, secret: &[u8], aad: &[u8]) -> Result<(String, Vec<u8>)> {
        let id = self.current_id();
        let kek = alg.derive(self.key(&id)?, WRAP_LABEL, b"");
        let nonce = random::<NONCE_LEN>();
        let mut out = nonce.to_vec();
        out.extend(alg.seal(&kek, &nonce, aad, secret)?);
        Ok((id, out))
    }

    fn unwrap(&self, master_id: &str, alg: Algorithm, wrapped: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let kek = alg.derive(self.key(master_id)?, WRAP_LABEL, b"");
        if wrapped.len() < NONCE_LEN {
            return Err(CryptoError::Format("wrapped key too short".into()));
        }
        let (nonce, sealed) = wrapped.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Format("nonce".into()))?;
        Ok(Zeroizing::new(alg.open(&kek, nonce, aad, sealed)?))
    }
}

/// Write the key file: a temporary file with mode 0600, fsynced, renamed into place.
fn write_key_file(path: &Path, keys: &[&[u8]], replace: bool) -> Result<()> {
    if !replace && path.exists() {
        return Err(CryptoError::MasterKey(format!("{} already exists", path.display())));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = Zeroizing::new(String::from(
        "# zhengshu master keys (主密钥): the first is current; keep older ones until every data key is re-wrapped\n",
    ));
    for k in keys {
        text.push_str(&hex::encode(k));
        text.push('\n');
    }
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_unwrap_and_rotation_in_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/master.key");
        let first = LocalMasterKeys::create_file(&path).unwrap();
        assert!(LocalMasterKeys::create_file(&path).is_err());
        let (id, wrapped) = first.wrap(Algorithm::Sm4Gcm, &[7u8; 16], b"k1").unwrap();
        assert_eq!(id, first.current_id());
        let rotated = LocalMasterKeys::rotate_file(&path).unwrap();
        assert_eq!(rotated.ids().len(), 2);
        assert_ne!(rotated.current_id(), id);
        // The old key still unwraps what it wrapped.
        assert_eq!(*rotated.unwrap(&id, Algorithm::Sm4Gcm, &wrapped, b"k1").unwrap(), vec![7u8; 16]);
        // Wrong binding or wrong key: refused.
        assert_eq!(rotated.unwrap(&id, Algorithm::Sm4Gcm, &wrapped, b"k2").unwrap_err(), CryptoError::Tampered);
        let kept = LocalMasterKeys::retain_in_file(&path, &[rotated.current_id()]).unwrap();
        assert!(matches!(kept.unwrap(&id, Algorithm::Sm4Gcm, &wrapped, b"k1"), Err(CryptoError::UnknownMasterKey(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn key_text_forms() {
        let a = "11".repeat(32);
        let b = "22".repeat(32);
        let keys = LocalMasterKeys::from_text(&format!("# comment\n{a}\n\n{b} # older\n")).unwrap();
        assert_eq!(keys.ids(), vec![master_key_id(&[0x11; 32]), master_key_id(&[0x22; 32])]);
        assert_eq!(LocalMasterKeys::from_text(&format!("{a},{b}")).unwrap().ids().len(), 2);
        assert!(LocalMasterKeys::from_text("abcd").is_err());
        assert!(LocalMasterKeys::from_text("# nothing").is_err());
        // Debug output names ids, never keys.
        assert!(!format!("{keys:?}").contains(&a));
    }
}
