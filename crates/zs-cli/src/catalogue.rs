//! `zhengshu catalogue`: import, export and search the catalogue from the shell, acting as the
//! machine operator (every action is recorded in the audit trail).

use crate::{err, ConfigArgs};
use anyhow::{anyhow, Context};
use clap::Subcommand;
use std::path::PathBuf;
use zs_identity::policy::{CatalogExport, CatalogImport, CatalogRead};

#[derive(Debug, Subcommand)]
pub(crate) enum CatalogueCommand {
    /// Import entries from the Excel template (or JSON, or CSV as ENTRIES.csv,ITEMS.csv) as drafts
    /// of a department. All or nothing: any problem and nothing is imported.
    Import {
        /// The file: .xlsx, .xls, .json, or two CSV files separated by a comma.
        file: String,
        /// Import on behalf of this steward (their department provides the entries).
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: String,
    },
    /// Export the catalogue ("一本账").
    Export {
        /// xlsx, csv or json.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Output file (for csv: the entries file; the items file gets `-items` added).
        #[arg(long, short)]
        out: PathBuf,
        /// Only this provider (its unified social credit code).
        #[arg(long)]
        org: Option<String>,
    },
    /// Search the catalogue (Chinese full text) and print the best hits.
    Search {
        /// What to look for, e.g. 人口 or 营业执照.
        query: String,
        /// How many hits.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
}

pub(crate) async fn run(config: ConfigArgs, cmd: CatalogueCommand) -> anyhow::Result<()> {
    let state = config.open_state().await?;
    let (id, cat) = (&state.identity, &state.catalog);
    let op = id.machine_operator().await.map_err(err)?;
    match cmd {
        CatalogueCommand::Import { file, as_user } => {
            let user = id.user_by_name(&as_user).await.map_err(err)?;
            let who = id.principal_of(user).await.map_err(err)?;
            if !zs_identity::policy::role_allows("catalog.import", who.role()) {
                return Err(anyhow!("'{as_user}' is a {}; only data stewards import entries", who.role().label_en()));
            }
            let parsed = if let Some((e, i)) = file.split_once(',') {
                let (e, i) = (
                    std::fs::read(e).with_context(|| format!("reading {e}"))?,
                    std::fs::read(i).with_context(|| format!("reading {i}"))?,
                );
                zs_catalog_xlsx::import_csv(&e, &i)
            } else {
                let bytes = std::fs::read(&file).with_context(|| format!("reading {file}"))?;
                if file.ends_with(".json") {
                    zs_catalog_xlsx::import_json(&bytes)
                } else {
                    zs_catalog_xlsx::import_xlsx(&bytes)
                }
            };
            let list = match parsed {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("{e}");
                    return Err(anyhow!("{} problem(s) in {file}; nothing was imported", e.total()));
                }
            };
            let pass = id.authorize::<CatalogImport>(&who, Some("cli")).await.map_err(err)?;
            let name =
                std::path::Path::new(&file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let entries = cat.import(&pass, list.into_iter().map(|e| e.body).collect(), &name).await.map_err(err)?;
            println!("imported {} entries as drafts of {}", entries.len(), who.org.name);
        }
        CatalogueCommand::Export { format, out, org } => {
            let org_id = match org {
                Some(code) => Some(
                    id.store()
                        .org_by_code(&code)
                        .await
                        .map_err(err)?
                        .ok_or_else(|| anyhow!("no organisation with code {code}"))?
                        .id
                        .0,
                ),
                None => None,
            };
            let pass = id.authorize::<CatalogExport>(&op, Some("cli")).await.map_err(err)?;
            let entries = cat.export(&pass, org_id).await.map_err(err)?;
            match format.as_str() {
                "xlsx" => std::fs::write(&out, zs_catalog_xlsx::export_xlsx(&entries).map_err(|e| anyhow!("{e}"))?)?,
                "json" => std::fs::write(&out, zs_catalog_xlsx::export_json(&entries).map_err(|e| anyhow!("{e}"))?)?,
                "csv" => {
                    let (e, i) = zs_catalog_xlsx::export_csv(&entries).map_err(|e| anyhow!("{e}"))?;
                    std::fs::write(&out, e)?;
                    let stem =
                        out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "catalogue".into());
                    let items = out.with_file_name(format!("{stem}-items.csv"));
                    std::fs::write(&items, i)?;
                    println!("items written to {}", items.display());
                }
                other => return Err(anyhow!("unknown format '{other}': use xlsx, csv or json")),
            }
            println!("exported {} entries to {}", entries.len(), out.display());
        }
        CatalogueCommand::Search { query, limit } => {
            let pass = id.authorize::<CatalogRead>(&op, Some("cli")).await.map_err(err)?;
            let _ = &pass;
            let index = zs_catalog_search::CatalogIndex::in_memory().map_err(|e| anyhow!("{e}"))?;
            let entries = cat.all_entries().await.map_err(err)?;
            index.rebuild(&entries).map_err(|e| anyhow!("{e}"))?;
            let q = zs_catalog_search::SearchQuery { limit, ..zs_catalog_search::SearchQuery::text(query.clone()) };
            let res = index.search(&q, &zs_catalog_search::Visibility::scope("/")).map_err(|e| anyhow!("{e}"))?;
            println!("{} entries match '{query}'", res.total);
            for h in res.hits {
                println!("  {}  {:<30} {}  [{}]", h.code, h.name, h.provider, h.status.label_zh());
            }
        }
    }
    Ok(())
}
