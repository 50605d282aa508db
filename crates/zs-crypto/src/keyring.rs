//! The keyring: data keys (数据密钥) in process memory, unwrapped from their stored form by the
//! master key provider, one current key per scope (a resource's table, or `meta` for sealed
//! metadata columns) and every older key kept until nothing uses it.
//!
//! The keyring does no I/O: whoever persists keys (the metadata store) generates a key here,
//! stores its [`WrappedKey`] and only then [`Keyring::install`]s it, so no data is ever
//! encrypted under a key that is not stored. Destroying a scope ([`Keyring::shred`]) drops
//! its keys from memory (their bytes are zeroed) and remembers their ids, so reads of what they
//! encrypted fail with [`CryptoError::Destroyed`] rather than "unknown key".

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use base64::Engine;
use zeroize::Zeroizing;

use crate::cipher::{random, Algorithm, NONCE_LEN};
use crate::error::{CryptoError, Result};
use crate::master::KeyProvider;

/// Bytes of a data key id.
pub const KEY_ID_LEN: usize = 16;
/// The scope of the key sealing metadata columns.
pub const META_SCOPE: &str = "meta";
/// Prefix of a sealed value (version 1 of the format).
pub const SEALED_PREFIX: &str = "zsenc1:";

/// A data key in memory. Its bytes are zeroed when the last handle is dropped and never shown.
pub struct DataKey {
    id: [u8; KEY_ID_LEN],
    scope: String,
    algorithm: Algorithm,
    secret: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id_hex())
            .field("scope", &self.scope)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl DataKey {
    /// The key's id (random, 16 bytes).
    pub fn id(&self) -> &[u8; KEY_ID_LEN] {
        &self.id
    }
    /// The id in hex, as stored and shown.
    pub fn id_hex(&self) -> String {
        hex::encode(self.id)
    }
    /// What the key is for.
    pub fn scope(&self) -> &str {
        &self.scope
    }
    /// Its cipher.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }
}

/// Where a data key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// New data is encrypted under it (one per scope).
    Active,
    /// Replaced by a newer key of its scope; still opens what it encrypted.
    Retired,
    /// Shredded: the wrapped bytes are gone; what it encrypted is unreadable.
    Destroyed,
}

impl KeyState {
    /// Stable name, as stored.
    pub fn name(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Retired => "retired",
            KeyState::Destroyed => "destroyed",
        }
    }
    /// The state of a stable name.
    pub fn from_name(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(KeyState::Active),
            "retired" => Ok(KeyState::Retired),
            "destroyed" => Ok(KeyState::Destroyed),
            other => Err(CryptoError::Format(format!("unknown key state '{other}'"))),
        }
    }
}

