//! `zhengshu audit …` (verify a ledger offline, make keys) and `zhengshu witness` (run a cosigner).

use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use zs_ledger::note::{Algorithm, Role, Signer, Verifier};
use zs_ledger::witness::{KnownLog, Witness};
use zs_ledger::HashProfile;

/// `zhengshu audit …`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Re-check a whole ledger directory offline (or a copy of it): recompute the tree from the
    /// entries, check every signed checkpoint, report the first bad entry. With `--bundle FILE`,
    /// check an evidence bundle (证据包) exported by the tracing API instead: every record's
    /// inclusion proof against the bundle's signed checkpoint, and each record against its entry.
    Verify(VerifyArgs),
    /// Make a signing key: writes PREFIX.key (secret, mode 0600) and PREFIX.pub (verifier key).
    Keygen(KeygenArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The ledger directory (holding log.json, entries.bin, tree.bin, checkpoint…).
    #[arg(required_unless_present = "bundle", conflicts_with = "bundle")]
    dir: Option<PathBuf>,
    /// An evidence bundle (JSON) to check instead of a ledger directory.
    #[arg(long)]
    bundle: Option<PathBuf>,
    /// The log's verifier key, pinned (`name+id+base64`); otherwise log.json's copy is used.
    #[arg(long)]
    key: Option<String>,
    /// File holding the log's verifier key.
    #[arg(long, conflicts_with = "key")]
    key_file: Option<PathBuf>,
    /// A witness's verifier key, to check `checkpoint.published` (repeatable).
    #[arg(long = "witness-key")]
    witness_keys: Vec<String>,
    /// Witness cosignatures required on `checkpoint.published`.
    #[arg(long, default_value_t = 0)]
    quorum: usize,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Key name (for a log: its origin, e.g. `zhengshu.xining.gov.cn/ledger`).
    #[arg(long)]
    name: String,
    /// `sm2` (default) or `ed25519`.
    #[arg(long, default_value = "sm2")]
    alg: String,
    /// Make a witness (cosigner) key instead of a log key.
    #[arg(long)]
    witness: bool,
    /// Path prefix of the two files written.
    #[arg(long)]
    out: PathBuf,
}

fn alg(s: &str) -> anyhow::Result<Algorithm> {
    Algorithm::parse(s).with_context(|| format!("unknown algorithm '{s}' (sm2 or ed25519)"))
}

pub(crate) fn keygen(a: &KeygenArgs) -> anyhow::Result<String> {
    let role = if a.witness { Role::Cosigner } else { Role::Note };
    let signer = Signer::generate(&a.name, alg(&a.alg)?, role).map_err(|e| anyhow::anyhow!("{e}"))?;
    let key_path = a.out.with_extension("key");
    let pub_path = a.out.with_extension("pub");
    zs_ledger::note::write_secret_file(&key_path, &signer.to_key_string())
        .with_context(|| format!("writing {} (it must not exist yet)", key_path.display()))?;
    let vkey = signer.verifier().to_key_string();
    std::fs::write(&pub_path, format!("{vkey}\n")).with_context(|| format!("writing {}", pub_path.display()))?;
    Ok(vkey)
}

pub(crate) fn run_audit(cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Keygen(a) => {
            let vkey = keygen(&a)?;
            println!("{vkey}");
            eprintln!(
                "secret key written to {} (mode 0600); verifier key to {}",
                a.out.with_extension("key").display(),
                a.out.with_extension("pub").display()
            );
            Ok(())
        }
        AuditCommand::Verify(a) => {
            let key = match (&a.key, &a.key_file) {
                (Some(k), _) => Some(k.clone()),
                (None, Some(f)) => {
                    Some(std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?)
                }
                _ => None,
            };
            let key = key
                .map(|k| Verifier::from_key_string(k.trim()))
                .transpose()
                .map_err(|e| anyhow::anyhow!("log key: {e}"))?;
            let wk = a
                .witness_keys
                .iter()
                .map(|k| Verifier::from_key_string(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("witness key: {e}"))?;
            if let Some(b) = &a.bundle {
                return verify_bundle(b, key.as_ref(), a.json);
            }
            let dir = a.dir.as_deref().context("give a ledger directory or --bundle FILE")?;
            let r =
                zs_ledger::verify::verify_dir(dir, key.as_ref(), &wk, a.quorum).map_err(|e| anyhow::anyhow!("{e}"))?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!("log        {} ({}, key from {})", r.origin, r.hash, r.key_source);
                println!("checkpoint size {} root {}", r.size, r.root);
                println!("checked    {} entries, {} signed checkpoints", r.entries_checked, r.checkpoints_checked);
                if !r.cosignatures.is_empty() {
                    println!("witnesses  {}", r.cosignatures.join(", "));
                }
                for p in &r.problems {
                    println!("problem    {p}");
                }
                if let Some(i) = r.first_bad_entry {
                    println!("first bad entry: {i}");
                } else if let Some((from, to)) = r.bad_range {
                    println!("first bad entry lies in [{from}, {to})");
                }
                println!("{}", if r.ok { "OK" } else { "FAILED" });
            }
            if r.ok {
                Ok(())
            } else {
                anyhow::bail!("the ledger does not verify")
            }
        }
    }
}

