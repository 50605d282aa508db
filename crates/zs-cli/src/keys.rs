//! `zhengshu keys`: make a master key file, list the data keys, rotate the master key without
//! stopping the servers, and retire old master keys once nothing is wrapped under them.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::sync::Arc;

use clap::Subcommand;
use zs_crypto::{Algorithm, KeyProvider, Keyring, LocalMasterKeys};
use zs_ingest::keys::KeyService;

use crate::ConfigArgs;

/// What `zhengshu keys` does.
#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Make a new master key file (mode 0600) at FILE; set `master_key_file` to it.
    Init {
        /// Where to write it (refused if it exists).
        file: PathBuf,
    },
    /// List the data keys (ids, scopes, states, master key ids; never key bytes).
    List,
    /// Put a new master key first in the key file and re-wrap every data key under it. Running
    /// servers go on working (they hold their data keys); restart them to wrap new keys under it.
    RotateMaster,
    /// Re-wrap any data key still under an older master key, then remove the older master keys
    /// from the key file. Run once every server has restarted after `rotate-master`.
    RetireMaster,
}

pub(crate) async fn run(config: ConfigArgs, action: KeysCommand) -> anyhow::Result<()> {
    if let KeysCommand::Init { file } = &action {
        let keys = LocalMasterKeys::create_file(file).map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("master key {} written to {}", keys.current_id(), file.display());
        return Ok(());
    }
    let cfg = config.load(&[])?;
    zs_server::init_tracing("warn", &cfg.log_format);
    if !cfg.master_key_env.is_empty() && !matches!(action, KeysCommand::List) {
        anyhow::bail!(
            "the master key comes from ${}: put a new key first in that variable (keys separated by commas), restart, \
             and run this with master_key_file instead",
            cfg.master_key_env
        );
    }
    let path = match cfg.master_key_file.as_os_str().is_empty() {
        true => zs_server::keys::default_master_key_file(&cfg),
        false => cfg.master_key_file.clone(),
    };
    let store = zs_server::open_store(&cfg).await?;
    let algorithm = Algorithm::from_name(&cfg.encryption_cipher).map_err(|e| anyhow::anyhow!("{e}"))?;
    let service = |provider: LocalMasterKeys| {
        let ring = Arc::new(Keyring::new(Arc::new(provider), algorithm));
        KeyService::new(store.clone(), ring, zs_server::system_clock())
    };
    match action {
        KeysCommand::Init { .. } => Ok(()),
        KeysCommand::List => {
            let keys = service(zs_server::keys::master_keys(&cfg)?);
            for k in keys.list().await.map_err(crate::err)? {
                println!("{}  {:<10} {:<12} master {}  {}", k.id, k.state, k.algorithm, k.master_key_id, k.scope);
            }
            Ok(())
        }
        KeysCommand::RotateMaster => {
            let rotated = LocalMasterKeys::rotate_file(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
            let current = rotated.current_id();
            let n = service(rotated).rewrap_all().await.map_err(crate::err)?;
            println!(
                "master key {current} is current in {}; {n} data key(s) re-wrapped under it. Restart each server, then run \
                 `zhengshu keys retire-master`.",
                path.display()
            );
            Ok(())
        }
        KeysCommand::RetireMaster => {
            let keys = LocalMasterKeys::from_file(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
            let current = keys.current_id();
            let svc = service(keys);
            let n = svc.rewrap_all().await.map_err(crate::err)?;
            let left: Vec<String> = svc
                .list()
                .await
                .map_err(crate::err)?
                .into_iter()
                .filter(|k| k.state != "destroyed" && k.master_key_id != current)
                .map(|k| k.id)
                .collect();
            if !left.is_empty() {
                anyhow::bail!("data keys {} are still wrapped under an older master key", left.join(", "));
            }
            LocalMasterKeys::retain_in_file(&path, std::slice::from_ref(&current))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{n} data key(s) re-wrapped; {} now holds only master key {current}", path.display());
            Ok(())
        }
    }
}
