//! The data keys of resource tables and of sealed metadata columns: loaded from the store into
//! the keyring at start, created before a table's first write, rotated, re-wrapped under a new
//! master key, shredded on destruction. The keyring (`zs-crypto`) holds them in memory; the
//! store holds them wrapped (never in clear).

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine;
use serde::Serialize;
use zs_crypto::{Algorithm, CryptoError, KeyState, Keyring, WrappedKey, META_SCOPE};
use zs_meta::keys::DataKeyRow;
use zs_meta::DynStore;
use zs_types::{Clock, Error, ErrorCode, Result};

/// A data key as shown to the security administrator: ids, states and times, never bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyView {
    /// Key id (hex).
    pub id: String,
    /// A resource table's name, or `meta`.
    pub scope: String,
    /// `sm4-gcm` or `aes-256-gcm`.
    pub algorithm: String,
    /// The master key it is wrapped under.
    pub master_key_id: String,
    /// `active`, `retired` or `destroyed`.
    pub state: String,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// When a newer key replaced it.
    pub retired_at: Option<i64>,
    /// When it was shredded.
    pub destroyed_at: Option<i64>,
}

impl From<&DataKeyRow> for KeyView {
    fn from(r: &DataKeyRow) -> Self {
        Self {
            id: r.id.clone(),
            scope: r.scope.clone(),
            algorithm: r.algorithm.clone(),
            master_key_id: r.master_key_id.clone(),
            state: r.state.clone(),
            created_at: r.created_at,
            retired_at: r.retired_at,
            destroyed_at: r.destroyed_at,
        }
    }
}

/// A crypto error as the caller should see it (never with key material: there is none in it).
pub fn crypto_error(e: CryptoError) -> Error {
    match e {
        CryptoError::Destroyed(m) => Error::new(ErrorCode::DataDestroyed, format!("the data was destroyed (key {m})")),
        other => {
            tracing::error!(error = %other, "encryption");
            Error::internal(format!("encryption: {other}"))
        }
    }
}

fn to_wrapped(r: &DataKeyRow) -> Result<WrappedKey> {
    Ok(WrappedKey {
        id: r.id.clone(),
        scope: r.scope.clone(),
        algorithm: Algorithm::from_name(&r.algorithm).map_err(crypto_error)?,
        master_key_id: r.master_key_id.clone(),
        wrapped: base64::engine::general_purpose::STANDARD
            .decode(&r.wrapped)
            .map_err(|_| Error::internal(format!("data key {} is not base64", r.id)))?,
        state: KeyState::from_name(&r.state).map_err(crypto_error)?,
    })
}

fn to_row(w: &WrappedKey, now: i64) -> DataKeyRow {
    DataKeyRow {
        id: w.id.clone(),
        scope: w.scope.clone(),
        algorithm: w.algorithm.name().to_owned(),
        master_key_id: w.master_key_id.clone(),
        wrapped: base64::engine::general_purpose::STANDARD.encode(&w.wrapped),
        state: w.state.name().to_owned(),
        created_at: now,
        retired_at: None,
        destroyed_at: None,
    }
}

/// The keys of one node: its keyring and the store's wrapped copies.
pub struct KeyService {
    store: DynStore,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    /// One key change at a time on this node (two first writes of a resource make one key).
    change: tokio::sync::Mutex<()>,
    loaded: tokio::sync::OnceCell<()>,
}

impl std::fmt::Debug for KeyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyService").field("keyring", &self.keyring).finish_non_exhaustive()
    }
}