/// `zhengshu audit verify --bundle FILE`.
fn verify_bundle(path: &std::path::Path, key: Option<&Verifier>, json: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let r = zs_ledger::bundle::verify_bundle(&text, key).map_err(|e| anyhow::anyhow!("{e}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!("bundle     {} ({} records)", r.subject, r.items);
        println!("log        {} ({}, key from {})", r.origin, r.hash, r.key_source);
        println!("checkpoint size {} root {}", r.size, r.root);
        println!("proven     {} of {} records", r.items_proven, r.items);
        for p in &r.problems {
            println!("problem    {p}");
        }
        println!("{}", if r.ok { "OK" } else { "FAILED" });
    }
    if r.ok {
        Ok(())
    } else {
        anyhow::bail!("the evidence bundle does not verify")
    }
}

/// `zhengshu witness`.
#[derive(Debug, Args)]
pub(crate) struct WitnessArgs {
    /// State directory: the witness key (`witness.key`, made on first start) and the latest
    /// cosigned checkpoint per log.
    #[arg(long)]
    dir: PathBuf,
    /// Address and port to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:7380")]
    listen: String,
    /// Witness key name when a key is made (e.g. `shenji.xining.gov.cn/witness`).
    #[arg(long, default_value = "zhengshu-witness")]
    name: String,
    /// Algorithm when a key is made: `sm2` (default) or `ed25519`.
    #[arg(long, default_value = "sm2")]
    alg: String,
    /// A log to witness: its verifier key, whose name is the log's origin; append `@sha256` for a
    /// SHA-256 log (default SM3). Repeatable.
    #[arg(long = "log", required = true)]
    logs: Vec<String>,
}

pub(crate) async fn run_witness(a: WitnessArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&a.dir).with_context(|| format!("creating {}", a.dir.display()))?;
    let key_path = a.dir.join("witness.key");
    if !key_path.exists() {
        keygen(&KeygenArgs { name: a.name.clone(), alg: a.alg.clone(), witness: true, out: a.dir.join("witness") })?;
    }
    let signer = Signer::from_key_string(&std::fs::read_to_string(&key_path)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", key_path.display()))?;
    let mut logs = Vec::new();
    for l in &a.logs {
        let (k, profile) = match l.rsplit_once('@') {
            Some((k, h)) => (k, HashProfile::parse(h).with_context(|| format!("unknown hash '{h}'"))?),
            None => (l.as_str(), HashProfile::Sm3),
        };
        let key = Verifier::from_key_string(k).map_err(|e| anyhow::anyhow!("log key: {e}"))?;
        logs.push((key.name().to_owned(), KnownLog { key, profile }));
    }
    let witness = Arc::new(Witness::new(signer, logs, &a.dir.join("logs"))?);
    let listener = tokio::net::TcpListener::bind(&a.listen).await.with_context(|| format!("binding {}", a.listen))?;
    println!("witness key {}", witness.verifier().to_key_string());
    println!("listening on http://{}", listener.local_addr()?);
    use std::io::Write as _;
    std::io::stdout().flush()?;
    tokio::select! {
        r = zs_ledger::witness::serve(witness, listener) => r.context("serving")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
