//! `zhengshu demo`: the demo city, seeded with progress and served in demo mode.

use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use zs_config::{Config, Mode};

pub(crate) async fn run(data_dir: PathBuf, listen: String, no_serve: bool, people: usize) -> anyhow::Result<()> {
    let flags = vec![
        ("mode".to_owned(), "demo".to_owned()),
        ("data_dir".to_owned(), data_dir.display().to_string()),
        ("listen".to_owned(), listen),
    ];
    // Demo ignores ZS_* variables meant for a production setup, except the log level.
    let env = std::env::vars().filter(|(k, _)| k == "ZS_LOG_LEVEL");
    let config = Config::load(None, env, &flags).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    debug_assert_eq!(config.mode, Mode::Demo);
    zs_server::init_tracing(&config.log_level, &config.log_format);
    let store = zs_server::open_store(&config).await?;
    let state = zs_server::state(config.clone(), store, zs_server::system_clock())?;

    let total = (1 + zs_identity::seed::MUNICIPAL.len() + zs_identity::seed::DISTRICTS.len() + 1) as u64;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{spinner} seeding demo city [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let logins = zs_identity::seed::demo_city(&state.identity, &|step: &str| {
        bar.set_message(step.to_owned());
        bar.inc(1);
    })
    .await
    .map_err(|e| anyhow::anyhow!("seeding the demo city failed: {}", e.message))?;
    bar.set_length(total + 20);
    let entries = zs_catalog::seed::demo_catalogue(&state.catalog, &state.identity, &|step: &str| {
        bar.set_message(step.to_owned());
        bar.inc(1);
    })
    .await
    .map_err(|e| anyhow::anyhow!("seeding the demo catalogue failed: {}", e.message))?;
    if entries > 0 {
        tracing::info!(entries, "demo catalogue created");
    }
    state
        .standards
        .ensure_seeded()
        .await
        .map_err(|e| anyhow::anyhow!("seeding the data elements failed: {}", e.message))?;
    // The base libraries (200,000 residents, 20,000 enterprises, e-licences, districts, credit),
    // handed in through the checked ingest; skipped when they already hold data.
    bar.set_length(bar.length().unwrap_or(0) + zs_demodata::csv::FILES.len() as u64);
    let seeded = state
        .ingest
        .seed_base_libraries(
            zs_ingest::seed::DemoSizes { people, enterprises: people / 10, ..Default::default() },
            &|name: &str| {
                bar.set_message(format!("基础库 {name}"));
                bar.inc(1);
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("seeding the base libraries failed: {}", e.message))?;
    bar.finish_and_clear();
    for s in seeded.iter().filter(|s| !s.skipped) {
        tracing::info!(entry = s.entry, code = %s.code, rows = s.rows, "base library handed in");
    }
    // 一数一源: names are authoritative in the population library, enterprise names in the
    // legal-person library; other resources carrying them are compared at every check.
    for (element, library, key, note) in [
        ("DE01002", "人口基础信息", "DE01001", "公安户籍登记为准"),
        ("DE02003", "法人单位基础信息", "DE02001", "市场监管登记为准"),
    ] {
        if let Some(s) = seeded.iter().find(|s| s.entry == library) {
            state
                .govern
                .seed_authority(element, &s.code, key, note)
                .await
                .map_err(|e| anyhow::anyhow!("designating authoritative sources failed: {}", e.message))?;
        }
    }

    if no_serve {
        print_logins(&format!("http://{}", config.listen), &logins);
        return Ok(());
    }
    let running = zs_server::start(state).await?;
    print_logins(&format!("http://{}", running.addr), &logins);
    zs_server::shutdown_signal().await;
    running.stop();
    running.handle.await??;
    Ok(())
}

fn print_logins(url: &str, logins: &[zs_identity::seed::DemoLogin]) {
    println!();
    println!("  西宁市一体化政务大数据平台 — DEMO MODE (演示模式)");
    println!("  Open {url}/ and log in as one of:");
    println!();
    println!("  {:<14} {:<18} {:<24} role (角色) · organisation", "user", "password", "role");
    for l in logins {
        println!("  {:<14} {:<18} {:<24} {} · {}", l.username, l.password, l.role.label_en(), l.role.label_zh(), l.org);
    }
    println!();
    println!("  Passwords are generated anew at every start. Press Ctrl-C to stop.");
    println!();
}