impl KeyService {
    /// A service over `keyring` and the store's wrapped keys; nothing is read until
    /// [`KeyService::load`].
    pub fn new(store: DynStore, keyring: Arc<Keyring>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self {
            store,
            keyring,
            clock,
            change: tokio::sync::Mutex::new(()),
            loaded: tokio::sync::OnceCell::new(),
        })
    }

    /// Load every stored key into the keyring (once), make the `meta` key if there is none, and
    /// install the keyring as the store's sealer of sensitive columns (sealing values stored in
    /// clear before). Fails if a stored key cannot be unwrapped (wrong or missing master key).
    pub async fn load(&self) -> Result<()> {
        self.loaded
            .get_or_try_init(|| async {
                self.refresh().await?;
                self.ensure_loaded(META_SCOPE).await?;
                self.store.sealing().set(Arc::new(KeyringSealer(Arc::clone(&self.keyring))));
                let sealed = self.store.reseal_secrets(false).await?;
                if sealed > 0 {
                    tracing::info!(sealed, "stored secrets sealed");
                }
                Ok::<(), Error>(())
            })
            .await
            .map(|_| ())
    }

    /// The keyring.
    pub fn keyring(&self) -> &Arc<Keyring> {
        &self.keyring
    }

    /// Load keys this node does not know yet (made or destroyed by another node). Returns how
    /// many were new.
    pub async fn refresh(&self) -> Result<usize> {
        let rows = self.store.data_keys().await?;
        let mut new = 0;
        for r in &rows {
            let known = self.keyring.knows(&r.id);
            let destroyed_now = r.state == "destroyed" && self.keyring.holds(&r.id);
            let retired_now =
                r.state == "retired" && self.keyring.current(&r.scope).is_some_and(|k| k.id_hex() == r.id);
            if !known || destroyed_now || retired_now {
                self.keyring.load(&to_wrapped(r)?).map_err(|e| {
                    tracing::error!(key = %r.id, scope = %r.scope, error = %e, "a data key cannot be unwrapped");
                    Error::internal(format!(
                        "data key {} of {} cannot be unwrapped: {e} (is the right master key configured?)",
                        r.id, r.scope
                    ))
                })?;
                new += 1;
            }
        }
        // A key retired elsewhere leaves its successor current: load order is oldest first.
        for r in rows.iter().filter(|r| r.state == "active") {
            if self.keyring.current(&r.scope).is_none_or(|k| k.id_hex() != r.id) {
                self.keyring.load(&to_wrapped(r)?).map_err(crypto_error)?;
            }
        }
        Ok(new)
    }

    /// Make sure `scope` has a current key (before its first encrypted write).
    pub async fn ensure(&self, scope: &str) -> Result<()> {
        self.load().await?;
        self.ensure_loaded(scope).await
    }

    async fn ensure_loaded(&self, scope: &str) -> Result<()> {
        if self.keyring.current(scope).is_some() {
            return Ok(());
        }
        let _one = self.change.lock().await;
        if self.keyring.current(scope).is_some() {
            return Ok(());
        }
        if self.keyring.is_destroyed(scope) {
            return Err(Error::new(
                ErrorCode::DataDestroyed,
                format!("{scope} was destroyed; it takes no new data (catalogue a new resource)"),
            ));
        }
        let (key, wrapped) = self.keyring.generate(scope).map_err(crypto_error)?;
        match self.store.add_data_key(&to_row(&wrapped, self.now()), false).await {
            Ok(()) => {
                self.keyring.install(key, true);
                tracing::info!(scope, key = %wrapped.id, algorithm = wrapped.algorithm.name(), "data key created");
                Ok(())
            }
            // Another node made it first: use theirs.
            Err(e) if e.code == ErrorCode::AlreadyExists => {
                self.refresh().await?;
                self.keyring.current(scope).map(|_| ()).ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Data-key rotation: a new current key for `scope`; files and values already written keep
    /// their key (retired, still readable) until nothing uses it. Returns the new key's id.
    pub async fn rotate(&self, scope: &str) -> Result<String> {
        self.load().await?;
        let _one = self.change.lock().await;
        if self.keyring.is_destroyed(scope) {
            return Err(Error::new(ErrorCode::DataDestroyed, format!("{scope} was destroyed")));
        }
        let (key, wrapped) = self.keyring.generate(scope).map_err(crypto_error)?;
        self.store.add_data_key(&to_row(&wrapped, self.now()), true).await?;
        self.keyring.install(key, true);
        tracing::info!(scope, key = %wrapped.id, "data key rotated");
        Ok(wrapped.id)
    }

    /// Master-key rotation: every data key wrapped again under the provider's current master
    /// key. Data keys (and so every file and value) stay as they are; reads go on throughout.
    /// Returns how many keys were re-wrapped.
    pub async fn rewrap_all(&self) -> Result<u64> {
        let _one = self.change.lock().await;
        let current = self.keyring.provider().current_id();
        let mut n = 0;
        for r in self.store.data_keys().await? {
            if r.state == "destroyed" || r.master_key_id == current {
                continue;
            }
            let w = self.keyring.rewrap(&to_wrapped(&r)?).map_err(crypto_error)?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&w.wrapped);
            if self.store.rewrap_data_key(&r.id, &w.master_key_id, &b64).await? {
                n += 1;
            }
        }
        tracing::info!(rewrapped = n, master = %current, "data keys re-wrapped");
        Ok(n)
    }

    /// Shred every key of `scope` (store and memory). Returns the ids shredded.
    pub async fn shred_scope(&self, scope: &str) -> Result<Vec<String>> {
        self.load().await?;
        let _one = self.change.lock().await;
        let ids: Vec<String> = self
            .store
            .data_keys_of(scope)
            .await?
            .into_iter()
            .filter(|r| r.state != "destroyed")
            .map(|r| r.id)
            .collect();
        self.store.destroy_data_keys(&ids, self.now()).await?;
        self.keyring.shred(scope);
        tracing::info!(scope, keys = ids.len(), "data keys shredded");
        Ok(ids)
    }

    /// Shred the retired keys of `scope` that no file uses any more (`in_use`: the key ids of
    /// the files of every remaining version). The current key is never shredded here.
    pub async fn shred_unused(&self, scope: &str, in_use: &BTreeSet<String>) -> Result<Vec<String>> {
        self.load().await?;
        let _one = self.change.lock().await;
        let ids: Vec<String> = self
            .store
            .data_keys_of(scope)
            .await?
            .into_iter()
            .filter(|r| r.state == "retired" && !in_use.contains(&r.id))
            .map(|r| r.id)
            .collect();
        self.store.destroy_data_keys(&ids, self.now()).await?;
        for id in &ids {
            self.keyring.shred_key(id).map_err(crypto_error)?;
        }
        Ok(ids)
    }

    /// Every key, oldest first (ids and states only).
    pub async fn list(&self) -> Result<Vec<KeyView>> {
        Ok(self.store.data_keys().await?.iter().map(KeyView::from).collect())
    }

    fn now(&self) -> i64 {
        zs_types::clock::to_ms(self.clock.now())
    }
}

impl crate::IngestService {
    /// Rotate the data key of a resource (by code) or of the sealed metadata columns (`meta`,
    /// whose stored values are sealed again under the new key). Returns (scope, new key id,
    /// values re-sealed).
    pub async fn rotate_key(
        &self,
        pass: &zs_identity::Authorized<zs_identity::policy::KeyManage>,
        scope: &str,
    ) -> Result<(String, String, u64)> {
        let keys = self.keys.as_ref().ok_or_else(|| {
            Error::new(ErrorCode::Conflict, "encryption is switched off (encryption = false): there are no keys")
        })?;
        let (target, key_scope) = if scope == META_SCOPE {
            (META_SCOPE.to_owned(), META_SCOPE.to_owned())
        } else {
            let read = self
                .identity
                .authorize::<zs_identity::policy::CatalogRead>(&pass.principal_arc(), pass.request_id())
                .await?;
            let entry =
                self.catalog.get_by_code(&read, scope).await.map_err(|e| Error { field: Some("scope".into()), ..e })?;
            (entry.code.clone(), crate::IngestService::key_scope(&entry.code))
        };
        let id = keys.rotate(&key_scope).await?;
        let resealed = if key_scope == META_SCOPE { self.store.reseal_secrets(true).await? } else { 0 };
        self.record(
            pass.principal(),
            pass.request_id(),
            "keys.manage",
            &target,
            zs_types::Outcome::Succeeded,
            serde_json::json!({ "op": "rotate", "key": id, "resealed": resealed }),
        )
        .await?;
        Ok((target, id, resealed))
    }
}

/// The keyring as the metadata store's sealer: values sealed under the `meta` key, bound to
/// their column.
pub struct KeyringSealer(pub Arc<Keyring>);

impl zs_types::seal::Sealer for KeyringSealer {
    fn seal(&self, column: &str, plain: &str) -> Result<String> {
        self.0.seal_value(META_SCOPE, column, plain.as_bytes()).map_err(crypto_error)
    }

    fn open(&self, column: &str, sealed: &str) -> Result<String> {
        let plain = self.0.open_value(sealed, column).map_err(crypto_error)?;
        String::from_utf8(plain.to_vec()).map_err(|_| Error::internal(format!("{column}: a sealed value is not text")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_sealed_prefix() {
        assert_eq!(zs_crypto::SEALED_PREFIX, zs_types::seal::SEALED_PREFIX);
    }
}