/// A data key as stored: wrapped under a master key, bound to its id, scope and cipher.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// Key id, hex.
    pub id: String,
    /// What it is for (a resource's table name, or [`META_SCOPE`]).
    pub scope: String,
    /// Its cipher.
    pub algorithm: Algorithm,
    /// The master key it is wrapped under.
    pub master_key_id: String,
    /// The wrapped bytes (empty once destroyed).
    pub wrapped: Vec<u8>,
    /// Its state.
    pub state: KeyState,
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("id", &self.id)
            .field("scope", &self.scope)
            .field("algorithm", &self.algorithm)
            .field("master_key_id", &self.master_key_id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// What binds a wrapped key to its row: a key moved to another scope does not unwrap.
fn wrap_aad(id: &str, scope: &str, alg: Algorithm) -> Vec<u8> {
    format!("zhengshu data key\0{id}\0{scope}\0{}", alg.name()).into_bytes()
}

#[derive(Default)]
struct State {
    keys: HashMap<[u8; KEY_ID_LEN], Arc<DataKey>>,
    current: HashMap<String, [u8; KEY_ID_LEN]>,
    destroyed: HashMap<[u8; KEY_ID_LEN], String>,
}

/// Data keys in memory, by id and by scope. Cheap to share (`Arc`).
pub struct Keyring {
    provider: Arc<dyn KeyProvider>,
    algorithm: Algorithm,
    state: RwLock<State>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

fn parse_id(hex_id: &str) -> Result<[u8; KEY_ID_LEN]> {
    hex::decode(hex_id)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| CryptoError::Format(format!("bad key id '{hex_id}'")))
}

impl Keyring {
    /// An empty keyring whose new keys use `algorithm`, wrapped by `provider`.
    pub fn new(provider: Arc<dyn KeyProvider>, algorithm: Algorithm) -> Self {
        Self { provider, algorithm, state: RwLock::new(State::default()) }
    }

    /// The cipher of new keys.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The master key provider.
    pub fn provider(&self) -> &Arc<dyn KeyProvider> {
        &self.provider
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh key for `scope` and its wrapped form to store. It is not used until
    /// [`Keyring::install`]ed (after the wrapped form is stored).
    pub fn generate(&self, scope: &str) -> Result<(DataKey, WrappedKey)> {
        let alg = self.algorithm;
        let id = random::<KEY_ID_LEN>();
        let secret = Zeroizing::new(match alg {
            Algorithm::Sm4Gcm => random::<16>().to_vec(),
            Algorithm::Aes256Gcm => random::<32>().to_vec(),
        });
        let id_hex = hex::encode(id);
        let (master_key_id, wrapped) = self.provider.wrap(alg, &secret, &wrap_aad(&id_hex, scope, alg))?;
        let key = DataKey { id, scope: scope.to_owned(), algorithm: alg, secret };
        let stored = WrappedKey {
            id: id_hex,
            scope: scope.to_owned(),
            algorithm: alg,
            master_key_id,
            wrapped,
            state: KeyState::Active,
        };
        Ok((key, stored))
    }

    /// Make a key usable; `current` makes it the one new data of its scope is encrypted under.
    pub fn install(&self, key: DataKey, current: bool) -> Arc<DataKey> {
        let key = Arc::new(key);
        let mut s = self.write();
        if current {
            s.current.insert(key.scope.clone(), key.id);
        }
        s.keys.insert(key.id, Arc::clone(&key));
        key
    }

    /// Unwrap and install a stored key (a destroyed one is only remembered as destroyed). Load
    /// a scope's keys oldest first: the last active one becomes current.
    pub fn load(&self, w: &WrappedKey) -> Result<()> {
        let id = parse_id(&w.id)?;
        if w.state == KeyState::Destroyed {
            let mut s = self.write();
            s.keys.remove(&id);
            if s.current.get(&w.scope) == Some(&id) {
                s.current.remove(&w.scope);
            }
            s.destroyed.insert(id, w.scope.clone());
            return Ok(());
        }
        let secret = self.unwrap(w)?;
        let key = DataKey { id, scope: w.scope.clone(), algorithm: w.algorithm, secret };
        self.install(key, w.state == KeyState::Active);
        Ok(())
    }

    fn unwrap(&self, w: &WrappedKey) -> Result<Zeroizing<Vec<u8>>> {
        let secret =
            self.provider.unwrap(&w.master_key_id, w.algorithm, &w.wrapped, &wrap_aad(&w.id, &w.scope, w.algorithm))?;
        if secret.len() != w.algorithm.key_len() {
            return Err(CryptoError::Format(format!("data key {} has the wrong length", w.id)));
        }
        Ok(secret)
    }

    /// The same key wrapped under the provider's current master key (master-key rotation: the
    /// data key, and so every file and value it encrypted, stays as it is).
    pub fn rewrap(&self, w: &WrappedKey) -> Result<WrappedKey> {
        if w.state == KeyState::Destroyed {
            return Ok(w.clone());
        }
        let secret = self.unwrap(w)?;
        let (master_key_id, wrapped) =
            self.provider.wrap(w.algorithm, &secret, &wrap_aad(&w.id, &w.scope, w.algorithm))?;
        Ok(WrappedKey { master_key_id, wrapped, ..w.clone() })
    }

    /// The current key of `scope`, if it has one.
    pub fn current(&self, scope: &str) -> Option<Arc<DataKey>> {
        let s = self.read();
        s.current.get(scope).and_then(|id| s.keys.get(id)).cloned()
    }

    /// The key with this id: [`CryptoError::Destroyed`] if it was shredded,
    /// [`CryptoError::UnknownKey`] if this node never saw it.
    pub fn get(&self, id: &[u8; KEY_ID_LEN]) -> Result<Arc<DataKey>> {
        let s = self.read();
        if let Some(k) = s.keys.get(id) {
            return Ok(Arc::clone(k));
        }
        match s.destroyed.get(id) {
            Some(scope) => Err(CryptoError::Destroyed(format!("{} of {scope}", hex::encode(id)))),
            None => Err(CryptoError::UnknownKey(hex::encode(id))),
        }
    }

    /// Whether the key with this hex id is known (in memory or destroyed).
    pub fn knows(&self, hex_id: &str) -> bool {
        parse_id(hex_id).is_ok_and(|id| {
            let s = self.read();
            s.keys.contains_key(&id) || s.destroyed.contains_key(&id)
        })
    }

    /// Whether the key with this hex id is held in memory (known and not destroyed).
    pub fn holds(&self, hex_id: &str) -> bool {
        parse_id(hex_id).is_ok_and(|id| self.read().keys.contains_key(&id))
    }

    /// Whether every key of `scope` was shredded (and it had some).
    pub fn is_destroyed(&self, scope: &str) -> bool {
        let s = self.read();
        s.destroyed.values().any(|sc| sc == scope) && !s.keys.values().any(|k| k.scope == scope)
    }

    /// Forget every key of `scope` (their bytes are zeroed once no reader holds them): what they
    /// encrypted can no longer be read on this node. The store's copy is the caller's to remove.
    pub fn shred(&self, scope: &str) -> Vec<String> {
        let mut s = self.write();
        let ids: Vec<[u8; KEY_ID_LEN]> = s.keys.values().filter(|k| k.scope == scope).map(|k| k.id).collect();
        for id in &ids {
            s.keys.remove(id);
            s.destroyed.insert(*id, scope.to_owned());
        }
        s.current.remove(scope);
        ids.iter().map(hex::encode).collect()
    }

    /// Forget one key (a retired key no file uses any more).
    pub fn shred_key(&self, hex_id: &str) -> Result<()> {
        let id = parse_id(hex_id)?;
        let mut s = self.write();
        if let Some(k) = s.keys.remove(&id) {
            if s.current.get(&k.scope) == Some(&id) {
                s.current.remove(&k.scope);
            }
            s.destroyed.insert(id, k.scope.clone());
        }
        Ok(())
    }

    /// Seal a short value (a metadata column) under the current key of `scope`: `zsenc1:` and
    /// base64url(key id ‖ nonce ‖ ciphertext ‖ tag). `aad` (e.g. the column's name) must be
    /// given again to open it, so a value copied into another column does not open.
    pub fn seal_value(&self, scope: &str, aad: &str, plain: &[u8]) -> Result<String> {
        let key = self.current(scope).ok_or_else(|| CryptoError::UnknownKey(format!("no current key for {scope}")))?;
        let nonce = random::<NONCE_LEN>();
        let mut out = key.id.to_vec();
        out.extend_from_slice(&nonce);
        out.extend(key.algorithm.seal(key.secret(), &nonce, &value_aad(aad), plain)?);
        Ok(format!("{SEALED_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)))
    }

    /// Open a value [`Keyring::seal_value`] made.
    pub fn open_value(&self, sealed: &str, aad: &str) -> Result<Zeroizing<Vec<u8>>> {
        let body =
            sealed.strip_prefix(SEALED_PREFIX).ok_or_else(|| CryptoError::Format("not a sealed value".into()))?;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CryptoError::Format("a sealed value is not base64url".into()))?;
        if raw.len() < KEY_ID_LEN + NONCE_LEN {
            return Err(CryptoError::Format("sealed value too short".into()));
        }
        let (id, rest) = raw.split_at(KEY_ID_LEN);
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let id: [u8; KEY_ID_LEN] = id.try_into().map_err(|_| CryptoError::Format("key id".into()))?;
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Format("nonce".into()))?;
        let key = self.get(&id)?;
        Ok(Zeroizing::new(key.algorithm.open(key.secret(), nonce, &value_aad(aad), ct)?))
    }
}

/// Whether `s` is a sealed value.
pub fn is_sealed(s: &str) -> bool {
    s.starts_with(SEALED_PREFIX)
}

fn value_aad(aad: &str) -> Vec<u8> {
    format!("zhengshu value\0{aad}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::master::LocalMasterKeys;

    fn ring(alg: Algorithm) -> Keyring {
        let text = format!("{}\n{}", "ab".repeat(32), "cd".repeat(32));
        Keyring::new(Arc::new(LocalMasterKeys::from_text(&text).unwrap()), alg)
    }

    #[test]
    fn values_round_trip_bound_to_their_column() {
        for alg in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
            let r = ring(alg);
            let (k, _) = r.generate(META_SCOPE).unwrap();
            r.install(k, true);
            let sealed = r.seal_value(META_SCOPE, "schedules.spec", b"postgres://u:pw@h/db").unwrap();
            // Not "pw" alone: random ciphertext in base64 spells any two letters now and then.
            assert!(is_sealed(&sealed) && !sealed.contains(":pw@") && !sealed.contains("postgres"));
            assert_eq!(&*r.open_value(&sealed, "schedules.spec").unwrap(), b"postgres://u:pw@h/db");
            assert_eq!(r.open_value(&sealed, "live_sources.spec").unwrap_err(), CryptoError::Tampered);
            let mut bad = sealed.clone().into_bytes();
            let last = bad.len() - 3;
            bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
            assert!(r.open_value(std::str::from_utf8(&bad).unwrap(), "schedules.spec").is_err());
        }
    }

    #[test]
    fn load_rotate_rewrap_and_shred() {
        let r = ring(Algorithm::Sm4Gcm);
        let (k1, mut w1) = r.generate("people").unwrap();
        let k1 = r.install(k1, true);
        let (k2, w2) = r.generate("people").unwrap();
        r.install(k2, true);
        w1.state = KeyState::Retired;
        // A second node loads the stored forms, oldest first.
        let other = ring(Algorithm::Sm4Gcm);
        other.load(&w1).unwrap();
        other.load(&w2).unwrap();
        assert_eq!(other.current("people").unwrap().id_hex(), w2.id);
        assert!(other.get(k1.id()).is_ok());
        // Re-wrapped under the other master key: same key inside.
        let provider = LocalMasterKeys::from_text(&format!("{}\n{}", "cd".repeat(32), "ab".repeat(32))).unwrap();
        let rotated = Keyring::new(Arc::new(provider), Algorithm::Sm4Gcm);
        let w1b = rotated.rewrap(&w1).unwrap();
        assert_ne!(w1b.master_key_id, w1.master_key_id);
        rotated.load(&w1b).unwrap();
        assert_eq!(rotated.get(k1.id()).unwrap().secret(), k1.secret());
        // A wrapped key moved to another scope does not unwrap.
        let moved = WrappedKey { scope: "other".into(), ..w2.clone() };
        assert_eq!(other.load(&moved).unwrap_err(), CryptoError::Tampered);
        // Shredding.
        assert_eq!(other.shred("people").len(), 2);
        assert!(matches!(other.get(k1.id()), Err(CryptoError::Destroyed(_))));
        assert!(other.current("people").is_none() && other.is_destroyed("people"));
        assert!(matches!(other.get(&[9; 16]), Err(CryptoError::UnknownKey(_))));
        assert!(!format!("{:?}", other.get(k1.id())).contains(&hex::encode(k1.secret())));
    }
}
