//! The demo base libraries against the seeded demo catalogue, end to end: every CSV file of
//! `zs-demodata` is headed by the labels of its seeded entry and passes the checked ingest into a
//! table built from that entry's items with no rejected row; the example theme libraries then
//! materialise over those tables.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::Arc;

use zs_catalog::{CatalogService, DataItem, EntryBody};
use zs_demodata::csv::{write_all, CsvFile, DemoSizes, FILES};
use zs_identity::{IdentityService, IdentitySettings};
use zs_query::themes::THEME_LIBRARIES;
use zs_query::{materialise, QueryEngine, QueryOptions};
use zs_tables::{ingest_csv, CommitMode, IngestOptions, Table, TableSchema};

/// The items of every seeded entry, by entry name (the published version, else the latest).
async fn seeded_items() -> HashMap<String, Vec<DataItem>> {
    let dir = tempfile::tempdir().unwrap();
    let store: zs_meta::DynStore = Arc::new(zs_meta::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap());
    store.migrate().await.unwrap();
    let sink = Arc::new(zs_audit::StoreSink::start(store.clone()));
    let clock = Arc::new(zs_types::SystemClock);
    let settings = IdentitySettings { demo_mode: true, ..Default::default() };
    let identity = IdentityService::new(store.clone(), sink.clone(), clock.clone(), settings);
    zs_identity::seed::demo_city(&identity, &|_| {}).await.unwrap();
    let catalog = CatalogService::new(store.clone(), sink, clock, None);
    zs_catalog::seed::demo_catalogue(&catalog, &identity, &|_| {}).await.unwrap();
    let mut out = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.list_entries_shown(after, 500).await.unwrap();
        let Some((last, _)) = page.last() else { break };
        after = last.id;
        for (_, version) in page {
            let body: EntryBody = serde_json::from_str(&version.body).unwrap();
            out.entry(body.name.clone()).or_insert(body.items);
        }
    }
    out
}

fn csv_files(sizes: DemoSizes) -> Vec<(CsvFile, Vec<u8>)> {
    let mut bufs: Vec<Vec<u8>> = Vec::new();
    let mut files = Vec::new();
    // `write_all` hands each file its own writer; collect them through a shared list.
    let shared = std::rc::Rc::new(std::cell::RefCell::new(Vec::<Vec<u8>>::new()));
    struct W(std::rc::Rc<std::cell::RefCell<Vec<Vec<u8>>>>, usize);
    impl std::io::Write for W {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut()[self.1].extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let written = write_all(sizes, |f| {
        files.push(*f);
        shared.borrow_mut().push(Vec::new());
        Ok(W(shared.clone(), shared.borrow().len() - 1))
    })
    .unwrap();
    bufs.append(&mut shared.borrow_mut());
    assert_eq!(written.len(), files.len());
    files.into_iter().zip(bufs).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_files_match_the_seeded_entries_and_pass_the_checked_ingest() {
    let items = seeded_items().await;
    let sizes = DemoSizes { seed: 630_100, people: 4000, enterprises: 600 };
    let files = csv_files(sizes);
    assert_eq!(files.len(), FILES.len());
    let dir = tempfile::tempdir().unwrap();
    let mut tables: HashMap<&str, Table> = HashMap::new();
    for (file, bytes) in &files {
        let entry_items = items.get(file.entry).unwrap_or_else(|| panic!("no seeded entry '{}'", file.entry));
        let labels: Vec<&str> = entry_items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(file.header, labels, "header of {} = labels of the seeded entry", file.file_name);

        let schema = TableSchema::from_items(entry_items).unwrap();
        let table = Table::open(dir.path().join(file.file_name.trim_end_matches(".csv")), schema).unwrap();
        let report =
            ingest_csv(&table, bytes.as_slice(), &IngestOptions::new(CommitMode::Replace, "demo", "upload")).unwrap();
        let first_rejected = report.rejected.first().map(|r| format!("{r:?}"));
        assert_eq!(report.rows_rejected, 0, "{}: {:?}", file.file_name, first_rejected);
        assert!(report.missing_items.is_empty(), "{}: {:?}", file.file_name, report.missing_items);
        assert!(report.rows_written > 0);
        tables.insert(file.entry, table);
    }

    // Spatial checks through SQL: 7 districts, every POI's district among them.
    let engine = QueryEngine::new();
    engine.register("district", &tables["基础地理信息"], None).unwrap();
    engine.register("poi", &tables["地名地址信息"], None).unwrap();
    let out = engine
        .query(
            "SELECT COUNT(*) FROM poi WHERE division_code NOT IN (SELECT division_code FROM district)",
            &QueryOptions::default(),
        )
        .await
        .unwrap();
    let orphans = out[0].column(0).as_any().downcast_ref::<arrow_array::Int64Array>().unwrap().value(0);
    assert_eq!(orphans, 0);

    // The theme libraries materialise over the ingested base tables.
    for theme in THEME_LIBRARIES {
        let target = Table::open(dir.path().join(theme.name), theme.schema().unwrap()).unwrap();
        let sources: Vec<(&str, &Table)> = theme.sources.iter().map(|(name, entry)| (*name, &tables[entry])).collect();
        let done = materialise(theme.sql, &sources, &target, "scheduler")
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", theme.name));
        let base_rows = tables[theme.sources[0].1].current().unwrap().unwrap().rows;
        assert_eq!(done.rows, base_rows, "{}: one row per subject", theme.name);
        assert_eq!(done.lineage.len(), theme.sources.len());
        assert!(done.lineage.iter().all(|(_, v)| *v == 1));
    }
}
