//! `zhengshu`: the one binary. `demo` runs the demo city, `serve` runs from configuration,
//! `migrate` applies store migrations, `audit verify` re-checks a ledger offline, `witness` runs a cosigner, `admin` manages organisations, accounts and credentials on
//! the server itself, `config example` prints the documented configuration.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod admin;
mod catalogue;
mod demo;
mod ingest;
mod keys;
mod ledger;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use zs_config::Config;

/// zhengshu (政数): the city government's integrated data platform.
#[derive(Debug, Parser)]
#[command(
    name = "zhengshu",
    version,
    about = "zhengshu (政数): the city government's integrated data platform",
    long_about = "zhengshu (政数): the city government's integrated data platform.\n\n\
        Quick start: `zhengshu demo` serves the demo city of Xining on http://127.0.0.1:8080.\n\
        Production: `zhengshu config example > zhengshu.toml`, `zhengshu admin -c zhengshu.toml init ...`, \
        `zhengshu serve -c zhengshu.toml`.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create (or reuse) a data directory with the demo city of Xining and serve it.
    Demo(DemoArgs),
    /// Serve from configuration: file < ZS_* environment < flags.
    Serve(ConfigArgs),
    /// Apply pending metadata store migrations and exit.
    Migrate(ConfigArgs),
    /// Administer organisations, accounts and API credentials directly on the server.
    Admin {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(subcommand)]
        action: admin::AdminCommand,
    },
    /// Encryption keys (密钥): make a master key, list data keys, rotate and retire master keys.
    Keys {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(subcommand)]
        action: keys::KeysCommand,
    },
    /// Import, export and search the data catalogue (数据目录).
    Catalogue {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(subcommand)]
        action: catalogue::CatalogueCommand,
    },
    /// Hand in a CSV file (UTF-8 or GB18030) for a published catalogue entry (归集).
    Ingest {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        args: ingest::IngestArgs,
    },
    /// The verifiable ledger (可验证账本): verify a ledger offline, make keys.
    Audit {
        #[command(subcommand)]
        action: ledger::AuditCommand,
    },
    /// Run an independent witness that cosigns ledger checkpoints (见证).
    Witness(ledger::WitnessArgs),
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the documented example configuration (generated from the configuration struct).
    Example,
    /// Print the effective configuration after file, environment and flags are applied.
    Show(ConfigArgs),
}

/// Where the configuration comes from.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct ConfigArgs {
    /// TOML configuration file.
    #[arg(long, short = 'c', env = "ZS_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Address and port to listen on (setting `listen`).
    #[arg(long, global = true)]
    listen: Option<String>,
    /// Data directory (setting `data_dir`).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Metadata store URL: sqlite://PATH or postgres://… (setting `database_url`).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Any other setting, as NAME=VALUE (repeatable); see `zhengshu config example`.
    #[arg(long = "set", value_name = "NAME=VALUE", global = true)]
    set: Vec<String>,
}

/// A service error as a CLI error, naming the offending field.
pub(crate) fn err(e: zs_types::Error) -> anyhow::Error {
    match e.field {
        Some(f) => anyhow::anyhow!("{} (field: {f})", e.message),
        None => anyhow::anyhow!("{}", e.message),
    }
}

impl ConfigArgs {
    /// Load the configuration, open and migrate the store, and build the services, for the
    /// one-shot commands that act on the server's data (admin, catalogue, ingest).
    pub(crate) async fn open_state(&self) -> anyhow::Result<zs_http::AppState> {
        let config = self.load(&[])?;
        zs_server::init_tracing("warn", &config.log_format);
        let store = zs_server::open_store(&config).await?;
        let state = zs_server::state(config, store, zs_server::system_clock())?;
        zs_server::keys::load(&state).await?;
        Ok(state)
    }

    pub(crate) fn load(&self, extra: &[(String, String)]) -> anyhow::Result<Config> {
        let mut flags: Vec<(String, String)> = extra.to_vec();
        if let Some(v) = &self.listen {
            flags.push(("listen".into(), v.clone()));
        }
        if let Some(v) = &self.data_dir {
            flags.push(("data_dir".into(), v.display().to_string()));
        }
        if let Some(v) = &self.database_url {
            flags.push(("database_url".into(), v.clone()));
        }
        for kv in &self.set {
            let (k, v) = kv.split_once('=').with_context(|| format!("--set expects NAME=VALUE, got '{kv}'"))?;
            flags.push((k.trim().to_owned(), v.to_owned()));
        }
        Config::load(self.config.as_deref(), std::env::vars(), &flags).map_err(|e| anyhow::anyhow!("{}", e.message))
    }
}

/// Options of `demo`.
#[derive(Debug, Args)]
struct DemoArgs {
    /// Data directory for the demo (created if missing, reused if present).
    #[arg(long, default_value = "zhengshu-demo")]
    data_dir: PathBuf,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Create the demo data and exit without serving.
    #[arg(long)]
    no_serve: bool,
    /// Residents in the population base library (enterprises: a tenth of it).
    #[arg(long, default_value_t = 200_000)]
    people: usize,
}

/// mimalloc instead of glibc's malloc: the server allocates small short-lived buffers on every
/// request from several threads, where glibc's arenas cost ~14 % of the data API's CPU.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(a) => demo::run(a.data_dir, a.listen, a.no_serve, a.people).await,
        Command::Serve(c) => {
            let config = c.load(&[])?;
            zs_server::init_tracing(&config.log_level, &config.log_format);
            let store = zs_server::open_store(&config).await?;
            if store.list_orgs("/").await?.is_empty() {
                tracing::warn!("the organisation tree is empty: run `zhengshu admin init --city-name 西宁市 --city-code 630100` to create the city and the first system administrator");
            }
            let state = zs_server::state(config, store, zs_server::system_clock())?;
            zs_server::serve_until_signal(state).await
        }
        Command::Migrate(c) => {
            let config = c.load(&[])?;
            let url = config.database_url();
            let bar =
                indicatif::ProgressBar::new_spinner().with_message(format!("migrating {}", zs_meta::redact_url(&url)));
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            let store = zs_meta::open(&url).await.map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let applied = store.migrate().await.map_err(|e| anyhow::anyhow!("{}", e.message))?;
            bar.finish_and_clear();
            println!(
                "{} store at schema version {} ({applied} migration(s) applied)",
                store.backend(),
                store.schema_version().await.map_err(|e| anyhow::anyhow!("{}", e.message))?
            );
            Ok(())
        }
        Command::Admin { config, action } => admin::run(config, action).await,
        Command::Catalogue { config, action } => catalogue::run(config, action).await,
        Command::Keys { config, action } => keys::run(config, action).await,
        Command::Ingest { config, args } => ingest::run(config, args).await,
        Command::Audit { action } => ledger::run_audit(action),
        Command::Witness(a) => ledger::run_witness(a).await,
        Command::Config { action: ConfigCommand::Example } => {
            print!("{}", Config::example());
            Ok(())
        }
        Command::Config { action: ConfigCommand::Show(c) } => {
            let config = c.load(&[])?;
            let mut shown = config.clone();
            shown.database_url = zs_meta::redact_url(&shown.database_url);
            print!("{}", toml::to_string(&shown).context("rendering configuration")?);
            Ok(())
        }
    }
}
