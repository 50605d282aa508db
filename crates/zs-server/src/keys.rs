//! The master key source and the keyring, from the `encryption*` and `master_key_*` settings.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use zs_config::{Config, Mode};
use zs_crypto::{Algorithm, KeyProvider, Keyring, LocalMasterKeys};

/// The default key file in the data directory (demo mode makes it on first start).
pub fn default_master_key_file(config: &Config) -> PathBuf {
    config.data_dir.join("keys").join("master.key")
}

/// The master keys the configuration names: the environment variable, else the file; with
/// neither, the data directory's key file — made on first start in demo mode only. Production
/// never makes a master key by itself: it uses one given explicitly, or one already made with
/// `zhengshu keys init` (a warning then says it sits beside the data).
pub fn master_keys(config: &Config) -> anyhow::Result<LocalMasterKeys> {
    if !config.master_key_env.is_empty() {
        return LocalMasterKeys::from_env(&config.master_key_env).context("the master key (master_key_env)");
    }
    if !config.master_key_file.as_os_str().is_empty() {
        let path = &config.master_key_file;
        if !path.exists() && config.mode == Mode::Demo {
            return LocalMasterKeys::create_file(path).context("creating the master key file");
        }
        return LocalMasterKeys::from_file(path).context("the master key (master_key_file)");
    }
    let path = default_master_key_file(config);
    if path.exists() {
        if config.mode == Mode::Production {
            tracing::warn!(file = %path.display(), "the master key is kept in the data directory; set master_key_file to a key kept apart from the data (see docs/encryption.md)");
        }
        return LocalMasterKeys::from_file(&path).context("the master key");
    }
    if config.mode == Mode::Demo {
        tracing::info!(file = %path.display(), "master key created");
        return LocalMasterKeys::create_file(&path).context("creating the master key file");
    }
    anyhow::bail!(
        "encryption at rest needs a master key in production: set master_key_file (make one with `zhengshu keys init FILE`) \
         or master_key_env, or set encryption = false"
    )
}

/// The keyring of this node, or `None` with encryption switched off.
pub fn keyring(config: &Config) -> anyhow::Result<Option<Arc<Keyring>>> {
    if !config.encryption {
        tracing::warn!("encryption at rest is switched off (encryption = false)");
        return Ok(None);
    }
    let algorithm = Algorithm::from_name(&config.encryption_cipher).map_err(|e| anyhow::anyhow!("{e}"))?;
    let provider: Arc<dyn KeyProvider> = Arc::new(master_keys(config)?);
    tracing::info!(cipher = algorithm.name(), master = %provider.current_id(), "encryption at rest");
    Ok(Some(Arc::new(Keyring::new(provider, algorithm))))
}

/// Load the data keys into the keyring (once), before anything reads a table.
pub async fn load(state: &zs_http::AppState) -> anyhow::Result<()> {
    if let Some(k) = state.ingest.keys() {
        k.load().await.map_err(|e| anyhow::anyhow!("loading the data keys: {}", e.message))?;
    }
    Ok(())
}
